"""One consistent story: the summary, the drivers chart and the importance–performance
analysis name one importance measure — the relative weight — with the same number."""

import re

import pytest

import servq
from servq.report import i18n, summary_sentences
from servq.report.html import render_html


@pytest.fixture(scope="module")
def results() -> dict:
    return servq.analyze(servq.simulate("servqual", 2000, seed=7), "servqual", quality=False).to_dict()


@pytest.mark.parametrize(("lang", "named"), [("en", "its relative weight"), ("sv", "dess relativa vikt"),
                                             ("zh", "其相对权重")])
def test_the_summary_names_the_relative_weight_and_the_ipa_uses_the_same_number(results, lang, named):
    outcome = results["drivers"]["outcomes"][0]
    strongest = max(outcome["predictors"], key=lambda p: p["relative_weight_pct"])
    share = i18n.fmt_pct(lang, strongest["relative_weight_pct"] / 100)
    sentence = next(s for s in summary_sentences(results, lang) if share in s)
    assert named in sentence
    point = next(p for p in results["ipa"]["points"] if p["id"] == strongest["id"])
    assert results["ipa"]["importance"] == "derived" and point["importance"] == pytest.approx(
        strongest["relative_weight_pct"], abs=1e-9)


def test_the_drivers_chart_bars_are_relative_weights_with_lmg_as_the_check(results):
    page = render_html(results, "en")
    assert "Relative weight, % of R²" in page and "LMG, % of R² (a check)" in page
    outcome = results["drivers"]["outcomes"][0]
    for p in outcome["predictors"]:  # each bar's value as printed: its relative weight
        shown = i18n.fmt_pct("en", p["relative_weight_pct"] / 100)
        assert re.search(re.escape(shown), page)
