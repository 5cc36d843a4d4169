"""Benchmark ``servq analyze --engine spark`` against the local engine.

Simulates N SERVQUAL respondents to Parquet (as bench_analyze.py does, a row group per
million) and times whole processes, each ``--repeat`` times, interleaved:

- ``servq analyze DATA --instrument servqual --by branch --json ...`` (the local engine)
- the same with ``--engine spark --spark-master local[k]`` for each ``--masters`` entry

It prints wall time (best, median), rows per second and per core, the speed-up of each
master over the first, the overhead against the local engine, peak memory — of the
driver's Python process, and (sampled from /proc every 0.1 s, Linux) of the JVM (in
``local[k]`` the driver and the executor are one JVM) and of the executor's Python workers
(the largest one, and all of them at once) — and whether the results agree (every figure
to 1e-9).
It always exits 0::

    python bench/bench_spark.py [--n 10000000] [--masters local[1],local[2]] [--keep DIR] [--repeat 3]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script bench/ is on the path already; not when imported
    sys.path.insert(0, str(HERE))

from bench_analyze import SERVQ, arguments, first_line, prepare, run_process, simulate_apart  # noqa: E402


def own_options(parser) -> None:
    parser.add_argument("--masters", default="local[1],local[2]", help="comma-separated Spark masters")


def differences(a: dict, b: dict, tol: float = 1e-9) -> int:
    from servq.analysis import Results

    return len(Results(a).differences(b, tol=tol, skip=("generated_at", "source")))


def _tree(root: int) -> dict[int, tuple[int, str]]:
    """The processes under ``root`` (itself included): pid -> (parent pid, command name)."""
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        procs[int(entry)] = (int(stat[stat.rindex(")") + 2:].split()[1]), name)
    inside, changed = {root}, True
    while changed:
        more = {pid for pid, (parent, _) in procs.items() if parent in inside} - inside
        changed = bool(more)
        inside |= more
    return {pid: procs[pid] for pid in inside if pid in procs}


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Sampler:
    """Peak resident memory of a Spark job's processes: the JVM, and its Python workers
    (each, and all at once), sampled every 0.1 s while the job runs."""

    def __init__(self, root: int):
        self.root, self.jvm, self.worker, self.workers = root, 0.0, 0.0, 0.0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(0.1):
            tree = _tree(self.root)
            jvms = [pid for pid, (_, name) in tree.items() if name == "java"]
            workers = [pid for pid, (parent, name) in tree.items()
                       if name.startswith("python") and pid != self.root and parent != self.root]
            self.jvm = max([self.jvm, *(_rss_mib(p) for p in jvms)])
            sizes = [_rss_mib(p) for p in workers]
            self.worker = max([self.worker, *sizes])
            self.workers = max(self.workers, sum(sizes))

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def run_sampled(argv: list) -> tuple[float, float, int, str, Sampler | None]:
    """``run_process`` of ``argv`` with its JVM and Python workers sampled (Linux)."""
    if not Path("/proc/self/stat").exists():
        return (*run_process(argv), None)
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([str(a) for a in argv], stdout=subprocess.DEVNULL, stderr=err)
        sampler = Sampler(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return wall, usage.ru_maxrss / 1024, proc.returncode, err.read().decode(errors="replace"), sampler


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, argv, own_options)
    masters = [m.strip() for m in args.masters.split(",") if m.strip()]
    with tempfile.TemporaryDirectory(prefix="servq-bench-spark-") as tmp:
        work = args.keep or Path(tmp)
        data = work / f"servqual_n{args.n}_seed{args.seed}_ids.parquet"
        if not prepare(data, args.n, args.seed, lambda n, seed, path: simulate_apart(n, seed, path)):
            return 0
        runs = {"local engine": [str(SERVQ), "analyze", data, "-i", "servqual", "--by", "branch", "-q"]}
        for m in masters:
            runs[f"spark {m}"] = [*runs["local engine"], "--engine", "spark", "--spark-master", m]
        outputs = {name: work / f"{name.replace(' ', '_').replace('[', '').replace(']', '')}.json" for name in runs}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        memory: dict[str, list[Sampler]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, argv in runs.items():
                env_argv = [*argv, "--json", outputs[name]]
                wall, peak, code, stderr, sampler = run_sampled(env_argv)
                if code != 0:
                    print(f"{name} failed: {first_line(stderr)}")
                    continue
                times[name].append((wall, peak))
                if sampler is not None and name.startswith("spark"):
                    memory[name].append(sampler)
        base = statistics.median(w for w, _ in times["local engine"]) if times["local engine"] else None
        first = None
        print(f"\n{'process':<22}{'best s':>9}{'median s':>10}{'rows/s':>14}{'rows/s/core':>14}{'peak MiB':>10}")
        for name, got in times.items():
            if not got:
                continue
            walls = [w for w, _ in got]
            med = statistics.median(walls)
            cores = _cores(name)
            print(f"{name:<22}{min(walls):>9.2f}{med:>10.2f}{args.n / med:>14,.0f}{args.n / med / cores:>14,.0f}"
                  f"{max(p for _, p in got):>10.0f}")
            if memory.get(name):
                print(f"  peak MiB: JVM (driver and executor) {max(s.jvm for s in memory[name]):.0f}, "
                      f"largest Python worker {max(s.worker for s in memory[name]):.0f}, "
                      f"all Python workers at once {max(s.workers for s in memory[name]):.0f}")
            if name.startswith("spark"):
                first = first or med
                extra = f"; speed-up over {masters[0]}: {first / med:.2f}x" if med != first else ""
                if base:
                    print(f"  overhead against the local engine: {med / base:.2f}x{extra}")
        local = json.loads(outputs["local engine"].read_text()) if outputs["local engine"].exists() else None
        for name in runs:
            if name != "local engine" and local is not None and outputs[name].exists():
                bad = differences(local, json.loads(outputs[name].read_text()))
                print(f"{name} vs the local engine: {'AGREE' if not bad else f'{bad} figures differ'} (1e-9)")
    return 0


def _cores(name: str) -> int:
    """Cores a process may use: local[k] k, the local engine every core (up to its 4 threads)."""
    if "local[" in name:
        inside = name.split("local[", 1)[1].split("]", 1)[0]
        return int(inside) if inside.isdigit() else os.cpu_count() or 1
    return min(4, os.cpu_count() or 1)


if __name__ == "__main__":
    sys.exit(main())
