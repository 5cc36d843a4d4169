"""The importance–performance points near the line, in the report: the focus list, the IPA
table, the chart and the executive summary qualify the verdict and name the axis, in
English, Swedish and Chinese.

fixtures/focus.json's ``ipa`` block (crosshair: importance 100 / 5 = 20.0, performance
−0.556) with hand-written intervals added:

- Assurance (20.5, −0.32): importance [17.9, 23.4] contains 20.0 → near on importance;
  performance [−0.43, −0.21] lies above −0.556;
- Empathy (15.3, −0.62): importance [12.0, 18.8] below 20.0; performance [−0.71, −0.50]
  contains −0.556 → near on performance;
- Tangibles, Reliability and Responsiveness clear on both axes.
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
from report_pages import section_of, subsection_of

from servq.report import i18n
from servq.report.html import render_html
from servq.report.summary import focus_sentences

FIXTURES = Path(__file__).parent / "fixtures"
LANGS = ("en", "sv", "zh")
INTERVALS = {  # id: (importance low, high), (performance low, high)
    "tangibles": ((5.9, 11.2), (0.01, 0.25)),
    "reliability": ((26.0, 36.1), (-1.08, -0.86)),
    "responsiveness": ((20.4, 28.9), (-1.12, -0.88)),
    "assurance": ((17.9, 23.4), (-0.43, -0.21)),
    "empathy": ((12.0, 18.8), (-0.71, -0.50)),
}
NEAR = {"assurance": ["importance"], "empathy": ["performance"]}
IPA_TITLE = {"en": "Importance–performance", "sv": "Viktighet–prestation", "zh": "重要性–绩效分析"}
SENTENCE = {  # the qualifier a near item's focus sentence ends with, per axis
    "en": {"importance": "Near the line on importance:", "performance": "Near the line on performance:"},
    "sv": {"importance": "Nära gränsen i fråga om viktighet:", "performance": "Nära gränsen i fråga om prestation:"},
    "zh": {"importance": "在重要性上接近分界线：", "performance": "在绩效上接近分界线："},
}
MARK = {
    "en": {"importance": "near the line (importance)", "performance": "near the line (performance)"},
    "sv": {"importance": "nära gränsen (viktighet)", "performance": "nära gränsen (prestation)"},
    "zh": {"importance": "接近分界线（重要性）", "performance": "接近分界线（绩效）"},
}
BOOT_HINT = {"en": "--boot 1000", "sv": "--boot 1000", "zh": "--boot 1000"}


def with_intervals(importance_interval: str | None = "bootstrap") -> dict:
    results = json.loads((FIXTURES / "focus.json").read_text(encoding="utf-8"))
    ipa = results["ipa"]
    ipa.update(importance_interval=importance_interval, performance_interval="t")
    for p in ipa["points"]:
        (il, ih), (pl, ph) = INTERVALS[p["id"]]
        if importance_interval:
            p.update(importance_low=il, importance_high=ih)
        p.update(performance_low=pl, performance_high=ph)
    for row in ipa["points"] + ipa["focus"]:
        row.update(near_line=row["id"] in NEAR, near=NEAR.get(row["id"], []))
    return results


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return {lang: render_html(with_intervals(), lang) for lang in LANGS}


def focus_items(html: str) -> dict[str, str]:
    """The focus list's items by the dimension each starts with."""
    listing = re.search(r'<ol class="focus-list">(.*?)</ol>', section_of(html, "focus"), re.DOTALL).group(1)
    return {re.match(r"<li>(\w+)", li).group(1).lower(): li for li in re.findall(r"<li>.*?</li>", listing, re.DOTALL)}


def test_the_hand_written_intervals_follow_the_rule_and_the_schema():
    results = with_intervals()
    ipa = results["ipa"]
    for p in ipa["points"]:
        axes = [axis for axis, cross in (("importance", 20.0), ("performance", -0.556))
                if p[f"{axis}_low"] <= cross <= p[f"{axis}_high"]]
        assert axes == p["near"], p["id"]
    schema = json.loads(resources.files("servq.report").joinpath("results.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(results)
    validator.validate(with_intervals(None))
    bad = copy.deepcopy(results)
    bad["ipa"]["points"][0]["near"] = ["quality"]
    assert not validator.is_valid(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_focus_list_marks_the_near_items_with_their_axis(rendered, lang):
    items = focus_items(rendered[lang])
    assert SENTENCE[lang]["importance"] in items["assurance"]
    assert SENTENCE[lang]["performance"] in items["empathy"]
    for dim in ("tangibles", "reliability", "responsiveness"):
        assert not any(s in items[dim] for s in SENTENCE[lang].values()), dim
    assert SENTENCE[lang]["performance"] not in items["assurance"]


@pytest.mark.parametrize("lang", LANGS)
def test_ipa_table_marks_the_quadrant_and_shows_the_intervals(rendered, lang):
    table = subsection_of(rendered[lang], "focus", IPA_TITLE[lang]).split("<table", 1)[1]
    cells = re.findall(r'<td class="quadrant (\w+)">[^<]*(?:<span class="sub">([^<]*)</span>)?</td>', table)
    # rows in the dimensions' order: Tangibles, Reliability, Responsiveness, Assurance, Empathy
    assert [sub for _, sub in cells] == ["", "", "", MARK[lang]["importance"], MARK[lang]["performance"]]
    assert [quadrant for quadrant, _ in cells][3:] == ["keep_up_the_good_work", "low_priority"]  # unchanged
    sep = "; " if lang == "sv" else ", "
    decimal = "," if lang == "sv" else "."
    assert f'<span class="sub">[17{decimal}9{sep}23{decimal}4]</span>' in table  # Assurance's importance
    assert f'<span class="sub">[−0{decimal}71{sep}−0{decimal}50]</span>' in table  # Empathy's performance


def test_chart_rings_the_near_points_and_draws_both_whiskers(rendered):
    svg = re.search(r'<svg class="chart chart-ipa".*?</svg>', rendered["en"], re.DOTALL).group(0)
    points = {(cx, cy): q for q, cx, cy in re.findall(r'<circle class="point (\w+)" cx="([\d.]+)" cy="([\d.]+)"', svg)}
    rings = re.findall(r'<circle class="near" cx="([\d.]+)" cy="([\d.]+)"', svg)
    # Assurance keeps up the good work and Empathy is low priority; no other point is ringed
    assert sorted(points[c] for c in rings if c in points) == ["keep_up_the_good_work", "low_priority"]
    whiskers = re.findall(r'<path class="whisker" d="([^"]*)"', svg)
    crossed = [d for d in whiskers if "H" in d and "V" in d]
    assert len(crossed) >= 5  # every point has both intervals (the legend's swatch too)
    assert ">95% interval</text>" in svg and ">near the line</text>" in svg


@pytest.mark.parametrize("lang", LANGS)
def test_the_rule_and_the_boot_hint_in_the_notes(lang):
    boot = subsection_of(render_html(with_intervals(), lang), "focus", IPA_TITLE[lang])
    assert escape(i18n.t(lang, "focus.near.source.importance_bootstrap")) in boot
    assert BOOT_HINT[lang] not in boot
    plain = subsection_of(render_html(with_intervals(None), lang), "focus", IPA_TITLE[lang])
    assert BOOT_HINT[lang] in plain  # derived importance without --boot: say how to get it
    assert escape(i18n.t(lang, "focus.near.source.importance_bootstrap")) not in plain
    stated = with_intervals(None)
    stated["ipa"]["importance"] = "stated"
    assert BOOT_HINT[lang] not in subsection_of(render_html(stated, lang), "focus", IPA_TITLE[lang])


@pytest.mark.parametrize("lang", LANGS)
def test_a_near_group_explains_the_group_rule(lang):
    results = with_intervals()
    for p in results["ipa"]["points"]:
        if p["id"] in ("assurance", "empathy"):
            p["together"] = ["empathy" if p["id"] == "assurance" else "assurance"]
    shown = subsection_of(render_html(results, lang), "focus", IPA_TITLE[lang])
    assert escape(i18n.t(lang, "focus.near.group")) in shown
    assert escape(i18n.t(lang, "focus.near.group")) not in subsection_of(
        render_html(with_intervals(), lang), "focus", IPA_TITLE[lang])


SUMMARY = {
    "en": "Improve Reliability first (service focus: concentrate here, near the line on performance)",
    "sv": "Förbättra Reliability först (tjänstefokus: koncentrera här, nära gränsen i fråga om prestation)",
    "zh": "应首先改进 Reliability（服务焦点：重点改进，在绩效上接近分界线）",
}


@pytest.mark.parametrize("lang", LANGS)
def test_summary_qualifies_a_first_focus_near_the_line(lang):
    results = with_intervals()
    first = results["ipa"]["focus"][0]
    assert first["id"] == "reliability"
    first.update(near_line=True, near=["performance"])
    assert SUMMARY[lang] in focus_sentences(results, lang)[0]
    assert "near" not in focus_sentences(with_intervals(), "en")[0]  # Reliability itself is clear


def test_chinese_strings_never_glue_latin_to_chinese():
    glued = re.compile(r"[\u4e00-\u9fff][A-Za-z_-]|[A-Za-z_-][\u4e00-\u9fff]")
    strings = {k: v for k, v in i18n.catalog("zh").items() if k.startswith("focus.near.")}
    assert len(strings) >= 10
    assert {k: v for k, v in strings.items() if glued.search(v)} == {}
