"""The report's "Segment comparisons" section, from the results' ``comparisons`` block.

Per ``by`` column: the method in one paragraph; the significant differences in plain
sentences, largest effect first (or a note that none is significant after correction);
one dot-and-whisker chart per compared mean, the segments highest first (with more than
:data:`CHART_ROWS` segments: the top and bottom ones and those that differ significantly,
so that a chart fits a printed page); and tables with the segments as rows (any number of
them prints across pages) and the measures as columns, each cell marked with the letters
of the segments it differs from significantly (their number past 26) — only those: a
pair is marked if and only if its corrected p is below α.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from servq.report import charts, i18n
from servq.report.access import is_real
from servq.report.blocks import Callout, Cell, Figure, Fmt, Row, Table

MAX_SENTENCES = 12
ADJUST_NAMES = ("holm", "BH", "bonferroni")


def comparisons_section(results: Mapping, f: Fmt) -> dict | None:
    """One sub-section per compared segment column; None without a ``comparisons`` block."""
    block = results.get("comparisons")
    if not isinstance(block, Mapping) or not block.get("columns"):
        return None
    groups = [_column_group(results, block, col, f) for col in block["columns"] if isinstance(col, Mapping)]
    return {"intro": " ".join([f.t("comparisons.intro"), method_text(block, f)]), "groups": groups}


def _adjust_name(block: Mapping, f: Fmt) -> str:
    adjust = block.get("adjust")
    return f.t(f"comparisons.adjust.{adjust}") if adjust in ADJUST_NAMES else str(adjust or "")


def method_text(block: Mapping, f: Fmt) -> str:
    """The tests and the correction, in words."""
    alpha = f.num(block.get("alpha"), digits=2)
    adjust = _adjust_name(block, f)
    means = "games_howell" if block.get("method") == "games-howell" else "welch"
    return " ".join([f.t(f"comparisons.method.{means}", alpha=alpha, adjust=adjust),
                     f.t("comparisons.method.shares", adjust=adjust, alpha=alpha)])


def _test_name(block: Mapping, kind: str, f: Fmt) -> str:
    """How a pair's p was found, for the sentences: ``Games–Howell p`` or ``Holm-corrected p``."""
    if kind == "means" and block.get("method") == "games-howell":
        return f.t("comparisons.test.games_howell")
    return f.t("comparisons.test.corrected", adjust=_adjust_name(block, f))


def _metric(m: Mapping) -> str:
    return m.get("metric") if m.get("metric") in ("gap", "msa", "perception") else "perception"


def measure_name(results: Mapping, m: Mapping, f: Fmt) -> str:
    """What a compared mean is, mid-sentence: ``the P − E gap in Reliability``, ``the
    SERVQUAL score``, or the outcome question in quotes."""
    kind, label = m.get("type"), str(m.get("label") or m.get("id") or "")
    if kind == "dimension":
        return f.t(f"comparisons.measure.{_metric(m)}", label=label)
    if kind in ("servqual", "servperf"):
        return f.t(f"comparisons.measure.{kind}")
    return i18n.quote(f.lang, label)


def row_label(m: Mapping, f: Fmt) -> str:
    """What a compared mean is, as a table row or chart heading (the metric is in the heading)."""
    if m.get("type") in ("servqual", "servperf"):
        return f.t(f"col.overall_{m['type']}")
    return str(m.get("label") or m.get("id") or "")


def sentence(results: Mapping, block: Mapping, col: Mapping, h: Mapping, f: Fmt) -> str:
    """One significant difference in plain words (``h`` is a ``highlights`` entry)."""
    kind = h.get("type")
    p = f.p(h.get("p_adj"))
    effect = f.num(h.get("effect_size"), digits=2)
    if kind in ("top_box", "nps"):
        m = next((x for x in col.get(kind) or [] if x.get("id") == h.get("id")), {})
        values = {g.get("segment"): g for g in m.get("groups") or []}
        high, low = values.get(h.get("higher"), {}), values.get(h.get("lower"), {})
        label = i18n.quote(f.lang, str(h.get("label") or h.get("id") or ""))
        test = _test_name(block, kind, f)
        if kind == "top_box":
            return f.t("comparisons.sentence.top_box", higher=h["higher"], lower=h["lower"], label=label,
                       points=f.num(100 * h["difference"], digits=1), threshold=f.num(m.get("threshold"), digits=0),
                       share_high=f.pct(high.get("share")), share_low=f.pct(low.get("share")),
                       test=test, p=p, h=effect)
        return f.t("comparisons.sentence.nps", higher=h["higher"], lower=h["lower"], label=label,
                   points=f.num(h["difference"], digits=1), nps_high=f.num(high.get("nps"), signed=True, digits=0),
                   nps_low=f.num(low.get("nps"), signed=True, digits=0), test=test, p=p, g=effect)
    return f.t("comparisons.sentence.mean", higher=h["higher"], lower=h["lower"],
               measure=measure_name(results, h, f), diff=f.num(h.get("difference")),
               test=_test_name(block, "means", f), p=p, g=effect)


def _column_group(results: Mapping, block: Mapping, col: Mapping, f: Fmt) -> dict:
    column = str(col.get("column", ""))
    title = f.t("comparisons.by", column=f.column(column))
    min_n = block.get("min_n")
    content: list[tuple[str, Any]] = []
    suppressed = [str(s) for s in col.get("suppressed") or []]
    if not col.get("compared"):
        content.append(("p", f.t("comparisons.not_compared", column=f.column(column), min_n=f.int(min_n))))
        if suppressed:
            content.append(("p", f.t("comparisons.suppressed", min_n=f.int(min_n),
                                     segments=i18n.join_list(f.lang, suppressed))))
        return {"title": title, "cls": "subsection", "content": content}
    found = [h for h in block.get("highlights") or [] if isinstance(h, Mapping) and h.get("column") == column]
    if found:
        lines = [sentence(results, block, col, h, f) for h in found[:MAX_SENTENCES]]
        if len(found) > MAX_SENTENCES:
            lines.append(f.t("comparisons.more", n=f.int(len(found) - MAX_SENTENCES)))
        content.append(("callout", Callout("info", lines, f.t("comparisons.found_title", n=f.int(len(found))))))
    else:
        content.append(("callout", Callout("ok", [f.t("comparisons.none_significant", column=f.column(column))])))
    content += [("figure", figure) for figure in _figures(results, col, f)]
    for heading, table in _tables(results, block, col, f):
        content += [("h4", heading), ("table", table)]
    return {"title": title, "cls": "subsection", "content": content}


def _figures(results: Mapping, col: Mapping, f: Fmt) -> list[Figure]:
    """One dot-and-whisker chart per compared mean (dimension, overall score, outcome)."""
    return [_figure(results, col, m, f) for m in col.get("means") or []
            if isinstance(m, Mapping) and any(is_real(g.get("mean")) for g in m.get("groups") or [])]


def _figure(results: Mapping, col: Mapping, m: Mapping, f: Fmt) -> Figure:
    """The units' means of ``m``, best first, with their intervals; with many units the
    top and bottom ones and those that differ significantly from another (the table
    below has them all)."""
    ranked = sorted((g for g in m["groups"] if is_real(g.get("mean"))), key=lambda g: -g["mean"])
    differ = {u for pair in m.get("pairs") or [] if pair.get("significant") is True
              for u in (pair.get("segment_a"), pair.get("segment_b"))}
    shown = shown_units(ranked, differ)
    signed = m.get("metric") in ("gap", "msa")
    rows = [charts.IntervalRow(str(g["segment"]), g["mean"], g.get("ci_low"), g.get("ci_high"), g["segment"] in differ,
                               f.num(g["mean"], signed=signed)) for g in shown]
    column = str(col.get("column", ""))
    caption = f.t("comparisons.interval_chart", measure=row_label(m, f), metric=f.t(f"metric.{_metric_key(m)}"),
                  column=f.column(column), level=f.level)
    if len(shown) < len(ranked):
        caption = f.t("comparisons.chart_with_subset", chart=caption, subset=f.t(
            "comparisons.chart_subset", shown=f.int(len(shown)), total=f.int(len(ranked)), column=f.column(column),
            ends=f.int(SHOWN_ENDS)))
    overall = _overall_mean(results, m)
    svg = charts.interval_chart(rows, title=caption, domain=_domain(results, m), fmt=partial(f.num, signed=signed),
                                value_label=f.t("comparisons.legend_mean", level=f.level),
                                flag_label=f.t("comparisons.legend_differs"), reference=overall,
                                reference_label=f.t("comparisons.legend_all"))
    return Figure(caption, svg)


CHART_ROWS = 24  # units one chart shows at most (it then fits a printed page)
SHOWN_ENDS = 8  # of more units: the top and bottom ones, then those that differ


def shown_units(ranked: list, differ: set) -> list:
    """The units a chart shows, in rank order: all of them up to :data:`CHART_ROWS`; else
    the :data:`SHOWN_ENDS` best and worst, then the others that differ significantly from
    some unit, nearest the ends first, up to :data:`CHART_ROWS`."""
    if len(ranked) <= CHART_ROWS:
        return ranked
    keep = set(range(SHOWN_ENDS)) | set(range(len(ranked) - SHOWN_ENDS, len(ranked)))
    middle = [i for i in range(SHOWN_ENDS, len(ranked) - SHOWN_ENDS) if ranked[i]["segment"] in differ]
    middle.sort(key=lambda i: min(i, len(ranked) - 1 - i))
    keep |= set(middle[:CHART_ROWS - len(keep)])
    return [ranked[i] for i in sorted(keep)]


def _metric_key(m: Mapping) -> str:
    return "score" if m.get("type") == "outcome" else _metric(m)


def _overall_mean(results: Mapping, m: Mapping) -> float | None:
    """All respondents' value of the compared mean ``m`` (the charts' reference line)."""
    kind, key = m.get("type"), m.get("id")
    if kind == "dimension":
        found = next((d for d in results.get("dimensions") or [] if d.get("id") == key), {})
        value = (found.get(_metric(m)) or {}).get("mean")
    elif kind in ("servqual", "servperf"):
        block = results.get(kind) or {}
        value = (block.get(key) or block).get("mean") if isinstance(block, Mapping) else None
    else:
        found = next((o for o in results.get("outcomes") or [] if o.get("id") == key), {})
        value = (found.get("score") or {}).get("mean")
    return value if is_real(value) else None


def _domain(results: Mapping, m: Mapping) -> tuple[float, float] | None:
    """The axis of a chart: the answer scale of a perception or an outcome, else the data's."""
    if m.get("type") == "outcome":
        found = next((o for o in results.get("outcomes") or [] if o.get("id") == m.get("id")), {})
        return (found["min"], found["max"]) if "min" in found and "max" in found else None
    if _metric(m) == "perception":
        scale = (results.get("instrument") or {}).get("scale") or {}
        return scale.get("min", 1), scale.get("max", 7)
    return None


def letters(segments: list[str]) -> dict[str, str]:
    """A, B, C, … for the segments in order (AA, AB, … after Z)."""
    abc = string.ascii_uppercase
    return {s: abc[i] if i < 26 else abc[i // 26 - 1] + abc[i % 26] for i, s in enumerate(segments)}


@dataclass
class _Measure:
    """One column of a units table: each unit's value, interval and the units it differs from."""

    header: str
    cells: dict[str, Cell]
    test: Cell | None = None  # the omnibus test of the means (Welch's ANOVA)


def _differs_text(differs: list[str], letter: Mapping[str, str], f: Fmt) -> str:
    """``≠ A, C`` (the letters of the units it differs from), or their number past 26 units."""
    if not differs:
        return ""
    if len(letter) <= 26:
        return f.t("comparisons.differs", letters=", ".join(sorted(letter[d] for d in differs)))
    return f.t("comparisons.differs_count", n=f.int(len(differs)))


def _cell(value: str, interval: str, differs: list[str], letter: Mapping[str, str], f: Fmt, neg: bool = False) -> Cell:
    mark = _differs_text(differs, letter, f)
    return Cell(value + (" " + mark if mark else ""), interval,
                "num" + (" flag" if differs else "") + (" neg" if neg and not differs else ""))


def _partners(m: Mapping) -> dict[str, list[str]]:
    """Unit -> the units it differs from significantly in measure ``m`` (corrected p < α)."""
    out: dict[str, list[str]] = {}
    for pair in m.get("pairs") or []:
        if pair.get("significant") is True:
            a, b = pair.get("segment_a"), pair.get("segment_b")
            out.setdefault(a, []).append(b)
            out.setdefault(b, []).append(a)
    return out


def _mean_measure(m: Mapping, letter: Mapping[str, str], f: Fmt) -> _Measure:
    signed = m.get("metric") in ("gap", "msa")
    partners = _partners(m)
    cells = {}
    for g in m.get("groups") or []:
        mean = g.get("mean")
        cells[g.get("segment")] = _cell(f.num(mean, signed=signed), f.interval(g, signed=signed),
                                        partners.get(g.get("segment"), []), letter, f,
                                        neg=signed and is_real(mean) and mean < 0)
    anova = m.get("anova")
    test = None
    if isinstance(anova, Mapping):
        test = Cell(f.num(anova.get("f")), f.p(anova.get("p")) + " · " + f.t("comparisons.omega",
                                                                              value=f.num(anova.get("omega_sq"))), "num")
    return _Measure(row_label(m, f), cells, test)


def _share_measure(kind: str, m: Mapping, letter: Mapping[str, str], f: Fmt) -> _Measure:
    partners = _partners(m)
    label = str(m.get("label") or m.get("id") or "")
    cells = {}
    for g in m.get("groups") or []:
        differs = partners.get(g.get("segment"), [])
        if kind == "top_box":
            cells[g.get("segment")] = _cell(f.pct(g.get("share")), f.pct_interval(g), differs, letter, f)
        else:
            cells[g.get("segment")] = _cell(f.num(g.get("nps"), signed=True, digits=0),
                                            f.interval(g, signed=True, digits=0), differs, letter, f)
    if kind == "top_box":
        header = f.t("comparisons.top_box_label", label=label, threshold=f.num(m.get("threshold"), digits=0))
    else:
        header = f.t("comparisons.nps_label", label=label)
    return _Measure(header, cells)


def _tables(results: Mapping, block: Mapping, col: Mapping, f: Fmt) -> list[tuple[str, Table]]:
    """The units as rows, the compared measures as columns: the dimensions and the overall
    score in one table, the outcomes (means, top-box shares, NPS) in another. A long list
    of units prints across pages under repeated headers."""
    segments = [str(s) for s in col.get("segments") or []]
    letter = letters(segments)
    means = [m for m in col.get("means") or [] if isinstance(m, Mapping)]
    scores = [m for m in means if m.get("type") != "outcome"]
    metric = f.t(f"metric.{_metric(scores[0])}") if scores else ""
    parts = [("comparisons.table_scores", [_mean_measure(m, letter, f) for m in scores]),
             ("comparisons.table_outcomes",
              [_mean_measure(m, letter, f) for m in means if m.get("type") == "outcome"]
              + [_share_measure(kind, m, letter, f) for kind in ("top_box", "nps")
                 for m in col.get(kind) or [] if isinstance(m, Mapping)])]
    seg_n = {str(k): v.get("n") for k, v in ((results.get("segments") or {}).get(col.get("column")) or {}).items()}
    out = []
    for title, measures in parts:
        if not measures:
            continue
        headers = [(f.column(col.get("column", "")), False), (f.t("comparisons.col_n"), True)]
        headers += [(m.header, True) for m in measures]
        table = Table(headers, cls="comparisons units")
        for s in segments:
            name = f.t("comparisons.unit_row", letter=letter[s], segment=s) if len(segments) <= 26 else s
            cells = [Cell(name, cls="label"), Cell(f.int(seg_n.get(s)), cls="num")]
            cells += [m.cells.get(s) or Cell(f.num(None), cls="num na") for m in measures]
            table.rows.append(Row(cells))
        if any(m.test is not None for m in measures):
            table.rows.append(Row([Cell(f.t("comparisons.col_anova"), cls="label"), Cell("", cls="num")]
                                  + [m.test or Cell("", cls="num") for m in measures], kind="test"))
        out.append((f.t(title, metric=metric), table))
    notes = out[-1][1].notes if out else []
    if len(segments) <= 26:
        notes.append(f.t("comparisons.note_letters", alpha=f.num(block.get("alpha"), digits=2)))
    else:
        notes.append(f.t("comparisons.note_count", alpha=f.num(block.get("alpha"), digits=2)))
    notes.append(f.t("comparisons.note_cells", level=f.level))
    excluded = sorted({str(s) for kind in ("means", "top_box", "nps") for m in col.get(kind) or []
                       for s in m.get("excluded") or []})
    min_n = f.int(block.get("min_n"))
    if excluded:
        notes.append(f.t("comparisons.excluded", min_n=min_n, segments=i18n.join_list(f.lang, excluded)))
    suppressed = [str(s) for s in col.get("suppressed") or []]
    if suppressed:
        notes.append(f.t("comparisons.suppressed", min_n=min_n, segments=i18n.join_list(f.lang, suppressed)))
    return out


def summary_sentences(results: Mapping, lang: str) -> list[str]:
    """For the executive summary: the largest significant difference between segments, or
    that none is significant after correction (nothing without compared segments)."""
    block = results.get("comparisons")
    if not isinstance(block, Mapping):
        return []
    compared = [c for c in block.get("columns") or [] if isinstance(c, Mapping) and c.get("compared")]
    if not compared:
        return []
    f = Fmt(lang, block.get("confidence", 0.95), (results.get("options") or {}).get("labels"))
    found = [h for h in block.get("highlights") or [] if isinstance(h, Mapping)]
    if not found:
        return [f.t("comparisons.summary_none")]
    col = next((c for c in compared if c.get("column") == found[0].get("column")), compared[0])
    return [i18n.tn(lang, "comparisons.summary", len(found), sentence=sentence(results, block, col, found[0], f))]
