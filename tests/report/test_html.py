"""The one-file HTML report, its charts, summary and translations.

The fixtures under ``fixtures/`` are hand-written results dicts (one per instrument
shape); every expected name and number below was read off them by hand:

- servqual.json: dimension gaps Tangibles +0.13, Reliability −0.97, Responsiveness
  −1.00, Assurance −0.32, Empathy −0.62; item gaps 8: −1.36, 5: −1.27, 11: −1.14 are the
  three most negative (then 13: −1.12); branch SERVQUAL Stockholm City −0.47, Göteborg
  −0.60, Malmö −0.65, Kiruna suppressed (n = 4 < min_n 10); channel Branch office −0.45,
  Phone −0.71, Online −0.68.
- zot.json: MSA Tangibles +1.25, Reliability −0.18, Responsiveness −0.24, Assurance
  +0.53, Empathy +0.30; P < A in Reliability and Responsiveness; items with MSA < 0 are
  5: −0.60, 3: −0.50, 9: −0.15; unit SERVPERF Branch A 6.52, Branch B 6.28, Contact
  centre 5.98, Pop-up store suppressed.
- servperf.json (Chinese): perception 技术质量 3.79, 功能质量 3.35, 企业形象 3.66;
  lowest items 6: 3.05, 5: 3.12, 2: 3.41; no segments.
- specific.json (Swedish): perception Närhet 5.39, Kompetens 5.51, Teknik 4.88; lowest
  items 9: 4.74, 8: 4.88, 7: 5.02; kanal SERVPERF Kontor 5.41, Telefon 5.02, Internet
  5.30, Chatt suppressed.
"""

from __future__ import annotations

import copy
import json
import re
import string
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from report_pages import assert_offline

from servq.errors import UsageError
from servq.report import charts, i18n
from servq.report.html import render_html
from servq.report.summary import executive_summary

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = ("servqual", "zot", "servperf", "specific")
LANGS = ("en", "sv", "zh")
MINUS = "\u2212"


def load(name: str) -> dict:
    with open(FIXTURES / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def schema() -> dict:
    text = (
        resources.files("servq.report").joinpath("results.schema.json").read_text(encoding="utf-8")
    )
    return json.loads(text)


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], str]:
    return {(name, lang): render_html(load(name), lang) for name in NAMES for lang in LANGS}


# --------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("name", NAMES)
def test_fixture_validates_against_results_schema(schema, name):
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(load(name))


# --------------------------------------------------------------------------- document


VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class TagBalance(HTMLParser):
    """Checks that every non-void element is closed in order (self-closing SVG tags
    such as ``<rect/>`` count as closed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_document_is_complete_and_balanced(rendered, name, lang):
    html = rendered[(name, lang)]
    html_lang = {"en": "en", "sv": "sv", "zh": "zh-Hans"}[lang]
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{html_lang}">' in html
    assert '<meta charset="utf-8">' in html
    checker = TagBalance()
    checker.feed(html)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    for tag in ("html", "head", "body", "style", "svg", "table"):
        assert checker.counts.get(tag, 0) >= 1, tag


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_document_is_self_contained(rendered, name, lang):
    assert_offline(rendered[(name, lang)])


def test_chinese_and_swedish_headings(rendered):
    zh = rendered[("zot", "zh")]
    for heading in (
        "执行摘要",
        "维度",
        "题项",
        "容忍区间",
        "细分群体",
        "如何阅读本报告",
        "适当服务（A）",
        "理想服务（D）",
    ):
        assert heading in zh
    assert "Executive summary" not in zh
    assert (
        "期望（E）" in rendered[("servqual", "zh")]
        and "差距（P − E）" in rendered[("servqual", "zh")]
    )
    assert "感知（P）" in rendered[("servperf", "zh")]

    sv = rendered[("zot", "sv")]
    for heading in (
        "Sammanfattning",
        "Dimensioner",
        "Påståenden",
        "Toleranszon",
        "Segment",
        "Så läser du rapporten",
    ):
        assert heading in sv
    assert "Executive summary" not in sv
    assert (
        "Förväntan (F)" in rendered[("servqual", "sv")]
        and "Upplevelse (U)" in rendered[("servqual", "sv")]
    )
    assert "Allmän och specifik upplevelse" in rendered[("specific", "sv")]


def test_swedish_and_english_number_formats(rendered):
    assert "−0,56" in rendered[("servqual", "sv")]
    assert f"{MINUS}0.56" in rendered[("servqual", "en")]
    assert "1\u00a0536" in rendered[("servperf", "sv")]
    assert "1,536" in rendered[("servperf", "zh")]


def test_user_text_is_escaped_everywhere():
    results = load("servqual")
    evil = "<script>alert(1)</script>"
    results["items"][0]["text"] = evil
    results["dimensions"][0]["label"] = evil + " dim"
    results["instrument"]["name"] = evil + " instrument"
    results["segments"]["branch"][evil] = results["segments"]["branch"].pop("Malmö")
    results["segments"][evil + "col"] = results["segments"].pop("channel")
    results["outcomes"][0]["label"] = evil
    for lang in LANGS:
        html = render_html(results, lang)
        assert "<script" not in html.lower()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # the weakest branch is now the renamed one, and the summary is escaped too
    assert "the weakest segment on the SERVQUAL score is &lt;script&gt;" in render_html(
        results, "en"
    )


def test_lang_defaults_to_options_and_unknown_lang_is_a_usage_error():
    results = load("specific")
    assert '<html lang="sv">' in render_html(results)
    with pytest.raises(UsageError):
        render_html(results, "de")


# --------------------------------------------------------------------------- sections


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, section_id
    return match.group(1)


def _svgs(fragment: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", fragment, re.S)


@pytest.mark.parametrize("name", NAMES)
def test_dimension_chart_has_one_bar_per_dimension(rendered, name):
    results = load(name)
    for lang in LANGS:
        svg = _svgs(_section(rendered[(name, lang)], "dimensions"))[0]
        assert 'class="chart chart-bars"' in svg
        assert 'role="img"' in svg and "<title>" in svg
        assert svg.count('class="bar"') == len(results["dimensions"])
        labels = re.findall(r'class="bar" data-label="([^"]*)"', svg)
        assert labels == [d["label"] for d in results["dimensions"]]


def test_gap_bars_are_warm_when_negative(rendered):
    svg = _svgs(_section(rendered[("servqual", "en")], "dimensions"))[0]
    fills = dict(re.findall(r'class="bar" data-label="([^"]*)"[^>]*fill="(#[0-9a-f]{6})"', svg))
    assert fills["Tangibles"] == charts.COOL
    assert {fills[d] for d in ("Reliability", "Responsiveness", "Assurance", "Empathy")} == {
        charts.WARM
    }
    assert 'class="zero"' in svg


def test_sections_present_only_when_the_results_have_them(rendered):
    present = {
        name: set(re.findall(r'<section id="([a-z]+)"', rendered[(name, "en")])) for name in NAMES
    }
    common = {"summary", "dimensions", "overall", "items", "outcomes", "definitions"}
    assert present["servqual"] == common | {"segments"}
    assert present["zot"] == common | {"zone", "segments"}
    assert present["servperf"] == common
    assert present["specific"] == common | {"specific", "segments"}


def test_items_chart_is_a_dumbbell_for_gap_instruments(rendered):
    svg = _svgs(_section(rendered[("servqual", "en")], "items"))[0]
    assert svg.count('class="dot-a"') == 22 and svg.count('class="dot-b"') == 22
    # items 2, 3 and 4 (gaps +0.11, +0.41, +0.14) are drawn cool, the other 19 warm;
    # the legend has one line of each colour
    assert svg.count(f'stroke="{charts.COOL}" stroke-width="3"/>') == 3 + 1
    assert svg.count(f'stroke="{charts.WARM}" stroke-width="3"/>') == 19 + 1


def test_zone_chart_marks_breaches(rendered):
    svg = _svgs(_section(rendered[("zot", "en")], "zone"))[0]
    assert svg.count('class="band"') == 5
    # one marker of each kind is in the legend
    assert svg.count('class="marker below"') == 2 + 1  # Reliability, Responsiveness
    assert svg.count('class="marker within"') == 3 + 1
    assert svg.count('class="marker above"') == 0 + 1
    table = _section(rendered[("zot", "en")], "zone").split("<table", 1)[1]
    assert table.count('class="status below"') == 2


def test_specific_dumbbell(rendered):
    svg = _svgs(_section(rendered[("specific", "sv")], "specific"))[0]
    assert svg.count('class="dot-a"') == 3 and svg.count('class="dot-b"') == 3
    # S − P by dimension: Närhet 5.45 − 5.39 = +0.06, Kompetens 5.13 − 5.51 = −0.38, Teknik +0.28
    for diff in ("+0,06", "−0,38", "+0,28"):
        assert diff in svg


def test_heatmap_greys_out_suppressed_segments(rendered):
    section = _section(rendered[("servqual", "en")], "segments")
    heatmaps = [s for s in _svgs(section) if "chart-heatmap" in s]
    assert len(heatmaps) == 2  # branch, channel
    branch = heatmaps[0]
    # 5 dimensions + SERVQUAL for each of 3 shown branches, greyed cells for Kiruna
    assert branch.count('class="cell"') == 3 * 6
    assert branch.count('class="cell suppressed"') == 6
    assert branch.count("n&lt;10") == 6
    assert "Kiruna" in branch
    assert '<tr class="suppressed">' in section
    assert "Suppressed (fewer than 10 respondents)" in section
    # Phone's Responsiveness gap is −1.31, the most negative cell: printed and warm
    channel = heatmaps[1]
    assert f"{MINUS}1.31" in channel


def test_every_chart_is_accessible_and_self_sized(rendered):
    for html in rendered.values():
        for svg in _svgs(html):
            assert svg.startswith("<svg") and 'role="img"' in svg and 'viewBox="0 0 ' in svg
            assert re.search(r"<svg[^>]*><title>[^<]+</title>", svg)
            assert "xmlns" not in svg and "<image" not in svg


# --------------------------------------------------------------------------- summary


def test_summary_servqual():
    s = executive_summary(load("servqual"), "en")
    assert s[0] == "412 respondents were analysed."
    assert s[1] == (
        f"The overall SERVQUAL score (mean gap P − E) is {MINUS}0.56 (95% interval {MINUS}0.66 to {MINUS}0.46); "
        "on average, perceptions fall short of expectations."
    )
    assert s[2].startswith(
        f"Weighted by the importance customers attach to each dimension, it is {MINUS}0.68"
    )
    assert f"The weakest dimension is Responsiveness, with a mean gap of {MINUS}1.00." in s
    assert (
        "The three largest item gaps are "
        f"“XYZ provides its services at the time it promises to do so” (Reliability, {MINUS}1.36); "
        f"“When XYZ promises to do something by a certain time, it does so” (Reliability, {MINUS}1.27); "
        f"“You receive prompt service from XYZ's employees” (Responsiveness, {MINUS}1.14)."
    ) in s
    assert (
        f"By branch, the weakest segment on the SERVQUAL score is Malmö ({MINUS}0.65, n = 109)."
        in s
    )
    assert (
        f"By channel, the weakest segment on the SERVQUAL score is Phone ({MINUS}0.71, n = 98)."
        in s
    )
    assert (
        "1 segment with fewer than 10 respondents was suppressed to protect respondents' privacy."
        in s
    )
    assert not any("tolerance zone" in sentence for sentence in s)


def test_summary_zone_of_tolerance():
    s = executive_summary(load("zot"), "en")
    assert (
        "The overall SERVPERF score (mean perception) is 6.34 on the 1–9 scale (95% interval 6.21 to 6.47)."
        in s
    )
    assert (
        f"The weakest dimension is Responsiveness, with a mean service adequacy (MSA = P − A) of {MINUS}0.24."
        in s
    )
    assert (
        "The three items furthest below the adequate level are "
        f"“Giving prompt service to customers” (Responsiveness, {MINUS}0.60); "
        f"“Performing the service right the first time” (Reliability, {MINUS}0.50); "
        f"“Giving customers individual attention” (Empathy, {MINUS}0.15)."
    ) in s
    assert (
        "Mean perceived service is below the adequate level, under the tolerance zone, in Reliability and Responsiveness."
        in s
    )
    # below shares as stored: 0.1413, 0.3855, 0.4124, 0.2051, 0.2684
    assert (
        "Share of respondents below the tolerance zone: Tangibles 14.1%, Reliability 38.6%, "
        "Responsiveness 41.2%, Assurance 20.5%, Empathy 26.8%."
    ) in s
    assert (
        "By unit, the weakest segment on the SERVPERF score is Contact centre (5.98, n = 60)." in s
    )


def test_summary_servperf_in_chinese():
    s = executive_summary(load("servperf"), "zh")
    assert s[0] == "共分析了 1,536 名受访者。"
    assert s[1] == "总体 SERVPERF 得分（感知均值，量表 1–5）为 3.60（95% 置信区间 3.56 至 3.64）。"
    assert "评分最低的维度是功能质量，感知均值为 3.35。" in s
    assert (
        "评分最低的三个题项是“办理业务的等候时间合理”（功能质量，3.05）；"
        "“投诉得到及时处理”（功能质量，3.12）；“故障能够一次性修复”（技术质量，3.41）。"
    ) in s
    assert len(s) == 4  # no zone, no NPS, no segments


def test_summary_two_level_in_swedish():
    s = executive_summary(load("specific"), "sv")
    assert "Lägst betyg får dimensionen Teknik, med ett medelvärde för upplevelse på 4,88." in s
    assert (
        "Lägst betyg får de tre påståendena ”Tekniken gör det lättare att sköta mina ärenden” (Teknik, 4,74); "
        "”Mobilappen fungerar när jag behöver den” (Teknik, 4,88); ”Internetbanken är lätt att använda” (Teknik, 5,02)."
    ) in s
    assert "Efter kanal är Telefon svagast på SERVPERF-indexet (5,02, n = 41)." in s
    # NPS = (52 − 61) / 188 = −4.79 %
    assert any(
        sentence.startswith("Net Promoter Score för ”Hur troligt") and "−4,8" in sentence
        for sentence in s
    )


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_summary_in_every_language(name, lang):
    sentences = executive_summary(load(name), lang)
    assert len(sentences) >= 4
    assert all(isinstance(x, str) and x and "{" not in x for x in sentences)


def test_summary_when_every_gap_is_positive():
    results = load("servqual")
    for row in results["dimensions"] + results["items"]:
        row["gap"]["mean"] = abs(row["gap"]["mean"]) + 0.05
    results["servqual"]["unweighted"]["mean"] = 0.4
    s = executive_summary(results, "en")
    # smallest positive gap: Tangibles |0.13| + 0.05 = 0.18
    assert (
        "Perceptions meet or exceed expectations in every dimension; the smallest gap is +0.18 (Tangibles)."
        in s
    )
    assert "No item falls short of expectations." in s
    assert any("on average, perceptions meet or exceed expectations" in x for x in s)


def test_summary_and_report_with_sparse_results():
    """Nulls, no weights, no outcomes, only suppressed segments, no data at all."""
    results = load("servqual")
    results["servqual"] = {"unweighted": None, "weighted": None}
    results["servperf"] = None
    results["outcomes"] = []
    for d in results["dimensions"]:
        del d["importance"]
    results["segments"] = {
        "branch": {"A": {"n": 3, "suppressed": True}, "B": {"n": 2, "suppressed": True}}
    }
    s = executive_summary(results, "en")
    assert not any("SERVQUAL score" in x or "SERVPERF" in x for x in s)
    assert (
        "2 segments with fewer than 10 respondents were suppressed to protect respondents' privacy."
        in s
    )
    for lang in LANGS:
        html = render_html(results, lang)
        assert 'id="overall"' not in html and 'id="outcomes"' not in html

    empty = copy.deepcopy(results)
    empty.update(n_respondents=0, dimensions=[], items=[], segments={})
    assert executive_summary(empty, "en") == [
        "No respondents could be analysed, so no scores are reported."
    ]
    for lang in LANGS:
        html = render_html(empty, lang)
        assert set(re.findall(r'<section id="([a-z]+)"', html)) == {"summary", "definitions"}

    one_segment = load("specific")
    one_segment["segments"] = {"kanal": {"Kontor": one_segment["segments"]["kanal"]["Kontor"]}}
    s = executive_summary(one_segment, "en")
    assert not any("weakest segment" in x for x in s)
    assert "No segment had to be suppressed (minimum 10 respondents)." in s


def test_null_statistics_render_as_not_available():
    results = load("servperf")
    results["dimensions"][1]["perception"] = {
        "mean": None,
        "sd": None,
        "n": 0,
        "ci_low": None,
        "ci_high": None,
    }
    results["servperf"]["ci_low"] = results["servperf"]["ci_high"] = None
    s = executive_summary(results, "en")
    # 功能质量 has no mean now, so the lowest is 企业形象 (3.66)
    assert "The lowest-rated dimension is 企业形象, with a mean perception of 3.66." in s
    assert "The overall SERVPERF score (mean perception) is 3.60 on the 1–5 scale." in s
    html = render_html(results, "en")
    svg = _svgs(_section(html, "dimensions"))[0]
    assert svg.count('class="bar"') == 2


# --------------------------------------------------------------------------- i18n


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_every_key_with_the_same_placeholders():
    """Sentences with plural forms need the language's CLDR categories (Chinese only
    ``other``), and may add an exact ``=1``."""
    catalogs = {lang: i18n.catalog(lang) for lang in LANGS}

    plural = {k.removesuffix(".one") for k in catalogs["en"] if k.endswith(".one")}

    def split(key):
        base, _, form = key.rpartition(".")
        return (base, form) if base in plural else (key, None)

    keys = {split(k)[0] for k in catalogs["en"]}
    for lang in LANGS:
        assert {split(k)[0] for k in catalogs[lang]} == keys, lang
        for base in plural:
            forms = {split(k)[1] for k in catalogs[lang] if split(k)[0] == base}
            assert set(i18n.plural_categories(lang)) <= forms <= set(i18n.plural_categories(lang)) | {"=1"}, (lang, base)
    for key in catalogs["en"]:
        if key.startswith("format.") or split(key)[1]:
            continue
        expected = _placeholders(catalogs["en"][key])
        for lang in ("sv", "zh"):
            assert _placeholders(catalogs[lang][key]) == expected, (lang, key)


def test_every_key_named_in_the_code_exists():
    """Keys spelled out in the report code (not only those the fixtures happen to reach)."""
    package = resources.files("servq.report")
    code = "".join(
        package.joinpath(name).read_text(encoding="utf-8")
        for name in ("html.py", "summary.py", "i18n.py", "templates/report.html.j2")
    )
    sections = {key.split(".")[0] for key in i18n.catalog("en")}
    named = {
        key
        for key in re.findall(r"[\"']([a-z_]+(?:\.[a-z_0-9]+)+)[\"']", code)
        if key.split(".")[0] in sections and not key.endswith(".j2")
    }
    assert len(named) > 50
    plural = {k.rsplit(".", 1)[0] for k in i18n.catalog("en") if k.endswith((".one", ".other"))}
    for lang in LANGS:
        missing = {k for k in named if k not in i18n.catalog(lang) and k not in plural}
        assert missing == set(), lang


def test_translation_lookup_and_formatting():
    assert i18n.t("sv", "section.zone") == "Toleranszon"
    assert i18n.t("zh", "section.zone") == "容忍区间"
    with pytest.raises(KeyError, match="no report string"):
        i18n.t("en", "section.nope")
    with pytest.raises(UsageError):
        i18n.catalog("fr")
    assert i18n.fmt_num("en", -0.5234) == f"{MINUS}0.52"
    assert i18n.fmt_num("sv", -0.5234) == f"{MINUS}0,52"
    assert i18n.fmt_num("en", 0.125, signed=True) == "+0.12"  # round half to even
    assert i18n.fmt_num("en", -0.004) == "0.00"  # no negative zero
    assert i18n.fmt_num("en", None) == "–"
    assert i18n.fmt_int("sv", 18392) == "18\u00a0392"
    assert i18n.fmt_pct("sv", 0.34) == "34,0\u00a0%"
    assert i18n.fmt_pct("zh", 0.34) == "34.0%"
    assert i18n.fmt_level("en", 0.95) == "95%" and i18n.fmt_level("en", 0.975) == "97.5%"
    assert i18n.fmt_interval("sv", -0.8, -0.24) == f"[{MINUS}0,80; {MINUS}0,24]"
    assert i18n.fmt_interval("en", None, 1.0) == ""
    assert i18n.join_list("en", ["a", "b", "c"]) == "a, b and c"
    assert i18n.join_list("sv", ["a", "b"]) == "a och b"
    assert i18n.join_list("zh", ["甲", "乙", "丙"]) == "甲、乙和丙"
    assert i18n.fmt_datetime("zh", "2025-11-22T19:10:00Z") == "2025年11月22日 19:10 (UTC)"
    assert i18n.fmt_datetime("en", "2025-11-22") == "2025-11-22"
    assert i18n.tn("en", "summary.respondents", 1) == "1 respondent was analysed."


# --------------------------------------------------------------------------- charts


def test_chart_text_colours_meet_wcag_aa():
    for colour in (
        charts.INK,
        charts.MUTED,
        charts.WARM,
        charts.COOL,
        *charts.STATUS_COLOURS.values(),
    ):
        assert charts.contrast_ratio(colour, "#ffffff") >= 4.5, colour
    assert charts.contrast_ratio(charts.MUTED, charts.SUPPRESSED_FILL) >= 4.5
    for k in range(-40, 41):
        fill = charts.diverging_colour(k / 20, 0.0, 1.5)
        assert charts.contrast_ratio(charts.text_on(fill), fill) >= 4.5, fill
    for colour in ("#b5472b", "#9aa5b1", "#2a6496"):  # NPS parts
        assert charts.contrast_ratio(charts.text_on(colour), colour) >= 4.5


def test_diverging_colour_scale():
    assert charts.diverging_colour(0.0) == charts.DIVERGING[1]
    assert charts.diverging_colour(-2.0, 0.0, 1.0) == charts.DIVERGING[0]
    assert charts.diverging_colour(5.0, 4.0, 1.0) == charts.DIVERGING[2]
    assert charts.diverging_colour(None) == charts.SUPPRESSED_FILL


def test_nice_ticks_and_wrapping():
    assert charts.nice_ticks(-1.3, 0.4) == (-1.5, 0.5, 0.5, [-1.5, -1.0, -0.5, 0.0, 0.5])
    assert charts.nice_ticks(1, 7)[3] == [1, 2, 3, 4, 5, 6, 7]
    assert charts.tick_digits(0.25) == 2 and charts.tick_digits(1) == 0
    lines = charts.wrap(
        "Employees of XYZ are never too busy to respond to customer requests promptly.", 200, 12, 2
    )
    assert len(lines) == 2 and lines[1].endswith("…")
    assert charts.wrap("可靠性", 200) == ["可靠性"]
    zh = charts.wrap("员工从不会因为太忙而无法及时回应顾客的要求", 100, 12, 3)
    assert "".join(zh).rstrip("…").startswith("员工从不会") and all(
        charts.text_width(x) <= 100 for x in zh
    )


def test_zone_status():
    assert charts.zone_status(5.0, 7.0, 4.9) == "below"
    assert charts.zone_status(5.0, 7.0, 5.0) == "within"
    assert charts.zone_status(5.0, 7.0, 7.1) == "above"
    assert charts.zone_status(7.0, 5.0, 6.0) == "inverted"
    assert charts.zone_status(None, 7.0, 6.0) is None


def test_charts_escape_their_text():
    svg = charts.bar_chart(
        [charts.Bar("<b>&", -0.5, -0.7, -0.3)], title='"T"<', fmt=lambda v: f"{v:.2f}"
    )
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg and "&quot;T&quot;&lt;" in svg


def test_costs_rank_as_weak_when_high():
    """customer-value: a cost dimension (better: lower) with a high score is the weakest."""
    from servq.report.summary import lowest_items, weakest_dimension

    stat = lambda m: {"mean": m, "sd": 1.0, "n": 10, "ci_low": m - 0.5, "ci_high": m + 0.5}  # noqa: E731
    results = {
        "instrument": {"scale": {"min": 1, "max": 7}},
        "dimensions": [
            {"id": "value", "better": "higher", "perception": stat(4.0)},
            {"id": "cost", "better": "lower", "perception": stat(5.5)},  # as bad as 2.5
        ],
        "items": [
            {"id": 1, "dimension": "value", "perception": stat(3.0)},
            {"id": 2, "dimension": "cost", "perception": stat(6.5)},  # as bad as 1.5
            {"id": 3, "dimension": "cost", "perception": stat(2.0)},  # a low cost: good
        ],
    }
    weakest, metric = weakest_dimension(results)
    assert weakest["id"] == "cost" and metric == "perception"
    items, _ = lowest_items(results)
    assert [it["id"] for it in items] == [2, 1, 3]
