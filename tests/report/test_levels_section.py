"""The "General versus specific experience" (levels) and "Competitor benchmark" sections.

Results are servq's analysis of the stored golden data (tests/golden/data/*.csv), whose
paired differences tests/measures/test_levels.py checks against R; the expected numbers
below are R's (tests/golden/levels.json), rounded as the report prints them:

- customer-focus, S − P: Proximity +0.292 (p = 1.2e-9), Competence +0.128 (p = .0049),
  Technology −0.414 (p < .001); all three survive Holm over 3 dimensions.
- servperf-benchmark, P − C: Tangibles −0.166 (p = .026, Holm .078), Reliability −0.222
  (p = .003, Holm .012), Responsiveness +0.090 (p = .23), Assurance −0.096 (p = .22),
  Empathy +0.288 (p < .001); so you lead on Empathy and trail on Reliability and
  Tangibles, and Holm keeps Empathy and Reliability.
"""

from __future__ import annotations

import copy
import html as htmllib
import json
import re
from pathlib import Path

import jsonschema
import pytest
from report_pages import assert_offline, section_of

import servq
from servq.report import SCHEMA_PATH, render_html

DATA = Path(__file__).parents[1] / "golden" / "data"
REF = json.loads((Path(__file__).parents[1] / "golden" / "levels.json").read_text(encoding="utf-8"))
LANGS = ("en", "sv", "zh")


@pytest.fixture(scope="module")
def levels() -> dict[str, dict]:
    return {lang: servq.analyze(DATA / "levels_customer_focus.csv", "customer-focus", lang=lang).data
            for lang in LANGS}


@pytest.fixture(scope="module")
def bench() -> dict[str, dict]:
    return {lang: servq.analyze(DATA / "benchmark_servperf.csv", "servperf-benchmark", lang=lang).data
            for lang in LANGS}


def text(fragment: str) -> str:
    """Visible text of an HTML fragment, charts left out, whitespace collapsed."""
    fragment = re.sub(r"<svg.*?</svg>", " ", fragment, flags=re.S)
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def svgs(fragment: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", fragment, re.S)


def test_reference_numbers_in_the_docstring():
    ref = {r["id"]: r for r in REF["benchmark"]["dimensions"]}
    assert round(ref["empathy"]["mean"], 2) == 0.29 and round(ref["tangibles"]["p_holm"], 3) == 0.078
    assert round(ref["reliability"]["p_holm"], 3) == 0.012
    assert all(r["p_holm"] < 0.05 for r in REF["levels"]["dimensions"])


# --------------------------------------------------------------------------- levels

SENTENCES = {
    "en": ["On specific errands customers rate Technology 0.41 lower than in general (p < 0.001).",
           "On specific errands customers rate Proximity 0.29 higher than in general (p < 0.001).",
           "On specific errands customers rate Competence 0.13 higher than in general (p = 0.005).",
           "All of these remain significant after Holm's correction for testing 3 dimensions."],
    "sv": ["I specifika ärenden ger kunderna Teknik 0,41 lägre betyg än i allmänhet (p < 0,001).",
           "I specifika ärenden ger kunderna Kompetens 0,13 högre betyg än i allmänhet (p = 0,005)."],
    "zh": ["在具体办事经历中，顾客对技术的评分比总体印象低 0.41（p < 0.001）。",
           "经过针对 3 个维度检验的 Holm 校正后，以上差异仍全部显著。"],
}


@pytest.mark.parametrize("lang", LANGS)
def test_levels_sentences_largest_difference_first(levels, lang):
    html = render_html(levels[lang], lang)
    assert_offline(html)
    section = text(section_of(html, "specific"))
    for sentence in SENTENCES[lang]:
        assert sentence in section
    if lang == "en":
        order = [section.index(s) for s in SENTENCES["en"]]
        assert order == sorted(order)


def test_levels_chart_marks_significance_by_shape_and_text(levels):
    section = section_of(render_html(levels["en"], "en"), "specific")
    means, diffs = svgs(section)
    assert means.count('class="dot-a"') == 3 and "+0.29" in means  # the paired difference beside the dumbbell
    # three significant differences: a filled diamond each (plus one in the legend) and an asterisk
    assert diffs.count('class="point significant"') == 3
    assert diffs.count(" *</text>") == 3 and 'class="point"' not in diffs
    assert diffs.count('class="whisker"') == 3 and 'class="zero"' in diffs


def test_levels_table_per_dimension_and_statement(levels):
    section = text(section_of(render_html(levels["en"], "en"), "specific"))
    assert "Competence 240 5.41 5.55 +0.13 [+0.04, +0.22] 0.005 0.005 Higher on the errand" in section
    assert "Technology 240 4.64 4.25 −0.41 [−0.52, −0.31] < 0.001 < 0.001 Lower on the errand" in section
    assert "Holm's correction is over the 12 statements" in section
    assert section.count("No clear difference") == sum(
        not r["level"]["significant"] for r in levels["en"]["levels"]["items"])


def test_levels_holm_leaves_some_or_none(levels):
    data = copy.deepcopy(levels["en"])
    data["levels"]["higher_holm"] = ["competence"]
    data["levels"]["lower_holm"] = []
    section = text(section_of(render_html(data, "en"), "specific"))
    assert "After Holm's correction for testing 3 dimensions, these remain significant: Competence." in section
    data["levels"]["higher_holm"] = []
    section = text(section_of(render_html(data, "en"), "specific"))
    assert "None of these remains significant after Holm's correction for testing 3 dimensions" in section


def test_levels_without_any_difference(levels):
    data = copy.deepcopy(levels["sv"])
    for row in data["levels"]["dimensions"]:
        row["level"]["significant"] = row["level"]["significant_holm"] = False
    data["levels"].update(higher=[], lower=[], higher_holm=[], lower_holm=[])
    section = section_of(render_html(data, "sv"), "specific")
    assert "På ingen dimension skiljer sig det senaste ärendet" in text(section)
    assert 'class="point significant"' not in svgs(section)[1]


def test_results_without_a_levels_block_show_the_means(levels):
    data = copy.deepcopy(levels["en"])
    del data["levels"]
    section = section_of(render_html(data, "en"), "specific")
    assert len(svgs(section)) == 1 and "p (Holm)" not in section


# --------------------------------------------------------------------------- benchmark

BENCH = {
    "en": ["You lead on Empathy (+0.29), and trail on Reliability (−0.22) and Tangibles (−0.17).",
           "After Holm's correction for testing 5 dimensions, these remain significant: Empathy and Reliability.",
           "Of 5 dimensions you lead on 1 and trail on 2"],
    "sv": ["Ni leder på Empati (+0,29) och ligger efter på Pålitlighet (−0,22) och Fysisk miljö (−0,17).",
           "Jämförelse med konkurrent"],
    "zh": ["本公司在移情性（+0.29）上领先，在可靠性（−0.22）和有形性（−0.17）上落后。", "竞争对手对标"],
}


@pytest.mark.parametrize("lang", LANGS)
def test_benchmark_sentences_and_title(bench, lang):
    html = render_html(bench[lang], lang)
    assert_offline(html)
    section = text(section_of(html, "benchmark"))
    for sentence in BENCH[lang]:
        assert sentence in section
    assert re.search(r'<a href="#benchmark">', html)  # in the contents


def test_benchmark_chart_and_table(bench):
    section = section_of(render_html(bench["en"], "en"), "benchmark")
    means, advantage = svgs(section)
    assert means.count('class="dot-a"') == 5 and means.count('class="dot-b"') == 5
    for value in ("+0.29", "−0.22", "−0.17", "+0.09", "−0.10"):
        assert value in means
    assert advantage.count('class="point significant"') == 3 and advantage.count('class="point"') == 2
    shown = text(section)
    assert "Tangibles 240 5.42 5.57 −0.17 [−0.31, −0.02] 0.026 0.078 You trail" in shown
    assert "Responsiveness 240 4.94 4.85 +0.09 [−0.06, +0.24] 0.234 0.444 No clear difference" in shown


def test_a_cost_dimension_leads_when_lower(bench):
    data = copy.deepcopy(bench["en"])
    row = next(r for r in data["benchmark"]["dimensions"] if r["id"] == "tangibles")
    row["better"] = "lower"
    section = text(section_of(render_html(data, "en"), "benchmark"))
    assert "Tangibles 240 5.42 5.57 −0.17 [−0.31, −0.02] 0.026 0.078 You lead" in section
    assert "a positive P − C counts as trailing" in section


def test_sections_absent_without_the_parts():
    html = render_html(servq.analyze(servq.simulate("servperf", 60, seed=1), "servperf").data, "en")
    assert 'id="benchmark"' not in html and 'id="specific"' not in html


def test_user_text_is_escaped(bench):
    data = copy.deepcopy(bench["en"])
    evil = "<b>Empathy & co</b>"
    for block in (data["dimensions"], data["benchmark"]["dimensions"]):
        next(r for r in block if r["id"] == "empathy")["label"] = evil
    data["benchmark"]["items"][0]["text"] = "<script>x</script>"
    section = section_of(render_html(data, "en"), "benchmark")
    assert evil not in section and "<script>x" not in section
    assert "&lt;b&gt;Empathy &amp; co&lt;/b&gt;" in section
    assert "&lt;script&gt;x&lt;/script&gt;" in section


def test_blocks_follow_the_schema_and_the_schema_bites(levels, bench):
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    validator.validate(levels["en"])
    validator.validate(bench["en"])
    broken = copy.deepcopy(bench["en"])
    broken["benchmark"]["dimensions"][0]["advantage"]["p_holm"] = "small"
    assert not validator.is_valid(broken)
    missing = copy.deepcopy(levels["en"])
    del missing["levels"]["higher_holm"]
    assert not validator.is_valid(missing)
