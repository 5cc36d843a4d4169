"""The report's "Kano features" section: which service features customers take for granted,
which please them more the better they are, which delight, and which leave them cold.

From the results' ``kano`` block (:mod:`servq.measures.kano`):

1. one sentence per feature by its category, with Better and Worse, must-be features first;
2. the Better–Worse diagram (x = |Worse|, y = Better, crosshair at 0.5: attractive top left,
   one-dimensional top right, indifferent bottom left, must-be bottom right) and its table;
3. the category table: counts and shares of A, O, M, I, R, Q, the category and the tie rule;
4. per segment column, the category of every feature in every segment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servq.report import charts, i18n
from servq.report.access import is_real
from servq.report.blocks import Cell, Figure, Fmt, Row, Table

CATEGORIES = ("A", "O", "M", "I", "R", "Q")
ORDER = ("M", "O", "A", "I", "R", "Q")  # sentences: must-be first, as the tie rule ranks them
CROSS = 0.5  # Better and |Worse| above one half: the feature moves satisfaction
# Better–Worse quadrants: top-left, top-right, bottom-left, bottom-right
QUADRANTS = ("A", "O", "I", "M")
COLOURS = {"A": "#1e7145", "O": "#2a6496", "I": "#616e7c", "M": "#b42318"}


def kano_section(results: Mapping, f: Fmt) -> dict | None:
    """Sentences, Better–Worse diagram, category table and segment tables; None when the
    results have no Kano features."""
    block = results.get("kano")
    if not isinstance(block, Mapping):
        return None
    features = [x for x in block.get("features") or [] if isinstance(x, Mapping)]
    if not features:
        return None
    groups = [_sentences(features, f), _diagram(features, f), _categories(features, f)]
    groups += _segments(block, features, results, f)
    return {"intro": f.t("kano.intro"), "groups": groups}


def _group(title: str, content: list[tuple[str, Any]], cls: str = "subsection") -> dict:
    return {"title": title, "cls": cls, "content": content}


def _feature_headers(f: Fmt) -> list[tuple[str, bool]]:
    return [(f.t("kano.col.feature"), False)] + f.headers("col.n")


def category_name(f: Fmt, key: object) -> str:
    return f.t(f"kano.category.{key}") if key in CATEGORIES else f.num(None)


def quadrant(better: float | None, worse: float | None) -> str:
    """The Better–Worse quadrant of a feature (A, O, I or M); '' when undefined."""
    if not (is_real(better) and is_real(worse)):
        return ""
    return ("O" if abs(worse) >= CROSS else "A") if better >= CROSS else ("M" if abs(worse) >= CROSS else "I")


# --------------------------------------------------------------------------- sentences


def kano_sentence(feature: Mapping, f: Fmt) -> str:
    """One feature in plain words, by its category; a tie names the tied categories."""
    category = feature.get("category")
    key = category if category in CATEGORIES else "none"
    text = f.t(f"kano.sentence.{key}", label=str(feature.get("label") or feature.get("id", "")),
               better=f.num(feature.get("better")), worse=f.num(feature.get("worse"), signed=True),
               n=f.int(feature.get("n")))
    tied = [c for c in feature.get("tied") or [] if c in CATEGORIES]
    if feature.get("tie") and len(tied) > 1:
        names = i18n.join_list(f.lang, [category_name(f, c) for c in tied])
        text += " " + f.t("kano.sentence.tie", categories=names, category=category_name(f, category))
    return text


def _sentences(features: list[Mapping], f: Fmt) -> dict:
    def rank(x: Mapping) -> tuple:
        c = x.get("category")
        strength = sum(abs(v) for v in (x.get("better"), x.get("worse")) if is_real(v))
        return (ORDER.index(c) if c in ORDER else len(ORDER), -strength)

    lines = [kano_sentence(x, f) for x in sorted(features, key=rank)]
    return _group(f.t("kano.list_title"), [("p", f.t("kano.list_intro")), ("ol", lines)])


# --------------------------------------------------------------------------- Better–Worse


def _diagram(features: list[Mapping], f: Fmt) -> dict:
    caption = f.t("kano.chart")
    points = [charts.IpaPoint(str(x.get("label") or x.get("id", "")),
                              abs(x["worse"]) if is_real(x.get("worse")) else None, x.get("better"),
                              quadrant(x.get("better"), x.get("worse")))
              for x in features]
    svg = charts.ipa_scatter(
        points, title=caption, x_cross=CROSS, y_cross=CROSS,
        quadrant_labels={k: category_name(f, k) for k in QUADRANTS},
        x_label=f.t("kano.axis_worse"), y_label=f.t("kano.axis_better"),
        x_fmt=f.num, y_fmt=f.num, quadrants=QUADRANTS, colours=COLOURS,
    )
    table = Table(_feature_headers(f) + [(f.t("kano.col.better"), True), (f.t("kano.col.worse"), True),
                                                       (f.t("kano.col.quadrant"), False)],
                  notes=[f.t("kano.coefficients_note", cross=f.num(CROSS, digits=1))])
    for x in features:
        q = quadrant(x.get("better"), x.get("worse"))
        table.rows.append(Row(f.label_cells(str(x.get("label") or x.get("id", "")), x.get("n"))
                              + [f.num_cell(x.get("better")), f.num_cell(x.get("worse"), signed=True),
                                 Cell(category_name(f, q) if q else f.num(None), cls=f"kano-cat {q}".strip())]))
    content = [("p", f.t("kano.chart_intro", cross=f.num(CROSS, digits=1))), ("figure", Figure(caption, svg)),
               ("table", table)]
    return _group(f.t("kano.chart_title"), content)


# --------------------------------------------------------------------------- categories


def _category_cell(f: Fmt, feature: Mapping) -> Cell:
    category = feature.get("category")
    text = category_name(f, category)
    if feature.get("tie"):
        text += f.t("kano.tie_mark")
    return Cell(text, cls=f"kano-cat {category}" if category in CATEGORIES else "kano-cat")


def _categories(features: list[Mapping], f: Fmt) -> dict:
    headers = _feature_headers(f) + [(f"{category_name(f, c)} ({c})", True) for c in CATEGORIES]
    headers += [(f.t("kano.col.category"), False)]
    excluded = sum(int(x.get("excluded") or 0) for x in features)
    notes = [f.t("kano.table_note"), f.t("kano.tie_note")]
    if excluded:
        notes.append(f.t("kano.excluded_note", n=f.int(excluded)))
    table = Table(headers, notes=notes)
    for x in features:
        counts, shares = x.get("counts") or {}, x.get("shares") or {}
        cells = [Cell(f.int(counts.get(c)), f.pct(shares.get(c)), "num") for c in CATEGORIES]
        table.rows.append(Row(f.label_cells(str(x.get("label") or x.get("id", "")), x.get("n")) + cells
                              + [_category_cell(f, x)]))
    return _group(f.t("kano.table_title"), [("p", f.t("kano.table_intro")), ("table", table)])


# --------------------------------------------------------------------------- segments


def _segments(block: Mapping, features: list[Mapping], results: Mapping, f: Fmt) -> list[dict]:
    min_n = (results.get("options") or {}).get("min_n", 1)
    labels = {x.get("id"): str(x.get("label") or x.get("id", "")) for x in features}
    groups = []
    for column, segments in (block.get("segments") or {}).items():
        if not isinstance(segments, Mapping) or not segments:
            continue
        table = Table(f.headers("col.segment", "col.n") + [(labels[x.get("id")], False) for x in features],
                      notes=[f.t("kano.segments_note")], cls="segments")
        for name, seg in segments.items():
            if seg.get("suppressed"):
                note = Cell(f.t("segments.suppressed", min_n=min_n), cls="suppressed-note", span=len(features))
                table.rows.append(Row(f.label_cells(str(name), seg.get("n")) + [note], kind="suppressed"))
                continue
            by_id = {x.get("id"): x for x in seg.get("features") or []}
            cells = []
            for x in features:
                sx = by_id.get(x.get("id")) or {}
                cell = _category_cell(f, sx)
                if is_real(sx.get("better")) and is_real(sx.get("worse")):
                    cell.sub = f.t("kano.segment_cell", better=f.num(sx["better"]),
                                   worse=f.num(sx["worse"], signed=True))
                cells.append(cell)
            table.rows.append(Row(f.label_cells(str(name), seg.get("n")) + cells))
        groups.append(_group(f.t("kano.segments_title", column=f.column(column)),
                             [("p", f.t("kano.segments_intro", min_n=f.int(min_n))), ("table", table)]))
    return groups

