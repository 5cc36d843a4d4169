"""The report's "Competitor benchmark" section: this company against the customer's main
competitor, rated by the same customers (paired).

From the ``benchmark`` block of the results (per dimension: own mean P, competitor mean
C and the paired advantage P − C with its t interval, paired t test and Holm p):

1. one plain sentence of where you lead and where you trail ("You lead on Empathy (+0.37)
   and Responsiveness (+0.21), trail on Tangibles (−0.24)"), and what Holm's correction
   for testing every dimension leaves;
2. the benchmark chart: own and competitor mean per dimension as a dumbbell with the
   advantage printed beside it, then the advantage with its interval around zero, a
   significant one marked by shape and text;
3. the table per dimension (with the counts of leads and trails), then per statement.

A ``better: lower`` dimension (a cost) leads when its advantage is negative.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from servq.report import charts, i18n
from servq.report.access import mean
from servq.report.blocks import Callout, Figure, Fmt
from servq.report.levels_section import diff_figure, diff_rows, holm_sentence, paired_table
from servq.report.scales import zoom


def benchmark_section(results: Mapping, f: Fmt) -> dict | None:
    """The section, or None when the results have no ``benchmark`` block."""
    block = results.get("benchmark")
    if not isinstance(block, Mapping) or not block.get("dimensions"):
        return None
    rows = block["dimensions"]
    labels = {r["id"]: str(r.get("label", r["id"])) for r in rows}
    note = f.t("benchmark.note", level=f.level)
    counts = block.get("counts") or {}
    count_note = f.t("benchmark.counts", k=counts.get("dimensions", len(rows)), lead=counts.get("lead", 0),
                     trail=counts.get("trail", 0), level=f.level)
    notes = [note, count_note] + ([f.t("benchmark.cost_note")] if any(_cost(r) for r in rows) else [])
    table = paired_table(rows, f, keys=("own", "competitor", "advantage"),
                         headers=("benchmark.col_own", "benchmark.col_competitor", "benchmark.col_advantage"),
                         verdict=partial(_verdict, f), notes=notes, good=_benefit)
    figures = [_dumbbell(results, rows, f),
               diff_figure(diff_rows(rows, "advantage", good=_benefit), f,
                           caption=f.t("benchmark.chart_advantage", level=f.level),
                           positive=f.t("benchmark.legend_lead"), negative=f.t("benchmark.legend_trail"),
                           axis=f.t("benchmark.axis"))]
    groups = []
    items = block.get("items") or []
    if items:
        item_table = paired_table(items, f, keys=("own", "competitor", "advantage"),
                                  headers=("benchmark.col_own", "benchmark.col_competitor", "benchmark.col_advantage"),
                                  verdict=partial(_verdict, f), items=True, notes=[note], good=_benefit)
        groups.append({"title": f.t("levels.items_title"), "cls": "subsection",
                       "content": [("p", f.t("levels.items_intro", k=len(items))), ("table", item_table)]})
    lines = benchmark_sentences(block, labels, f)
    kind = "info" if block.get("lead") or block.get("trail") else "ok"
    return {"intro": f.t("benchmark.intro"), "callouts": [Callout(kind, lines, f.t("benchmark.callout_title"))],
            "figures": figures, "tables": [table], "groups": groups}


def benchmark_sentences(block: Mapping, labels: Mapping, f: Fmt) -> list[str]:
    """"You lead on …, trail on …" (each list largest first), then what Holm's
    correction over the dimensions leaves; one sentence when there is neither."""
    by_id = {r["id"]: r for r in block.get("dimensions") or []}
    lead, trail = list(block.get("lead") or []), list(block.get("trail") or [])

    def named(ids: list[str]) -> str:
        parts = [f.t("benchmark.named", dimension=labels[i], value=f.num(by_id[i]["advantage"]["mean"], True))
                 for i in ids]
        return i18n.join_list(f.lang, parts)

    if not lead and not trail:
        return [f.t("benchmark.none", level=f.level)]
    if lead and trail:
        first = f.t("benchmark.lead_and_trail", leads=named(lead), trails=named(trail))
    elif lead:
        first = f.t("benchmark.lead_only", leads=named(lead))
    else:
        first = f.t("benchmark.trail_only", trails=named(trail))
    survivors = [*(block.get("lead_holm") or []), *(block.get("trail_holm") or [])]
    return [first, holm_sentence(block, f, lead + trail, survivors, labels)]


def _cost(row: Mapping) -> bool:
    return row.get("better") == "lower"


def _benefit(row: Mapping) -> bool:
    """Whether a positive advantage (own minus competitor) is good for this row."""
    return not _cost(row)


def _verdict(f: Fmt, row: Mapping) -> str:
    d = row.get("advantage") if isinstance(row.get("advantage"), Mapping) else {}
    if not d.get("significant"):
        return f.t("benchmark.verdict_same")
    return f.t("benchmark.verdict_lead" if (d["mean"] > 0) != _cost(row) else "benchmark.verdict_trail")


def _dumbbell(results: Mapping, rows: list[Mapping], f: Fmt) -> Figure:
    """Competitor (hollow) and own (filled) mean per dimension, the advantage beside it."""

    caption = f.t("benchmark.chart_means")
    bells = [charts.Dumbbell(str(r.get("label", r["id"])), mean(r, "competitor"), mean(r, "own"),
                             f.num(mean(r, "advantage"), True)) for r in rows]
    values = [v for b in bells for v in (b.a, b.b)]
    svg = charts.dumbbell_chart(
        [charts.Group("", bells)], title=caption, a_label=f.t("benchmark.col_competitor"),
        b_label=f.t("benchmark.col_own"), worse_label=f.t("benchmark.legend_trail"),
        better_label=f.t("benchmark.legend_lead"), domain=zoom(results, values), fmt=f.num, label_max=250)
    return Figure(caption, svg)
