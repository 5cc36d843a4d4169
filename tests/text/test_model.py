"""The trainable model: any label set, the lexicon features and the prior toward the
baseline, calibration, an identical round trip through the file (lexicon included),
fits equal to scikit-learn's where the model is one of its models, and clear errors for
bad files and too few examples."""

import json
import zipfile

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from servq.errors import UsageError
from servq.text import ComplaintModel, classify, load_eval_set, load_lexicon, load_model, parse_lexicon, train
from servq.text.features import CharNgrams
from servq.text.model import _softmax

TEXTS = ["long wait in the queue", "nobody answered my call", "on hold for an hour", "waited weeks for a reply",
         "the clerk was rude", "impolite and arrogant staff", "he shouted at me", "condescending adviser",
         "the bill was wrong", "charged a fee twice", "the price went up", "the invoice is too high",
         "väntade länge i kön", "personalen var otrevlig", "fakturan var för hög",
         "排队太久", "态度很差", "收费太贵"]
LABELS = ["responsiveness"] * 4 + ["assurance"] * 4 + ["price_billing"] * 4 + \
         ["responsiveness", "assurance", "price_billing"] * 2


@pytest.fixture(scope="module")
def model():
    return train(TEXTS, LABELS, seed=1)


def test_probabilities_and_predictions(model):
    p = model.predict_proba(["rude staff", "a long wait", "too expensive invoice"])
    assert p.shape == (3, 3) and np.allclose(p.sum(axis=1), 1)
    labels, conf = model.predict(["rude staff", "a long wait", "too expensive invoice"])
    assert labels.tolist() == ["assurance", "responsiveness", "price_billing"]
    assert conf.tolist() == pytest.approx(p.max(axis=1).tolist())
    assert model.classes == ("assurance", "price_billing", "responsiveness")
    assert model.info["n_examples"] == 18 and model.info["calibration"] == "temperature"
    assert model.lexicon_dimensions == ("responsiveness", "assurance", "price_billing")
    assert model.info["lexicon"]["sha256"] == load_lexicon().fingerprint
    assert model.info["lexicon"]["prior_weight"] > 0


def _reference(**options):
    """scikit-learn's logistic regression, converged far beyond its default tolerance."""
    return LogisticRegression(C=10.0, class_weight="balanced", tol=1e-12, max_iter=10_000, **options)


def test_without_the_lexicon_it_is_sklearns_logistic_regression():
    m = train(TEXTS, LABELS, calibrate=False, lexicon=False)
    # the default features: n-grams and word tokens, of the words without diacritics
    feats = CharNgrams.fit(TEXTS, words=True, folded=True)
    lr = _reference(solver="newton-cg").fit(feats.transform(TEXTS), LABELS)
    new = ["rude and slow", "kön var lång", "太贵了"]
    assert m.temperature == 1.0 and m.lexicon is None and m.lexicon_dimensions == ()
    np.testing.assert_allclose(m.coef, lr.coef_, atol=1e-6)
    np.testing.assert_allclose(m.predict_proba(new), lr.predict_proba(feats.transform(new)), rtol=1e-6)


def test_the_lexicon_features_and_prior_as_a_binary_logistic_regression():
    # with two labels the model is scikit-learn's binary logistic regression on the
    # n-grams, γ times the lexicon scores, and the difference of the labels' own scores (β)
    texts = ["long wait in the queue", "nobody answered my call", "on hold for an hour, rude", "slow reply",
             "the clerk was rude", "impolite and arrogant staff", "he shouted at me while I waited", "condescending"]
    labels = ["responsiveness"] * 4 + ["assurance"] * 4
    m = train(texts, labels, calibrate=False, lexicon_scale=0.3)
    assert m.classes == ("assurance", "responsiveness")
    assert m.lexicon_dimensions == ("responsiveness", "assurance")
    feats = CharNgrams.fit(texts, words=True, folded=True)
    s = m.lexicon_scores(texts)
    design = np.hstack([feats.transform(texts).toarray(), 0.3 * s, (s[:, 0] - s[:, 1])[:, None]])
    lr = _reference(solver="lbfgs").fit(design, labels)
    beta = lr.coef_[0, -1]
    assert m.info["lexicon"]["prior_weight"] == pytest.approx(beta, abs=1e-5) and beta > 0
    np.testing.assert_allclose(m.coef[1], lr.coef_[0, :-3], atol=1e-5)
    np.testing.assert_allclose(m.coef[0], 0.0)
    new = ["waited in the queue and the clerk was rude", "kön var lång", "nothing known"]
    z = m.decision_function(new)
    s_new = m.lexicon_scores(new)
    ref = lr.decision_function(np.hstack([feats.transform(new).toarray(), 0.3 * s_new,
                                          (s_new[:, 0] - s_new[:, 1])[:, None]]))
    np.testing.assert_allclose(z[:, 1] - z[:, 0], ref, atol=1e-5)


def test_few_examples_follow_the_baseline_and_many_can_overrule_it():
    data = load_eval_set()
    few = data.groupby("dimension").head(2)      # two relabelled complaints per label
    rest = data.drop(few.index)
    m = train(few["text"], few["dimension"])
    baseline = classify(rest["text"], baseline=True).dimension
    found = baseline != "unclassified"
    agree = np.mean(m.predict(rest["text"][found])[0] == baseline[found])
    assert agree >= 0.85, agree   # measured 0.89
    # labels that contradict the lexicon: waiting is 'assurance' here, rudeness 'responsiveness'
    waits = ["waited {} minutes in the queue", "on hold for {} minutes", "nobody answered for {} days"]
    rude = ["the clerk was rude to me {} times", "staff were arrogant and rude, {} of them", "impolite adviser, {} times"]
    texts = [t.format(i) for i in range(2, 22) for t in waits + rude]
    labels = (["assurance"] * 3 + ["responsiveness"] * 3) * 20
    m = train(texts, labels)
    assert m.predict(["we waited in the queue for ages", "a very rude clerk"])[0].tolist() == ["assurance", "responsiveness"]
    assert m.info["lexicon"]["prior_weight"] < 0.5     # measured -2.0: the data turned the prior round


def test_temperature_does_not_change_the_label_and_lowers_out_of_fold_loss(model):
    z = model.decision_function(TEXTS)
    assert model.temperature > 0
    np.testing.assert_array_equal(_softmax(z).argmax(axis=1), model.predict_proba(TEXTS).argmax(axis=1))


def test_any_label_set_including_two_labels():
    m = train(["broken phone", "app crashes", "rude staff", "arrogant clerk"] * 2,
              ["technical", "technical", "functional", "functional"] * 2)
    assert m.classes == ("functional", "technical") and m.coef.shape[0] == 2
    assert m.lexicon is None and "lexicon" not in m.info   # the built-in lexicon knows neither label
    assert m.predict(["the phone is broken"])[0].tolist() == ["technical"]
    lr = _reference(solver="newton-cg")
    feats = CharNgrams.fit(["broken phone", "app crashes", "rude staff", "arrogant clerk"] * 2, words=True)
    lr.fit(feats.transform(["broken phone", "app crashes", "rude staff", "arrogant clerk"] * 2),
           ["technical", "technical", "functional", "functional"] * 2)
    z = m.decision_function(["rude phone"])
    assert z[0, 1] - z[0, 0] == pytest.approx(lr.decision_function(feats.transform(["rude phone"]))[0], abs=1e-6)


def test_a_users_lexicon_for_another_label_set():
    lex = parse_lexicon("servq_lexicon: 1\nname: mine\ndimensions:\n  technical: {en: {broken: 3, crash*: 3}}\n"
                        "  functional: {en: {rude: 3}}\n")
    m = train(["broken phone", "app crashes", "rude staff", "arrogant clerk"] * 2,
              ["technical", "technical", "functional", "functional"] * 2, lexicon=lex)
    assert m.lexicon_dimensions == ("technical", "functional") and m.info["lexicon"]["name"] == "mine"
    assert m.predict(["it crashed again"])[0].tolist() == ["technical"]


def test_round_trip_gives_identical_probabilities(model, tmp_path):
    path = model.save(tmp_path / "sub" / "model.bin")   # any name: nothing is appended
    assert path.exists() and path.name == "model.bin"
    loaded = load_model(path)
    new = TEXTS + ["something else entirely", "", "投诉"]
    np.testing.assert_array_equal(loaded.predict_proba(new), model.predict_proba(new))
    assert loaded.classes == model.classes and loaded.temperature == model.temperature
    assert loaded.info == json.loads(json.dumps(model.info))
    assert loaded.lexicon_dimensions == model.lexicon_dimensions
    assert loaded.lexicon.fingerprint == model.lexicon.fingerprint == load_lexicon().fingerprint


def test_a_saved_model_keeps_the_lexicon_it_was_trained_with(model, tmp_path, monkeypatch):
    path = model.save(tmp_path / "model.npz")
    new = ["the clerk was rude", "väntade länge i kön", "收费太贵", "the queue was long and the fee high"]
    before = model.predict_proba(new)
    other = parse_lexicon("servq_lexicon: 1\nname: other\ndimensions:\n  assurance: {en: {queue: 9}}\n"
                          "  responsiveness: {en: {rude: 9}}\n")
    monkeypatch.setattr("servq.text.lexicon._builtin", lambda: other)   # a later servq ships another lexicon
    assert load_lexicon() is other
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(new), before)
    np.testing.assert_array_equal(classify(new, model=path).confidence, before.max(axis=1))


def test_a_version_1_file_still_loads(tmp_path):
    # version 1 had n-grams only, of the words as written
    m = train(TEXTS, LABELS, lexicon=False, words=False, calibrate=False, folded=False)
    old = tmp_path / "v1.npz"
    np.savez(old, **_arrays(m))
    loaded = load_model(old)
    assert loaded.lexicon is None and loaded.lexicon_dimensions == ()
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), m.predict_proba(TEXTS))
    again = load_model(m.save(tmp_path / "v2.npz"))   # and an n-gram-only model in this version
    assert again.lexicon is None and again.lexicon_coef is None
    np.testing.assert_array_equal(again.predict_proba(TEXTS), m.predict_proba(TEXTS))


def _arrays(model):
    return {"format": np.array("servq-complaint-model"), "version": np.array(1),
            "classes": np.array(model.classes), "vocabulary": model.vocabulary, "idf": model.idf,
            "coef": model.coef, "intercept": model.intercept, "temperature": np.array(model.temperature),
            "info": np.array("{}")}


def test_corrupt_and_foreign_files(model, tmp_path):
    bad = tmp_path / "bad.npz"
    cases = []
    bad.write_bytes(b"this is not a model")
    cases.append((bad, "not a NumPy .npz archive"))
    truncated = tmp_path / "truncated.npz"
    model.save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    cases.append((truncated, "not a NumPy .npz archive"))
    single = tmp_path / "single.npy"
    np.save(single, np.arange(3))
    cases.append((single, "a single NumPy array"))
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.ones(3))
    cases.append((foreign, "it holds no servq complaint model"))
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{**_arrays(model), "info": np.array([{"x": 1}], dtype=object)})
    cases.append((pickled, "not a NumPy .npz archive"))          # object arrays are refused
    newer = tmp_path / "newer.npz"
    np.savez(newer, **{**_arrays(model), "version": np.array(99)})
    cases.append((newer, "format version 99 is newer"))
    shapes = tmp_path / "shapes.npz"
    np.savez(shapes, **{**_arrays(model), "coef": model.coef[:, :5]})
    cases.append((shapes, "do not fit 3 classes"))
    missing = tmp_path / "missing.npz"
    arrays = _arrays(model)
    del arrays["idf"]
    np.savez(missing, **arrays)
    cases.append((missing, "missing idf"))
    nan = tmp_path / "nan.npz"
    np.savez(nan, **{**_arrays(model), "intercept": np.full(3, np.nan)})
    cases.append((nan, "not finite"))
    good = model.save(tmp_path / "good.npz")
    with np.load(good, allow_pickle=False) as npz:
        v2 = {k: npz[k] for k in npz.files}
    lexicon = json.loads(str(v2["lexicon"]))
    lexicon["terms"]["en"]["queue"] = [0, 0, 9, 0, 0, 0, 0]           # edited after training
    tampered = tmp_path / "tampered.npz"
    np.savez(tampered, **{**v2, "lexicon": np.array(json.dumps(lexicon))})
    cases.append((tampered, "its lexicon does not match the fingerprint"))
    broken = tmp_path / "broken.npz"
    np.savez(broken, **{**v2, "lexicon": np.array('{"servq_lexicon": 1, "name": "x"}')})
    cases.append((broken, "its lexicon is unreadable"))
    coefs = tmp_path / "coefs.npz"
    np.savez(coefs, **{**v2, "lexicon_coef": v2["lexicon_coef"][:, :2]})
    cases.append((coefs, "lexicon coefficients of shape"))
    dims = tmp_path / "dims.npz"
    np.savez(dims, **{**v2, "lexicon_dimensions": np.array(["responsiveness", "speed", "assurance"])})
    cases.append((dims, "its lexicon dimensions are not the lexicon's"))
    for path, message in cases:
        with pytest.raises(UsageError, match=message) as info:
            load_model(path)
        assert str(info.value).startswith(f"{path}: not a servq complaint model")
    with pytest.raises(UsageError, match="model file not found"):
        load_model(tmp_path / "nowhere.npz")
    assert zipfile.is_zipfile(model.save(tmp_path / "ok.npz"))


def test_too_few_examples_and_labels():
    with pytest.raises(UsageError, match="every label needs at least 2; 'b' has 1"):
        train(["x", "y", "z"], ["a", "a", "b"])
    with pytest.raises(UsageError, match="at least two labels; got 1"):
        train(["x", "y"], ["a", "a"])
    with pytest.raises(UsageError, match="3 texts but 2 labels"):
        train(["x", "y", "z"], ["a", "b"])
    with pytest.raises(UsageError, match="C must be above 0"):
        train(["x", "y", "z", "w"], ["a", "a", "b", "b"], c=0)
    with pytest.raises(UsageError, match="the lexicon scale must be 0 or more"):
        train(["x", "y", "z", "w"], ["a", "a", "b", "b"], lexicon_scale=-1)
    # empty labels are left out, not counted
    m = train(["x", "y", "z", "w", "v"], ["a", "a", "b", "b", ""], calibrate=False)
    assert m.info["n_examples"] == 4


def test_a_model_is_plain_data():
    m = ComplaintModel(("a", "b"), np.array(["x"]), np.ones(1), np.array([[0.0], [1.0]]), np.zeros(2))
    assert m.predict_proba(["x"])[0].tolist() == pytest.approx([1 / (1 + np.e), np.e / (1 + np.e)])
