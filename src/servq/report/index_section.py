"""The "Evaluation index" report: the result of ``servq index`` as one self-contained HTML
file, rendered through the report template (:func:`servq.report.document.render_document`).

From an ``IndexResult.to_dict()`` (``indexsystem/index.schema.json``) it shows:

1. the overall index and grade, and the lowest-scoring top criterion, as callouts;
2. the membership of every criterion in each grade as stacked bars (inline SVG), with the
   same numbers in a table;
3. the hierarchy table: local and global weight, score, grade and contribution of every
   criterion and indicator;
4. the AHP consistency of every criterion weighted by pairwise judgements (λmax, CI, RI,
   CR);
5. with ``by``, the index per segment (suppressed below ``min_n`` rows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from servq.report import charts, i18n
from servq.report.blocks import Callout, Cell, Figure, Fmt, Row, Table
from servq.report.charts.layout import label_width
from servq.report.charts.svg import FONT, WIDTH, chart_svg, el, esc, legend_row, lines_at, swatch_rect, text_at
from servq.report.document import render_document

INDENT = "\u2003"  # an em space per level of the hierarchy
BAR_H = 16


def render_index_html(result: Mapping[str, Any], lang: str | None = None) -> str:
    """The one-file HTML report of an evaluated index system.

    >>> import servq
    >>> r = servq.index(servq.simulate("customer-value", 200, seed=3), "customer-delivered-value")
    >>> html = render_index_html(r.to_dict(), "sv")
    >>> html.startswith("<!DOCTYPE html>"), "Utvärderingsindex" in html, "<script" in html
    (True, True, False)
    """
    lang = i18n.check_lang(lang or result["options"]["lang"])
    f = Fmt(lang, 0.95)
    return render_document(
        lang, title=f.t("index.title"), name=result["system"]["name"], header=_header(result, f),
        kpis=_kpis(result, f), summary=_summary(result, f), sections={"index": index_section(result, f)},
        definitions=_definitions(result, f),
        footer=f.t("index.footer", version=result["servq_version"], schema=result["schema_version"]))


def index_section(result: Mapping, f: Fmt) -> dict:
    """The section: callouts, the membership chart, the hierarchy table, and the AHP and
    segment sub-sections."""
    groups = [_membership_group(result, f)]
    if result.get("ahp"):
        groups.append(_ahp_group(result, f))
    if result.get("segments"):
        groups.append(_segments_group(result, f))
    operator = f.t(f"index.operator_{result['options']['operator']}")
    return {"intro": f.t("index.intro", system=result["system"]["name"], operator=operator),
            "callouts": _callouts(result, f), "tables": [_hierarchy_table(result, f)],
            "groups": groups}


# --------------------------------------------------------------------------- pieces


def _grade_label(result: Mapping, grade_id: str) -> str:
    return next(g["label"] for g in result["grades"] if g["id"] == grade_id)


def _top(result: Mapping) -> list[Mapping]:
    return [c for c in result["criteria"] if c["depth"] == 1]


def _callouts(result: Mapping, f: Fmt) -> list[Callout]:
    o = result["overall"]
    share = o["membership"][[g["id"] for g in result["grades"]].index(o["grade"])]
    out = [Callout("info", [f.t("index.overall_line", score=f.num(o["score"]), grade=o["grade_label"],
                                share=f.pct(share))], f.t("index.overall_title"))]
    top = _top(result)
    if len(top) > 1:
        low = min(top, key=lambda c: c["score"])
        out.append(Callout("alert", [f.t("index.lowest_line", criterion=i18n.quote(f.lang, low["label"]),
                                         score=f.num(low["score"]), grade=_grade_label(result, low["grade"]),
                                         weight=f.pct(low["global_weight"]))],
                           f.t("index.lowest_title")))
    return out


def _hierarchy_table(result: Mapping, f: Fmt) -> Table:
    contribution = result["options"]["operator"] == "weighted_average"
    columns = [(f.t("index.col_criterion"), False), (f.t("index.col_column"), False),
               (f.t("index.col_n"), True), (f.t("index.col_weight"), True),
               (f.t("index.col_global_weight"), True), (f.t("index.col_score"), True),
               (f.t("index.col_grade"), False), (f.t("index.col_contribution"), True)]
    rows = []
    for c in result["criteria"]:
        method = {"ahp": f.t("index.method_ahp"), "direct": f.t("index.method_direct")}.get(
            c["weight_method"] or "", "")
        rows.append(Row([
            Cell(INDENT * c["depth"] + c["label"], cls="label" if c["kind"] == "indicator" else "label strong"),
            Cell(c["column"] or ""), Cell(f.int(c["n"]) if c["n"] is not None else "", cls="num"),
            Cell(f.num(c["weight"], digits=3), method, "num"), Cell(f.num(c["global_weight"], digits=3), cls="num"),
            Cell(f.num(c["score"]), cls="num"), Cell(_grade_label(result, c["grade"])),
            Cell(f.num(c["contribution"]), cls="num")]))
    notes = [f.t("index.note_contribution" if contribution else "index.note_contribution_min_max")]
    return Table(columns, rows, notes, cls="index-hierarchy")


def _membership_group(result: Mapping, f: Fmt) -> dict:
    grades = result["grades"]
    nodes = [c for c in result["criteria"] if c["kind"] == "criterion"]
    svg = membership_chart(
        [(c["label"], c["membership"]) for c in nodes],
        [(g["label"], grade_colour(g["value"], [x["value"] for x in grades])) for g in grades],
        title=f.t("index.chart_membership"), pct=f.pct)
    columns = [(f.t("index.col_criterion"), False)] + [(g["label"], True) for g in grades] + \
              [(f.t("index.col_grade"), False)]
    rows = [Row([Cell(INDENT * c["depth"] + c["label"], cls="label")]
                + [Cell(f.pct(b), cls="num") for b in c["membership"]]
                + [Cell(_grade_label(result, c["grade"]))]) for c in result["criteria"]]
    table = Table(columns, rows, [f.t("index.note_membership")])
    return {"title": f.t("index.membership_title"), "cls": "subsection",
            "content": [("figure", Figure(f.t("index.chart_membership"), svg)), ("table", table)]}


def _ahp_group(result: Mapping, f: Fmt) -> dict:
    labels = {c["id"]: c["label"] for c in result["criteria"]}
    columns = [(f.t("index.col_criterion"), False), (f.t("index.col_children"), True),
               ("λmax", True), ("CI", True), ("RI", True), ("CR", True), (f.t("index.col_verdict"), False)]
    rows = []
    for a in result["ahp"]:
        weights = f.t("format.item_sep").join(f"{labels[c]} {f.num(w, digits=3)}"
                                                for c, w in zip(a["children"], a["weights"]))
        rows.append(Row([Cell(a["label"], weights, "label"), Cell(f.int(len(a["children"])), cls="num"),
                         Cell(f.num(a["lambda_max"], digits=3), cls="num"), Cell(f.num(a["ci"], digits=3), cls="num"),
                         Cell(f.num(a["ri"]), cls="num"), Cell(f.num(a["cr"], digits=3), cls="num"),
                         Cell(f.t("index.consistent" if a["consistent"] else "index.inconsistent"))]))
    return {"title": f.t("index.ahp_title"), "cls": "subsection",
            "content": [("p", f.t("index.ahp_intro")), ("table", Table(columns, rows))]}


def _segments_group(result: Mapping, f: Fmt) -> dict:
    seg = result["segments"]
    top = _top(result)
    columns = [(seg["by"], False), (f.t("index.col_n"), True), (f.t("index.col_score"), True),
               (f.t("index.col_grade"), False)] + [(c["label"], True) for c in top]
    rows = []
    for g in seg["groups"]:
        if g["suppressed"]:
            why = (f.t("index.suppressed", min_n=result["options"]["min_n"]) if g["reason"] == "min_n"
                   else f.t("index.no_answers", column=g["reason"].split(":", 1)[1]))
            rows.append(Row([Cell(str(g["value"]), cls="label"), Cell(f.int(g["n"]), cls="num"),
                             Cell(why, cls="na", span=2 + len(top))], kind="suppressed"))
            continue
        scores = {c["id"]: c for c in g["criteria"]}
        rows.append(Row([Cell(str(g["value"]), cls="label"), Cell(f.int(g["n"]), cls="num"),
                         Cell(f.num(g["overall"]["score"]), cls="num"), Cell(g["overall"]["grade_label"])]
                        + [Cell(f.num(scores[c["id"]]["score"]), cls="num") for c in top]))
    return {"title": f.t("index.segments_title", by=seg["by"]), "cls": "subsection",
            "content": [("p", f.t("index.segments_intro", min_n=result["options"]["min_n"])),
                        ("table", Table(columns, rows))]}


# --------------------------------------------------------------------------- the chart


def grade_colour(value: float, values: Sequence[float]) -> str:
    """A grade's colour on the red–blue scale: the best grade full blue, the worst full red.

    >>> grade_colour(100, [100, 60, 20]), grade_colour(20, [100, 60, 20])
    ('#2166ac', '#b2182b')
    """
    lo, hi = min(values), max(values)
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    return charts.diverging_colour(value, mid, half)


def membership_chart(rows: Sequence[tuple[str, Sequence[float]]], grades: Sequence[tuple[str, str]],
                     *, title: str, pct) -> str:
    """One 100 % bar per row split into its grade memberships (colours from ``grades``:
    (label, colour)), shares ≥ 8 % printed inside, and a legend of the grades on top."""
    label_w = label_width([r[0] for r in rows], 120, 300)
    x0, x1 = label_w + 6, WIDTH - 6
    body = legend_row([(swatch_rect(c), label) for label, c in grades], 12, x0)
    y = 30
    for label, shares in rows:
        yc = y + charts.ROW / 2
        body.append(lines_at(label_w - 4, yc, charts.wrap(label, label_w - 8, FONT, 1), anchor="end"))
        x = float(x0)
        for share, (_, colour) in zip(shares, grades):
            w = max(share, 0.0) * (x1 - x0)
            if w > 0:
                body.append(el("rect", cls="part", x=x, y=yc - BAR_H / 2, width=w, height=BAR_H,
                               fill=colour))
                if share >= 0.08:
                    body.append(text_at(x + w / 2, yc + 4, pct(share), anchor="middle", size=FONT - 2,
                                        fill=charts.text_on(colour)))
            x += w
        body.append(f'<rect x="{x0:.1f}" y="{yc - BAR_H / 2:.1f}" width="{x1 - x0:.1f}" '
                    f'height="{BAR_H}" fill="none" stroke="#9aa5b1" stroke-width="0.5" '
                    f'data-label="{esc(label)}"/>')
        y += charts.ROW
    return chart_svg(y + 6, title, "chart-membership", body)


# --------------------------------------------------------------------------- frame


def _header(result: Mapping, f: Fmt) -> list[tuple[str, str]]:
    src, opt, sys = result["source"], result["options"], result["system"]
    grades = f.t("format.item_sep").join(
        f"{g['label']} = {f.num(g['value'], digits=0)}" for g in result["grades"])
    return [(f.t("index.h_system"), f"{sys['name']} ({sys['id']}, {sys['source']})"),
            (f.t("header.source"), f.t("header.source_rows", file=src["file"], rows=f.int(src["rows"]))),
            (f.t("header.date"), i18n.fmt_datetime(f.lang, result.get("generated_at"))),
            (f.t("index.h_operator"), f.t(f"index.operator_{opt['operator']}")),
            (f.t("index.h_grades"), grades),
            (f.t("header.segments_by"), opt["by"] or f.t("header.segments_none")),
            (f.t("header.min_n"), f.int(opt["min_n"]))]


def _kpis(result: Mapping, f: Fmt) -> list[dict[str, str]]:
    o = result["overall"]
    out = [{"label": f.t("index.kpi_index"), "value": f.num(o["score"]), "sub": "", "cls": ""},
           {"label": f.t("index.kpi_grade"), "value": o["grade_label"], "sub": "", "cls": "text"},
           {"label": f.t("index.kpi_rows"), "value": f.int(result["source"]["rows"]), "sub": "", "cls": ""}]
    return out


def _summary(result: Mapping, f: Fmt) -> list[str]:
    o = result["overall"]
    top = sorted(_top(result), key=lambda c: c["score"])
    lines = [f.t("index.summary_overall", system=result["system"]["name"], score=f.num(o["score"]),
                 grade=o["grade_label"], rows=f.int(result["source"]["rows"]))]
    if len(top) > 1:
        lines.append(f.t("index.summary_range", high=i18n.quote(f.lang, top[-1]["label"]),
                         high_score=f.num(top[-1]["score"]), low=i18n.quote(f.lang, top[0]["label"]),
                         low_score=f.num(top[0]["score"])))
    if result["options"]["operator"] == "weighted_average" and top:
        big = max(top, key=lambda c: c["contribution"])
        lines.append(f.t("index.summary_contribution", criterion=i18n.quote(f.lang, big["label"]),
                         value=f.num(big["contribution"]), share=f.pct(big["contribution"] / o["score"])))
    return lines


def _definitions(result: Mapping, f: Fmt) -> list[str]:
    keys = ["membership", result["options"]["operator"], "grade", "score", "global", "ahp"]
    return [f.t(f"index.def_{k}") for k in keys]
