"""Complaint text: language detection, service-quality dimension, sentiment and severity.

The public API::

    servq.text.classify(texts, model=None, lexicon=None)  -> ClassifiedTexts
    servq.text.train(texts, labels, c=10, min_df=1, lexicon=None, lexicon_scale=0.3,
                     calibrate=True, seed=0)              -> ComplaintModel
    ComplaintModel.save(path);  servq.text.load_model(path) -> ComplaintModel
    servq.text.evaluate(true, pred, labels=None)          -> Evaluation
    servq.text.cross_validate(texts, labels, k=5, seed=0)  -> Evaluation
    servq.text.learning_curve(texts, labels, fractions=(0.2, 0.5, 1.0), k=5, seed=0) -> DataFrame
    servq.text.detect_language(text)                       -> "en" | "sv" | "zh" | "und"
    servq.text.score_sentiment(texts)                      -> Sentiment
    servq.text.load_lexicon(path=None)                     -> Lexicon (built-in: SERVQUAL)
    servq.text.load_eval_set()                             -> DataFrame (the shipped labelled set)

Labels of the built-in lexicon: tangibles, reliability, responsiveness, assurance, empathy,
price_billing, product_quality (and ``unclassified`` when no term is found). How it works:
docs/complaints-text.md. Names are imported on first use, so the CLI stays fast.
"""

from servq.lazy import exports

_EXPORTS = {
    "classify": "servq.text.classification",
    "ClassifiedTexts": "servq.text.classification",
    "train": "servq.text.model",
    "load_model": "servq.text.model",
    "ComplaintModel": "servq.text.model",
    "evaluate": "servq.text.evaluation",
    "cross_validate": "servq.text.evaluation",
    "cross_validated_predictions": "servq.text.evaluation",
    "learning_curve": "servq.text.evaluation",
    "Evaluation": "servq.text.evaluation",
    "detect_language": "servq.text.language",
    "detect_languages": "servq.text.language",
    "score_sentiment": "servq.text.sentiment",
    "Sentiment": "servq.text.sentiment",
    "load_lexicon": "servq.text.lexicon",
    "parse_lexicon": "servq.text.lexicon",
    "Lexicon": "servq.text.lexicon",
    "LexiconError": "servq.text.lexicon",
    "UNCLASSIFIED": "servq.text.lexicon",
    "load_eval_set": "servq.text.evaluation",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = exports(__name__, _EXPORTS)
