"""Per-respondent scores: the variables every reported statistic summarises.

For each respondent (row) :class:`Scorer` derives, following DESIGN.md exactly:

* item scores per part (reverse-keyed items scored ``min + max - x``);
* item gaps P − E, MSA = P − A, MSS = P − D where both answers are present;
* dimension scores: the mean of the respondent's answered items of the dimension, for
  each part and for each difference (a dimension gap is the mean of the item gaps, not
  the difference of the dimension means);
* zone of tolerance indicators per item and dimension: below (P < A), within
  (A ≤ P ≤ D), above (P > D), inverted (A > D; in none of the other three);
* unweighted SERVQUAL (mean of the five dimension gaps) and weighted SERVQUAL
  (Σ w_d/100 · gap_d), only for respondents with every dimension gap (and an allocation);
* the SERVPERF score (mean of the dimension perception scores, all dimensions present);
* outcomes, and for 0–10 recommend questions promoter / passive / detractor indicators
  and the NPS contribution (+100, 0, −100).

Each variable is one column of a float matrix (NaN = not defined for that respondent);
its mean over the rows where it is defined is the reported statistic. Indicators are
0/1, so their mean is a share.
"""

from __future__ import annotations

import numpy as np

from ..instruments.schema import Instrument, Part
from ..io.validate import Answers

DIFFERENCES = {  # name: (minuend, subtrahend)
    "gap": (Part.perception, Part.expectation),
    "msa": (Part.perception, Part.adequate),
    "mss": (Part.perception, Part.desired),
}
ZONE = ("below", "within", "above", "inverted")
NPS = ("promoters", "passives", "detractors", "score")


class Scorer:
    """Derives the per-respondent variables of an instrument; ``names[i]`` names column i.

    Names: ``row``; ``item:<measure>:<id>`` and ``dim:<measure>:<dim>`` with measure a
    part, a difference (gap, msa, mss), ``any`` (answered in any part), ``zone_<which>``
    or (dimensions) ``importance``; ``servqual:unweighted``, ``servqual:weighted``,
    ``servperf``; ``outcome:<id>``; ``nps:<which>:<id>``.
    """

    def __init__(self, instrument: Instrument):
        inst = self.inst = instrument
        self.item_ids = [it.id for it in inst.items]
        self.dim_ids = [d.id for d in inst.dimensions]
        self.differences = [d for d, (a, b) in DIFFERENCES.items() if a in inst.parts and b in inst.parts]
        membership = np.zeros((len(inst.items), len(inst.dimensions)))
        for i, it in enumerate(inst.items):
            membership[i, self.dim_ids.index(it.dimension)] = 1.0
        self.membership = membership
        self.reverse = np.array([it.reverse for it in inst.items])

        names: list[str] = ["row"]
        shift: list[float] = [0.0]
        mid = inst.scale.midpoint
        measures = [(p.value, mid) for p in inst.parts] + [(d, 0.0) for d in self.differences] + [("any", 0.0)]
        if inst.has_zone:
            measures += [(f"zone_{z}", 0.0) for z in ZONE]
        for level, ids in (("item", self.item_ids), ("dim", self.dim_ids)):
            for measure, s in measures:
                names += [f"{level}:{measure}:{i}" for i in ids]
                shift += [s] * len(ids)
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
        self.names = names
        self.shift = np.array(shift)
        self.index = {n: i for i, n in enumerate(names)}
        # Segments report dimension-level figures only, not every item.
        self.segment_vars = np.array([i for i, n in enumerate(names) if not n.startswith("item:")])

    def derive(self, answers: Answers) -> np.ndarray:
        """The rows x variables matrix for one chunk of validated answers."""
        inst = self.inst
        n = answers.rows
        x = np.full((n, len(self.names)), np.nan)
        x[:, 0] = 1.0
        sc = inst.scale
        items: dict[str, np.ndarray] = {}
        for part, raw in answers.parts.items():
            values = raw.copy()
            if self.reverse.any():
                values[:, self.reverse] = sc.min + sc.max - values[:, self.reverse]
            items[part.value] = values
        for name in self.differences:
            a, b = DIFFERENCES[name]
            items[name] = items[a.value] - items[b.value]
        any_answer = np.zeros((n, len(self.item_ids)), dtype=bool)
        for part in answers.parts:
            any_answer |= ~np.isnan(items[part.value])
        items["any"] = np.where(any_answer, 1.0, np.nan)

        dims = {name: self._dimension_scores(values) for name, values in items.items()}
        if inst.has_zone:
            for level_values in (items, dims):
                level_values.update(_zone(level_values["adequate"], level_values["desired"], level_values["perception"]))

        for level, values in (("item", items), ("dim", dims)):
            for measure, block in values.items():
                start = self.index[f"{level}:{measure}:{self.item_ids[0] if level == 'item' else self.dim_ids[0]}"]
                x[:, start:start + block.shape[1]] = block

        if answers.weights is not None:
            start = self.index[f"dim:importance:{self.dim_ids[0]}"]
            allocated = ~np.isnan(answers.weights).all(axis=1)
            x[allocated, start:start + len(self.dim_ids)] = answers.weights[allocated]
        if inst.has_gap:
            gaps = dims["gap"]
            complete = ~np.isnan(gaps).any(axis=1)
            x[complete, self.index["servqual:unweighted"]] = gaps[complete].mean(axis=1)
            if answers.weights is not None:
                w = answers.weights / inst.importance.total
                ok = complete & ~np.isnan(w).any(axis=1)
                x[ok, self.index["servqual:weighted"]] = (w[ok] * gaps[ok]).sum(axis=1)
        if Part.perception in inst.parts:
            perc = dims["perception"]
            complete = ~np.isnan(perc).any(axis=1)
            x[complete, self.index["servperf"]] = perc[complete].mean(axis=1)
        for j, out in enumerate(inst.outcomes):
            v = answers.outcomes[:, j]
            x[:, self.index[f"outcome:{out.id}"]] = v
            if out.kind == "nps":
                ok = ~np.isnan(v)
                promoter, detractor = v >= 9, v <= 6
                for which, flag in (("promoters", promoter), ("passives", ~promoter & ~detractor),
                                    ("detractors", detractor)):
                    x[ok, self.index[f"nps:{which}:{out.id}"]] = flag[ok]
                x[ok, self.index[f"nps:score:{out.id}"]] = 100.0 * promoter[ok] - 100.0 * detractor[ok]
        return x

    def _dimension_scores(self, values: np.ndarray) -> np.ndarray:
        present = ~np.isnan(values)
        sums = np.where(present, values, 0.0) @ self.membership
        counts = present.astype(np.float64) @ self.membership
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / counts, np.nan)


def _zone(adequate: np.ndarray, desired: np.ndarray, perceived: np.ndarray) -> dict[str, np.ndarray]:
    ok = ~(np.isnan(adequate) | np.isnan(desired) | np.isnan(perceived))
    with np.errstate(invalid="ignore"):
        inverted = adequate > desired
        below = ~inverted & (perceived < adequate)
        above = ~inverted & (perceived > desired)
        within = ~inverted & ~below & ~above
    flags = {"below": below, "within": within, "above": above, "inverted": inverted}
    return {f"zone_{k}": np.where(ok, v.astype(np.float64), np.nan) for k, v in flags.items()}
