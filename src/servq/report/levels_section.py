"""The report's "General versus specific experience" section: where the general picture
and the most recent errand part ways, tested per customer (paired).

From the dimensions' general (P) and specific (S) means, and the ``levels`` block of the
results (the paired difference S − P with its t interval, paired t test and Holm p):

1. plain sentences for the dimensions whose interval excludes 0 ("On specific errands
   customers rate Proximity 0.32 higher than in general (p < 0.001)"), and which of them
   survive Holm's correction for testing every dimension;
2. the two means per dimension as a dumbbell;
3. the paired differences as dots with their intervals around zero, a significant one
   marked by shape (a filled diamond) and text (an asterisk after its value);
4. the table per dimension, then per statement.

Results without a ``levels`` block (written before it existed) show the dumbbell and the
means only. The helpers for paired differences (chart, p text, table) serve the competitor
benchmark section too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial

from servq.report import charts, i18n
from servq.report.access import is_real, mean
from servq.report.blocks import Callout, Cell, Figure, Fmt, Row, Table
from servq.report.scales import zoom


def _p_cell(f: Fmt, p: float | None) -> Cell:
    if not is_real(p):
        return Cell(f.num(None), cls="num na")
    return Cell(f.p(p, bare=True), cls="num")


def diff_rows(rows: Sequence[Mapping], diff: str, good: Callable[[Mapping], bool] = lambda r: True,
              label: Callable[[Mapping], str] = lambda r: str(r.get("label", r.get("id", "")))) -> list:
    """The :class:`charts.DiffRow` of each row's paired difference ``diff``."""
    out = []
    for r in rows:
        d = r.get(diff) if isinstance(r.get(diff), Mapping) else {}
        out.append(charts.DiffRow(label(r), d.get("mean"), d.get("ci_low"), d.get("ci_high"),
                                  bool(d.get("significant")), good(r)))
    return out


def diff_figure(rows: list, f: Fmt, *, caption: str, positive: str, negative: str, axis: str) -> Figure:
    svg = charts.difference_chart(
        rows, title=caption, fmt=partial(f.num, signed=True), positive_label=positive, negative_label=negative,
        significant_label=f.t("levels.legend_significant", level=f.level),
        not_significant_label=f.t("levels.legend_not_significant"), axis_label=axis)
    return Figure(caption, svg)


def paired_table(rows: Sequence[Mapping], f: Fmt, *, keys: tuple[str, str, str], headers: tuple[str, str, str],
                 verdict: Callable[[Mapping], str], items: bool = False, notes: Sequence[str] = (),
                 good: Callable[[Mapping], bool] = lambda r: True) -> Table:
    """One row per dimension (or statement): n paired, the two means, the difference with
    its interval, p, Holm p and a verdict in words.

    A significant difference in the worse direction flags its row (warm); one in the
    better direction, which ``good(row)`` says is positive (as in :func:`diff_rows`),
    has its verdict in the report's colour for "above", like the chart's cool mark.
    """
    a, b, diff = keys
    lead = ("col.item", "col.text") if items else ("col.dimension",)
    columns = f.headers(*lead, "col.n") + [(f.t(h), True) for h in headers]
    columns += [(f.t("col.pvalue"), True), (f.t("levels.col_p_holm"), True), (f.t("levels.col_verdict"), False)]
    table = Table(columns, notes=list(notes), cls="items" if items else "")
    for r in rows:
        d = r.get(diff) if isinstance(r.get(diff), Mapping) else {}
        if items:
            cells = [Cell(str(r["id"]), cls="id"), Cell(str(r.get("text", "")), cls="label text"), f.n_cell(d.get("n"))]
        else:
            cells = f.label_cells(str(r.get("label", r["id"])), d.get("n"))
        cells += [f.stat_cell(r.get(a), ci=False), f.stat_cell(r.get(b), ci=False), f.stat_cell(d or None, True)]
        cells += [_p_cell(f, d.get("p")), _p_cell(f, d.get("p_holm"))]
        mark = ""
        if d.get("significant") and is_real(d.get("mean")):
            mark = "better" if (d["mean"] > 0) == good(r) else "flag"
        cells.append(Cell(verdict(r), cls=f"verdict {mark}".strip()))
        table.rows.append(Row(cells, kind="flag" if mark == "flag" else "data"))
    return table


def holm_sentence(block: Mapping, f: Fmt, flagged: Sequence[str], survivors: Sequence[str], labels: Mapping) -> str:
    """What Holm's correction over the dimensions leaves of the ``flagged`` ones."""
    k = len(block.get("dimensions") or [])
    kept = [i for i in flagged if i in set(survivors)]
    if len(kept) == len(flagged):
        return f.t("levels.holm_all", k=k)
    if not kept:
        return f.t("levels.holm_none", k=k)
    return f.t("levels.holm_some", k=k, dimensions=i18n.join_list(f.lang, [labels[i] for i in kept]))


def levels_section(results: Mapping, f: Fmt) -> dict | None:
    """The section, or None when no dimension has a specific-errand score."""
    dims = [d for d in results.get("dimensions") or [] if isinstance(d.get("specific"), Mapping)]
    if not dims:
        return None
    block = results.get("levels") if isinstance(results.get("levels"), Mapping) else None
    rows = block.get("dimensions") if block else None
    figures = [_means_figure(results, dims, block, f)]
    if not rows:
        return {"intro": f.t("intro.specific"), "figures": figures, "tables": [_means_table(dims, f)]}
    labels = {r["id"]: str(r.get("label", r["id"])) for r in rows}
    figures.append(diff_figure(diff_rows(rows, "level"), f, caption=f.t("levels.chart_difference", level=f.level),
                               positive=f.t("chart.legend_specific_better"),
                               negative=f.t("chart.legend_specific_worse"), axis=f.t("levels.axis")))
    note = f.t("levels.note", level=f.level)
    table = paired_table(rows, f, keys=("general", "specific", "level"),
                         headers=("col.general", "col.specific", "col.difference"),
                         verdict=partial(_verdict, f), notes=[note])
    groups = []
    items = block.get("items") or []
    if items:
        item_table = paired_table(items, f, keys=("general", "specific", "level"),
                                  headers=("col.general", "col.specific", "col.difference"),
                                  verdict=partial(_verdict, f), items=True, notes=[note])
        groups.append({"title": f.t("levels.items_title"), "cls": "subsection",
                       "content": [("p", f.t("levels.items_intro", k=len(items))), ("table", item_table)]})
    return {"intro": f.t("levels.intro"), "callouts": [_callout(block, labels, f)], "figures": figures,
            "tables": [table], "groups": groups}


def level_sentences(block: Mapping, labels: Mapping, f: Fmt) -> list[str]:
    """One sentence per dimension whose interval excludes 0, largest difference first,
    then what Holm's correction leaves; one sentence when there is none."""
    by_id = {r["id"]: r for r in block.get("dimensions") or []}
    flagged = sorted([*block.get("higher", []), *block.get("lower", [])],
                     key=lambda i: -abs(by_id[i]["level"]["mean"]))
    if not flagged:
        return [f.t("levels.none", level=f.level)]
    lines = []
    for i in flagged:
        d = by_id[i]["level"]
        key = "levels.higher" if d["mean"] > 0 else "levels.lower"
        lines.append(f.t(key, dimension=labels[i], value=f.num(abs(d["mean"])), p=f.p(d.get("p"))))
    higher, lower = block.get("higher_holm", []), block.get("lower_holm", [])
    return lines + [holm_sentence(block, f, flagged, [*higher, *lower], labels)]


def _callout(block: Mapping, labels: Mapping, f: Fmt) -> Callout:
    lines = level_sentences(block, labels, f)
    kind = "info" if block.get("higher") or block.get("lower") else "ok"
    return Callout(kind, lines, f.t("levels.callout_title"))


def _verdict(f: Fmt, row: Mapping) -> str:
    d = row.get("level") if isinstance(row.get("level"), Mapping) else {}
    if not d.get("significant"):
        return f.t("levels.verdict_same")
    return f.t("levels.verdict_higher" if d["mean"] > 0 else "levels.verdict_lower")


def _means_figure(results: Mapping, dims: list[Mapping], block: Mapping | None, f: Fmt) -> Figure:
    """General and specific means per dimension; the note is the paired difference when
    the results have it, else the difference of the two means."""

    paired = {r["id"]: (r.get("level") or {}).get("mean") for r in (block or {}).get("dimensions") or []}

    def note(d: Mapping) -> str:
        if d["id"] in paired:
            return f.num(paired[d["id"]], True)
        s, p = mean(d, "specific"), mean(d, "perception")
        return f.num(None if s is None or p is None else s - p, True)

    rows = [charts.Dumbbell(d["label"], mean(d, "perception"), mean(d, "specific"), note(d)) for d in dims]
    caption = f.t("chart.specific")
    svg = charts.dumbbell_chart(
        [charts.Group("", rows)], title=caption, a_label=f.t("col.general"), b_label=f.t("col.specific"),
        worse_label=f.t("chart.legend_specific_worse"), better_label=f.t("chart.legend_specific_better"),
        domain=zoom(results, [v for r in rows for v in (r.a, r.b)]), fmt=f.num, label_max=250)
    return Figure(caption, svg)


def _means_table(dims: list[Mapping], f: Fmt) -> Table:
    table = Table(f.headers("col.dimension", "col.n", "col.general", "col.specific", "col.difference"),
                  notes=[f.t("notes.interval", level=f.level)])
    for d in dims:
        s, p = mean(d, "specific"), mean(d, "perception")
        stats = [f.stat_cell(d.get(k)) for k in ("perception", "specific")]
        diff = None if s is None or p is None else s - p
        table.rows.append(Row(f.label_cells(d["label"], d["specific"].get("n")) + stats + [f.num_cell(diff, True)]))
    return table
