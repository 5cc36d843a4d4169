"""Benchmark the robust multi-group ML paths of servq's SEM engine as the groups multiply.

The data: ``servq simulate servqual`` with 500 respondents a branch (``-n 500·G --branches G
--seed 5``), the 22 perception items P1..P22 as numbers (the don't-know code 0 and blanks
missing), grouped by ``branch``; the five-factor SERVQUAL model. Timed in this process, for
each number of groups G:

- ``invariance(model, data, "branch", estimator="MLR")``: configural, metric and scalar fits
  with Huber–White standard errors and the Yuan–Bentler scaled χ² (listwise-complete rows);
- the same with ``estimator="MLM"`` (robust.sem standard errors, Satorra–Bentler χ²);
- ``cfa(model, data, group="branch", missing="fiml", estimator="MLR")``: full-information ML
  over every row, with the robust fit measures of Zhang & Savalei.

It prints the seconds of each, and with ``--save FILE`` writes the figures (every fit
measure, the estimates and standard errors) to compare two versions of the code with
``--compare FILE`` (largest relative difference). It always exits 0: it is a benchmark,
not a test::

    python bench/bench_sem_groups.py [--groups 10 20 40] [--jobs mlr mlm fiml] [--save F] [--compare F]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from servq.io.simulation import simulate
from servq.stats.sem import cfa
from servq.stats.sem.invariance import invariance

ITEMS = [f"P{i}" for i in range(1, 23)]
MODEL = "\n".join(f"{f} =~ " + " + ".join(f"P{i}" for i in items) for f, items in [
    ("tangibles", range(1, 5)), ("reliability", range(5, 10)), ("responsiveness", range(10, 14)),
    ("assurance", range(14, 18)), ("empathy", range(18, 23))])
PER_GROUP = 500


def data(groups: int) -> pd.DataFrame:
    """500 simulated respondents a branch: P1..P22 (0 = don't know, missing) and ``branch``."""
    table = simulate("servqual", PER_GROUP * groups, seed=5, branches=groups).to_pandas()
    out = table[ITEMS].astype(float).replace(0.0, np.nan)
    out["branch"] = table["branch"].astype(str)
    return out


def figures(fit) -> dict[str, list[float]]:
    """A fit's measures, estimates and standard errors, as lists of numbers."""
    frame = fit.to_frame()
    return {"fit": [float(v) for _, v in sorted(fit.fit.items())], "est": frame["est"].tolist(),
            "se": frame["se"].tolist()}


def run(job: str, frame: pd.DataFrame) -> dict[str, list[float]]:
    """One job; its figures."""
    if job == "fiml":
        return {"fiml": figures(cfa(MODEL, frame, group="branch", missing="fiml", estimator="MLR"))}
    res = invariance(MODEL, frame, "branch", estimator=job.upper())
    out = {name: figures(fit) for name, fit in res.fits.items()}
    out["table"] = {"fit": res.table[["chisq_diff", "pvalue", "cfi_diff"]].to_numpy(float).ravel().tolist()}
    return out


def largest_difference(a, b) -> float:
    """The largest relative difference between two nested lists of numbers (NaN where equal)."""
    if isinstance(a, dict):
        return max((largest_difference(a[k], b[k]) for k in a), default=0.0)
    x, y = np.asarray(a, float), np.asarray(b, float)
    both = np.isfinite(x) & np.isfinite(y)
    if not np.array_equal(np.isfinite(x), np.isfinite(y)):
        return float("inf")
    scale = np.maximum(np.abs(x[both]), 1e-8)
    return float(np.max(np.abs(x[both] - y[both]) / scale, initial=0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, nargs="+", default=[10, 20, 40])
    parser.add_argument("--jobs", nargs="+", default=["mlr", "mlm", "fiml"], choices=["mlr", "mlm", "fiml"])
    parser.add_argument("--save", type=Path, help="write the figures here (JSON)")
    parser.add_argument("--compare", type=Path, help="compare the figures with those saved here")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}", flush=True)
    saved = json.loads(args.compare.read_text()) if args.compare else {}
    out: dict[str, dict] = {}
    print(f"{'groups':>6} {'job':>5} {'seconds':>8}  largest relative difference", flush=True)
    for groups in args.groups:
        frame = data(groups)
        for job in args.jobs:
            key = f"{groups}/{job}"
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[key] = run(job, frame)
            seconds = time.perf_counter() - start
            diff = f"{largest_difference(out[key], saved[key]):.2e}" if key in saved else ""
            load = os.getloadavg()[0]
            print(f"{groups:>6} {job:>5} {seconds:>8.1f}  {diff:>10}  (load {load:.1f} on {os.cpu_count()} CPUs)", flush=True)
            if args.save:
                args.save.write_text(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
