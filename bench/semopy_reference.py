"""The semopy competitor of servq's instrument-quality section for SERVPERF perceptions.

Does, in one process, the three jobs ``servq analyze --instrument servperf`` does for the
quality section, with semopy and pandas, and writes the numbers with servq's JSON keys::

    python bench/semopy_reference.py DATA.parquet --out out.json

- Data: the 22 columns P1..P22 read with ``pandas.read_parquet``; blank and the don't-know
  code 0 are missing (NaN).
- Reliability: Cronbach's alpha per dimension with a short pandas formula on the
  pairwise-complete covariance matrix C (``DataFrame.cov`` skips NaN pair by pair, as
  ``psych::alpha``'s default ``use = "pairwise"`` does):
  alpha = k/(k-1) * (1 - tr C / sum C).
- CFA: the five-factor model (``tangibles =~ P1 + P2 + P3 + P4`` ...) fitted by semopy's
  default ML objective (MLW, the Wishart likelihood ratio on S divided by N, first loading
  fixed to 1) on the listwise-complete respondents, as lavaan's default ``missing =
  "listwise"``; fit measures from ``semopy.calc_stats`` under lavaan's names.
  ``cfa.fit_s`` is the time of the ML optimisation alone (``Model.fit`` after
  ``Model.load``), ``cfa.load_s`` that of ``Model.load`` (covariance matrix and starting
  values) and ``cfa.stats_s`` that of ``calc_stats`` (which fits the baseline model).
  semopy's SLSQP stops at its default ``ftol`` 1e-6: on a million simulated respondents its
  chisq is then about 5e-4 (relative) above lavaan's; ``--ftol 1e-12`` reaches lavaan's
  chisq (344.674007 on seed 1) to 1e-6.
- HTMT (semopy has none): from the listwise-complete correlation matrix (pandas), absolute
  correlations, as ``semTools::htmt``'s defaults: the mean between-dimension item
  correlation over the geometric mean of the two mean within-dimension correlations.

The helpers ``DIMENSIONS``, :func:`read_answers`, :func:`number`, :func:`htmt` and
:func:`write_json` are shared with ``bench/pingouin_reference.py``; semopy itself is
imported inside :func:`fit_cfa`, so that process does not pay for it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

DIMENSIONS = {  # SERVPERF / SERVQUAL perceptions: dimension -> items
    "tangibles": [f"P{i}" for i in range(1, 5)],
    "reliability": [f"P{i}" for i in range(5, 10)],
    "responsiveness": [f"P{i}" for i in range(10, 14)],
    "assurance": [f"P{i}" for i in range(14, 18)],
    "empathy": [f"P{i}" for i in range(18, 23)],
}
ITEMS = [item for items in DIMENSIONS.values() for item in items]
DONT_KNOW = 0
MODEL = "\n".join(f"{dim} =~ {' + '.join(items)}" for dim, items in DIMENSIONS.items())
SEMOPY_TO_LAVAAN = {  # calc_stats column -> lavaan fitMeasures name (same definition or close)
    "chi2": "chisq", "DoF": "df", "chi2 p-value": "pvalue", "chi2 Baseline": "baseline.chisq",
    "DoF Baseline": "baseline.df", "CFI": "cfi", "TLI": "tli", "RMSEA": "rmsea",
    "GFI": "gfi", "AGFI": "agfi", "NFI": "nfi",
}


def read_answers(path: Path) -> pd.DataFrame:
    """P1..P22 as float64 with NaN for blank answers and for the don't-know code 0."""
    answers = pd.read_parquet(path, columns=ITEMS).astype("float64")
    return answers.where(answers != DONT_KNOW)


def number(x) -> float | None:
    """A JSON number, None for NaN or infinity."""
    x = float(x)
    return x if math.isfinite(x) else None


def alpha_pairwise(answers: pd.DataFrame, items: list[str]) -> float:
    """Cronbach's alpha from the pairwise-complete covariances (psych::alpha's default)."""
    c = answers[items].cov().to_numpy()
    k = len(items)
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


def htmt(corr: pd.DataFrame) -> dict:
    """HTMT of every pair of dimensions, {a: {b: value}}, 1 on the diagonal."""
    r = corr.abs()
    within = {}
    for dim, items in DIMENSIONS.items():
        block = r.loc[items, items].to_numpy()
        k = len(items)
        within[dim] = (block.sum() - np.trace(block)) / (k * (k - 1))
    out: dict = {a: {} for a in DIMENSIONS}
    for a, items_a in DIMENSIONS.items():
        for b, items_b in DIMENSIONS.items():
            between = r.loc[items_a, items_b].to_numpy().mean()
            out[a][b] = 1.0 if a == b else number(between / math.sqrt(within[a] * within[b]))
    return out


def fit_cfa(complete: pd.DataFrame, ftol: float | None = None) -> dict:
    """The five-factor CFA fitted by semopy (ML) on listwise-complete rows, with its fit.

    ``ftol`` is SLSQP's stopping tolerance on the objective; None keeps semopy's default.
    """
    import semopy

    model = semopy.Model(MODEL)
    start = time.perf_counter()
    model.load(complete)  # semopy's covariance matrix and starting values
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    options = None if ftol is None else {"ftol": ftol}
    result = model.fit(options=options)  # the ML optimisation alone, on the loaded matrix
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    stats = semopy.calc_stats(model).iloc[0]
    stats_s = time.perf_counter() - start
    fit = {lavaan: number(stats[name]) for name, lavaan in SEMOPY_TO_LAVAAN.items()}
    return {
        "model": MODEL,
        "n": int(model.n_samples),
        "converged": bool(result.success),
        "objective": "MLW",
        "ftol": ftol,
        "fit": fit,
        "semopy_stats": {str(k): number(v) for k, v in stats.items()},
        "load_s": load_s,
        "fit_s": fit_s,
        "stats_s": stats_s,
    }


def write_json(results: dict, out: Path) -> None:
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="Parquet file with columns P1..P22")
    parser.add_argument("--out", type=Path, required=True, help="write the results JSON here")
    parser.add_argument("--ftol", type=float, help="SLSQP tolerance (default: semopy's, 1e-6)")
    args = parser.parse_args(argv)

    answers = read_answers(args.data)
    reliability = [{"id": dim, "raw_alpha": number(alpha_pairwise(answers, items))}
                   for dim, items in DIMENSIONS.items()]
    complete = answers.dropna()
    cfa = fit_cfa(complete, args.ftol)
    results = {
        "n_respondents": len(answers),
        "reliability": {"use": "pairwise", "method": "pandas formula", "dimensions": reliability},
        "cfa": cfa,
        "validity": {"use": "listwise", "n": len(complete), "htmt": htmt(complete.corr())},
    }
    write_json(results, args.out)
    shown = ", ".join(f"{k} {cfa['fit'][k]}" for k in ("chisq", "df", "cfi", "tli", "rmsea"))
    print(f"semopy CFA on {cfa['n']:,} listwise-complete of {len(answers):,} respondents: "
          f"{shown}; load {cfa['load_s']:.2f} s, fit {cfa['fit_s']:.2f} s, "
          f"calc_stats {cfa['stats_s']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
