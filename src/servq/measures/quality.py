"""Instrument quality: is the questionnaire measuring what it claims?

From the accumulated second-order statistics of the instrument's perception items
(:class:`~servq.stats.moments.CrossMoments`, so the cost does not grow with the number
of respondents) this module assesses, for the instrument's dimension model:

* reliability of every dimension (psych ``alpha`` on pairwise-complete covariances, and
  ω total of a one-factor model), with the items whose removal would raise α; the
  item–total correlation ``raw_r`` from each item's sums with its dimension score
  (:class:`~servq.stats.moments.PairedMoments`), as psych computes it;
* the confirmatory factor analysis of the dimension model (lavaan ``cfa`` on the
  listwise-complete respondents) with a verdict from the fit indices;
* convergent and discriminant validity (CR, AVE, Fornell–Larcker, HTMT and HTMT2), naming
  the pairs of dimensions that customers do not tell apart;
* optionally, measurement invariance across the groups of one segment column.

Each part is reported independently: a part that cannot be computed (too few items or
respondents, a model that does not converge) is reported as null with the reason in
``warnings`` instead of failing the whole analysis.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import cast

import numpy as np
import pandas as pd

from ..instruments.schema import Instrument, Part
from ..stats.moments import CrossMoments, PairedMoments
from ..stats.numbers import finite
from ..stats.omega import omega_total
from ..stats.polychoric import OrdinalTables, Polychoric, ScoreCrossproducts, polychoric, shared_categories
from ..stats.reliability import alpha_from_cov
from ..stats.sem import InvarianceResults, SemWarning, cfa, invariance
from ..stats.sem.invariance import ALPHA as INVARIANCE_ALPHA
from ..stats.sem.invariance import DELTA_CFI as INVARIANCE_DELTA_CFI
from ..stats.sem.wls import fit_ordinal_tables
from ..stats.validity import validity

ALPHA_VERDICTS = {"excellent": 0.90, "good": 0.80, "acceptable": 0.70, "questionable": 0.60}
CFA_CUTOFFS = {  # Hu & Bentler (1999); the acceptable band as commonly used (Marsh et al. 2004)
    "good": {"cfi": 0.95, "tli": 0.95, "rmsea": 0.06, "srmr": 0.08},
    "acceptable": {"cfi": 0.90, "tli": 0.90, "rmsea": 0.08, "srmr": 0.10},
}
FIT_KEYS = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
            "rmsea.pvalue", "srmr", "baseline.chisq", "baseline.df", "logl", "aic", "bic", "bic2",
            "npar", "ntotal")
SCALED_KEYS = ("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor", "cfi.scaled", "tli.scaled",
               "rmsea.scaled")  # WLSMV's, present only then


MAX_ORDINAL_MOMENTS = 25_000  # stacked thresholds and correlations of ordinal invariance: beyond, ML's sequence
# (22 seven-point items have 363 a group: 68 groups. The fits and tests go part by part
# (servq.stats.sem.blocks), but the equal-thresholds model's parameters and the difference
# test's H grow with the groups: 40 groups take about a minute and 0.3 GB, 68 several.)


def column(part: Part, item_id: int) -> str:
    """The data column of one item in one part: the part's prefix and the item id.

    Parameters
    ----------
    part : Part
        The part (expectation ``E``, perception ``P``, ...).
    item_id : int
        The item's id.

    Returns
    -------
    str
        The column name, e.g. ``P3``.

    References
    ----------
    Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale
    for measuring consumer perceptions of service quality. Journal of Retailing 64(1), 12–40
    (the E and P batteries of the same items).

    Examples
    --------
    >>> from servq.instruments import Part
    >>> column(Part.perception, 3), column(Part.expectation, 12)
    ('P3', 'E12')

    R: ``paste0("P", 3)``, the name of the column in the data frame.
    """
    return f"{part.prefix}{item_id}"


def _modelled(inst: Instrument, part: Part) -> dict[str, list[str]]:
    """Dimension -> item columns of the dimension model: the dimensions with two or more
    items; empty when that model is not identified (a single two-item dimension)."""
    dims = {d.id: [column(part, it.id) for it in inst.items_of(d.id)] for d in inst.dimensions}
    dims = {d: cols for d, cols in dims.items() if len(cols) >= 2}
    return {} if len(dims) == 1 and len(next(iter(dims.values()))) < 3 else dims


def dimension_model(inst: Instrument, part: Part) -> str:
    """The lavaan syntax of the instrument's dimension model (correlated dimensions).

    Only the dimensions with two or more items enter; the model is empty when it is not
    identified (a single dimension of two items).

    Parameters
    ----------
    inst : Instrument
        The instrument: its dimensions and their items.
    part : Part
        The part whose item columns are the indicators.

    Returns
    -------
    str
        One ``dimension =~ item + item ...`` line per dimension; empty when not identified.

    References
    ----------
    Rosseel, Y. (2012). lavaan: an R package for structural equation modeling. Journal of
    Statistical Software 48(2), 1–36. Parasuraman, A., Zeithaml, V. A. & Berry, L. L.
    (1988). SERVQUAL: a multiple-item scale for measuring consumer perceptions of service
    quality. Journal of Retailing 64(1), 12–40.

    Examples
    --------
    >>> from servq.instruments import Part, load_instrument
    >>> print(dimension_model(load_instrument("gronroos"), Part.perception))
    technical =~ P1 + P2 + P3 + P4 + P5
    functional =~ P6 + P7 + P8 + P9 + P10
    image =~ P11 + P12 + P13 + P14

    R: the same text is the ``model`` of ``lavaan::cfa(model, data)``.
    """
    return "\n".join(f"{d} =~ " + " + ".join(cols) for d, cols in _modelled(inst, part).items())


def assess(inst: Instrument, part: Part, cross: CrossMoments, n_respondents: int, lang: str,
           groups: dict[str, CrossMoments] | None = None, group_column: str | None = None,
           *, totals: PairedMoments | None = None, ordinal: OrdinalTables | None = None,
           ordinal_groups: Mapping[str, OrdinalTables] | None = None,
           rescore: Callable[[Mapping[str | None, Polychoric]], Mapping[str | None, ScoreCrossproducts]] | None = None,
           ) -> tuple[dict, list[str]]:
    """Assess the instrument's reliability, factor structure, validity and invariance.

    The ``reliability``, ``cfa``, ``validity`` and ``invariance`` blocks of the results,
    and notes on any block that could not be computed (that block is then None).

    Parameters
    ----------
    inst : Instrument
        The instrument: its dimensions and items.
    part : Part
        The part whose items are assessed (the perceptions as a rule).
    cross : CrossMoments
        Second-order statistics of the part's item scores, in instrument order
        (pairwise for reliability, listwise for the CFA and validity).
    n_respondents : int
        Respondents (the n of α and ω).
    lang : str
        Language of the labels and item texts.
    groups : dict of str to CrossMoments, optional
        Per group of ``group_column``, the same statistics: for measurement invariance.
    group_column : str, optional
        The segment column the groups come from.
    totals : PairedMoments, optional
        Each item of the part (instrument order) paired with its dimension score, the
        respondent's mean over the dimension's answered items
        (:meth:`~servq.measures.scores.Scorer.item_totals`): gives each item's ``raw_r`` as
        ``psych::alpha`` on the dimension's rows, ``cor(x, rowMeans(x, na.rm = TRUE),
        use = "pairwise")``. Without it ``raw_r`` is computed from the covariance matrix as
        for complete data, which differs when answers are missing.
    ordinal : OrdinalTables, optional
        The part's items' contingency tables (instrument order, reverse-keyed items
        reversed): each dimension then also gets its ``ordinal_alpha``, coefficient alpha of
        the items' polychoric correlations (Zumbo, Gadermann & Zeisser 2007), the
        polychoric correlations lavaan's (:func:`servq.stats.polychoric.polychoric`); the CFA
        is the ordinal one, DWLS on the polychoric correlations from the tables alone
        (:func:`servq.stats.sem.wls.fit_ordinal_tables`: lavaan's ``estimator = "DWLS"``,
        ``missing = "pairwise"``), and HTMT uses the polychoric correlations.
    ordinal_groups : dict of str to OrdinalTables, optional
        With ``ordinal``, per group of ``group_column``, the same tables: measurement
        invariance is then the ordinal sequence (configural → thresholds → loadings, WLSMV;
        :func:`servq.stats.sem.invariance` with ``tables``), given ``rescore``.
    rescore : callable, optional
        With ``ordinal``: ``rescore(fits)`` reads the rows again and returns the score
        cross-products of each polychoric fit of ``fits`` (None: every respondent, else a
        group of ``ordinal_groups``) over its rows, in one second pass
        (:func:`servq.analysis.accumulate.score_pass`); the ordinal CFA and invariance are
        then WLSMV's (robust SEs, scaled χ² and fit indices), as lavaan's ``estimator =
        "WLSMV"``, ``missing = "pairwise"``.

    Returns
    -------
    blocks : dict
        ``reliability`` (per dimension α, standardised α, G6, average r, ω total, the
        Feldt and Duhachek intervals, a verdict and the items raising α), ``cfa`` (fit
        indices, verdict, loadings, factor correlations), ``validity`` (CR, AVE,
        Fornell–Larcker, HTMT and HTMT2, the pairs not separated) and ``invariance``
        (configural, metric and scalar steps); each None when it could not be computed.
    notes : list of str
        Why a block is None.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika 16(3), 297–334. McDonald, R. P. (1999). Test Theory: A Unified Treatment.
    Mahwah, NJ: Erlbaum. Hu, L. & Bentler, P. M. (1999). Cutoff criteria for fit indexes in
    covariance structure analysis. Structural Equation Modeling 6(1), 1–55. Fornell, C. &
    Larcker, D. F. (1981). Evaluating structural equation models with unobservable
    variables and measurement error. Journal of Marketing Research 18(1), 39–50. Henseler,
    J., Ringle, C. M. & Sarstedt, M. (2015). A new criterion for assessing discriminant
    validity in variance-based structural equation modeling. Journal of the Academy of
    Marketing Science 43(1), 115–135. Meredith, W. (1993). Measurement invariance, factor
    analysis and factorial invariance. Psychometrika 58(4), 525–543.

    Examples
    --------
    300 simulated respondents answering the 14 Grönroos items (three correlated dimensions):

    >>> import numpy as np
    >>> from servq.instruments import Part, load_instrument
    >>> inst = load_instrument("gronroos")
    >>> dim = [[d.id for d in inst.dimensions].index(it.dimension) for it in inst.items]
    >>> rng = np.random.default_rng(1)
    >>> f = rng.multivariate_normal(np.zeros(3), [[1, .5, .4], [.5, 1, .5], [.4, .5, 1]], size=300)
    >>> x = np.clip(np.rint(4 + 1.2 * f[:, dim] + rng.normal(0, 0.8, (300, 14))), 1, 7)
    >>> out, notes = assess(inst, Part.perception, CrossMoments.of(x), 300, "en")
    >>> [(d["id"], round(d["raw_alpha"], 4), d["verdict"]) for d in out["reliability"]["dimensions"]]
    [('technical', 0.9047, 'excellent'), ('functional', 0.8995, 'good'), ('image', 0.8824, 'good')]
    >>> fit = out["cfa"]["fit"]
    >>> out["cfa"]["verdict"], round(fit["chisq"], 2), fit["df"], round(fit["srmr"], 4)
    ('good', 68.62, 74.0, 0.0276)
    >>> [(d["id"], round(d["ave"], 3)) for d in out["validity"]["dimensions"]], out["invariance"], notes
    ([('technical', 0.656), ('functional', 0.643), ('image', 0.653)], None, [])

    R: ``psych::alpha(x[, 1:5])$total$raw_alpha`` per dimension;
    ``fit <- lavaan::cfa(dimension_model(inst, Part.perception), sample.cov = cov(x),
    sample.nobs = 300)`` and ``lavaan::fitMeasures(fit, c("chisq", "df", "srmr"))``; AVE as
    the mean squared standardised loading (``lavaan::standardizedSolution(fit)``).
    """
    names = [column(part, it.id) for it in inst.items]
    notes: list[str] = []

    def attempt(what: str, compute):
        try:
            return compute()
        except (ValueError, np.linalg.LinAlgError) as exc:
            notes.append(f"{what} could not be computed: {exc}")
            return None

    out: dict[str, dict | None] = {"reliability": _reliability(inst, part, cross, n_respondents, names, lang, notes,
                                                               totals)}
    # with --ordinal one polychoric fit serves ordinal alpha, the CFA and HTMT
    named = None if ordinal is None else OrdinalTables(tuple(names), ordinal.cross, ordinal.n)
    poly = None if named is None else attempt("the polychoric correlations", lambda: polychoric(named))
    if named is not None and out["reliability"] is not None:
        _ordinal_alpha(out["reliability"], inst, None if poly is None else poly.correlation)
    model = dimension_model(inst, part)
    if not model:
        notes.append("no CFA: the dimension model needs two dimensions of two or more items, or one of three or more")
    used = [c for cols in _modelled(inst, part).values() for c in cols]
    scores: Mapping[str | None, ScoreCrossproducts] = {}
    tables = {}
    merged: dict[str, list[list[int]]] = {}
    if named is not None:
        if groups and group_column and model:
            tables = {g: OrdinalTables(tuple(names), t.cross, t.n) for g, t in (ordinal_groups or {}).items()}
        stacked = sum(_moments(t) for t in tables.values())
        if stacked > MAX_ORDINAL_MOMENTS:
            notes.append(f"measurement invariance of ordered items across the {len(tables)} groups of "
                         f"'{group_column}' would stack {stacked:,} thresholds and correlations, more than the "
                         f"{MAX_ORDINAL_MOMENTS:,} servq fits by WLSMV in minutes: it is that of the items as "
                         "numbers (ML); for WLSMV, test a column with fewer groups")
            tables = {}
        if len(tables) > 1:  # the groups must share their categories: merge those a group never chose
            recode = shared_categories(list(tables.values()))
            merged = _merged_answers(inst, part, recode)
            if merged:
                tables = {g: t.recoded(recode) for g, t in tables.items()}
                notes.append(f"measurement invariance across '{group_column}': answers merged so that every group "
                             "uses each category, " + "; ".join(f"{item} {' '.join('+'.join(map(str, m)) for m in ms)}"
                                                                for item, ms in merged.items()))
        polys: dict[str | None, Polychoric | None] = {None: poly}
        for g, t in tables.items():
            polys[g] = attempt(f"the polychoric correlations of '{g}'", lambda t=t: polychoric(t))
        polys = {g: p for g, p in polys.items() if p is not None}
        if rescore is not None and polys and model:
            scores = attempt("the second pass of WLSMV (the items' casewise scores)",
                             lambda: _second_pass(rescore, polys)) or {}
        before = len(notes)
        fit = attempt("the ordinal CFA", lambda: fit_ordinal_tables(model, named, sample=poly,
                                                                   crossproducts=scores.get(None))) if model else None
    else:
        before = len(notes)
        fit = attempt("the CFA", lambda: _cfa(model, cross, names, used)) if model else None
    if model and fit is None and len(notes) == before:
        notes.append(f"the CFA needs more than {len(names) + 1} respondents with every item answered; "
                     f"{int(cross.n_complete)} have")
    out["cfa"] = _cfa_block(fit, model) if fit is not None else None
    cor = None if poly is None else pd.DataFrame(poly.correlation, index=names, columns=names)
    out["validity"] = attempt("validity", lambda: _validity(inst, part, fit, cross, names, lang, cor)) if fit else None
    out["invariance"] = None
    if groups and group_column and fit is not None:
        before = len(notes)
        if tables and scores:
            out["invariance"] = attempt("measurement invariance", lambda: _ordinal_invariance(
                model, tables, {g: j for g, j in scores.items() if g is not None},
                {g: p for g, p in polys.items() if p is not None}, group_column, merged))
        else:
            if tables:
                notes.append("measurement invariance of ordered items needs WLSMV's second pass over the rows: "
                             "it is that of the items as numbers (ML)")
            out["invariance"] = attempt("measurement invariance", lambda: _invariance(model, groups, names, group_column))
        if out["invariance"] is None and len(notes) == before:
            notes.append(f"measurement invariance across '{group_column}' needs two groups with more than "
                         f"{len(names) + 1} complete respondents")
    return out, notes


def _verdict(alpha: float | None) -> str:
    if alpha is None or not np.isfinite(alpha):
        return "not_applicable"
    for word, cut in ALPHA_VERDICTS.items():
        if alpha >= cut:
            return word
    return "poor"


def _reliability(inst, part, cross: CrossMoments, n: int, names: list[str], lang: str, notes: list[str],
                 totals: PairedMoments | None) -> dict:
    cov = pd.DataFrame(cross.cov(), index=names, columns=names)
    cor = pd.DataFrame(cross.cor(), index=names, columns=names)
    means = pd.Series(cross.mean(), index=names)
    counts = pd.Series(np.diag(cross.n), index=names)
    raw_r = None if totals is None else pd.Series(totals.cor(), index=names)
    dims = []
    for d in inst.dimensions:
        items = inst.items_of(d.id)
        cols = [column(part, it.id) for it in items]
        entry = {"id": d.id, "label": d.label.get(lang), "n": n, "n_items": len(items)}
        try:
            if len(items) < 2:
                raise ValueError("a dimension needs at least two items")
            res = alpha_from_cov(cov.loc[cols, cols], n, means[cols].to_numpy(), item_n=counts[cols].to_numpy())
            if raw_r is not None:  # psych's item-total r: the item with the mean of the answered items
                res = replace(res, items=res.items.assign(raw_r=raw_r[cols].to_numpy()))
        except ValueError as exc:
            notes.append(f"reliability of '{d.id}' could not be computed: {exc}")
            dims.append({**entry, "raw_alpha": None, "std_alpha": None, "verdict": "not_applicable",
                         "items": [], "items_raising_alpha": []})
            continue
        stats = res.to_dict()
        by_col = {column(part, it.id): it for it in items}
        entry.update({k: stats[k] for k in ("raw_alpha", "std_alpha", "g6", "average_r", "median_r", "ase", "s_n",
                                            "feldt_low", "feldt_high", "duhachek_low", "duhachek_high")})
        # _safe calls the lambda at once, in this iteration: binding the loop's cols is what is meant
        entry["omega_total"] = (_safe(lambda: omega_total(cor.loc[cols, cols].to_numpy(), n=n))  # noqa: B023
                                if len(cols) >= 3 else None)
        entry["verdict"] = _verdict(entry["raw_alpha"])
        entry["items"] = [{"id": by_col[c].id, "text": by_col[c].text_for(part, lang),
                           **{k: v for k, v in stats["items"][c].items() if k != "alpha_if_dropped"},
                           "alpha_if_dropped": stats["items"][c]["alpha_if_dropped"]["raw_alpha"]}
                          for c in cols]
        entry["items_raising_alpha"] = [by_col[c].id for c in stats["items_raising_alpha"]]
        dims.append(entry)
    return {"part": part.value, "use": "pairwise", "dimensions": dims, "thresholds": dict(ALPHA_VERDICTS)}


def _ordinal_alpha(block: dict, inst, R: np.ndarray | None) -> None:
    """Each dimension's ordinal alpha, k/(k−1) · (1 − k / ΣR) of its items' polychoric
    correlations R (instrument order), into the reliability ``block`` (None where R could
    not be computed)."""
    at = {it.id: i for i, it in enumerate(inst.items)}
    for entry in block["dimensions"]:
        rows = [at[it.id] for it in inst.items_of(entry["id"])]
        k = len(rows)
        entry["ordinal_alpha"] = (None if R is None or k < 2
                                  else float(k / (k - 1) * (1 - k / R[np.ix_(rows, rows)].sum())))
    block["ordinal"] = "polychoric correlations (lavaan's two-step estimates), pairwise present"


def _cfa(model: str, cross: CrossMoments, names: list[str], used: list[str]):
    cov = pd.DataFrame(cross.cov(listwise=True), index=names, columns=names)
    if cross.n_complete <= len(used) + 1:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemWarning)  # recorded in the result's warnings
        return cfa(model, sample_cov=cov.loc[used, used], sample_nobs=int(cross.n_complete))


def _cfa_block(fit, model: str) -> dict:
    measures = fit.fit_measures()
    est = fit.estimates
    loads = est[est["op"] == "=~"]
    lv = list(fit.lv_names)
    psi = est[(est["op"] == "~~") & est["lhs"].isin(lv) & est["rhs"].isin(lv)]
    corr = {a: {b: (1.0 if a == b else None) for b in lv} for a in lv}
    for _, r in psi.iterrows():
        if r["lhs"] != r["rhs"]:
            corr[r["lhs"]][r["rhs"]] = corr[r["rhs"]][r["lhs"]] = finite(r["std.all"])
    fit_out = {k: finite(measures.get(k)) for k in FIT_KEYS}
    fit_out.update({k: finite(measures[k]) for k in SCALED_KEYS if k in measures})
    return {
        "model": model,
        "estimator": getattr(fit, "estimator", "ML"),
        "n": int(sum(fit.nobs)),
        "converged": bool(fit.converged),
        "fit": fit_out,
        "verdict": _cfa_verdict(fit_out),
        "cutoffs": CFA_CUTOFFS,
        "loadings": [{"dimension": r["lhs"], "item": int(r["rhs"][1:]), "estimate": finite(r["est"]),
                      "se": finite(r["se"]), "z": finite(r["z"]), "pvalue": finite(r["pvalue"]),
                      "std_all": finite(r["std.all"])} for _, r in loads.iterrows()],
        "factor_correlations": corr,
        "warnings": list(fit.warnings),
    }


def _cfa_verdict(fit: dict) -> str:
    """Hu & Bentler's cut-offs on CFI, TLI, RMSEA (the scaled ones when the fit has them:
    WLSMV) and SRMR."""
    fit = {k: fit.get(f"{k}.scaled", fit.get(k)) for k in ("cfi", "tli", "rmsea", "srmr")}
    for word in ("good", "acceptable"):
        cut = CFA_CUTOFFS[word]
        values = [fit.get(k) for k in cut]
        if None in values:
            return "poor"
        if fit["cfi"] >= cut["cfi"] and fit["tli"] >= cut["tli"] and fit["rmsea"] <= cut["rmsea"] \
                and fit["srmr"] <= cut["srmr"]:
            return word
    return "poor"


def _validity(inst, part, fit, cross: CrossMoments, names: list[str], lang: str,
              polychoric_cor: pd.DataFrame | None = None) -> dict:
    est = fit.estimates
    lv, ov = list(fit.lv_names), list(fit.ov_names)
    lam = pd.DataFrame(0.0, index=ov, columns=lv)
    for _, r in est[est["op"] == "=~"].iterrows():
        lam.loc[r["rhs"], r["lhs"]] = r["std.all"]
    phi = pd.DataFrame(np.eye(len(lv)), index=lv, columns=lv)
    theta = pd.Series(np.nan, index=ov)
    for _, r in est[est["op"] == "~~"].iterrows():
        if r["lhs"] in lv and r["rhs"] in lv:
            phi.loc[r["lhs"], r["rhs"]] = phi.loc[r["rhs"], r["lhs"]] = r["std.all"]
        elif r["lhs"] == r["rhs"]:
            theta[r["lhs"]] = r["std.all"]
    cor = (pd.DataFrame(cross.cor(listwise=True), index=names, columns=names) if polychoric_cor is None
           else polychoric_cor).loc[ov, ov]
    res = validity(lam, phi, theta, cor=cor)
    h = cast(pd.DataFrame, res.htmt)  # computed: the item correlations are given
    labels = {d.id: d.label.get(lang) for d in inst.dimensions}
    frame = res.to_frame()
    thresholds = dict(res.thresholds)
    strict, liberal = thresholds.get("htmt_strict", 0.85), thresholds.get("htmt_liberal", 0.90)
    pairs = []
    for i, a in enumerate(lv):
        for b in lv[i + 1:]:
            value = float(h.loc[a, b])
            if value >= strict:
                pairs.append({"a": a, "b": b, "htmt": value, "correlation": finite(phi.loc[a, b]),
                              "liberal": value >= liberal})
    return {
        "dimensions": [{"id": d, "label": labels.get(d, d), "cr": finite(frame.loc[d, "cr"]), "ave": finite(frame.loc[d, "ave"]),
                        "sqrt_ave": finite(frame.loc[d, "sqrt_ave"]),
                        "max_correlation": finite(frame.loc[d, "max_abs_correlation"]),
                        "cr_low": bool(frame.loc[d, "cr_low"]), "ave_low": bool(frame.loc[d, "ave_low"]),
                        "fornell_larcker_fails": bool(frame.loc[d, "fornell_larcker_fails"])} for d in lv],
        "htmt": _matrix(h), "htmt2": _matrix(cast(pd.DataFrame, res.htmt2)),
        "fornell_larcker": _matrix(res.fornell_larcker),
        "not_separated": sorted(pairs, key=lambda p: -p["htmt"]),
        "thresholds": thresholds,
    }


def _second_pass(rescore, polys: dict) -> Mapping:
    scores = rescore(polys)
    for key, poly in polys.items():
        if scores[key].n != poly.n:
            raise ValueError(f"the data have {scores[key].n} rows now and had {poly.n}; the CFA is DWLS's, unscaled")
    return scores


def _invariance(model: str, groups: dict[str, CrossMoments], names: list[str], column_name: str) -> dict | None:
    usable = {g: cm for g, cm in groups.items() if cm.n_complete > len(names) + 1}
    if len(usable) < 2:
        return None
    covs = {g: pd.DataFrame(cm.cov(listwise=True), index=names, columns=names) for g, cm in usable.items()}
    means = {g: pd.Series(cm.mean(listwise=True), index=names) for g, cm in usable.items()}
    nobs = {g: int(cm.n_complete) for g, cm in usable.items()}
    return _invariance_block(lambda: invariance(model, sample_cov=covs, sample_nobs=nobs, sample_mean=means,
                                                partial=True), column_name, nobs, "ML")


def _ordinal_invariance(model: str, tables: dict[str, OrdinalTables], scores: dict[str, ScoreCrossproducts],
                        polys: Mapping[str | None, Polychoric], column_name: str,
                        merged: dict[str, list[list[int]]]) -> dict | None:
    """The WLSMV sequence configural → thresholds → loadings across the groups with tables and
    scores (pairwise present answers, as the ordinal CFA; ``polys`` their polychoric fits);
    ``merged`` the answers counted as one category per item (:func:`_merged_answers`)."""
    usable = [g for g in tables if g in scores]
    if len(usable) < 2:
        return None
    nobs = {g: int(tables[g].n) for g in usable}
    return _invariance_block(lambda: invariance(model, tables={g: tables[g] for g in usable},
                                                crossproducts={g: scores[g] for g in usable},
                                                samples={g: polys[g] for g in usable if g in polys}),
                             column_name, nobs, "WLSMV") | {"merged": merged}


def _moments(tables: OrdinalTables) -> int:
    """WLSMV's sample statistics of one group: the items' thresholds and their correlations."""
    k = len(tables.items)
    return sum(len(tables.categories(i)) - 1 for i in range(k)) + k * (k - 1) // 2


def _merged_answers(inst: Instrument, part: Part, recode: tuple[np.ndarray, ...]) -> dict[str, list[list[int]]]:
    """Per item (named as in the model, ``P3``) whose categories
    :func:`~servq.stats.polychoric.shared_categories` merged, the answers (as respondents gave
    them) counted as one category, each list ascending."""
    points, offset = inst.scale.max - inst.scale.min + 1, inst.scale.min - 1
    out = {}
    for item, lookup in zip(inst.items, recode):
        runs = []
        for target in np.unique(lookup[1:]):
            codes = np.flatnonzero(lookup == target)
            if len(codes) > 1:  # keyed codes: a reverse-keyed item's answers run the other way
                raw = points + 1 - codes if item.reverse else codes
                runs.append(sorted(int(c) + offset for c in raw))
        if runs:
            out[column(part, item.id)] = sorted(runs)
    return out


def _invariance_block(compute: Callable[[], InvarianceResults], column_name: str, nobs: dict[str, int],
                      estimator: str) -> dict:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SemWarning)
        res = compute()
        caught = [str(w.message) for w in record if issubclass(w.category, SemWarning)]
    steps = []
    for row in res.table.to_dict("records"):
        steps.append({"model": row["model"], "chisq": finite(row["chisq"]), "df": finite(row["df"]),
                      "cfi": finite(row["cfi"]), "rmsea": finite(row["rmsea"]),
                      "delta_chisq": finite(row.get("chisq_diff")), "delta_df": finite(row.get("df_diff")),
                      "pvalue": finite(row.get("pvalue")), "delta_cfi": finite(row.get("cfi_diff")),
                      "holds": None if row.get("holds") is None or row["model"] == "configural" else bool(row["holds"]),
                      "partial": bool(row.get("group_partial")) and row["model"] != "configural"}
                     | ({"chisq_scaled": finite(row["chisq_scaled"])} if "chisq_scaled" in row else {}))
    freed = [{"step": r["step"], "param": r["param"], "x2": finite(r["X2"]), "pvalue": finite(r["score_pvalue"]),
              "delta_cfi": finite(r["cfi_diff"]), "holds": bool(r["holds"])} for r in res.search.to_dict("records")]
    return {"column": column_name, "groups": nobs, "estimator": estimator, "steps": steps, "level": res.level,
            "rule": res.rule, "p_min": INVARIANCE_ALPHA, "delta_cfi_min": INVARIANCE_DELTA_CFI,
            "warnings": sorted(set(caught)), "freed": freed}


def _matrix(frame: pd.DataFrame) -> dict:
    return {str(a): {str(b): finite(frame.loc[a, b]) for b in frame.columns} for a in frame.index}


def _safe(compute) -> float | None:
    try:
        return finite(compute())
    except (ValueError, np.linalg.LinAlgError):
        return None
