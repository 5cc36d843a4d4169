"""One entry point: complaints in, language, dimension, confidence, sentiment and severity out.

The dimension comes from the built-in model (by default: two logistic regressions learned
from the shipped complaints — character n-grams and word tokens alone, and with the lexicon's
scores — whose probabilities are averaged; a third on sentence embeddings with
``embeddings=True``; ``text/data/classifier*``, built by ``scripts/build_classifier.py``),
from a trained model of one's own (:mod:`servq.text.model`), or from a lexicon (the
built-in one is the baseline, no training needed); language, sentiment and severity are the
same whichever is used. A model also gives the second most likely dimension, and marks a
complaint whose confidence is below its calibrated threshold as needing a person. A text
without letters (empty, digits only) is ``und`` and ``unclassified`` with confidence 0
whatever the method.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UsageError
from .language import UNDETERMINED, detect_normalised
from .lexicon import UNCLASSIFIED, Lexicon, load_lexicon
from .matching import normalise
from .model import ComplaintModel, Ensemble, load_model
from .sentiment import score_normalised

COLUMNS = ("language", "dimension", "confidence", "secondary", "secondary_confidence", "needs_person",
           "sentiment", "severity", "cues")
BATCH = 20_000


@cache
def builtin_model(embeddings: bool = False) -> Ensemble:
    """The built-in classifier (``text/data/classifier*.{npz,json}``, made by
    ``scripts/build_classifier.py``), loaded once; with ``embeddings`` the variant with a
    third member on multilingual-e5-small sentence embeddings (``servq[embeddings]``)."""
    folder = resources.files("servq.text").joinpath("data")
    info = json.loads(folder.joinpath("classifier.json").read_text(encoding="utf-8"))
    if embeddings:
        from .embeddings import available

        info = info["with_embeddings"]
        if not available(info["backend"]):
            raise UsageError(f"the built-in model with embeddings needs the {info['backend']} backend: "
                             "pip install 'servq[embeddings]'")
    members = []
    for name in info["members"]:
        with resources.as_file(folder.joinpath(name)) as path:
            members.append(load_model(path))
    return Ensemble(tuple(members), tuple(info["weights"]), info)


TRAINING_FILES = ("complaints_train.csv", "complaints_eval.csv")


def builtin_training_set() -> pd.DataFrame:
    """The labelled complaints the built-in model learned from (columns text, dimension):
    ``text/data/complaints_train.csv`` and ``complaints_eval.csv``, 2,052 in en/sv/zh."""
    folder = resources.files("servq.text").joinpath("data")
    frames = []
    for name in TRAINING_FILES:
        with folder.joinpath(name).open("r", encoding="utf-8") as fh:
            frames.append(pd.read_csv(fh, dtype=str, keep_default_na=False, usecols=["text", "dimension"]))
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class ClassifiedTexts:
    """Per text: language, dimension, confidence (0–1), the second most likely dimension
    and its confidence (a model's; empty with a lexicon), whether it needs a person (below
    the model's calibrated threshold; with a lexicon, when no term was found), sentiment
    (−1…1), severity (1–3) and the severity cues; ``method`` says what chose the dimension."""

    language: np.ndarray
    dimension: np.ndarray
    confidence: np.ndarray
    secondary: np.ndarray
    secondary_confidence: np.ndarray
    needs_person: np.ndarray
    sentiment: np.ndarray
    severity: np.ndarray
    cues: tuple[tuple[str, ...], ...]
    method: str

    def __len__(self) -> int:
        return len(self.dimension)

    def to_frame(self) -> pd.DataFrame:
        """One row per text, columns :data:`COLUMNS` (cues ``;``-separated)."""
        return pd.DataFrame({**{name: getattr(self, name) for name in COLUMNS[:-1]},
                             "cues": [";".join(c) for c in self.cues]})

    def to_dict(self) -> dict:
        """JSON-able: the method and one record per text."""
        rows = [{"language": str(lang), "dimension": str(d), "confidence": float(c), "secondary": str(d2),
                 "secondary_confidence": float(c2), "needs_person": bool(person), "sentiment": float(s),
                 "severity": int(v), "cues": list(cu)}
                for lang, d, c, d2, c2, person, s, v, cu in zip(
                    self.language, self.dimension, self.confidence, self.secondary, self.secondary_confidence,
                    self.needs_person, self.sentiment, self.severity, self.cues)]
        return {"method": self.method, "texts": rows}


def classify(texts, model: ComplaintModel | Ensemble | str | Path | None = None,
             lexicon: Lexicon | str | Path | None = None, *, baseline: bool = False,
             embeddings: bool = False) -> ClassifiedTexts:
    """Classify complaints.

    Parameters
    ----------
    texts : iterable of str
        The complaints (None and NaN are empty).
    model : ComplaintModel or path, optional
        A trained model (:func:`~servq.text.train`, :func:`~servq.text.load_model`) chooses
        the dimension; its confidence is the calibrated probability. Default: the built-in
        model, unless a lexicon or the baseline is asked for.
    lexicon : Lexicon or path, optional
        Instead of a model: this lexicon's terms decide.
    baseline : bool
        Instead of a model: the built-in lexicon decides (the baseline).
    embeddings : bool
        The built-in model with its sentence-embedding member (``servq[embeddings]``;
        better on unusual wording, about 17 complaints per second).

    Examples
    --------
    >>> r = classify(["The toilets were filthy and nobody cleaned them.",
    ...               "Fakturan var dubbelt så hög som utlovat, igen!",
    ...               "信号太差了，打电话总是掉线。", ""])
    >>> r.to_frame()[["language", "dimension", "severity", "cues"]]  # doctest: +NORMALIZE_WHITESPACE
      language        dimension  severity      cues
    0       en        tangibles         2
    1       sv    price_billing         2  repeated
    2       zh  product_quality         3  repeated
    3      und     unclassified         1

    (Severity 2 for the filthy toilets: a very negative tone; 3 for the dropped calls: a
    very negative tone and 总是, always.)
    """
    if model is not None and (lexicon is not None or baseline):
        raise UsageError("give a model or a lexicon, not both (a model uses the lexicon it was trained with)")
    if embeddings and (model is not None or lexicon is not None or baseline):
        raise UsageError("embeddings choose the built-in model's variant; a model of your own has its features")
    texts = list(texts)
    if lexicon is not None or baseline:
        lexicon = load_lexicon(lexicon)
        method = f"lexicon: {lexicon.name}"
    elif model is None:
        model = builtin_model(embeddings)
        method = "built-in model" + (" with sentence embeddings" if embeddings else "")
    else:
        model = model if isinstance(model, (ComplaintModel, Ensemble)) else load_model(model)
        method = "model"
    starts = range(0, len(texts), BATCH) if texts else [0]
    parts = [_batch(texts[i:i + BATCH], model, lexicon) for i in starts]
    cols = list(zip(*parts))
    return ClassifiedTexts(*(np.concatenate(c) for c in cols[:-1]), tuple(c for part in cols[-1] for c in part),
                           method)


def _batch(texts: list, model: ComplaintModel | Ensemble | None, lexicon: Lexicon | None):
    norm = [normalise(t) for t in texts]
    langs = [detect_normalised(t, "en") for t in norm]
    n = len(norm)
    if model is not None:
        p = model.predict_proba(norm, langs)
        order = np.argsort(-p, axis=1, kind="stable")
        classes = np.array(model.classes, dtype=object)
        rows = np.arange(n)
        dimension, confidence = classes[order[:, 0]], p[rows, order[:, 0]]
        secondary, second = classes[order[:, 1]], p[rows, order[:, 1]]
        threshold = (model.info.get("abstain") or {}).get("threshold", 0.0)
        person = confidence < threshold
    else:
        dimension, confidence = lexicon.decide(lexicon.scores(norm, langs))
        secondary, second = np.full(n, "", dtype=object), np.zeros(n)
        person = dimension == UNCLASSIFIED
    empty = np.array([lang == UNDETERMINED for lang in langs], dtype=bool)
    dimension = np.where(empty, UNCLASSIFIED, dimension).astype(object)
    confidence = np.where(empty, 0.0, confidence).astype(float)
    secondary = np.where(empty, "", secondary).astype(object)
    second = np.where(empty, 0.0, second).astype(float)
    s = score_normalised(norm, langs)
    return (np.array(langs, dtype=object), dimension, confidence, secondary, second,
            np.asarray(person | empty, dtype=bool), s.score, s.severity, s.cues)
