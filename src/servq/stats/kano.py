"""Kano classification of features from functional/dysfunctional question pairs.

Each feature is asked twice: "If the service has this feature, how do you feel?"
(functional) and "… does not have it?" (dysfunctional), both answered 1 I like it,
2 it must be that way, 3 I am neutral, 4 I can live with it, 5 I dislike it. The answer pair
is classified with the Kano evaluation table (:data:`KANO_TABLE`, Berger et al. 1993) into
A attractive, O one-dimensional, M must-be, I indifferent, R reverse, Q questionable.

Per feature: the counts of each category over the respondents who answered both questions
(counts are additive over chunks and segments, so :func:`kano_summary` works from merged
counts), the category by majority — ties broken in the order M > O > A > I > R > Q
(Matzler & Hinterhuber 1998: "M > O > A > I", the category with the larger effect on
satisfaction first), with ``tie`` flagged — and the customer satisfaction coefficients
(Timko 1993, in Berger et al. 1993)
    Better = (A + O) / (A + O + M + I),   Worse = −(O + M) / (A + O + M + I)
(NaN when A + O + M + I = 0).

References: Berger, C. et al. (1993). Kano's methods for understanding customer-defined
quality. *Center for Quality Management Journal* 2(4), 3–36. Matzler, K. & Hinterhuber,
H. H. (1998). *Technovation* 18(1), 25–38.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

CATEGORIES = ("A", "O", "M", "I", "R", "Q")
CATEGORY_NAMES = {"A": "attractive", "O": "one-dimensional", "M": "must-be",
                  "I": "indifferent", "R": "reverse", "Q": "questionable"}
ANSWERS = {1: "like", 2: "must-be", 3: "neutral", 4: "live with", 5: "dislike"}
TIE_ORDER = ("M", "O", "A", "I", "R", "Q")

# Kano evaluation table, Berger et al. (1993), Table 2: row = functional answer 1–5,
# column = dysfunctional answer 1–5 (1 like, 2 must-be, 3 neutral, 4 live with, 5 dislike).
KANO_TABLE = (
    ("Q", "A", "A", "A", "O"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "R", "R", "R", "Q"),
)


class KanoError(ValueError):
    """Answers the Kano classification cannot use; the message names respondent and feature.

    Parameters
    ----------
    *args : object
        As for :class:`ValueError`: the message.

    References
    ----------
    .. [1] Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel, W.,
       Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., & Walden, D. (1993).
       Kano's methods for understanding customer-defined quality. *Center for Quality
       Management Journal*, 2(4), 3–36.

    Examples
    --------
    An answer outside the five-point Kano scale (no R package implements Kano; a hand-made
    lookup ``K[f, d]`` in R fails with "subscript out of bounds"):

    >>> try:
    ...     kano_category(1, 6)
    ... except KanoError as exc:
    ...     print(exc)
    dysfunctional answer 6 is not one of 1–5
    """


@dataclass(frozen=True)
class KanoResult:
    """Per feature (index): counts of A, O, M, I, R, Q, the majority category, whether it
    was a tie, Better and Worse; ``categories`` holds each respondent's category (None when
    built from counts alone).

    Parameters
    ----------
    counts : DataFrame
        Per feature (row): counts of A, O, M, I, R and Q.
    category : Series
        The majority category per feature (None for a feature without answers).
    tie : Series of bool
        Whether the majority was a tie, broken in the order M > O > A > I > R > Q.
    better, worse : Series
        Customer satisfaction coefficients (NaN when A + O + M + I = 0).
    categories : DataFrame or None
        Each respondent's category per feature (None where not answered, or altogether
        when built from counts).

    References
    ----------
    .. [1] Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel, W.,
       Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., & Walden, D. (1993).
       Kano's methods for understanding customer-defined quality. *Center for Quality
       Management Journal*, 2(4), 3–36.
    .. [2] Matzler, K., & Hinterhuber, H. H. (1998). How to make product development projects
       more successful by integrating Kano's model of customer satisfaction into quality
       function deployment. *Technovation*, 18(1), 25–38.

    Examples
    --------
    In R, with the respondents' categories in ``cat``: ``table(factor(cat, levels =
    c("A", "O", "M", "I", "R", "Q")))`` per feature.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"wifi": [1, 1, 3, 2], "queue": [2, 4, 1, 5]})
    >>> d = pd.DataFrame({"wifi": [3, 5, 3, 5], "queue": [5, 5, 5, 1]})
    >>> k = kano_classify(f, d)
    >>> k.categories["queue"].tolist()
    ['M', 'M', 'O', 'R']
    >>> q = k.to_dict()["queue"]
    >>> q["n"], q["counts"], q["category"], round(q["better"], 4), q["worse"]
    (4, {'A': 0, 'O': 1, 'M': 2, 'I': 0, 'R': 1, 'Q': 0}, 'M', 0.3333, -1.0)
    """

    counts: pd.DataFrame
    category: pd.Series
    tie: pd.Series
    better: pd.Series
    worse: pd.Series
    categories: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per feature: n, the six counts, category, tie, better, worse."""
        out = self.counts.copy()
        out.insert(0, "n", out.sum(axis=1))
        out["category"] = self.category
        out["tie"] = self.tie
        out["better"] = self.better
        out["worse"] = self.worse
        return out

    def to_dict(self) -> dict:
        """JSON-able dict keyed by feature (NaN coefficients as None)."""
        return {str(f): {"n": int(r["n"]), "counts": {c: int(r[c]) for c in CATEGORIES},
                         "category": r["category"], "tie": bool(r["tie"]),
                         "better": _plain(r["better"]), "worse": _plain(r["worse"])}
                for f, r in self.to_frame().iterrows()}


def kano_category(functional: int, dysfunctional: int) -> str:
    """Category of one answer pair from :data:`KANO_TABLE`.

    Parameters
    ----------
    functional : int
        Answer 1–5 to the functional question.
    dysfunctional : int
        Answer 1–5 to the dysfunctional question.

    Returns
    -------
    str
        One of ``"A"``, ``"O"``, ``"M"``, ``"I"``, ``"R"``, ``"Q"``.

    Raises
    ------
    KanoError
        If an answer is not one of 1–5.

    References
    ----------
    .. [1] Kano, N., Seraku, N., Takahashi, F., & Tsuji, S. (1984). Attractive quality and
       must-be quality. *Hinshitsu (Journal of the Japanese Society for Quality Control)*,
       14(2), 39–48.
    .. [2] Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel, W.,
       Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., & Walden, D. (1993).
       Kano's methods for understanding customer-defined quality. *Center for Quality
       Management Journal*, 2(4), 3–36.

    Examples
    --------
    In R, with the table as a 5 × 5 character matrix ``K``: ``K[1, 5]``, ``K[3, 5]``, ``K[1, 3]``.

    >>> kano_category(1, 5), kano_category(3, 5), kano_category(1, 3)
    ('O', 'M', 'A')
    >>> kano_category(5, 5), kano_category(2, 1)
    ('Q', 'R')
    """
    row = _answer(functional, "functional") - 1
    return KANO_TABLE[row][_answer(dysfunctional, "dysfunctional") - 1]


def kano_classify(functional, dysfunctional,
                  features: Sequence[Hashable] | None = None) -> KanoResult:
    """Classify every respondent's answer pair per feature and summarise per feature.

    Parameters
    ----------
    functional, dysfunctional : (respondents, features) DataFrame or array, or 1-D for one feature
        Answers 1–5; NaN = missing (a respondent missing either answer is not counted for
        that feature). DataFrames must have the same columns and index.
    features : names, optional
        Feature names for arrays (default ``f1`` …).

    Returns
    -------
    KanoResult
        Counts, majority category, tie flag, Better and Worse per feature, and each
        respondent's category.

    Raises
    ------
    KanoError
        If an answer is not 1–5 (or missing), the two tables differ in features or
        respondents, an array has more than 2 dimensions, or ``features`` does not match
        its columns.

    References
    ----------
    .. [1] Kano, N., Seraku, N., Takahashi, F., & Tsuji, S. (1984). Attractive quality and
       must-be quality. *Hinshitsu (Journal of the Japanese Society for Quality Control)*,
       14(2), 39–48.
    .. [2] Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel, W.,
       Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., & Walden, D. (1993).
       Kano's methods for understanding customer-defined quality. *Center for Quality
       Management Journal*, 2(4), 3–36.
    .. [3] Matzler, K., & Hinterhuber, H. H. (1998). How to make product development projects
       more successful by integrating Kano's model of customer satisfaction into quality
       function deployment. *Technovation*, 18(1), 25–38.

    Examples
    --------
    >>> f = pd.DataFrame({"wifi": [1, 1, 3, 2], "queue": [2, 4, 1, 5]})
    >>> d = pd.DataFrame({"wifi": [3, 5, 3, 5], "queue": [5, 5, 5, 1]})
    >>> k = kano_classify(f, d)
    >>> k.to_frame()[["n", "A", "O", "M", "I", "R", "category", "tie"]]
           n  A  O  M  I  R category    tie
    wifi   4  1  1  1  1  0        M   True
    queue  4  0  1  2  0  1        M  False
    >>> k.better.round(4).tolist(), k.worse.round(4).tolist()
    ([0.5, 0.3333], [-0.5, -1.0])

    No R package is the reference; the table is Berger et al. (1993).
    """
    f, d = _frame(functional, features), _frame(dysfunctional, features)
    if list(f.columns) != list(d.columns) or not f.index.equals(d.index):
        raise KanoError("functional and dysfunctional answers must have the same features "
                        "(columns) and respondents (rows)")
    fv, dv = _answers(f, "functional"), _answers(d, "dysfunctional")
    table = np.array(KANO_TABLE, dtype=object)
    ok = (fv > 0) & (dv > 0)
    cats = np.full(fv.shape, None, dtype=object)
    cats[ok] = table[fv[ok] - 1, dv[ok] - 1]
    categories = pd.DataFrame(cats, index=f.index, columns=f.columns, dtype=object)
    counts = pd.DataFrame({c: (cats == c).sum(axis=0) for c in CATEGORIES}, index=f.columns)
    return _summary(counts, categories)


def kano_summary(counts) -> KanoResult:
    """Majority category, tie flag, Better and Worse from per-feature counts (a DataFrame
    with columns A, O, M, I, R, Q, one row per feature), e.g. counts merged over segments.

    Parameters
    ----------
    counts : DataFrame or mapping
        Non-negative whole counts with columns A, O, M, I, R, Q (others are ignored), one
        row per feature.

    Returns
    -------
    KanoResult
        As :func:`kano_classify`, with ``categories=None``.

    Raises
    ------
    KanoError
        If a category column is missing or a count is not a non-negative whole number.

    References
    ----------
    .. [1] Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel, W.,
       Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., & Walden, D. (1993).
       Kano's methods for understanding customer-defined quality. *Center for Quality
       Management Journal*, 2(4), 3–36.
    .. [2] Matzler, K., & Hinterhuber, H. H. (1998). How to make product development projects
       more successful by integrating Kano's model of customer satisfaction into quality
       function deployment. *Technovation*, 18(1), 25–38.

    Examples
    --------
    I and Q tie at 7; the tie goes to I, which comes first in the order M > O > A > I > R > Q.
    In R: Better =
    ``(5 + 3) / (5 + 3 + 5 + 7)``, Worse = ``-(3 + 5) / (5 + 3 + 5 + 7)``.

    >>> k = kano_summary(pd.DataFrame({"A": [5], "O": [3], "M": [5], "I": [7], "R": [0],
    ...                                "Q": [7]}, index=["parking"]))
    >>> k.to_dict()["parking"]["category"], k.to_dict()["parking"]["tie"]
    ('I', True)
    >>> float(k.better["parking"]), float(k.worse["parking"])
    (0.4, -0.4)
    """
    counts = pd.DataFrame(counts)
    missing = [c for c in CATEGORIES if c not in counts.columns]
    if missing:
        raise KanoError(f"counts need columns {list(CATEGORIES)}; missing {missing}")
    v = counts[list(CATEGORIES)].to_numpy(dtype=float)
    if not np.all(np.isfinite(v)) or np.any(v < 0) or np.any(v != np.round(v)):
        raise KanoError("counts must be non-negative whole numbers")
    return _summary(counts[list(CATEGORIES)].astype(np.int64), None)


def _summary(counts: pd.DataFrame, categories) -> KanoResult:
    c = counts.to_numpy()
    top = c.max(axis=1)
    order = [CATEGORIES.index(x) for x in TIE_ORDER]
    best, tie = [], []
    for row, m in zip(c, top):
        winners = [CATEGORIES[k] for k in order if row[k] == m]
        best.append(winners[0] if m > 0 else None)
        tie.append(m > 0 and len(winners) > 1)
    a, o, mm, i = (counts[x].to_numpy(dtype=float) for x in ("A", "O", "M", "I"))
    base = a + o + mm + i
    with np.errstate(invalid="ignore", divide="ignore"):
        better = np.where(base > 0, (a + o) / base, np.nan)
        worse = np.where(base > 0, -(o + mm) / base, np.nan)
    idx = counts.index
    return KanoResult(counts=counts,
                      category=pd.Series(best, index=idx, name="category", dtype=object),
                      tie=pd.Series(tie, index=idx, name="tie", dtype=bool),
                      better=pd.Series(better, index=idx, name="better"),
                      worse=pd.Series(worse, index=idx, name="worse"), categories=categories)


def _frame(x, features) -> pd.DataFrame:
    if isinstance(x, pd.Series):
        return x.to_frame()
    if isinstance(x, pd.DataFrame):
        return x
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise KanoError(f"answers must be a 1-D or 2-D table, got {a.ndim} dimensions")
    names = list(features) if features is not None else [f"f{j + 1}" for j in range(a.shape[1])]
    if len(names) != a.shape[1]:
        raise KanoError(f"{len(names)} feature names for {a.shape[1]} columns")
    return pd.DataFrame(a, columns=names)


def _answers(df: pd.DataFrame, which: str) -> np.ndarray:
    """Answers as ints 1–5, 0 where missing."""
    try:
        v = df.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise KanoError(f"{which} answers must be numbers 1–5") from None
    bad = np.argwhere(~np.isnan(v) & ~np.isin(v, [1, 2, 3, 4, 5]))
    if bad.size:
        i, j = bad[0]
        raise KanoError(f"{which} answer of respondent {df.index[i]!r} to feature "
                        f"{df.columns[j]!r} is {v[i, j]:g}; answers are 1–5 "
                        f"({', '.join(f'{k} {t}' for k, t in ANSWERS.items())})")
    return np.nan_to_num(v, nan=0.0).astype(int)


def _answer(x, which: str) -> int:
    if x not in ANSWERS:
        raise KanoError(f"{which} answer {x!r} is not one of 1–5")
    return int(x)


def _plain(v):
    v = float(v)
    return None if np.isnan(v) else v
