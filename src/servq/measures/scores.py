"""Per-respondent scores: the variables every reported statistic summarises.

For each respondent :class:`Scorer` derives, following DESIGN.md exactly:

* item scores per part (reverse-keyed items scored ``min + max - x``);
* item gaps P − E, MSA = P − A, MSS = P − D, the level difference S − P (specific errand
  minus general) and the competitor advantage P − C (own minus competitor) where both
  answers are present;
* dimension scores: the mean of the respondent's answered items of the dimension, for
  each part and for each difference (a dimension gap is the mean of the item gaps, not
  the difference of the dimension means);
* zone of tolerance indicators per item and dimension: below (P < A), within
  (A ≤ P ≤ D), above (P > D), inverted (A > D; in none of the other three);
* unweighted SERVQUAL (mean of the five dimension gaps) and weighted SERVQUAL
  (Σ w_d/100 · gap_d), only for respondents with every dimension gap (and an allocation);
* the SERVPERF score (mean of the dimension perception scores, all dimensions present;
  a ``better: lower`` dimension, such as a cost, counts as ``min + max - score``);
* outcomes: for a rating outcome the top-two-box indicator (answer ≥ max − 1), and for
  0–10 recommend questions promoter / passive / detractor indicators and the NPS
  contribution (+100, 0, −100).

Item-level variables are whole numbers (answers, differences of answers, 0/1
indicators), so their moments are exact integer sums over int8 codes, computed without
ever forming a float matrix. A dimension score is (sum of the answers) / (answers given):
its moments per segment come from a histogram of those two small integers
(:meth:`Scorer.sums`). The variables made of several dimensions (SERVQUAL, SERVPERF) and
the weights and outcomes are floats (rows x variables, NaN = not defined) whose moments
are accumulated per segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np

from ..instruments.schema import Importance, Instrument, Part
from ..io.validate import Answers
from ..stats.moments import CrossMoments, Moments, PairedMoments
from ..stats.polychoric import OrdinalTables

DIFFERENCES = {  # name: (minuend, subtrahend)
    "gap": (Part.perception, Part.expectation),
    "msa": (Part.perception, Part.adequate),
    "mss": (Part.perception, Part.desired),
    "level": (Part.specific, Part.perception),
    "advantage": (Part.perception, Part.competitor),
}
ZONE = ("below", "within", "above", "inverted")
NPS = ("promoters", "passives", "detractors", "score")


class Scorer:
    """Derives the per-respondent variables of an instrument; ``names[i]`` names variable i.

    Names: ``item:<measure>:<id>`` and ``dim:<measure>:<dim>`` with measure a part
    (expectation, perception, ...), a difference (gap, msa, mss, level, advantage),
    ``any`` (answered in any part), ``zone_<which>`` or (dimensions) ``importance``; ``row``;
    ``servqual:unweighted``, ``servqual:weighted``, ``servperf``; ``outcome:<id>``;
    ``topbox:<id>``; ``nps:<which>:<id>``. Item variables come first; ``segment_vars`` are the others.

    Parameters
    ----------
    instrument : Instrument
        The instrument whose answers are scored.

    References
    ----------
    Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale
    for measuring consumer perceptions of service quality. Journal of Retailing 64(1),
    12–40. Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1994). Alternative scales for
    measuring service quality: a comparative assessment based on psychometric and
    diagnostic criteria. Journal of Retailing 70(3), 201–230. Zeithaml, V. A., Berry, L. L.
    & Parasuraman, A. (1993). The nature and determinants of customer expectations of
    service. Journal of the Academy of Marketing Science 21(1), 1–12. Cronin, J. J. &
    Taylor, S. A. (1992). Measuring service quality: a reexamination and extension.
    Journal of Marketing 56(3), 55–68. Reichheld, F. F. (2003). The one number you need to
    grow. Harvard Business Review 81(12), 46–54.

    Examples
    --------
    Two SERVQUAL respondents expecting 6 everywhere; the first perceives 7 on the four
    tangibles items and 5 elsewhere, the second 5 everywhere; 100 points allocated as
    40/15/15/15/15 and 20 each:

    >>> import numpy as np
    >>> from servq.instruments import Part, load_instrument
    >>> from servq.io.validate import Answers
    >>> inst = load_instrument("servqual")
    >>> e = np.full((22, 2), 6, dtype=np.int8)  # codes = answers on the 1-7 scale
    >>> p = np.full((22, 2), 5, dtype=np.int8)
    >>> p[:4, 0] = 7
    >>> w = np.array([[40, 15, 15, 15, 15], [20, 20, 20, 20, 20]], dtype=float).T
    >>> outcomes = np.array([[6, 4], [9, 6], [np.nan, np.nan]])  # satisfaction, recommend, return
    >>> answers = Answers({Part.expectation: e, Part.perception: p}, w, outcomes, {}, 2)
    >>> scorer = Scorer(inst)
    >>> _, x = scorer.score(answers)
    >>> col = {name: x[:, i].round(6).tolist() for i, name in enumerate(scorer.float_names)}
    >>> col["dim:gap:tangibles"], col["servqual:unweighted"], col["servqual:weighted"], col["servperf"]
    ([1.0, -1.0], [-0.6, -1.0], [-0.2, -1.0], [5.4, 5.0])
    >>> col["topbox:overall_satisfaction"], col["nps:score:recommend"]
    ([1.0, 0.0], [100.0, -100.0])

    R: ``gap <- sapply(dims, function(i) rowMeans(P[, i] - E[, i]))``; ``rowMeans(gap)``;
    ``as.vector(gap %*% w) / 100`` for the weighted score; ``rowMeans(sapply(dims,
    function(i) rowMeans(P[, i])))`` for SERVPERF; ``sat >= 6``;
    ``100 * (rec >= 9) - 100 * (rec <= 6)``.
    """

    def __init__(self, instrument: Instrument):
        inst = self.inst = instrument
        sc = inst.scale
        self.offset = sc.min - 1  # answer = code + offset
        self.points = sc.max - sc.min + 1
        self.item_ids = [it.id for it in inst.items]
        self.dim_ids = [d.id for d in inst.dimensions]
        self.dim_rows = [np.array([i for i, it in enumerate(inst.items) if it.dimension == d]) for d in self.dim_ids]
        self.reverse = np.array([it.reverse for it in inst.items])
        self.lower_better = np.array([d.better == "lower" for d in inst.dimensions])
        self.differences = [d for d, (a, b) in DIFFERENCES.items() if a in inst.parts and b in inst.parts]
        self.measures = [p.value for p in inst.parts] + self.differences + ["any"]
        zone = [f"zone_{z}" for z in ZONE] if inst.has_zone else []

        mid = sc.midpoint
        item_names, item_shift = [], []
        for m in self.measures + zone:
            item_names += [f"item:{m}:{i}" for i in self.item_ids]
            item_shift += [mid if m in inst.parts else 0.0] * len(self.item_ids)
        names, shift = ["row"], [0.0]
        for m in self.measures + zone:
            names += [f"dim:{m}:{d}" for d in self.dim_ids]
            shift += [mid if m in inst.parts else 0.0] * len(self.dim_ids)
        if inst.importance is not None:
            names += [f"dim:importance:{d}" for d in self.dim_ids]
            shift += [inst.importance.total / len(self.dim_ids)] * len(self.dim_ids)
        if inst.has_gap:
            names += ["servqual:unweighted", "servqual:weighted"]
            shift += [0.0, 0.0]
        if Part.perception in inst.parts:
            names.append("servperf")
            shift.append(mid)
        for out in inst.outcomes:
            names.append(f"outcome:{out.id}")
            shift.append((out.min + out.max) / 2)
            if out.kind == "nps":
                names += [f"nps:{w}:{out.id}" for w in NPS]
                shift += [0.0] * len(NPS)
            else:
                names.append(f"topbox:{out.id}")
                shift.append(0.0)
        self.item_shift = np.array(item_shift)
        self.float_names = names
        self.float_shift = np.array(shift)
        self.names = item_names + names
        self.shift = np.concatenate([self.item_shift, self.float_shift])
        self.index = {n: i for i, n in enumerate(self.names)}
        self._float_index = {n: i for i, n in enumerate(names)}
        self.segment_vars = np.arange(len(item_names), len(self.names))
        from .focus import driver_columns

        self.driver_columns = driver_columns(inst, names)  # outcome -> float columns
        # each dimension's items: a slice when they are adjacent (the usual case), else their rows
        self._dim_items = [_as_slice(rows) for rows in self.dim_rows]
        self._part_names = {p.value for p in inst.parts}
        self._histogram = _Histogram(self) if self.dim_ids else None

    def score(self, answers: Answers) -> tuple[Moments, np.ndarray]:
        """Exact moments of the item variables, and the rows x float-variables matrix.

        Parameters
        ----------
        answers : Answers
            One chunk of validated answers.

        Returns
        -------
        items : Moments
            Moments (one group: every row) of the item variables.
        floats : ndarray, shape (rows, len(float_names))
            Every float variable per respondent, NaN where not defined.
        """
        items = self._items(answers)
        return self._item_moments(items), self._floats(answers, items, self._dims(items)).T

    def sums(self, answers: Answers, groupings: list[np.ndarray], n_groups: int,
             drivers: bool = True, keep_rows: bool = False) -> ChunkSums:
        """Everything one chunk adds up: :class:`ChunkSums`.

        ``groupings`` as for :meth:`Moments.of` (the first one must put every row in group
        0). The float variables' moments are those of :meth:`score`'s matrix, computed
        without forming it: a dimension score is (sum of answers) / (answers) of small
        integers, so its moments per group come from a histogram of those two numbers
        (one ``bincount`` for every dimension variable), and only the other variables
        (overall scores, weights, outcomes) are summed as floats — those with a value in
        the chunk. The result has the same parts whatever the answers (empty ones where
        the chunk has no value), so that sums of different chunks line up.

        Parameters
        ----------
        answers : Answers
            One chunk of validated answers.
        groupings : list of ndarray
            Per grouping, every row's group number (-1 = none); the first puts every row
            in group 0.
        n_groups : int
            Groups in all.
        drivers : bool, optional
            Accumulate the key-driver statistics per outcome.
        keep_rows : bool, optional
            Keep the complete driver rows per outcome and their positions (for the bootstrap).

        Returns
        -------
        ChunkSums
            The chunk's moments, driver statistics and (with ``keep_rows``) driver rows.
        """
        items = self._items(answers)
        dims = self._dims(items)
        hist = self._histogram if self._histogram is not None and self._histogram.fits(groupings, answers.rows) else None
        float_dims = self._float_dims(dims, every=hist is None)
        rest, rest_rows = self._rest(answers, items, float_dims)
        if hist is None:  # too many groups or answer codes for histograms: the dimensions as floats too
            for measure, block in float_dims.items():
                if measure in self.measures:
                    start = self._float_index[f"dim:{measure}:{self.dim_ids[0]}"]
                    rest_rows += list(range(start, start + len(self.dim_ids)))
                    rest.append(block)
        n_vars = len(self.float_names)
        moments = Moments.empty(n_vars, n_groups, self.float_shift)
        rest, rest_rows = rest[1:], rest_rows[1:]  # "row" is 1 for everyone: its n, Σ and Σ² are counts
        counts = np.zeros(n_groups)
        counts[0] = answers.rows
        for g in groupings[1:]:
            counts += np.bincount(np.where(g >= 0, g, n_groups), minlength=n_groups + 1)[:n_groups]
        for field_ in ("n", "s", "ss"):
            getattr(moments, field_)[:, self._float_index["row"]] = counts
        if rest_rows:
            x = (np.concatenate(rest) if len(rest) > 1 else rest[0]).T
            shift = self.float_shift[rest_rows]
            every = Moments.of(x, shift=shift)  # group 0 is every row: plain sums
            segments = Moments.of(x, groupings[1:], n_groups, shift=shift) if len(groupings) > 1 else None
            for field_ in ("n", "s", "ss"):
                out = getattr(moments, field_)
                if segments is not None:
                    out[:, rest_rows] = getattr(segments, field_)
                out[0, rest_rows] = getattr(every, field_)[0]
        if hist is not None:
            hist.add(moments, dims, groupings)
        out = ChunkSums(self._item_moments(items), moments)
        if (drivers or keep_rows) and self.driver_columns:
            perception = float_dims.get(Part.perception.value)
            columns = list(self.driver_columns.values())
            if drivers and perception is not None:  # (a chunk without an outcome still adds its dimension
                # scores' pairs: every split of the rows into chunks, e.g. the dashboard's cells, gives the same sums)
                shared = CrossMoments.of_each(answers.outcomes[:len(columns)], perception,
                                              self.float_shift[[cols[0] for cols in columns]], self.float_shift[columns[0][1:]])
            for j, (outcome, cols) in enumerate(self.driver_columns.items()):
                v = answers.outcomes[j]
                if perception is None:
                    out.drivers[outcome] = CrossMoments.empty(len(cols), self.float_shift[cols])
                    if keep_rows:
                        out.rows[outcome] = (np.empty(0, dtype=np.int64), np.empty((0, len(cols))))
                    continue
                if drivers:
                    out.drivers[outcome] = shared[j]
                if keep_rows:  # complete rows in file order: the bootstrap weights them
                    x = np.concatenate([v[None, :], perception])  # variables x rows
                    at = np.flatnonzero(~np.isnan(x).any(axis=0))
                    out.rows[outcome] = (at, np.ascontiguousarray(x[:, at].T))
        return out

    def item_cross(self, answers: Answers, part: Part, rows: np.ndarray | None = None) -> CrossMoments:
        """Second-order statistics of one part's item scores.

        Second-order statistics of one part's item scores (reverse-keyed items reversed),
        shifted by the scale midpoint: the data of reliability, factor analysis and CFA.
        ``rows`` (a boolean mask) restricts them to some respondents.

        The shifted scores are whole or half numbers, so their products are summed in
        single precision over blocks of rows small enough that every sum is exact: the
        same numbers as in double precision at half the cost.

        Parameters
        ----------
        answers : Answers
            One chunk of validated answers.
        part : Part
            The part whose items are taken.
        rows : ndarray of bool, optional
            Respondents to keep (default: all).

        Returns
        -------
        CrossMoments
            Of the item scores, in instrument order, shifted by the scale midpoint.
        """
        codes = answers.parts[part] if rows is None else answers.parts[part][:, rows]
        sc = self.inst.scale
        mid = np.full(len(self.item_ids), sc.midpoint)
        shift, sign = self._centring()
        largest = float(np.max(np.abs(np.concatenate([shift + sign, shift + sign * self.points]))))
        units = 1 if float(sc.midpoint).is_integer() else 4  # half numbers: squares in quarters
        block = max(1, int(2**24 // (units * max(largest * largest, largest, 1.0))))  # sums exact in float32
        total = None
        for at in range(0, codes.shape[1], block):
            z, present = self._centred(codes[:, at:at + block], np.float32)
            cm = CrossMoments.of_shifted(z, present, mid)
            total = cm if total is None else total + cm
        if total is None:  # no rows
            total = CrossMoments.of_shifted(np.zeros((len(mid), 0)), np.zeros((len(mid), 0), dtype=bool), mid)
        return total

    def item_tables(self, answers: Answers, part: Part, rows: np.ndarray | None = None) -> OrdinalTables:
        """The contingency tables of one part's item codes (reverse-keyed items reversed, so
        that every item's categories run the same way): polychoric correlations.

        Parameters
        ----------
        answers : Answers
            One chunk of validated answers.
        part : Part
            The part whose items are taken.
        rows : ndarray of bool, optional
            Respondents to keep (default: all).

        Returns
        -------
        OrdinalTables
            The items' code counts and pair tables, in instrument order, named by item id.
        """
        codes = self.keyed_codes(answers, part)
        return OrdinalTables.from_codes((codes if rows is None else codes[:, rows]).T, items=[str(i) for i in self.item_ids])

    def keyed_codes(self, answers: Answers, part: Part) -> np.ndarray:
        """One part's item codes (items x rows, 0 = no answer), reverse-keyed items reversed:
        the codes :meth:`item_tables` counts."""
        return self._keyed(answers.parts[part])

    def _keyed(self, raw: np.ndarray) -> np.ndarray:
        """Item codes (items x rows, 0 = no answer) with reverse-keyed items' codes reversed."""
        if not self.reverse.any():
            return raw
        codes = raw.copy()
        rev = codes[self.reverse]
        codes[self.reverse] = np.where(rev != 0, self.points + 1 - rev, 0)
        return codes

    def item_totals(self, answers: Answers, part: Part, cross: CrossMoments | None = None) -> PairedMoments:
        """Each item's score paired with its dimension's score, over the respondents who
        answered the item: the statistics of psych's item–total correlation ``raw_r``.

        A respondent's dimension score is the mean of their answered items of the
        dimension (reverse-keyed items reversed), which is psych's total
        (``rowMeans(x, na.rm = TRUE)``) when ``psych::alpha`` is run on the dimension's
        items; both are shifted by the scale midpoint.

        Parameters
        ----------
        answers : Answers
            One chunk of validated answers.
        part : Part
            The part whose items are taken.
        cross : CrossMoments, optional
            :meth:`item_cross` of the same answers and part: the respondents who answered
            every item then come from its complete-row sums (their dimension score is the
            plain mean, so every sum is a sum of its cross-products), and only the others
            are read again.

        Returns
        -------
        PairedMoments
            One pair per item, in instrument order: (item score, dimension score).
        """
        codes = answers.parts[part]
        k = len(self.item_ids)
        sums = np.zeros((6, k))  # n, Σx, Σx², Σt, Σt², Σxt per item (x, t less the midpoint)
        if cross is not None:
            codes = np.compress(~(codes != 0).all(axis=0), codes, axis=1)
            s_c, q_c = cross.s_complete, cross.q_complete
            for rows in self.dim_rows:
                q = q_c[np.ix_(rows, rows)]
                size = len(rows)
                sums[:, rows] = [np.full(size, cross.n_complete), s_c[rows], np.diag(q),
                                 np.full(size, s_c[rows].sum() / size), np.full(size, q.sum() / size**2),
                                 q.sum(axis=1) / size]
        z, present = self._centred(codes, np.float32)  # whole or half numbers: exact
        for rows in self._dim_items:  # per dimension: matrix-vector products over the rows
            x = z[rows].astype(np.float64)
            answered = present[rows].astype(np.float64)
            count = answered.sum(axis=0)
            t = np.divide(x.sum(axis=0), count, out=np.zeros(len(count)), where=count > 0)
            sums[:, rows] += [answered.sum(axis=1), x.sum(axis=1), np.einsum("ij,ij->i", x, x),
                              answered @ t, answered @ (t * t), x @ t]
        n, sx, sxx, sy, syy, sxy = sums
        mid = np.full(k, float(self.inst.scale.midpoint))
        return PairedMoments(n, sx, sxx, sy, syy, sxy, mid, mid.copy())

    def _centring(self) -> tuple[np.ndarray, np.ndarray]:
        """(shift, sign) per item with score − midpoint = sign · code + shift: code + offset
        − mid, or for a reversed item min + max − (code + offset) − mid."""
        sc = self.inst.scale
        shift = np.where(self.reverse, sc.min + sc.max - self.offset - sc.midpoint, self.offset - sc.midpoint)
        return shift, np.where(self.reverse, -1.0, 1.0)

    def _centred(self, codes: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
        """Item scores less the scale midpoint (reverse-keyed items reversed) in ``dtype``,
        0 where unanswered; and the mask of answers. ``codes`` is items x rows."""
        shift, sign = self._centring()
        present = codes != 0
        z = codes.astype(dtype)
        if self.reverse.any():
            z *= sign.astype(dtype)[:, None]
            z += shift.astype(dtype)[:, None]
        else:
            z += dtype(shift[0])
        z *= present
        return z, present

    def _items(self, answers: Answers) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
        """measure -> (int values, valid mask, offset to add to values), items x rows."""
        out: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
        codes: dict[str, np.ndarray] = {}
        for part, raw in answers.parts.items():
            c = self._keyed(raw)
            codes[part.value] = c
            out[part.value] = (c, c != 0, self.offset)
        for name in self.differences:
            a, b = (p.value for p in DIFFERENCES[name])
            valid = out[a][1] & out[b][1]
            out[name] = ((codes[a] - codes[b]) * valid, valid, 0)
        any_valid = np.logical_or.reduce([out[p.value][1] for p in answers.parts])
        out["any"] = (any_valid.view(np.int8), any_valid, 0)
        if self.inst.has_zone:
            adq, des, per = codes["adequate"], codes["desired"], codes["perception"]
            for name, (flag, valid) in _zone(adq, des, per, (adq != 0) & (des != 0) & (per != 0)).items():
                out[f"zone_{name}"] = ((flag & valid).view(np.int8), valid, 0)
        return out

    def _item_moments(self, items: dict) -> Moments:
        """Exact moments of every item variable: sums of small whole numbers (codes,
        differences of codes, 0/1 flags; 0 where not valid) reduced in 32-bit integers,
        over blocks of rows small enough for no sum to overflow. (Integer reductions run
        several times faster than converting to floats first.)"""
        values = [v for v, _, _ in items.values()]
        n_rows = values[0].shape[1] if values else 0
        block = max(1, (2**31 - 1) // (self.points * self.points))  # |value| <= points: Σ value² < 2³¹
        n_, s_, ss_ = [], [], []
        for (v, valid, offset) in items.values():
            n, s1, s2 = (np.zeros(v.shape[0], dtype=np.int64) for _ in range(3))
            square = np.int16 if v.dtype.itemsize == 1 else np.int64  # (an int8's square fits in 16 bits)
            for at in range(0, n_rows, block):
                part = v[:, at:at + block]
                n += np.add.reduce(valid[:, at:at + block].view(np.int8), axis=1, dtype=np.int32)
                s1 += np.add.reduce(part, axis=1, dtype=np.int32)
                s2 += np.add.reduce(np.multiply(part, part, dtype=square), axis=1, dtype=np.int32)
            n_.append(n)
            s_.append(s1 + n * offset)
            ss_.append(s2 + 2 * offset * s1 + n * offset * offset)
        return Moments.from_power_sums(np.concatenate(n_), np.concatenate(s_), np.concatenate(ss_), self.item_shift)

    def _dims(self, items: dict) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """measure -> (answered items, sum of their values), each dimensions x rows, for
        every measure of :attr:`measures`; in the smallest integer type that holds them
        (int8 for the usual scales: the sums then run without conversions)."""
        out = {}
        k = max((len(rows) for rows in self.dim_rows), default=1)
        largest = k * max(self.points, 1)
        dtype = np.int8 if largest <= 127 else np.int16 if largest <= 32767 else np.int32
        for measure in self.measures:
            values, valid, _ = items[measure]
            n = values.shape[1]
            count = np.empty((len(self.dim_ids), n), dtype=np.int8 if k <= 127 else np.int32)
            total = np.empty((len(self.dim_ids), n), dtype=dtype)
            flags = valid.view(np.int8)
            for j, rows in enumerate(self._dim_items):
                np.add.reduce(flags[rows], axis=0, dtype=count.dtype, out=count[j])
                np.add.reduce(values[rows], axis=0, dtype=dtype, out=total[j])
            out[measure] = (count, total)
        return out

    def _float_dims(self, dims: dict[str, tuple[np.ndarray, np.ndarray]], every: bool = False) -> dict[str, np.ndarray]:
        """Dimension scores (dimensions x rows, NaN where no item was answered): those that
        other variables are made of (the gaps, the perceptions, the zone of tolerance),
        or with ``every`` those of every measure."""
        inst = self.inst
        wanted = set(self.measures) if every else set()
        if inst.has_gap:
            wanted.add("gap")
        if Part.perception in inst.parts:
            wanted.add(Part.perception.value)
        if inst.has_zone:
            wanted |= {Part.adequate.value, Part.desired.value, Part.perception.value}
        out = {m: _dim_scores(*dims[m], self.offset if m in self._part_names else 0) for m in self.measures
               if m in wanted}
        if inst.has_zone:
            a, d, p = out["adequate"], out["desired"], out["perception"]
            ok = ~(np.isnan(a) | np.isnan(d) | np.isnan(p))
            for name, (flag, valid) in _zone(a, d, p, ok).items():
                out[f"zone_{name}"] = np.where(valid, flag, np.nan)
        return out

    def _rest(self, answers: Answers, items: dict, dims: dict) -> tuple[list[np.ndarray], list[int]]:
        """The float variables other than the dimension scores of :attr:`measures` that have
        a value in this chunk: blocks (variables x rows) and their positions."""
        inst, idx = self.inst, self._float_index
        n = answers.rows
        blocks: list[np.ndarray]
        blocks, rows = [np.ones((1, n))], [idx["row"]]  # first: sums() counts it apart
        for name in (f"zone_{z}" for z in ZONE) if inst.has_zone else ():
            start = idx[f"dim:{name}:{self.dim_ids[0]}"]
            blocks.append(dims[name])
            rows += range(start, start + len(self.dim_ids))
        if answers.weights is not None:
            start = idx[f"dim:importance:{self.dim_ids[0]}"]
            w = np.full(answers.weights.shape, np.nan)
            allocated = ~np.isnan(answers.weights).all(axis=0)
            w[:, allocated] = answers.weights[:, allocated]
            blocks.append(w)
            rows += range(start, start + len(self.dim_ids))
        if inst.has_gap:
            gaps = dims["gap"]
            blocks.append(gaps.mean(axis=0)[None, :])  # NaN unless every dimension gap is there
            rows.append(idx["servqual:unweighted"])
            if answers.weights is not None:
                w = answers.weights / cast(Importance, inst.importance).total  # weights: the instrument asks them
                weighted = np.full(n, np.nan)
                ok = ~np.isnan(gaps).any(axis=0) & ~np.isnan(w).any(axis=0)
                weighted[ok] = (w[:, ok] * gaps[:, ok]).sum(axis=0)
                blocks.append(weighted[None, :])
                rows.append(idx["servqual:weighted"])
        if Part.perception in inst.parts:
            perc = dims[Part.perception.value]
            if self.lower_better.any():  # a cost counts against the overall score
                perc = perc.copy()
                perc[self.lower_better] = inst.scale.min + inst.scale.max - perc[self.lower_better]
            blocks.append(perc.mean(axis=0)[None, :])  # NaN unless every dimension is scored
            rows.append(idx["servperf"])
        for j, out in enumerate(inst.outcomes):
            v = answers.outcomes[j]
            ok = ~np.isnan(v)
            if not ok.any():
                continue  # not asked, or no answer in this chunk: nothing to add
            block = np.full((1 + (len(NPS) if out.kind == "nps" else 1), n), np.nan)
            block[0] = v
            if out.kind == "nps":
                promoter, detractor = v >= 9, v <= 6
                for k, flag in enumerate((promoter, ~promoter & ~detractor, detractor)):
                    block[1 + k, ok] = flag[ok]
                block[4, ok] = 100.0 * promoter[ok] - 100.0 * detractor[ok]
                names = [f"outcome:{out.id}", *(f"nps:{w}:{out.id}" for w in NPS)]
            else:
                block[1, ok] = v[ok] >= top_box_threshold(out)
                names = [f"outcome:{out.id}", f"topbox:{out.id}"]
            blocks.append(block)
            rows += [idx[name] for name in names]
        return blocks, rows

    def _floats(self, answers: Answers, items: dict, dims: dict) -> np.ndarray:
        """Every float variable: variables x rows, NaN = not defined."""
        float_dims = self._float_dims(dims, every=True)
        x = np.full((len(self.float_names), answers.rows), np.nan)
        for measure, block in float_dims.items():
            start = self._float_index[f"dim:{measure}:{self.dim_ids[0]}"]
            x[start:start + len(self.dim_ids)] = block
        blocks, rows = self._rest(answers, items, float_dims)
        for block, at in zip(blocks, _runs(rows, [len(b) for b in blocks])):
            x[at] = block
        return x


@dataclass
class ChunkSums:
    """The sums one chunk adds to the analysis.

    What :meth:`Scorer.sums` adds up for one chunk: exact moments of the item variables
    (all rows), moments of the float variables per group, the driver statistics per
    outcome and (when asked for) the complete driver rows per outcome.

    Parameters
    ----------
    items : Moments
        Exact moments of the item variables (one group: every row).
    floats : Moments
        Moments of the float variables per group (groups x ``Scorer.float_names``).
    drivers : dict of str to CrossMoments, optional
        Per outcome id, the statistics of (outcome, dimension perception scores).
    rows : dict of str to (ndarray, ndarray), optional
        Per outcome id, the complete rows of the same variables: their positions in the
        chunk and their values (rows x variables), in file order.

    References
    ----------
    Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale
    for measuring consumer perceptions of service quality. Journal of Retailing 64(1),
    12–40. Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1994). Alternative scales for
    measuring service quality: a comparative assessment based on psychometric and
    diagnostic criteria. Journal of Retailing 70(3), 201–230. Zeithaml, V. A., Berry, L. L.
    & Parasuraman, A. (1993). The nature and determinants of customer expectations of
    service. Journal of the Academy of Marketing Science 21(1), 1–12. Cronin, J. J. &
    Taylor, S. A. (1992). Measuring service quality: a reexamination and extension.
    Journal of Marketing 56(3), 55–68. Reichheld, F. F. (2003). The one number you need to
    grow. Harvard Business Review 81(12), 46–54.

    Examples
    --------
    The two respondents of :class:`Scorer`'s example, one in each of two branches:

    >>> import numpy as np
    >>> from servq.instruments import Part, load_instrument
    >>> from servq.io.validate import Answers
    >>> scorer = Scorer(load_instrument("servqual"))
    >>> p = np.full((22, 2), 5, dtype=np.int8)
    >>> p[:4, 0] = 7
    >>> answers = Answers({Part.expectation: np.full((22, 2), 6, dtype=np.int8), Part.perception: p},
    ...                   None, np.full((3, 2), np.nan), {}, 2)
    >>> sums = scorer.sums(answers, [np.zeros(2, dtype=np.int64), np.array([1, 2])], 3)
    >>> sums.floats.mean()[:, scorer.float_names.index("servqual:unweighted")].tolist()
    [-0.8, -0.6, -1.0]
    >>> sums.items.n.shape, sorted(sums.drivers)
    ((1, 88), ['intention_to_return', 'overall_satisfaction', 'recommend'])

    R: ``tapply(servqual, branch, mean)`` and ``mean(servqual)`` on the respondents'
    unweighted SERVQUAL scores.
    """

    items: Moments
    floats: Moments
    drivers: dict[str, CrossMoments] = field(default_factory=dict)
    rows: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


class _Histogram:
    """Moments per group of the dimension scores of :attr:`Scorer.measures` from histograms.

    A respondent's score of a dimension with k items is t/c + offset, with c the answered
    items (0..k) and t the sum of their values: a handful of small integers. One
    ``bincount`` per grouping counts the rows per (variable, group, c, t); a product with
    each bin's (1, z, z²), z = t/c + offset - shift, gives n, Σz and Σz² per group.
    """

    MAX_BINS = 1 << 22  # bins of one chunk's histograms
    MAX_TABLE = 4096  # bins of one variable: beyond, answers on long scales, floats are summed

    def __init__(self, scorer: Scorer):
        names = scorer._part_names
        points = scorer.points
        sizes = [len(rows) for rows in scorer.dim_rows]
        variables, lo, width, tables = [], [], [], []
        for measure in scorer.measures:
            for d, k in zip(scorer.dim_ids, sizes):
                if measure in names:
                    tmin, tmax, offset = 0, k * points, scorer.offset
                elif measure == "any":
                    tmin, tmax, offset = 0, k, 0
                else:  # a difference of two parts' codes
                    tmin, tmax, offset = -k * (points - 1), k * (points - 1), 0
                v = scorer._float_index[f"dim:{measure}:{d}"]
                variables.append(v)
                lo.append(tmin)
                width.append(tmax - tmin + 1)
                tables.append((k, tmin, tmax, offset, scorer.float_shift[v]))
        self.variables = np.array(variables)
        self.lo = np.array(lo, dtype=np.int32)[:, None]
        self.width = np.array(width, dtype=np.int32)[:, None]
        self.measures = scorer.measures
        self.bins = int(max(((k + 1) * (tmax - tmin + 1) for k, tmin, tmax, _, _ in tables), default=0))
        self.table = None
        if not 0 < self.bins <= self.MAX_TABLE:
            return
        table = np.zeros((len(tables), self.bins, 3))
        for i, (k, tmin, tmax, offset, shift) in enumerate(tables):
            c = np.arange(1, k + 1)[:, None]
            t = np.arange(tmin, tmax + 1)[None, :]
            with np.errstate(invalid="ignore", divide="ignore"):
                z = (t / c + offset) - shift  # as a row's score t / c + offset, less the shift
            at = (c * (tmax - tmin + 1) + (t - tmin)).ravel()
            table[i, at] = np.stack([np.ones(at.size), z.ravel(), (z * z).ravel()], axis=1)
        self.table = table

    def fits(self, groupings: list[np.ndarray], n_rows: int) -> bool:
        """Whether histograms beat summing floats for these groupings."""
        if self.table is None:
            return False
        groups = max((_span(g)[1] for g in groupings[1:]), default=0)
        bins = len(self.variables) * (groups + 1) * self.bins
        return bins <= min(self.MAX_BINS, 16 * len(self.variables) * max(n_rows, 1024))

    def add(self, moments: Moments, dims: dict, groupings: list[np.ndarray]) -> None:
        """Add the chunk's moments of these variables to ``moments`` (groups x variables).

        ``groupings[0]`` puts every row in group 0; its histogram is the sum of the first
        other grouping's (whose slot 0 holds the rows in none of its groups)."""
        table = cast(np.ndarray, self.table)  # called only when fits(): the table exists
        n_var = len(self.variables)
        n = next(iter(dims.values()))[0].shape[1]
        local = np.empty((n_var, n), dtype=np.int32)  # each row's bin in its variable's table
        at = 0
        for m in self.measures:
            count, total = dims[m]
            rows = slice(at, at + count.shape[0])
            np.multiply(count, self.width[rows], out=local[rows])
            local[rows] += total
            at = rows.stop
        var = np.arange(n_var, dtype=np.int32)[:, None]
        if len(groupings) == 1:
            local += var * self.bins - self.lo
            h = np.bincount(local.ravel(), minlength=n_var * self.bins)
            _put(moments, 0, self.variables, h.reshape(n_var, 1, self.bins), table)
            return
        local -= self.lo
        for i, g in enumerate(groupings[1:]):
            lo, span = _span(g)
            span += 1  # slot 0: the rows in none of this grouping's groups
            slot = np.where(g >= 0, g - (lo - 1), 0).astype(np.int32)
            slot *= self.bins
            key = local + var * (span * self.bins)
            key += slot[None, :]
            h = np.bincount(key.ravel(), minlength=n_var * span * self.bins).reshape(n_var, span, self.bins)
            if i == 0:
                _put(moments, 0, self.variables, h.sum(axis=1, keepdims=True), table)
            _put(moments, lo, self.variables, h[:, 1:], table)


def _span(codes: np.ndarray) -> tuple[int, int]:
    """(lowest group number, number of group numbers up to the highest) among ``codes`` >= 0."""
    valid = codes[codes >= 0]
    if not valid.size:
        return 0, 0
    lo = int(valid.min())
    return lo, int(valid.max()) - lo + 1


def _put(moments: Moments, first_group: int, variables: np.ndarray, h: np.ndarray, table: np.ndarray) -> None:
    """Add n, Σz, Σz² of histograms ``h`` (variables x groups x bins) to groups
    ``first_group``... of ``moments``."""
    if not h.shape[1]:
        return
    stats = np.matmul(h.astype(np.float64), table)  # variables x groups x (n, Σz, Σz²)
    groups = slice(first_group, first_group + h.shape[1])
    for j, field_ in enumerate(("n", "s", "ss")):
        getattr(moments, field_)[groups, variables] += stats[:, :, j].T


def _dim_scores(count: np.ndarray, total: np.ndarray, offset: int) -> np.ndarray:
    """total / count + offset, NaN where count is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = total / count
    if offset:
        out += offset
    return out


def _as_slice(rows: np.ndarray):
    rows = np.asarray(rows)
    if rows.size and np.array_equal(rows, np.arange(rows[0], rows[0] + rows.size)):
        return slice(int(rows[0]), int(rows[0]) + rows.size)
    return rows


def _runs(rows: list[int], sizes: list[int]):
    """The positions of each block of ``sizes`` consecutive entries of ``rows``."""
    at = 0
    for size in sizes:
        yield rows[at:at + size]
        at += size


def top_box_threshold(outcome) -> int:
    """The lowest answer in the top two boxes of a rating outcome (6 on 1–7, 4 on 1–5).

    Parameters
    ----------
    outcome : Outcome
        A rating outcome of the instrument (its ``max``).

    Returns
    -------
    int
        The scale maximum less one.

    References
    ----------
    Morgan, N. A. & Rego, L. L. (2006). The value of different customer satisfaction and
    loyalty metrics in predicting business performance. Marketing Science 25(5), 426–439.

    Examples
    --------
    >>> from servq.instruments import load_instrument
    >>> sat = load_instrument("servqual").outcomes[0]
    >>> sat.id, sat.min, sat.max, top_box_threshold(sat)
    ('overall_satisfaction', 1, 7, 6)

    R: the top-two-box share is ``mean(sat >= 7 - 1, na.rm = TRUE)``.
    """
    return outcome.max - 1


def _zone(adequate, desired, perceived, valid) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Zone of tolerance flags (and where they are defined) from A, D and P of any dtype."""
    inverted = adequate > desired
    below = ~inverted & (perceived < adequate)
    above = ~inverted & (perceived > desired)
    within = ~inverted & ~below & ~above
    return {"below": (below, valid), "within": (within, valid), "above": (above, valid),
            "inverted": (inverted, valid)}
