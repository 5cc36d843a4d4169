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
    """Kano answer-pair counts per group and feature, merged over chunks by addition.

    Answer-pair counts, shape (groups, features, 26): cells 0-24 the answer pairs, cell
    25 the respondents with either answer blank; group 0 is every respondent.

    Parameters
    ----------
    counts : ndarray of int64, shape (groups, features, 26)
        Cell ``(f - 1) * 5 + (d - 1)`` counts the functional answer f with the
        dysfunctional answer d; cell 25 the respondents with either blank.

    References
    ----------
    Kano, N., Seraku, N., Takahashi, F. & Tsuji, S. (1984). Attractive quality and must-be
    quality. Journal of the Japanese Society for Quality Control 14(2), 39–48. Berger, C.
    et al. (1993). Kano's methods for understanding customer-defined quality. Center for
    Quality Management Journal 2(4), 3–36.

    Examples
    --------
    Two respondents answering (like, dislike) and (must-be, dislike); two chunks add up:

    >>> a = KanoCounts.of(np.array([[[1, 2]], [[5, 5]]]), [np.zeros(2, dtype=np.int64)], 1)
    >>> (a + a).counts[0, 0, [4, 9]].tolist()  # cells of the pairs (1, 5) and (2, 5)
    [2, 2]

    R: ``table(factor((f - 1) * 5 + (d - 1), levels = 0:24))`` over the respondents (and
    their sum over chunks).
    """

    counts: np.ndarray

    @classmethod
    def of(cls, kano: np.ndarray, codes: list[np.ndarray], n_groups: int) -> KanoCounts:
        """Count the answer pairs of one chunk in every group.

        Counts of one chunk. ``kano`` is (2, features, rows) with answers 1-5 and 0 for
        blank (:class:`servq.io.validate.Answers`); ``codes`` one array of group numbers per
        grouping (every respondent's group 0 first, then each segment column; -1 = none).

        Parameters
        ----------
        kano : ndarray, shape (2, features, rows)
            Functional then dysfunctional answers 1-5, 0 = blank.
        codes : list of ndarray
            Per grouping, every row's group number (-1 = none).
        n_groups : int
            Groups in all (group 0 included).

        Returns
        -------
        KanoCounts

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
        """Counts of group ``g`` (features, 26); zeros for a group never seen.

        Parameters
        ----------
        g : int
            The group number (0 = every respondent).

        Returns
        -------
        ndarray of int64, shape (features, 26)
            The group's answer-pair counts per feature.
        """
        if g < len(self.counts):
            return self.counts[g]
        return np.zeros(self.counts.shape[1:], dtype=np.int64)


def plus(a: KanoCounts | None, b: KanoCounts | None) -> KanoCounts | None:
    """Sum of two optional counts (None when the instrument has no Kano part).

    Parameters
    ----------
    a, b : KanoCounts or None
        Counts of two chunks (None: no Kano part, or nothing counted yet).

    Returns
    -------
    KanoCounts or None
        ``a + b``, the one that is not None, or None.

    References
    ----------
    Kano, N., Seraku, N., Takahashi, F. & Tsuji, S. (1984). Attractive quality and must-be
    quality. Journal of the Japanese Society for Quality Control 14(2), 39–48. Berger, C.
    et al. (1993). Kano's methods for understanding customer-defined quality. Center for
    Quality Management Journal 2(4), 3–36.

    Examples
    --------
    >>> a = KanoCounts.of(np.array([[[1, 0]], [[5, 5]]]), [np.zeros(2, dtype=np.int64)], 1)
    >>> int(plus(a, a).counts[0, 0, 25]), plus(None, a) is a, plus(None, None)
    (2, True, None)

    R: ``a + b`` of two count tables (``NULL`` as absent).
    """
    if a is None or b is None:
        return a if b is None else b
    return a + b


def kano_block(inst: Instrument, counts: KanoCounts | None, segments: Mapping[str, Mapping[str, int]],
               lang: str, min_n: int) -> dict | None:
    """Kano categories and Better/Worse coefficients of every feature: the ``kano`` block.

    The ``kano`` block: every feature overall, and per segment (``segments`` maps a
    column to its values' group numbers, in report order) unless the segment has fewer
    than ``min_n`` respondents. None when the instrument has no Kano part.

    Parameters
    ----------
    inst : Instrument
        The instrument, with its Kano features and answer labels.
    counts : KanoCounts or None
        The merged answer-pair counts.
    segments : mapping of str to mapping of str to int
        Segment column -> value -> group number in ``counts``.
    lang : str
        Language of the labels.
    min_n : int
        Segments with fewer respondents are suppressed.

    Returns
    -------
    dict or None
        ``method``, ``tie_order``, ``answers``, ``features`` (per feature: n, excluded,
        category counts and shares, category, tie, tied categories, Better, Worse and the
        5 x 5 answer pairs) and ``segments`` (per column and value the same per feature,
        or ``{"n", "suppressed": True}``).

    References
    ----------
    Kano, N., Seraku, N., Takahashi, F. & Tsuji, S. (1984). Attractive quality and must-be
    quality. Journal of the Japanese Society for Quality Control 14(2), 39–48. Berger, C.
    et al. (1993). Kano's methods for understanding customer-defined quality. Center for
    Quality Management Journal 2(4), 3–36. Matzler, K. & Hinterhuber, H. H. (1998). How to
    make product development projects more successful by integrating Kano's model of
    customer satisfaction into quality function deployment. Technovation 18(1), 25–38.
    Timko, M. (1993). An experiment in continuous analysis. Center for Quality Management
    Journal 2(4), 17–20.

    Examples
    --------
    Ten respondents giving every feature the same answers, in two branches:

    >>> from servq.instruments import load_instrument
    >>> inst = load_instrument("kano-retail-banking")
    >>> k = len(inst.kano.features)
    >>> f = np.array([1, 1, 1, 1, 2, 2, 3, 1, 1, 0])  # functional (0 = blank)
    >>> d = np.array([5, 5, 5, 3, 5, 5, 3, 3, 4, 5])  # dysfunctional
    >>> kano = np.stack([np.tile(f, (k, 1)), np.tile(d, (k, 1))])
    >>> branch = np.array([1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    >>> counts = KanoCounts.of(kano, [np.zeros(10, dtype=np.int64), branch], 3)
    >>> block = kano_block(inst, counts, {"branch": {"North": 1, "South": 2}}, "en", 5)
    >>> x = block["features"][0]
    >>> x["id"], x["n"], x["excluded"], x["counts"]
    ('app_payments', 9, 1, {'A': 3, 'O': 3, 'M': 2, 'I': 1, 'R': 0, 'Q': 0})
    >>> x["category"], x["tie"], round(x["better"], 4), round(x["worse"], 4)  # A = O: O wins the tie
    ('O', True, 0.6667, -0.5556)
    >>> block["segments"]["branch"]["South"]["features"][0]["category"]
    'A'

    R: ``cat <- table(factor(category, levels = c("A", "O", "M", "I", "R", "Q")))``;
    ``(cat["A"] + cat["O"]) / sum(cat[c("A", "O", "M", "I")])`` (Better) and
    ``-(cat["O"] + cat["M"]) / sum(cat[c("A", "O", "M", "I")])`` (Worse).
    """
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
        block: dict[str, dict] = {}
        out["segments"][name] = block
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
