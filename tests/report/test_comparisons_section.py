"""The report's "Segment comparisons" section: a pair of segments is marked if and only if
its corrected p is below α, the sentences name the significant differences largest effect
first, and nothing is marked when nothing is significant.

The results are ``servq.analyze`` of tests/golden/data/compare_sim.csv by branch and channel
(the numbers themselves are checked against R in tests/measures/test_compare.py).
"""

from __future__ import annotations

import copy
import html as htmllib
import re
from pathlib import Path

import pytest
from report_pages import assert_offline, section_of

import servq
from servq.report.comparisons_section import letters
from servq.report.html import render_html

CSV = Path(__file__).parents[1] / "golden" / "data" / "compare_sim.csv"
LANGS = ("en", "sv", "zh")


@pytest.fixture(scope="module")
def results() -> dict:
    return servq.analyze(CSV, "servqual", by=["branch", "channel"], quality=False).to_dict()


def section(results: dict, lang: str = "en") -> str:
    page = render_html(results, lang)
    assert_offline(page)
    return section_of(page, "comparisons")


def groups(sec: str) -> dict[str, str]:
    """Sub-section title -> its html."""
    parts = re.split(r'<div class="subsection">\s*<h3>', sec)[1:]
    return {htmllib.unescape(p[:p.index("</h3>")]): p for p in parts}


def marked(sub: str, segments: list[str]) -> set[tuple[str, str, str]]:
    """(measure, segment, other segment) for every "≠ X, Y" mark in the tables (a segment
    per row, a measure per column after the segment's n)."""
    letter_of = letters(segments)
    segment_of = {v: k for k, v in letter_of.items()}
    out = set()
    for table in re.findall(r'<table class="comparisons units">(.*?)</table>', sub, re.S):
        measures = [htmllib.unescape(h) for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)][2:]
        for row in re.findall(r'<tr class="data">(.*?)</tr>', table, re.S):
            label = htmllib.unescape(re.search(r'<th scope="row" class="label">(.*?)</th>', row, re.S).group(1))
            letter, seg = label.split(" · ", 1)
            assert letter_of[seg] == letter
            cells = re.findall(r"<td class=\"([^\"]*)\">(.*?)(?:<span|</td>)", row, re.S)[1:]  # after n
            for measure, (cls, text) in zip(measures, cells, strict=True):
                mark = re.search(r"≠ ([A-Z, ]+)", htmllib.unescape(text))
                assert ("flag" in cls.split()) == bool(mark), (measure, seg)
                for other in (mark.group(1).split(", ") if mark else []):
                    out.add((measure, seg, segment_of[other]))
    return out


def expected_marks(results: dict, column: str) -> set[tuple[str, str, str]]:
    col = next(c for c in results["comparisons"]["columns"] if c["column"] == column)
    alpha = results["comparisons"]["alpha"]
    out = set()
    for kind in ("means", "top_box", "nps"):
        for m in col[kind]:
            if kind == "means":
                label = {"servqual": "SERVQUAL", "servperf": "SERVPERF"}.get(m["type"], m["label"])
            elif kind == "top_box":
                label = f"{m['label']} ({m['threshold']:.0f} or above)"
            else:
                label = f"NPS: {m['label']}"
            for p in m["pairs"]:
                if p["p_adj"] is not None and p["p_adj"] < alpha:
                    out |= {(label, p["segment_a"], p["segment_b"]), (label, p["segment_b"], p["segment_a"])}
    return out


@pytest.mark.parametrize("column", ["branch", "channel"])
def test_a_pair_is_marked_iff_significant_after_correction(results, column):
    sub = groups(section(results))[f"By {column}"]
    col = next(c for c in results["comparisons"]["columns"] if c["column"] == column)
    found = marked(sub, col["segments"])
    assert found == expected_marks(results, column)
    if column == "branch":
        assert found  # the simulated branches do differ


def test_correction_decides_not_the_raw_p(results):
    """Make one top-box pair significant by its raw p only: it must not be marked."""
    res = copy.deepcopy(results)
    col = next(c for c in res["comparisons"]["columns"] if c["column"] == "branch")
    pair = col["top_box"][0]["pairs"][0]
    pair.update(p=0.001, p_adj=0.2, significant=False)
    sub = groups(section(res))["By branch"]
    label = f"{col['top_box'][0]['label']} (6 or above)"
    assert not any(m[0] == label and {m[1], m[2]} == {pair["segment_a"], pair["segment_b"]}
                   for m in marked(sub, col["segments"]))


def test_nothing_significant_marks_nothing_and_says_so(results):
    res = copy.deepcopy(results)
    for col in res["comparisons"]["columns"]:
        for kind in ("means", "top_box", "nps"):
            for m in col[kind]:
                for p in m["pairs"]:
                    p.update(p_adj=0.5, significant=False)
    res["comparisons"]["highlights"] = []
    sec = section(res)
    assert "≠" not in sec.split("<table", 1)[1].split("</table>")[0]
    for column, sub in groups(sec).items():
        name = column.removeprefix("By ")
        assert f"No difference between the {name} segments is significant after correction" in sub
        assert 'class="num flag"' not in sub
    for lang in ("sv", "zh"):
        assert 'class="num flag"' not in section(res, lang)


def test_sentences_name_the_largest_effects_first(results):
    sub = groups(section(results))["By branch"]
    items = [htmllib.unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>(.*?)</li>", sub, re.S)]
    found = [h for h in results["comparisons"]["highlights"] if h["column"] == "branch"]
    assert len(found) > 12
    assert len(items) == 12 + 1 and items[-1] == f"… and {len(found) - 12} more, marked in the table."
    top = found[0]
    assert top["type"] == "servqual" and top["p_adj"] < 0.001
    assert items[0] == (f"{top['lower']} scores {top['difference']:.2f} lower than {top['higher']} on the SERVQUAL "
                        f"score (Games–Howell p < 0.001, g = {top['effect_size']:.2f}).")
    dims = [h for h in found[:12] if h["type"] == "dimension"]
    h = dims[0]
    assert any(i.startswith(f"{h['lower']} scores {h['difference']:.2f} lower than {h['higher']} on the P − E gap "
                            f"in {h['label']} (Games–Howell p ") for i in items)


def test_welch_method_names_the_correction():
    res = servq.analyze(CSV, "servqual", by="channel", compare="welch", adjust="BH", quality=False).to_dict()
    sec = htmllib.unescape(section(res))
    assert "Welch t-test" in sec and "Benjamini–Hochberg-corrected over the pairs" in sec
    top = res["comparisons"]["highlights"][0]  # channels differ in empathy and tangibles
    assert top["type"] == "dimension"
    assert (f"{top['lower']} scores {top['difference']:.2f} lower than {top['higher']} on the P − E gap in "
            f"{top['label']} (Benjamini–Hochberg-corrected p ") in sec
    sv = htmllib.unescape(section(res, "sv"))
    assert "Benjamini–Hochberg över paren" in sv


def test_segments_too_small_to_compare(results):
    res = copy.deepcopy(results)
    col = next(c for c in res["comparisons"]["columns"] if c["column"] == "channel")
    col.update(compared=False, segments=["branch"], suppressed=["online", "phone"], means=[], top_box=[], nps=[])
    res["comparisons"]["highlights"] = [h for h in res["comparisons"]["highlights"] if h["column"] != "channel"]
    sub = htmllib.unescape(groups(section(res))["By channel"])
    assert "Fewer than two channel segments have at least 5 respondents, so nothing is compared." in sub
    assert "Suppressed and not compared (fewer than 5 respondents): online and phone." in sub
    assert "<table" not in sub


def test_no_block_no_section(results):
    res = copy.deepcopy(results)
    res["comparisons"] = None
    assert 'id="comparisons"' not in render_html(res, "en")


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_renders(results, lang):
    sec = htmllib.unescape(section(results, lang))
    title = {"en": "Segment comparisons", "sv": "Jämförelser mellan segment", "zh": "细分群体比较"}[lang]
    assert f"<h2>{title}</h2>" in sec
    assert "<svg" in sec and sec.count("<table") == 4  # per compared column: the scores, the outcomes
    assert "≠ D" in sec or "≠ A" in sec


def test_executive_summary_names_the_largest_difference(results):
    from servq.report.summary import executive_summary

    top = results["comparisons"]["highlights"][0]
    n = len(results["comparisons"]["highlights"])
    lines = executive_summary(results, "en")
    expected = (f"{n} differences between segments are significant after correction; the largest: {top['lower']} "
                f"scores {top['difference']:.2f} lower than {top['higher']} on the SERVQUAL score "
                f"(Games–Howell p < 0.001, g = {top['effect_size']:.2f}).")
    assert expected in lines
    one = copy.deepcopy(results)
    one["comparisons"]["highlights"] = one["comparisons"]["highlights"][:1]
    assert any(s.startswith("One difference between segments is significant after correction: ")
               for s in executive_summary(one, "en"))
    none = copy.deepcopy(results)
    none["comparisons"]["highlights"] = []
    assert "No difference between segments is significant after correcting for the many comparisons." \
        in executive_summary(none, "en")
    for lang in ("sv", "zh"):
        assert len(executive_summary(results, lang)) == len(lines)


@pytest.fixture(scope="module")
def many() -> dict:
    """40 branches: the comparisons must stay readable and complete (docs/comparisons.md shows 200)."""
    return servq.analyze(servq.simulate("servqual", 4000, seed=9, branches=40), "servqual", by="branch",
                         quality=False).to_dict()


def test_forty_segments_each_chart_fits_and_the_tables_list_them_all(many):
    from servq.report.comparisons_section import CHART_ROWS, SHOWN_ENDS, shown_units

    sub = groups(section(many))["By branch"]
    col = next(c for c in many["comparisons"]["columns"] if c["column"] == "branch")
    assert len(col["segments"]) == 40
    charts = re.findall(r"<svg.*?</svg>", sub, re.S)
    measures = [m for m in col["means"] if m["groups"]]
    assert len(charts) == len(measures)
    for svg, m in zip(charts, measures, strict=True):
        ranked = sorted(m["groups"], key=lambda g: -g["mean"])
        differ = {u for p in m["pairs"] if p["significant"] for u in (p["segment_a"], p["segment_b"])}
        shown = shown_units(ranked, differ)
        assert len(shown) <= CHART_ROWS
        assert shown[:SHOWN_ENDS] == ranked[:SHOWN_ENDS] and shown[-SHOWN_ENDS:] == ranked[-SHOWN_ENDS:]
        height = float(re.search(r'viewBox="0 0 \d+ (\d+)"', svg).group(1))
        assert height < 1000  # a printed page (the charts are 760 wide)
        for g in shown:
            assert f">{htmllib.escape(g['segment'])}</text>" in svg
    tables = re.findall(r'<table class="comparisons units">(.*?)</table>', sub, re.S)
    for table in tables:
        rows = re.findall(r'<tr class="data">\s*<th scope="row" class="label">(.*?)</th>', table, re.S)
        assert [htmllib.unescape(r) for r in rows] == col["segments"]  # every one, no letters past 26
    first = tables[0]  # the count of significant partners in each cell of the overall score
    overall = next(m for m in col["means"] if m["type"] == "servqual")
    partners = {s: 0 for s in col["segments"]}
    for p in overall["pairs"]:
        if p["significant"]:
            partners[p["segment_a"]] += 1
            partners[p["segment_b"]] += 1
    column = [c["type"] for c in col["means"] if c["type"] != "outcome"].index("servqual")
    for row in re.findall(r'<tr class="data">(.*?)</tr>', first, re.S):
        seg = htmllib.unescape(re.search(r'class="label">(.*?)</th>', row, re.S).group(1))
        cell = re.findall(r"<td class=\"[^\"]*\">(.*?)(?:<span|</td>)", row, re.S)[1 + column]
        mark = re.search(r"≠ (\d+)", htmllib.unescape(cell))
        assert (int(mark.group(1)) if mark else 0) == partners[seg], seg
    assert 'class="table-wrap"' in sub and "table.units td.num { white-space: normal; }" in render_html(many, "en")
