"""The index as plain text for the terminal: the hierarchy as an indented table
(criterion, local and global weight, score, grade) and the overall index."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping


def _width(text: str) -> int:
    """Columns a terminal uses for ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _clip(text: str, width: int = 64) -> str:
    """``text`` cut to ``width`` terminal columns, ending in … when cut."""
    if _width(text) <= width:
        return text
    out = ""
    for ch in text:
        if _width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def hierarchy_lines(result: Mapping) -> list[str]:
    """Lines of the indented table and the overall index of an ``IndexResult.to_dict()``.

    >>> res = {"system": {"name": "Demo", "id": "demo"}, "source": {"file": "d.csv", "rows": 10},
    ...        "options": {"operator": "weighted_average"},
    ...        "grades": [{"id": "good", "label": "Good"}, {"id": "poor", "label": "Poor"}],
    ...        "overall": {"score": 70.0, "grade": "good", "grade_label": "Good",
    ...                    "membership": [0.6, 0.4]},
    ...        "criteria": [{"label": "All", "depth": 0, "column": None, "weight": 1.0,
    ...                      "global_weight": 1.0, "score": 70.0, "grade": "good"},
    ...                     {"label": "Staff", "depth": 1, "column": "Q1", "weight": 1.0,
    ...                      "global_weight": 1.0, "score": 70.0, "grade": "good"}]}
    >>> print("\\n".join(hierarchy_lines(res)))
    Demo (demo): d.csv, 10 rows, operator weighted_average
    criterion     weight  global  score  grade
    All            1.000   1.000  70.00  Good
      Staff [Q1]   1.000   1.000  70.00  Good
    Overall index: 70.00, grade Good (membership: Good 0.600, Poor 0.400)
    """
    labels = {g["id"]: g["label"] for g in result["grades"]}
    names = [_clip(("  " * c["depth"]) + c["label"]) + (f" [{c['column']}]" if c.get("column") else "")
             for c in result["criteria"]]
    w = max(_width(n) for n in names + ["criterion"])
    src, opt, sys = result["source"], result["options"], result["system"]
    lines = [f"{sys['name']} ({sys['id']}): {src['file']}, {src['rows']} rows, "
             f"operator {opt['operator']}",
             f"{_pad('criterion', w)}  weight  global  score  grade"]
    for name, c in zip(names, result["criteria"]):
        lines.append(f"{_pad(name, w)}  {c['weight']:6.3f}  {c['global_weight']:6.3f}  "
                     f"{c['score']:5.2f}  {labels[c['grade']]}")
    o = result["overall"]
    shares = ", ".join(f"{g['label']} {b:.3f}" for g, b in zip(result["grades"], o["membership"]))
    lines.append(f"Overall index: {o['score']:.2f}, grade {o['grade_label']} "
                 f"(membership: {shares})")
    return lines


def segment_lines(result: Mapping) -> list[str]:
    """One line per segment of the ``by`` column: n and the overall index, or why not."""
    seg = result.get("segments")
    if not seg:
        return []
    min_n = result["options"]["min_n"]
    width = max([_width(str(g["value"])) for g in seg["groups"]] + [_width(seg["by"])])
    lines = [f"By {seg['by']}:"]
    for g in seg["groups"]:
        if g["suppressed"]:
            why = (f"fewer than {min_n} rows, not shown" if g["reason"] == "min_n"
                   else f"not evaluated: column {g['reason'].split(':', 1)[1]} has no answers")
            lines.append(f"  {_pad(str(g['value']), width)}  n={g['n']:<6} {why}")
        else:
            o = g["overall"]
            lines.append(f"  {_pad(str(g['value']), width)}  n={g['n']:<6} "
                         f"{o['score']:6.2f}  {o['grade_label']}")
    if seg.get("unknown"):
        lines.append(f"  ({seg['unknown']} rows without a {seg['by']} value are in the overall "
                     f"index only)")
    return lines
