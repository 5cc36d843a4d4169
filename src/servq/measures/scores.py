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
ever forming a float matrix. Everything from the dimension level up is a float matrix
(rows x variables, NaN = not defined) whose moments are accumulated per segment.
"""

from __future__ import annotations

import numpy as np

from ..instruments.schema import Instrument, Part
from ..io.validate import Answers
from ..stats.moments import CrossMoments, Moments

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

    def score(self, answers: Answers) -> tuple[Moments, np.ndarray]:
        """Exact moments of the item variables, and the rows x float-variables matrix."""
        items = self._items(answers)
        n_, s_, ss_ = [], [], []
        for measure, (values, valid, offset) in items.items():
            n = np.count_nonzero(valid, axis=1).astype(np.float64)
            v16 = values.astype(np.int16)
            s1 = v16.sum(axis=1, dtype=np.int64).astype(np.float64)
            s2 = np.einsum("ij,ij->i", v16, v16, dtype=np.int64).astype(np.float64)
            n_.append(n)
            s_.append(s1 + n * offset)
            ss_.append(s2 + 2 * offset * s1 + n * offset * offset)
        item_moments = Moments.from_power_sums(np.concatenate(n_), np.concatenate(s_), np.concatenate(ss_),
                                               self.item_shift)
        return item_moments, self._floats(answers, items)

    def item_cross(self, answers: Answers, part: Part, rows: np.ndarray | None = None) -> CrossMoments:
        """Second-order statistics of one part's item scores (reverse-keyed items reversed),
        shifted by the scale midpoint: the data of reliability, factor analysis and CFA.
        ``rows`` (a boolean mask) restricts them to some respondents."""
        codes = answers.parts[part] if rows is None else answers.parts[part][:, rows]
        present = codes != 0
        sc = self.inst.scale
        mid = np.full(len(self.item_ids), sc.midpoint)
        # score - midpoint = code + offset - mid, or for a reversed item min + max - score - mid
        z = codes.astype(np.float64)
        z[self.reverse] *= -1.0
        z += np.where(self.reverse, sc.min + sc.max - self.offset - sc.midpoint, self.offset - sc.midpoint)[:, None]
        z *= present
        return CrossMoments.of_shifted(z, present, mid)

    def _items(self, answers: Answers) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
        """measure -> (int values, valid mask, offset to add to values), items x rows."""
        out: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
        codes: dict[str, np.ndarray] = {}
        for part, raw in answers.parts.items():
            c = raw
            if self.reverse.any():
                c = raw.copy()
                rev = c[self.reverse]
                c[self.reverse] = np.where(rev != 0, self.points + 1 - rev, 0)
            codes[part.value] = c
            out[part.value] = (c, c != 0, self.offset)
        for name in self.differences:
            a, b = (p.value for p in DIFFERENCES[name])
            valid = out[a][1] & out[b][1]
            out[name] = ((codes[a] - codes[b]) * valid, valid, 0)
        any_valid = np.logical_or.reduce([out[p.value][1] for p in answers.parts])
        out["any"] = (any_valid.view(np.int8), any_valid, 0)
        if self.inst.has_zone:
            a, d, p = codes["adequate"], codes["desired"], codes["perception"]
            for name, (flag, valid) in _zone(a, d, p, (a != 0) & (d != 0) & (p != 0)).items():
                out[f"zone_{name}"] = ((flag & valid).view(np.int8), valid, 0)
        return out

    def _floats(self, answers: Answers, items: dict) -> np.ndarray:
        inst, idx = self.inst, self._float_index
        n = answers.rows
        x = np.full((len(self.float_names), n), np.nan)  # variables x rows; returned transposed
        x[0] = 1.0
        dims: dict[str, np.ndarray] = {}
        for measure in self.measures:
            values, valid, offset = items[measure]
            block = np.empty((len(self.dim_ids), n))
            for j, rows in enumerate(self.dim_rows):
                count = np.count_nonzero(valid[rows], axis=0)
                total = values[rows].sum(axis=0, dtype=np.int32)
                with np.errstate(invalid="ignore", divide="ignore"):
                    block[j] = np.where(count > 0, total / count + offset, np.nan)
            dims[measure] = block
        if inst.has_zone:
            a, d, p = dims["adequate"], dims["desired"], dims["perception"]
            ok = ~(np.isnan(a) | np.isnan(d) | np.isnan(p))
            for name, (flag, valid) in _zone(a, d, p, ok).items():
                dims[f"zone_{name}"] = np.where(valid, flag, np.nan)
        for measure, block in dims.items():
            start = idx[f"dim:{measure}:{self.dim_ids[0]}"]
            x[start:start + len(self.dim_ids)] = block

        if answers.weights is not None:
            start = idx[f"dim:importance:{self.dim_ids[0]}"]
            allocated = ~np.isnan(answers.weights).all(axis=0)
            x[start:start + len(self.dim_ids), allocated] = answers.weights[:, allocated]
        if inst.has_gap:
            gaps = dims["gap"]
            complete = ~np.isnan(gaps).any(axis=0)
            x[idx["servqual:unweighted"], complete] = gaps[:, complete].mean(axis=0)
            if answers.weights is not None:
                w = answers.weights / inst.importance.total
                ok = complete & ~np.isnan(w).any(axis=0)
                x[idx["servqual:weighted"], ok] = (w[:, ok] * gaps[:, ok]).sum(axis=0)
        if Part.perception in inst.parts:
            perc = dims["perception"]
            if self.lower_better.any():  # a cost counts against the overall score
                perc = perc.copy()
                perc[self.lower_better] = inst.scale.min + inst.scale.max - perc[self.lower_better]
            complete = ~np.isnan(perc).any(axis=0)
            x[idx["servperf"], complete] = perc[:, complete].mean(axis=0)
        for j, out in enumerate(inst.outcomes):
            v = answers.outcomes[j]
            x[idx[f"outcome:{out.id}"]] = v
            if out.kind == "nps":
                ok = ~np.isnan(v)
                promoter, detractor = v >= 9, v <= 6
                for which, flag in (("promoters", promoter), ("passives", ~promoter & ~detractor),
                                    ("detractors", detractor)):
                    x[idx[f"nps:{which}:{out.id}"], ok] = flag[ok]
                x[idx[f"nps:score:{out.id}"], ok] = 100.0 * promoter[ok] - 100.0 * detractor[ok]
            else:
                ok = ~np.isnan(v)
                x[idx[f"topbox:{out.id}"], ok] = v[ok] >= top_box_threshold(out)
        return x.T


def top_box_threshold(outcome) -> int:
    """The lowest answer in the top two boxes of a rating outcome (6 on 1–7, 4 on 1–5)."""
    return outcome.max - 1


def _zone(adequate, desired, perceived, valid) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Zone of tolerance flags (and where they are defined) from A, D and P of any dtype."""
    inverted = adequate > desired
    below = ~inverted & (perceived < adequate)
    above = ~inverted & (perceived > desired)
    within = ~inverted & ~below & ~above
    return {"below": (below, valid), "within": (within, valid), "above": (above, valid),
            "inverted": (inverted, valid)}
