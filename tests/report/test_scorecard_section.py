"""The "Scorecard" section of the report: service standards as text and colour with the figure
and n behind each status, and per measure the variance components in words, a caterpillar
chart and the ranked table.

The results are fixtures/servqual.json plus the hand-written ``scorecard`` block below:
employees anna, bo (team north) and erik (team south), one measure (the SERVQUAL score) with
tau2 = 0.25, sigma2 = 1.0 (so tau = 0.50, sigma = 1.00, ICC = 0.25 / 1.25 = 20.0%) and a
standard ``servqual >= -0.5`` with min_n 10: anna passes (−0.31, n 40), erik fails (−0.92,
n 22), bo has too few answers (n 3). The median n is 22, whose weight of its own mean is
0.25 / (0.25 + 1 / 22) = 84.6%.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
from report_pages import assert_offline, section_of, subsection_of

from servq.report import SCHEMA_PATH
from servq.report.html import render_html

FIXTURES = Path(__file__).parent / "fixtures"
LANGS = ("en", "sv", "zh")


def unit(name, team, n, raw, shrunk, factor, lo, hi, rank):
    return {"unit": name, "parent": team, "n": n, "raw": raw, "sd": 1.0, "shrunk": shrunk, "factor": factor,
            "se": (hi - lo) / 3.92, "ci_low": lo, "ci_high": hi, "rank": rank}


SCORECARD = {
    "unit": "employee", "parent": "team", "method": "REML", "confidence": 0.95, "min_n": 10, "basis": "shrunk",
    "units": [{"unit": "anna", "parent": "north", "n": 40}, {"unit": "bo", "parent": "north", "n": 3},
              {"unit": "erik", "parent": "south", "n": 22}],
    "measures": [{
        "key": "servqual", "measure": "servqual", "dimension": None, "outcome": None, "label": None, "better": "higher",
        "sigma2": 1.0, "tau2": 0.25, "icc": 0.2, "estimable": True, "n_units": 3, "n": 65,
        "parents": [{"parent": "north", "mean": -0.6, "n_units": 2, "n": 43},
                    {"parent": "south", "mean": -0.92, "n_units": 1, "n": 22}],
        "units": [unit("bo", "north", 3, 0.55, -0.18, 0.43, -1.2, 0.84, 1),
                  unit("anna", "north", 40, -0.30, -0.31, 0.91, -0.6, -0.02, 2),
                  unit("erik", "south", 22, -0.92, -0.92, 0.85, -1.3, -0.54, 3)],
    }],
    "standards": [{"key": "servqual", "measure": "servqual", "dimension": None, "outcome": None, "label": None,
                   "target": ">= -0.5", "op": ">=", "value": -0.5,
                   "status": {"anna": "pass", "bo": "not_enough_data", "erik": "fail"},
                   "counts": {"pass": 1, "fail": 1, "not_enough_data": 1}}],
}


def load() -> dict:
    results = json.loads((FIXTURES / "servqual.json").read_text(encoding="utf-8"))
    results["scorecard"] = copy.deepcopy(SCORECARD)
    return results


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return {lang: render_html(load(), lang) for lang in LANGS}


def test_fixture_follows_the_schema():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(load())
    nulls = load()
    nulls["scorecard"] = None
    jsonschema.Draft202012Validator(schema).validate(nulls)


def test_no_section_without_a_scorecard():
    results = load()
    del results["scorecard"]
    assert 'id="scorecard"' not in render_html(results, "en")
    results["scorecard"] = None
    assert 'id="scorecard"' not in render_html(results, "en")


TITLES = {"en": ("Scorecard", "Service standards", "SERVQUAL score"),
          "sv": ("Resultatkort", "Servicestandarder", "SERVQUAL-index"),
          "zh": ("计分卡", "服务标准", "SERVQUAL 得分")}
STATUS = {"en": ("Pass", "Fail", "Not enough data"), "sv": ("Godkänd", "Underkänd", "För lite data"),
          "zh": ("达标", "未达标", "数据不足")}


@pytest.mark.parametrize("lang", LANGS)
def test_section_title_contents_and_subsections(rendered, lang):
    html = rendered[lang]
    title, standards, measure = TITLES[lang]
    assert f'<a href="#scorecard">{title}</a>' in html
    section = section_of(html, "scorecard")
    assert f"<h2>{title}</h2>" in section
    assert re.findall(r'<div class="subsection">\s*<h3>([^<]*)</h3>', section) == [standards, measure]
    assert_offline(html)


@pytest.mark.parametrize("lang", LANGS)
def test_status_cells_are_text_and_colour_with_the_figure_and_n(rendered, lang):
    table = subsection_of(rendered[lang], "scorecard", TITLES[lang][1])
    passed, failed, missing = STATUS[lang]
    cells = re.findall(r'<td class="([^"]*)">([^<]*)<span class="sub">([^<]*)</span></td>', table)
    statuses = {text: (cls, sub) for cls, text, sub in cells}
    assert statuses[passed][0] == "status above" and "40" in statuses[passed][1]
    assert statuses[failed][0] == "status below" and "22" in statuses[failed][1]
    assert statuses[missing][0] == "na" and "3" in statuses[missing][1]
    # the failing unit is flagged and named in the callout
    assert re.search(r'<tr class="flag">\s*<th scope="row" class="label">erik</th>', table)
    assert re.search(r'<div class="callout warn".*?erik.*?</div>', table, re.S)


def test_english_texts(rendered):
    html = rendered["en"]
    table = subsection_of(html, "scorecard", "Service standards")
    assert "SERVQUAL score ≥ −0.50: 1 passed, 1 failed, 1 with too few answers." in table
    assert "Each employee passes when its shrunk estimate meets the target." in table
    assert "Every employee with enough answers" not in table  # erik fails: a warning, not an all-clear
    measure = subsection_of(html, "scorecard", "SERVQUAL score")
    assert ("Between-employee SD 0.50, within-employee SD 1.00 (REML); 20.0% of the variance lies between units. "
            "With 22 answers, a unit keeps 84.6% of its distance from the mean of its team.") in measure
    rows = re.findall(r'<tr class="data">\s*<th scope="row" class="label">(\w+)</th>\s*<td class="">(\w+)</td>\s*'
                      r'<td class="num">(\d)</td>\s*<td class="num">(\d+)</td>', measure)
    assert rows == [("bo", "north", "1", "3"), ("anna", "north", "2", "40"), ("erik", "south", "3", "22")]
    assert "[−1.20, +0.84]" in measure  # the shrunk estimate's interval, signed like a gap


def test_caterpillar_chart(rendered):
    measure = subsection_of(rendered["en"], "scorecard", "SERVQUAL score")
    svg = re.search(r"<svg.*?</svg>", measure, re.S).group(0)
    assert svg.count('class="shrunk"') == 3 and svg.count('class="raw"') == 3
    assert svg.count('class="interval"') == 3
    assert svg.count('class="centre"') == 3  # the team mean behind every row
    labels = re.findall(r">(\w+) \(n = (\d+)\)</text>", svg)
    assert labels == [("bo", "3"), ("anna", "40"), ("erik", "22")]  # grouped by team, by rank within
    assert ">north</text>" in svg and ">south</text>" in svg
    # one dashed line per team, at its mean: north's (−0.60) right of south's (−0.92)
    xs = [float(x) for x in re.findall(r'class="centre" x1="([\d.]+)"', svg)]
    assert xs[0] == xs[1] > xs[2]


def test_tau_zero_and_not_estimable_texts():
    results = load()
    card = results["scorecard"]["measures"][0]
    card.update({"tau2": 0.0, "icc": 0.0})
    html = render_html(results, "en")
    assert ("The between-employee variance is estimated as zero: the differences between units are no larger "
            "than chance would give, so every employee is shown at the mean of its team.") in html
    card.update({"tau2": None, "icc": None, "estimable": False})
    assert "cannot be estimated here" in render_html(results, "en")


def test_without_parent_and_standards():
    results = load()
    sc = results["scorecard"]
    sc.update({"parent": None, "standards": []})
    for u in sc["units"] + sc["measures"][0]["units"]:
        u["parent"] = None
    sc["measures"][0]["parents"] = [{"parent": None, "mean": -0.7, "n_units": 3, "n": 65}]
    html = render_html(results, "sv")
    section = section_of(html, "scorecard")
    assert "Servicestandarder" not in section
    assert "dras mot totalmedelvärdet" in section
    assert "Totalmedelvärde" in section  # the legend of the reference line
