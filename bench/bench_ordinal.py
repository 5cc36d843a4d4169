"""Benchmark the ordinal CFA at scale: ``servq analyze --ordinal`` against lavaan, both whole
processes on the same file.

The data: ``servq.simulate("servperf", N)`` (22 seven-point perception items of five
SERVQUAL dimensions, answers missing now and then), written once as CSV. Timed, each
``--repeat`` times (median), interpreter start and reading included:

- ``servq analyze DATA.csv -i servperf --ordinal --json R.json``: the whole analysis with the
  items' contingency tables summed chunk by chunk, ordinal alpha and the five-factor ordinal
  CFA (WLSMV on the pairwise polychoric correlations: a second pass over the file sums the
  casewise scores for their sampling covariance) in its quality section;
- ``Rscript``: ``read.csv`` of the same file and lavaan's
  ``cfa(model, x, ordered = items, estimator = "WLSMV", missing = "pairwise")`` — the same
  model, estimator and missing-data rule (the answer 0, "not applicable", missing in both),
  the same figures (they are compared).

It prints both times, their ratio, the peaks, and how far the figures agree. It always exits
0: it is a benchmark, not a test::

    python bench/bench_ordinal.py [--n 1000000] [--repeat 1] [--keep DIR] [--no-lavaan]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_analyze import SERVQ, machine, run_process  # noqa: E402

R_SCRIPT = r"""
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
items <- sprintf("P%d", 1:22)
x <- read.csv(args[1], colClasses = c(rep("NULL", 4), rep("integer", 22), rep("NULL", 3)))
x[x == 0] <- NA  # 0 is the instrument's "not applicable", missing to servq
model <- paste(sprintf("%s =~ %s", c("tangibles", "reliability", "responsiveness", "assurance", "empathy"),
                       c("P1 + P2 + P3 + P4", "P5 + P6 + P7 + P8 + P9", "P10 + P11 + P12 + P13",
                         "P14 + P15 + P16 + P17", "P18 + P19 + P20 + P21 + P22")), collapse = "\n")
fit <- cfa(model, x, ordered = items, estimator = "WLSMV", missing = "pairwise")
writeLines(toJSON(as.list(fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr", "chisq.scaled",
                                              "cfi.scaled", "tli.scaled", "rmsea.scaled"))),
                  digits = NA, auto_unbox = TRUE), args[2])
"""
KEYS = ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "chisq.scaled", "cfi.scaled", "tli.scaled", "rmsea.scaled")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep data and outputs here (data is reused)")
    parser.add_argument("--lavaan", action=argparse.BooleanOptionalAction, default=True,
                        help="time lavaan too (minutes and GBs from 100,000 rows on, growing with the rows)")
    args = parser.parse_args()
    import servq
    from servq.io.writers import write_table

    folder = args.keep or Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"servperf_n{args.n}_seed{args.seed}.csv"
    if not data.exists():
        write_table(servq.simulate("servperf", args.n, seed=args.seed), data)
    print(f"{args.n:,} simulated SERVPERF respondents in {data} ({data.stat().st_size / 2**20:.0f} MiB)")
    script = folder / "lavaan_ordinal.R"
    script.write_text(R_SCRIPT, encoding="utf-8")
    rscript = shutil.which("Rscript") if args.lavaan else None
    runs: dict[str, list[tuple[float, float]]] = {"servq": [], "lavaan": []}
    for _ in range(args.repeat):
        wall, peak, code, err = run_process([SERVQ, "analyze", data, "-i", "servperf", "--ordinal",
                                             "--json", folder / "servq.json", "-o", folder / "servq.html"])
        if code != 0:
            print(f"servq failed: {err.strip().splitlines()[-1] if err.strip() else code}")
            return
        runs["servq"].append((wall, peak))
        if rscript:
            wall, peak, code, err = run_process([rscript, script, data, folder / "lavaan.json"])
            if code != 0:
                print(f"lavaan failed: {err.strip().splitlines()[-1] if err.strip() else code}")
                rscript = None
            else:
                runs["lavaan"].append((wall, peak))
    print(f"\n{'process':<42}{'median s':>10}{'peak MiB':>10}")
    for name, label in (("servq", "servq analyze --ordinal (whole analysis)"), ("lavaan", "Rscript: read.csv + lavaan WLSMV")):
        if runs[name]:
            print(f"{label:<42}{statistics.median(w for w, _ in runs[name]):>10.2f}"
                  f"{max(p for _, p in runs[name]):>10.0f}")
    if runs["lavaan"]:
        ratio = statistics.median(w for w, _ in runs["lavaan"]) / statistics.median(w for w, _ in runs["servq"])
        print(f"lavaan / servq: {ratio:.1f}x")
        ours = json.loads((folder / "servq.json").read_text(encoding="utf-8"))["cfa"]["fit"]
        theirs = json.loads((folder / "lavaan.json").read_text(encoding="utf-8"))
        worst = max(abs(ours[k] - theirs[k]) / max(abs(theirs[k]), 1e-12) for k in KEYS)
        print("fit measures (servq / lavaan): " + ", ".join(f"{k} {ours[k]:.6g} / {theirs[k]:.6g}" for k in KEYS)
              + f"; largest relative difference {worst:.1e}")
    elif args.lavaan:
        print("lavaan: Rscript with lavaan not found (apt-get install r-cran-lavaan r-cran-jsonlite)")
    print()
    print(machine())


if __name__ == "__main__":
    main()
