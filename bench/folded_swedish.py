"""Swedish typed without å, ä and ö: how the built-in classifier does on the held-out
complaints as written and with the Swedish ones folded (å, ä → a, ö → o, é → e, upper case
too: servq.text.matching.fold), per language.

For each held-out set (tests/data/complaints_heldout.csv and complaints_heldout2.csv, 210
complaints, 70 per language, never trained on) and each form of the text it prints the
macro-F1 and accuracy of the built-in model (servq.text.evaluation.evaluate; the docs'
held-out figures are the macro-F1 of set 2), the share routed to a person (needs_person),
the share detected as the language it is written in, and the sentiment cues and severity
that differ from the text as written. It always exits 0: it is a benchmark, not a test::

    python bench/folded_swedish.py [--baseline] [--embeddings] [--built FOLDER]

``--built FOLDER``: the model ``scripts/build_classifier.py --out FOLDER`` wrote there
instead of the shipped one (to compare a rebuilt model before shipping it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SETS = {"set 1": ROOT / "tests" / "data" / "complaints_heldout.csv",
        "set 2": ROOT / "tests" / "data" / "complaints_heldout2.csv"}
FOLDED = ("sv",)


def folded(data: pd.DataFrame, languages=FOLDED) -> list[str]:
    """The texts with those of ``languages`` folded."""
    from servq.text.matching import fold

    return [fold(t) if lang in languages else t for t, lang in zip(data.text, data.language)]


def report(data: pd.DataFrame, texts: list[str], **options) -> pd.DataFrame:
    """Per language (and all): n, macro-F1, accuracy, routed to a person, language detected."""
    from servq.text import classify
    from servq.text.evaluation import evaluate

    found = classify(texts, **options)
    rows = {}
    for lang in ("en", "sv", "zh", "all"):
        keep = np.ones(len(data), dtype=bool) if lang == "all" else (data.language == lang).to_numpy()
        e = evaluate(list(data.dimension[keep]), list(found.dimension[keep]))
        rows[lang] = {"n": int(keep.sum()), "macro_f1": e.macro_f1, "accuracy": e.accuracy,
                      "to_person": float(found.needs_person[keep].mean()),
                      "language_right": float((found.language[keep] == data.language.to_numpy()[keep]).mean())}
    return pd.DataFrame(rows).T, found


def built(folder: Path, embeddings: bool = False):
    """The ensemble described by ``folder/classifier.json``."""
    import json

    from servq.text.model import Ensemble, load_model

    info = json.loads((folder / "classifier.json").read_text(encoding="utf-8"))
    info = info["with_embeddings"] if embeddings else info
    return Ensemble(tuple(load_model(folder / name) for name in info["members"]), tuple(info["weights"]), info)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", action="store_true", help="the lexicon baseline instead of the model")
    parser.add_argument("--embeddings", action="store_true", help="the built-in model with sentence embeddings")
    parser.add_argument("--built", type=Path, help="a folder written by scripts/build_classifier.py --out")
    args = parser.parse_args()
    options = {"baseline": args.baseline, "embeddings": args.embeddings}
    if args.built:
        options = {"model": built(args.built, args.embeddings)}
    pd.set_option("display.width", 200)
    for name, path in SETS.items():
        data = pd.read_csv(path, dtype=str, keep_default_na=False)
        normal, a = report(data, list(data.text), **options)
        fold, b = report(data, folded(data), **options)
        print(f"\n{name} ({path.name}): as written | Swedish folded")
        print(pd.concat({"as written": normal, "sv folded": fold}, axis=1).round(3).to_string())
        sv = (data.language == "sv").to_numpy()
        cues = sum(a.cues[i] != b.cues[i] for i in np.flatnonzero(sv))
        severity = int((a.severity[sv] != b.severity[sv]).sum())
        sentiment = float(np.abs(a.sentiment[sv] - b.sentiment[sv]).max())
        print(f"Swedish complaints whose cues differ when folded: {cues}; severity: {severity}; "
              f"largest change of sentiment: {sentiment:.3f}")


if __name__ == "__main__":
    main()
