"""The report's Kano section, on the hand-computed tests/data/kano_mini.csv (see
tests/measures/test_kano_part.py for its numbers) and on the catalog instrument."""

import re
from pathlib import Path

import pytest
from report_pages import assert_offline, section_of, subsection_of

import servq
from servq.report import charts
from servq.report.blocks import Fmt
from servq.report.html import render_html
from servq.report.kano_section import kano_section, kano_sentence, quadrant

DATA = Path(__file__).parents[1] / "data"
LANGS = ("en", "sv", "zh")
MINUS = "\u2212"


@pytest.fixture(scope="module")
def results() -> dict:
    return servq.analyze(DATA / "kano_mini.csv", DATA / "kano_mini.yaml", by="branch", min_n=3).data


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    """The report in each language, from results analysed in that language (its labels)."""
    return {lang: render_html(servq.analyze(DATA / "kano_mini.csv", DATA / "kano_mini.yaml", by="branch",
                                            min_n=3, lang=lang).data, lang) for lang in LANGS}


def rows(table_html: str) -> list[list[str]]:
    body = table_html.split("<tbody>")[1].split("</tbody>")[0]
    return [[re.sub(r"<[^>]+>", "|", c).strip("|") for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_section_renders_offline_in_every_language(rendered):
    titles = {"en": "Kano features", "sv": "Kano-analys av funktioner", "zh": "卡诺功能分类"}
    for lang, html in rendered.items():
        assert_offline(html)
        assert f'<h2>{titles[lang]}</h2>' in html
        assert f'href="#kano">{titles[lang]}</a>' in html  # in the table of contents
        assert section_of(html, "kano").count("<svg") == 1


def test_sentences_by_category_must_be_first(rendered):
    html = subsection_of(rendered["en"], "kano", "What each feature means to customers")
    items = re.findall(r"<li>(.*?)</li>", html, re.S)
    assert items == [
        f"Evening hours is a must-be: customers take it for granted, so its absence dissatisfies (Worse {MINUS}0.75) "
        "while having it adds little satisfaction (Better 0.50); n = 9. (Must-be and One-dimensional are equally "
        "frequent; the rule M &gt; O &gt; A &gt; I decides: Must-be.)",
        "Queue ticket by SMS is attractive: customers do not expect it, so having it delights (Better 0.71) while "
        f"its absence hardly dissatisfies (Worse {MINUS}0.29); n = 9.",
    ]
    sv = subsection_of(rendered["sv"], "kano", "Vad varje funktion betyder för kunderna")
    assert "Kvällsöppet är ett baskrav" in sv and f"(Worse {MINUS}0,75)" in sv
    zh = subsection_of(rendered["zh"], "kano", "各项功能对顾客意味着什么")
    assert "晚间营业属于必备型" in zh and "必备型和期望型出现次数相同" in zh


def test_category_table_counts_shares_and_tie_mark(rendered):
    table = subsection_of(rendered["en"], "kano", "Categories")
    assert rows(table) == [
        ["Queue ticket by SMS", "9", "4|44.4%", "1|11.1%", "1|11.1%", "1|11.1%", "1|11.1%", "1|11.1%", "Attractive"],
        ["Evening hours", "9", "1|11.1%", "3|33.3%", "3|33.3%", "1|11.1%", "0|0.0%", "1|11.1%", "Must-be *"],
    ]
    assert "Left out: 2 answer pairs with one or both questions blank." in table
    assert "M &gt; O &gt; A &gt; I &gt; R &gt; Q" in table


def test_better_worse_diagram_and_its_table(rendered):
    part = subsection_of(rendered["en"], "kano", "Better and Worse")
    svg = re.search(r"<svg.*?</svg>", part, re.S).group(0)
    for name in ("Attractive", "One-dimensional", "Indifferent", "Must-be"):
        assert f">{name}</text>" in svg
    # sms: Better 0.71, |Worse| 0.29 -> attractive quadrant; evening: 0.50 and 0.75 -> one-dimensional
    assert svg.count('class="point A"') == 1 and svg.count('class="point O"') == 1
    assert svg.count('class="crosshair"') == 2
    assert rows(part.split("</figure>")[1]) == [
        ["Queue ticket by SMS", "9", "0.71", f"{MINUS}0.29", "Attractive"],
        ["Evening hours", "9", "0.50", f"{MINUS}0.75", "One-dimensional"],
    ]


def test_segment_table_with_suppression(rendered):
    part = subsection_of(rendered["en"], "kano", "Categories by branch")
    assert rows(part) == [
        ["X", "4", f"Attractive|0.75 / {MINUS}0.25", f"Must-be|0.25 / {MINUS}1.00"],
        ["Y", "4", "Attractive *|1.00 / 0.00", f"One-dimensional|0.75 / {MINUS}0.50"],
        ["Z", "2", "Suppressed (fewer than 3 respondents)"],
    ]


def test_quadrant_rule_at_the_crosshair():
    assert [quadrant(0.5, -0.5), quadrant(0.5, -0.49), quadrant(0.49, -0.5), quadrant(0.2, -0.1)] == \
        ["O", "A", "M", "I"]
    assert quadrant(None, -0.3) == ""
    assert set(charts.QUADRANTS).isdisjoint({"A", "O", "I", "M"})  # the IPA defaults are untouched


def test_sentences_for_every_category_and_no_answers():
    f = Fmt("en", 0.95)
    base = {"label": "Parking", "n": 20, "better": 0.1, "worse": -0.2, "tie": False, "tied": []}
    starts = {c: kano_sentence({**base, "category": c}, f) for c in ("M", "O", "A", "I", "R", "Q")}
    assert starts["R"].startswith("Parking is reverse: more customers would rather not have it")
    assert starts["Q"].startswith("Parking gets mostly questionable answers")
    assert len(set(starts.values())) == 6
    none = kano_sentence({**base, "n": 0, "category": None, "better": None, "worse": None}, f)
    assert none == "No respondent answered both questions about Parking."


def test_no_section_without_kano_results(results):
    f = Fmt("en", 0.95)
    assert kano_section({**results, "kano": None}, f) is None
    assert kano_section({key: v for key, v in results.items() if key != "kano"}, f) is None
    html = render_html({**results, "kano": None}, "en")
    assert 'id="kano"' not in html


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_instrument_report(lang):
    table = servq.simulate("kano-retail-banking", 500, seed=4)
    html = render_html(servq.analyze(table, "kano-retail-banking", by="channel", lang=lang).data, lang)
    kano = section_of(html, "kano")
    assert kano.count('<ol class="focus-list">') == 1 and len(re.findall(r"<li>", kano)) == 8
    assert kano.count("<table") == 3  # Better–Worse, categories, channel
