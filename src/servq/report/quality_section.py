"""The report's "Instrument quality" section: reliability, factor structure (CFA),
discriminant validity and measurement invariance, from the results' ``reliability``,
``cfa``, ``validity`` and ``invariance`` blocks."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from servq.report import charts, i18n
from servq.report.access import QUALITY_KEYS, dimension_labels, htmt_threshold, is_real, quality_block
from servq.report.blocks import Callout, Cell, Figure, Fmt, Row, Table

PARTS = ("expectation", "perception", "adequate", "desired", "specific")
VERDICTS = ("excellent", "good", "acceptable", "questionable", "poor", "not_applicable")
FIT_INDICES = ("cfi", "tli", "rmsea", "srmr")
FIT_NAMES = {"chisq": "χ²", "cfi": "CFI", "tli": "TLI", "rmsea": "RMSEA", "srmr": "SRMR"}
LOWER_IS_BETTER = {"rmsea", "srmr"}
SCALED = {"chisq", "df", "pvalue", "cfi", "tli", "rmsea"}  # WLSMV reports these scaled
ALPHA_CI_LEVEL = 0.95  # the Feldt interval of psych::alpha
RMSEA_CI_LEVEL = 0.90  # lavaan's rmsea.ci.lower/upper
LOADING_REFERENCE = 0.70  # 0.70² ≈ 0.50: half of the item's variance is its dimension's
CALLOUT_BY_VERDICT = {"good": "ok", "acceptable": "info", "poor": "warn"}
CALLOUT_BY_LEVEL = {"scalar": "ok", "partial scalar": "info", "metric": "info", "partial metric": "warn",
                    "configural": "warn", "none": "warn", "loadings": "ok", "thresholds": "info"}  # the last two: ordered items
STEPS = ("configural", "metric", "scalar", "thresholds", "loadings")


def quality_section(results: Mapping, f: Fmt) -> dict | None:
    """Reliability, factor structure, discriminant validity and measurement invariance,
    each as a sub-section when its results are present; None when none is."""
    builders = {
        "reliability": _reliability_group,
        "cfa": _cfa_group,
        "validity": _validity_group,
        "invariance": _invariance_group,
    }
    present = [key for key in QUALITY_KEYS if quality_block(results, key)]
    if not present:
        return None
    callouts = []
    validity = quality_block(results, "validity") or {}
    if validity.get("not_separated"):
        # the finding a manager must see before ranking dimensions: stated up front
        lines = not_separated_sentences(results, f.lang)
        callouts.append(Callout("alert", lines, f.t("quality.validity.not_separated_title")))
    return {
        "intro": f.t("intro.quality"),
        "callouts": callouts,
        "groups": [builders[key](results, f) for key in present],
    }


def _group(title: str, content: list[tuple[str, Any]]) -> dict:
    return {"title": title, "cls": "subsection", "content": content}


def _verdict(f: Fmt, key: object) -> str:
    return f.t(f"quality.verdict.{key}") if key in VERDICTS else str(key or f.num(None))


def _verdict_cell(f: Fmt, key: object) -> Cell:
    return Cell(_verdict(f, key), cls=f"verdict {key}" if key in VERDICTS else "verdict")


def _item_texts(results: Mapping) -> dict[int, str]:
    return {it["id"]: it.get("text", "") for it in results.get("items") or [] if "id" in it}


def _ordered(results: Mapping, ids: Sequence[str]) -> list[str]:
    """``ids`` in the instrument's dimension order, unknown ones after in their order."""
    known = [str(d["id"]) for d in results.get("dimensions") or [] if "id" in d]
    ids = list(dict.fromkeys(str(i) for i in ids))
    return [i for i in known if i in ids] + [i for i in ids if i not in known]


def _reliability_group(results: Mapping, f: Fmt) -> dict:
    rel = quality_block(results, "reliability") or {}
    labels = dimension_labels(results)
    dims = [d for d in rel.get("dimensions") or [] if isinstance(d, Mapping)]
    part = rel.get("part")
    use = rel.get("use")
    intro = f.t(
        "quality.reliability.intro",
        part=f.t(f"quality.part.{part}") if part in PARTS else str(part or ""),
        use=f.t(f"quality.use.{use}") if use in ("pairwise", "listwise") else str(use or ""),
    )
    level = i18n.fmt_level(f.lang, ALPHA_CI_LEVEL)
    ordinal = any("ordinal_alpha" in d for d in dims)
    notes = [f.t("quality.reliability.note_interval", level=level), _alpha_cuts(rel, f)]
    if ordinal:
        notes.append(f.t("quality.reliability.note_ordinal"))
    headers = f.headers(
        "col.dimension", "col.n_items", "col.n", "col.alpha", "col.std_alpha",
        *(("col.ordinal_alpha",) if ordinal else ()), "col.omega", "col.g6", "col.average_r", "col.verdict",
    )
    table = Table(headers, notes=[n for n in notes if n])

    def label(d: Mapping) -> str:
        return labels.get(str(d.get("id")), str(d.get("id", "")))

    for d in dims:
        interval = i18n.fmt_interval(f.lang, d.get("feldt_low"), d.get("feldt_high"))
        shown = ("std_alpha", "ordinal_alpha", "omega_total", "g6", "average_r") if ordinal else (
            "std_alpha", "omega_total", "g6", "average_r")
        numbers = [f.num_cell(d.get(k)) for k in shown]
        table.rows.append(
            Row(
                [Cell(label(d), cls="label"), Cell(f.int(d.get("n_items")), cls="num")]
                + [f.n_cell(d.get("n")), f.num_cell(d.get("raw_alpha"), sub=interval)]
                + numbers
                + [_verdict_cell(f, d.get("verdict"))]
            )
        )
    content: list[tuple[str, Any]] = [("p", intro), ("table", table)]

    raising = []
    items = Table(
        f.headers("col.item", "col.text", "col.n", "col.r_drop", "col.alpha_dropped"),
        cls="items",
        notes=[f.t("quality.reliability.note_items")],
    )
    for d in dims:
        flagged = set(d.get("items_raising_alpha") or [])
        alpha = f.num(d.get("raw_alpha"))
        group_label = f.t("quality.reliability.group", dimension=label(d), alpha=alpha)
        items.rows.append(Row([Cell(group_label, span=len(items.columns))], kind="group"))
        for it in d.get("items") or []:
            flag = it.get("id") in flagged
            dropped = f.num_cell(it.get("alpha_if_dropped"))
            if flag:
                dropped.cls += " flag"
                text = i18n.quote(f.lang, str(it.get("text", "")).strip().rstrip(".。"))
                raising.append(
                    f.t(
                        "quality.reliability.raising",
                        item=it.get("id", ""),
                        text=text,
                        dimension=label(d),
                        alpha=alpha,
                        dropped=f.num(it.get("alpha_if_dropped")),
                    )
                )
            cells = [Cell(str(it.get("id", "")), cls="id"), Cell(str(it.get("text", "")), cls="label text")]
            cells += [f.n_cell(it.get("n")), f.num_cell(it.get("r_drop")), dropped]
            items.rows.append(Row(cells, kind="flag" if flag else "data"))
    if raising:
        content.append(("callout", Callout("warn", raising, f.t("quality.reliability.raising_title"))))
    elif dims:
        content.append(("p", f.t("quality.reliability.none_raising")))
    if any(d.get("items") for d in dims):
        content += [("h4", f.t("quality.reliability.items_title")), ("table", items)]
    return _group(f.t("quality.reliability.title"), content)


def _alpha_cuts(rel: Mapping, f: Fmt) -> str:
    """The verdict cut-offs stated in the results, highest first, in one sentence."""
    thresholds = rel.get("thresholds") or {}
    cuts = sorted(((v, str(k)) for k, v in thresholds.items() if is_real(v)), reverse=True)
    if not cuts:
        return ""
    parts = [f.t("quality.reliability.cut", verdict=_verdict(f, k), value=f.num(v)) for v, k in cuts]
    if "poor" not in thresholds:
        lowest = f.num(cuts[-1][0])
        parts.append(f.t("quality.reliability.cut_below", verdict=_verdict(f, "poor"), value=lowest))
    return f.t("quality.reliability.cuts", cuts=i18n.join_list(f.lang, parts))


def _fit_rule(cut: Mapping, f: Fmt) -> str:
    """``CFI ≥ 0.95, TLI ≥ 0.95, RMSEA ≤ 0.06 and SRMR ≤ 0.08``."""
    keys = [k for k in FIT_INDICES if k in cut] + [k for k in cut if k not in FIT_INDICES]
    parts = [
        f"{FIT_NAMES.get(k, k.upper())} {'≤' if k in LOWER_IS_BETTER else '≥'} {f.num(cut[k])}"
        for k in keys
        if is_real(cut[k])
    ]
    return i18n.join_list(f.lang, parts)


def _index_verdict(key: str, value: float | None, cutoffs: Mapping) -> str | None:
    """good / acceptable / poor for one fit index, None without a value or cut-off."""
    levels = [(level, (cutoffs.get(level) or {}).get(key)) for level in ("good", "acceptable")]
    levels = [(level, cut) for level, cut in levels if is_real(cut)]
    if not is_real(value) or not levels:
        return None
    for level, cut in levels:
        if (value <= cut) if key in LOWER_IS_BETTER else (value >= cut):
            return level
    return "poor"


def _cfa_group(results: Mapping, f: Fmt) -> dict:
    cfa = quality_block(results, "cfa") or {}
    cutoffs = cfa.get("cutoffs") or {}
    verdict = cfa.get("verdict")
    intro = {"DWLS": "quality.cfa.intro_ordinal", "WLSMV": "quality.cfa.intro_wlsmv"}.get(str(cfa.get("estimator")),
                                                                                         "quality.cfa.intro")
    content: list[tuple[str, Any]] = [("p", f.t(intro, n=f.int(cfa.get("n"))))]
    if not cfa.get("converged", True):
        content.append(("callout", Callout("warn", [f.t("quality.cfa.not_converged")])))
    rules = [
        f.t(f"quality.cfa.cutoff_{level}", rule=_fit_rule(cutoffs[level], f))
        for level in ("good", "acceptable")
        if isinstance(cutoffs.get(level), Mapping) and cutoffs[level]
    ]
    if verdict in CALLOUT_BY_VERDICT:
        title = f.t("quality.cfa.verdict", verdict=_verdict(f, verdict))
        lines = rules + ([f.t("quality.cfa.cutoff_poor")] if rules else [])
        content.append(("callout", Callout(CALLOUT_BY_VERDICT[verdict], lines, title)))
    content.append(("table", _fit_table(cfa, f)))
    warnings = [str(w) for w in cfa.get("warnings") or []]
    if warnings:
        content.append(("callout", Callout("warn", warnings, f.t("quality.cfa.warnings_title"))))
    figure, loadings = _loadings(results, cfa, f)
    if figure:
        content += [("figure", figure), ("table", loadings)]
    correlations = cfa.get("factor_correlations") or {}
    if len(correlations) > 1:
        matrix = _matrix_table(results, correlations, f, diagonal=1.0)
        content += [("h4", f.t("quality.cfa.correlations_title")), ("table", matrix)]
    if cfa.get("model"):
        content += [("p", f.t("quality.cfa.model")), ("code", str(cfa["model"]))]
    return _group(f.t("quality.cfa.title"), content)


def _fit_table(cfa: Mapping, f: Fmt) -> Table:
    fit = cfa.get("fit") or {}
    cutoffs = cfa.get("cutoffs") or {}
    headers = f.headers(
        "col.measure", "col.value", "col.cut_good", "col.cut_acceptable", "col.assessment"
    )
    table = Table(headers, notes=[f.t("quality.cfa.chisq_note", n=f.int(cfa.get("n")))])
    blank = f.num(None)
    scaled = cfa.get("estimator") == "WLSMV"  # lavaan's scaled-shifted χ² and the indices from it

    def value_of(key: str):
        return fit.get(f"{key}.scaled") if scaled and key in SCALED else fit.get(key)

    def name_of(key: str) -> str:
        name = FIT_NAMES.get(key, key.upper())
        return f.t("quality.cfa.scaled", name=name) if scaled and key in SCALED else name

    if is_real(value_of("chisq")):
        p = f.p(value_of("pvalue"), bare=True)
        p = p if p.startswith("<") else f"= {p}"
        sub = f.t("quality.cfa.chisq_sub", df=f.int(value_of("df")), p=p)
        if not is_real(value_of("pvalue")):
            sub = ""
        cells = [Cell(blank, cls="num"), Cell(blank, cls="num"), Cell(blank, cls="verdict")]
        table.rows.append(Row([Cell(name_of("chisq"), cls="label"), f.num_cell(value_of("chisq"), sub=sub)] + cells))
    stated = {**(cutoffs.get("good") or {}), **(cutoffs.get("acceptable") or {})}
    for key in list(FIT_INDICES) + [k for k in stated if k not in FIT_INDICES]:
        value = value_of(key)
        if not is_real(value):
            continue
        sub = ""
        if key == "rmsea" and not scaled:
            low, high = fit.get("rmsea.ci.lower"), fit.get("rmsea.ci.upper")
            interval = i18n.fmt_interval(f.lang, low, high, 3)
            level = i18n.fmt_level(f.lang, RMSEA_CI_LEVEL)
            sub = f.t("quality.cfa.rmsea_ci", level=level, interval=interval) if interval else ""
        sign = "≤" if key in LOWER_IS_BETTER else "≥"
        cuts = []
        for level in ("good", "acceptable"):
            cut = (cutoffs.get(level) or {}).get(key)
            cuts.append(Cell(f"{sign} {f.num(cut)}" if is_real(cut) else blank, cls="num"))
        verdict = _index_verdict(key, value, cutoffs)
        row = [Cell(name_of(key), cls="label"), f.num_cell(value, sub=sub, digits=3)] + cuts
        table.rows.append(Row(row + [_verdict_cell(f, verdict) if verdict else Cell(blank)]))
    if cfa.get("n") is not None:
        n_label = f.t("quality.cfa.n_ordinal" if cfa.get("estimator") in ("DWLS", "WLSMV") else "quality.cfa.n")
        n_row = [Cell(n_label, cls="label"), f.n_cell(cfa.get("n"))]
        table.rows.append(Row(n_row + [Cell(blank, cls="num"), Cell(blank, cls="num"), Cell("")]))
    return table


def _loadings(results: Mapping, cfa: Mapping, f: Fmt) -> tuple[Figure | None, Table]:
    """The standardized loadings as bars grouped by dimension, and as a table."""
    labels = dimension_labels(results)
    texts = _item_texts(results)
    rows = [r for r in cfa.get("loadings") or [] if isinstance(r, Mapping)]
    table = Table(
        f.headers("col.item", "col.text", "col.estimate", "col.se", "col.std_loading"),
        cls="items",
        notes=[f.t("quality.cfa.note_loadings")],
    )
    if not rows:
        return None, table
    groups = []
    for dim in _ordered(results, [str(r.get("dimension")) for r in rows]):
        in_dim = [r for r in rows if str(r.get("dimension")) == dim]
        bars = []
        table.rows.append(Row([Cell(labels.get(dim, dim), span=len(table.columns))], kind="group"))
        for r in in_dim:
            item = r.get("item")
            text = texts.get(item, "")
            bars.append(charts.Bar(f"{item}. {text}" if text else str(item), r.get("std_all")))
            lead = [Cell(str(item), cls="id"), Cell(text, cls="label text")]
            numbers = [f.num_cell(r.get(k)) for k in ("estimate", "se", "std_all")]
            table.rows.append(Row(lead + numbers))
        groups.append(charts.Group(labels.get(dim, dim), bars))
    if any(r.get("se") is None for r in rows):
        table.notes.append(f.t("quality.cfa.note_fixed"))
    values = [r["std_all"] for r in rows if is_real(r.get("std_all"))]
    lo = 0.0 if min(values, default=0.0) >= 0 else math.floor(min(values) * 5) / 5
    hi = max(1.0, math.ceil(max(values, default=1.0) * 10) / 10)  # a Heywood case exceeds 1
    caption = f.t("quality.cfa.loadings_chart")
    reference_label = f.t("quality.cfa.loading_reference", value=f.num(LOADING_REFERENCE))
    svg = charts.bar_chart(
        groups,
        title=caption,
        fmt=f.num,
        domain=(lo, hi),
        diverging=lo < 0,
        label_max=330,
        reference=(LOADING_REFERENCE, reference_label),
    )
    return Figure(caption, svg), table


def _matrix_table(
    results: Mapping,
    matrix: Mapping,
    f: Fmt,
    *,
    diagonal: float | None = None,
    shade: Callable[[float], str] | None = None,
) -> Table:
    """A lower-triangular dimension × dimension table of ``matrix`` ({a: {b: value}});
    ``shade(value)`` gives extra cell classes (the HTMT heat)."""
    labels = dimension_labels(results)
    index = {str(k): v or {} for k, v in matrix.items()}
    ids = _ordered(results, list(index) + [str(b) for row in index.values() for b in row])

    def value(a: str, b: str) -> float | None:
        v = index.get(a, {}).get(b)
        return v if is_real(v) else index.get(b, {}).get(a)

    # without a diagonal the first row and the last column would be empty
    rows, columns = (ids, ids) if diagonal is not None else (ids[1:], ids[:-1])
    headers = f.headers("col.dimension") + [(labels.get(i, i), True) for i in columns]
    table = Table(headers, cls="matrix")
    for a in rows:
        i = ids.index(a)
        cells = [Cell(labels.get(a, a), cls="label")]
        for b in columns:
            j = ids.index(b)
            if j > i:
                cells.append(Cell("", cls="num empty"))
            elif j == i:
                cells.append(Cell(f.num(diagonal) if diagonal is not None else "", cls="num diag"))
            else:
                v = value(a, b)
                extra = shade(v) if shade and is_real(v) else ""
                cells.append(Cell(f.num(v), cls=f"num {extra}".strip()))
        table.rows.append(Row(cells))
    return table


def _validity_group(results: Mapping, f: Fmt) -> dict:
    validity = quality_block(results, "validity") or {}
    labels = dimension_labels(results)
    thresholds = validity.get("thresholds") or {}
    cr_cut = thresholds.get("cr") if is_real(thresholds.get("cr")) else 0.70
    ave_cut = thresholds.get("ave") if is_real(thresholds.get("ave")) else 0.50
    strict, liberal = htmt_threshold(validity), htmt_threshold(validity, "liberal")
    content: list[tuple[str, Any]] = [("p", f.t("quality.validity.intro"))]

    headers = f.headers(
        "col.dimension", "col.cr", "col.ave", "col.sqrt_ave", "col.max_r", "col.assessment"
    )
    note = f.t("quality.validity.note_flags", cr=f.num(cr_cut), ave=f.num(ave_cut))
    table = Table(headers, notes=[note])
    for d in validity.get("dimensions") or []:
        cr, ave = d.get("cr"), d.get("ave")
        cr_low = d.get("cr_low", is_real(cr) and cr < cr_cut)
        ave_low = d.get("ave_low", is_real(ave) and ave < ave_cut)
        fails = bool(d.get("fornell_larcker_fails"))
        sqrt_ave = d.get("sqrt_ave", math.sqrt(ave) if is_real(ave) and ave >= 0 else None)
        flags = [
            f.t(f"quality.validity.flag_{name}")
            for name, hit in (("cr", cr_low), ("ave", ave_low), ("fl", fails))
            if hit
        ]
        cr_cell, ave_cell = f.num_cell(cr), f.num_cell(ave)
        cr_cell.cls += " flag" if cr_low else ""
        ave_cell.cls += " flag" if ave_low else ""
        assessment = (
            Cell(i18n.t(f.lang, "format.list_sep").join(flags), cls="verdict poor")
            if flags
            else Cell(f.t("quality.validity.flag_none"), cls="verdict good")
        )
        label = labels.get(str(d.get("id")), str(d.get("id", "")))
        row = [Cell(label, cls="label"), cr_cell, ave_cell, f.num_cell(sqrt_ave)]
        table.rows.append(Row(row + [f.num_cell(d.get("max_correlation")), assessment]))
    if table.rows:
        content.append(("table", table))

    htmt = validity.get("htmt") or {}
    if len(htmt) > 1:

        def shade(v: float) -> str:
            return "heat-strong" if v >= liberal else "heat" if v >= strict else ""

        matrix = _matrix_table(results, htmt, f, shade=shade)
        cuts = {"strict": f.num(strict), "liberal": f.num(liberal)}
        matrix.notes.append(f.t("quality.validity.htmt_note", **cuts))
        intro = f.t("quality.validity.htmt_intro", **cuts)
        content += [("h4", f.t("quality.validity.htmt_title")), ("p", intro), ("table", matrix)]
    pairs = validity.get("not_separated") or []
    if pairs:
        named = [
            f.t(
                "quality.validity.pair",
                a=labels.get(str(p["a"]), str(p["a"])),
                b=labels.get(str(p["b"]), str(p["b"])),
                htmt=f.num(p.get("htmt")),
            )
            for p in pairs
        ]
        content.append(("p", f.t("quality.validity.pairs", pairs=i18n.join_list(f.lang, named))))
    else:
        lines = not_separated_sentences(results, f.lang)
        if lines:
            content.append(("callout", Callout("ok", lines)))
    return _group(f.t("quality.validity.title"), content)


def _invariance_group(results: Mapping, f: Fmt) -> dict:
    inv = quality_block(results, "invariance") or {}
    column = str(inv.get("column", ""))
    groups = [
        f.t("quality.invariance.group", name=name, n=f.t("format.n_equals", n=f.int(n)))
        for name, n in (inv.get("groups") or {}).items()
    ]
    intro = f.t("quality.invariance.intro", column=f.column(column), groups=i18n.join_list(f.lang, groups))
    scaled = inv.get("estimator") == "WLSMV"  # ordered items: the scaled χ², CFI and RMSEA
    if scaled:
        intro = f"{intro} {f.t('quality.invariance.ordinal')}"
    if inv.get("merged"):
        items = [f.t("quality.invariance.merged_item", item=item, answers=", ".join("+".join(map(str, m)) for m in merged))
                 for item, merged in inv["merged"].items()]
        intro = f"{intro} {f.t('quality.invariance.merged', items=i18n.join_list(f.lang, items))}"
    content: list[tuple[str, Any]] = [("p", intro)]
    headers = f.headers(
        "col.model", "col.chisq", "col.df", "col.cfi", "col.rmsea", "col.delta_chisq", "col.pvalue",
        "col.delta_cfi", "col.holds",
    )
    if scaled:
        for i in (1, 3, 4):
            headers[i] = (f.t("quality.cfa.scaled", name=headers[i][0]), headers[i][1])
    if is_real(inv.get("p_min")) and is_real(inv.get("delta_cfi_min")):
        rule = f.t(f"quality.invariance.rule_numbers{'_scaled' if scaled else ''}", p=f.num(inv["p_min"]),
                   cfi=f.num(abs(inv["delta_cfi_min"])))
    else:
        rule = str(inv.get("rule") or "").strip().rstrip(".。")
    notes = [f.t("quality.invariance.rule", rule=rule)] if rule else []
    table = Table(headers, notes=notes)
    for step in inv.get("steps") or []:
        model = step.get("model")
        known = model in STEPS
        name = f.t(f"quality.invariance.model_{model}") if known else str(model)
        if step.get("partial"):
            name = f.t("quality.invariance.model_partial", model=name)
        what = f.t(f"quality.invariance.constraint_{model}") if known else ""
        delta = f.num(step.get("delta_chisq"))
        if is_real(step.get("delta_df")):
            delta = f"{delta} ({f.int(step['delta_df'])})"
        holds = step.get("holds")
        if holds is None:
            holds_cell = Cell(f.num(None), cls="verdict")
        else:
            key = "holds" if holds else "does_not_hold"
            cls = "verdict good" if holds else "verdict poor"
            holds_cell = Cell(f.t(f"quality.invariance.{key}"), cls=cls)
        table.rows.append(
            Row(
                [Cell(name, what, cls="label"), f.num_cell(step.get("chisq_scaled" if scaled else "chisq"))]
                + [Cell(f.int(step.get("df")), cls="num")]
                + [f.num_cell(step.get(k), digits=3) for k in ("cfi", "rmsea")]
                + [Cell(delta, cls="num"), Cell(f.p(step.get("pvalue"), bare=True), cls="num")]
                # a small drop in CFI is expected, so ΔCFI is not coloured as a shortfall
                + [Cell(f.num(step.get("delta_cfi"), signed=True, digits=3), cls="num"), holds_cell]
            )
        )
    if table.rows:
        content.append(("table", table))
    level = inv.get("level")
    meaning = invariance_sentence(results, f.lang)
    if meaning:
        title = f.t("quality.invariance.level", level=f.t(f"quality.invariance.level_{str(level).replace(' ', '_')}"))
        lines = [meaning] + ([_freed_sentence(inv["freed"], results, f)] if inv.get("freed") else [])
        content.append(("callout", Callout(CALLOUT_BY_LEVEL[level], lines, title)))
    warnings = [str(w) for w in inv.get("warnings") or []]
    if warnings:
        content.append(("callout", Callout("warn", warnings, f.t("quality.cfa.warnings_title"))))
    return _group(f.t("quality.invariance.title"), content)


# --------------------------------------------------------------------------- shared with the summary


def not_separated_sentences(results: Mapping, lang: str) -> list[str]:
    """One plain sentence per pair of dimensions customers do not tell apart
    (``validity.not_separated``), or one saying every pair separates; empty without
    validity results or HTMT values."""
    validity = quality_block(results, "validity")
    if validity is None:
        return []
    t = partial(i18n.t, lang)
    labels = dimension_labels(results)
    strict = htmt_threshold(validity)
    out = []
    for pair in validity.get("not_separated") or []:
        a, b = (labels.get(str(pair[k]), str(pair[k])) for k in ("a", "b"))
        value = pair.get("htmt")
        if is_real(value) and value >= strict:
            out.append(
                t(
                    "summary.not_separated",
                    a=a,
                    b=b,
                    htmt=i18n.fmt_num(lang, value),
                    threshold=i18n.fmt_num(lang, strict),
                )
            )
        else:  # flagged for another reason (e.g. Fornell–Larcker): no HTMT claim
            out.append(t("summary.not_separated_plain", a=a, b=b))
    htmt = validity.get("htmt") or {}
    has_htmt = any(
        is_real(v) for a, row in htmt.items() for b, v in (row or {}).items() if a != b
    )
    if not out and has_htmt:
        out.append(t("summary.all_separated", threshold=i18n.fmt_num(lang, strict)))
    return out


def _freed_sentence(freed: list, results: Mapping, f: Fmt) -> str:
    """The equalities the partial-invariance search freed, in order, in words."""
    labels = dimension_labels(results)
    words = []
    for row in freed:
        lhs, op, rhs = (str(row["param"]).split() + ["", "", ""])[:3]
        if op == "~" and rhs == "1":
            what = f.t("quality.invariance.param_intercept", item=lhs)
        elif op == "=~":
            what = f.t("quality.invariance.param_loading", item=rhs, dimension=labels.get(lhs, lhs))
        else:
            what = str(row["param"])
        words.append(f.t("quality.invariance.param_score", param=what, x2=f.num(row.get("x2"), digits=2)))
    return f.t("quality.invariance.freed", params=i18n.join_list(f.lang, words))


def invariance_sentence(results: Mapping, lang: str) -> str | None:
    """What the level of measurement invariance reached means, in one sentence."""
    invariance = quality_block(results, "invariance")
    level = (invariance or {}).get("level")
    if level not in CALLOUT_BY_LEVEL:
        return None
    return i18n.t(lang, f"summary.invariance_{str(level).replace(' ', '_')}",
                  column=Fmt.of(results, lang).column(invariance.get("column", "")))
