"""Service economics (servq.measures.economics): every figure checked by hand, with the defaults of
seed 004 and with changed parameters; the parameter file's validation; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import servq
from servq.errors import UsageError
from servq.measures import economics as econ

ROOT = Path(__file__).resolve().parents[2]
SEED_004 = next(iter(sorted(Path("/work/shared/seeds").glob("004_*.txt"))), None) if Path("/work/shared/seeds").is_dir() else None


def params(**inputs) -> dict:
    return {"inputs": {"customer_base": 20000, "complaints": 150, "resolved_share": 0.6, "value_per_customer": 4200,
                       "retention_cost": 300, "purchase_value": 420, **inputs}}


def test_defaults_by_hand():
    out = econ.compute(econ.load_economics(params()))["outputs"]
    # dissatisfied = complaints / 4% = 150 / 0.04
    assert out["dissatisfied"] == pytest.approx(3750)
    assert out["dissatisfied_from_complaints"] == pytest.approx(3750)
    assert out["dissatisfied_from_survey"] is None and out["implied_complain_rate"] is None
    assert out["complainers"] == 150
    assert out["silent_dissatisfied"] == pytest.approx(3600)          # 3750 − 150
    assert out["silent_share"] == pytest.approx(0.96)                 # 3600 / 3750
    assert out["resolved"] == pytest.approx(90)                       # 60% of 150
    assert out["unresolved"] == pytest.approx(3660)                   # 3750 − 90
    # 81% of the 3660 unresolved dissatisfied leave, and 5% of the 90 resolved
    assert out["at_risk"] == pytest.approx(0.81 * 3660 + 0.05 * 90) == pytest.approx(2969.1)
    assert out["at_risk_share"] == pytest.approx(2969.1 / 20000)
    # word of mouth: 80% tell 10, 20% tell 20 -> 12 per dissatisfied customer; 5 per satisfied
    assert out["reach_per_dissatisfied"] == pytest.approx(12)
    assert out["reach_per_satisfied"] == 5
    assert out["reach_ratio"] == pytest.approx(2.4)
    assert out["negative_reach"] == pytest.approx(45000)              # 3750 × 12
    assert out["satisfied"] == pytest.approx(16250)                   # 20000 − 3750
    assert out["positive_reach"] == pytest.approx(81250)              # 16250 × 5
    assert out["good_to_offset"] == pytest.approx(45000)              # 3750 × 12 good ones
    assert out["revenue_at_risk"] == pytest.approx(12_470_220)        # 2969.1 × 4200
    assert out["replacement_cost"] == pytest.approx(4_453_650)        # 2969.1 × 5 × 300
    assert out["loyal_value_at_risk"] == pytest.approx(12_470_220)    # 2969.1 × 10 × 420
    assert out["kept_per_point"] == pytest.approx(1.14)               # 1% × 150 × (0.81 − 0.05)
    assert out["value_per_point"] == pytest.approx(4788)              # 1.14 × 4200
    assert out["replacement_saved_per_point"] == pytest.approx(1710)  # 1.14 × 5 × 300


def test_one_point_more_resolved_changes_at_risk_by_kept_per_point():
    a = econ.compute(econ.load_economics(params(resolved_share=0.60)))["outputs"]
    b = econ.compute(econ.load_economics(params(resolved_share=0.61)))["outputs"]
    assert a["at_risk"] - b["at_risk"] == pytest.approx(a["kept_per_point"])
    assert a["revenue_at_risk"] - b["revenue_at_risk"] == pytest.approx(a["value_per_point"])


def test_changed_parameters_by_hand():
    spec = {
        "inputs": {"customer_base": 10000, "complaints": 200, "resolved_share": 0.25, "retention_cost": 100},
        "options": {"churn_scope": "complainers"},
        "assumptions": {"complain_rate": 0.05, "churn_unresolved": {"value": 0.5, "meaning": "our churn study"},
                        "loyal_after_resolution": 0.9, "tell_dissatisfied": 8, "loud_share": 0.1, "tell_loud": 30,
                        "tell_satisfied": 3, "good_to_offset_bad": 4, "acquisition_cost_multiple": 6},
    }
    block = econ.compute(econ.load_economics(spec))
    out = block["outputs"]
    assert out["dissatisfied"] == pytest.approx(4000)          # 200 / 0.05
    assert out["silent_dissatisfied"] == pytest.approx(3800)
    assert out["resolved"] == pytest.approx(50)                # 25% of 200
    assert out["unresolved"] == pytest.approx(150)             # complainers scope: 200 − 50
    assert out["at_risk"] == pytest.approx(80)                 # 0.5 × 150 + (1 − 0.9) × 50
    assert out["reach_per_dissatisfied"] == pytest.approx(10.2)  # 0.9 × 8 + 0.1 × 30
    assert out["reach_ratio"] == pytest.approx(3.4)            # 10.2 / 3
    assert out["positive_reach"] == pytest.approx(18000)       # (10000 − 4000) × 3
    assert out["good_to_offset"] == pytest.approx(16000)       # 4000 × 4
    assert out["kept_per_point"] == pytest.approx(0.8)         # 1% × 200 × (0.5 − 0.1)
    assert out["replacement_cost"] == pytest.approx(48000)     # 80 × 6 × 100
    assert out["revenue_at_risk"] is None and out["value_per_point"] is None
    a = block["assumptions"]
    assert a["complain_rate"] == {"value": 0.05, "default": 0.04, "changed": True,
                                  "meaning": econ.DEFAULTS["complain_rate"].meaning, "source": None}
    assert a["churn_unresolved"]["meaning"] == "our churn study"
    assert a["tell_loud"]["changed"] is True and a["loyal_purchases"]["changed"] is False
    assert a["loyal_purchases"]["source"]["quote"] == "而1个忠诚客户相当于10次重复购买产品的价值"


def test_survey_basis_by_hand():
    survey = {"measure": "nps_detractors", "share": 0.25, "n": 400, "of": "recommend"}
    block = econ.compute(econ.load_economics({"inputs": {"customer_base": 10000}}), survey)
    out = block["outputs"]
    assert block["options"]["dissatisfied_basis_used"] == "survey"
    assert out["dissatisfied"] == pytest.approx(2500)          # 25% of 10000
    assert out["complainers"] == pytest.approx(100)            # 4% of them complain
    assert out["silent_dissatisfied"] == pytest.approx(2400)
    assert out["at_risk"] == pytest.approx(0.81 * 2500)        # nothing resolved
    assert out["kept_per_point"] == pytest.approx(0.01 * 100 * 0.76)


def test_both_bases_give_the_implied_complaint_rate():
    survey = {"measure": "nps_detractors", "share": 0.3, "n": 400, "of": "recommend"}
    block = econ.compute(econ.load_economics(params()), survey)
    out = block["outputs"]
    assert block["options"]["dissatisfied_basis_used"] == "complaints"
    assert out["dissatisfied_from_survey"] == pytest.approx(6000)
    assert out["implied_complain_rate"] == pytest.approx(150 / 6000)
    forced = econ.load_economics({**params(), "options": {"dissatisfied_basis": "survey"}})
    assert econ.compute(forced, survey)["outputs"]["dissatisfied"] == pytest.approx(6000)


def test_complaints_argument_overrides_the_file():
    out = econ.compute(econ.load_economics(params()), complaints=40)
    assert out["inputs"]["complaints"] == 40
    assert out["outputs"]["dissatisfied"] == pytest.approx(1000)


def _results(nps=None, zones=()):
    outcomes = [] if nps is None else [{"id": "recommend", "kind": "nps",
                                        "nps": {"detractors": {"share": nps, "n": 380}}}]
    dims = [{"id": f"d{i}", "zone": {"below": {"share": z, "n": 300 + i}}} for i, z in enumerate(zones)]
    return {"outcomes": outcomes, "dimensions": dims}


def test_survey_share_rule_and_fallback():
    both = _results(0.2, (0.1, 0.3))
    assert econ.survey_share(both) == {"measure": "nps_detractors", "share": 0.2, "n": 380, "of": "recommend"}
    assert econ.survey_share(both, "below_zone") == {"measure": "below_zone", "share": pytest.approx(0.2),
                                                     "n": 300, "of": "dimensions"}
    assert econ.survey_share(_results(None, (0.1, 0.4)))["share"] == pytest.approx(0.25)  # auto falls back
    assert econ.survey_share(both, "none") is None
    assert econ.survey_share(_results()) is None
    assert econ.survey_share(None) is None


def test_errors_name_the_line():
    text = "inputs:\n  customer_base: 100\n  complaints: 500\nassumptions:\n  complain_rate: 1.5\n  spread: 3\n"
    with pytest.raises(econ.EconomicsError) as err:
        econ.parse_economics(text, "e.yaml")
    shown = [str(p) for p in err.value.problems]
    assert shown[0].startswith("e.yaml, line 3, inputs.complaints: 500 complaints exceed the customer base of 100")
    assert shown[1].startswith("e.yaml, line 5, assumptions.complain_rate.value: a share must be between 0 and 1")
    assert shown[2].startswith("e.yaml, line 6, assumptions.spread: unknown assumption")
    with pytest.raises(econ.EconomicsError, match="bad.yaml, line 3: did not find expected node content"):
        econ.parse_economics("inputs:\n  customer_base: [\n", "bad.yaml")
    with pytest.raises(econ.EconomicsError, match="line 3, inputs.customer_bse: unknown field"):
        econ.parse_economics("inputs:\n  customer_base: 5\n  customer_bse: 5\n", "typo.yaml")
    with pytest.raises(UsageError, match="not found"):
        econ.load_economics("/nonexistent/economics.yaml")


def test_impossible_numbers_are_usage_errors():
    with pytest.raises(UsageError, match="exceed the customer base"):
        econ.compute(econ.load_economics(params(customer_base=1000)))  # 150 / 4% = 3750 > 1000
    with pytest.raises(UsageError, match="no survey share"):
        econ.compute(econ.load_economics({"inputs": {"customer_base": 1000}}))
    with pytest.raises(UsageError, match="no complaint count"):
        econ.compute(econ.load_economics({"inputs": {"customer_base": 1000},
                                          "options": {"dissatisfied_basis": "complaints"}}))


def test_defaults_template_round_trips_and_cites_every_default():
    text = econ.defaults_yaml()
    with pytest.raises(econ.EconomicsError, match="line 7, inputs.customer_base"):
        econ.parse_economics(text, "defaults.yaml")  # the one required input is left for the user
    parsed = econ.parse_economics(text.replace("customer_base: null", "customer_base: 10"), "defaults.yaml")
    assert {k: a.value for k, a in parsed.assumptions.items()} == {k: a.value for k, a in econ.DEFAULTS.items()}
    for _key, a in econ.DEFAULTS.items():
        assert a.source.quote and a.source.translation and "seed 004" in a.source.document
        assert f"# {econ.SEED}: 「{a.source.quote}」" in text


@pytest.mark.skipif(SEED_004 is None, reason="the seed texts are not on this machine")
def test_quotes_are_verbatim_in_seed_004():
    seed = SEED_004.read_text(encoding="utf-8").replace("\n", "")
    for a in econ.DEFAULTS.values():
        assert a.source.quote in seed


def test_example_file_is_valid():
    e = econ.load_economics(ROOT / "examples" / "economics.yaml")
    assert (e.inputs.customer_base, e.inputs.complaints, e.inputs.currency) == (20000, 150, "SEK")


def test_analyze_adds_the_block_and_it_follows_the_schema():
    import jsonschema

    table = servq.simulate("servqual", 300, seed=3)
    res = servq.analyze(table, "servqual", quality=False, economics=params(), complaints=120)
    block = res.data["economics"]
    assert block["inputs"]["complaints"] == 120
    assert block["survey"]["measure"] == "nps_detractors"
    detractors = next(o for o in res.data["outcomes"] if o["id"] == "recommend")["nps"]["detractors"]["share"]
    assert block["outputs"]["dissatisfied_from_survey"] == pytest.approx(detractors * 20000)
    schema = json.loads((ROOT / "src/servq/report/results.schema.json").read_text(encoding="utf-8"))
    data = json.loads(json.dumps(res.data))
    jsonschema.Draft202012Validator(schema).validate(data)
    data["economics"]["outputs"]["at_risk"] = "many"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(data)
    assert servq.analyze(table, "servqual", quality=False).data["economics"] is None


def test_cli_defaults_and_errors(tmp_path, capsys):
    from servq.cli import main

    with pytest.raises(SystemExit) as ok:
        main(["economics", "defaults"])
    assert ok.value.code in (0, None)
    printed = capsys.readouterr().out
    assert yaml.safe_load(printed)["assumptions"]["complain_rate"]["value"] == 0.04
    data = tmp_path / "a.csv"
    from servq.io.writers import write_table

    write_table(servq.simulate("servqual", 120, seed=1), data)
    bad = tmp_path / "e.yaml"
    bad.write_text("inputs:\n  customer_base: -4\n", encoding="utf-8")
    with pytest.raises(SystemExit) as err:
        main(["analyze", str(data), "-i", "servqual", "--economics", str(bad), "--no-quality"])
    assert err.value.code == 1
    text = capsys.readouterr().err
    assert "Traceback" not in text and "line 2, inputs.customer_base" in text
    out = tmp_path / "r.json"
    with pytest.raises(SystemExit) as run:
        main(["analyze", str(data), "-i", "servqual", "--economics", str(ROOT / "examples/economics.yaml"),
              "--complaints", "30", "--boot", "20", "--seed", "2", "--no-quality", "-q", "--json", str(out)])
    assert run.value.code in (0, None)
    captured = capsys.readouterr()
    assert captured.err == ""  # no progress bar when stderr is not a terminal
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["economics"]["inputs"]["complaints"] == 30
    assert saved["drivers"]["boot"] == 20
