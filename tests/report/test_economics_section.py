"""The "Service economics" section of the report.

The block is fixtures/servqual.json plus ``economics`` computed by servq.measures.economics from a
bank of 20,000 customers with 150 complaints, 60% resolved, 4,200 SEK a customer, 300 SEK to
retain one and 420 SEK a purchase, and the survey's detractor share of 30%. By hand
(tests/test_economics.py checks each): dissatisfied 150 / 4% = 3,750, silent 3,600 (96%),
at risk 81% × 3,660 + 5% × 90 = 2,969.1, revenue at risk 2,969.1 × 4,200 = 12,470,220 SEK,
word of mouth 80% × 10 + 20% × 20 = 12 against 5; from the survey 30% × 20,000 = 6,000
dissatisfied, so the complaints imply a complaint rate of 150 / 6,000 = 2.5%.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from report_pages import assert_offline, section_of

from servq.measures import economics
from servq.report.html import render_html

FIXTURES = Path(__file__).parent / "fixtures"
LANGS = ("en", "sv", "zh")
PARAMS = {"inputs": {"customer_base": 20000, "complaints": 150, "resolved_share": 0.6, "value_per_customer": 4200,
                     "retention_cost": 300, "purchase_value": 420, "currency": "SEK"}}
SURVEY = {"measure": "nps_detractors", "share": 0.3, "n": 380, "of": "recommend"}


def results(params: dict = PARAMS) -> dict:
    with open(FIXTURES / "servqual.json", encoding="utf-8") as fh:
        data = json.load(fh)
    data["economics"] = economics.compute(economics.load_economics(params), SURVEY)
    return data


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return {lang: render_html(results(), lang) for lang in LANGS}


def text(html: str) -> str:
    plain = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", plain)).replace("&#39;", "'")


def test_no_block_no_section():
    data = results()
    data["economics"] = None
    assert '<section id="economics"' not in render_html(data, "en")


@pytest.mark.parametrize("lang", LANGS)
def test_section_in_every_language_is_offline_and_says_it_is_not_measured(rendered, lang):
    html = rendered[lang]
    assert_offline(html)
    body = section_of(html, "economics")
    title = {"en": "Rules of thumb, not measurements", "sv": "Tumregler, inte mätningar", "zh": "经验法则，而非实测"}
    assert title[lang] in body
    assert body.count("<svg") == 2  # the iceberg and word of mouth


def _polygon_area(points: str) -> float:
    xy = [tuple(map(float, p.split(","))) for p in points.split()]
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1]))) / 2


def test_iceberg_areas_are_proportional(rendered):
    body = section_of(rendered["en"], "economics")
    above = re.search(r'class="ice-above"[^>]*points="([^"]+)"', body).group(1)
    below = re.search(r'class="ice-below"[^>]*points="([^"]+)"', body).group(1)
    a, b = _polygon_area(above), _polygon_area(below)
    assert a / (a + b) == pytest.approx(150 / 3750, abs=0.002)  # coordinates carry one decimal
    plain = text(body)
    assert "150 complained (4%)" in body and "3,600 dissatisfied customers never complained (96%)" in body
    assert ("Complaints from 150 customers point to about 3,750 dissatisfied customers; "
            "3,600 of them (96%) never complained.") in plain


def test_results_table_shows_each_formula_with_its_numbers(rendered):
    plain = text(section_of(rendered["en"], "economics"))
    for row in (
        "Dissatisfied customers (from complaints) 3,750 complaints ÷ complaint rate = 150 ÷ 4% = 3,750",
        "30% × 20,000 = 6,000",
        "complaints ÷ dissatisfied (survey) = 150 ÷ 6,000 = 2.5%",
        "= 81% × 3,660 + 5% × 90 = 2,969.1",
        "= (1 − 20%) × 10 + 20% × 20 = 12",
        "Revenue at risk 12,470,220 SEK at risk × value per customer = 2,969.1 × 4,200 SEK = 12,470,220 SEK",
        "= 2,969.1 × 5 × 300 SEK = 4,453,650 SEK",
        "= 1% × 150 × (81% − 5%) = 1.14",
        "= 1.14 × 4,200 SEK = 4,788 SEK",
    ):
        assert row in plain, row
    sv = text(section_of(rendered["sv"], "economics"))
    assert "81 % × 3 660 + 5 % × 90 = 2 969,1" in sv  # text() folds the no-break spaces


def test_word_of_mouth(rendered):
    body = section_of(rendered["en"], "economics")
    plain = text(body)
    assert "A dissatisfied customer tells 12 people, a satisfied one 5: bad news travels 2.4 times as far." in plain
    chart = re.findall(r"<svg.*?</svg>", body, flags=re.S)[1]
    assert "A dissatisfied customer" in chart and "A satisfied customer" in chart


def test_assumptions_table_cites_and_flags_changes():
    params = copy.deepcopy(PARAMS)
    params["assumptions"] = {"complain_rate": 0.05,
                             "tell_satisfied": {"value": 3, "source": {"document": "Our 2025 panel"}}}
    body = section_of(render_html(results(params), "en"), "economics")
    rows = re.findall(r'<tr class="(\w+)">(.*?)</tr>', body, flags=re.S)
    by_key = {re.search(r'<span class="sub">(\w+)</span>', r).group(1): (kind, text(r)) for kind, r in rows
              if re.search(r'<span class="sub">(\w+)</span>', r)}
    kind, row = by_key["complain_rate"]
    assert kind == "flag" and "5% 4%" in row and "Your own figure (no source given)" in row
    kind, row = by_key["tell_satisfied"]
    assert kind == "flag" and "3 5" in row
    kind, row = by_key["churn_unresolved"]
    assert kind == "data" and "「81%的抱怨客户会永远消失」" in row and "81% of complaining customers disappear for ever." in row
    assert "Assumptions and their sources" in body
