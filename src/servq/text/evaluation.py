"""How well complaints are classified: accuracy, macro-F1, per-label precision, recall and
F1, the confusion matrix, and stratified K-fold cross-validation of the trainable model.

Definitions (those of ``sklearn.metrics`` with ``zero_division=0``). For a label *l*:
precision = TP / (texts predicted *l*), recall = TP / (texts truly *l*), F1 = 2PR/(P + R),
each 0 when its denominator is 0. **Macro-F1** is the unweighted mean of F1 over the
labels evaluated: those of the true labels (or the ``labels`` given). A prediction outside
them (``unclassified``) is an error that lowers the recall of the true label; it gets a
column of its own in the confusion matrix but no F1 of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import UsageError


@dataclass(frozen=True)
class Evaluation:
    """Accuracy, macro-F1, per-label table and confusion matrix of one set of predictions."""

    n: int
    accuracy: float
    macro_f1: float
    per_class: pd.DataFrame  # index: label; precision, recall, f1, support
    confusion: pd.DataFrame  # rows: true label; columns: predicted label

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.per_class.index)

    def to_frame(self) -> pd.DataFrame:
        """The per-label table."""
        return self.per_class.copy()

    def to_dict(self) -> dict:
        """JSON-able: n, accuracy, macro_f1, per_class {label: {...}}, confusion."""
        return {"n": self.n, "accuracy": self.accuracy, "macro_f1": self.macro_f1,
                "per_class": {str(k): {"precision": float(r.precision), "recall": float(r.recall),
                                       "f1": float(r.f1), "support": int(r.support)}
                              for k, r in self.per_class.iterrows()},
                "confusion": {"true": [str(x) for x in self.confusion.index],
                              "predicted": [str(x) for x in self.confusion.columns],
                              "counts": self.confusion.to_numpy().tolist()}}


def evaluate(true: Sequence, pred: Sequence, labels: Sequence[str] | None = None) -> Evaluation:
    """Compare predicted with true labels.

    Parameters
    ----------
    true, pred : sequences of labels, the same length
    labels : labels to evaluate, in this order (default: the true labels, sorted)

    Examples
    --------
    >>> e = evaluate(["a", "a", "b", "b", "c"], ["a", "b", "b", "b", "unclassified"])
    >>> round(e.accuracy, 2), round(e.macro_f1, 4)
    (0.6, 0.4889)
    >>> e.confusion.columns.tolist(), e.confusion.to_numpy().tolist()
    (['a', 'b', 'c', 'unclassified'], [[1, 1, 0, 0], [0, 2, 0, 0], [0, 0, 0, 1]])

    sklearn: ``f1_score(true, pred, labels=["a", "b", "c"], average="macro", zero_division=0)``.
    """
    true = [str(x) for x in true]
    pred = [str(x) for x in pred]
    if len(true) != len(pred):
        raise UsageError(f"{len(true)} true labels but {len(pred)} predictions")
    if not true:
        raise UsageError("nothing to evaluate: no labelled texts")
    labels = tuple(labels) if labels is not None else tuple(sorted(set(true)))
    rows = labels + tuple(sorted(set(true) - set(labels)))
    cols = rows + tuple(sorted(set(pred) - set(rows)))
    r_at, c_at = {k: i for i, k in enumerate(rows)}, {k: i for i, k in enumerate(cols)}
    counts = np.zeros((len(rows), len(cols)), dtype=np.int64)
    np.add.at(counts, ([r_at[t] for t in true], [c_at[p] for p in pred]), 1)
    tp = np.array([counts[r_at[k], c_at[k]] for k in labels], dtype=float)
    support = np.array([counts[r_at[k]].sum() for k in labels], dtype=float)
    predicted = np.array([counts[:, c_at[k]].sum() for k in labels], dtype=float)
    precision = _ratio(tp, predicted)
    recall = _ratio(tp, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    per_class = pd.DataFrame({"precision": precision, "recall": recall, "f1": f1,
                              "support": support.astype(np.int64)}, index=pd.Index(labels, name="label"))
    confusion = pd.DataFrame(counts, index=pd.Index(rows, name="true"), columns=pd.Index(cols, name="predicted"))
    accuracy = float(np.mean([t == p for t, p in zip(true, pred)]))
    return Evaluation(len(true), accuracy, float(f1.mean()) if len(f1) else 0.0, per_class, confusion)


def cross_validated_predictions(texts: Sequence, labels: Sequence, k: int = 5, seed: int = 0,
                                **train_options) -> np.ndarray:
    """Out-of-fold predictions of the trainable model: stratified ``k``-fold, shuffled with
    ``seed``; each text is predicted by a model trained without it (no calibration, which
    does not change the predicted label). ``train_options`` go to :func:`~servq.text.train`
    (``c``, ``min_df``, ``lexicon``, ``lexicon_scale``).

    Raises
    ------
    UsageError
        ``k`` below 2, or a label with fewer than ``k`` examples.
    """
    from .model import clean_examples

    texts, labels = clean_examples(texts, labels)
    return _out_of_fold(texts, labels, k, seed, 1.0, 0, train_options)


def cross_validate(texts: Sequence, labels: Sequence, k: int = 5, seed: int = 0, **train_options) -> Evaluation:
    """:func:`evaluate` of :func:`cross_validated_predictions`."""
    from .model import clean_examples

    _, clean = clean_examples(texts, labels)
    pred = cross_validated_predictions(texts, labels, k=k, seed=seed, **train_options)
    return evaluate(clean, pred)


def learning_curve(texts: Sequence, labels: Sequence, fractions: Sequence[float] = (0.2, 0.5, 1.0), k: int = 5,
                   seed: int = 0, repeats: int = 5, **train_options) -> pd.DataFrame:
    """Cross-validated macro-F1 of the trainable model trained on part of each training fold.

    The folds are those of :func:`cross_validate` (stratified ``k``-fold, ``seed``). For a
    fraction *f*, each fold's model learns from a random *f* of the other folds' examples,
    drawn per label (stratified; at least 2 per label, the fewest a model can learn from)
    and predicts the held-out fold, which is never subsampled; the macro-F1 of these
    out-of-fold predictions is averaged over ``repeats`` draws (one when *f* is 1, which is
    :func:`cross_validate`). Nothing is chosen on the held-out folds.

    Returns
    -------
    DataFrame
        Index ``fraction``; columns ``n_train`` (training examples per fold, mean),
        ``macro_f1``, ``sd`` (over the draws), ``accuracy`` and the macro-F1 by detected
        language (``en``, ``sv``, ``zh``: the languages present).

    Examples
    --------
    >>> data = load_eval_set()
    >>> curve = learning_curve(data["text"], data["dimension"], fractions=[0.5, 1.0], repeats=1)
    >>> curve.columns.tolist(), curve.index.tolist()
    (['n_train', 'macro_f1', 'sd', 'accuracy', 'en', 'sv', 'zh'], [0.5, 1.0])
    """
    from .language import LANGUAGES, detect_languages
    from .model import clean_examples

    texts, labels = clean_examples(texts, labels)
    bad = [f for f in fractions if not 0 < float(f) <= 1]
    if bad:
        raise UsageError(f"a learning curve's fractions are above 0 and at most 1, got {bad[0]}")
    if repeats < 1:
        raise UsageError(f"repeats must be 1 or more, got {repeats}")
    langs = np.array(detect_languages(texts), dtype=object)
    present = [lang for lang in LANGUAGES if np.any(langs == lang)]
    truth = np.array(labels, dtype=object)
    rows = []
    for fraction in fractions:
        fraction = float(fraction)
        draws = []
        for repeat in range(1 if fraction == 1 else repeats):
            sizes: list[int] = []
            pred = _out_of_fold(texts, labels, k, seed, fraction, repeat, train_options, sizes)
            e = evaluate(truth, pred)
            draws.append([np.mean(sizes), e.macro_f1, e.accuracy]
                         + [evaluate(truth[langs == lang], pred[langs == lang]).macro_f1 for lang in present])
        d = np.array(draws)
        mean = d.mean(axis=0)
        rows.append({"fraction": fraction, "n_train": mean[0], "macro_f1": mean[1],
                     "sd": float(d[:, 1].std(ddof=1)) if len(d) > 1 else 0.0, "accuracy": mean[2],
                     **{lang: mean[3 + i] for i, lang in enumerate(present)}})
    return pd.DataFrame(rows).set_index("fraction")


@dataclass(frozen=True)
class NestedResult:
    """One candidate's nested cross-validation: the evaluation of its outer out-of-fold
    predictions, the C chosen in each outer fold, and its macro-F1 by detected language."""

    evaluation: Evaluation
    chosen_c: tuple[float, ...]
    by_language: dict[str, float]


def nested_cross_validate(texts: Sequence, labels: Sequence, candidates: dict[str, Sequence[dict]],
                          grid: Sequence[float] = (3.0, 10.0, 30.0), outer: int = 5, inner: int = 3,
                          seed: int = 0, progress=None) -> dict[str, NestedResult]:
    """Compare classifier configurations by nested cross-validation.

    A candidate is one or more members, each a dict of :func:`~servq.text.train` options;
    its prediction is the arg-max of the members' averaged probabilities (uncalibrated:
    temperature scaling does not move a single model's arg-max, and the members' temperatures
    are close). In each of ``outer`` stratified folds the candidate's ``C`` (one value for
    all its members) is chosen from ``grid`` by the macro-F1 of an ``inner``-fold
    cross-validation on the outer training part only (ties: the smaller C); the members are
    then trained on the whole outer training part with that C and predict the outer test
    fold. So no text ever helps choose the C, or train the model, that predicts it: the
    outer predictions estimate how the whole procedure does on new complaints. Every
    candidate sees the same folds (``seed``).

    ``progress`` (optional) is called with a line of text after each outer fold.
    """
    from sklearn.model_selection import StratifiedKFold

    from .language import LANGUAGES, detect_languages
    from .model import check_examples, clean_examples

    texts, labels = clean_examples(texts, labels)
    check_examples(labels, outer * inner, f"for {outer} x {inner}-fold nested cross-validation")
    arr, y = np.array(texts, dtype=object), np.array(labels, dtype=object)
    langs = np.array(detect_languages(texts), dtype=object)
    folds = list(StratifiedKFold(outer, shuffle=True, random_state=seed).split(arr, y))
    results = {}
    for name, members in candidates.items():
        out = np.empty(len(y), dtype=object)
        chosen = []
        for i, (fit_idx, test_idx) in enumerate(folds):
            c, scores = choose_c(arr[fit_idx], y[fit_idx], members, grid, k=inner, seed=seed)
            chosen.append(c)
            out[test_idx] = _members_predict(arr[fit_idx], y[fit_idx], arr[test_idx], members, c, seed)
            if progress is not None:
                progress(f"{name}: outer fold {i + 1}/{outer}, C = {c:g} (inner macro-F1 "
                         + ", ".join(f"{g:g}: {f:.3f}" for g, f in zip(grid, scores)) + ")")
        by_lang = {lang: evaluate(y[langs == lang], out[langs == lang]).macro_f1
                   for lang in LANGUAGES if np.any(langs == lang)}
        results[name] = NestedResult(evaluate(y, out), tuple(chosen), by_lang)
    return results


def choose_c(texts: Sequence, labels: Sequence, members: Sequence[dict], grid: Sequence[float], k: int = 3,
             seed: int = 0) -> tuple[float, list[float]]:
    """The C of ``grid`` whose ``k``-fold cross-validated macro-F1 of ``members``
    (averaged as in :func:`nested_cross_validate`) is highest (ties: the first), and every
    C's macro-F1."""
    from sklearn.model_selection import StratifiedKFold

    arr, y = np.asarray(texts, dtype=object), np.asarray(labels, dtype=object)
    folds = list(StratifiedKFold(k, shuffle=True, random_state=seed).split(arr, y))
    scores = []
    for c in grid:
        pred = np.empty(len(y), dtype=object)
        for a, b in folds:
            pred[b] = _members_predict(arr[a], y[a], arr[b], members, c, seed)
        scores.append(evaluate(y, pred).macro_f1)
    return float(grid[int(np.argmax(scores))]), scores


def _members_predict(fit_texts, fit_labels, test_texts, members: Sequence[dict], c: float, seed: int) -> np.ndarray:
    """The arg-max of the averaged probabilities of ``members`` trained on the fit part."""
    from .model import train

    p = None
    for options in members:
        m = train(list(fit_texts), list(fit_labels), c=c, calibrate=False, seed=seed, **options)
        part = m.predict_proba(list(test_texts))
        p = part if p is None else p + part
    return np.array(m.classes, dtype=object)[p.argmax(axis=1)]


def _out_of_fold(texts: list[str], labels: list[str], k: int, seed: int, fraction: float, repeat: int,
                 train_options: dict, sizes: list[int] | None = None) -> np.ndarray:
    """Predictions of stratified ``k``-fold cross-validation, each fold's model trained on a
    stratified random ``fraction`` of its training examples (draw ``repeat``)."""
    from sklearn.model_selection import StratifiedKFold

    from .model import MIN_PER_LABEL, check_examples, train

    if k < 2:
        raise UsageError(f"cross-validation needs at least 2 folds, got {k}")
    check_examples(labels, k, f"for {k}-fold cross-validation")
    arr, y = np.array(texts, dtype=object), np.array(labels, dtype=object)
    out = np.empty(len(labels), dtype=object)
    folds = StratifiedKFold(k, shuffle=True, random_state=seed).split(arr, y)
    for fold, (train_idx, test_idx) in enumerate(folds):
        if fraction < 1:
            rng = np.random.default_rng([seed, repeat, fold])
            keep = []
            for label in sorted(set(y[train_idx])):
                idx = train_idx[y[train_idx] == label]
                m = min(len(idx), max(MIN_PER_LABEL, int(round(fraction * len(idx)))))
                keep.append(rng.choice(idx, m, replace=False))
            train_idx = np.sort(np.concatenate(keep))
        if sizes is not None:
            sizes.append(len(train_idx))
        model = train(list(arr[train_idx]), list(y[train_idx]), calibrate=False, seed=seed, **train_options)
        out[test_idx] = model.predict(list(arr[test_idx]))[0]
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros_like(num, dtype=float)
    np.divide(num, den, out=out, where=den > 0)
    return out


def load_eval_set() -> pd.DataFrame:
    """The shipped labelled evaluation set (``servq/text/data/complaints_eval.csv``):
    columns text, language, dimension, sector; written for servq, 45 or more complaints in
    each of English, Swedish and Chinese covering all seven labels."""
    from importlib import resources

    with resources.files("servq.text").joinpath("data/complaints_eval.csv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)
