"""lavaan's options to ``cfa()``/``sem()``, in one table: what servq maps, accepts or refuses.

A user who types a lavaan option gets one of three answers, never a bare ``TypeError``:

- it names a parameter servq has (``group.equal`` → ``group_equal`` …; both spellings work);
- its value is what servq's fit does anyway (lavaan's default for the estimator, e.g.
  ``se="robust.sem"`` with MLM, ``fixed.x=True``, ``parameterization="delta"``): a no-op;
- anything else raises :class:`~servq.stats.sem.model.SemSpecificationError` naming the
  option, saying it is not supported yet, and the nearest supported alternative;
  a name that is no lavaan option at all gets "unknown option … (did you mean …?)".

The estimator-dependent defaults are lavaan 0.6-14's (tests/golden/sem_mlm.json "defaults").
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .model import SemSpecificationError

ESTIMATORS = ("ML", "MLR", "MLM", "MLMV", "MLMVS")
IMPLY_ORDERED = ("WLSMV", "DWLS", "ULSMV")  # estimators that imply ordered= items
ORDINAL_ESTIMATORS = (*IMPLY_ORDERED, "ULS")  # with ordered= items
SATORRA_BENTLER = ("MLM", "MLMV", "MLMVS")
MISSING = {"listwise": "listwise", "default": "listwise", "fiml": "fiml", "ml": "fiml", "direct": "fiml"}
MISSING_INSTEAD = {
    "ml.x": "use missing='fiml' (rows missing a fixed.x covariate are left out, with a warning)",
    "two.stage": "use missing='fiml' with estimator='MLR' for standard errors and χ² robust to non-normality",
    "robust.two.stage": "use missing='fiml' with estimator='MLR' for standard errors and χ² robust to non-normality",
    "pairwise": "use missing='fiml' (all answers given, casewise)",
    "available.cases": "use missing='fiml' (all answers given, casewise)",
    "doubly.robust": "use missing='fiml'",
}
ESTIMATOR_INSTEAD = {
    "WLS": "ADF on continuous items; estimator='MLM' or 'MLR' gives ML estimates with standard errors and χ² "
           "robust to non-normality, and 'WLSMV' with ordered= fits ordinal items",
    "GLS": "estimator='ML' has the same large-sample properties under normality",
    "ULS": "with ordered= items only; for continuous items use 'ML', or 'MLR' when they are not normal",
    "PML": "estimator='WLSMV' with ordered= fits ordinal items",
    "MML": "estimator='WLSMV' with ordered= fits ordinal items",
    "MLF": "estimator='MLR' gives robust (Huber–White) standard errors",
    "BAYES": "use estimator='ML', or 'MLR' when the items are not normal",
}

# What lavaan 0.6-14 sets per estimator (and FIML); servq computes exactly these, so a user
# who types one of them asks for nothing new.
DEFAULTS: dict[tuple[str, bool], dict[str, str]] = {
    ("ML", False): {"se": "standard", "test": "standard", "information": "expected"},
    ("ML", True): {"se": "standard", "test": "standard", "information": "observed"},
    ("MLR", False): {"se": "robust.huber.white", "test": "yuan.bentler.mplus", "information": "observed"},
    ("MLR", True): {"se": "robust.huber.white", "test": "yuan.bentler.mplus", "information": "observed"},
    ("MLM", False): {"se": "robust.sem", "test": "satorra.bentler", "information": "expected"},
    ("MLMV", False): {"se": "robust.sem", "test": "scaled.shifted", "information": "expected"},
    ("MLMVS", False): {"se": "robust.sem", "test": "mean.var.adjusted", "information": "expected"},
    ("WLSMV", False): {"se": "robust.sem", "test": "scaled.shifted", "information": "expected"},
    ("DWLS", False): {"se": "standard", "test": "standard", "information": "expected"},
    ("ULSMV", False): {"se": "robust.sem", "test": "scaled.shifted", "information": "expected"},
    ("ULS", False): {"se": "standard", "test": "standard", "information": "expected"},
}
for _key, _row in DEFAULTS.items():
    _row.update({"h1.information": "unstructured" if _key[0] in ORDINAL_ESTIMATORS else "structured",
                 "observed.information": "hessian",
                 "likelihood": "default" if _key[0] in ORDINAL_ESTIMATORS else "normal"})

# the estimator whose defaults are a given se= or test= value, to point a user there
ROBUST_SE = {"robust.sem": "estimator='MLM' (ML estimates, robust.sem standard errors)",
             "robust.huber.white": "estimator='MLR' (ML estimates, Huber–White standard errors)"}
SCALED_TEST = {"satorra.bentler": "MLM", "scaled.shifted": "MLMV", "mean.var.adjusted": "MLMVS",
               "yuan.bentler.mplus": "MLR", "yuan.bentler": "MLR"}

# servq parameters under lavaan's dotted names, and their defaults (to see one given twice)
PARAMETERS = {"group.equal": ("group_equal", ()), "group.partial": ("group_partial", ()),
              "std.lv": ("std_lv", False), "sample.cov": ("sample_cov", None),
              "sample.nobs": ("sample_nobs", None), "sample.mean": ("sample_mean", None)}
SERVQ_NAMES = ("model", "data", "group", "orthogonal", "meanstructure", "ordered", "estimator", "missing")

ESTIMATOR_DEFAULT = "the estimator's default"  # marks values looked up in DEFAULTS


@dataclass(frozen=True)
class LavaanOption:
    """One lavaan option servq does not take as a parameter.

    Parameters
    ----------
    accepted : tuple
        Values servq's fit has anyway (lavaan's defaults), accepted as no-ops; the string
        :data:`ESTIMATOR_DEFAULT` for the value lavaan sets for the chosen estimator.
    instead : str
        The nearest supported alternative, for any other value.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``?lavOptions``).

    Examples
    --------
    As lavaan's ``cfa(model, data, parameterization = "delta")`` (its default):

    >>> OPTIONS["parameterization"].accepted
    ('delta',)
    """

    accepted: tuple = ()
    instead: str = ""


_OPTIMIZER = "servq's optimizer (Fisher scoring, then BFGS) needs no settings; leave it out"
_BOOT = ("servq does not bootstrap a fitted model: use estimator='MLR' or 'MLM' for robust standard errors, "
         "or servq's bootstrap of drivers")
_FREE = "write the parameter in the model syntax instead (e.g. 'f =~ NA*x1 + x2', 'x1 ~ 1', 'f ~~ 1*f')"
_NOTHING = "leave it out"

OPTIONS: dict[str, LavaanOption] = {
    # standard errors and tests
    "se": LavaanOption((ESTIMATOR_DEFAULT,), _BOOT),
    "test": LavaanOption((ESTIMATOR_DEFAULT, "default"), "scaled tests come with the estimator: estimator='MLM' "
                         "(satorra.bentler), 'MLMV' (scaled.shifted), 'MLMVS' (mean.var.adjusted), 'MLR' "
                         "(yuan.bentler.mplus); for a bootstrap test (bollen.stine): " + _BOOT),
    "bootstrap": LavaanOption((), _BOOT),
    "information": LavaanOption((ESTIMATOR_DEFAULT,), "servq uses lavaan's default information for each estimator: "
                                "expected with ML, MLM* and complete data, observed with FIML and MLR"),
    "h1.information": LavaanOption((ESTIMATOR_DEFAULT,), "servq uses lavaan's default ('structured' with ML "
                                   "estimators); leave it out"),
    "observed.information": LavaanOption(("hessian",), "the observed information is the Hessian ('hessian'); "
                                         "estimator='MLR' gives the first-order (Huber–White) sandwich"),
    "information.meat": LavaanOption(("first.order",), _NOTHING),
    "h1.information.meat": LavaanOption(("structured",), _NOTHING),
    "omega.information": LavaanOption(("expected",), _NOTHING),
    "omega.h1.information": LavaanOption(("unstructured",), _NOTHING),
    "omega.information.meat": LavaanOption(("first.order",), _NOTHING),
    "omega.h1.information.meat": LavaanOption(("unstructured",), _NOTHING),
    "scaled.test": LavaanOption(("standard",), "the scaled test is the estimator's; leave it out"),
    "ug2.old.approach": LavaanOption((False,), _NOTHING),
    "gamma.n.minus.one": LavaanOption((False,), "Γ is divided by N, as lavaan's default"),
    "gamma.unbiased": LavaanOption((False,), "Γ is the biased (divisor N) estimate, as lavaan's default"),
    "likelihood": LavaanOption((ESTIMATOR_DEFAULT, "default"), "servq's ML is the normal likelihood with S divided "
                               "by N (likelihood='normal'); Wishart changes χ² by the factor (N − 1)/N"),
    # the model: parameterization and automatic parameters
    "parameterization": LavaanOption(("delta",), "the delta parameterization gives the same fit and standardized "
                                     "estimates"),
    "fixed.x": LavaanOption((True, "default"), "observed covariates are fixed at their sample moments "
                            "(fixed.x=TRUE); to estimate their (co)variances, write them in the model ('x1 ~~ x2')"),
    "conditional.x": LavaanOption((False, "default"), "covariates enter the joint likelihood with fixed.x=TRUE, "
                                  "which gives the same estimates"),
    "std.ov": LavaanOption((False,), "standardize the columns of data (z-scores) before the fit"),
    "int.ov.free": LavaanOption((True,), _FREE),
    "int.lv.free": LavaanOption((False,), _FREE),
    "auto.fix.first": LavaanOption((True,), "std_lv=True identifies factors by unit variances instead; or " + _FREE),
    "auto.fix.single": LavaanOption((True,), _FREE),
    "auto.var": LavaanOption((True,), _FREE),
    "auto.cov.lv.x": LavaanOption((True,), "orthogonal=True fixes the factor covariances at 0; or " + _FREE),
    "auto.cov.y": LavaanOption((True,), _FREE),
    "auto.th": LavaanOption((True,), _NOTHING),
    "auto.delta": LavaanOption((True,), _NOTHING),
    "auto.efa": LavaanOption((True,), "use servq's EFA (servq.efa) for exploratory blocks"),
    "orthogonal.x": LavaanOption((False,), "orthogonal=True fixes the factor covariances at 0; or " + _FREE),
    "orthogonal.y": LavaanOption((False,), "orthogonal=True fixes the factor covariances at 0; or " + _FREE),
    "correlation": LavaanOption((False,), "fit the covariance matrix; std.all gives the standardized solution"),
    "effect.coding": LavaanOption((False, ""), "std_lv=True, or a loading fixed at 1 (the default) identifies factors"),
    "ceq.simple": LavaanOption((False,), _NOTHING),
    "model.type": LavaanOption(("sem", "cfa"), "use servq.cfa or servq.sem"),
    "mimic": LavaanOption(("lavaan", "default"), "servq reproduces lavaan's own computations (mimic='lavaan')"),
    "representation": LavaanOption(("LISREL",), _NOTHING),
    "rotation": LavaanOption(("geomin",), "use servq's EFA (servq.efa) for rotated solutions"),
    "rotation.se": LavaanOption(("bordered",), "use servq's EFA (servq.efa) for rotated solutions"),
    "rotation.args": LavaanOption((), "use servq's EFA (servq.efa) for rotated solutions"),
    "link": LavaanOption(("probit", "default"), "ordered items are fitted with the probit link (estimator='WLSMV')"),
    "estimator.args": LavaanOption((), _NOTHING),
    # data
    "cluster": LavaanOption((), "fit each cluster as a group with group=, or aggregate to the cluster level"),
    "sampling.weights": LavaanOption((), "fit unweighted, or by group= over the strata the weights come from"),
    "sampling.weights.normalization": LavaanOption(("total",), "fit unweighted (sampling weights are not supported)"),
    "sample.cov.rescale": LavaanOption((True, "default"), "sample_cov is rescaled by (N − 1)/N, as lavaan's default"),
    "sample.icov": LavaanOption((True,), _NOTHING),
    "sample.th": LavaanOption((), "give the raw data with ordered= (thresholds are estimated from it)"),
    "NACOV": LavaanOption((), "give the raw data; estimator='MLM' computes Γ from the rows"),
    "WLS.V": LavaanOption((), "give the raw data; the weight matrix follows from the estimator"),
    "ridge": LavaanOption((False,), "fix a near-singular sample covariance matrix before the fit"),
    "ridge.constant": LavaanOption((), "fix a near-singular sample covariance matrix before the fit"),
    "group.label": LavaanOption((), "groups are taken in order of appearance in the group= column; reorder or "
                                "filter the data to choose them"),
    "group.w.free": LavaanOption((False,), _NOTHING),
    "level.label": LavaanOption((), "multilevel models are not supported: fit each cluster as a group with group="),
    "ov.order": LavaanOption(("model",), _NOTHING),
    "constraints": LavaanOption(("",), "write the constraints in the model syntax ('a == b', 'a > 0')"),
    "zero.add": LavaanOption(("default",), _NOTHING),
    "zero.keep.margins": LavaanOption(("default",), _NOTHING),
    "zero.cell.warn": LavaanOption((False,), _NOTHING),
    # fitting
    "do.fit": LavaanOption((True,), "servq always fits; use servq.stats.sem.syntax.parse to read a model without "
                           "fitting it"),
    "start": LavaanOption(("default",), "fix parameters at values in the model syntax (e.g. '0.8*x2') or " + _NOTHING),
    "bounds": LavaanOption(("none", False), "write inequality constraints in the model syntax ('a > 0')"),
    "control": LavaanOption((), _OPTIMIZER), "optim.method": LavaanOption((), _OPTIMIZER),
    "optim.attempts": LavaanOption((), _OPTIMIZER), "optim.force.converged": LavaanOption((False,), _OPTIMIZER),
    "optim.gradient": LavaanOption(("analytic",), _OPTIMIZER),
    "optim.init_nelder_mead": LavaanOption((False,), _OPTIMIZER),
    "optim.var.transform": LavaanOption(("none",), _OPTIMIZER), "optim.parscale": LavaanOption(("none",), _OPTIMIZER),
    "optim.partrace": LavaanOption((False,), _OPTIMIZER), "optim.dx.tol": LavaanOption((), _OPTIMIZER),
    "optim.bounds": LavaanOption((), _OPTIMIZER), "optim.gn.iter.max": LavaanOption((), _OPTIMIZER),
    "optim.gn.stephalf.max": LavaanOption((), _OPTIMIZER), "optim.gn.tol.x": LavaanOption((), _OPTIMIZER),
    "em.iter.max": LavaanOption((), _OPTIMIZER), "em.fx.tol": LavaanOption((), _OPTIMIZER),
    "em.dx.tol": LavaanOption((), _OPTIMIZER), "em.zerovar.offset": LavaanOption((), _OPTIMIZER),
    "em.h1.iter.max": LavaanOption((), _OPTIMIZER), "em.h1.tol": LavaanOption((), _OPTIMIZER),
    "em.h1.warn": LavaanOption((True,), _OPTIMIZER),
    "integration.ngh": LavaanOption((), "estimator='WLSMV' with ordered= needs no numerical integration"),
    "parallel": LavaanOption(("no",), _BOOT), "ncpus": LavaanOption((), _BOOT), "cl": LavaanOption((), _BOOT),
    "iseed": LavaanOption((), _BOOT),
    # checks and output
    "check.start": LavaanOption((True,), _NOTHING), "check.post": LavaanOption((True,), _NOTHING),
    "check.gradient": LavaanOption((True,), _NOTHING), "check.vcov": LavaanOption((True,), _NOTHING),
    "check.lv.names": LavaanOption((True,), _NOTHING),
    "h1": LavaanOption((True,), _NOTHING), "baseline": LavaanOption((True,), _NOTHING),
    "baseline.conditional.x.free.slopes": LavaanOption((True,), _NOTHING),
    "implied": LavaanOption((True,), _NOTHING), "loglik": LavaanOption((True,), _NOTHING),
    "store.vcov": LavaanOption((True, "default"), _NOTHING),
    "verbose": LavaanOption((False,), "servq reports non-convergence and other problems as SemWarning"),
    "warn": LavaanOption((True,), "filter SemWarning with Python's warnings module"),
    "debug": LavaanOption((False,), _NOTHING),
}


def _dotted(name: str) -> str:
    """lavaan's spelling of a keyword: group_equal → group.equal (optim.init_nelder_mead kept)."""
    if name.replace(".", "_") == "optim_init_nelder_mead":
        return "optim.init_nelder_mead"
    return name.replace("_", ".")


KNOWN = {**{name: name for name in OPTIONS}, **{name: name for name in PARAMETERS},
         **{name: name for name in SERVQ_NAMES}}


def resolve_options(given: Mapping[str, Any], options: Mapping[str, Any], ordered: bool) -> dict[str, Any]:
    """Check the lavaan options typed as keywords; return the servq parameters they set.

    Parameters
    ----------
    given : mapping
        The servq parameters as called (``estimator``, ``missing``, ``group_equal`` …).
    options : mapping
        The other keywords: lavaan options in either spelling (``group_equal`` or
        ``**{"group.equal": ...}``, ``se="robust.sem"``, ``fixed.x=True`` …).
    ordered : bool
        Whether ordered items were given (the default estimator is then WLSMV).

    Returns
    -------
    dict
        ``given`` updated with the servq parameters named in lavaan's spelling.

    Raises
    ------
    SemSpecificationError
        For an option servq does not support (its name, "is not supported yet", and the
        nearest alternative), a parameter given in both spellings, or an unknown name
        ("did you mean …?").

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``?lavOptions``).

    Examples
    --------
    lavaan's ``cfa(model, data, group.equal = "loadings", se = "robust.sem", estimator = "MLM")``:

    >>> out = resolve_options({"estimator": "MLM", "group_equal": ()},
    ...                       {"group.equal": ["loadings"], "se": "robust.sem"}, ordered=False)
    >>> out["group_equal"], out["estimator"]
    (['loadings'], 'MLM')
    >>> resolve_options({"estimator": None}, {"se": "bootstrap"}, ordered=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    servq.stats.sem.model.SemSpecificationError: se='bootstrap' is not supported yet: ... use estimator='MLR' or 'MLM' ...
    """
    out = dict(given)
    lavaan: dict[str, tuple[str, Any]] = {}
    for key, value in options.items():
        name = _dotted(key)
        if name in PARAMETERS:
            param, default = PARAMETERS[name]
            if _differs(out.get(param, default), default) and _differs(out.get(param), value):
                raise SemSpecificationError(f"{param} and {name!r} are the same option: give it once")
            out[param] = value
        elif name in OPTIONS:
            lavaan[name] = (key, value)
        elif name in SERVQ_NAMES:
            raise SemSpecificationError(f"{key} is the parameter {name}: give it once, as {name}=")
        else:
            raise SemSpecificationError(_unknown(key))
    estimator = str(out.get("estimator") or ("WLSMV" if ordered else "ML")).upper()
    fiml = MISSING.get(str(out.get("missing", "listwise")).lower()) == "fiml"
    defaults = DEFAULTS.get((estimator, fiml))
    for name, (key, value) in lavaan.items():
        if defaults is None:  # an estimator servq refuses: that error comes first
            continue
        if not _accepted(name, value, defaults):
            raise SemSpecificationError(f"{key}={value!r} is not supported yet: {_instead(name, value, estimator)}")
    return out


def _differs(a: Any, b: Any) -> bool:
    try:
        return bool(a != b) if not isinstance(a, (list, tuple)) else list(a) != list(b)
    except (TypeError, ValueError):
        return a is not b


def _accepted(name: str, value: Any, defaults: Mapping[str, str]) -> bool:
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        value = value.lower()
    for ok in OPTIONS[name].accepted:
        if ok == ESTIMATOR_DEFAULT:
            own = defaults[name]
            if value == own or (name == "se" and value == "robust" and own.startswith("robust")):
                return True
        elif type(ok) is type(value) and (ok.lower() if isinstance(ok, str) else ok) == value:
            return True
    return False


def _instead(name: str, value: Any, estimator: str) -> str:
    """The alternative; for se= and test= values that another estimator computes, that one."""
    text = str(value).lower()
    if name == "se" and text in ROBUST_SE:
        return f"with estimator={estimator!r} use {ROBUST_SE[text]}"
    if name == "test" and text in SCALED_TEST:
        return f"with estimator={estimator!r} use estimator={SCALED_TEST[text]!r}, whose test is {text!r}"
    return OPTIONS[name].instead


def _unknown(key: str) -> str:
    underscored = "_" in key
    spelled = {(n.replace(".", "_") if underscored else n): n for n in KNOWN}
    match = difflib.get_close_matches(key, list(spelled), n=1, cutoff=0.6)
    hint = f" (did you mean {match[0]!r}?)" if match else ""
    return f"unknown option {key!r}{hint}: neither a parameter of servq's cfa()/sem() nor a lavaan option"


@dataclass(frozen=True)
class SemOptions:
    """``estimator`` and ``missing`` as lavaan names them.

    Parameters
    ----------
    estimator : str
        "ML" (normal-theory standard errors and χ²), "MLR" (Huber–White standard errors,
        Yuan–Bentler scaled χ²), "MLM" (robust.sem standard errors, Satorra–Bentler χ²),
        "MLMV" (robust.sem, scaled-and-shifted χ²) or "MLMVS" (robust.sem, mean-and-variance
        adjusted χ²); case-insensitive as in lavaan.
    missing : str
        "listwise" (drop respondents missing any model variable; lavaan's default for ML) or
        "fiml" / "ml" / "direct" (casewise maximum likelihood over all answers).

    Raises
    ------
    ValueError
        When a value is not one of the supported ones (the message names it, the nearest
        alternative and the supported ones), or MLM* is combined with FIML (as lavaan).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``?lavOptions``).

    Examples
    --------
    As lavaan's ``cfa(model, data, estimator = "mlr", missing = "ML")`` (case-insensitive):

    >>> SemOptions("mlr", "ML").fiml, SemOptions("mlr", "ML").robust, SemOptions("MLMV").test
    (True, True, 'scaled.shifted')
    >>> SemOptions("GLS")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: estimator='GLS' is not supported yet: estimator='ML' has the same large-sample properties ...
    """

    estimator: str = "ML"
    missing: str = "listwise"

    def __post_init__(self) -> None:
        est = str(self.estimator).upper()
        if est not in ESTIMATORS:
            why = f": {ESTIMATOR_INSTEAD[est]}" if est in ESTIMATOR_INSTEAD else ""
            raise ValueError(f"estimator={self.estimator!r} is not supported yet{why}; supported: "
                             + ", ".join(repr(e) for e in ESTIMATORS) + " (and "
                             + ", ".join(repr(e) for e in ORDINAL_ESTIMATORS) + " with ordered=)")
        miss = str(self.missing).lower()
        if miss not in MISSING:
            why = f": {MISSING_INSTEAD[miss]}" if miss in MISSING_INSTEAD else ""
            raise ValueError(f"missing={self.missing!r} is not supported yet{why}; supported: 'listwise', 'fiml' "
                             "('ml' and 'direct' are the same as 'fiml')")
        if est in SATORRA_BENTLER and MISSING[miss] == "fiml":
            raise ValueError(f"missing={self.missing!r} is not allowed with estimator={self.estimator!r} (nor in "
                             "lavaan): Satorra–Bentler needs complete data; use estimator='MLR' with missing='fiml' "
                             "for robust standard errors and χ² with missing answers, or missing='listwise'")
        object.__setattr__(self, "estimator", est)
        object.__setattr__(self, "missing", MISSING[miss])

    @property
    def fiml(self) -> bool:
        """Whether missing answers are handled by full-information ML."""
        return self.missing == "fiml"

    @property
    def robust(self) -> bool:
        """Whether standard errors and χ² are the Huber–White/Yuan–Bentler ones (MLR)."""
        return self.estimator == "MLR"

    @property
    def satorra(self) -> bool:
        """Whether standard errors are robust.sem and χ² Satorra–Bentler's (MLM, MLMV, MLMVS)."""
        return self.estimator in SATORRA_BENTLER

    @property
    def test(self) -> str:
        """lavaan's name of the test statistic this estimator reports."""
        return DEFAULTS[(self.estimator, self.fiml)]["test"]
