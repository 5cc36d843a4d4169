"""One entry point: complaints in, language, dimension, confidence, sentiment and severity out.

The dimension comes from the built-in lexicon (the baseline, no training needed), from a
user's lexicon, or from a trained model (:mod:`servq.text.model`); language, sentiment and
severity are the same whichever is used. A text without letters (empty, digits only) is
``und`` and ``unclassified`` with confidence 0 whatever the method.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UsageError
from .language import UNDETERMINED, detect_normalised
from .lexicon import UNCLASSIFIED, Lexicon, load_lexicon
from .matching import normalise
from .model import ComplaintModel, load_model
from .sentiment import score_normalised

COLUMNS = ("language", "dimension", "confidence", "sentiment", "severity", "cues")
BATCH = 20_000


@dataclass(frozen=True)
class ClassifiedTexts:
    """Per text: language, dimension, confidence (0–1), sentiment (−1…1), severity (1–3)
    and the severity cues; ``method`` says what chose the dimension."""

    language: np.ndarray
    dimension: np.ndarray
    confidence: np.ndarray
    sentiment: np.ndarray
    severity: np.ndarray
    cues: tuple[tuple[str, ...], ...]
    method: str

    def __len__(self) -> int:
        return len(self.dimension)

    def to_frame(self) -> pd.DataFrame:
        """One row per text, columns :data:`COLUMNS` (cues ``;``-separated)."""
        return pd.DataFrame({"language": self.language, "dimension": self.dimension,
                             "confidence": self.confidence, "sentiment": self.sentiment,
                             "severity": self.severity, "cues": [";".join(c) for c in self.cues]})

    def to_dict(self) -> dict:
        """JSON-able: the method and one record per text."""
        rows = [{"language": str(lang), "dimension": str(d), "confidence": float(c), "sentiment": float(s),
                 "severity": int(v), "cues": list(cu)}
                for lang, d, c, s, v, cu in zip(self.language, self.dimension, self.confidence,
                                                self.sentiment, self.severity, self.cues)]
        return {"method": self.method, "texts": rows}


def classify(texts, model: ComplaintModel | str | Path | None = None,
             lexicon: Lexicon | str | Path | None = None) -> ClassifiedTexts:
    """Classify complaints.

    Parameters
    ----------
    texts : iterable of str
        The complaints (None and NaN are empty).
    model : ComplaintModel or path, optional
        A trained model (:func:`~servq.text.train`, :func:`~servq.text.load_model`) chooses
        the dimension; its confidence is the calibrated probability.
    lexicon : Lexicon or path, optional
        Without a model: this lexicon instead of the built-in one.

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
    if model is not None and lexicon is not None:
        raise UsageError("give a model or a lexicon, not both (a model uses the lexicon it was trained with)")
    texts = list(texts)
    if model is not None:
        model = model if isinstance(model, ComplaintModel) else load_model(model)
        method = "model"
    else:
        lexicon = load_lexicon(lexicon)
        method = f"lexicon: {lexicon.name}"
    starts = range(0, len(texts), BATCH) if texts else [0]
    parts = [_batch(texts[i:i + BATCH], model, lexicon) for i in starts]
    cols = list(zip(*parts))
    return ClassifiedTexts(np.concatenate(cols[0]), np.concatenate(cols[1]), np.concatenate(cols[2]),
                           np.concatenate(cols[3]), np.concatenate(cols[4]),
                           tuple(c for part in cols[5] for c in part), method)


def _batch(texts: list, model: ComplaintModel | None, lexicon: Lexicon | None):
    norm = [normalise(t) for t in texts]
    langs = [detect_normalised(t, "en") for t in norm]
    if model is not None:
        dimension, confidence = model.predict(norm, langs)
        dimension = dimension.astype(object)
    else:
        dimension, confidence = lexicon.decide(lexicon.scores(norm, langs))
    empty = np.array([lang == UNDETERMINED for lang in langs], dtype=bool)
    dimension = np.where(empty, UNCLASSIFIED, dimension).astype(object)
    confidence = np.where(empty, 0.0, confidence).astype(float)
    s = score_normalised(norm, langs)
    return (np.array(langs, dtype=object), dimension, confidence, s.score, s.severity, s.cues)
