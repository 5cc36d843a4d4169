"""What an analysis accumulates over the rows, mergeable in any order and storable.

A :class:`Sums` holds the sufficient statistics of every figure servq reports (counts,
sums and sums of squares per variable and segment; cross-products of the items for the
psychometric models and of the drivers; each item's products with its dimension score for
the item–total correlations; Kano answer-pair counts) and what is needed to
read them: the segments, numbered from 1 (group 0 is every respondent), and the
validation's counts. :func:`merge` adds two Sums made from disjoint rows — of two files,
two partitions of a cluster, two months of a dashboard — matching their segments by
name and value, so it is associative and commutative: any split of the rows and any
order of merging give the same figures (to rounding, 1e-12).

:meth:`Sums.to_bytes` / :meth:`Sums.from_bytes` (an Arrow IPC stream of
:meth:`Sums.to_arrow`'s record batch, versioned by :data:`FORMAT_VERSION`) carry Sums
between processes or store them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import astuple, dataclass, field, replace

import numpy as np
import pyarrow as pa

from ..errors import UsageError
from ..measures.kano import KanoCounts
from ..stats.moments import CrossMoments, Moments, PairedMoments
from ..stats.polychoric import OrdinalTables

FORMAT_VERSION = 3  # 2: the bootstrap's replicate sums instead of the driver rows; 3: item-total sums
_MOMENTS = ("n", "s", "ss")
_CROSS = ("n", "s", "s2", "q", "n_complete", "s_complete", "q_complete")
_PAIRED = ("n", "sx", "sxx", "sy", "syy", "sxy")

Group = tuple[str, str]  # (segment column, value)


@dataclass(frozen=True)
class Counts:
    """What the validation counted: respondents, answer cells, blank and don't-know cells;
    and whether any item answer lies at the scale's lowest and highest point (counted as
    0 or more, so they add; 0 and 0 when not counted, as by the web's tallies)."""

    rows: int = 0
    cells: int = 0
    blank: int = 0
    dont_know: int = 0
    low_end: int = 0
    high_end: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(astuple(self), astuple(other))))


@dataclass(frozen=True)
class Sums:
    """The accumulated statistics of some rows (see the module's description).

    Parameters
    ----------
    items : Moments
        Moments of the item-level variables over all respondents (one group).
    floats : Moments
        Moments of the other variables: group 0 every respondent, group g the segment
        ``groups[g - 1]``.
    groups : tuple of (str, str)
        The segments seen, as (segment column, value), numbered from 1.
    counts : Counts
        Respondents and answer cells (blank, don't know) validated.
    unknown : mapping of str to int
        Respondents with no value in each segment column.
    cross : mapping of int or None to CrossMoments
        Second-order statistics of the assessed items: key None every respondent, else
        the group number of a segment of the invariance column.
    drivers : mapping of str to CrossMoments
        Per outcome, the cross-products of the outcome and the dimension scores.
    boot : mapping of str to ndarray
        Per outcome, with the bootstrap: each replicate's Poisson-weighted sums of the
        driver variables (:func:`servq.stats.bootstrap.replicate_sums`), replicates x sums.
    kano : KanoCounts, optional
        Kano answer-pair counts per group.
    totals : PairedMoments, optional
        Each assessed item paired with its dimension score (the respondent's mean over the
        dimension's answered items), over every respondent who answered the item: the
        item–total correlation ``raw_r`` of ``psych::alpha``.
    ordinal : mapping of int or None to OrdinalTables
        With ``ordinal=True``: the assessed items' contingency tables (reverse-keyed items
        reversed), for polychoric correlations; keyed as ``cross``. Kept in memory only:
        :meth:`to_arrow` refuses Sums that hold them.
    """

    items: Moments
    floats: Moments
    groups: tuple[Group, ...] = ()
    counts: Counts = Counts()
    unknown: Mapping[str, int] = field(default_factory=dict)
    cross: Mapping[int | None, CrossMoments] = field(default_factory=dict)
    drivers: Mapping[str, CrossMoments] = field(default_factory=dict)
    boot: Mapping[str, np.ndarray] = field(default_factory=dict)
    kano: KanoCounts | None = None
    totals: PairedMoments | None = None
    ordinal: Mapping[int | None, OrdinalTables] = field(default_factory=dict)

    @property
    def n_groups(self) -> int:
        """Groups including group 0 (every respondent)."""
        return len(self.groups) + 1

    def __add__(self, other: Sums) -> Sums:
        return merge(self, other)

    # -- arrays, for storing and for summing many Sums of one shape at once ------------
    def arrays(self, shifts: bool = True) -> dict[str, np.ndarray]:
        """Every array of the statistics by a stable name (``floats.n``, ``cross.all.q``,
        ``drivers.<outcome>.s``, ``totals.sxy``, ``kano.counts``, ...); without ``shifts`` only the
        summable ones (the shifts are constants of the instrument)."""
        out: dict[str, np.ndarray] = {}
        for name in ("items", "floats"):
            m = getattr(self, name)
            out.update({f"{name}.{f}": getattr(m, f) for f in _MOMENTS})
            if shifts:
                out[f"{name}.shift"] = m.shift
        labelled = [(f"cross.{_key_text(k)}", self.cross[k]) for k in sorted(self.cross, key=_key_order)]
        labelled += [(f"drivers.{k}", self.drivers[k]) for k in sorted(self.drivers)]
        for label, cm in labelled:
            out.update({f"{label}.{f}": np.asarray(getattr(cm, f), dtype=np.float64) for f in _CROSS})
            if shifts:
                out[f"{label}.shift"] = cm.shift
        out.update({f"boot.{outcome}": self.boot[outcome] for outcome in sorted(self.boot)})
        if self.kano is not None:
            out["kano.counts"] = self.kano.counts
        if self.totals is not None:
            out.update({f"totals.{f}": getattr(self.totals, f) for f in _PAIRED})
            if shifts:
                out.update({"totals.shift_x": self.totals.shift_x, "totals.shift_y": self.totals.shift_y})
        return out

    def with_arrays(self, arrays: Mapping[str, np.ndarray]) -> Sums:
        """The same Sums with the arrays named as by :meth:`arrays` replaced (e.g. by
        sums of many Sums of this shape); names not given keep their value."""
        def get(name: str, default):
            return arrays.get(name, default)

        def moments(name: str, m: Moments) -> Moments:
            return Moments(get(f"{name}.n", m.n), get(f"{name}.s", m.s), get(f"{name}.ss", m.ss),
                           get(f"{name}.shift", m.shift))

        def cross(label: str, cm: CrossMoments) -> CrossMoments:
            return _cross({f: get(f"{label}.{f}", getattr(cm, f)) for f in (*_CROSS, "shift")})

        kano = self.kano
        if kano is not None and "kano.counts" in arrays:
            kano = KanoCounts(np.asarray(arrays["kano.counts"]).astype(np.int64))
        totals = self.totals
        if totals is not None:
            totals = _paired({f: get(f"totals.{f}", getattr(totals, f)) for f in (*_PAIRED, "shift_x", "shift_y")})
        return replace(
            self, items=moments("items", self.items), floats=moments("floats", self.floats),
            cross={k: cross(f"cross.{'all' if k is None else k}", v) for k, v in self.cross.items()},
            drivers={k: cross(f"drivers.{k}", v) for k, v in self.drivers.items()},
            boot={k: arrays.get(f"boot.{k}", v) for k, v in self.boot.items()}, kano=kano, totals=totals)

    # -- storing ---------------------------------------------------------------------
    def to_arrow(self) -> pa.RecordBatch:
        """One row per array (``name``, ``shape``, ``values`` as float64); the segments,
        counts and format version in the schema's metadata."""
        if self.ordinal:
            raise ValueError("Sums with ordinal tables are not serialised (the local engine keeps them in memory)")
        arrays = self.arrays()
        meta = {"servq_sums_version": str(FORMAT_VERSION),
                "groups": json.dumps([list(g) for g in self.groups], ensure_ascii=False),
                "counts": json.dumps(astuple(self.counts)),
                "unknown": json.dumps(dict(self.unknown), ensure_ascii=False),
                "structure": json.dumps({"cross": [_key_text(k) for k in self.cross], "drivers": list(self.drivers),
                                         "boot": list(self.boot), "kano": self.kano is not None,
                                         "totals": self.totals is not None}, ensure_ascii=False)}
        schema = pa.schema([("name", pa.string()), ("shape", pa.list_(pa.int64())), ("values", pa.list_(pa.float64()))],
                           metadata=meta)
        return pa.record_batch([pa.array(list(arrays)), pa.array([list(np.shape(a)) for a in arrays.values()]),
                                pa.array([np.ravel(a).astype(np.float64) for a in arrays.values()],
                                         type=pa.list_(pa.float64()))], schema=schema)

    @classmethod
    def from_arrow(cls, batch: pa.RecordBatch) -> Sums:
        """The Sums of :meth:`to_arrow`'s record batch; another format version is a
        UsageError."""
        meta = {k.decode(): v.decode() for k, v in (batch.schema.metadata or {}).items()}
        version = meta.get("servq_sums_version")
        if version != str(FORMAT_VERSION):
            raise UsageError(f"these sums are in format version {version or 'unknown'}; "
                             f"this servq reads version {FORMAT_VERSION}")
        arrays = {name: np.asarray(values, dtype=np.float64).reshape(shape) for name, shape, values in
                  zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), batch.column(2).to_numpy(zero_copy_only=False))}
        structure = json.loads(meta["structure"])

        def moments(name: str) -> Moments:
            return Moments(arrays[f"{name}.n"], arrays[f"{name}.s"], arrays[f"{name}.ss"], arrays[f"{name}.shift"])

        def cross(label: str) -> CrossMoments:
            return _cross({f: arrays[f"{label}.{f}"] for f in (*_CROSS, "shift")})

        return cls(moments("items"), moments("floats"),
                   groups=tuple((str(a), str(b)) for a, b in json.loads(meta["groups"])),
                   counts=Counts(*json.loads(meta["counts"])), unknown=json.loads(meta["unknown"]),
                   cross={_key_value(k): cross(f"cross.{k}") for k in structure["cross"]},
                   drivers={k: cross(f"drivers.{k}") for k in structure["drivers"]},
                   boot={k: arrays[f"boot.{k}"] for k in structure["boot"]},
                   kano=KanoCounts(arrays["kano.counts"].astype(np.int64)) if structure["kano"] else None,
                   totals=_paired({f: arrays[f"totals.{f}"] for f in (*_PAIRED, "shift_x", "shift_y")})
                   if structure["totals"] else None)

    def to_bytes(self) -> bytes:
        """The Sums as bytes (an Arrow IPC stream): to send to another process or store."""
        sink = pa.BufferOutputStream()
        batch = self.to_arrow()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        return sink.getvalue().to_pybytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Sums:
        """The Sums of :meth:`to_bytes`; bytes that are not servq sums are a UsageError."""
        try:
            table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
        except (pa.ArrowInvalid, OSError) as exc:
            raise UsageError(f"not servq sums: {exc}") from None
        batches = table.to_batches()
        if len(batches) != 1 or table.schema.names != ["name", "shape", "values"]:
            raise UsageError("not servq sums: expected one record batch of name, shape and values")
        return cls.from_arrow(batches[0])


def merge(a: Sums, b: Sums) -> Sums:
    """The Sums of the rows of ``a`` and of ``b`` (disjoint rows, the same instrument and
    plan): statistics added, segments matched by column and value.

    Examples
    --------
    >>> import servq
    >>> from servq.analysis import AnalysisOptions, accumulate, plan_for
    >>> table = servq.simulate("servqual", 40, seed=1)
    >>> plan = plan_for("servqual", table.column_names, AnalysisOptions(by="branch", quality=False))
    >>> whole = accumulate([table], plan)
    >>> halves = merge(accumulate([table.slice(20)], plan), accumulate([table.slice(0, 20)], plan))
    >>> bool(np.allclose(whole.floats.select_groups([0]).s, halves.floats.select_groups([0]).s))
    True
    >>> sorted(whole.groups) == sorted(halves.groups), halves.counts.rows
    (True, 40)
    """
    if not np.array_equal(a.items.shift, b.items.shift) or not np.array_equal(a.floats.shift, b.floats.shift):
        raise UsageError("cannot merge sums of different instruments or plans")
    groups = list(a.groups)
    number = {g: i + 1 for i, g in enumerate(groups)}
    index = [0]
    for g in b.groups:
        if g not in number:
            groups.append(g)
            number[g] = len(groups)
        index.append(number[g])
    n_groups = len(groups) + 1
    b = _renumbered(b, np.asarray(index, dtype=np.intp), n_groups)
    unknown = dict(a.unknown)
    for name, count in b.unknown.items():
        unknown[name] = unknown.get(name, 0) + count
    return Sums(a.items + b.items, a.floats.grown(n_groups) + b.floats,
                groups=tuple(groups), counts=a.counts + b.counts, unknown=unknown,
                cross=_added(a.cross, b.cross), drivers=_added(a.drivers, b.drivers), boot=_added(a.boot, b.boot),
                kano=_either_sum(a.kano, b.kano), totals=_either_sum(a.totals, b.totals),
                ordinal=_added(a.ordinal, b.ordinal))


def add_aligned(a: Sums, b: Sums) -> Sums:
    """``a`` + ``b`` when both number their groups alike (the chunks of one pass, numbered
    by one reader): the groups are those of ``a``, grown to ``b``'s number of groups."""
    return Sums(a.items + b.items, a.floats + b.floats, groups=a.groups, counts=a.counts + b.counts,
                unknown=a.unknown, cross=_added(a.cross, b.cross), drivers=_added(a.drivers, b.drivers),
                boot=_added(a.boot, b.boot), kano=_either_sum(a.kano, b.kano), totals=_either_sum(a.totals, b.totals),
                ordinal=_added(a.ordinal, b.ordinal))


def _renumbered(s: Sums, index: np.ndarray, n_groups: int) -> Sums:
    """``s`` with its group g numbered ``index[g]`` among ``n_groups`` groups."""
    if len(index) == n_groups and np.array_equal(index, np.arange(n_groups)):
        return s
    own = len(index)
    f = s.floats.grown(own)

    def spread(values: np.ndarray) -> np.ndarray:
        out = np.zeros((n_groups, *values.shape[1:]), dtype=values.dtype)
        out[index] = values[:own]
        return out

    kano = None
    if s.kano is not None:
        counts = s.kano.counts
        if len(counts) < own:
            counts = np.concatenate([counts, np.zeros((own - len(counts), *counts.shape[1:]), dtype=counts.dtype)])
        kano = KanoCounts(spread(counts))
    return replace(s, floats=Moments(spread(f.n), spread(f.s), spread(f.ss), f.shift),
                   cross=_rekeyed(s.cross, index), ordinal=_rekeyed(s.ordinal, index), kano=kano)


def _rekeyed(by_group: Mapping, index: np.ndarray) -> dict:
    """Statistics keyed by group number (None: every respondent) with group g numbered ``index[g]``."""
    return {(None if k is None else int(index[k])): v for k, v in by_group.items()}


def _cross(values: Mapping) -> CrossMoments:
    return CrossMoments(values["n"], values["s"], values["s2"], values["q"], float(values["n_complete"]),
                        values["s_complete"], values["q_complete"], values["shift"])


def _added(a: Mapping, b: Mapping) -> dict:
    out = dict(a)
    for key, value in b.items():
        out[key] = out[key] + value if key in out else value
    return out


def _paired(values: Mapping) -> PairedMoments:
    return PairedMoments(*(np.asarray(values[f], dtype=np.float64) for f in (*_PAIRED, "shift_x", "shift_y")))


def _either_sum(a, b):
    """a + b of two optional statistics (Kano counts, item totals); one if the other is None."""
    if a is None or b is None:
        return a if b is None else b
    return a + b


def _key_order(key) -> tuple[int, str]:
    return (-1, "") if key is None else (0, f"{key:>12}" if isinstance(key, int) else str(key))


def _key_text(key: int | None) -> str:
    return "all" if key is None else str(key)


def _key_value(text: str) -> int | None:
    return None if text == "all" else int(text)
