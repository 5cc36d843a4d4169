"""The results of :func:`servq.analyze`: one object every front end reads the same way."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .stats.moments import CrossMoments, Moments

if TYPE_CHECKING:
    import pandas as pd

STAT_COLUMNS = ["mean", "sd", "n", "ci_low", "ci_high"]


@dataclass(frozen=True)
class Results:
    """Analysis results.

    ``to_dict()`` gives the JSON contract (``report/results.schema.json``);
    ``to_frame()`` a tidy table with one row per figure. ``moments`` keeps the overall
    sufficient statistics of every score, ``cross`` those of the perception items
    (pairwise and listwise covariances) for further analysis.
    """

    data: dict
    moments: Moments | None = field(default=None, repr=False, compare=False)
    cross: CrossMoments | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        return copy.deepcopy(self.data)

    @property
    def n_respondents(self) -> int:
        return self.data["n_respondents"]

    @property
    def dimensions(self) -> list[dict]:
        return self.data["dimensions"]

    @property
    def items(self) -> list[dict]:
        return self.data["items"]

    @property
    def servqual(self) -> dict:
        return self.data["servqual"]

    @property
    def segments(self) -> dict:
        return self.data["segments"]

    def dimension(self, dim_id: str) -> dict:
        for d in self.data["dimensions"]:
            if d["id"] == dim_id:
                return d
        raise KeyError(dim_id)

    def item(self, item_id: int) -> dict:
        for it in self.data["items"]:
            if it["id"] == item_id:
                return it
        raise KeyError(item_id)

    def to_frame(self) -> pd.DataFrame:
        """Every figure as a row.

        Columns: ``segment_column`` and ``segment`` (None for all respondents),
        ``level`` (dimension, item, servqual, servperf, outcome, nps), ``id``,
        ``measure`` (expectation, perception, gap, ..., zone_below, ...), and
        mean, sd, n, ci_low, ci_high (for shares ``mean`` is the share and sd is empty).
        """
        import pandas as pd

        rows: list[dict] = []
        _collect(rows, None, None, self.data)
        for column, levels in self.data["segments"].items():
            for value, seg in levels.items():
                if not seg["suppressed"]:
                    _collect(rows, column, value, seg)
        cols = ["segment_column", "segment", "level", "id", "measure", *STAT_COLUMNS]
        return pd.DataFrame(rows, columns=cols)


def _collect(rows: list[dict], column, value, block: dict) -> None:
    def add(level, ident, measure, stat):
        if stat is None:
            return
        if "share" in stat:
            stat = {"mean": stat["share"], "sd": None, "n": stat["n"], "ci_low": stat["ci_low"], "ci_high": stat["ci_high"]}
        rows.append({"segment_column": column, "segment": value, "level": level, "id": ident, "measure": measure,
                     **{k: stat[k] for k in STAT_COLUMNS}})

    for level, entries in (("dimension", block.get("dimensions", [])), ("item", block.get("items", []))):
        for e in entries:
            for measure, stat in e.items():
                if isinstance(stat, dict) and measure == "zone":
                    for which in ("below", "within", "above", "inverted"):
                        add(level, e["id"], f"zone_{which}", stat[which])
                elif isinstance(stat, dict):
                    add(level, e["id"], measure, stat)
    for kind in ("unweighted", "weighted"):
        add("servqual", kind, "gap", (block.get("servqual") or {}).get(kind))
    add("servperf", "servperf", "perception", block.get("servperf"))
    for o in block.get("outcomes", []):
        add("outcome", o["id"], "score", o["score"])
        if "nps" in o:
            nps = o["nps"]
            add("nps", o["id"], "nps", {"mean": nps["nps"], "sd": None, "n": nps["n"], "ci_low": nps["ci_low"],
                                       "ci_high": nps["ci_high"]})
            for which in ("promoters", "passives", "detractors"):
                add("nps", o["id"], which, nps[which])
        if "top_box" in o:
            add("outcome", o["id"], "top_box", o["top_box"])
