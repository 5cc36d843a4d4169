"""The results of :func:`servq.analyze`: one object every front end reads the same way.

A :class:`Results` is made once, when every block is computed, and cannot be changed
afterwards: its ``data`` is a read-only view (dicts and lists that refuse changes, but
are still ``dict`` and ``list`` for JSON and schema checks). A front end that adds a
block (a scorecard, a complaints register) makes a new Results with :meth:`Results.with_blocks`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from ..stats.moments import CrossMoments, Moments

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

    data: Mapping[str, Any]
    moments: Moments | None = field(default=None, repr=False, compare=False)
    cross: CrossMoments | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", frozen(self.data))  # read-only from here on

    def to_dict(self) -> dict:
        """The results as plain (changeable) dicts and lists: the JSON contract."""
        return copy.deepcopy(dict(self.data))

    def with_blocks(self, **blocks: Any) -> Results:
        """New Results with these top-level blocks set (replaced or added); ``notes``
        given here are added to the existing ones.

        >>> r = Results({"notes": ["a"], "scorecard": None})
        >>> r2 = r.with_blocks(scorecard={"measures": []}, notes=["b"])
        >>> r2.data["notes"], r.data["scorecard"] is None
        (['a', 'b'], True)
        """
        data = dict(self.data)
        if "notes" in blocks:
            blocks["notes"] = [*data.get("notes", []), *blocks["notes"]]
        data.update(blocks)
        return Results(data, self.moments, self.cross)

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

    def differences(self, other: Results | Mapping, tol: float = 1e-9,
                    skip: tuple[str, ...] = ("generated_at",)) -> list[tuple[tuple, Any, Any]]:
        """Every figure in which these results and ``other`` differ: (path, mine, theirs),
        numbers compared to ``tol`` (relative and absolute), other values exactly; the
        top-level keys in ``skip`` are left out. Empty when they agree — e.g. the local and
        the Spark engine on the same rows.

        >>> a = Results({"n": 3, "m": {"mean": 1.0}, "generated_at": "x"})
        >>> a.differences({"n": 3, "m": {"mean": 1.0 + 1e-12}, "generated_at": "y"})
        []
        >>> a.differences({"n": 4, "m": {"mean": 2.0}})
        [(('n',), 3, 4), (('m', 'mean'), 1.0, 2.0)]
        """
        mine = dict(_figures(self.data, skip))
        theirs = dict(_figures(other.data if isinstance(other, Results) else other, skip))
        out = [(path, value, theirs.get(path, _MISSING)) for path, value in mine.items()
               if not _same(value, theirs.get(path, _MISSING), tol)]
        return out + [(path, _MISSING, value) for path, value in theirs.items() if path not in mine]

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


_MISSING = "<missing>"


def _figures(value: Any, skip: tuple[str, ...] = (), path: tuple = ()):
    """(path, value) of every scalar in nested dicts and lists."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not (path == () and k in skip):
                yield from _figures(v, skip, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _figures(v, skip, (*path, i))
    else:
        yield path, value


def _same(a: Any, b: Any, tol: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=tol, abs_tol=tol) or (math.isnan(a) and math.isnan(b))
    return a == b


def _collect(rows: list[dict], column, value, block: Mapping) -> None:
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


class ReadOnlyDict(dict):
    """A dict that refuses changes (a block of :class:`Results`); copies are plain dicts.

    >>> d = ReadOnlyDict(a=1)
    >>> d["a"] = 2
    Traceback (most recent call last):
    ...
    TypeError: results are read-only: use Results.to_dict() for a copy to change
    """

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("results are read-only: use Results.to_dict() for a copy to change")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __deepcopy__(self, memo: dict) -> dict:
        return {k: copy.deepcopy(v, memo) for k, v in self.items()}

    def __copy__(self) -> dict:
        return dict(self)

    def __reduce__(self):
        return dict, (dict(self),)


class ReadOnlyList(list):
    """A list that refuses changes (inside :class:`Results`); copies are plain lists."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("results are read-only: use Results.to_dict() for a copy to change")

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = clear = extend = insert = pop = remove = reverse = sort = _refuse

    def __deepcopy__(self, memo: dict) -> list:
        return [copy.deepcopy(v, memo) for v in self]

    def __copy__(self) -> list:
        return list(self)

    def __reduce__(self):
        return list, (list(self),)


def frozen(value: Any) -> Any:
    """``value`` with every dict and list in it made read-only (others kept as they are)."""
    if isinstance(value, (ReadOnlyDict, ReadOnlyList)):
        return value
    if isinstance(value, Mapping):
        return ReadOnlyDict({k: frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return ReadOnlyList(frozen(v) for v in value)
    return value
