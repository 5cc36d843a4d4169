"""Service economics: what complaints and dissatisfied customers cost, by rules of thumb.

From a customer base, the complaints of a period and (optionally) the survey's share of
dissatisfied customers, the complaint-economics figures quoted in seed 004 (a Chinese
course text on service, section "两种服务的影响", the effects of good and poor service)
give: the complaint iceberg, the customers at risk of leaving, word-of-mouth reach, revenue
at risk, the cost of replacing lost customers and the value of one more point of complaints
resolved. Every figure is an *assumption* with its source, changeable in a YAML file
(``servq economics defaults`` prints the template); none is measured by servq.

With N customers, C complaints (complaining customers), complaint rate r, resolved share
ρ, churn rate of unresolved dissatisfied customers u and loyalty after resolution ℓ:

- dissatisfied customers D = C / r (from complaints) or s·N (survey share s);
- silent dissatisfied = D − C; resolved = ρ·C;
- at risk of leaving = u·(D − ρC) + (1 − ℓ)·ρC  (``churn_scope: dissatisfied``), or
  u·(C − ρC) + (1 − ℓ)·ρC  (``churn_scope: complainers``);
- word of mouth per dissatisfied customer w = (1 − h)·t + h·t_h (t people; a share h tells
  t_h instead), per satisfied customer t_s; negative reach D·w;
- revenue at risk = at risk × value per customer; replacement cost = at risk × m × cost of
  retaining a customer (m = acquisition cost multiple);
- one more point of complaints resolved keeps 0.01·C·(u − (1 − ℓ)) customers.

The exact readings of the seed's sentences are documented in docs/economics.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ProblemsError, UsageError
from ..instruments import yamlfile

SEED = "seed 004, section 两种服务的影响 (the effects of good and poor service)"
MEASURES = ("auto", "nps_detractors", "below_zone", "none")
BASES = ("auto", "complaints", "survey")
SCOPES = ("dissatisfied", "complainers")


class EconomicsError(ProblemsError):
    """An economics parameter file is invalid; ``problems`` lists every problem with its line.

    Parameters
    ----------
    summary : str
        The first line of the message (file and number of problems).
    problems : list of servq.errors.Problem
        Every problem found, each with its line and path in the file.
    total : int, optional
        Problems found, when more were found than kept (default: ``len(problems)``).

    References
    ----------
    Hart, C. W. L., Heskett, J. L. & Sasser, W. E. (1990). The profitable art of service
    recovery. Harvard Business Review 68(4), 148–156 (the figures the file parameterises).

    Examples
    --------
    >>> try:
    ...     parse_economics("inputs: {customer_base: 100, complaints: 500}\\nassumptions: {complain_rate: 2}\\n")
    ... except EconomicsError as exc:
    ...     print(exc)
    <economics>: 2 problem(s) in the economics parameters
      <economics>, line 1, inputs.complaints: 500 complaints exceed the customer base of 100
      <economics>, line 2, assumptions.complain_rate.value: a share must be between 0 and 1, got 2.0

    R: no figure; the nearest R step is reading the file with ``yaml::read_yaml()`` and
    checking it with ``stopifnot()``.
    """


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where an assumption comes from: the document, its words and their translation.

    Parameters
    ----------
    document : str
        The source document (a citation).
    quote : str, optional
        Its words, in the original language.
    translation : str, optional
        The quote in English.

    References
    ----------
    Technical Assistance Research Programs (1986). Consumer Complaint Handling in America:
    An Update Study. Washington, DC: U.S. Office of Consumer Affairs (the usual origin of
    the rules of thumb the defaults quote).

    Examples
    --------
    >>> Source(document="TARP (1986)", quote="only 4% complain").model_dump()
    {'document': 'TARP (1986)', 'quote': 'only 4% complain', 'translation': ''}
    >>> DEFAULTS["complain_rate"].source.translation
    'As a rule, one hears only 4% of the complaints.'

    R: ``list(document = "TARP (1986)", quote = "only 4% complain", translation = "")``
    (a record, no computation).
    """

    document: str
    quote: str = ""
    translation: str = ""


class Assumption(_Strict):
    """A rule-of-thumb figure: its value, what it means, and its source.

    Parameters
    ----------
    value : float
        The figure (≥ 0; a share is between 0 and 1, checked with the file).
    meaning : str, optional
        What the figure is, in words.
    source : Source, optional
        Where it comes from; None for the user's own figure.

    Raises
    ------
    pydantic.ValidationError
        ``value`` is negative or a field is unknown.

    References
    ----------
    Technical Assistance Research Programs (1986). Consumer Complaint Handling in America:
    An Update Study. Washington, DC: U.S. Office of Consumer Affairs. Hart, C. W. L.,
    Heskett, J. L. & Sasser, W. E. (1990). The profitable art of service recovery. Harvard
    Business Review 68(4), 148–156. Reichheld, F. F. & Sasser, W. E. (1990). Zero
    defections: quality comes to services. Harvard Business Review 68(5), 105–111.

    Examples
    --------
    >>> a = DEFAULTS["churn_unresolved"]
    >>> a.value, a.meaning
    (0.81, 'share of dissatisfied customers without an effective resolution who leave for good')
    >>> Assumption(value=0.05, meaning="my complaint rate").source is None
    True

    R: ``list(value = 0.81, meaning = "...", source = NULL)`` (a record, no computation).
    """

    value: float = Field(ge=0)
    meaning: str = ""
    source: Source | None = None


def _cite(quote: str, translation: str) -> Source:
    return Source(document=SEED, quote=quote, translation=translation)


DEFAULTS: dict[str, Assumption] = {
    "complain_rate": Assumption(
        value=0.04, meaning="share of dissatisfied customers whose complaint reaches the company",
        source=_cite("一般来说,人们只听到4%的抱怨声", "As a rule, one hears only 4% of the complaints.")),
    "churn_unresolved": Assumption(
        value=0.81, meaning="share of dissatisfied customers without an effective resolution who leave for good",
        source=_cite("81%的抱怨客户会永远消失", "81% of complaining customers disappear for ever.")),
    "loyal_after_resolution": Assumption(
        value=0.95, meaning="share of customers whose problem is resolved effectively who stay loyal",
        source=_cite("通过有效解决客户的问题,提供优质服务的企业会使95%勺客户成为忠诚客户。",
                     "By resolving customers' problems effectively, a company that provides good "
                     "service makes 95% of its customers loyal.")),
    "tell_dissatisfied": Assumption(
        value=10, meaning="people a dissatisfied customer tells about the bad experience",
        source=_cite("如果企业提供劣质的服务,那么平均每个客户会把抱怨告诉会把抱怨10 个人",
                     "If a company provides poor service, every customer on average tells the "
                     "complaint to 10 people.")),
    "loud_share": Assumption(
        value=0.20, meaning="share of dissatisfied customers who tell more people (tell_loud instead of tell_dissatisfied)",
        source=_cite("其中20%的客户传播给20 个人", "Of them, 20% of the customers spread it to 20 people.")),
    "tell_loud": Assumption(
        value=20, meaning="people each of those louder dissatisfied customers tells",
        source=_cite("其中20%的客户传播给20 个人", "Of them, 20% of the customers spread it to 20 people.")),
    "tell_satisfied": Assumption(
        value=5, meaning="people a satisfied customer tells about the good experience",
        source=_cite("提供优质服务的企业,其客户会平均转告5个人。",
                     "The customers of a company that provides good service tell 5 people on average.")),
    "good_to_offset_bad": Assumption(
        value=12, meaning="good service experiences needed to make up for one bad one",
        source=_cite("而一次不好的服务需要12 次好的服务修正",
                     "and one bad service experience takes 12 good ones to put right.")),
    "acquisition_cost_multiple": Assumption(
        value=5, meaning="cost of winning a new customer as a multiple of the cost of retaining one",
        source=_cite("一般来说,开发新客户要比维护老客户多花5倍成本",
                     "As a rule, winning a new customer costs 5 times as much as keeping an existing one.")),
    "loyal_purchases": Assumption(
        value=10, meaning="repeat purchases a loyal customer is worth",
        source=_cite("而1个忠诚客户相当于10次重复购买产品的价值",
                     "and one loyal customer is worth as much as 10 repeat purchases of the product.")),
}
_SHARES = ("complain_rate", "churn_unresolved", "loyal_after_resolution", "loud_share")


class Inputs(_Strict):
    """The organisation's own figures for one period (not assumptions).

    Parameters
    ----------
    customer_base : int
        Customers served in the period (> 0).
    complaints : int, optional
        Complaining customers in the period (≥ 0).
    resolved_share : float, optional
        Share of complaints resolved effectively, between 0 and 1 (default 0).
    value_per_customer : float, optional
        Revenue (or margin) per customer per period.
    retention_cost : float, optional
        Cost of retaining one customer.
    purchase_value : float, optional
        Value of one purchase.
    currency : str, optional
        Currency of the amounts, for the report.
    period : str, optional
        The period the figures cover (default ``"year"``).

    Raises
    ------
    pydantic.ValidationError
        A figure is out of its range or a field is unknown.

    References
    ----------
    Technical Assistance Research Programs (1986). Consumer Complaint Handling in America:
    An Update Study. Washington, DC: U.S. Office of Consumer Affairs. Hart, C. W. L.,
    Heskett, J. L. & Sasser, W. E. (1990). The profitable art of service recovery. Harvard
    Business Review 68(4), 148–156. Reichheld, F. F. & Sasser, W. E. (1990). Zero
    defections: quality comes to services. Harvard Business Review 68(5), 105–111.

    Examples
    --------
    >>> i = Inputs(customer_base=20000, complaints=150, resolved_share=0.6)
    >>> i.customer_base, i.complaints, i.resolved_share, i.period
    (20000, 150, 0.6, 'year')

    R: ``list(customer_base = 20000, complaints = 150, resolved_share = 0.6)`` (the
    inputs of the formulas, no computation).
    """

    customer_base: int = Field(gt=0, description="customers served in the period")
    complaints: int | None = Field(None, ge=0, description="complaining customers in the period")
    resolved_share: float = Field(0.0, ge=0, le=1, description="share of complaints resolved effectively")
    value_per_customer: float | None = Field(None, ge=0, description="revenue (or margin) per customer per period")
    retention_cost: float | None = Field(None, ge=0, description="cost of retaining one customer")
    purchase_value: float | None = Field(None, ge=0, description="value of one purchase")
    currency: str = ""
    period: str = "year"


class Options(_Strict):
    """How the survey and the seed's sentences are read.

    Parameters
    ----------
    dissatisfied_measure : {"auto", "nps_detractors", "below_zone", "none"}
        The survey's share of dissatisfied customers (:func:`survey_share`).
    dissatisfied_basis : {"auto", "complaints", "survey"}
        Dissatisfied customers from the complaints (C / r) or the survey (s·N); ``auto``:
        from the complaints when their count is given.
    churn_scope : {"dissatisfied", "complainers"}
        Whom the churn rate of unresolved customers applies to.

    Raises
    ------
    pydantic.ValidationError
        A value is not one of the choices.

    References
    ----------
    Technical Assistance Research Programs (1986). Consumer Complaint Handling in America:
    An Update Study. Washington, DC: U.S. Office of Consumer Affairs. Hart, C. W. L.,
    Heskett, J. L. & Sasser, W. E. (1990). The profitable art of service recovery. Harvard
    Business Review 68(4), 148–156. Reichheld, F. F. & Sasser, W. E. (1990). Zero
    defections: quality comes to services. Harvard Business Review 68(5), 105–111.

    Examples
    --------
    >>> Options(churn_scope="complainers")
    Options(dissatisfied_measure='auto', dissatisfied_basis='auto', churn_scope='complainers')

    R: ``list(churn_scope = "complainers")`` (a choice of formula, no computation).
    """

    dissatisfied_measure: Literal["auto", "nps_detractors", "below_zone", "none"] = "auto"
    dissatisfied_basis: Literal["auto", "complaints", "survey"] = "auto"
    churn_scope: Literal["dissatisfied", "complainers"] = "dissatisfied"


class Economics(_Strict):
    """A parameter file: inputs, options and the assumptions that differ from the defaults.

    Parameters
    ----------
    inputs : Inputs
        The organisation's figures.
    options : Options, optional
        How the survey and the rules of thumb are read.
    assumptions : dict of str to Assumption, optional
        Assumptions that replace the defaults (``DEFAULTS``); a bare number stands for
        ``{value: number}``.

    Raises
    ------
    pydantic.ValidationError
        A field is missing, unknown or out of range (:func:`load_economics` reports every
        problem with its line instead).

    References
    ----------
    Technical Assistance Research Programs (1986). Consumer Complaint Handling in America:
    An Update Study. Washington, DC: U.S. Office of Consumer Affairs. Hart, C. W. L.,
    Heskett, J. L. & Sasser, W. E. (1990). The profitable art of service recovery. Harvard
    Business Review 68(4), 148–156. Reichheld, F. F. & Sasser, W. E. (1990). Zero
    defections: quality comes to services. Harvard Business Review 68(5), 105–111.

    Examples
    --------
    >>> e = Economics(inputs={"customer_base": 20000}, assumptions={"complain_rate": 0.05})
    >>> e.assumption("complain_rate"), e.assumption("churn_unresolved")  # changed, default
    (0.05, 0.81)

    R: ``modifyList(defaults, list(complain_rate = 0.05))`` (the parameter list, no
    computation).
    """

    inputs: Inputs
    options: Options = Options()
    assumptions: dict[str, Assumption] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _short_assumptions(cls, raw):
        """``complain_rate: 0.05`` is short for ``complain_rate: {value: 0.05}``."""
        if isinstance(raw, Mapping) and isinstance(raw.get("assumptions"), Mapping):
            raw = {**raw, "assumptions": {k: {"value": v} if isinstance(v, (int, float)) and not isinstance(v, bool)
                                          else v for k, v in raw["assumptions"].items()}}
        return raw

    def assumption(self, key: str) -> float:
        """The value of assumption ``key``: the file's when it changes it, else the default.

        Parameters
        ----------
        key : str
            A key of ``DEFAULTS``, e.g. ``"complain_rate"``.

        Returns
        -------
        float
            The assumption's value.
        """
        return (self.assumptions.get(key) or DEFAULTS[key]).value


def _semantic(econ: Economics) -> list[tuple[str, str]]:
    out = []
    for key, a in econ.assumptions.items():
        if key not in DEFAULTS:
            out.append((f"assumptions.{key}", f"unknown assumption (known: {', '.join(DEFAULTS)})"))
        elif key in _SHARES and a.value > 1:
            out.append((f"assumptions.{key}.value", f"a share must be between 0 and 1, got {a.value}"))
    if econ.assumption("complain_rate") == 0:
        out.append(("assumptions.complain_rate.value", "the complaint rate must be above 0"))
    c, n = econ.inputs.complaints, econ.inputs.customer_base
    if c is not None and c > n:
        out.append(("inputs.complaints", f"{c} complaints exceed the customer base of {n}"))
    return out


def parse_economics(text: str, source: str = "<economics>") -> Economics:
    """Parse and validate economics YAML; raise EconomicsError listing every problem with its line.

    Parameters
    ----------
    text : str
        The YAML text: ``inputs`` (and optionally ``options``, ``assumptions``).
    source : str, optional
        The file name the problems name.

    Returns
    -------
    Economics
        The validated parameters.

    Raises
    ------
    EconomicsError
        Bad YAML, a missing, unknown or out-of-range field, an unknown assumption, a share
        above 1, a complaint rate of 0 or more complaints than customers.

    References
    ----------
    Technical Assistance Research Programs (1986). Consumer Complaint Handling in America:
    An Update Study. Washington, DC: U.S. Office of Consumer Affairs. Hart, C. W. L.,
    Heskett, J. L. & Sasser, W. E. (1990). The profitable art of service recovery. Harvard
    Business Review 68(4), 148–156. Reichheld, F. F. & Sasser, W. E. (1990). Zero
    defections: quality comes to services. Harvard Business Review 68(5), 105–111.

    Examples
    --------
    >>> e = parse_economics("inputs: {customer_base: 20000, complaints: 150}\\nassumptions: {complain_rate: 0.05}\\n")
    >>> e.inputs.complaints, e.assumption("complain_rate")
    (150, 0.05)

    R: ``yaml::yaml.load("inputs: {customer_base: 20000, complaints: 150}")`` reads the
    same values (without the checks).
    """
    return _validated(yamlfile.load(text, source, EconomicsError), source, text)


def _validated(raw, source: str, text: str | None) -> Economics:
    yamlfile.require_mapping(raw, source, EconomicsError, "an economics file",
                             "the file must be a mapping with inputs (and optionally options, assumptions)")
    try:
        econ = Economics.model_validate(raw)
        found = yamlfile.semantic_found(_semantic(econ))
    except ValidationError as exc:
        found = yamlfile.validation_found(exc)
    yamlfile.check(found, text, source, EconomicsError, "the economics parameters")
    return econ


def load_economics(spec: str | Path | Mapping | Economics) -> Economics:
    """Economics parameters from a YAML file path, a dict or an :class:`Economics`.

    Parameters
    ----------
    spec : str, Path, mapping or Economics
        A YAML file, the parsed parameters, or parameters already made (returned as they are).

    Returns
    -------
    Economics
        The validated parameters.

    Raises
    ------
    EconomicsError
        The parameters are invalid (every problem listed).
    UsageError
        The file cannot be read.

    References
    ----------
    Technical Assistance Research Programs (1986). Consumer Complaint Handling in America:
    An Update Study. Washington, DC: U.S. Office of Consumer Affairs. Hart, C. W. L.,
    Heskett, J. L. & Sasser, W. E. (1990). The profitable art of service recovery. Harvard
    Business Review 68(4), 148–156. Reichheld, F. F. & Sasser, W. E. (1990). Zero
    defections: quality comes to services. Harvard Business Review 68(5), 105–111.

    Examples
    --------
    >>> e = load_economics({"inputs": {"customer_base": 20000, "complaints": 150}})
    >>> e.inputs.customer_base, e.options.dissatisfied_basis, load_economics(e) is e
    (20000, 'auto', True)

    R: ``yaml::read_yaml("economics.yaml")`` reads a file's values (without the checks).
    """
    if isinstance(spec, Economics):
        return spec
    if isinstance(spec, Mapping):
        return _validated(dict(spec), "<economics>", None)
    return parse_economics(yamlfile.read(spec, "economics"), str(spec))


# --------------------------------------------------------------------------- survey share


def survey_share(results: Mapping | None, measure: str = "auto") -> dict | None:
    """The survey's share of dissatisfied customers by ``measure``, or None.

    ``nps_detractors``: the share of detractors (0–6) on the first NPS outcome;
    ``below_zone``: the mean over dimensions of the share of respondents whose perception
    is below their adequate (minimum) level; ``auto``: the first of these available;
    ``none``: the survey is not used.

    Parameters
    ----------
    results : mapping or None
        The analysis results (``outcomes`` with ``nps``, ``dimensions`` with ``zone``);
        None when there is no survey.
    measure : {"auto", "nps_detractors", "below_zone", "none"}
        Which share to take.

    Returns
    -------
    dict or None
        ``measure``, ``share``, ``n`` (the smallest n behind it) and ``of`` (the outcome id,
        or ``"dimensions"``); None when the measure is not in the results.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review
    81(12), 46–54. Zeithaml, V. A., Berry, L. L. & Parasuraman, A. (1993). The nature and
    determinants of customer expectations of service. Journal of the Academy of Marketing
    Science 21(1), 1–12.

    Examples
    --------
    >>> res = {"outcomes": [{"id": "recommend", "nps": {"detractors": {"share": 0.18, "n": 400}}}],
    ...        "dimensions": [{"id": "a", "zone": {"below": {"share": 0.30, "n": 390}}},
    ...                       {"id": "b", "zone": {"below": {"share": 0.20, "n": 395}}}]}
    >>> survey_share(res)
    {'measure': 'nps_detractors', 'share': 0.18, 'n': 400, 'of': 'recommend'}
    >>> survey_share(res, "below_zone")
    {'measure': 'below_zone', 'share': 0.25, 'n': 390, 'of': 'dimensions'}

    R: ``mean(recommend <= 6)`` for the detractors; ``mean(c(mean(P_a < A_a), mean(P_b <
    A_b)))`` for the mean share below the zone of tolerance.
    """
    if results is None or measure == "none":
        return None
    order = ("nps_detractors", "below_zone") if measure == "auto" else (measure,)
    for m in order:
        if m == "nps_detractors":
            for o in results.get("outcomes") or []:
                share = ((o.get("nps") or {}).get("detractors") or {})
                if share.get("share") is not None:
                    return {"measure": m, "share": share["share"], "n": share["n"], "of": o["id"]}
        else:
            zones = [d["zone"]["below"] for d in results.get("dimensions") or []
                     if (d.get("zone") or {}).get("below", {}).get("share") is not None]
            if zones:
                return {"measure": m, "share": sum(z["share"] for z in zones) / len(zones),
                        "n": min(z["n"] for z in zones), "of": "dimensions"}
    return None


# --------------------------------------------------------------------------- the figures


def compute(econ: Economics, survey: dict | None = None, complaints: int | None = None) -> dict:
    """The ``economics`` block of the results.

    ``complaints`` (the count of complaining customers in the period, e.g. from the
    complaints register) overrides the parameter file's ``inputs.complaints``; ``survey`` is
    :func:`survey_share`'s answer. Raises UsageError when neither complaints nor a survey
    share give the number of dissatisfied customers.

    Parameters
    ----------
    econ : Economics
        The parameters.
    survey : dict, optional
        The survey's share of dissatisfied customers (:func:`survey_share`).
    complaints : int, optional
        Complaining customers in the period; overrides ``inputs.complaints``.

    Returns
    -------
    dict
        ``inputs``, ``options`` (with ``dissatisfied_basis_used``), ``survey``,
        ``assumptions`` (each with its value, default, meaning and source) and ``outputs``
        (the figures of the module's formulas, None where an input is missing).

    Raises
    ------
    UsageError
        More complaints or dissatisfied customers than customers, or no basis for the
        number of dissatisfied customers.

    References
    ----------
    Technical Assistance Research Programs (1986). Consumer Complaint Handling in America:
    An Update Study. Washington, DC: U.S. Office of Consumer Affairs. Hart, C. W. L.,
    Heskett, J. L. & Sasser, W. E. (1990). The profitable art of service recovery. Harvard
    Business Review 68(4), 148–156. Reichheld, F. F. & Sasser, W. E. (1990). Zero
    defections: quality comes to services. Harvard Business Review 68(5), 105–111.

    Examples
    --------
    20,000 customers, 150 complaints, 60% of them resolved, with the default rules of thumb:

    >>> econ = load_economics({"inputs": {"customer_base": 20000, "complaints": 150,
    ...                                   "resolved_share": 0.6, "value_per_customer": 4200}})
    >>> out = compute(econ)["outputs"]
    >>> out["dissatisfied"], out["silent_dissatisfied"], round(out["at_risk"], 1)
    (3750.0, 3600.0, 2969.1)
    >>> round(out["revenue_at_risk"]), round(out["kept_per_point"], 2)
    (12470220, 1.14)

    R: ``D <- 150 / 0.04; at_risk <- 0.81 * (D - 0.6 * 150) + (1 - 0.95) * 0.6 * 150``;
    ``at_risk * 4200``; ``0.01 * 150 * (0.81 - 0.05)``.
    """
    inp = econ.inputs
    n = inp.customer_base
    c = inp.complaints if complaints is None else int(complaints)
    if c is not None and c > n:
        raise UsageError(f"{c} complaints exceed the customer base of {n}")
    a = {k: econ.assumption(k) for k in DEFAULTS}
    basis = econ.options.dissatisfied_basis
    if basis == "auto":
        basis = "complaints" if c is not None else "survey"
    if basis == "complaints" and c is None:
        raise UsageError("economics: dissatisfied_basis is 'complaints' but no complaint count is given "
                         "(inputs.complaints or --complaints)")
    if basis == "survey" and survey is None:
        raise UsageError("economics: no survey share of dissatisfied customers "
                         f"(dissatisfied_measure '{econ.options.dissatisfied_measure}' found none in the results); "
                         "give inputs.complaints")
    out: dict[str, float | None] = {
        "dissatisfied_from_complaints": None if c is None else c / a["complain_rate"],
        "dissatisfied_from_survey": None if survey is None else survey["share"] * n,
    }
    out["implied_complain_rate"] = (c / out["dissatisfied_from_survey"]
                                    if c is not None and out["dissatisfied_from_survey"] else None)
    d = out[f"dissatisfied_from_{basis}"]
    if d is None:  # the basis was checked above: complaints given, or a survey share
        raise UsageError(f"economics: no dissatisfied customers from the {basis}")
    if d > n:
        raise UsageError(f"economics: {_g(d)} dissatisfied customers exceed the customer base of {n} "
                         f"(check the complaints, customer_base and complain_rate)")
    complainers = c if c is not None else a["complain_rate"] * d
    resolved = inp.resolved_share * complainers
    unresolved = (d if econ.options.churn_scope == "dissatisfied" else complainers) - resolved
    leave_resolved = 1 - a["loyal_after_resolution"]
    at_risk = a["churn_unresolved"] * unresolved + leave_resolved * resolved
    reach = (1 - a["loud_share"]) * a["tell_dissatisfied"] + a["loud_share"] * a["tell_loud"]
    kept_per_point = 0.01 * complainers * (a["churn_unresolved"] - leave_resolved)
    value, cost = inp.value_per_customer, inp.retention_cost
    replace = None if cost is None else a["acquisition_cost_multiple"] * cost
    out.update({
        "dissatisfied": d, "complainers": complainers, "silent_dissatisfied": d - complainers,
        "silent_share": (d - complainers) / d if d else None,
        "resolved": resolved, "unresolved": unresolved,
        "at_risk": at_risk, "at_risk_share": at_risk / n,
        "reach_per_dissatisfied": reach, "reach_per_satisfied": a["tell_satisfied"],
        "reach_ratio": reach / a["tell_satisfied"] if a["tell_satisfied"] else None,
        "negative_reach": d * reach, "satisfied": n - d, "positive_reach": (n - d) * a["tell_satisfied"],
        "good_to_offset": d * a["good_to_offset_bad"],
        "revenue_at_risk": None if value is None else at_risk * value,
        "replacement_cost": None if replace is None else at_risk * replace,
        "loyal_value_at_risk": (None if inp.purchase_value is None
                                else at_risk * a["loyal_purchases"] * inp.purchase_value),
        "kept_per_point": kept_per_point,
        "value_per_point": None if value is None else kept_per_point * value,
        "replacement_saved_per_point": None if replace is None else kept_per_point * replace,
    })
    return {
        "inputs": {**inp.model_dump(), "complaints": c},
        "options": {**econ.options.model_dump(), "dissatisfied_basis_used": basis},
        "survey": survey,
        "assumptions": {k: {"value": a[k], "default": DEFAULTS[k].value, "changed": a[k] != DEFAULTS[k].value,
                            "meaning": (econ.assumptions.get(k) or DEFAULTS[k]).meaning or DEFAULTS[k].meaning,
                            "source": _source(econ, k)} for k in DEFAULTS},
        "outputs": {k: None if v is None else float(v) for k, v in out.items()},
    }


def _source(econ: Economics, key: str) -> dict | None:
    given = econ.assumptions.get(key)
    if given is not None and given.source is not None:
        return given.source.model_dump()
    if given is not None and given.value != DEFAULTS[key].value:
        return None  # the user's own figure, uncited
    return cast(Source, DEFAULTS[key].source).model_dump()  # every default cites its source


def _g(x: float) -> str:
    return f"{x:,.0f}"


def economics_block(spec: str | Path | Mapping | Economics, results: Mapping | None,
                    complaints: int | None = None) -> dict:
    """Load ``spec`` and compute the block from the analysis ``results`` (the survey share).

    Parameters
    ----------
    spec : str, Path, mapping or Economics
        The parameters (:func:`load_economics`).
    results : mapping or None
        The analysis results, for the survey's share of dissatisfied customers.
    complaints : int, optional
        Complaining customers in the period; overrides ``inputs.complaints``.

    Returns
    -------
    dict
        The ``economics`` block (:func:`compute`).

    Raises
    ------
    EconomicsError
        The parameters are invalid.
    UsageError
        As :func:`compute`.

    References
    ----------
    Technical Assistance Research Programs (1986). Consumer Complaint Handling in America:
    An Update Study. Washington, DC: U.S. Office of Consumer Affairs. Hart, C. W. L.,
    Heskett, J. L. & Sasser, W. E. (1990). The profitable art of service recovery. Harvard
    Business Review 68(4), 148–156. Reichheld, F. F. & Sasser, W. E. (1990). Zero
    defections: quality comes to services. Harvard Business Review 68(5), 105–111.

    Examples
    --------
    Without a complaint count the survey gives the dissatisfied customers (18% detractors):

    >>> res = {"outcomes": [{"id": "recommend", "nps": {"detractors": {"share": 0.18, "n": 400}}}]}
    >>> block = economics_block({"inputs": {"customer_base": 20000, "resolved_share": 0.6}}, res)
    >>> block["options"]["dissatisfied_basis_used"], block["outputs"]["dissatisfied"]
    ('survey', 3600.0)
    >>> round(block["outputs"]["at_risk"], 3)
    2850.336

    R: ``D <- 0.18 * 20000; C <- 0.04 * D; 0.81 * (D - 0.6 * C) + 0.05 * 0.6 * C``.
    """
    econ = load_economics(spec)
    return compute(econ, survey_share(results, econ.options.dissatisfied_measure), complaints)


# --------------------------------------------------------------------------- the template


def defaults_yaml() -> str:
    """The parameter file template: every default with its citation as comments (and keys).

    Returns
    -------
    str
        YAML text that :func:`parse_economics` reads once ``customer_base`` is filled in.

    References
    ----------
    Technical Assistance Research Programs (1986). Consumer Complaint Handling in America:
    An Update Study. Washington, DC: U.S. Office of Consumer Affairs. Hart, C. W. L.,
    Heskett, J. L. & Sasser, W. E. (1990). The profitable art of service recovery. Harvard
    Business Review 68(4), 148–156. Reichheld, F. F. & Sasser, W. E. (1990). Zero
    defections: quality comes to services. Harvard Business Review 68(5), 105–111.

    Examples
    --------
    >>> import yaml
    >>> text = defaults_yaml()
    >>> text.splitlines()[0]
    '# servq service economics parameters (servq analyze --economics FILE).'
    >>> parsed = yaml.safe_load(text)
    >>> parsed["assumptions"]["complain_rate"]["value"], len(parsed["assumptions"])
    (0.04, 10)

    R: ``yaml::yaml.load(text)$assumptions$complain_rate$value`` reads the same 0.04.
    """
    out = [
        "# servq service economics parameters (servq analyze --economics FILE).",
        "# The assumptions are rules of thumb quoted in the literature, not measured by servq;",
        "# change any value to your own figure (and its source). Shares are between 0 and 1.",
        "# docs/economics.md explains every formula and how the sentences are read.",
        "",
        "inputs:",
        "  customer_base: null        # REQUIRED: customers served in the period",
        "  complaints: null           # complaining customers in the period (or --complaints N)",
        "  resolved_share: 0.0        # share of those complaints resolved effectively (your figure)",
        "  value_per_customer: null   # revenue (or margin) per customer per period",
        "  retention_cost: null       # cost of retaining one customer for a period",
        "  purchase_value: null       # value of one purchase",
        "  currency: ''",
        "  period: year",
        "",
        "options:",
        "  dissatisfied_measure: auto # survey share of dissatisfied: auto, nps_detractors, below_zone, none",
        "  dissatisfied_basis: auto   # dissatisfied customers from: auto (complaints if given), complaints, survey",
        "  churn_scope: dissatisfied  # who the 81% applies to: dissatisfied (heard or not) or complainers",
        "",
        "assumptions:",
    ]
    for key, a in DEFAULTS.items():
        src = cast(Source, a.source)  # every default cites its source
        out += [f"  # {src.translation}", f"  # {SEED}: 「{src.quote}」",
                f"  {key}:", f"    value: {a.value:g}", f"    meaning: {_q(a.meaning)}", "    source:",
                f"      document: {_q(src.document)}", f"      quote: {_q(src.quote)}",
                f"      translation: {_q(src.translation)}"]
    return "\n".join(out) + "\n"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
