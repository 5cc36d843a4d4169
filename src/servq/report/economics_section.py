"""The report's "Service economics" section: what poor service may cost, by rules of thumb.

From the results' ``economics`` block (:mod:`servq.measures.economics`):

1. a plain-language summary with a clear warning that the figures apply rules of thumb
   from the cited literature to the organisation's numbers, and are not measured;
2. the complaint iceberg: complaints above the waterline, silent dissatisfied customers
   below, drawn as a triangle whose areas are proportional to the two numbers;
3. word of mouth: how many people a dissatisfied and a satisfied customer tell;
4. the table of results, each with its formula and the numbers put in;
5. the table of assumptions with their values, defaults and sources (quoted and translated).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from servq.report import charts, i18n
from servq.report.blocks import Callout, Cell, Figure, Fmt, Row, Table
from servq.report.charts.svg import chart_svg, el, lines_at, text_at

COUNT, SHARE, PEOPLE, MONEY = "count", "share", "people", "money"

# output id -> (unit, the inputs/assumptions/outputs its formula names); rows in this order
RESULTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dissatisfied_from_complaints": (COUNT, ("complaints", "complain_rate")),
    "dissatisfied_from_survey": (COUNT, ("survey_share", "customer_base")),
    "implied_complain_rate": (SHARE, ("complaints", "dissatisfied_from_survey")),
    "silent_dissatisfied": (COUNT, ("dissatisfied", "complainers")),
    "resolved": (COUNT, ("resolved_share", "complainers")),
    "at_risk": (COUNT, ("churn_unresolved", "unresolved", "leave_resolved", "resolved")),
    "at_risk_share": (SHARE, ("at_risk", "customer_base")),
    "reach_per_dissatisfied": (PEOPLE, ("loud_share", "tell_dissatisfied", "tell_loud")),
    "reach_per_satisfied": (PEOPLE, ("tell_satisfied",)),
    "negative_reach": (COUNT, ("dissatisfied", "reach_per_dissatisfied")),
    "positive_reach": (COUNT, ("customer_base", "dissatisfied", "tell_satisfied")),
    "good_to_offset": (COUNT, ("dissatisfied", "good_to_offset_bad")),
    "revenue_at_risk": (MONEY, ("at_risk", "value_per_customer")),
    "replacement_cost": (MONEY, ("at_risk", "acquisition_cost_multiple", "retention_cost")),
    "loyal_value_at_risk": (MONEY, ("at_risk", "loyal_purchases", "purchase_value")),
    "kept_per_point": (PEOPLE, ("complainers", "churn_unresolved", "leave_resolved")),
    "value_per_point": (MONEY, ("kept_per_point", "value_per_customer")),
    "replacement_saved_per_point": (MONEY, ("kept_per_point", "acquisition_cost_multiple", "retention_cost")),
}
_SHARE_TERMS = {"complain_rate", "churn_unresolved", "loyal_after_resolution", "loud_share", "survey_share",
                "resolved_share", "leave_resolved", "implied_complain_rate", "at_risk_share", "silent_share"}
_MONEY_TERMS = {"value_per_customer", "retention_cost", "purchase_value"}
_COUNT_TERMS = {"customer_base", "complaints"}

WATER = "#d5e1ec"
ICE_ABOVE = "#ffffff"
ICE_BELOW = "#8da4bb"


class _Terms:
    """Every named number of the block (inputs, assumptions, outputs), formatted by kind."""

    def __init__(self, block: Mapping, f: Fmt):
        self.f = f
        inputs, outputs = block.get("inputs") or {}, block.get("outputs") or {}
        assumptions = {k: a.get("value") for k, a in (block.get("assumptions") or {}).items()}
        self.currency = str(inputs.get("currency") or "")
        self.values: dict[str, Any] = {**inputs, **assumptions, **outputs}
        self.values["survey_share"] = (block.get("survey") or {}).get("share")
        if is_num(assumptions.get("loyal_after_resolution")):
            self.values["leave_resolved"] = 1 - assumptions["loyal_after_resolution"]

    def get(self, key: str):
        return self.values.get(key)

    def whole(self, key: str) -> str:
        """A count in prose: rounded to whole customers (or people)."""
        value = self.values.get(key)
        return self.f.int(round(value)) if is_num(value) else self.f.num(None)

    def text(self, key: str, unit: str | None = None) -> str:
        value = self.values.get(key)
        if unit is None:
            unit = (RESULTS[key][0] if key in RESULTS else SHARE if key in _SHARE_TERMS
                    else MONEY if key in _MONEY_TERMS else COUNT if key in _COUNT_TERMS | {"dissatisfied", "complainers",
                                                                                         "unresolved"}
                    else PEOPLE)
        return fmt_value(self.f, value, unit, self.currency)


def is_num(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def fmt_value(f: Fmt, value: float | None, unit: str, currency: str = "") -> str:
    """A count with one decimal when it is not whole (estimates are fractional), a share as
    a percent, a rounded amount with its currency, a plain figure with up to 2 decimals."""
    if not is_num(value):
        return f.num(None)
    if unit == COUNT:
        return f.num(value, digits=0 if float(round(value, 1)).is_integer() else 1)
    if unit == SHARE:
        pct = value * 100
        return f.pct(value) if abs(pct - round(pct)) > 1e-9 else i18n.fmt_pct(f.lang, value, 0)
    if unit == MONEY:
        return f.t("economics.money", amount=f.num(value, digits=0), currency=currency).strip()
    return f.num(value, digits=0 if float(round(value, 2)).is_integer() else (1 if round(value, 1) == round(value, 2) else 2))


def economics_section(results: Mapping, f: Fmt) -> dict | None:
    """The economics section, or None without an ``economics`` block."""
    block = results.get("economics")
    if not isinstance(block, Mapping) or not isinstance(block.get("outputs"), Mapping):
        return None
    terms = _Terms(block, f)
    groups = [
        _iceberg_group(block, terms, f),
        _word_of_mouth_group(terms, f),
        {"title": f.t("economics.results.title"), "cls": "subsection",
         "content": [("p", f.t("economics.results.intro")), ("table", _results_table(block, terms, f))]},
        {"title": f.t("economics.assumptions.title"), "cls": "subsection",
         "content": [("p", f.t("economics.assumptions.intro")), ("table", _assumptions_table(block, f))]},
    ]
    return {
        "intro": f.t("economics.intro"),
        "callouts": [Callout("info", _headline(block, terms, f), f.t("economics.caveat"))],
        "groups": groups,
    }


def _headline(block: Mapping, terms: _Terms, f: Fmt) -> list[str]:
    out = block["outputs"]
    basis = (block.get("options") or {}).get("dissatisfied_basis_used", "complaints")
    lines = [f.t(f"economics.headline.dissatisfied_{basis}", dissatisfied=terms.whole("dissatisfied"),
                 silent=terms.whole("silent_dissatisfied"), silent_share=terms.text("silent_share"),
                 complaints=terms.whole("complainers"))]
    lines.append(f.t("economics.headline.at_risk", at_risk=terms.whole("at_risk"), share=terms.text("at_risk_share")))
    if is_num(out.get("revenue_at_risk")):
        lines.append(f.t("economics.headline.revenue", revenue=terms.text("revenue_at_risk")))
    lines.append(f.t("economics.headline.per_point", kept=f.num(out.get("kept_per_point"), digits=1))
                 + (" " + f.t("economics.headline.per_point_value", value=terms.text("value_per_point"))
                    if is_num(out.get("value_per_point")) else ""))
    caveat = f.t("economics.caveat_text")
    return lines + [caveat]


# --------------------------------------------------------------------------- the iceberg


def iceberg_chart(above: float, below: float, *, title: str, above_label: str, below_label: str,
                  water_label: str) -> str:
    """The complaint iceberg: a triangle split by the waterline so that the area above is
    ``above`` and the area below is ``below`` in proportion (the apex part of a triangle
    of height H cut at height h has area ∝ h², so h = H·√(above / (above + below)))."""
    width, height = charts.WIDTH, 300
    top, base_y = 30.0, 280.0
    cx, half = 190.0, 170.0
    total = above + below
    share = above / total if total > 0 else 0.0
    h = (base_y - top) * math.sqrt(share)
    water_y = top + h
    k = h / (base_y - top)  # half-width of the triangle at the waterline, relative to the base
    body = [
        el("rect", x=0, y=round(water_y, 1), width=width, height=round(height - water_y, 1), fill=WATER,
           cls="water"),
        el("polygon", cls="ice-above", fill=ICE_ABOVE, stroke=charts.AXIS, stroke_width=1.5,
           points=f"{cx:.1f},{top:.1f} {cx + half * k:.1f},{water_y:.1f} {cx - half * k:.1f},{water_y:.1f}"),
        el("polygon", cls="ice-below", fill=ICE_BELOW, stroke=charts.AXIS, stroke_width=1.5,
           points=f"{cx - half * k:.1f},{water_y:.1f} {cx + half * k:.1f},{water_y:.1f} "
                  f"{cx + half:.1f},{base_y:.1f} {cx - half:.1f},{base_y:.1f}"),
        el("line", x1=0, y1=round(water_y, 1), x2=width, y2=round(water_y, 1), stroke=charts.AXIS,
           stroke_width=1, stroke_dasharray="4 3"),
        text_at(width - 8, water_y - 6, water_label, anchor="end", size=charts.FONT - 1, fill=charts.MUTED),
    ]
    text_x = cx + half + 30
    above_y = max(top + 10, (top + water_y) / 2)
    below_y = (water_y + base_y) / 2 + 10
    for label, y, x_edge in ((above_label, above_y, cx + half * k * (above_y - top) / max(h, 1e-9)),
                             (below_label, below_y, cx + half * (below_y - top) / (base_y - top))):
        body.append(el("line", x1=round(min(x_edge, text_x - 8), 1), y1=round(y, 1), x2=round(text_x - 6, 1),
                       y2=round(y, 1), stroke=charts.MUTED, stroke_width=1))
        lines = charts.wrap(label, width - text_x - 10, charts.FONT, 3)
        body.append(lines_at(text_x, y, lines, fill=charts.INK))
    return chart_svg(height, title, "chart-iceberg", body)


def _iceberg_group(block: Mapping, terms: _Terms, f: Fmt) -> dict:
    out = block["outputs"]
    caption = f.t("economics.iceberg.chart")
    svg = iceberg_chart(
        out.get("complainers") or 0.0, out.get("silent_dissatisfied") or 0.0, title=caption,
        above_label=f.t("economics.iceberg.above", n=terms.whole("complainers"),
                        share=fmt_value(f, 1 - (out.get("silent_share") or 0.0), SHARE)),
        below_label=f.t("economics.iceberg.below", n=terms.whole("silent_dissatisfied"),
                        share=terms.text("silent_share")),
        water_label=f.t("economics.iceberg.water"),
    )
    content: list[tuple[str, Any]] = [("p", f.t("economics.iceberg.intro", rate=terms.text("complain_rate"))),
                                      ("figure", Figure(caption, svg))]
    survey = block.get("survey")
    if isinstance(survey, Mapping) and is_num(survey.get("share")):
        # the other estimate of the dissatisfied, named as a check: the page's figures have one source
        check = [f.t("economics.survey.check", basis=f.t(f"economics.survey.basis.{_basis(block)}")),
                 f.t(f"economics.survey.{survey.get('measure')}", share=terms.text("survey_share"),
                     n=f.int(survey.get("n")), dissatisfied=terms.whole("dissatisfied_from_survey"))]
        if is_num(out.get("implied_complain_rate")):
            check.append(f.t("economics.survey.implied", rate=terms.text("implied_complain_rate"),
                             assumed=terms.text("complain_rate")))
        content.append(("p", ("" if f.lang == "zh" else " ").join(check)))
    table = Table([(f.t("economics.col.part"), False), (f.t("economics.col.customers"), True),
                   (f.t("economics.col.share"), True)])
    for key, share in (("complainers", 1 - (out.get("silent_share") or 0.0)),
                       ("silent_dissatisfied", out.get("silent_share"))):
        table.rows.append(Row([Cell(f.t(f"economics.out.{key}"), cls="label"), Cell(terms.text(key), cls="num"),
                               Cell(fmt_value(f, share, SHARE), cls="num")]))
    content.append(("table", table))
    return {"title": f.t("economics.iceberg.title"), "cls": "subsection", "content": content}


# --------------------------------------------------------------------------- word of mouth


def _word_of_mouth_group(terms: _Terms, f: Fmt) -> dict:
    dis, sat = terms.get("reach_per_dissatisfied"), terms.get("reach_per_satisfied")
    caption = f.t("economics.wom.chart")
    bars = [charts.Bar(f.t("economics.wom.dissatisfied"), dis), charts.Bar(f.t("economics.wom.satisfied"), sat)]
    high = max([v for v in (dis, sat) if is_num(v)] + [1.0])
    svg = charts.bar_chart(bars, title=caption, fmt=lambda v: f.num(v, digits=0 if float(v).is_integer() else 1),
                           domain=(0.0, high * 1.1), diverging=False, axis_label=f.t("economics.wom.axis"))
    text = f.t("economics.wom.intro", dissatisfied=terms.text("reach_per_dissatisfied"),
               satisfied=terms.text("reach_per_satisfied"), ratio=f.num(terms.get("reach_ratio"), digits=1),
               negative=terms.whole("negative_reach"), positive=terms.whole("positive_reach"),
               good=terms.whole("good_to_offset"), per_bad=terms.text("good_to_offset_bad"))
    table = Table([(f.t("economics.col.who"), False), (f.t("economics.col.tells"), True)])
    for label, key in (("economics.wom.dissatisfied", "reach_per_dissatisfied"),
                       ("economics.wom.satisfied", "reach_per_satisfied")):
        table.rows.append(Row([Cell(f.t(label), cls="label"), Cell(terms.text(key), cls="num")]))
    return {"title": f.t("economics.wom.title"), "cls": "subsection",
            "content": [("p", text), ("figure", Figure(caption, svg)), ("table", table)]}


# --------------------------------------------------------------------------- the tables


def _basis(block: Mapping) -> str:
    """Where the page's dissatisfied customers come from: ``complaints`` or ``survey``."""
    return "survey" if (block.get("options") or {}).get("dissatisfied_basis_used") == "survey" else "complaints"


def _checks(block: Mapping) -> set[str]:
    """The figures computed only as a check of the other basis (not used by the rest)."""
    other = "dissatisfied_from_survey" if _basis(block) == "complaints" else "dissatisfied_from_complaints"
    return {other, "implied_complain_rate"}


def _results_table(block: Mapping, terms: _Terms, f: Fmt) -> Table:
    scope = (block.get("options") or {}).get("churn_scope", "dissatisfied")
    checks = _checks(block)
    table = Table([(f.t("economics.col.figure"), False), (f.t("economics.col.value"), True),
                   (f.t("economics.col.formula"), False)])
    out = block["outputs"]
    for key, (unit, names) in RESULTS.items():
        if not is_num(out.get(key)):
            continue
        formula_key = f"economics.formula.{key}" + (f"_{scope}" if key == "at_risk" else "")
        formula = f.t(formula_key, **{n: terms.text(n) for n in names})
        label = f.t(f"economics.out.{key}") + (" " + f.t("economics.results.check") if key in checks else "")
        table.rows.append(Row([Cell(label, cls="label"),
                               Cell(fmt_value(f, out[key], unit, terms.currency), cls="num"),
                               Cell(f"{formula} = {fmt_value(f, out[key], unit, terms.currency)}", cls="formula")]))
    table.notes.append(f.t("economics.results.note"))
    return table


def _assumptions_table(block: Mapping, f: Fmt) -> Table:
    table = Table([(f.t("economics.col.assumption"), False), (f.t("economics.col.value"), True),
                   (f.t("economics.col.default"), True), (f.t("economics.col.source"), False)])
    known = i18n.catalog(f.lang)
    for key, a in (block.get("assumptions") or {}).items():
        unit = SHARE if key in _SHARE_TERMS else PEOPLE
        label_key = f"economics.assumption.{key}"
        label = f.t(label_key) if label_key in known else str(a.get("meaning") or key)
        source = a.get("source") or {}
        if source.get("quote"):
            translation = f.t(f"economics.quote.{key}") if not a.get("changed") and f"economics.quote.{key}" in known \
                else str(source.get("translation") or "")
            cite = Cell(f.t("economics.cite", document=f.t("economics.seed004") if "004" in str(source.get("document"))
                            else str(source.get("document")), quote=str(source["quote"])), translation, "source")
        else:
            cite = Cell(f.t("economics.own_figure"), cls="source")
        value = Cell(fmt_value(f, a.get("value"), unit), cls="num flag" if a.get("changed") else "num")
        table.rows.append(Row([Cell(label, sub=key, cls="label"), value,
                               Cell(fmt_value(f, a.get("default"), unit), cls="num"), cite],
                              kind="flag" if a.get("changed") else "data"))
    table.notes.append(f.t("economics.assumptions.note"))
    return table
