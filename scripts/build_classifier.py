"""Build the built-in complaint classifier from the shipped training complaints
(text/data/complaints_train.csv, 1,890 in en/sv/zh) and the evaluation set
(text/data/complaints_eval.csv, 162): the average of two calibrated logistic regressions —
character n-grams alone (classifier_ngrams.npz), and n-grams with the lexicon's scores
(classifier_lexicon.npz) — and the abstention threshold of that average from out-of-fold
predictions (classifier.json).

    .venv/bin/python scripts/build_classifier.py

The same data and seed give the same model (tests/text/test_builtin_model.py checks it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "src" / "servq" / "text" / "data"
MEMBERS = {"classifier_ngrams.npz": {"lexicon": False}, "classifier_lexicon.npz": {"lexicon_scale": 0.1}}
WEIGHTS = (0.5, 0.5)  # chosen before looking at held-out data: an even average
FOLDS = 5
SEED = 0


def training_set() -> pd.DataFrame:
    """The texts and labels the built-in model learns from."""
    frames = [pd.read_csv(DATA / name, dtype=str, keep_default_na=False, usecols=["text", "dimension"])
              for name in ("complaints_train.csv", "complaints_eval.csv")]
    return pd.concat(frames, ignore_index=True)


def out_of_fold(texts: list[str], labels: list[str], temperatures: list[float]) -> np.ndarray:
    """Each text's averaged probabilities from models that did not learn from it (the
    members' temperatures those of the models fitted on everything)."""
    from dataclasses import replace

    from sklearn.model_selection import StratifiedKFold

    from servq.text.model import train

    y = np.asarray(labels, dtype=object)
    arr = np.asarray(texts, dtype=object)
    p = None
    for fit, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(arr, y):
        part = 0.0
        for (_, options), weight, temperature in zip(MEMBERS.items(), WEIGHTS, temperatures):
            m = train(list(arr[fit]), list(y[fit]), calibrate=False, seed=SEED, **options)
            part = part + weight / sum(WEIGHTS) * replace(m, temperature=temperature).predict_proba(list(arr[test]))
        if p is None:
            p = np.zeros((len(arr), part.shape[1]))
        p[test] = part
    return p


def build(folder: Path = DATA):
    from servq.text.model import Ensemble, abstention, train

    data = training_set()
    texts, labels = list(data.text), list(data.dimension)
    members = []
    for name, options in MEMBERS.items():
        m = train(texts, labels, seed=SEED, **options)
        m.info["trained_on"] = "servq/text/data/complaints_train.csv + complaints_eval.csv"
        m.save(folder / name)
        members.append(m)
    p = out_of_fold(texts, labels, [m.temperature for m in members])
    classes = np.array(members[0].classes, dtype=object)
    abstain = abstention(classes[p.argmax(axis=1)] == np.asarray(labels, dtype=object), p.max(axis=1))
    info = {"members": list(MEMBERS), "weights": list(WEIGHTS), "abstain": abstain,
            "trained_on": "servq/text/data/complaints_train.csv + complaints_eval.csv",
            "n_examples": len(labels), "folds": FOLDS, "seed": SEED}
    (folder / "classifier.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return Ensemble(tuple(members), WEIGHTS, info)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA, help="the folder to write the three files to")
    model = build(parser.parse_args().out)
    a = model.info["abstain"]
    print(f"wrote the built-in classifier: {len(model.classes)} labels, {model.info['n_examples']} examples; "
          f"abstain below {a['threshold']:.3f} (out-of-fold precision {a['precision']:.3f} on {a['coverage']:.1%})")


if __name__ == "__main__":
    main()
