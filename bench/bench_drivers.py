"""Benchmark key drivers with bootstrap intervals: 1,000 resamples on 100,000 respondents.

Simulates N SERVQUAL respondents, takes each respondent's five dimension perception scores
(the mean of their answered items) and overall satisfaction, and times
``servq.drivers(..., n_boot=1000)`` (relative weights and LMG with percentile intervals) in
a fresh process, interpreter start and imports included. Target (issue 4): under 10 s on
this 2-core machine. Then times ``servq analyze DATA -i servqual --boot 1000`` (the CLI,
whole process, against the same command without ``--boot``; the difference is the cost of
the Poisson-weighted sums of every outcome of SERVQUAL, 3 outcomes x 1000 replicates,
accumulated while the file is read). It always exits 0: it is a benchmark, not a test::

    python bench/bench_drivers.py [--n 100000] [--boot 1000] [--seed 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_analyze import machine, run_process, verdict  # noqa: E402

TARGET_S = 10.0
DIMENSIONS = {"tangibles": range(1, 5), "reliability": range(5, 10), "responsiveness": range(10, 14),
              "assurance": range(14, 18), "empathy": range(18, 23)}
WORKER = """
import sys
import numpy as np, pandas as pd, pyarrow.parquet as pq, servq
t = pq.read_table(sys.argv[1])
cols = {}
for dim, items in DIMS.items():
    x = np.column_stack([t.column(f"P{i}").to_numpy(zero_copy_only=False).astype(float) for i in items])
    x[x == 0] = np.nan  # don't know
    cols[dim] = np.nanmean(x, axis=1)
frame = pd.DataFrame({"sat": t.column("overall_satisfaction").to_numpy(zero_copy_only=False).astype(float), **cols})
res = servq.drivers(frame, "sat", list(cols), n_boot=int(sys.argv[2]), seed=1)
if res.n_boot != int(sys.argv[2]):
    sys.exit("bootstrap incomplete")
"""
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="servq-bench-drivers-") as tmp:
        data = Path(tmp) / "answers.parquet"
        servq_cli = Path(sys.executable).with_name("servq")
        subprocess.run([str(servq_cli), "simulate", "servqual", "-n", str(args.n), "--seed", str(args.seed),
                        "-o", str(data)], check=True, capture_output=True)
        print(machine())
        script = Path(tmp) / "drivers_worker.py"
        script.write_text(WORKER.replace("DIMS", repr({k: list(v) for k, v in DIMENSIONS.items()})))
        walls = []
        for _ in range(args.repeat):
            wall, peak, code, stderr = run_process([sys.executable, script, data, str(args.boot)])
            if code != 0:
                print(f"drivers failed: {stderr.strip().splitlines()[-1] if stderr.strip() else code}")
                return 0
            walls.append((wall, peak))
        median = statistics.median(w for w, _ in walls)
        print(f"servq.drivers, {args.boot} resamples, {args.n:,} respondents x 5 predictors (whole process):")
        print(f"  best {min(w for w, _ in walls):.2f} s, median {median:.2f} s, "
              f"peak {max(p for _, p in walls):.0f} MiB")
        print(f"  target < {TARGET_S:g} s: {verdict(median < TARGET_S)}")
        _bench_analyze(data, servq_cli, args)
    return 0


def _bench_analyze(data: Path, servq_cli: Path, args) -> None:
    """``servq analyze --boot`` as a user runs it, against the same without ``--boot``."""
    runs: dict[str, list[tuple[float, float]]] = {}
    for name, extra in (("without --boot", []), (f"--boot {args.boot}", ["--boot", str(args.boot), "--seed", "1"])):
        for _ in range(args.repeat):
            wall, peak, code, stderr = run_process([servq_cli, "analyze", data, "-i", "servqual", "-q", *extra])
            if code != 0:
                print(f"servq analyze {name} failed: {stderr.strip().splitlines()[-1] if stderr.strip() else code}")
                return
            runs.setdefault(name, []).append((wall, peak))
    print(f"servq analyze, {args.n:,} respondents (CLI, whole process, quality included):")
    for name, walls in runs.items():
        print(f"  {name:<16} best {min(w for w, _ in walls):.2f} s, median {statistics.median(w for w, _ in walls):.2f} s, "
              f"peak {max(p for _, p in walls):.0f} MiB")
    cost = statistics.median(w for w, _ in runs[f"--boot {args.boot}"]) - statistics.median(
        w for w, _ in runs["without --boot"])
    print(f"  the bootstrap's cost (difference of the medians): {cost:.2f} s")

if __name__ == "__main__":
    sys.exit(main())
