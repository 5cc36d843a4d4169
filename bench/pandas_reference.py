"""The pandas competitor of ``servq analyze`` for the SERVQUAL instrument.

Computes, with pandas and numpy whole-column operations (no row loops), the numbers
``servq analyze --instrument servqual --by COL --json`` reports for the two-part SERVQUAL
instrument, overall and per segment value, and writes them as a subset of
``src/servq/report/results.schema.json`` with the same keys::

    python bench/pandas_reference.py DATA.parquet --by branch --out out.json

Definitions (docs/measures.md): answers E1..E22, P1..P22 on 1-7; blank and the don't-know
code 0 are missing. An item's statistics are over the respondents who answered it; its gap
P - E over those who answered both. A respondent's dimension score is the mean of their
answered items of the dimension; their dimension gap is the mean of their item gaps (not
P_dim - E_dim). Unweighted SERVQUAL is the mean of a respondent's five dimension gaps
(respondents with all five); weighted SERVQUAL is sum_d (W_d / 100) * gap_d (respondents with
all five gaps and an allocation: a blank W_<dimension> beside other points is 0 points, all
blank is no allocation, as docs/data.md says). Every statistic is reported as mean,
SD (n - 1), n and the 95% t interval mean +/- t(0.975, n - 1) * sd / sqrt(n).
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy import stats

DIMENSIONS = [  # id, first item, last item: items are numbered in dimension order
    ("tangibles", 1, 4),
    ("reliability", 5, 9),
    ("responsiveness", 10, 13),
    ("assurance", 14, 17),
    ("empathy", 18, 22),
]
DIM_IDS = [d for d, _, _ in DIMENSIONS]
ITEMS = list(range(1, 23))
ITEM_DIM = {i: d for d, lo, hi in DIMENSIONS for i in range(lo, hi + 1)}
STARTS = [lo - 1 for _, lo, _ in DIMENSIONS]  # column offsets for np.add.reduceat
WEIGHTS = [f"W_{d}" for d in DIM_IDS]
DONT_KNOW = 0
TOTAL_POINTS = 100
CONFIDENCE = 0.95


def answers(df: pd.DataFrame, prefix: str) -> np.ndarray:
    """One part's 22 answer columns as a float64 (items x respondents) matrix with NaN missing.

    Item-major because that is how pandas stores a block: ``.T`` of it is C-contiguous,
    so every reduction over respondents below runs along contiguous memory.
    """
    x = df[[f"{prefix}{i}" for i in ITEMS]].to_numpy(dtype="float64").T
    return np.where(x == DONT_KNOW, np.nan, x)


def dimension_means(x: np.ndarray) -> np.ndarray:
    """(dimensions x respondents): the mean of each respondent's non-missing items (or NaN)."""
    ok = ~np.isnan(x)
    sums = np.add.reduceat(np.where(ok, x, 0.0), STARTS, axis=0)
    counts = np.add.reduceat(ok, STARTS, axis=0, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return sums / counts


def moments(x: np.ndarray, names: list) -> pd.DataFrame:
    """Per row of ``x`` (a statistic over respondents): mean, std (n - 1), count, t interval.

    Two passes (mean, then squared deviations) with numpy's pairwise summation, NaN skipped;
    one temporary array, reused in place, because a large allocation is the slow part.
    """
    ok = ~np.isnan(x)
    n = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        work = np.where(ok, x, 0.0)
        mean = work.sum(axis=1) / n
        work -= mean[:, None]
        work *= ok  # deviations, 0 where missing
        var = np.square(work, out=work).sum(axis=1) / (n - 1)
    std = np.where(n >= 2, np.sqrt(var), np.nan)
    return with_interval(pd.DataFrame({"mean": mean, "std": std, "count": n}, index=names))


def with_interval(tab: pd.DataFrame) -> pd.DataFrame:
    """Add the t interval to a table with columns mean, std, count (one statistic per row)."""
    n = tab["count"].to_numpy(dtype="float64")
    dof = np.where(n >= 2, n - 1, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, dof) * tab["std"].to_numpy() / np.sqrt(n)
    return tab.assign(ci_low=tab["mean"] - half, ci_high=tab["mean"] + half)


def num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def stat(tab: pd.DataFrame, name) -> dict:
    row = tab.loc[name]
    return {
        "mean": num(row["mean"]),
        "sd": num(row["std"]),
        "n": int(row["count"]),
        "ci_low": num(row["ci_low"]),
        "ci_high": num(row["ci_high"]),
    }


SCORE_NAMES = [f"{d}.{part}" for part in ("expectation", "perception", "gap") for d in DIM_IDS]
SCORE_NAMES += ["servqual.unweighted", "servqual.weighted"]


def respondent_scores(E: np.ndarray, P: np.ndarray, G: np.ndarray, W: np.ndarray | None):
    """Per respondent (columns): the rows of SCORE_NAMES, and which dimensions they answered.

    ``G`` is the item gaps P - E. Returns ``(scores, answered)``: a (len(SCORE_NAMES) x n)
    float matrix and a (5 x n) boolean matrix, true where the respondent answered the
    dimension in either part.
    """
    e_dim, p_dim, g_dim = dimension_means(E), dimension_means(P), dimension_means(G)
    # Plain (not nan-) mean and sum: NaN unless all five gaps (and weights) are present.
    unweighted = g_dim.mean(axis=0)
    weighted = (W / TOTAL_POINTS * g_dim).sum(axis=0) if W is not None else np.nan
    weighted = np.broadcast_to(weighted, unweighted.shape)
    scores = np.vstack([e_dim, p_dim, g_dim, unweighted, weighted])
    answered = ~(np.isnan(e_dim) & np.isnan(p_dim))
    return scores, answered


def block(tab: pd.DataFrame, answered, has_weights: bool) -> dict:
    """The dimensions and servqual entries of one summary table (overall or a segment).

    Weighted SERVQUAL is null, not an empty statistic, when the file has no allocation.
    """
    dims = [
        {"id": d, "n": int(answered[k])}
        | {part: stat(tab, f"{d}.{part}") for part in ("expectation", "perception", "gap")}
        for k, d in enumerate(DIM_IDS)
    ]
    servqual = {kind: stat(tab, f"servqual.{kind}") for kind in ("unweighted", "weighted")}
    if not has_weights:
        servqual["weighted"] = None
    return {"dimensions": dims, "servqual": servqual}


def analyse(df: pd.DataFrame, by: list[str], min_n: int = 1) -> dict:
    """The results dictionary for a frame with E1..E22, P1..P22 (and W_*, segment columns)."""
    E, P = answers(df, "E"), answers(df, "P")
    has_w = all(c in df.columns for c in WEIGHTS)
    W = None
    if has_w:  # (5 x respondents); blanks are 0 points unless the whole allocation is blank
        W = df[WEIGHTS].to_numpy(dtype="float64").T
        W = np.where(np.isnan(W).all(axis=0), np.nan, np.nan_to_num(W))

    G = P - E  # NaN unless both parts are answered
    item_tabs = {"expectation": moments(E, ITEMS), "perception": moments(P, ITEMS)}
    item_tabs["gap"] = moments(G, ITEMS)
    item_n = (~(np.isnan(E) & np.isnan(P))).sum(axis=1)
    items = [
        {"id": i, "dimension": ITEM_DIM[i], "n": int(item_n[k])}
        | {part: stat(tab, i) for part, tab in item_tabs.items()}
        for k, i in enumerate(ITEMS)
    ]

    scores, answered = respondent_scores(E, P, G, W)
    overall = block(moments(scores, SCORE_NAMES), answered.sum(axis=1), has_w)
    out = {
        "n_respondents": len(df),
        "dimensions": overall["dimensions"],
        "items": items,
        "servqual": overall["servqual"],
        "segments": {},
    }

    per_respondent = pd.DataFrame(scores.T, columns=SCORE_NAMES, copy=False)
    flags = pd.DataFrame(answered.T, columns=DIM_IDS, copy=False)
    for col in by:
        key = df[col]  # missing segment values form no segment (groupby's dropna)
        grouped = per_respondent.groupby(key).agg(["mean", "std", "count"])
        by_flags = flags.groupby(key)
        seg_answered = by_flags.sum()
        segs = {}
        for value, size in by_flags.size().items():
            seg = {"n": int(size), "suppressed": bool(size < min_n)}
            if not seg["suppressed"]:
                tab = with_interval(grouped.loc[value].unstack())
                seg |= block(tab, seg_answered.loc[value].to_numpy(), has_w)
            segs[str(value)] = seg
        out["segments"][col] = segs
    return out


def read(path: str, by: list[str]) -> pd.DataFrame:
    """Read only the columns the analysis needs (W_* only if the file has all five)."""
    names = set(pq.read_schema(path).names)
    columns = [f"{part}{i}" for part in "EP" for i in ITEMS]
    columns += WEIGHTS if set(WEIGHTS) <= names else []
    return pd.read_parquet(path, columns=columns + by)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="a Parquet file with E1..E22, P1..P22")
    parser.add_argument("--by", action="append", default=[], help="segment column (repeatable)")
    parser.add_argument("--out", required=True, help="the JSON file to write")
    parser.add_argument("--min-n", type=int, default=5, help="suppress smaller segments (servq: 5)")
    args = parser.parse_args(argv)
    results = analyse(read(args.data, args.by), args.by, args.min_n)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, allow_nan=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
