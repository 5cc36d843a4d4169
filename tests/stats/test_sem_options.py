"""lavaan's options typed into servq.cfa/sem: every row of the table in
servq.stats.sem.options is mapped, accepted as a no-op, or refused by name with the nearest
alternative — never a bare TypeError (issue 16). The estimator-dependent defaults are
checked against lavaan 0.6-14 (tests/golden/sem_mlm.json "defaults")."""

import json
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from servq.stats.sem import SemSpecificationError, cfa, sem
from servq.stats.sem.options import DEFAULTS, ESTIMATOR_DEFAULT, OPTIONS, resolve_options

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "sem_mlm.json").read_text())
MODEL = "f =~ x1 + x2 + x3 + x4"


@cache
def hs():
    return pd.read_csv(GOLDEN / "data" / "HolzingerSwineford1939.csv")


@cache
def plain():
    return cfa(MODEL, hs()).fit_measures()


def refused_value(name):
    accepted = [v for v in OPTIONS[name].accepted if v != ESTIMATOR_DEFAULT]
    if accepted and isinstance(accepted[0], bool):
        return not accepted[0]
    return "something.else"


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_every_option_is_refused_by_name_with_an_alternative(name):
    value = refused_value(name)
    with pytest.raises(SemSpecificationError) as err:
        cfa(MODEL, hs(), **{name: value})
    message = str(err.value)
    assert message.startswith(f"{name}={value!r} is not supported yet: ")
    assert OPTIONS[name].instead in message


@pytest.mark.parametrize(("name", "value"), [(n, v) for n in sorted(OPTIONS) for v in OPTIONS[n].accepted
                                             if v != ESTIMATOR_DEFAULT])
def test_lavaans_defaults_are_accepted_and_change_nothing(name, value):
    assert cfa(MODEL, hs(), **{name: value}).fit_measures() == plain()


@pytest.mark.parametrize("key", list(REF["defaults"]))
def test_estimator_defaults_are_lavaans(key):
    ref = REF["defaults"][key]
    mine = DEFAULTS[(ref["estimator"], ref["missing"] == "ml")]
    for option in ("se", "test", "information", "h1.information", "observed.information", "likelihood"):
        assert mine[option] == ref[option], option
    assert ref["parameterization"] == "delta"
    assert ref["fixed.x"] is (not key.startswith(("WLSMV", "DWLS", "ULS")))  # the ordinal fits have no covariates


@pytest.mark.parametrize("key", list(REF["defaults"]))
def test_the_estimators_own_settings_are_no_ops(key):
    ref = REF["defaults"][key]
    given = {"estimator": ref["estimator"], "missing": "fiml" if ref["missing"] == "ml" else "listwise"}
    typed = {k: ref[k] for k in ("se", "test", "information", "h1.information", "observed.information",
                                 "likelihood", "parameterization")}
    ordered = ref["estimator"] in ("WLSMV", "DWLS", "ULSMV", "ULS")
    assert resolve_options(given, typed, ordered=ordered) == given
    if ref["se"].startswith("robust"):
        assert resolve_options(given, {"se": "robust"}, ordered=ordered) == given


def test_robust_settings_of_another_estimator_point_to_it():
    with pytest.raises(SemSpecificationError, match=r"se='robust.sem' is not supported yet: with estimator='ML' "
                                                    r"use estimator='MLM'"):
        cfa(MODEL, hs(), se="robust.sem")
    with pytest.raises(SemSpecificationError, match=r"test='scaled.shifted' is not supported yet: with "
                                                    r"estimator='MLM' use estimator='MLMV'"):
        cfa(MODEL, hs(), estimator="MLM", test="scaled.shifted")
    with pytest.raises(SemSpecificationError, match="test='bollen.stine' is not supported yet: .*bootstrap"):
        cfa(MODEL, hs(), test="bollen.stine")
    assert cfa(MODEL, hs(), estimator="MLR", se="robust.huber.white", test="yuan.bentler.mplus",
               information="observed").fit_measures() == cfa(MODEL, hs(), estimator="MLR").fit_measures()


def test_issue_16_examples():
    messages = {
        "se": ({"se": "bootstrap"}, "use estimator='MLR' or 'MLM' for robust standard errors, or servq's bootstrap "
                                    "of drivers"),
        "parameterization": ({"parameterization": "theta"}, "the delta parameterization gives the same fit and "
                                                            "standardized estimates"),
        "cluster": ({"cluster": "school"}, "fit each cluster as a group with group="),
        "likelihood": ({"likelihood": "wishart"}, "likelihood='wishart' is not supported yet"),
        "fixed.x": ({"fixed.x": False}, "fixed.x=False is not supported yet"),
        "h1.information": ({"h1_information": "unstructured"}, "h1_information='unstructured' is not supported yet"),
    }
    for kwargs, text in messages.values():
        with pytest.raises(SemSpecificationError, match=text.replace("(", r"\(").replace(")", r"\)")):
            cfa(MODEL, hs(), **kwargs)


@pytest.mark.parametrize(("estimator", "alternative"), [
    ("WLS", "estimator='MLM' or 'MLR'"), ("GLS", "estimator='ML'"), ("PML", "estimator='WLSMV' with ordered="),
    ("Bayes", "use estimator='ML', or 'MLR'"), ("MLF", "estimator='MLR'"),
])
def test_other_estimators_are_refused_with_an_alternative(estimator, alternative):
    with pytest.raises(ValueError, match=f"estimator='{estimator}' is not supported yet: .*{alternative}"):
        cfa(MODEL, hs(), estimator=estimator)


@pytest.mark.parametrize("missing", ["ml.x", "two.stage", "robust.two.stage", "pairwise", "available.cases",
                                     "doubly.robust"])
def test_other_missing_methods_are_refused_with_an_alternative(missing):
    with pytest.raises(ValueError, match=f"missing='{missing}' is not supported yet: use missing='fiml'"):
        cfa(MODEL, hs(), missing=missing)


def test_direct_and_default_are_lavaans_aliases():
    assert cfa(MODEL, hs(), missing="direct").missing == "fiml"
    assert cfa(MODEL, hs(), missing="default").missing == "listwise"


def test_dotted_names_map_to_servqs_parameters():
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
    dotted = cfa(model, hs(), group="school", **{"group.equal": ["loadings"], "group.partial": ["visual =~ x2"],
                                                 "std.lv": True})
    python = cfa(model, hs(), group="school", group_equal=["loadings"], group_partial=["visual =~ x2"], std_lv=True)
    assert dotted.fit_measures() == python.fit_measures()
    cov = hs()[["x1", "x2", "x3", "x4"]].cov()
    assert sem(MODEL, **{"sample.cov": cov, "sample.nobs": 301}).fit_measures() == pytest.approx(plain())


def test_an_option_given_in_both_spellings_is_refused():
    with pytest.raises(SemSpecificationError, match="group_equal and 'group.equal' are the same option"):
        cfa(MODEL, hs(), group="school", group_equal=["loadings"], **{"group.equal": ["intercepts"]})


@pytest.mark.parametrize(("key", "suggestion"), [
    ("estimater", "estimator"), ("group_equals", "group_equal"), ("group.equals", "group.equal"),
    ("std_ovs", "std_ov"), ("samplingweights", "sampling.weights"), ("orthogonol", "orthogonal"),
])
def test_unknown_names_get_the_nearest_known_one(key, suggestion):
    with pytest.raises(SemSpecificationError, match=rf"unknown option '{key}' \(did you mean '{suggestion}'\?\)"):
        cfa(MODEL, hs(), **{key: 1})


def test_a_name_like_nothing_known_gets_no_suggestion():
    with pytest.raises(SemSpecificationError, match=r"^unknown option 'zzzz': neither"):
        cfa(MODEL, hs(), zzzz=1)


def test_mlm_with_fiml_is_refused_as_lavaan_refuses_it():
    assert "is not allowed for estimator" in REF["mlm_fiml_error"]
    for est in ("MLM", "MLMV", "MLMVS"):
        with pytest.raises(ValueError, match=f"missing='ml' is not allowed with estimator='{est}' \\(nor in lavaan\\)"):
            cfa(MODEL, hs(), estimator=est, missing="ml")
