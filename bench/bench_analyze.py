"""Benchmark ``servq analyze --by branch`` on one million simulated SERVQUAL respondents.

Simulates N respondents of the ``servqual`` instrument to Parquet (the 44 answer columns
E1..E22, P1..P22, the segment columns ``branch`` and ``channel`` and, unless ``--no-ids``,
a ``respondent_id`` column ``R0000001``... that the duplicate-id check reads), a million
rows at a time, then times four whole processes, interpreter start included, each
``--repeat`` times:

- ``servq analyze DATA --instrument servqual --by branch --out report.html --json ... --no-quality``
  (the gap analysis)
- the same without ``--no-quality``: the default analysis, which adds the
  instrument-quality checks of bench_quality.py (reliability, CFA, validity)
- ``bench/pandas_reference.py``: the gap figures with vectorised pandas (the competitor)
- ``bench/duckdb_floor.py``: one DuckDB query summing every column (reading the data once)

It prints wall time (best and median) and peak resident memory of each process, the ratios
of both servq runs to pandas and to the floor, the targets (gap analysis: < 5 s per million
respondents, < 1536 MiB, >= 2x faster than pandas, <= 5x the floor; default analysis:
< 600 MiB, <= 3x the floor; judged on medians), the machine, and how closely the servq
and pandas results agree. It always exits 0: it is a benchmark, not a test::

    python bench/bench_analyze.py [--n 1000000] [--seed 1] [--keep DIR] [--repeat 3]
                                  [--no-ids] [--no-pandas]
"""

from __future__ import annotations

import argparse
import compileall
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
SERVQ = Path(sys.executable).with_name("servq")  # the servq of this virtualenv
COLUMNS = [f"{part}{i}" for part in "EP" for i in range(1, 23)] + ["branch", "channel"]
ID = "respondent_id"
BY = "branch"
SIM_CHUNK = 1_000_000  # respondents simulated at a time (the first million: `servq simulate`'s)
# gap analysis (--no-quality): wall per million respondents, peak, speed-up, ratio to the floor
MAX_WALL_S, MAX_PEAK_MIB, MIN_SPEEDUP, MAX_FLOOR_RATIO = 5.0, 1536, 2.0, 5.0
# the default analysis (with the quality checks): peak and ratio to the floor (issue 12)
MAX_DEFAULT_PEAK_MIB, MAX_DEFAULT_FLOOR_RATIO = 600, 3.0
GAPS, DEFAULT, PANDAS, FLOOR = "servq analyze", "  + quality", "pandas script", "duckdb floor"
AGREE_TOLERANCE = 1e-9
MISSING = "missing"  # a statistic servq's JSON does not have at all


def first_line(text: str) -> str:
    """The line of a process's stderr that says what went wrong (a traceback's last line)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "(no output)"
    return lines[-1] if lines[0].startswith("Traceback") else lines[0]


def run_process(argv: list) -> tuple[float, float, int, str]:
    """Run ``argv`` to completion: wall seconds, peak RSS in MiB, exit code, stderr.

    ``os.wait4`` returns the resource usage of this one child (and nothing else this
    process has run), so ``ru_maxrss`` (KiB on Linux) is that process's own peak.
    """
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen([str(a) for a in argv], stdout=subprocess.DEVNULL, stderr=err)
        except OSError as exc:
            return 0.0, 0.0, 127, str(exc)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return wall, usage.ru_maxrss / 1024, proc.returncode, stderr


def respondent_ids(first: int, count: int, n: int) -> pa.Array:
    """Ids ``R0000001``... of rows ``first + 1 .. first + count`` (as ``servq simulate`` writes)."""
    width = max(7, len(str(n)))
    digits = pa.array(np.arange(first + 1, first + count + 1, dtype=np.int64)).cast(pa.string())
    return pc.utf8_lpad(pc.utf8_lpad(digits, width=width, padding="0"), width=width + 1, padding="R")


def simulate(n: int, seed: int, path: Path, ids: bool = True) -> None:
    """Write N simulated respondents with exactly the benchmark columns to ``path``.

    Simulated a million at a time (seed ``seed + k * 1000003`` for the k-th million, so the
    first million is the one ``servq simulate -n 1000000 --seed SEED`` writes), each
    million one Parquet row group: memory stays that of one million rows whatever N.
    """
    from servq.instruments.catalog import load_instrument
    from servq.io.simulation import simulate as simulate_table

    inst = load_instrument("servqual")
    columns = ([ID] if ids else []) + COLUMNS
    start = time.perf_counter()
    partial = path.with_suffix(".partial")
    writer = None
    try:
        for k, first in enumerate(range(0, n, SIM_CHUNK)):
            count = min(SIM_CHUNK, n - first)
            table = simulate_table(inst, count, seed=seed + k * 1_000_003).select(COLUMNS)
            if ids:
                table = table.add_column(0, ID, respondent_ids(first, count, n))
            if writer is None:
                writer = pq.ParquetWriter(partial, table.schema)
            writer.write_table(table, row_group_size=SIM_CHUNK)
    finally:
        if writer is not None:
            writer.close()
    partial.rename(path)
    print(f"simulated {n:,} respondents ({', '.join(columns[:3])}, ...) in "
          f"{time.perf_counter() - start:.1f} s")


def proc_field(path: str, key: str) -> str:
    """The value of ``key: value`` in a /proc file such as /proc/cpuinfo."""
    for line in Path(path).read_text().splitlines():
        if line.startswith(key):
            return line.split(":", 1)[1].strip()
    return "unknown"


def machine() -> str:
    """CPUs, CPU model, RAM, Python, library versions and the current load."""
    cpu = proc_field("/proc/cpuinfo", "model name")
    mem_kib = int(proc_field("/proc/meminfo", "MemTotal").split()[0])
    versions = []
    for pkg in ("servq", "numpy", "pandas", "pyarrow", "scipy", "duckdb"):
        try:
            versions.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), {cpu}, "
            f"{mem_kib / 1024**2:.1f} GiB RAM, Python {platform.python_version()} on "
            f"{platform.system()} {platform.release()}\n         {'; '.join(versions)}\n"
            f"         load average {load} (other processes on these CPUs skew timings)")


def stat_pairs(servq: dict, ref: dict, where: str):
    """Yield (path, servq stat, pandas stat) for every statistic of one results block."""
    for kind in ("dimensions", "items"):
        theirs = {e["id"]: e for e in servq.get(kind) or []}
        for entry in ref.get(kind, []):  # segments have no items
            for part in ("expectation", "perception", "gap"):
                other = theirs.get(entry["id"], {}).get(part, MISSING)
                yield f"{where}{kind}[{entry['id']}].{part}", other, entry[part]
    servqual = servq.get("servqual") or {}
    for kind in ("unweighted", "weighted"):
        yield f"{where}servqual.{kind}", servqual.get(kind, MISSING), ref["servqual"][kind]


def compare(servq: dict, ref: dict) -> None:
    """Print how closely servq's JSON agrees with the pandas script's, overall and by segment."""
    pairs = list(stat_pairs(servq, ref, ""))
    problems = []
    if servq.get("n_respondents") != ref["n_respondents"]:
        problems.append(f"n_respondents: servq {servq.get('n_respondents')}, "
                        f"pandas {ref['n_respondents']}")
    segments = (servq.get("segments") or {}).get(BY, {})
    for value, seg in ref["segments"][BY].items():
        theirs = segments.get(value, {})
        if theirs.get("n") != seg["n"]:
            problems.append(f"{BY}={value}: n servq {theirs.get('n')}, pandas {seg['n']}")
        elif not seg["suppressed"] and not theirs.get("suppressed"):
            pairs += stat_pairs(theirs, seg, f"{BY}={value}: ")
    worst, at = 0.0, "-"
    for path, a, b in pairs:
        if a is None or b is None or a == MISSING:
            if not (a is None and b is None):
                problems.append(f"{path}: servq {a}, pandas {b}")
            continue
        if a["n"] != b["n"]:
            problems.append(f"{path}: n servq {a['n']}, pandas {b['n']}")
        for key in ("mean", "sd", "ci_low", "ci_high"):
            if (a[key] is None) != (b[key] is None):
                problems.append(f"{path}.{key}: servq {a[key]}, pandas {b[key]}")
            elif a[key] is not None and abs(a[key] - b[key]) > worst:
                worst, at = abs(a[key] - b[key]), f"{path}.{key}"
    agree = not problems and worst <= AGREE_TOLERANCE
    print(f"servq vs pandas: {len(pairs)} statistics (mean, sd, n, interval), overall and by "
          f"{BY}; max |diff| {worst:.2e} at {at}; {len(problems)} other mismatches -> "
          f"{'AGREE' if agree else 'DISAGREE'} (tolerance {AGREE_TOLERANCE:g})")
    for line in problems[:10]:
        print(f"  {line}")
    if len(problems) > 10:
        print(f"  ... and {len(problems) - 10} more")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(times: dict, failed: dict, n: int) -> None:
    print(f"\n{'process':<16}{'best s':>9}{'median s':>10}{'peak MiB':>10}  runs")
    for name, runs in times.items():
        if name in failed and not runs:
            print(f"{name:<16}{'failed: ' + failed[name]}")
            continue
        walls = [w for w, _ in runs]
        print(f"{name:<16}{min(walls):>9.2f}{statistics.median(walls):>10.2f}"
              f"{max(m for _, m in runs):>10.0f}  {len(runs)}")
    medians = {k: statistics.median(w for w, _ in v) for k, v in times.items() if v}
    if GAPS not in medians and DEFAULT not in medians:
        print("\nno servq timing: targets not judged")
        return
    print("\ntargets (medians; peak = the largest of the runs):")
    if GAPS in medians:
        s = medians[GAPS]
        peak = max(m for _, m in times[GAPS])
        wall_target = MAX_WALL_S * max(1.0, n / 1_000_000)
        print(f"  gap analysis (--no-quality): wall {s:.2f} s < {wall_target:g} s "
              f"({MAX_WALL_S:g} s per million): {verdict(s < wall_target)}")
        print(f"  gap analysis: peak {peak:.0f} MiB < {MAX_PEAK_MIB} MiB: {verdict(peak < MAX_PEAK_MIB)}")
        if PANDAS in medians:
            speedup = medians[PANDAS] / s
            print(f"  gap analysis: speedup vs pandas {speedup:.2f}x >= {MIN_SPEEDUP:g}x: "
                  f"{verdict(speedup >= MIN_SPEEDUP)}")
        if FLOOR in medians:
            ratio = s / medians[FLOOR]
            print(f"  gap analysis / floor {ratio:.2f}x <= {MAX_FLOOR_RATIO:g}x: "
                  f"{verdict(ratio <= MAX_FLOOR_RATIO)}")
    if DEFAULT in medians:
        s = medians[DEFAULT]
        peak = max(m for _, m in times[DEFAULT])
        print(f"  default analysis (+ quality): peak {peak:.0f} MiB < {MAX_DEFAULT_PEAK_MIB} MiB: "
              f"{verdict(peak < MAX_DEFAULT_PEAK_MIB)}")
        if FLOOR in medians:
            ratio = s / medians[FLOOR]
            print(f"  default analysis / floor {ratio:.2f}x <= {MAX_DEFAULT_FLOOR_RATIO:g}x: "
                  f"{verdict(ratio <= MAX_DEFAULT_FLOOR_RATIO)}")
        if PANDAS in medians:
            print(f"  default analysis: {medians[PANDAS] / s:.2f}x faster than pandas "
                  "(which computes only the gap figures; not judged)")


def arguments(doc: str, argv: list[str] | None, extra=None) -> argparse.Namespace:
    """The options every benchmark here takes (``extra(parser)`` adds a benchmark's own)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="respondents to simulate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep data and outputs here (data is reused)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each process")
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


def own_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ids", action=argparse.BooleanOptionalAction, default=True,
                        help="write a respondent_id column (the duplicate-id check reads it)")
    parser.add_argument("--pandas", action=argparse.BooleanOptionalAction, default=True,
                        help="time the pandas script (about 1.5 GB per million respondents)")


def simulate_apart(n: int, seed: int, path: Path, ids: bool = True) -> None:
    """:func:`simulate` in a process of its own: a child started by a process that grew
    keeps the parent's peak as its own ru_maxrss (Linux records it at exec), so the
    simulation must not grow the benchmark's process."""
    job = multiprocessing.get_context("spawn").Process(target=simulate, args=(n, seed, path, ids))
    job.start()
    job.join()
    if job.exitcode != 0:
        raise SystemExit(f"simulating the data failed (exit code {job.exitcode})")


def prepare(data: Path, n: int, seed: int, make) -> bool:
    """Reuse or simulate (``make(n, seed, data)``) the data file and describe it and the
    machine; False when it cannot be made."""
    data.parent.mkdir(parents=True, exist_ok=True)
    if data.exists():
        print(f"reusing {data}")
    else:
        try:
            make(n, seed, data)
        except Exception as exc:  # a benchmark reports and stops; it does not crash
            print(f"cannot simulate data: {type(exc).__name__}: {exc}")
            return False
    # servq's byte code, as an installed package has it: without it (an editable install
    # run with PYTHONDONTWRITEBYTECODE) every process would compile servq again
    import servq

    compileall.compile_dir(Path(servq.__file__).parent, quiet=1)
    meta = pq.read_metadata(data)
    print(f"data: {data} ({meta.num_rows:,} rows x {meta.num_columns} columns, "
          f"{data.stat().st_size / 2**20:.0f} MiB)")
    print(machine())
    return True


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, argv, own_options)
    with tempfile.TemporaryDirectory(prefix="servq-bench-") as tmp:
        work = args.keep or Path(tmp)
        data = work / f"servqual_n{args.n}_seed{args.seed}{'_ids' if args.ids else ''}.parquet"

        if not prepare(data, args.n, args.seed, lambda n, seed, path: simulate_apart(n, seed, path, args.ids)):
            return 0

        servq_json, pandas_json = work / "servq.json", work / "pandas.json"
        for stale in (servq_json, pandas_json):
            stale.unlink(missing_ok=True)
        servq_cmd = [SERVQ, "analyze", data, "--instrument", "servqual", "--by", BY,
                     "--out", work / "report.html", "--json", servq_json]
        commands = {
            # the gaps, zone and segment figures (the targets of the gap analysis)
            GAPS: [*servq_cmd, "--no-quality"],
            # the default run adds the instrument-quality checks (timed on their own by
            # bench_quality.py): reliability, CFA, validity
            DEFAULT: servq_cmd,
            PANDAS: [sys.executable, HERE / "pandas_reference.py", data, "--by", BY,
                     "--out", pandas_json],
            FLOOR: [sys.executable, HERE / "duckdb_floor.py", data],
        }
        if not args.pandas:
            del commands[PANDAS]
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        failed: dict[str, str] = {}
        for _ in range(args.repeat):  # interleaved, so drifting machine load hits all alike
            for name, cmd in commands.items():
                if name in failed:
                    continue
                wall, peak, code, stderr = run_process(cmd)
                if code == 0:
                    times[name].append((wall, peak))
                else:
                    failed[name] = first_line(stderr)
                    print(f"{name} failed: {failed[name]}")
        report(times, failed, args.n)

        print()
        if servq_json.exists() and pandas_json.exists():
            compare(json.loads(servq_json.read_text()), json.loads(pandas_json.read_text()))
        else:
            print("servq vs pandas: not compared (a results JSON is missing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
