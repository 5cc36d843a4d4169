"""The "Trends" section of the report: sentences, the series and control charts, tables.

Data: the hand-made months of tests/measures/test_trends.py (one-item instrument, P1 = the
SERVPERF score). February 5, 5, 6, 4 (mean 5.00) -> March 7, 7, 6, 7 (mean 6.75): +1.75,
Welch p = 0.0148; the X̄ chart (centre 5.583, σ = 0.7265, limits 4.49 to 6.67 for n = 4)
flags March for the overall score and the dimension; April (n = 1) is suppressed.
"""

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
from report_pages import assert_offline, section_of, subsection_of

import servq
from servq.report import SCHEMA_PATH
from servq.report.html import render_html
from servq.report.i18n import join_list

ONE = Path(__file__).parent.parent / "data" / "trends_one.yaml"
MONTHS = [("2026-01", (4, 5, 6, 5), (5, 4, 2, 3)), ("2026-02", (5, 5, 6, 4), (1, 2, 3, 4)),
          ("2026-03", (7, 7, 6, 7), (5, 5, 5, 5)), ("2026-04", (3,), (1,))]
LANGS = ("en", "sv", "zh")


def write(tmp_path, months) -> Path:
    rows = [f"{m}-{i + 1:02d},{p},{s}" for m, ps, ss in months for i, (p, s) in enumerate(zip(ps, ss))]
    path = tmp_path / "months.csv"
    path.write_text("date,P1,sat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def results(tmp_path):
    return servq.analyze(write(tmp_path, MONTHS), ONE, period="month", min_n=4, quality=False).data


@pytest.fixture
def rendered(results):
    return {lang: render_html(results, lang) for lang in LANGS}


def test_results_follow_the_schema(results):
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    validator.validate(results)
    validator.validate({**results, "trends": None})


def test_change_sentence_names_periods_values_difference_and_p(rendered):
    # three changes tested (SERVPERF and Service p = 0.0148 each, top-box p = 0.0285; the
    # outcome mean has no spread): Holm gives max(3 × 0.0148, 2 × 0.0148, 0.0285) = 0.044
    sec = section_of(rendered["en"], "trends")
    assert "Overall score (SERVPERF) rose from 5.00 in 2026-02 to 6.75 in 2026-03 (+1.75, Holm-corrected p = 0.044)." \
        in sec
    assert "Also changed significantly from 2026-02 to 2026-03: Service (+1.75, Holm-corrected p = 0.044)" in sec
    assert "Totalt mått (SERVPERF) steg från 5,00 under 2026-02 till 6,75 under 2026-03 (+1,75, Holm-korrigerat " \
           "p = 0,044)." in section_of(rendered["sv"], "trends")
    assert "总体得分（SERVPERF）从2026-02的 5.00 升至2026-03的 6.75（+1.75，Holm 校正后 p = 0.044）。" \
        in section_of(rendered["zh"], "trends")
    assert '<div class="callout ok"' in sec and '<div class="callout alert"' not in sec  # an improvement: no alarm


def test_only_a_deterioration_that_survives_correction_raises_the_alarm(results):
    change = results["trends"]["change"]["measures"]
    assert change["servperf"]["p_adj"] == pytest.approx(3 * change["servperf"]["p"]) and not change["servperf"]["worse"]
    worse = copy.deepcopy(results)
    for c in worse["trends"]["change"]["measures"].values():
        if c is not None:
            c.update(diff=-abs(c["diff"]), worse=True)
    assert '<div class="callout alert"' in section_of(render_html(worse, "en"), "trends")
    chance = copy.deepcopy(results)  # significant before the correction only: not an alarm, not a change
    for c in chance["trends"]["change"]["measures"].values():
        if c is not None:
            c.update(p=0.028, p_adj=0.084, significant=False, worse=True)
    sec = section_of(render_html(chance, "en"), "trends")
    assert '<div class="callout alert"' not in sec and "no significant change" in sec


def test_no_significant_change_is_said(tmp_path):
    months = MONTHS[:2] + [("2026-03", (5, 6, 5, 4), (2, 3, 3, 2))]
    res = servq.analyze(write(tmp_path, months), ONE, period="month", min_n=4, quality=False).data
    sec = section_of(render_html(res, "en"), "trends")
    assert "Overall score (SERVPERF): no significant change from 2026-02 to 2026-03 (5.00 to 5.00, 0.00, " \
           "Holm-corrected p = 1.000)." in sec
    assert "Every period is within the control limits" in sec


def test_out_of_control_period_is_named_and_marked_with_a_shape(rendered):
    sec = section_of(rendered["en"], "trends")
    names = join_list("en", ["Overall score (SERVPERF)", "Service"])
    assert f"2026-03 is outside the control limits for {names}." in sec
    chart = subsection_of(rendered["en"], "trends", "Control chart (X̄) of Overall score (SERVPERF)")
    svg = re.search(r"<svg.*?</svg>", chart, re.S).group(0)
    assert svg.count('class="point out"') == 1 and svg.count('class="point"') == 2
    assert re.search(r'<polygon class="point out"', svg)  # a triangle, not only another colour
    # its table: value, lower and upper limit per period and the signal
    assert re.search(r"2026-03</th>\s*<td[^>]*>4</td>\s*<td[^>]*>6.75</td>\s*<td[^>]*>4.49</td>\s*"
                     r"<td[^>]*>6.67</td>\s*<td[^>]*>outside the limits</td>", chart)
    assert "σ = 0.73" in chart


def test_p_chart_of_the_top_box_share_and_the_series_chart(rendered):
    sec = section_of(rendered["en"], "trends")
    assert "Control chart (p) of Satisfaction: top-two-box share" in sec
    series = subsection_of(rendered["en"], "trends", "Overall score (SERVPERF) by period")
    assert series.count("<svg") == 1 and series.count('class="whisker"') == 3  # April: suppressed, no point
    assert "Suppressed (fewer than 4 respondents)" in series


def test_every_measure_table_and_suppressed_periods(rendered):
    table = subsection_of(rendered["en"], "trends", "Every measure by period")
    assert "Not shown (too few respondents): 2026-04." in table
    assert "25.0%" in table and "100.0%" in table  # top-box shares of February and March


@pytest.mark.parametrize("lang", LANGS)
def test_renders_offline_in_every_language(rendered, lang):
    assert_offline(rendered[lang])
    title = {"en": "Trends", "sv": "Trender", "zh": "趋势"}[lang]
    assert re.search(rf'<section id="trends">\s*<h2>{title}</h2>', rendered[lang])


def test_no_section_without_trends(results):
    assert '<section id="trends"' not in render_html({**results, "trends": None}, "en")
