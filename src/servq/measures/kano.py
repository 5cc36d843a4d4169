"""The Kano part of an instrument: answer-pair counts accumulated over chunks, and the
``kano`` block of the results.

Each feature is asked as a functional/dysfunctional pair (columns ``KF_<feature>`` and
``KD_<feature>``, answers 1 like, 2 must-be, 3 neutral, 4 live with, 5 dislike). Per chunk,
:meth:`KanoCounts.of` counts the 25 answer pairs of every feature in every segment group
with one ``np.bincount`` (group 0 = all respondents); a 26th cell counts the respondents who
left either question of the pair blank, who are excluded from that feature. Counts merge
by addition, so the result is exact and the same for every chunk size.

:func:`kano_block` turns the merged pair counts into categories with the Kano evaluation
table, the category by the most frequent answer (ties broken M > O > A > I > R > Q) and
Timko's Better and Worse coefficients, from :mod:`servq.stats.kano`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..instruments.schema import Instrument

PAIRS = 25  # cell (f - 1) * 5 + (d - 1) for functional answer f, dysfunctional d
CELLS = PAIRS + 1  # the last cell: either answer blank
METHOD = ("Kano evaluation table (Berger et al. 1993); category = the most frequent one over the "
          "respondents who answered both questions, ties broken M > O > A > I > R > Q (Matzler & "
          "Hinterhuber 1998); Better = (A + O) / (A + O + M + I), Worse = -(O + M) / (A + O + M + I) "
          "(Timko 1993)")


@dataclass
class KanoCounts:
    """Answer-pair counts, shape (groups, features, 26): cells 0-24 the answer pairs, cell
    25 the respondents with either answer blank; group 0 is every respondent."""

    counts: np.ndarray

    @classmethod
    def of(cls, kano: np.ndarray, codes: list[np.ndarray], n_groups: int) -> KanoCounts:
        """Counts of one chunk. ``kano`` is (2, features, rows) with answers 1-5 and 0 for
        blank (:class:`servq.io.validate.Answers`); ``codes`` one array of group numbers per
        grouping (every respondent's group 0 first, then each segment column; -1 = none).

        >>> kano = np.array([[[1, 3, 0]], [[5, 5, 2]]])  # one feature, three respondents
        >>> c = KanoCounts.of(kano, [np.zeros(3, dtype=np.int64)], 1).counts[0, 0]
        >>> int(c[4]), int(c[14]), int(c[25])  # pairs (1, 5) and (3, 5), one blank
        (1, 1, 1)
        """
        f, d = kano[0].astype(np.int64), kano[1].astype(np.int64)
        k = f.shape[0]
        cell = np.where((f > 0) & (d > 0), (f - 1) * 5 + (d - 1), PAIRS)
        cell += CELLS * np.arange(k)[:, None]
        size = n_groups * k * CELLS
        out = np.zeros(size, dtype=np.int64)
        for group in codes:
            known = group >= 0
            out += np.bincount((cell[:, known] + group[known] * (k * CELLS)).ravel(), minlength=size)
        return cls(out.reshape(n_groups, k, CELLS))

    def __add__(self, other: KanoCounts) -> KanoCounts:
        a, b = self.counts, other.counts
        if len(a) < len(b):
            a, b = b, a
        out = a.copy()
        out[: len(b)] += b  # segment groups seen only in later chunks: zero before
        return KanoCounts(out)

    def group(self, g: int) -> np.ndarray:
        """Counts of group ``g`` (features, 26); zeros for a group never seen."""
        if g < len(self.counts):
            return self.counts[g]
        return np.zeros(self.counts.shape[1:], dtype=np.int64)


def plus(a: KanoCounts | None, b: KanoCounts | None) -> KanoCounts | None:
    """Sum of two optional counts (None when the instrument has no Kano part)."""
    if a is None or b is None:
        return a if b is None else b
    return a + b


def kano_block(inst: Instrument, counts: KanoCounts | None, segments: Mapping[str, Mapping[str, int]],
               lang: str, min_n: int) -> dict | None:
    """The ``kano`` block: every feature overall, and per segment (``segments`` maps a
    column to its values' group numbers, in report order) unless the segment has fewer
    than ``min_n`` respondents. None when the instrument has no Kano part."""
    if inst.kano is None or counts is None:
        return None
    feats = inst.kano.features
    overall = counts.group(0)
    out: dict = {
        "method": METHOD,
        "tie_order": list(_kano().TIE_ORDER),
        "answers": {str(k): v.get(lang) for k, v in inst.kano.answer_labels().items()},
        "features": [{"id": f.id, "label": f.label.get(lang), "dimension": f.dimension, **row,
                      "pairs": overall[j, :PAIRS].reshape(5, 5).tolist()}
                     for j, (f, row) in enumerate(zip(feats, _rows(overall)))],
        "segments": {},
    }
    for name, values in segments.items():
        block = out["segments"][name] = {}
        for value, g in values.items():
            c = counts.group(g)
            n = int(c[0].sum())  # every respondent of the group falls in one cell of each feature
            if n < min_n:
                block[value] = {"n": n, "suppressed": True}
            else:
                block[value] = {"n": n, "suppressed": False,
                                "features": [{"id": f.id, **row} for f, row in zip(feats, _rows(c))]}
    return out


def _kano():
    from ..stats import kano  # on use: it imports pandas

    return kano


def _rows(cells: np.ndarray) -> list[dict]:
    """Per feature of one group: n, excluded, category counts and shares, category, tie,
    the tied categories, Better and Worse."""
    import pandas as pd

    k = _kano()
    table = np.array(k.KANO_TABLE).ravel()
    to_category = np.array([[table[p] == c for c in k.CATEGORIES] for p in range(PAIRS)], dtype=np.int64)
    cats = cells[:, :PAIRS] @ to_category
    summary = k.kano_summary(pd.DataFrame(cats, columns=list(k.CATEGORIES))).to_dict()
    rows = []
    for j, c in enumerate(cats):
        s = summary[str(j)]
        n = int(c.sum())
        top = c.max()
        rows.append({
            "n": n, "excluded": int(cells[j, PAIRS]), "counts": s["counts"],
            "shares": {x: (int(v) / n if n else None) for x, v in zip(k.CATEGORIES, c)},
            "category": s["category"], "tie": s["tie"],
            "tied": [x for x in k.TIE_ORDER if top > 0 and c[k.CATEGORIES.index(x)] == top] if s["tie"] else [],
            "better": s["better"], "worse": None if s["worse"] is None else s["worse"] + 0.0,  # no -0.0
        })
    return rows
