"""The "Service focus" section of the report (key drivers, importance–performance, the
ranked focus list) and its summary sentence.

fixtures/focus.json is servqual.json plus hand-written ``drivers`` and ``ipa`` blocks:

- drivers of Overall satisfaction: R² = .52, n = 389; relative-weight shares (% of R²)
  Tangibles 8.4, Reliability 31.2, Responsiveness 24.6, Assurance 20.5, Empathy 15.3
  (sum 100.0); LMG shares 9.1, 29.8, 23.9, 20.2, 17.0 (sum 100.0); raw values are the
  shares × .52 / 100 (Reliability: 31.2 × .52 / 100 = .16224). Every VIF ≤ 3.35 and the
  condition number 12.4, so nothing is collinear under the rule VIF > 5 or κ > 30.
  Likelihood to recommend: R² = .41, strongest by LMG Responsiveness (26.4).
- ipa: importance = the relative-weight shares above (derived from overall satisfaction),
  performance = the dimension gaps +0.13, −0.97, −1.00, −0.32, −0.62; mean crosshair:
  importance 100 / 5 = 20.0, performance (0.13 − 0.97 − 1.00 − 0.32 − 0.62) / 5 = −0.556.
  High = at or above the crosshair, so Reliability (31.2, −0.97) and Responsiveness
  (24.6, −1.00) concentrate here, Assurance (20.5, −0.32) keep up the good work, Empathy
  (15.3, −0.62) low priority and Tangibles (8.4, +0.13) possible overkill; focus order:
  concentrate here by importance, then low priority, keep up, overkill.
"""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from markupsafe import escape
from report_pages import assert_offline, section_of, subsection_of

from servq.report.html import render_html
from servq.report.summary import executive_summary, focus_sentences

FIXTURES = Path(__file__).parent / "fixtures"
LANGS = ("en", "sv", "zh")
FOCUS_KEYS = ("drivers", "ipa")


def load(name: str = "focus") -> dict:
    with open(FIXTURES / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return {lang: render_html(load(), lang) for lang in LANGS}


def section(html: str, section_id: str = "focus") -> str:
    return section_of(html, section_id)


def subsection(html: str, title: str) -> str:
    return subsection_of(html, "focus", title)


def focus_items(html: str) -> list[str]:
    listing = re.search(r'<ol class="focus-list">(.*?)</ol>', section(html), re.DOTALL)
    assert listing
    return re.findall(r"<li>(.*?)</li>", listing.group(1), re.DOTALL)


# --------------------------------------------------------------------------- contract


def test_fixture_validates_and_is_servqual_plus_the_focus_blocks():
    schema = json.loads(
        resources.files("servq.report").joinpath("results.schema.json").read_text(encoding="utf-8")
    )
    validator = jsonschema.Draft202012Validator(schema)
    results = load()
    validator.validate(results)
    nulls = load()
    nulls.update({key: None for key in FOCUS_KEYS})
    validator.validate(nulls)
    assert {k: v for k, v in results.items() if k not in FOCUS_KEYS} == load("servqual")


def test_fixture_quadrants_follow_the_crosshair_rule():
    ipa = load()["ipa"]
    assert ipa["importance_cross"] == pytest.approx(20.0)
    assert ipa["performance_cross"] == pytest.approx(-0.556)
    quadrants = {p["id"]: p["quadrant"] for p in ipa["points"]}
    assert quadrants == {
        "tangibles": "possible_overkill",
        "reliability": "concentrate_here",
        "responsiveness": "concentrate_here",
        "assurance": "keep_up_the_good_work",
        "empathy": "low_priority",
    }
    assert [f["id"] for f in ipa["focus"]] == [
        "reliability",
        "responsiveness",
        "empathy",
        "assurance",
        "tangibles",
    ]


# --------------------------------------------------------------------------- document

TITLES = {"en": "Service focus", "sv": "Tjänstefokus", "zh": "服务焦点"}
SUBTITLES = {
    "en": ["What to improve first", "Key drivers", "Importance–performance"],
    "sv": ["Vad som ska förbättras först", "Nyckeldrivare", "Viktighet–prestation"],
    "zh": ["优先改进事项", "关键驱动因素", "重要性–绩效分析"],
}
QUADRANT_NAMES = {
    "en": ["Concentrate here", "Keep up the good work", "Low priority", "Possible overkill"],
    "sv": ["Koncentrera här", "Fortsätt det goda arbetet", "Låg prioritet", "Möjlig överinsats"],
    "zh": ["重点改进", "继续保持", "低优先级", "可能过度投入"],
}


@pytest.mark.parametrize("lang", LANGS)
def test_section_follows_overall_and_is_in_the_contents(rendered, lang):
    html = rendered[lang]
    order = re.findall(r'<section id="([a-z]+)"', html)
    assert order == [
        "summary",
        "dimensions",
        "overall",
        "focus",
        "items",
        "outcomes",
        "segments",
        "definitions",
    ]
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.DOTALL).group(0)
    assert f'<a href="#focus">{TITLES[lang]}</a>' in toc
    assert f"<h2>{TITLES[lang]}</h2>" in section(html)
    assert (
        re.findall(r'<div class="subsection">\s*<h3>([^<]*)</h3>', section(html)) == SUBTITLES[lang]
    )


@pytest.mark.parametrize("lang", LANGS)
def test_quadrant_names_in_the_chart_corners_and_the_table(rendered, lang):
    ipa = subsection(rendered[lang], SUBTITLES[lang][2])
    svg = re.search(r'<svg class="chart chart-ipa".*?</svg>', ipa, re.DOTALL).group(0)
    corners = re.findall(r'<text [^>]*font-weight="700">([^<]*)</text>', svg)
    assert corners == QUADRANT_NAMES[lang]
    table = ipa.split("<table", 1)[1]
    cells = re.findall(r'<td class="quadrant (\w+)">([^<]*)</td>', table)
    names = dict(
        zip(
            ("concentrate_here", "keep_up_the_good_work", "low_priority", "possible_overkill"),
            QUADRANT_NAMES[lang],
        )
    )
    # table rows in the dimensions' order: Tangibles, Reliability, Responsiveness, Assurance, Empathy
    assert [c[0] for c in cells] == [
        "possible_overkill",
        "concentrate_here",
        "concentrate_here",
        "keep_up_the_good_work",
        "low_priority",
    ]
    assert all(name == names[key] for key, name in cells)


def test_scatter_places_points_by_performance_and_importance(rendered):
    svg = re.search(
        r'<svg class="chart chart-ipa".*?</svg>', section(rendered["en"]), re.DOTALL
    ).group(0)
    points = re.findall(r'<circle class="point (\w+)" cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert len(points) == 5
    crosshair = re.findall(
        r'<line class="crosshair" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"', svg
    )
    assert len(crosshair) == 2
    x_cross = float(crosshair[0][0])  # the vertical line
    y_cross = float(crosshair[1][1])  # the horizontal line
    for quadrant, cx, cy in points:
        high_importance = float(cy) <= y_cross  # svg y grows downwards
        high_performance = float(cx) >= x_cross
        expected = {
            (True, False): "concentrate_here",
            (True, True): "keep_up_the_good_work",
            (False, False): "low_priority",
            (False, True): "possible_overkill",
        }[(high_importance, high_performance)]
        assert quadrant == expected
    for label in ("Reliability", "Responsiveness", "Assurance", "Empathy", "Tangibles"):
        assert f">{label}</text>" in svg


# --------------------------------------------------------------------------- the focus list

FIRST = {
    "en": "Reliability — customers weigh it heavily (31.2% of the explained variance in "
    "“Overall satisfaction”) and it performs below the average (−0.97 vs −0.56): concentrate here.",
    "sv": "Reliability — kunderna väger den tungt (31,2\u00a0% av den förklarade variansen i "
    "”Overall satisfaction”) och den presterar under genomsnittet (−0,97 mot −0,56): koncentrera här.",
    "zh": "Reliability——顾客高度重视（占“Overall satisfaction”已解释方差的 31.2%），"
    "而其表现低于平均水平（−0.97，对比 −0.56）：重点改进。",
}


@pytest.mark.parametrize("lang", LANGS)
def test_first_focus_sentence_names_the_right_dimension(rendered, lang):
    items = focus_items(rendered[lang])
    assert len(items) == 5
    assert items[0] == str(escape(FIRST[lang]))


def test_one_sentence_template_per_quadrant(rendered):
    items = [str(i) for i in focus_items(rendered["en"])]
    assert [i.split(" — ")[0] for i in items] == [
        "Reliability",
        "Responsiveness",
        "Empathy",
        "Assurance",
        "Tangibles",
    ]
    assert items[1].endswith("below the average (−1.00 vs −0.56): concentrate here.")
    assert items[2] == (
        "Empathy — customers weigh it less (15.3% of the explained variance in “Overall "
        "satisfaction”) and it performs below the average (−0.62 vs −0.56): low priority; "
        "improve it after the areas above."
    )
    assert items[3].endswith("at or above the average (−0.32 vs −0.56): keep up the good work.")
    assert "(+0.13 vs −0.56): possible overkill" in items[4]


def test_stated_importance_perception_and_midpoint_are_worded_as_such():
    results = load()
    ipa = results["ipa"]
    ipa.update(importance="stated", outcome=None, performance="perception", crosshair="midpoint")
    ipa.update(importance_cross=20.0, performance_cross=4.0)
    perception = {d["id"]: d["perception"]["mean"] for d in results["dimensions"]}
    importance = {d["id"]: d["importance"]["mean"] for d in results["dimensions"]}
    for row in ipa["points"] + ipa["focus"]:
        # every perception is above the midpoint 4; importance ≥ 20 in 32.4 and 22.1 only
        high = importance[row["id"]] >= 20.0
        quadrant = "keep_up_the_good_work" if high else "possible_overkill"
        row.update(
            importance=importance[row["id"]], performance=perception[row["id"]], quadrant=quadrant
        )
    html = render_html(results, "en")
    first = str(focus_items(html)[0])
    assert first.startswith("Reliability — customers weigh it heavily (32.4 of 100 points)")
    assert "(5.46 vs 4.00)" in first
    assert "at or above the scale midpoint" in first
    assert "The crosshair is at the midpoint" in section(html)
    assert "Performance: mean perception" in section(html)


# --------------------------------------------------------------------------- key drivers


def test_driver_table_and_r2(rendered):
    drivers = subsection(rendered["en"], "Key drivers")
    assert "R² = 0.52 (adjusted 0.51), from 389 respondents" in drivers
    assert "R² = 0.41 (adjusted 0.40), from 383 respondents" in drivers
    headers = re.findall(r"<th scope=\"col\"[^>]*>([^<]*)</th>", drivers.split("</table>")[0])
    assert headers == ["Dimension", "Relative weight", "% of R²", "LMG", "% of R²", "VIF"]
    row = re.search(
        r'<th scope="row" class="label">Reliability</th>(.*?)</tr>', drivers, re.DOTALL
    ).group(1)
    assert re.findall(r">([^<]*)</td>", row) == ["0.162", "31.2", "0.155", "29.8", "2.41"]
    assert "a VIF above 5 or a condition number above 30" in drivers
    assert "Condition number of the dimensions&#39; correlation matrix: 12.4." in drivers
    assert 'class="callout' not in drivers


def test_driver_chart_bars_are_relative_weights_with_lmg_markers_as_the_check(rendered):
    drivers = subsection(rendered["en"], "Key drivers")
    svgs = re.findall(r'<svg class="chart chart-shares".*?</svg>', drivers, re.DOTALL)
    assert len(svgs) == 2
    assert svgs[0].count('class="bar"') == 5 and svgs[0].count('class="marker"') == 5
    assert "LMG, % of R² (a check)" in svgs[0] and "Relative weight, % of R²" in svgs[0]
    values = re.findall(r'text-anchor="end" font-weight="600">([\d.]+)</text>', svgs[0])
    assert values == ["8.4", "31.2", "24.6", "20.5", "15.3"]  # the relative weights, as the IPA's importance


def test_collinearity_is_flagged_by_the_stated_rule():
    results = load()
    outcome = results["drivers"]["outcomes"][0]
    outcome["predictors"][3]["vif"] = 6.1  # Assurance
    outcome["condition_number"] = 34.5
    drivers = subsection(render_html(results, "en"), "Key drivers")
    callout = re.search(
        r'<div class="callout warn" role="note">(.*?)</div>', drivers, re.DOTALL
    ).group(1)
    assert "Strongly overlapping with the other dimensions: Assurance (VIF 6.1)." in callout
    assert "The condition number is 34.5, above 30." in callout
    assert '<td class="num flag">6.10</td>' in drivers
    assert drivers.count('class="callout warn"') == 1  # the second outcome is fine


def test_without_lmg_the_bars_show_relative_weights():
    results = load()
    for outcome in results["drivers"]["outcomes"]:
        for p in outcome["predictors"]:
            p.update(lmg=None, lmg_pct=None)
    drivers = subsection(render_html(results, "en"), "Key drivers")
    svg = re.search(r'<svg class="chart chart-shares".*?</svg>', drivers, re.DOTALL).group(0)
    assert 'class="marker"' not in svg and "LMG" not in svg
    values = re.findall(r'text-anchor="end" font-weight="600">([\d.]+)</text>', svg)
    assert values == ["8.4", "31.2", "24.6", "20.5", "15.3"]
    summary = focus_sentences(results, "en")
    assert summary[0].endswith(
        "the strongest driver of “Overall satisfaction” is Reliability, "
        "with 31.2% of the explained variance (its relative weight)."
    )


# --------------------------------------------------------------------------- summary

SUMMARY = {
    "en": "Improve Reliability first (service focus: concentrate here); the strongest driver of "
    "“Overall satisfaction” is Reliability, with 31.2% of the explained variance (its relative weight).",
    "sv": "Förbättra Reliability först (tjänstefokus: koncentrera här); den starkaste drivaren av "
    "”Overall satisfaction” är Reliability, med 31,2\u00a0% av den förklarade variansen (dess relativa vikt).",
    "zh": "应首先改进 Reliability（服务焦点：重点改进）；“Overall satisfaction”最强的驱动因素是"
    " Reliability，占已解释方差的 31.2%（其相对权重）。",
}


@pytest.mark.parametrize("lang", LANGS)
def test_summary_names_first_focus_item_and_strongest_driver(rendered, lang):
    assert SUMMARY[lang] in executive_summary(load(), lang)
    assert f"<li>{escape(SUMMARY[lang])}</li>" in section(rendered[lang], "summary")


def test_summary_parts_only_when_present():
    results = load()
    no_ipa = {**results, "ipa": None}
    assert focus_sentences(no_ipa, "en") == [
        "The strongest driver of “Overall satisfaction” is Reliability, with 31.2% of the explained variance "
        "(its relative weight)."
    ]
    no_drivers = {**results, "drivers": None}
    assert focus_sentences(no_drivers, "en") == [
        "Improve Reliability first (service focus: concentrate here)."
    ]
    assert focus_sentences({**results, "drivers": None, "ipa": None}, "en") == []


# --------------------------------------------------------------------------- absent, escaping


@pytest.mark.parametrize("lang", LANGS)
def test_absent_or_null_blocks_give_no_section_and_the_same_document(lang):
    before = render_html(load("servqual"), lang)
    nulls = load()
    nulls.update(drivers=None, ipa=None)
    assert render_html(nulls, lang) == before
    empty = load()
    empty["drivers"]["outcomes"] = []
    empty["ipa"] = None
    assert render_html(empty, lang) == before
    assert 'id="focus"' not in before and "#focus" not in before


def test_only_one_block_gives_only_its_parts():
    results = load()
    only_drivers = render_html({**results, "ipa": None}, "en")
    titles = re.findall(r'<div class="subsection">\s*<h3>([^<]*)</h3>', section(only_drivers))
    assert titles == ["Key drivers"]
    only_ipa = render_html({**results, "drivers": None}, "en")
    titles = re.findall(r'<div class="subsection">\s*<h3>([^<]*)</h3>', section(only_ipa))
    assert titles == ["What to improve first", "Importance–performance"]


def test_user_text_is_escaped():
    results = load()
    evil = '<script>alert("x")</script> & Co'
    for block in (results["ipa"]["points"], results["ipa"]["focus"]):
        for row in block:
            if row["id"] == "reliability":
                row["label"] = evil
    results["drivers"]["outcomes"][0]["predictors"][1]["label"] = evil
    results["drivers"]["outcomes"][0]["label"] = evil
    html = render_html(copy.deepcopy(results), "en")
    assert "<script" not in html
    assert str(escape(evil)) in section(html)
    assert str(escape(evil)) in section(html, "summary")


@pytest.mark.parametrize("lang", LANGS)
def test_no_external_references(rendered, lang):
    assert_offline(rendered[lang])
