"""The shipped evaluation set, and the regression guard: macro-F1 floors of the baseline
lexicon and of the cross-validated trainable model on it, overall, per language and
learning from a fifth of each training fold (a few points below what was measured when
they were set: docs/complaints-text.md)."""

import numpy as np
import pytest

from servq.text import (
    classify,
    cross_validate,
    cross_validated_predictions,
    evaluate,
    learning_curve,
    load_eval_set,
    load_lexicon,
)

LABELS = {"tangibles", "reliability", "responsiveness", "assurance", "empathy", "price_billing", "product_quality"}
BASELINE_FLOOR = 0.62      # measured 0.674 (0.653 before issue 15)
CROSS_VALIDATED_FLOOR = 0.62  # measured 0.680 (5-fold, seed 0; n-grams, lexicon scores, prior toward the baseline)
LANGUAGE_FLOORS = {"en": 0.62, "sv": 0.57, "zh": 0.65}   # measured 0.664, 0.618, 0.759
FIFTH_FLOOR = 0.58         # measured 0.637 (20% of each training fold, about 26 complaints, mean of 5 draws)
NGRAMS_ONLY_FLOOR = 0.30   # measured 0.337 (lexicon=False: the model before the lexicon features)


@pytest.fixture(scope="module")
def data():
    return load_eval_set()


def test_structure(data):
    assert list(data.columns) == ["text", "language", "dimension", "sector"]
    assert data["text"].str.strip().str.len().min() > 20 and data["text"].is_unique
    for lang in ("en", "sv", "zh"):
        part = data[data["language"] == lang]
        assert len(part) >= 45, lang
        assert set(part["dimension"]) == LABELS, lang
        assert part["dimension"].value_counts().min() >= 6, lang
    assert set(data["language"]) == {"en", "sv", "zh"} and len(data) >= 135
    assert {"banking", "health care", "telecom", "retail", "restaurant", "utilities",
            "public service"} == set(data["sector"])


def test_baseline_floor(data):
    pred = classify(data["text"]).dimension
    e = evaluate(data["dimension"], pred, labels=load_lexicon().dimensions)
    assert e.macro_f1 >= BASELINE_FLOOR, e.to_frame()


def test_cross_validated_model_floor(data):
    pred = cross_validated_predictions(data["text"], data["dimension"], k=5, seed=0)
    e = evaluate(data["dimension"], pred)
    assert e.macro_f1 >= CROSS_VALIDATED_FLOOR, e.to_frame()
    for lang, floor in LANGUAGE_FLOORS.items():
        part = (data["language"] == lang).to_numpy()
        sub = evaluate(data["dimension"][part], pred[part])
        assert sub.macro_f1 >= floor, (lang, sub.to_frame())


def test_learning_from_few_examples_floor(data):
    curve = learning_curve(data["text"], data["dimension"], fractions=[0.2], k=5, seed=0, repeats=5)
    assert curve.loc[0.2, "n_train"] == pytest.approx(26.2, abs=1)
    assert curve.loc[0.2, "macro_f1"] >= FIFTH_FLOOR, curve


def test_ngrams_only_floor(data):
    e = cross_validate(data["text"], data["dimension"], k=5, seed=0, lexicon=False)
    assert e.macro_f1 >= NGRAMS_ONLY_FLOOR, e.to_frame()
    assert np.isfinite(e.accuracy)
