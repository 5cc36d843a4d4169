"""servq.text.classify: the columns, the methods, empty texts, batches and errors."""

import json

import numpy as np
import pytest

import servq.text as text
from servq.errors import UsageError
from servq.text import classify, load_lexicon, train
from servq.text.classification import COLUMNS


def test_columns_and_values():
    r = classify(["The toilets were filthy and nobody cleaned them.",
                  "Jag har väntat i telefonkön i två timmar, igen!",
                  "营业厅的工作人员态度很差，我要投诉到12315", None, "12345"])
    f = r.to_frame()
    assert list(f.columns) == list(COLUMNS) and len(r) == 5
    assert f["language"].tolist() == ["en", "sv", "zh", "und", "und"]
    assert f["dimension"].tolist() == ["tangibles", "responsiveness", "assurance", "unclassified", "unclassified"]
    assert f["severity"].tolist() == [2, 2, 3, 1, 1]
    assert f["cues"].tolist() == ["", "repeated", "legal", "", ""]
    assert ((f["confidence"] >= 0) & (f["confidence"] <= 1)).all()
    assert ((f["sentiment"] > -1) & (f["sentiment"] < 1)).all() and f["sentiment"][0] < 0
    assert f["confidence"].tolist()[3:] == [0.0, 0.0]
    assert r.method == "lexicon: SERVQUAL complaint dimensions (built-in)"
    d = json.loads(json.dumps(r.to_dict()))
    assert d["texts"][2]["cues"] == ["legal"] and d["method"] == r.method


def test_the_same_as_the_lexicon_and_across_batches(monkeypatch):
    texts = ["The bill was wrong", "Kön var lång", "信号太差", "", "Rude staff"] * 7
    whole = classify(texts)
    monkeypatch.setattr("servq.text.classification.BATCH", 4)
    batched = classify(texts)
    for col in ("language", "dimension", "confidence", "sentiment", "severity"):
        np.testing.assert_array_equal(getattr(whole, col), getattr(batched, col))
    dims, conf = load_lexicon().classify(texts)
    np.testing.assert_array_equal(whole.dimension, dims)
    assert classify([]).to_frame().empty


def test_with_a_model_or_a_lexicon(tmp_path):
    m = train(["slow queue", "long wait", "rude staff", "impolite clerk"] * 3,
              ["waiting", "waiting", "manners", "manners"] * 3)
    path = m.save(tmp_path / "m.npz")
    r = classify(["a very long wait", "", "rude"], model=path)
    assert r.method == "model" and r.dimension.tolist() == ["waiting", "unclassified", "manners"]
    assert r.confidence[1] == 0.0 and r.confidence[0] == pytest.approx(m.predict(["a very long wait"])[1][0])
    lex = tmp_path / "lex.yaml"
    lex.write_text("servq_lexicon: 1\nname: mine\ndimensions:\n  waiting: {en: {wait*: 1}}\n", encoding="utf-8")
    assert classify(["waited"], lexicon=lex).dimension.tolist() == ["waiting"]
    with pytest.raises(UsageError, match="a model or a lexicon, not both"):
        classify(["x"], model=path, lexicon=lex)


def test_public_names():
    for name in text.__all__:
        assert getattr(text, name) is not None
    with pytest.raises(AttributeError):
        text.no_such_name  # noqa: B018
