"""The "Complaints" section of the report and the one-file complaints report.

The block is computed from the shipped example register (examples/complaints.csv, see
tests/complaints/test_cli_complaints.py): two planted hot spots (price_billing at South in
2026-W11, product_quality at North in W12, 18 complaints each against 3.4 expected), SLA
due times from examples/sla.yaml, customers per unit and the dropped-call rate per region.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from pathlib import Path

import pyarrow as pa
import pytest
from report_pages import assert_offline, section_of, subsection_of

from servq.complaints.analytics import complaints_block
from servq.complaints.register import read_customers, read_register
from servq.complaints.sla import load_policies, with_due_times
from servq.report import i18n
from servq.report.complaints_section import lag_chart, render_complaints_html
from servq.report.html import render_html

ROOT = Path(__file__).parents[2]
EX = ROOT / "examples"
FIXTURES = Path(__file__).parent / "fixtures"
LANGS = ("en", "sv", "zh")
NOW = dt.datetime(2026, 3, 29, 18, 0, tzinfo=dt.UTC)
TITLES = {"en": "Complaints", "sv": "Klagomål", "zh": "投诉"}


@pytest.fixture(scope="module")
def register() -> pa.Table:
    table = read_register(EX / "complaints.csv", timezone="Europe/Stockholm")
    return with_due_times(table, load_policies(EX / "sla.yaml"))


def block_of(register, lang="en", **kw) -> dict:
    options = {"customers": read_customers(EX / "customers.csv"), "operations": EX / "network.csv",
               "timezone": "Europe/Stockholm", "now": NOW, "spikes": "both", **kw}
    return complaints_block(register, lang=lang, **options)


@pytest.fixture(scope="module")
def block(register) -> dict:
    return block_of(register)


def document(block: dict) -> dict:
    return {"schema_version": "1.0", "servq_version": "test", "source": {"file": "complaints.csv", "rows": block["n"]},
            "complaints": block}


@pytest.fixture(scope="module")
def rendered(block) -> dict[str, str]:
    return {lang: render_complaints_html(document(block), lang) for lang in LANGS}


def survey(block: dict | None) -> dict:
    data = json.loads((FIXTURES / "servqual.json").read_text(encoding="utf-8"))
    data["complaints"] = block
    return data


def text(page: str) -> str:
    plain = re.sub(r"<(svg|style).*?</\1>", " ", page, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", plain)))


def assert_every_figure_has_its_table(html: str) -> int:
    """Each <figure> is followed by a <table> before the next figure; returns the figures."""
    marks = re.findall(r"<figure|<table", html)
    for i, mark in enumerate(marks):
        if mark == "<figure":
            assert i + 1 < len(marks) and marks[i + 1] == "<table", f"figure {marks[:i + 1].count('<figure')}"
    return marks.count("<figure")


# --------------------------------------------------------------------------- the whole report


@pytest.mark.parametrize("lang", LANGS)
def test_report_in_every_language_is_offline_and_every_figure_has_a_table(rendered, lang):
    html = rendered[lang]
    assert_offline(html)
    html_lang = {"en": "en", "sv": "sv", "zh": "zh-Hans"}[lang]
    assert html.startswith("<!DOCTYPE html>") and f'<html lang="{html_lang}">' in html
    sec = section_of(html, "complaints")
    assert f"<h2>{TITLES[lang]}</h2>" in sec
    # weekly volume, by dimension, by unit, resolution days, SLA, backlog ages, rates, 5 lag charts
    assert assert_every_figure_has_its_table(sec) == 12
    assert sec.count("<svg") == 12 and not re.search(r"\b(None|nan|NaN)\b", text(html))
    assert "{" not in text(html)  # every placeholder filled


def test_translations_have_the_same_keys():
    keys = {lang: {k for k in i18n.catalog(lang) if k.startswith("complaints.") or k == "section.complaints"}
            for lang in LANGS}
    assert keys["en"] == keys["sv"] == keys["zh"] and len(keys["en"]) > 150


def test_cover_key_figures_and_summary_name_the_hot_spots(rendered):
    html = rendered["en"]
    plain = text(html)
    assert "Complaints register complaints.csv · 735 complaints" in plain
    # four cell-weeks flagged by either method (two by both), the latest named
    assert "Hot spots 4 Product or network quality · North · 2026-W13" in plain
    summary = text(section_of(html, "summary"))
    assert ("Hot spot: 18 complaints about Product or network quality at North in week 2026-W12: 5.3 times the 3.4 expected "
            "from the weeks before (p < 0.001, adjusted).") in summary
    assert "75.0% resolved in time (of 679)" in summary
    assert "North has the most complaints per customer: 3.69 per 1,000 (all units: 3.08)." in summary


def test_hot_spots_come_first_with_their_table(block, rendered):
    sec = section_of(rendered["en"], "complaints")
    assert sec.index('class="callout alert"') < sec.index("<h3>Hot spots</h3>") < sec.index("Complaints week by week")
    callout = text(re.search(r'<div class="callout alert".*?</div>', sec, re.S).group(0))
    spots = {(s["dimension"], s["unit"], s["week"]) for s in block["hot_spots"]["spikes"]}
    assert f"Hot spots: {len(spots)}" in callout
    # 18 against the 3.25 a week expected from the weeks before (18 / 3.25 = 5.54): since the
    # model reads words folded it files one blank-dimension complaint (a double charge) under reliability
    assert ("18 complaints about Price and billing at South in week 2026-W11: 5.5 times the 3.2 expected from the "
            "weeks before (p < 0.001, adjusted).") in callout
    sub = subsection_of(rendered["en"], "complaints", "Hot spots")
    rows = re.findall(r'<tr class="flag">(.*?)</tr>', sub, re.S)
    assert len(rows) == len(block["hot_spots"]["spikes"])  # every flagged cell-week of both methods
    poisson = next(text(r) for r in rows if "Poisson test" in r and "Price and billing" in r)
    assert poisson.split() == ["2026-W11", "from", "2026-03-09", "Price", "and", "billing", "South", "18", "3.2", "5.5×",
                               "p", "<", "0.001", "before", "adjustment:", "p", "<", "0.001", "Poisson", "test"]
    assert any("EWMA" in r and re.search(r"EWMA \d\.\d\d &gt; \d\.\d\d", r) for r in rows)
    sv = section_of(rendered["sv"], "complaints")
    assert "18 klagomål om Pris och fakturering vid South vecka 2026-W11: 5,5 gånger de 3,2 som väntades" in sv
    zh = section_of(rendered["zh"], "complaints")
    assert "South 在2026-W11周有 18 件关于价格与账单的投诉，是按此前各周预期的 3.2 件的 5.5 倍" in zh


def test_weekly_chart_marks_the_hot_weeks_and_its_table_has_every_week(block, rendered):
    sub = subsection_of(rendered["en"], "complaints", "Complaints week by week")
    svg = re.search(r'<svg class="chart chart-weekly".*?</svg>', sub, re.S).group(0)
    hot_weeks = {s["week"] for s in block["hot_spots"]["spikes"]}
    assert svg.count('class="hot-spot"') == len(hot_weeks)
    stacked = sum(1 for d in {c["dimension"] for c in block["volume"]["cells"]} for w in range(12)
                  if sum(c["counts"][w] for c in block["volume"]["cells"] if c["dimension"] == d))
    assert len(re.findall(r'class="bar"', svg)) == stacked  # one piece per dimension and week with complaints
    rows = re.findall(r'<tr class="(data|flag)">\s*<th scope="row" class="label">(\d{4}-W\d\d)', sub)
    assert [w for _, w in rows] == [w["week"] for w in block["volume"]["weeks"]]
    assert {w for kind, w in rows if kind == "flag"} == hot_weeks
    totals = [int(t) for t in re.findall(r'<span class="sub">[^<]*</span></th>\s*<td class="num">(\d+)</td>', sub)]
    assert sum(totals) == 735


def test_weeks_left_out_are_marked_in_the_chart_and_the_table(register):
    """A complaint dated 1900 in the register: the weekly chart and table keep the weeks near
    complaints, with a dashed line and a row where the weeks without complaints were left out."""
    received = register.column("received_at").to_pylist()
    received[0] = dt.datetime(1900, 1, 3, 12, tzinfo=dt.UTC)
    column = pa.array(received, register.schema.field("received_at").type)
    old = block_of(register.set_column(register.column_names.index("received_at"), "received_at", column))
    gaps = [w["gap_before"] for w in old["volume"]["weeks"]]
    assert len(gaps) == 1 + 8 + 8 + 12 and sum(g > 0 for g in gaps) == 1 and max(gaps) > 6_000  # W02-W13
    for lang, words in (("en", "weeks without any complaint, left out"), ("sv", "veckor utan klagomål, utelämnade"),
                        ("zh", "个没有任何投诉的周")):
        assert f"{i18n.fmt_int(lang, max(gaps))} {words}" in render_complaints_html(document(old), lang)
    weekly = subsection_of(render_complaints_html(document(old), "en"), "complaints", "Complaints week by week")
    assert f"… {max(gaps):,} weeks without any complaint, left out" in weekly
    svg = re.search(r'<svg class="chart chart-weekly".*?</svg>', weekly, re.S).group(0)
    assert svg.count('class="gap"') == 1


def test_the_survey_report_shows_the_section_and_its_definitions(block):
    html = render_html(survey(block), "en")
    assert_offline(html)
    assert '<li><a href="#complaints">Complaints</a></li>' in html
    sec = section_of(html, "complaints")
    assert_every_figure_has_its_table(sec)
    assert "Complaints per 1,000 customers" in sec
    definitions = section_of(html, "definitions")
    assert "Hot spot (Poisson test)" in definitions and "EWMA chart:" in definitions
    for empty in (None, {**block, "operations": None}):
        html = render_html(survey(empty), "sv")
        assert ('id="complaints"' in html) == (empty is not None)
    plain = json.loads(json.dumps(survey(None)))
    plain.pop("complaints")
    assert 'id="complaints"' not in render_html(plain, "zh")


# --------------------------------------------------------------------------- groups shown as counts only


def test_small_groups_show_counts_only(register):
    small = block_of(register, min_n=400)  # every unit and dimension has fewer complaints
    sec = section_of(render_complaints_html(document(small), "en"), "complaints")
    assert_every_figure_has_its_table(sec)
    handling = subsection_of(render_complaints_html(document(small), "en"), "complaints", "Handling times")
    assert "chart-shares" not in handling  # no unit to chart
    assert handling.count("fewer than 400: counts only") == 2 * (5 + 7)
    assert re.search(r'<th scope="row" class="label">Central</th>\s*<td class="num">192</td>', handling)
    sla = subsection_of(render_complaints_html(document(small), "en"), "complaints", "Service-level agreements")
    chart = re.search(r"<svg.*?</svg>", sla, re.S).group(0)
    assert "All complaints" in chart and "Central" not in chart  # the whole is always shown
    assert re.search(r'<tr class="suppressed">\s*<th scope="row" class="label">Central</th>\s*<td class="num">193</td>',
                     sla)


def test_no_complaints_and_no_optional_inputs(register):
    empty = complaints_block(register.slice(0, 0))
    html = render_complaints_html(document(empty), "sv")
    assert "Klagomålsregistret innehåller inga klagomål." in section_of(html, "complaints")
    assert "Registret innehåller inga klagomål." in section_of(html, "summary")
    bare = complaints_block(register.drop_columns(["ack_due", "resolve_due", "customer_key"]), timezone="Europe/Stockholm",
                            now=NOW)
    html = render_complaints_html(document(bare), "en")
    sec = section_of(html, "complaints")
    assert_every_figure_has_its_table(sec)
    assert "the complaints have no due times" in sec and "the register has no customer key or contact" in sec
    assert "<h3>Service-level agreements</h3>" not in sec and "<h3>Complaints per 1,000 customers</h3>" not in sec
    assert "<h3>Operational metrics and complaints</h3>" not in sec


def test_names_from_the_register_are_escaped():
    evil = "<script>alert(1)</script>"
    t = pa.table({"id": ["a", "b", "c"], "unit": [evil, evil, "B"], "dimension": ["x&y", "x&y", "z"],
                  "received_at": pa.array([dt.datetime(2026, 3, d, 9) for d in (2, 3, 4)],
                                          pa.timestamp("s", tz="UTC"))})
    html = render_complaints_html(document(complaints_block(t, min_n=1)), "en")
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "x&amp;y" in html


# --------------------------------------------------------------------------- operational metrics


def test_lag_profiles_name_the_strongest_lag(block, rendered):
    sub = subsection_of(rendered["en"], "complaints", "Operational metrics and complaints")
    north = next(s for s in block["operations"]["series"] if s["region"] == "North")
    assert north["strongest"]["lag"] == 2 and north["strongest"]["significant"]
    row = re.search(r'<tr class="flag">(.*?)</tr>', sub, re.S).group(1)
    assert text(row).split()[:6] == ["North", "dropped_call_rate", "2", "+0.53", "82", "<"]
    assert "metric moves before complaints" in row
    assert "In North, dropped_call_rate moves 2 days before the complaints there (r = +0.53, p < 0.001, adjusted)." \
        in text(sub)
    assert sub.count('class="bar strongest"') == len(block["operations"]["series"])
    lag_tables = re.findall(r'<table class="lags">.*?</table>', sub, re.S)
    assert len(lag_tables) == 5 and all(t.count("<th scope=\"col\" class=\"num\">") == 15 for t in lag_tables)


def test_lag_chart_marks_a_significant_strongest_lag():
    lags = [{"lag": i, "r": r, "n": 30, "p": 0.5, "p_adjusted": 1.0} for i, r in enumerate([0.1, -0.6, 0.2, None])]
    svg = lag_chart(lags, 1, title="t", fmt=str, x_label="lag", y_label="r", strongest_label="strongest",
                    other_label="other", significant_label="* adjusted p < 0.05")
    assert svg.count('class="bar strongest"') == 1 and svg.count('class="bar"') == 2  # no bar without r
    assert "#b5472b" in svg.split('class="bar strongest"')[1][:120]  # negative: warm
    assert ">*</text>" in svg and "adjusted p &lt; 0.05" in svg
    plain = lag_chart(lags, 1, title="t", fmt=str, x_label="lag", y_label="r", strongest_label="s", other_label="o",
                      significant_label="")
    assert ">*</text>" not in plain


def test_built_in_dimensions_are_shown_by_name_and_the_block_keeps_its_ids():
    from servq.report.complaints_section import named

    block = {"volume": {"by_dimension": [{"value": "price_billing", "n": 3}, {"value": "queue times", "n": 1}],
                        "cells": [{"dimension": "empathy", "unit": "North"}]},
             "hot_spots": {"spikes": [{"dimension": "product_quality", "unit": "North"}]}}
    sv = named(block, "sv")
    assert [r["value"] for r in sv["volume"]["by_dimension"]] == ["Pris och fakturering", "queue times"]
    assert sv["volume"]["cells"][0]["dimension"] == "Empati" and sv["volume"]["cells"][0]["unit"] == "North"
    assert named(block, "zh")["hot_spots"]["spikes"][0]["dimension"] == "产品或网络质量"
    assert block["volume"]["by_dimension"][0]["value"] == "price_billing"  # the JSON's ids are untouched
