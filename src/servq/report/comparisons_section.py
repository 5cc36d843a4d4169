"""The report's "Segment comparisons" section, from the results' ``comparisons`` block.

Per ``by`` column: the method in one paragraph; the significant differences in plain
sentences, largest effect first (or a note that none is significant after correction);
segment means per dimension with their intervals as bars; and one table of measures ×
segments whose cells are marked with the letters of the segments they differ from
significantly — only those: a pair is marked if and only if its corrected p is below α.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
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
    title = f.t("comparisons.by", column=column)
    min_n = block.get("min_n")
    content: list[tuple[str, Any]] = []
    suppressed = [str(s) for s in col.get("suppressed") or []]
    if not col.get("compared"):
        content.append(("p", f.t("comparisons.not_compared", column=column, min_n=f.int(min_n))))
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
        content.append(("callout", Callout("ok", [f.t("comparisons.none_significant", column=column)])))
    figure = _chart(results, col, f)
    if figure is not None:
        content.append(("figure", figure))
    content.append(("table", _table(results, block, col, f)))
    return {"title": title, "cls": "subsection", "content": content}


def _chart(results: Mapping, col: Mapping, f: Fmt) -> Figure | None:
    """Each segment's mean with its interval, grouped by dimension (and the overall score)."""
    shown = [m for m in col.get("means") or [] if m.get("type") != "outcome" and m.get("groups")]
    if not shown:
        return None
    metric = next((m.get("metric") for m in shown if m.get("type") == "dimension"), shown[0].get("metric"))
    shown = [m for m in shown if m.get("metric") == metric]
    groups = [charts.Group(row_label(m, f), [charts.Bar(str(g["segment"]), g.get("mean"), g.get("ci_low"),
                                                                    g.get("ci_high")) for g in m["groups"]])
              for m in shown]
    caption = f.t("comparisons.chart", metric=f.t(f"metric.{metric}"), column=str(col.get("column", "")),
                  level=f.level)
    if metric == "perception":
        scale = (results.get("instrument") or {}).get("scale") or {}
        svg = charts.bar_chart(groups, title=caption, fmt=f.num, domain=(scale.get("min", 1), scale.get("max", 7)),
                               diverging=False, axis_label=f.t("chart.axis_scale", low=scale.get("min", 1),
                                                                high=scale.get("max", 7)))
    else:
        legend = ((f.t("chart.legend_short"), f.t("chart.legend_meets")) if metric == "gap"
                  else (f.t("chart.legend_msa_short"), f.t("chart.legend_msa_meets")))
        svg = charts.bar_chart(groups, title=caption, fmt=partial(f.num, signed=True), legend=legend,
                               axis_label=f.t(f"chart.axis_{metric}"))
    return Figure(caption, svg)


def letters(segments: list[str]) -> dict[str, str]:
    """A, B, C, … for the segments in order (AA, AB, … after Z)."""
    abc = string.ascii_uppercase
    return {s: abc[i] if i < 26 else abc[i // 26 - 1] + abc[i % 26] for i, s in enumerate(segments)}


def marks(m: Mapping, letter: Mapping[str, str]) -> dict[str, list[str]]:
    """Segment -> letters of the segments it differs from significantly in measure ``m``."""
    out: dict[str, list[str]] = {}
    for pair in m.get("pairs") or []:
        if pair.get("significant") is True:
            a, b = pair.get("segment_a"), pair.get("segment_b")
            out.setdefault(a, []).append(letter.get(b, "?"))
            out.setdefault(b, []).append(letter.get(a, "?"))
    return {s: sorted(v) for s, v in out.items()}


def _value_cell(value: str, n: int | None, interval: str, differs: list[str], f: Fmt, neg: bool = False) -> Cell:
    text = value + (" " + f.t("comparisons.differs", letters=", ".join(differs)) if differs else "")
    sub = f.t("format.n_equals", n=f.int(n)) + (" · " + interval if interval else "")
    return Cell(text, sub, "num" + (" flag" if differs else "") + (" neg" if neg and not differs else ""))


def _table(results: Mapping, block: Mapping, col: Mapping, f: Fmt) -> Table:
    segments = [str(s) for s in col.get("segments") or []]
    letter = letters(segments)
    seg_n = {str(k): v.get("n") for k, v in ((results.get("segments") or {}).get(col.get("column")) or {}).items()}
    headers = [(f.t("col.measure"), False)]
    headers += [(f.t("comparisons.segment_header", letter=letter[s], segment=s, n=f.int(seg_n.get(s))), True)
                for s in segments]
    headers.append((f.t("comparisons.col_anova"), True))
    width = len(headers)
    table = Table(headers, cls="comparisons")

    def group(key: str, **kw: object) -> None:
        table.rows.append(Row([Cell(f.t(key, **kw), span=width)], kind="group"))

    def blank() -> Cell:
        return Cell(f.num(None), cls="num na")

    rows = [m for m in col.get("means") or [] if isinstance(m, Mapping)]
    for kind in ("dimension", "overall", "outcome"):
        chosen = [m for m in rows if (m.get("type") in ("servqual", "servperf")) == (kind == "overall")
                  and (kind == "overall" or m.get("type") == kind)]
        if not chosen:
            continue
        group(f"comparisons.rows.{kind}", metric=f.t(f"metric.{_metric(chosen[0])}"))
        for m in chosen:
            signed = m.get("metric") in ("gap", "msa")
            by_seg = {g.get("segment"): g for g in m.get("groups") or []}
            mark = marks(m, letter)
            cells = [Cell(row_label(m, f), cls="label")]
            for s in segments:
                g = by_seg.get(s)
                if g is None:
                    cells.append(blank())
                    continue
                mean = g.get("mean")
                cells.append(_value_cell(f.num(mean, signed=signed), g.get("n"), f.interval(g, signed=signed),
                                         mark.get(s, []), f, neg=signed and is_real(mean) and mean < 0))
            anova = m.get("anova")
            if isinstance(anova, Mapping):
                sub = f.p(anova.get("p")) + " · " + f.t("comparisons.omega", value=f.num(anova.get("omega_sq")))
                cells.append(Cell(f.num(anova.get("f")), sub, "num"))
            else:
                cells.append(blank())
            table.rows.append(Row(cells))
    for kind in ("top_box", "nps"):
        entries = [m for m in col.get(kind) or [] if isinstance(m, Mapping)]
        if not entries:
            continue
        group(f"comparisons.rows.{kind}")
        for m in entries:
            by_seg = {g.get("segment"): g for g in m.get("groups") or []}
            mark = marks(m, letter)
            label = str(m.get("label") or m.get("id") or "")
            if kind == "top_box":
                label = f.t("comparisons.top_box_label", label=label, threshold=f.num(m.get("threshold"), digits=0))
            cells = [Cell(label, cls="label")]
            for s in segments:
                g = by_seg.get(s)
                if g is None:
                    cells.append(blank())
                elif kind == "top_box":
                    cells.append(_value_cell(f.pct(g.get("share")), g.get("n"), f.pct_interval(g), mark.get(s, []), f))
                else:
                    cells.append(_value_cell(f.num(g.get("nps"), signed=True, digits=0), g.get("n"),
                                             f.interval(g, signed=True, digits=0), mark.get(s, []), f))
            cells.append(blank())
            table.rows.append(Row(cells))
    table.notes.append(f.t("comparisons.note_letters", alpha=f.num(block.get("alpha"), digits=2)))
    table.notes.append(f.t("comparisons.note_cells", level=f.level))
    excluded = sorted({str(s) for kind in ("means", "top_box", "nps") for m in col.get(kind) or []
                       for s in m.get("excluded") or []})
    min_n = f.int(block.get("min_n"))
    if excluded:
        table.notes.append(f.t("comparisons.excluded", min_n=min_n, segments=i18n.join_list(f.lang, excluded)))
    suppressed = [str(s) for s in col.get("suppressed") or []]
    if suppressed:
        table.notes.append(f.t("comparisons.suppressed", min_n=min_n, segments=i18n.join_list(f.lang, suppressed)))
    return table


def summary_sentences(results: Mapping, lang: str) -> list[str]:
    """For the executive summary: the largest significant difference between segments, or
    that none is significant after correction (nothing without compared segments)."""
    block = results.get("comparisons")
    if not isinstance(block, Mapping):
        return []
    compared = [c for c in block.get("columns") or [] if isinstance(c, Mapping) and c.get("compared")]
    if not compared:
        return []
    f = Fmt(lang, block.get("confidence", 0.95))
    found = [h for h in block.get("highlights") or [] if isinstance(h, Mapping)]
    if not found:
        return [f.t("comparisons.summary_none")]
    col = next((c for c in compared if c.get("column") == found[0].get("column")), compared[0])
    return [i18n.tn(lang, "comparisons.summary", len(found), sentence=sentence(results, block, col, found[0], f))]
