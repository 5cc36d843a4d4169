"""The "instrument quality" section of the report and its summary sentences.

fixtures/quality.json is servqual.json plus hand-written ``reliability``, ``cfa``,
``validity`` and ``invariance`` blocks, made to agree with each other (a planted
five-factor model, 389 complete respondents). The expected values below were checked by
hand from the stored numbers:

- reliability: raw α Tangibles .7520 (acceptable), Reliability .6824 (questionable),
  Responsiveness .8523 (good), Assurance .8919 (good), Empathy .9225 (excellent); in
  Reliability only item 9 raises α if dropped, to .7518 (> .6824), so the report says
  0.68 → 0.75. Standardised α of Reliability from its average r = .3007 over 5 items:
  5·.3007 / (1 + 4·.3007) = .6825 (stored .6826).
- CFA: χ² = 512.43 on 199 df (22·23/2 = 253 moments − 54 parameters), n = 389;
  RMSEA = √((512.43 − 199) / (199·389)) = .0636; CFI = 1 − 313.43 / (4708.96 − 231) = .9300;
  TLI = (4708.96/231 − 512.43/199) / (4708.96/231 − 1) = .9188. Against the cut-offs:
  CFI, TLI and RMSEA acceptable (RMSEA above .06), SRMR .0614 good; verdict acceptable.
- validity: HTMT Assurance–Empathy .9203 ≥ .90 (the one pair that does not separate),
  Responsiveness–Empathy .8202 < .85 (the next highest, unshaded); AVE below .50 in
  Tangibles (.4433) and Reliability (.3539).
- invariance across channel: Δχ² metric = 1051.28 − 1012.47 = 38.81 on 631 − 597 = 34 df,
  p = .26, ΔCFI = .9149 − .9158 = −.0009 (holds); scalar Δχ² 117.65 on 34 df, p < .001,
  ΔCFI = .8979 − .9149 = −.0170 (does not hold under servq's rule: p ≥ .05 or ΔCFI ≥ −.01);
  configural is the baseline (holds = null); level metric.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from markupsafe import escape
from report_pages import assert_offline, section_of, subsection_of

from servq.report import charts
from servq.report.html import render_html
from servq.report.summary import executive_summary, quality_sentences

FIXTURES = Path(__file__).parent / "fixtures"
LANGS = ("en", "sv", "zh")
QUALITY = ("reliability", "cfa", "validity", "invariance")
MINUS = "\u2212"
# dimension labels and the text of item 9 as an analysis in each language would give them
LABELS = {
    "en": {
        "tangibles": "Tangibles",
        "reliability": "Reliability",
        "responsiveness": "Responsiveness",
        "assurance": "Assurance",
        "empathy": "Empathy",
    },
    "sv": {
        "tangibles": "Fysisk miljö",
        "reliability": "Pålitlighet",
        "responsiveness": "Tillmötesgående",
        "assurance": "Trygghet",
        "empathy": "Empati",
    },
    "zh": {
        "tangibles": "有形性",
        "reliability": "可靠性",
        "responsiveness": "响应性",
        "assurance": "保证性",
        "empathy": "移情性",
    },
}
ITEM_9 = {
    "en": "XYZ keeps its records accurately.",
    "sv": "Företaget har korrekta uppgifter om mig.",
    "zh": "该公司的记录准确无误。",
}


def load(name: str = "quality") -> dict:
    with open(FIXTURES / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


def localized(lang: str) -> dict:
    """The fixture with its dimension labels and item 9 in ``lang``."""
    results = load()
    results["options"]["lang"] = lang
    for d in (
        results["dimensions"]
        + results["reliability"]["dimensions"]
        + results["validity"]["dimensions"]
    ):
        d["label"] = LABELS[lang][d["id"]]
    items = results["items"] + [it for d in results["reliability"]["dimensions"] for it in d["items"]]
    for it in items:
        if it["id"] == 9:
            it["text"] = ITEM_9[lang]
    return results


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return {lang: render_html(localized(lang), lang) for lang in LANGS}


def section(html: str, section_id: str = "quality") -> str:
    return section_of(html, section_id)


def subsection(html: str, title: str) -> str:
    """The sub-section of the quality section headed ``title``."""
    return subsection_of(html, "quality", title)


def row_cells(fragment: str, label: str) -> list[str]:
    """The text of each cell of the table row whose header cell is ``label``."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S)
    for row in rows:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        cells = [re.sub(r'<span class="sub">.*?</span>', "", c) for c in cells]
        if cells and cells[0] == label:
            return cells
    raise AssertionError(f"no row {label!r}")


# --------------------------------------------------------------------------- contract


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    text = (
        resources.files("servq.report").joinpath("results.schema.json").read_text(encoding="utf-8")
    )
    return jsonschema.Draft202012Validator(json.loads(text))


def test_fixture_validates_against_the_schema(validator):
    validator.validate(load())
    for lang in LANGS:
        validator.validate(localized(lang))
    nulls = load()
    nulls.update({key: None for key in QUALITY})
    validator.validate(nulls)


def test_fixture_is_servqual_plus_the_quality_blocks():
    quality, servqual = load(), load("servqual")
    assert {k: v for k, v in quality.items() if k not in QUALITY} == servqual
    assert [d["id"] for d in quality["reliability"]["dimensions"]] == [
        d["id"] for d in servqual["dimensions"]
    ]


# --------------------------------------------------------------------------- document


class Balance(HTMLParser):
    VOID = {"br", "col", "hr", "img", "input", "link", "meta", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


@pytest.mark.parametrize("lang", LANGS)
def test_renders_a_balanced_self_contained_document(rendered, lang):
    html = rendered[lang]
    checker = Balance()
    checker.feed(html)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    assert_offline(html)


@pytest.mark.parametrize("lang", LANGS)
def test_section_sits_between_outcomes_and_segments_and_in_the_contents(rendered, lang):
    html = rendered[lang]
    order = re.findall(r'<section id="([a-z]+)"', html)
    assert order == [
        "summary", "dimensions", "overall", "items", "outcomes", "quality", "segments", "definitions"
    ]
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0)
    title = {"en": "Instrument quality", "sv": "Instrumentets kvalitet", "zh": "量表质量"}[lang]
    assert f'<a href="#quality">{title}</a>' in toc
    assert f"<h2>{title}</h2>" in section(html)


@pytest.mark.parametrize(
    "lang, titles",
    [
        ("en", ["Reliability", "Factor structure (confirmatory factor analysis)",
                "Discriminant validity", "Measurement invariance"]),
        ("sv", ["Reliabilitet", "Faktorstruktur (konfirmatorisk faktoranalys)",
                "Diskriminant validitet", "Mätinvarians"]),
        ("zh", ["信度", "因子结构（验证性因子分析）", "区分效度", "测量不变性"]),
    ],
)
def test_four_subsections_in_every_language(rendered, lang, titles):
    assert re.findall(r'<div class="subsection">\s*<h3>([^<]*)</h3>', section(rendered[lang])) == titles


# --------------------------------------------------------------------------- not separated

NOT_SEPARATED = {
    "en": "Customers do not tell Assurance and Empathy apart (HTMT 0.92 ≥ 0.85): "
    "treat them as one area before ranking them against each other.",
    "sv": "Kunderna skiljer inte Trygghet och Empati åt (HTMT 0,92 ≥ 0,85): "
    "behandla dem som ett område innan de rangordnas mot varandra.",
    "zh": "顾客无法区分保证性和移情性（HTMT 0.92 ≥ 0.85）：在将二者相互比较排序之前，应把它们视为同一个方面。",
}


@pytest.mark.parametrize("lang", LANGS)
def test_the_pair_that_does_not_separate_is_named_in_summary_and_section(rendered, lang):
    sentence = NOT_SEPARATED[lang]
    assert sentence in executive_summary(localized(lang), lang)
    html = rendered[lang]
    assert f"<li>{escape(sentence)}</li>" in section(html, "summary")
    # stated up front in the quality section, as a key finding
    alert = re.search(r'<div class="callout alert" role="note">(.*?)</div>', section(html), re.S)
    assert alert and escape(sentence) in alert.group(1)
    title = {
        "en": "Dimensions customers do not tell apart",
        "sv": "Dimensioner som kunderna inte skiljer åt",
        "zh": "顾客无法区分的维度",
    }[lang]
    assert f'<p class="callout-title">{title}</p>' in alert.group(1)


def test_htmt_heat_table_marks_the_pair():
    html = render_html(load(), "en")
    validity = subsection(html, "Discriminant validity")
    tables = re.findall(r'<table class="matrix">.*?</table>', validity, re.S)
    assert len(tables) == 1
    htmt = tables[0]
    # lower triangle without the diagonal: rows Reliability…Empathy, columns Tangibles…Assurance
    assert re.findall(r'<th scope="row" class="label">([^<]*)</th>', htmt) == [
        "Reliability", "Responsiveness", "Assurance", "Empathy"
    ]
    assert '<td class="num heat-strong">0.92</td>' in htmt
    assert htmt.count("heat") == 1  # .82 (Responsiveness–Empathy) is below .85
    assert row_cells(htmt, "Empathy") == ["Empathy", "0.50", "0.61", "0.82", "0.92"]
    assert "Shaded: HTMT ≥ 0.85; dark: HTMT ≥ 0.90." in validity
    assert "Pairs that do not separate: Assurance – Empathy (0.92)." in validity


def test_a_pair_between_the_thresholds_is_shaded_lightly():
    results = load()
    results["validity"]["htmt"]["assurance"]["empathy"] = 0.87
    results["validity"]["htmt"]["empathy"]["assurance"] = 0.87
    results["validity"]["not_separated"][0].update(htmt=0.87, liberal=False)
    quality = section(render_html(results, "en"))
    assert '<td class="num heat">0.87</td>' in quality and "heat-strong" not in quality
    assert "Customers do not tell Assurance and Empathy apart (HTMT 0.87 ≥ 0.85)" in quality


def test_when_every_pair_separates_it_is_said_and_nothing_is_alarmed():
    results = load()
    for a, b in (("assurance", "empathy"), ("empathy", "assurance")):
        results["validity"]["htmt"][a][b] = 0.80
    results["validity"]["not_separated"] = []
    sentence = "Customers tell every pair of dimensions apart (every HTMT is below 0.85)."
    assert sentence in executive_summary(results, "en")
    html = render_html(results, "en")
    assert 'class="callout alert"' not in html
    assert '<div class="callout ok" role="note">' in subsection(html, "Discriminant validity")
    assert section(html).count(sentence) == 1
    assert "heat" not in section(html)
    sv = executive_summary(results, "sv")
    assert "Kunderna skiljer alla par av dimensioner åt (varje HTMT ligger under 0,85)." in sv


def test_a_pair_flagged_without_a_high_htmt_is_named_without_the_comparison():
    results = load()
    results["validity"]["not_separated"] = [{"a": "responsiveness", "b": "empathy", "htmt": 0.82}]
    assert (
        "Customers do not tell Responsiveness and Empathy apart: "
        "treat them as one area before ranking them against each other."
    ) in executive_summary(results, "en")


# --------------------------------------------------------------------------- reliability

RAISING = {
    "en": "Removing item 9 (“XYZ keeps its records accurately”) would raise α of Reliability "
    "from 0.68 to 0.75.",
    "sv": "Om påstående 9 (”Företaget har korrekta uppgifter om mig”) tas bort stiger α för "
    "Pålitlighet från 0,68 till 0,75.",
    "zh": "删除题项 9（“该公司的记录准确无误”）可使可靠性的 α 从 0.68 提高到 0.75。",
}


@pytest.mark.parametrize("lang", LANGS)
def test_the_item_raising_alpha_is_named_and_highlighted(rendered, lang):
    html = rendered[lang]
    assert escape(RAISING[lang]) in section(html)
    flagged = re.findall(r'<tr class="flag">(.*?)</tr>', section(html), re.S)
    assert len(flagged) == 1
    assert '<th scope="row" class="id">9</th>' in flagged[0]
    assert '<td class="num flag">0' in flagged[0] and "75</td>" in flagged[0]


VERDICT_WORDS = {
    "en": ["acceptable", "questionable", "good", "good", "excellent"],
    "sv": ["acceptabel", "tveksam", "god", "god", "utmärkt"],
    "zh": ["可接受", "存疑", "良好", "良好", "优秀"],
}


@pytest.mark.parametrize("lang", LANGS)
def test_reliability_table_verdicts_and_cut_offs(rendered, lang):
    html = rendered[lang]
    title = {"en": "Reliability", "sv": "Reliabilitet", "zh": "信度"}[lang]
    part = subsection(html, title)
    verdicts = re.findall(r'<td class="verdict (\w+)">([^<]*)</td>', part.split("</table>")[0])
    assert [v[0] for v in verdicts] == ["acceptable", "questionable", "good", "good", "excellent"]
    assert [v[1] for v in verdicts] == VERDICT_WORDS[lang]
    cuts = {
        "en": "Verdicts by raw α: excellent ≥ 0.90, good ≥ 0.80, acceptable ≥ 0.70, "
        "questionable ≥ 0.60 and poor below 0.60.",
        "sv": "Bedömning efter rått α: utmärkt ≥ 0,90, god ≥ 0,80, acceptabel ≥ 0,70, "
        "tveksam ≥ 0,60 och svag under 0,60.",
        "zh": "按原始 α 判定：优秀 ≥ 0.90、良好 ≥ 0.80、可接受 ≥ 0.70、存疑 ≥ 0.60和较差 < 0.60。",
    }[lang]
    assert escape(cuts) in part


def test_reliability_row_shows_every_coefficient():
    part = subsection(render_html(load(), "en"), "Reliability")
    # Reliability: 5 items, n 396, α .6824 [.6301, .7293], std α .6826, ω .7067, λ6 .659, r .3007
    assert row_cells(part, "Reliability") == [
        "Reliability", "5", "396", "0.68", "0.68", "0.71", "0.66", "0.30", "questionable"
    ]
    assert '0.68<span class="sub">[0.63, 0.73]</span>' in part
    assert "Brackets under α give Feldt's 95% confidence interval." in part.replace("&#39;", "'")
    # item diagnostics: one group row per dimension with its α
    assert re.findall(r'<th scope="colgroup" colspan="5">([^<]*)</th>', part) == [
        "Tangibles (α = 0.75)",
        "Reliability (α = 0.68)",
        "Responsiveness (α = 0.85)",
        "Assurance (α = 0.89)",
        "Empathy (α = 0.92)",
    ]


def test_reliability_summary_sentences():
    s = executive_summary(load(), "en")
    assert (
        "Internal consistency is below the acceptable level (α ≥ 0.70) in Reliability "
        "(α = 0.68, questionable): its items do not consistently measure one thing, "
        "so read its score with caution."
    ) in s
    sv = executive_summary(localized("sv"), "sv")
    assert (
        "Den inre konsistensen ligger under acceptabel nivå (α ≥ 0,70) för Pålitlighet "
        "(α = 0,68, tveksam): påståendena mäter inte samstämmigt samma sak, så tolka "
        "resultatet med försiktighet."
    ) in sv
    zh = executive_summary(localized("zh"), "zh")
    assert (
        "可靠性（α = 0.68，存疑）的内部一致性低于可接受水平（α ≥ 0.70）："
        "其题项未能一致地测量同一内容，解读该维度得分时需谨慎。"
    ) in zh


def test_two_weak_dimensions_are_listed_lowest_first():
    results = load()
    tangibles = results["reliability"]["dimensions"][0]
    tangibles.update(raw_alpha=0.55, verdict="poor")
    s = quality_sentences(results, "en")
    assert s[0] == (
        "Internal consistency is below the acceptable level (α ≥ 0.70) in Tangibles "
        "(α = 0.55, poor) and Reliability (α = 0.68, questionable): their items do not "
        "consistently measure one thing, so read their scores with caution."
    )


def test_when_every_dimension_is_reliable():
    results = load()
    reliability = results["reliability"]["dimensions"][1]
    reliability.update(raw_alpha=0.74, verdict="acceptable", items_raising_alpha=[])
    s = executive_summary(results, "en")
    # lowest α is now Reliability .74 (Tangibles .752)
    assert "All dimensions are reliable (α ≥ 0.70); the lowest is Reliability with α = 0.74." in s
    html = render_html(results, "en")
    assert "Removing a single item would not raise α in any dimension." in html
    assert '<tr class="flag">' not in html


# --------------------------------------------------------------------------- CFA


def test_fit_table_verdict_and_cut_offs():
    html = render_html(load(), "en")
    part = subsection(html, "Factor structure (confirmatory factor analysis)")
    assert "Verdict: acceptable fit" in part
    assert "Good fit: CFI ≥ 0.95, TLI ≥ 0.95, RMSEA ≤ 0.06 and SRMR ≤ 0.08." in part
    assert "Acceptable fit: CFI ≥ 0.90, TLI ≥ 0.90, RMSEA ≤ 0.08 and SRMR ≤ 0.10." in part
    assert "Otherwise the fit is poor." in part
    fit = part.split("</table>")[0]
    assert row_cells(fit, "χ²")[:2] == ["χ²", "512.43"]
    assert "df = 199, p &lt; 0.001" in fit
    assert row_cells(fit, "CFI") == ["CFI", "0.930", "≥ 0.95", "≥ 0.90", "acceptable"]
    assert row_cells(fit, "TLI") == ["TLI", "0.919", "≥ 0.95", "≥ 0.90", "acceptable"]
    assert row_cells(fit, "RMSEA") == ["RMSEA", "0.064", "≤ 0.06", "≤ 0.08", "acceptable"]
    assert "90% interval [0.057, 0.070]" in fit
    assert row_cells(fit, "SRMR") == ["SRMR", "0.061", "≤ 0.08", "≤ 0.10", "good"]
    assert row_cells(fit, "Respondents (complete answers)")[1] == "389"
    assert "With large samples the χ² test rejects almost any model" in part
    assert "(here n = 389), so the verdict rests on the fit indices CFI, TLI, RMSEA and SRMR." in part


@pytest.mark.parametrize(
    "lang, verdict, summary",
    [
        ("en", "Verdict: acceptable fit",
         "The answers follow the instrument&#39;s dimensions acceptably (factor analysis: "
         "CFI 0.930, RMSEA 0.064; acceptable fit)."),
        ("sv", "Bedömning: acceptabel anpassning",
         "Svaren följer instrumentets dimensioner acceptabelt (faktoranalys: CFI 0,930, "
         "RMSEA 0,064; acceptabel anpassning)."),
        ("zh", "结论：拟合可接受",
         "回答与量表的维度结构基本吻合（因子分析：CFI 0.930，RMSEA 0.064；拟合可接受）。"),
    ],
)
def test_cfa_verdict_in_every_language(rendered, lang, verdict, summary):
    assert verdict in section(rendered[lang])
    assert f"<li>{summary}</li>" in section(rendered[lang], "summary")


def test_loadings_chart_table_and_factor_correlations():
    html = render_html(load(), "en")
    part = subsection(html, "Factor structure (confirmatory factor analysis)")
    svgs = re.findall(r"<svg\b.*?</svg>", part, re.S)
    assert len(svgs) == 1
    svg = svgs[0]
    assert svg.count('class="bar"') == 22 and 'class="reference"' in svg
    assert 'data-label="9. XYZ keeps its records accurately."' in svg
    assert "0.70: about half of the item&#x27;s variance comes from its dimension" in svg
    for label in LABELS["en"].values():
        assert f'font-weight="700">{label}</text>' in svg
    # the loadings table: item 1 fixed to 1 (no SE), item 9 .15
    assert "The first item of each dimension has its loading fixed to 1" in part
    assert row_cells(part, "9") == ["9", "XYZ keeps its records accurately.", "0.22", "0.09", "0.15"]
    assert row_cells(part, "1")[2:] == ["1.00", "–", "0.72"]
    matrix = re.search(r'<table class="matrix">.*?</table>', part, re.S).group(0)
    assert row_cells(matrix, "Empathy") == ["Empathy", "0.50", "0.60", "0.82", "0.92", "1.00"]
    assert "assurance =~ P14 + P15 + P16 + P17" in part


def test_warnings_and_non_convergence_are_shown():
    results = load()
    results["cfa"]["converged"] = False
    results["cfa"]["warnings"].append("Heywood case: <negative> residual variance of P9")
    s = executive_summary(results, "en")
    assert (
        "The factor analysis of the instrument's dimensions did not converge, "
        "so its fit could not be assessed."
    ) in s
    assert not any("factor analysis: CFI" in x for x in s)
    part = subsection(render_html(results, "en"), "Factor structure (confirmatory factor analysis)")
    assert "The estimation did not converge" in part
    warnings = re.search(r"Warnings from the estimation</p>(.*?)</div>", part, re.S).group(1)
    assert "The standardized loading of P9 on reliability is 0.15" in warnings
    assert "Heywood case: &lt;negative&gt; residual variance of P9" in warnings


def test_poor_fit_and_missing_optional_fit_values():
    results = load()
    results["cfa"]["verdict"] = "poor"
    results["cfa"]["fit"].update(cfi=0.85, pvalue=None)
    del results["cfa"]["fit"]["rmsea.ci.lower"]
    s = executive_summary(results, "en")
    assert (
        "The answers follow the instrument's dimensions poorly (factor analysis: CFI 0.850, "
        "RMSEA 0.064; poor fit), so compare dimension scores with care."
    ) in s
    part = subsection(render_html(results, "en"), "Factor structure (confirmatory factor analysis)")
    assert '<div class="callout warn" role="note">\n<p class="callout-title">Verdict: poor fit' in part
    assert row_cells(part, "CFI")[-1] == "poor"
    assert "p =" not in part and "90% interval" not in part


# --------------------------------------------------------------------------- invariance

INVARIANCE = {
    "en": "Measurement invariance across channel reaches only the metric level: relationships "
    "(correlations, drivers) can be compared between the groups, but their means cannot.",
    "sv": "Mätinvariansen efter kanal når bara metrisk nivå: samband (korrelationer, "
    "drivkrafter) kan jämföras mellan grupperna, men inte medelvärdena.",
    "zh": "按渠道分组的测量不变性仅达到度量水平：各组之间可以比较变量间的关系（相关、驱动因素），但不能比较均值。",
}


@pytest.mark.parametrize("lang", LANGS)
def test_invariance_level_and_meaning(rendered, lang):
    html = rendered[lang]
    assert INVARIANCE[lang] in executive_summary(localized(lang), lang)
    title = {"en": "Measurement invariance", "sv": "Mätinvarians", "zh": "测量不变性"}[lang]
    part = subsection(html, title)
    assert INVARIANCE[lang] in part
    level = {
        "en": "Level reached: metric invariance",
        "sv": "Uppnådd nivå: metrisk invarians",
        "zh": "达到的水平：度量不变性",
    }[lang]
    assert f'<p class="callout-title">{level}</p>' in part
    holds = re.findall(r'<td class="verdict (good|poor)">', part)
    assert holds == ["good", "poor"]  # metric, scalar; configural is the baseline


def test_invariance_table():
    part = subsection(render_html(load(), "en"), "Measurement invariance")
    assert "channel (Branch office (n = 226), Phone (n = 93) and Online (n = 70))" in part
    assert row_cells(part, "Metric") == [
        "Metric", "1,051.28", "631", "0.915", "0.072", "38.81 (34)", "0.262", f"{MINUS}0.001", "holds"
    ]
    assert row_cells(part, "Scalar") == [
        "Scalar", "1,168.93", "665", "0.898", "0.076", "117.65 (34)", "&lt; 0.001", f"{MINUS}0.017",
        "does not hold",
    ]
    assert row_cells(part, "Configural")[5:] == ["–", "–", "–", "–"]
    assert "equal loadings and intercepts" in part
    assert (
        "Rule for “holds”: a step holds when the chi-square difference test is not significant "
        "(p &gt;= 0.05) or the CFI drops by no more than 0.01 (delta CFI &gt;= -0.01)."
    ) in part


@pytest.mark.parametrize(
    "level, sentence",
    [
        ("scalar", "Measurement invariance across channel reaches the scalar level: scores and "
                   "means can be compared between the groups."),
        ("configural", "Across channel, only the factor structure is the same (configural "
                       "invariance): neither relationships nor means should be compared between "
                       "the groups."),
        ("none", "Across channel, not even the factor structure is the same: scores from the "
                 "groups should not be compared."),
    ],
)
def test_every_invariance_level_has_its_meaning(level, sentence):
    results = load()
    results["invariance"]["level"] = level
    assert quality_sentences(results, "en")[-1] == sentence
    assert "efter kanal" in quality_sentences(results, "sv")[-1].lower()  # the glossary's name of the column
    assert "按渠道分组" in quality_sentences(results, "zh")[-1] or "按渠道" in quality_sentences(results, "zh")[-1]
    assert sentence in render_html(results, "en")


# --------------------------------------------------------------------------- absent, partial


@pytest.mark.parametrize("how", ["absent", "null"])
def test_results_without_quality_render_as_before(how):
    results = load()
    for key in QUALITY:
        if how == "absent":
            del results[key]
        else:
            results[key] = None
    plain = load("servqual")
    for lang in LANGS:
        assert executive_summary(results, lang) == executive_summary(plain, lang)
        html = render_html(results, lang)
        assert 'id="quality"' not in html and 'href="#quality"' not in html
        assert 'class="subsection"' not in html and "callout" not in html.split("</style>")[1]
        assert html == render_html(plain, lang)
    assert quality_sentences(results, "en") == []


def test_only_some_blocks():
    results = load()
    results["reliability"] = results["cfa"] = None
    del results["validity"]
    html = render_html(results, "en")
    assert re.findall(r'<div class="subsection">\s*<h3>([^<]*)</h3>', section(html)) == [
        "Measurement invariance"
    ]
    assert quality_sentences(results, "en") == [INVARIANCE["en"]]
    # definitions follow what is shown
    definitions = section(html, "definitions")
    assert "Measurement invariance: configural" in definitions and "HTMT" not in definitions


def test_definitions_of_every_quality_measure():
    definitions = section(render_html(load(), "en"), "definitions")
    for start in ("Cronbach&#39;s α:", "α if dropped:", "Fit indices of the factor model:",
                  "CR (composite reliability)", "HTMT, the heterotrait–monotrait ratio:",
                  "Measurement invariance:"):
        assert f"<li>{start}" in definitions, start


def test_unknown_dimension_ids_fall_back_to_the_id():
    results = load()
    results["validity"]["not_separated"] = [
        {"a": "assurance", "b": "x_factor", "htmt": 0.95, "liberal": True}
    ]
    assert (
        "Customers do not tell Assurance and x_factor apart (HTMT 0.95 ≥ 0.85): "
        "treat them as one area before ranking them against each other."
    ) in quality_sentences(results, "en")
    render_html(results, "en")


# --------------------------------------------------------------------------- escaping


def test_labels_texts_and_messages_are_escaped():
    results = load()
    evil = "<script>alert(1)</script>"
    for d in results["dimensions"] + results["validity"]["dimensions"]:
        if d["id"] == "assurance":
            d["label"] = evil + " & Co"
    for it in results["items"] + results["reliability"]["dimensions"][1]["items"]:
        if it["id"] == 9:
            it["text"] = evil
    results["cfa"]["warnings"] = [evil]
    results["invariance"]["column"] = evil
    results["invariance"]["groups"] = {evil: 226}
    results["invariance"]["rule"] = evil
    results["cfa"]["model"] = evil
    for lang in LANGS:
        html = render_html(results, lang)
        assert "<script" not in html.lower()
        quality = section(html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in quality  # label in tables, SVG
        assert f"{escape(evil)}" in section(html, "summary")
    en = render_html(results, "en")
    assert escape(
        f"Customers do not tell {evil} & Co and Empathy apart (HTMT 0.92 ≥ 0.85)"
    ) in section(en)
    assert escape(f"Removing item 9 (“{evil}”) would raise α") in section(en)
    svg = re.findall(r"<svg\b.*?</svg>", section(en), re.S)[0]
    assert "<script" not in svg and "9. &lt;script&gt;" in svg


# --------------------------------------------------------------------------- charts


def test_bar_chart_reference_line():
    bars = [charts.Bar("a", 0.4), charts.Bar("b", 0.9)]
    svg = charts.bar_chart(
        bars, title="t", fmt=lambda v: f"{v:.2f}", domain=(0, 1), diverging=False,
        reference=(0.7, "cut <0.7>"),
    )
    lines = re.findall(r'<line class="reference" x1="([\d.]+)"', svg)
    assert len(lines) == 1
    # the axis runs from x0 = label width + 8 to x1 = WIDTH − VALUE_W − 10; 0.7 of the way
    label_w = max(90, min(250, charts.text_width("b") + 14))
    x0, x1 = label_w + 8, charts.WIDTH - charts.VALUE_W - 10
    assert float(lines[0]) == pytest.approx(x0 + 0.7 * (x1 - x0), abs=0.06)
    assert "cut &lt;0.7&gt;" in svg and 'stroke-dasharray="4 3"' in svg
    outside = charts.bar_chart(
        bars, title="t", fmt=str, domain=(0, 0.5), diverging=False, reference=(0.7, "x")
    )
    assert 'class="reference"' not in outside
