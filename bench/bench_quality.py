"""Benchmark servq's instrument quality (reliability + CFA + HTMT) on simulated SERVPERF data.

Simulates N respondents with ``servq simulate servqual`` and keeps the 22 perception
answers P1..P22 and the segment columns ``branch`` and ``channel`` (about 3 % blank and
1 % the don't-know code 0, both missing), then times three whole processes, interpreter
start included, each ``--repeat`` times, interleaved:

- ``servq analyze DATA --instrument servperf --json ... --quiet``: alpha per dimension,
  the five-factor CFA and HTMT, from sufficient statistics (one pass over the data)
- ``bench/semopy_reference.py``: the same three jobs with semopy (CFA) and pandas
  (alpha, HTMT)
- ``bench/pingouin_reference.py``: alpha with pingouin and HTMT with pandas; pingouin has
  no CFA, so this process does less work than the other two

It prints wall time (best and median) and peak resident memory of each process, the
speed-ups of servq over semopy and over pingouin (target: faster than both, judged on
medians), the machine and its load, and how closely the numbers agree: alpha servq vs
pingouin (pairwise, as psych::alpha; tolerance 1e-6), CFA fit servq vs semopy side by side,
and HTMT servq vs the pandas computation. It always exits 0: it is a benchmark, not a
test::

    python bench/bench_quality.py [--n 1000000] [--seed 1] [--keep DIR] [--repeat 3]

``run_process``, ``first_line``, ``machine`` and ``verdict`` are imported from
``bench/bench_analyze.py``.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script bench/ is on the path already; not when imported
    sys.path.insert(0, str(HERE))

from bench_analyze import arguments, first_line, prepare, run_process, verdict  # noqa: E402

SERVQ = Path(sys.executable).with_name("servq")  # the servq of this virtualenv
COLUMNS = [f"P{i}" for i in range(1, 23)] + ["branch", "channel"]
SERVQ_RUN, SEMOPY_RUN, PINGOUIN_RUN = "servq analyze", "semopy script", "pingouin script"
JOBS = {
    SERVQ_RUN: "alpha + CFA + HTMT",
    SEMOPY_RUN: "alpha + CFA + HTMT",
    PINGOUIN_RUN: "alpha + HTMT (no CFA)",
}
ALPHA_TOLERANCE = HTMT_TOLERANCE = 1e-6
CFA_ABS_TOLERANCE, CHISQ_REL_TOLERANCE = 1e-3, 1e-3
CFA_MEASURES = ("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
                "rmsea", "srmr")
CONVENTIONS = """\
  conventions: both use S divided by N and chisq = N * F_ML on the listwise-complete rows.
  semopy's RMSEA = sqrt((chisq/df - 1)/(N - 1)) (lavaan: N; rmsea[lavaan] is lavaan's
  formula on semopy's chisq); semopy's CFI is not capped at 1 (lavaan's is); semopy has no
  SRMR; its SLSQP optimiser stops at ftol 1e-6, which leaves chisq ~5e-4 (relative) above
  lavaan's at n = 1e6 (semopy_reference.py --ftol 1e-12 gets lavaan's chisq to 1e-6)."""


def simulate(n: int, seed: int, path: Path) -> None:
    """Write N simulated respondents with exactly the benchmark columns to ``path``."""
    raw = path.with_suffix(".all.parquet")
    wall, _, code, stderr = run_process(
        [SERVQ, "simulate", "servqual", "-n", n, "--seed", seed, "-o", raw])
    if code != 0 or not raw.exists():
        raise RuntimeError(f"servq simulate failed: {first_line(stderr)}")
    pq.write_table(pq.read_table(raw, columns=COLUMNS), path)
    raw.unlink()
    print(f"simulated {n:,} respondents with `servq simulate` in {wall:.1f} s")


def quality_section(results: dict) -> dict | None:
    """servq's ``reliability``/``cfa``/``validity`` blocks, top level or nested one level."""
    if not isinstance(results, dict):
        return None
    keys = ("reliability", "cfa", "validity")
    if any(isinstance(results.get(k), dict) for k in keys):
        return results
    for value in results.values():
        if isinstance(value, dict) and any(isinstance(value.get(k), dict) for k in keys):
            return value
    return None


def block(section: dict, key: str) -> dict:
    value = section.get(key)
    return value if isinstance(value, dict) else {}


def fmt(x, spec: str = ".10g") -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return "-" if x is None else str(x)
    return format(x, spec)


def compare_alpha(servq: dict, ref: dict, ref_name: str) -> None:
    """alpha per dimension, servq vs a reference with the same missing-data handling."""
    theirs = {d.get("id"): d for d in servq.get("dimensions") or [] if isinstance(d, dict)}
    worst, problems = 0.0, []
    print(f"\nalpha per dimension (servq {servq.get('use', '?')}, {ref_name} {ref['use']}):")
    print(f"  {'dimension':<16}{'servq':>12}{ref_name:>12}{'|diff|':>10}")
    for entry in ref["dimensions"]:
        a, b = theirs.get(entry["id"], {}).get("raw_alpha"), entry["raw_alpha"]
        if not isinstance(a, (int, float)) or b is None:
            problems.append(entry["id"])
            print(f"  {entry['id']:<16}{fmt(a):>12}{fmt(b):>12}")
            continue
        worst = max(worst, abs(a - b))
        print(f"  {entry['id']:<16}{a:>12.8f}{b:>12.8f}{abs(a - b):>10.1e}")
    ok = not problems and worst <= ALPHA_TOLERANCE
    print(f"  max |diff| {worst:.1e}{'; missing: ' + ', '.join(problems) if problems else ''}"
          f" -> {'AGREE' if ok else 'DISAGREE'} (tolerance {ALPHA_TOLERANCE:g})")


def compare_cfa(servq: dict, ref: dict) -> None:
    """CFA fit measures servq vs semopy side by side, with the conventions that differ."""
    fit, theirs = ref["fit"], servq.get("fit") if isinstance(servq.get("fit"), dict) else {}
    n = ref["n"]
    if fit.get("chisq") is not None and fit.get("df"):
        chisq, df = fit["chisq"], fit["df"]
        fit = {**fit, "rmsea[lavaan]": math.sqrt(max(chisq - df, 0.0) / (df * n))}
    print(f"\nCFA fit (five factors, ML, listwise): servq n {fmt(servq.get('n'))}, "
          f"converged {fmt(servq.get('converged'))}; semopy n {n:,}, converged {ref['converged']}")
    print(f"  {'measure':<16}{'servq':>18}{'semopy':>18}{'|diff|':>11}")
    problems = []
    for name in (*CFA_MEASURES, "rmsea[lavaan]"):
        a, b = theirs.get(name.replace("[lavaan]", "")), fit.get(name)
        diff = abs(a - b) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
        print(f"  {name:<16}{fmt(a):>18}{fmt(b):>18}{fmt(diff, '.2e'):>11}")
        if name in ("chisq", "baseline.chisq") and diff is not None:
            if diff > CHISQ_REL_TOLERANCE * max(abs(b), 1.0):
                problems.append(name)
        elif name in ("df", "baseline.df") and diff is not None and diff > 0:
            problems.append(name)
        elif name in ("cfi", "tli", "rmsea[lavaan]") and diff is not None:
            if diff > CFA_ABS_TOLERANCE:
                problems.append(name)
    print(CONVENTIONS)
    if not theirs:
        print("  -> servq has no CFA fit measures: not compared")
    elif servq.get("n") != n:
        print(f"  -> DIFFER: servq fitted {servq.get('n')} respondents, semopy {n}")
    else:
        print(f"  -> {'DIFFER on ' + ', '.join(problems) if problems else 'AGREE'} "
              f"(chisq relative {CHISQ_REL_TOLERANCE:g}; cfi, tli, rmsea[lavaan] absolute "
              f"{CFA_ABS_TOLERANCE:g}; df exactly)")


def compare_htmt(servq: dict, ref: dict) -> None:
    """HTMT for every pair of dimensions, servq vs the pandas computation."""
    theirs = servq.get("htmt") if isinstance(servq.get("htmt"), dict) else {}
    ours = ref["htmt"]
    dims = list(ours)
    worst, at, missing = 0.0, "-", []
    for i, a in enumerate(dims):
        for b in dims[i + 1:]:
            x = (theirs.get(a) or {}).get(b)
            if x is None:
                x = (theirs.get(b) or {}).get(a)
            if not isinstance(x, (int, float)) or ours[a][b] is None:
                missing.append(f"{a}/{b}")
            elif abs(x - ours[a][b]) >= worst:
                worst, at = abs(x - ours[a][b]), f"{a}/{b}"
    ok = not missing and worst <= HTMT_TOLERANCE
    print(f"\nHTMT, {len(dims) * (len(dims) - 1) // 2} pairs (servq's correlations: "
          f"{servq.get('use', 'basis not in its JSON')}; reference: listwise): max |diff| "
          f"{worst:.1e} at {at}; {len(missing)} missing -> {'AGREE' if ok else 'DISAGREE'} "
          f"(tolerance {HTMT_TOLERANCE:g})")


def listwise_alpha(data: Path, out: Path) -> dict | None:
    """pingouin's listwise alpha (``--nan-policy listwise``), run once and not timed."""
    _, _, code, stderr = run_process([sys.executable, HERE / "pingouin_reference.py", data,
                                      "--out", out, "--nan-policy", "listwise"])
    if code != 0:
        print(f"pingouin listwise recomputation failed: {first_line(stderr)}")
        return None
    return json.loads(out.read_text())["reliability"]


def compare(data: Path, work: Path) -> None:
    """Print the agreement of servq's quality section with the two references."""
    servq_json = work / "servq.json"
    servq = json.loads(servq_json.read_text()) if servq_json.exists() else None
    section = quality_section(servq)
    if section is None:
        print("\nservq quality section missing" + ("" if servq else " (no servq JSON)")
              + ": nothing compared")
        return
    reliability = block(section, "reliability")
    pingouin_json, semopy_json = work / "pingouin.json", work / "semopy.json"
    if reliability.get("use") == "listwise":
        print("\nservq's alpha is listwise, pingouin's default pairwise: compared with "
              "pingouin_reference.py --nan-policy listwise (run once, not timed)")
        ref = listwise_alpha(data, work / "pingouin_listwise.json")
    elif pingouin_json.exists():
        ref = json.loads(pingouin_json.read_text())["reliability"]
    else:
        ref = None
    if ref is not None:
        compare_alpha(reliability, ref, "pingouin")
    else:
        print("\nalpha: not compared (no pingouin results)")
    if semopy_json.exists():
        ref = json.loads(semopy_json.read_text())
        compare_cfa(block(section, "cfa"), ref["cfa"])
        compare_htmt(block(section, "validity"), ref["validity"])
    else:
        print("\nCFA and HTMT: not compared (no semopy JSON)")


def versions() -> str:
    found = []
    for pkg in ("semopy", "pingouin"):
        try:
            found.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            found.append(f"{pkg} not installed")
    return "         " + "; ".join(found)


def report(times: dict, failed: dict, fit_s: list) -> None:
    """The timing table, servq's speed-ups over the references, and the verdict."""
    print(f"\n{'process':<17}{'jobs':<23}{'best s':>8}{'median s':>10}{'peak MiB':>10}  runs")
    for name, runs in times.items():
        if not runs:
            print(f"{name:<17}{JOBS[name]:<23}failed: {failed.get(name, 'not run')}")
            continue
        walls = [w for w, _ in runs]
        print(f"{name:<17}{JOBS[name]:<23}{min(walls):>8.2f}{statistics.median(walls):>10.2f}"
              f"{max(m for _, m in runs):>10.0f}  {len(runs)}")
    if fit_s:
        print(f"(semopy's Model.fit alone: best {min(fit_s):.2f} s, median "
              f"{statistics.median(fit_s):.2f} s; pingouin has no CFA, its process does less)")
    medians = {k: statistics.median(w for w, _ in v) for k, v in times.items() if v}
    if SERVQ_RUN not in medians:
        print("\nno servq timing: target not judged")
        return
    s = medians[SERVQ_RUN]
    print("\ntarget: servq faster than both (medians; speed-up = their time / servq's):")
    ok = True
    for name in (SEMOPY_RUN, PINGOUIN_RUN):
        if name not in medians:
            print(f"  vs {name}: not judged ({name} failed)")
            ok = False
            continue
        speedup = medians[name] / s
        ok &= speedup > 1
        print(f"  vs {name}: {speedup:.2f}x ({s:.2f} s vs {medians[name]:.2f} s): "
              f"{verdict(speedup > 1)}")
    print(f"  faster than both: {verdict(ok)}")


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, argv)
    with tempfile.TemporaryDirectory(prefix="servq-bench-quality-") as tmp:
        work = args.keep or Path(tmp)
        data = work / f"servperf_n{args.n}_seed{args.seed}.parquet"
        if not prepare(data, args.n, args.seed, simulate):
            return 0
        print(versions())

        outputs = {SERVQ_RUN: work / "servq.json", SEMOPY_RUN: work / "semopy.json",
                   PINGOUIN_RUN: work / "pingouin.json"}
        for stale in [*outputs.values(), work / "pingouin_listwise.json"]:
            stale.unlink(missing_ok=True)
        commands = {
            SERVQ_RUN: [SERVQ, "analyze", data, "--instrument", "servperf",
                        "--json", outputs[SERVQ_RUN], "--quiet"],
            SEMOPY_RUN: [sys.executable, HERE / "semopy_reference.py", data,
                         "--out", outputs[SEMOPY_RUN]],
            PINGOUIN_RUN: [sys.executable, HERE / "pingouin_reference.py", data,
                           "--out", outputs[PINGOUIN_RUN]],
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        failed: dict[str, str] = {}
        fit_s: list[float] = []
        for _ in range(args.repeat):  # interleaved, so drifting machine load hits all alike
            for name, cmd in commands.items():
                if name in failed:
                    continue
                wall, peak, code, stderr = run_process(cmd)
                if code != 0:
                    failed[name] = first_line(stderr)
                    print(f"{name} failed: {failed[name]}")
                    continue
                times[name].append((wall, peak))
                if name == SEMOPY_RUN:
                    fit_s.append(json.loads(outputs[name].read_text())["cfa"]["fit_s"])
        report(times, failed, fit_s)
        compare(data, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
