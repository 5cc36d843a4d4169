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


@pytest.fixture(scope="module")
def sq411() -> dict:
    """The 0-100 SERVQUAL file, whose dimensions customers hardly tell apart (HTMT up to 0.95)."""
    from pathlib import Path

    here = Path(__file__).parents[1]
    return servq.analyze(here / "data" / "servqual_perceptions_sq411.csv", "servperf", scale="0:100",
                         mapping=here.parent / "examples" / "sq411-mapping.yaml").to_dict()


def test_dimensions_customers_do_not_tell_apart_never_get_opposite_verdicts(sq411):
    pairs = sq411["validity"]["not_separated"]
    assert pairs  # the premise: some pairs are not separated
    quadrant = {p["id"]: p["quadrant"] for p in sq411["ipa"]["points"]}
    for pair in pairs:
        assert quadrant[pair["a"]] == quadrant[pair["b"]], pair
    focus = sq411["ipa"]["focus"]
    grouped = [i for i, item in enumerate(focus) if item.get("together")]
    assert grouped == list(range(grouped[0], grouped[0] + len(grouped)))  # one group: next to each other
    members = {pair[k] for pair in pairs for k in ("a", "b")}
    assert {focus[i]["id"] for i in grouped} == members
    page = render_html(sq411, "en")
    assert "they share one verdict here" in page


def test_the_economics_page_has_one_source_for_the_dissatisfied():
    """The page starts from the complaints (3,750 dissatisfied); the survey's 6,384 is shown
    only as a check, named so in the text and in the table."""
    import html as htmllib

    res = servq.analyze(servq.simulate("servqual", 2000, seed=7), "servqual", quality=False,
                        economics="examples/economics.yaml").to_dict()
    out = res["economics"]["outputs"]
    assert res["economics"]["options"]["dissatisfied_basis_used"] == "complaints"
    assert out["dissatisfied"] == out["dissatisfied_from_complaints"] == 150 / 0.04
    page = htmllib.unescape(render_html(res, "en"))
    section = page[page.index('id="economics"'):]
    survey = f"{out['dissatisfied_from_survey']:,.0f}"
    paragraph = next(p for p in re.findall(r"<p(?: [^>]*)?>(.*?)</p>", section, re.S) if survey in p)
    assert paragraph.startswith("As a check (the figures on this page start from the complaints):")
    rows = re.findall(r'<th scope="row" class="label">(.*?)</th>', section)
    assert "Dissatisfied customers (from the survey) (a check, not used below)" in rows
    assert "Complaint rate implied by the survey (a check, not used below)" in rows
    assert "Dissatisfied customers (from complaints)" in rows  # the source, unmarked
