"""Complaint text: language detection, service-quality dimension, sentiment and severity.

The public API::

    servq.text.classify(texts, model=None, lexicon=None, baseline=False, embeddings=False) -> ClassifiedTexts
                                          (default: the built-in model; baseline: the lexicon)
    servq.text.train(texts, labels, c=10, min_df=1, lexicon=None, lexicon_scale=0.3, words=True,
                     embeddings=None, ngrams=True, calibrate=True, seed=0) -> ComplaintModel
    ComplaintModel.save(path);  servq.text.load_model(path or folder of versions) -> ComplaintModel
    servq.text.evaluate(true, pred, labels=None)          -> Evaluation
    servq.text.cross_validate(texts, labels, k=5, seed=0)  -> Evaluation
    servq.text.learning_curve(texts, labels, fractions=(0.2, 0.5, 1.0), k=5, seed=0) -> DataFrame
    servq.text.nested_cross_validate(texts, labels, candidates, grid=(3, 10, 30)) -> {name: NestedResult}
    servq.text.tokens(text, language, known=())            -> word tokens (jieba words, stems, compound parts)
    servq.text.detect_language(text)                       -> "en" | "sv" | "zh" | "und"
    servq.text.score_sentiment(texts)                      -> Sentiment
    servq.text.load_lexicon(path=None)                     -> Lexicon (built-in: SERVQUAL)
    servq.text.load_eval_set()                             -> DataFrame (the shipped labelled set)

Labels of the built-in lexicon: tangibles, reliability, responsiveness, assurance, empathy,
price_billing, product_quality (and ``unclassified`` when no term is found). How it works:
docs/complaints-text.md.
"""

from .classification import ClassifiedTexts, classify
from .evaluation import (
    Evaluation,
    NestedResult,
    cross_validate,
    cross_validated_predictions,
    evaluate,
    learning_curve,
    load_eval_set,
    nested_cross_validate,
)
from .language import detect_language, detect_languages
from .lexicon import UNCLASSIFIED, Lexicon, LexiconError, load_lexicon, parse_lexicon
from .model import ComplaintModel, load_model, train
from .sentiment import Sentiment, score_sentiment
from .tokens import tokens

__all__ = [
    "ClassifiedTexts",
    "ComplaintModel",
    "Evaluation",
    "Lexicon",
    "LexiconError",
    "NestedResult",
    "Sentiment",
    "UNCLASSIFIED",
    "classify",
    "cross_validate",
    "cross_validated_predictions",
    "detect_language",
    "detect_languages",
    "evaluate",
    "learning_curve",
    "load_eval_set",
    "load_lexicon",
    "load_model",
    "nested_cross_validate",
    "parse_lexicon",
    "score_sentiment",
    "tokens",
    "train",
]
