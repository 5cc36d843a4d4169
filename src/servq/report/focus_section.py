"""The report's "Service focus" section: what to improve first, and why.

From the results' ``drivers`` block (Johnson's relative weights and the LMG decomposition of
R² per outcome) and ``ipa`` block (importance–performance analysis, Martilla & James 1977):

1. the ranked service-focus list in plain sentences, one template per quadrant;
2. key drivers per outcome: LMG share of R² as bars with the relative-weight share as a
   marker, R², and the table with the collinearity rule (VIF > 5 or condition number > 30);
3. the importance–performance grid with its crosshair rule, the points' intervals as
   whiskers, the points near the line (an interval contains the crosshair) ringed, and
   its table.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from servq.report import charts, i18n
from servq.report.access import IMPORTANCE_KEY, drivers_block, ipa_block, is_real, outcome_label
from servq.report.blocks import Callout, Cell, Figure, Fmt, Row, Table

VIF_LIMIT = 5.0
CONDITION_LIMIT = 30.0
CROSSHAIRS = ("mean", "median", "midpoint")
NEAR_AXES = ("importance", "performance")
INTERVAL_SOURCES = ("importance_bootstrap", "importance_t", "performance_t")  # <axis>_<ipa's <axis>_interval>


def _label(results: Mapping, row: Mapping) -> str:
    labels = {str(d.get("id")): d.get("label") for d in results.get("dimensions") or []}
    return str(row.get("label") or labels.get(str(row.get("id"))) or row.get("id", ""))


def _group(title: str, content: list[tuple[str, Any]]) -> dict:
    return {"title": title, "cls": "subsection", "content": content}


def focus_section(results: Mapping, f: Fmt) -> dict | None:
    """The ranked focus list, key drivers and importance–performance grid, each when its
    results are present; None when neither ``drivers`` nor ``ipa`` is."""
    outcomes, ipa = drivers_block(results), ipa_block(results)
    if not outcomes and ipa is None:
        return None
    groups = []
    if ipa is not None and ipa.get("focus"):
        groups.append(_focus_group(results, ipa, f))
    if outcomes:
        groups.append(_drivers_group(results, outcomes, f))
    if ipa is not None:
        groups.append(_ipa_group(results, ipa, f))
    return {"intro": f.t("focus.intro"), "groups": groups}


# --------------------------------------------------------------------------- the focus list


def _performance_text(ipa: Mapping, f: Fmt, value: float | None) -> str:
    return f.num(value, signed=ipa.get("performance") == "gap")


def _importance_text(results: Mapping, ipa: Mapping, f: Fmt, value: float | None) -> str:
    """``31.2% of the explained variance in “Overall satisfaction”`` or ``31.2 of 100 points``."""
    if ipa.get("importance") == "stated":
        return f.t("focus.importance_stated", points=f.num(value, digits=1))
    share = f.pct(value / 100 if is_real(value) else None)
    outcome = _outcome_label(results, ipa, f)
    return f.t("focus.importance_derived", share=share, outcome=outcome)


def _outcome_label(results: Mapping, ipa: Mapping, f: Fmt) -> str:
    return i18n.quote(f.lang, outcome_label(results, ipa.get("outcome")))


def _reference(ipa: Mapping, f: Fmt) -> str:
    """What the performance crosshair is, as the sentences name it (the average …)."""
    crosshair = ipa.get("crosshair")
    if crosshair not in CROSSHAIRS:
        return f.t("focus.reference.other")
    if crosshair == "midpoint" and ipa.get("performance") == "gap":
        return f.t("focus.reference.midpoint_gap")
    return f.t(f"focus.reference.{crosshair}")


def focus_sentence(results: Mapping, ipa: Mapping, item: Mapping, f: Fmt) -> str:
    """One focus item in plain words, by its quadrant."""
    quadrant = item.get("quadrant")
    key = quadrant if quadrant in charts.QUADRANTS else "unknown"
    weight = _importance_text(results, ipa, f, item.get("importance"))
    sentence = f.t(
        f"focus.sentence.{key}",
        label=_label(results, item),
        importance=weight,
        performance=_performance_text(ipa, f, item.get("performance")),
        cross=_performance_text(ipa, f, ipa.get("performance_cross")),
        reference=_reference(ipa, f),
    )
    axes = near_axes(item, f.lang)
    return f.t("focus.near.sentence", verdict=sentence, axes=axes) if axes else sentence


def near_axes(point: Mapping, lang: str) -> str:
    """The axes on which a point is near the line, in words (``importance and performance``);
    empty when it is not near."""
    if point.get("near_line") is not True:
        return ""
    axes = [a for a in point.get("near") or [] if a in NEAR_AXES]
    return i18n.join_list(lang, [i18n.t(lang, f"focus.near.axis.{a}") for a in axes])


def _focus_group(results: Mapping, ipa: Mapping, f: Fmt) -> dict:
    items = sorted(
        (i for i in ipa.get("focus") or [] if isinstance(i, Mapping)),
        key=lambda i: i.get("rank") if is_real(i.get("rank")) else float("inf"),
    )
    lines = [focus_sentence(results, ipa, item, f) for item in items]
    content: list[tuple[str, Any]] = [("p", f.t("focus.list_intro")), ("ol", lines)]
    labels = {str(i.get("id")): str(i.get("label") or i.get("id")) for i in items}
    groups = {tuple(sorted([str(i.get("id")), *i["together"]])) for i in items if i.get("together")}
    for group in sorted(groups):
        content.append(("p", f.t("focus.together", dimensions=i18n.join_list(f.lang, [labels.get(g, g) for g in group]))))
    return _group(f.t("focus.list_title"), content)


# --------------------------------------------------------------------------- key drivers


def _drivers_group(results: Mapping, outcomes: list[Mapping], f: Fmt) -> dict:
    content: list[tuple[str, Any]] = [("p", f.t("focus.drivers.intro"))]
    pct = partial(f.num, digits=1)
    for o in outcomes:
        label = str(o.get("label") or o.get("outcome", ""))
        r2 = f.t(
            "focus.drivers.r2",
            r2=f.num(o.get("r2")),
            adjusted=f.num(o.get("adjusted_r2")),
            n=f.int(o.get("n")),
        )
        content += [("h4", f.t("focus.drivers.outcome", outcome=label)), ("p", r2)]
        predictors = [p for p in o["predictors"] if isinstance(p, Mapping)]
        key = IMPORTANCE_KEY
        caption = f.t("focus.drivers.chart", outcome=label)
        bars = [
            charts.ShareBar(
                _label(results, p),
                p.get(key),
                p.get("lmg_pct"),  # the check: LMG, when computed
                p.get(f"{key}_low"),
                p.get(f"{key}_high"),
            )
            for p in predictors
        ]
        boot = any(is_real(p.get(f"{key}_low")) for p in predictors)
        svg = charts.share_chart(
            bars,
            title=caption,
            fmt=pct,
            bar_label=f.t(f"focus.drivers.legend_{key}"),
            marker_label=f.t("focus.drivers.legend_lmg_check"),
            axis_label=f.t("focus.drivers.axis"),
            interval_label=f.t("drivers_boot.legend", level=f.level),
        )
        content.append(("figure", Figure(caption, svg)))
        collinear = [p for p in predictors if is_real(p.get("vif")) and p["vif"] > VIF_LIMIT]
        condition = o.get("condition_number")
        ill = is_real(condition) and condition > CONDITION_LIMIT
        rule = f.t(
            "focus.drivers.rule",
            vif=f.num(VIF_LIMIT, digits=0),
            kappa=f.num(CONDITION_LIMIT, digits=0),
        )
        notes = [_condition_note(o, f), rule] + ([_boot_note(results, o, f)] if boot else [])
        table = Table(_driver_headers(f, boot), notes=notes)
        for p in predictors:
            vif = f.num_cell(p.get("vif"))
            if p in collinear:
                vif.cls += " flag"
            cells = [Cell(_label(results, p), cls="label")]
            cells += [
                f.num_cell(p.get("relative_weight"), digits=3),
                f.num_cell(p.get("relative_weight_pct"), digits=1),
            ] + ([_interval_cell(p, "relative_weight_pct", f)] if boot else [])
            cells += [
                f.num_cell(p.get("lmg"), digits=3),
                f.num_cell(p.get("lmg_pct"), digits=1),
            ] + ([_interval_cell(p, "lmg_pct", f)] if boot else []) + [vif]
            table.rows.append(Row(cells, kind="flag" if p in collinear else "data"))
        if collinear or ill:
            lines = []
            if collinear:
                named = [
                    f.t(
                        "focus.drivers.vif_item",
                        dimension=_label(results, p),
                        vif=f.num(p["vif"], digits=1),
                    )
                    for p in collinear
                ]
                lines.append(
                    f.t("focus.drivers.vif_high", dimensions=i18n.join_list(f.lang, named))
                )
            if ill:
                lines.append(f.t("focus.drivers.condition_high", kappa=f.num(condition, digits=1)))
            lines.append(f.t("focus.drivers.collinear_meaning"))
            content.append(
                ("callout", Callout("warn", lines, f.t("focus.drivers.collinear_title")))
            )
        content.append(("table", table))
    return _group(f.t("focus.drivers.title"), content)


def _driver_headers(f: Fmt, boot: bool = False) -> list[tuple[str, bool]]:
    keys = ["relative_weight", "relative_weight_pct", "lmg", "lmg_pct", "vif"]
    headers = [(f.t(f"focus.col.{k}"), True) for k in keys]
    if boot:  # each share's interval follows it
        headers.insert(2, (f.t("drivers_boot.col", level=f.level), True))
        headers.insert(5, (f.t("drivers_boot.col", level=f.level), True))
    return f.headers("col.dimension") + headers


def _interval_cell(p: Mapping, key: str, f: Fmt) -> Cell:
    return Cell(_interval_text(p, key, f, 1), cls="num")


def _interval_text(p: Mapping, key: str, f: Fmt, digits: int, signed: bool = False) -> str:
    """``[low, high]`` of ``p``'s ``<key>_low`` / ``<key>_high``; empty when unknown."""
    return i18n.fmt_interval(f.lang, p.get(f"{key}_low"), p.get(f"{key}_high"), digits, signed=signed)


def _boot_note(results: Mapping, outcome: Mapping, f: Fmt) -> str:
    """How the intervals were made: resamples, seed, failures, and R²'s interval."""
    block = results.get("drivers") or {}
    text = f.t("drivers_boot.note", level=f.level, boot=f.int(block.get("boot")), seed=block.get("seed"),
               r2=i18n.fmt_interval(f.lang, outcome.get("r2_low"), outcome.get("r2_high"), 2))
    failed = outcome.get("n_boot_failed")
    if is_real(failed) and failed > 0:
        text += " " + f.t("drivers_boot.failed", n=f.int(failed))
    return text


def _condition_note(outcome: Mapping, f: Fmt) -> str:
    condition = outcome.get("condition_number")
    text = f.t("focus.drivers.note_shares")
    if is_real(condition):
        text += " " + f.t("focus.drivers.note_condition", kappa=f.num(condition, digits=1))
    return text


# --------------------------------------------------------------------------- importance–performance


def _quadrant_name(f: Fmt, key: object) -> str:
    return f.t(f"focus.quadrant.{key}") if key in charts.QUADRANTS else str(key or f.num(None))


def _ipa_group(results: Mapping, ipa: Mapping, f: Fmt) -> dict:
    derived = ipa.get("importance") != "stated"
    performance = "gap" if ipa.get("performance") == "gap" else "perception"
    crosshair = ipa.get("crosshair")
    outcome = _outcome_label(results, ipa, f)
    importance_what = (
        f.t("focus.ipa.importance_derived", outcome=outcome)
        if derived
        else f.t("focus.ipa.importance_stated")
    )
    intro = f.t(
        "focus.ipa.intro",
        importance=importance_what,
        performance=f.t(f"focus.ipa.performance_{performance}"),
    )
    rule = f.t(
        "focus.ipa.crosshair",
        rule=f.t(
            f"focus.ipa.rule_{crosshair}" if crosshair in CROSSHAIRS else "focus.ipa.rule_other"
        ),
        importance=f.num(ipa.get("importance_cross"), digits=1),
        performance=_performance_text(ipa, f, ipa.get("performance_cross")),
    )
    points = [p for p in ipa.get("points") or [] if isinstance(p, Mapping)]
    caption = f.t("focus.ipa.chart")
    svg = charts.ipa_scatter(
        [
            charts.IpaPoint(
                _label(results, p),
                p.get("performance"),
                p.get("importance"),
                str(p.get("quadrant", "")),
                (p.get("performance_low"), p.get("performance_high")),
                (p.get("importance_low"), p.get("importance_high")),
                p.get("near_line") is True,
            )
            for p in points
        ],
        title=caption,
        x_cross=ipa.get("performance_cross") if is_real(ipa.get("performance_cross")) else 0.0,
        y_cross=ipa.get("importance_cross") if is_real(ipa.get("importance_cross")) else 0.0,
        quadrant_labels={k: f.t(f"focus.quadrant.{k}") for k in charts.QUADRANTS},
        x_label=f.t(f"focus.ipa.axis_{performance}"),
        y_label=f.t(f"focus.ipa.axis_{'derived' if derived else 'stated'}"),
        x_fmt=partial(f.num, signed=performance == "gap"),
        y_fmt=partial(f.num, digits=1),
        interval_label=f.t("focus.near.legend_interval", level=f.level),
        near_label=f.t("focus.near.legend_near"),
    )
    headers = f.headers("col.dimension") + [
        (f.t(f"focus.col.importance_{'derived' if derived else 'stated'}"), True),
        (f.t(f"focus.col.performance_{performance}"), True),
        (f.t("focus.col.quadrant"), False),
    ]
    table = Table(headers, notes=[rule, f.t("focus.ipa.quadrants_note"), *_near_notes(ipa, points, f)])
    gap = performance == "gap"
    for p in points:
        quadrant = p.get("quadrant")
        cls = f"quadrant {quadrant}" if quadrant in charts.QUADRANTS else "quadrant"
        axes = near_axes(p, f.lang)
        table.rows.append(
            Row(
                [Cell(_label(results, p), cls="label")]
                + [f.num_cell(p.get("importance"), digits=1, sub=_interval_text(p, "importance", f, 1))]
                + [f.num_cell(p.get("performance"), signed=gap, sub=_interval_text(p, "performance", f, 2, gap))]
                + [Cell(_quadrant_name(f, quadrant), f.t("focus.near.mark", axes=axes) if axes else "", cls)]
            )
        )
    content: list[tuple[str, Any]] = [
        ("p", intro),
        ("p", rule),
        ("figure", Figure(caption, svg)),
        ("table", table),
    ]
    return _group(f.t("focus.ipa.title"), content)


def _near_notes(ipa: Mapping, points: list[Mapping], f: Fmt) -> list[str]:
    """What "near the line" means and which intervals it rests on; how to get importance
    intervals when derived importance has none (``--boot``); the rule for joint areas."""
    kinds = [f"{axis}_{ipa.get(f'{axis}_interval')}" for axis in NEAR_AXES]
    sources = [f.t(f"focus.near.source.{kind}") for kind in kinds if kind in INTERVAL_SOURCES]
    rule = f.t("focus.near.rule", level=f.level, sources=f.t("format.item_sep").join(sources))
    notes = [rule] if sources else []
    if ipa.get("importance") != "stated" and ipa.get("importance_interval") is None:
        notes.append(f.t("focus.near.no_boot"))
    if any(p.get("together") and p.get("near_line") for p in points):
        notes.append(f.t("focus.near.group"))
    return notes
