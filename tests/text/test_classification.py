"""servq.text.classify: the columns, the methods, empty texts, batches and errors."""

import json

import numpy as np
import pytest

import servq.text as text
from servq.errors import UsageError
from servq.text import classify, load_lexicon, train
from servq.text.classification import COLUMNS

# Complaints as written in Hong Kong and Taiwan, and the same in Simplified characters
TRADITIONAL = {
    "排隊等了一個小時，櫃員態度很差，還對我大喊大叫。": "排队等了一个小时，柜员态度很差，还对我大喊大叫。",
    "網上銀行登錄不了，APP一直閃退。": "网上银行登录不了，APP一直闪退。",
    "ATM吞了我的卡，客服電話打了十次都沒人接，我要投訴到12315！": "ATM吞了我的卡，客服电话打了十次都没人接，我要投诉到12315！",
    "分行的廁所很髒，地上都是水，椅子也壞了": "分行的厕所很脏，地上都是水，椅子也坏了",
    "ＡＰＰ一直閃退，打了１２３１５也沒用": "APP一直闪退，打了12315也没用",  # full-width letters and digits too
}


@pytest.mark.parametrize("baseline", [False, True])
def test_traditional_chinese_is_read_as_simplified(baseline):
    """The lexicon, the training complaints and the segmenter know Simplified characters: a
    complaint in Traditional ones gets every column its Simplified twin gets."""
    traditional = classify(list(TRADITIONAL), baseline=baseline).to_frame().drop(columns="text", errors="ignore")
    simplified = classify(list(TRADITIONAL.values()), baseline=baseline).to_frame().drop(columns="text", errors="ignore")
    assert traditional.to_dict("records") == simplified.to_dict("records")
    assert set(traditional["language"]) == {"zh"} and "legal" in traditional["cues"].iloc[2]


def test_decomposed_letters_are_read_as_composed():
    """A Swedish complaint typed on a Mac may hold ``a`` + a combining ring for ``å``: the
    same columns as the composed text (before, the model's confidence dropped 0.998 -> 0.961)."""
    import unicodedata

    text = "Jag har väntat i telefonkön i två timmar, igen! Personalen var otrevlig och ingen ringde tillbaka."
    composed, decomposed = (classify([unicodedata.normalize(form, text)]).to_frame().drop(columns="text", errors="ignore")
                            for form in ("NFC", "NFD"))
    assert composed.to_dict("records") == decomposed.to_dict("records")
    assert composed["language"][0] == "sv" and composed["cues"][0] == "repeated"


def test_columns_and_values():
    r = classify(["The toilets were filthy and nobody cleaned them.",
                  "Jag har väntat i telefonkön i två timmar, igen!",
                  "营业厅的工作人员态度很差，我要投诉到12315", None, "12345"], baseline=True)
    f = r.to_frame()
    assert list(f.columns) == list(COLUMNS) and len(r) == 5
    assert f["language"].tolist() == ["en", "sv", "zh", "und", "und"]
    assert f["dimension"].tolist() == ["tangibles", "responsiveness", "assurance", "unclassified", "unclassified"]
    assert f["severity"].tolist() == [2, 2, 3, 1, 1]
    assert f["cues"].tolist() == ["", "repeated", "legal", "", ""]
    assert ((f["confidence"] >= 0) & (f["confidence"] <= 1)).all()
    assert ((f["sentiment"] > -1) & (f["sentiment"] < 1)).all() and f["sentiment"][0] < 0
    assert f["confidence"].tolist()[3:] == [0.0, 0.0]
    assert f["needs_person"].tolist() == [False, False, False, True, True]  # the baseline: when no term is found
    assert f["secondary"].tolist() == [""] * 5
    assert r.method == "lexicon: SERVQUAL complaint dimensions (built-in)"
    d = json.loads(json.dumps(r.to_dict()))
    assert d["texts"][2]["cues"] == ["legal"] and d["method"] == r.method


def test_the_same_as_the_lexicon_and_across_batches(monkeypatch):
    texts = ["The bill was wrong", "Kön var lång", "信号太差", "", "Rude staff"] * 7
    whole = classify(texts, baseline=True)
    monkeypatch.setattr("servq.text.classification.BATCH", 4)
    batched = classify(texts, baseline=True)
    for col in ("language", "dimension", "confidence", "sentiment", "severity"):
        np.testing.assert_array_equal(getattr(whole, col), getattr(batched, col))
    dims, conf = load_lexicon().classify(texts)
    np.testing.assert_array_equal(whole.dimension, dims)
    assert classify([]).to_frame().empty and classify([], baseline=True).to_frame().empty


def test_the_builtin_model_by_default(monkeypatch):
    """The built-in model: its probabilities, the second most likely dimension, and a person
    for those below its calibrated threshold; the same in batches."""
    from servq.text.classification import builtin_model

    texts = ["The bill was wrong, you charged me twice", "Kön var lång, en timme", "信号太差，总是掉线", "",
             "Rude staff"] * 5
    model = builtin_model()
    r = classify(texts)
    assert r.method == "built-in model"
    p = model.predict_proba(texts)
    order = np.argsort(-p, axis=1)
    for i in range(4):  # the empty text (3) is unclassified
        if i == 3:
            assert (r.dimension[i], r.confidence[i], r.needs_person[i]) == ("unclassified", 0.0, True)
            continue
        assert r.dimension[i] == model.classes[order[i, 0]] and r.secondary[i] == model.classes[order[i, 1]]
        assert r.confidence[i] == pytest.approx(p[i, order[i, 0]])
        assert r.secondary_confidence[i] == pytest.approx(p[i, order[i, 1]])
        assert r.needs_person[i] == (p[i, order[i, 0]] < model.info["abstain"]["threshold"])
    assert r.dimension[:3].tolist() == ["price_billing", "responsiveness", "product_quality"]
    monkeypatch.setattr("servq.text.classification.BATCH", 3)
    batched = classify(texts)
    np.testing.assert_array_equal(r.secondary, batched.secondary)
    np.testing.assert_allclose(r.confidence, batched.confidence, rtol=1e-12)


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
