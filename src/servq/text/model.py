"""The trainable complaint classifier: character n-grams and the lexicon's scores, logistic
regression with a prior toward the baseline, temperature-calibrated probabilities.

**Model.** A multinomial logistic regression over three groups of features:

* tf-idf character 1–4-grams φ(x) (:mod:`servq.text.features`, rows of unit length), one
  weight per n-gram and label: the wording of *your* complaints — by default with the
  text's word tokens in the same row (Chinese words, stems, Swedish compound parts:
  :mod:`servq.text.tokens`), and optionally sentence embeddings as a block of their own
  (:mod:`servq.text.embeddings`, ``embeddings=``);
* the lexicon's scores s(x) (:mod:`servq.text.lexicon`: the sum of the weights of the
  distinct terms of a dimension found in the text) for the dimensions of the label set
  that the lexicon knows, scaled by :data:`LEXICON_SCALE`, one weight per dimension and
  label: which lexicon evidence goes with which label;
* the **prior toward the baseline**: one weight β shared by all labels, times the score of
  the label's *own* lexicon dimension (0 for a label the lexicon does not know).

So the decision value of label *k* is ::

    z_k = b_k + w_k·φ(x) + v_k·(γ s(x)) + β s_k(x)

and ``p = softmax(z / T)``. With ``w = v = 0`` the model is the lexicon baseline (the
highest score wins), and β is a single number, learned from the first few examples: with
two relabelled complaints per label the model already comes close to the baseline (and it
always guesses, where the baseline leaves complaints without a term unclassified).
With many examples the n-gram and per-label weights take over: the penalty stays the same
while the evidence grows, so the data outweigh the prior, and a lexicon that disagrees with
the labels ends with a small or negative β.

The fit minimises the class-weighted log-loss (``class_weight="balanced"``: weight
``n / (labels · n_k)`` per example, so a rare label is not drowned by a frequent one) plus
``(‖w‖² + ‖v‖² + β²) / (2C)`` (intercepts not penalised), ``C`` = 10, by a trust-region
Newton-CG method with exact Hessian-vector products (SciPy ``trust-ncg``) on one thread
(sparse and small: threads only contend). Without lexicon features it is exactly
scikit-learn's ``LogisticRegression(C=C, class_weight="balanced")`` (checked in the tests);
with two labels the first label's weights are 0 (the binary model, as scikit-learn's).
Any set of labels (two or more, each with at least :data:`MIN_PER_LABEL` examples) can be
trained: the SERVQUAL dimensions, Grönroos' technical/functional/image (with a lexicon for
them, or n-grams only), or labels a user corrected by hand.

**Calibrated probabilities.** The penalty shrinks the probabilities towards uniform on
small training sets, so they are then calibrated by *temperature scaling* (Guo et al.
2017): ``T`` minimises the log-loss of out-of-fold decision values (stratified K-fold,
K = min(5, fewest examples of a label), seeded). The predicted label (the arg-max) does not
change; the confidence does.

**File.** :meth:`ComplaintModel.save` writes a NumPy ``.npz`` archive of plain arrays —
vocabulary, idf, n-gram coefficients, intercepts, class names, temperature, the lexicon
dimensions used and their coefficients, the lexicon itself as a JSON string (so that a
model scores with the lexicon it was trained with, whatever later versions ship) and a JSON
``info`` string holding the lexicon's SHA-256 fingerprint — and :func:`load_model` reads
it with ``allow_pickle=False`` and checks the fingerprint: loading a model never runs code,
and prediction needs NumPy and SciPy only, not scikit-learn.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import UsageError
from .features import NGRAM_RANGE, CharNgrams
from .lexicon import Lexicon, load_lexicon
from .matching import normalise

FORMAT = "servq-complaint-model"
FORMAT_VERSION = 3
MIN_PER_LABEL = 2
DEFAULT_C = 10.0
LEXICON_SCALE = 0.3
SOLVER = "trust-region Newton-CG (scipy), one thread"
_ARRAYS = ("format", "version", "classes", "vocabulary", "idf", "coef", "intercept", "temperature", "info")
_ARRAYS_V2 = _ARRAYS + ("lexicon", "lexicon_dimensions", "lexicon_coef")
_ARRAYS_V3 = _ARRAYS_V2 + ("embedding_coef",)


@dataclass(frozen=True, eq=False)
class ComplaintModel:
    """A trained classifier: ``classes`` and what is needed to predict them.

    ``lexicon_coef`` (classes x ``lexicon_dimensions``) is the weight of one unit of each
    lexicon score in every decision value (``γ v_k`` plus β for the label's own dimension;
    see the module); a model without lexicon features has none.
    """

    classes: tuple[str, ...]
    vocabulary: np.ndarray
    idf: np.ndarray
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    temperature: float = 1.0
    info: dict = field(default_factory=dict)
    lexicon: Lexicon | None = None
    lexicon_dimensions: tuple[str, ...] = ()
    lexicon_coef: np.ndarray | None = None  # (classes, lexicon dimensions)
    embedding_coef: np.ndarray | None = None  # (classes, embedding dimension): info["embeddings"]["backend"]

    @cached_property
    def features(self) -> CharNgrams:
        span = tuple(self.info.get("ngram_range", NGRAM_RANGE))
        return CharNgrams(self.vocabulary, self.idf, span, words=bool(self.info.get("word_tokens")),
                          folded=bool(self.info.get("folded")))

    def lexicon_scores(self, texts, languages=None) -> np.ndarray:
        """The lexicon's scores of the dimensions the model uses (texts x dimensions),
        languages detected when not given."""
        return _lexicon_scores(self.lexicon, self.lexicon_dimensions, texts, languages)

    def decision_function(self, texts, languages=None) -> np.ndarray:
        """Decision values ``z`` (texts x classes), before the temperature.

        ``languages`` (one per text) saves detecting them again; only the lexicon scores
        depend on them."""
        texts = list(texts)
        languages = _languages(texts, languages) if self.features.words or self.lexicon_dimensions else None
        return self.decision_of(self.features.transform(texts, languages), texts, languages)

    def decision_of(self, ngrams, texts, languages=None) -> np.ndarray:
        """:meth:`decision_function` of texts whose n-gram features ``ngrams`` (this model's
        :attr:`features` of ``texts``) are computed already."""
        z = np.asarray(ngrams @ self.coef.T) + self.intercept
        if self.lexicon_dimensions:
            z += self.lexicon_scores(texts, languages) @ self.lexicon_coef.T
        if self.embedding_coef is not None:
            z += _embeddings(texts, self.info["embeddings"]) @ self.embedding_coef.T
        return z

    def predict_proba(self, texts, languages=None) -> np.ndarray:
        """Calibrated probabilities (texts x classes, rows sum to 1)."""
        return _softmax(self.decision_function(texts, languages) / self.temperature)

    def predict(self, texts, languages=None) -> tuple[np.ndarray, np.ndarray]:
        """(label, probability of that label) of every text."""
        p = self.predict_proba(texts, languages)
        best = p.argmax(axis=1)
        return np.array(self.classes, dtype=object)[best], p[np.arange(len(p)), best]

    def save(self, path: str | Path) -> Path:
        """Write the model to ``path`` (a ``.npz`` archive of plain arrays, see the module)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        lexicon = "" if self.lexicon is None else json.dumps(self.lexicon.to_dict(), ensure_ascii=False)
        lexicon_coef = (np.zeros((len(self.classes), 0)) if self.lexicon_coef is None
                        else self.lexicon_coef)
        embedding_coef = (np.zeros((len(self.classes), 0)) if self.embedding_coef is None
                          else self.embedding_coef)
        with path.open("wb") as fh:
            np.savez_compressed(fh, format=np.array(FORMAT), version=np.array(FORMAT_VERSION),
                                classes=np.array(self.classes, dtype=str), vocabulary=self.vocabulary,
                                idf=self.idf, coef=self.coef, intercept=self.intercept,
                                temperature=np.array(self.temperature),
                                info=np.array(json.dumps(self.info, ensure_ascii=False)),
                                lexicon=np.array(lexicon),
                                lexicon_dimensions=np.array(self.lexicon_dimensions, dtype=str).reshape(-1),
                                lexicon_coef=lexicon_coef, embedding_coef=embedding_coef)
        return path


@dataclass(frozen=True, eq=False)
class Ensemble:
    """Models of the same classes whose calibrated probabilities are averaged with
    ``weights`` (the built-in classifier: character n-grams alone, and with the lexicon's
    scores); ``info`` holds the abstention threshold of the average (``info["abstain"]``)."""

    members: tuple[ComplaintModel, ...]
    weights: tuple[float, ...]
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len({m.classes for m in self.members}) != 1 or len(self.weights) != len(self.members):
            raise UsageError("an ensemble needs models of the same classes and one weight per model")

    @property
    def classes(self) -> tuple[str, ...]:
        return self.members[0].classes

    @cached_property
    def _shared_features(self) -> bool:
        """Whether the members have the same n-gram features (fitted on the same texts):
        then the texts' n-grams are computed once for all."""
        first = self.members[0]
        return all(np.array_equal(m.vocabulary, first.vocabulary) and np.array_equal(m.idf, first.idf)
                   and m.features.ngram_range == first.features.ngram_range
                   and m.features.words == first.features.words and m.features.folded == first.features.folded
                   for m in self.members[1:])

    def predict_proba(self, texts, languages=None) -> np.ndarray:
        """The weighted average of the members' probabilities (texts x classes)."""
        texts = list(texts)
        total = sum(self.weights)
        if not self._shared_features:
            return sum(w / total * m.predict_proba(texts, languages) for m, w in zip(self.members, self.weights))
        languages = _languages(texts, languages)
        ngrams = self.members[0].features.transform(texts, languages)
        return sum(w / total * _softmax(m.decision_of(ngrams, texts, languages) / m.temperature)
                   for m, w in zip(self.members, self.weights))

    def predict(self, texts, languages=None) -> tuple[np.ndarray, np.ndarray]:
        """(label, probability of that label) of every text."""
        p = self.predict_proba(texts, languages)
        best = p.argmax(axis=1)
        return np.array(self.classes, dtype=object)[best], p[np.arange(len(p)), best]


def load_model(path: str | Path) -> ComplaintModel:
    """A model saved by :meth:`ComplaintModel.save` (this format version or an earlier one),
    or the current version of a folder of versions (:mod:`.versions`); a UsageError for
    anything else.

    Raises
    ------
    UsageError
        The file is missing, not an ``.npz`` archive, not a servq complaint model, from a
        newer format version, or inconsistent (shapes, non-finite numbers, a lexicon that
        does not match its fingerprint).
    """
    path = Path(path)
    if path.is_dir():
        from .versions import current_path

        path = current_path(path)
    if not path.is_file():
        raise UsageError(f"model file not found: {path}")
    try:
        with path.open("rb") as fh:  # our handle: closed even when NumPy fails half-way
            npz = np.load(fh, allow_pickle=False)
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise _not_a_model(path, "a single NumPy array, not a model archive")
            if "format" not in npz.files or str(npz["format"]) != FORMAT:
                raise _not_a_model(path, "it holds no servq complaint model")
            version = int(npz["version"]) if "version" in npz.files else 0
            if version > FORMAT_VERSION:
                raise _not_a_model(path, f"format version {version} is newer than this servq reads "
                                         f"({FORMAT_VERSION}); upgrade servq")
            wanted = _ARRAYS if version < 2 else _ARRAYS_V2 if version == 2 else _ARRAYS_V3
            missing = [k for k in wanted if k not in npz.files]
            if missing:
                raise _not_a_model(path, f"missing {', '.join(missing)}")
            a = {k: npz[k] for k in wanted}
            npz.close()
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise _not_a_model(path, f"not a NumPy .npz archive ({type(exc).__name__}: {exc})") from None
    return _checked(a, path)


def _checked(a: dict, path: Path) -> ComplaintModel:
    try:
        classes = tuple(str(c) for c in a["classes"].tolist())
        vocab, idf = a["vocabulary"], a["idf"].astype(float)
        coef, intercept = a["coef"].astype(float), a["intercept"].astype(float)
        temperature, info = float(a["temperature"]), json.loads(str(a["info"]))
        lexicon_text = str(a["lexicon"]) if "lexicon" in a else ""
        dims = tuple(str(d) for d in a["lexicon_dimensions"].tolist()) if "lexicon" in a else ()
        lexicon_coef = a["lexicon_coef"].astype(float) if "lexicon" in a else None
        embedding_coef = a["embedding_coef"].astype(float) if "embedding_coef" in a else None
    except (TypeError, ValueError) as exc:
        raise _not_a_model(path, f"unreadable arrays ({exc})") from None
    k, v = len(classes), len(vocab)
    problems = []
    if k < 2 or len(set(classes)) != k:
        problems.append("it needs two or more distinct classes")
    if vocab.dtype.kind != "U" or idf.shape != (v,):
        problems.append("vocabulary and idf do not match")
    if coef.shape != (k, v) or intercept.shape != (k,):
        problems.append(f"coefficients of shape {coef.shape} do not fit {k} classes and {v} features")
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept)) and np.all(np.isfinite(idf))):
        problems.append("it holds numbers that are not finite")
    if not (temperature > 0 and np.isfinite(temperature)) or not isinstance(info, dict):
        problems.append("bad temperature or info")
    lexicon = None
    if lexicon_text:
        try:
            lexicon = Lexicon.from_dict(json.loads(lexicon_text), source=f"{path} (lexicon)")
        except ValueError as exc:
            problems.append(f"its lexicon is unreadable ({exc})")
        else:
            stored = info.get("lexicon", {}).get("sha256") if isinstance(info, dict) else None
            if stored != lexicon.fingerprint:
                problems.append("its lexicon does not match the fingerprint in its info")
            if not set(dims) <= set(lexicon.dimensions) or len(set(dims)) != len(dims):
                problems.append("its lexicon dimensions are not the lexicon's")
    elif dims:
        problems.append("lexicon dimensions without a lexicon")
    if lexicon_coef is not None and (lexicon_coef.shape != (k, len(dims)) or not np.all(np.isfinite(lexicon_coef))):
        problems.append(f"lexicon coefficients of shape {lexicon_coef.shape} do not fit {k} classes "
                        f"and {len(dims)} lexicon dimensions, or are not finite")
    embedding = info.get("embeddings") if isinstance(info, dict) else None
    if embedding_coef is not None and embedding_coef.size == 0:
        embedding_coef = None
    if (embedding is None) != (embedding_coef is None):
        problems.append("embedding coefficients and the embedding backend in its info do not go together")
    elif embedding_coef is not None and (embedding_coef.shape != (k, int(embedding.get("dimension", -1)))
                                         or not np.all(np.isfinite(embedding_coef))):
        problems.append(f"embedding coefficients of shape {embedding_coef.shape} do not fit {k} classes and its "
                        "backend's dimension, or are not finite")
    if problems:
        raise _not_a_model(path, "; ".join(problems))
    return ComplaintModel(classes, vocab, idf, coef, intercept, temperature, info,
                          lexicon if dims else None, dims, lexicon_coef if dims else None, embedding_coef)


def _not_a_model(path: Path, why: str) -> UsageError:
    return UsageError(f"{path}: not a servq complaint model: {why}")


def train(texts: Sequence, labels: Sequence, *, c: float = DEFAULT_C, min_df: int = 1,
          lexicon: Lexicon | str | Path | None | bool = None, lexicon_scale: float = LEXICON_SCALE,
          words: bool = True, embeddings: str | None = None, ngrams: bool = True, calibrate: bool = True,
          seed: int = 0, folded: bool = True) -> ComplaintModel:
    """Train a classifier on labelled complaints (any label set).

    Parameters
    ----------
    texts, labels : sequences of the same length
        Complaint texts and their labels; pairs with an empty label are left out.
    c : float
        Inverse L2 penalty of the logistic regression.
    min_df : int
        Keep n-grams seen in at least this many training texts.
    lexicon : Lexicon, path, None or False
        The lexicon whose scores are features (None: the built-in one; False: none, n-grams
        only). Only the dimensions that are also labels are used; with none in common the
        model uses n-grams only.
    lexicon_scale : float
        γ, the factor of the lexicon scores in the per-label block (the prior scale of
        those weights relative to the n-grams'; see the module).
    words : bool
        Add word tokens (Chinese words, stems, Swedish compound parts: :mod:`.tokens`) to
        the character n-grams.
    embeddings : str or None
        Also learn from the sentence embeddings of this backend (:mod:`.embeddings`, the
        ``servq[embeddings]`` extra), scaled by :data:`EMBEDDING_SCALE`.
    ngrams : bool
        Learn from character n-grams (and word tokens); False leaves only the lexicon's
        scores and the embeddings (one of them is needed).
    calibrate : bool
        Fit the temperature on out-of-fold decision values (see the module).
    seed : int
        Seed of the folds.
    folded : bool
        Read the n-grams and word tokens of words without their diacritics
        (:func:`~.matching.fold`: *kön* as *kon*), so that Swedish typed without å, ä and ö
        has the features of Swedish written with them.

    Raises
    ------
    UsageError
        Fewer than two labels, or a label with fewer than :data:`MIN_PER_LABEL` examples.

    Examples
    --------
    >>> m = train(["slow queue", "long wait", "rude staff", "impolite clerk"] * 3,
    ...           ["responsiveness", "responsiveness", "assurance", "assurance"] * 3)
    >>> m.predict(["waited in the queue"])[0].tolist(), m.classes
    (['responsiveness'], ('assurance', 'responsiveness'))
    >>> m.lexicon_dimensions, m.info["lexicon"]["prior_weight"] > 0
    (('responsiveness', 'assurance'), True)
    """
    texts, labels = clean_examples(texts, labels)
    check_examples(labels, MIN_PER_LABEL, "to train")
    if not (c > 0 and np.isfinite(c)):
        raise UsageError(f"C must be above 0, got {c}")
    if not (lexicon_scale >= 0 and np.isfinite(lexicon_scale)):
        raise UsageError(f"the lexicon scale must be 0 or more, got {lexicon_scale}")
    lex = None if lexicon is False else load_lexicon(None if lexicon is True else lexicon)
    classes = tuple(sorted(set(labels)))
    dims = tuple(d for d in lex.dimensions if d in set(classes)) if lex is not None else ()
    langs = _languages(texts, None) if words or dims else None
    scores = _lexicon_scores(lex, dims, texts, langs)
    y = np.searchsorted(np.array(classes), np.array(labels))
    if not ngrams and not dims and embeddings is None:
        raise UsageError("a model without n-grams needs the lexicon's scores or embeddings")
    words = words and ngrams  # word tokens live in the n-gram vocabulary
    emb = _embedding_info(embeddings)
    opts = _Options(c, min_df, lexicon_scale, words, ngrams, emb, folded)
    feats, fit = _fit_texts(texts, langs, scores, y, classes, dims, opts)
    temperature, abstain = _calibration(texts, langs, scores, y, classes, dims, opts, seed) if calibrate else (1.0, None)
    counts = Counter(labels)
    info = {"n_examples": len(labels), "examples_per_class": {k: counts[k] for k in classes},
            "c": c, "min_df": min_df, "ngram_range": list(feats.ngram_range), "seed": seed,
            "calibration": "temperature" if calibrate else "none",
            "classifier": f"multinomial logistic regression, class_weight='balanced', {SOLVER}",
            "converged": fit.converged,
            "word_tokens": words,
            "folded": folded,
            "features": " + ".join(([f"character n-grams{' + word tokens' if words else ''}"] if ngrams else [])
                                   + (["lexicon scores + prior toward the baseline"] if dims else [])
                                   + ([f"{embeddings} sentence embeddings"] if emb else []))}
    if emb:
        info["embeddings"] = emb
    if abstain is not None:
        info["abstain"] = abstain
    if dims:
        info["lexicon"] = {"name": lex.name, "sha256": lex.fingerprint, "dimensions": list(dims),
                           "scale": lexicon_scale, "prior_weight": fit.beta}
    v = len(feats.vocabulary)
    return ComplaintModel(classes, feats.vocabulary, feats.idf, fit.coef[:, :v], fit.intercept, temperature, info,
                          lex if dims else None, dims, fit.lexicon_coef if dims else None,
                          fit.coef[:, v:] if emb else None)


def clean_examples(texts: Sequence, labels: Sequence) -> tuple[list[str], list[str]]:
    """Texts and labels as strings, without the pairs whose label is empty."""
    if len(texts) != len(labels):
        raise UsageError(f"{len(texts)} texts but {len(labels)} labels")
    pairs = [("" if t is None or t != t else str(t), str(y).strip()) for t, y in zip(texts, labels)
             if y is not None and y == y and str(y).strip()]
    return [t for t, _ in pairs], [y for _, y in pairs]


def check_examples(labels: Sequence[str], minimum: int, purpose: str) -> None:
    """A UsageError unless there are two labels or more, each with ``minimum`` examples."""
    counts = Counter(labels)
    if len(counts) < 2:
        raise UsageError(f"{purpose} needs at least two labels; got {len(counts)}"
                         + (f" ({', '.join(counts)})" if counts else ""))
    few = sorted((n, y) for y, n in counts.items() if n < minimum)
    if few:
        raise UsageError(f"too few examples {purpose}: every label needs at least {minimum}; "
                         + ", ".join(f"'{y}' has {n}" for n, y in few))


@dataclass(frozen=True)
class _Fit:
    coef: np.ndarray  # (classes, n-grams)
    intercept: np.ndarray  # (classes,)
    lexicon_coef: np.ndarray  # (classes, lexicon dimensions): γ v_k + β on the label's own dimension
    beta: float
    converged: bool


class _Options(NamedTuple):
    c: float
    min_df: int
    scale: float  # of the lexicon scores
    words: bool
    ngrams: bool
    embeddings: dict | None  # backend, dimension, scale
    folded: bool = True


EMBEDDING_SCALE = 1.0
"""Factor of the (unit-length) sentence embeddings among the features: the prior scale of
their weights relative to the n-grams' (each block of features has rows of unit length)."""


def _embedding_info(name: str | None) -> dict | None:
    if name is None:
        return None
    from .embeddings import backend

    spec = backend(name)
    return {"backend": spec.name, "package": spec.package, "model": spec.model, "dimension": spec.dimension,
            "scale": EMBEDDING_SCALE}


def _embeddings(texts, info: dict) -> np.ndarray:
    """The scaled embeddings of ``texts`` (normalised first, as every feature sees them)."""
    from .embeddings import embed

    return info["scale"] * embed([normalise(t) for t in texts], info["backend"])


def _languages(texts, languages) -> list[str]:
    """``languages`` as a list, detected from ``texts`` when None."""
    from .language import detect_languages

    return detect_languages(texts) if languages is None else list(languages)


def _lexicon_scores(lexicon: Lexicon | None, dims: tuple[str, ...], texts, languages=None) -> np.ndarray:
    """(texts x dims) scores of ``lexicon``, languages detected when not given."""
    if not dims:
        return np.zeros((len(texts), 0))
    norm = [normalise(t) for t in texts]
    cols = [lexicon.dimensions.index(d) for d in dims]
    return lexicon.scores(norm, _languages(norm, languages))[:, cols]


def _fit_texts(texts, langs, scores, y, classes, dims, opts: _Options) -> tuple[CharNgrams, _Fit]:
    """The features of ``texts`` and the fit on them; with embeddings the fit's ``coef``
    holds the n-grams' weights, then the embeddings'."""
    feats = (CharNgrams.fit(texts, min_df=opts.min_df, words=opts.words, languages=langs, folded=opts.folded)
             if opts.ngrams
             else CharNgrams([], np.zeros(0)))
    return feats, _fit(_design(feats, texts, langs, opts), scores, y, classes, dims, opts.c, opts.scale)


def _design(feats: CharNgrams, texts, langs, opts: _Options):
    """The n-gram (and embedding) columns of ``texts``."""
    from scipy import sparse

    X = feats.transform(texts, langs)
    if opts.embeddings is None:
        return X
    return sparse.hstack([X, sparse.csr_matrix(_embeddings(texts, opts.embeddings))], format="csr")


def _fit(X, scores: np.ndarray, y: np.ndarray, classes: tuple[str, ...], dims: tuple[str, ...],
         c: float, scale: float) -> _Fit:
    """Minimise the class-weighted log-loss plus ``(‖w‖² + ‖v‖² + β²) / (2C)`` (module) by
    trust-region Newton-CG; the Hessian of the softmax log-loss times a direction is
    ``Xᵀ (s ∘ (P ∘ dz − P (P·dz)))`` with ``dz`` the direction's change of the decision values.

    The objective is divided by the number of examples (as scikit-learn does), so that the
    tolerance means the same whatever their number. With two labels the first label's
    weights and intercept are fixed at 0 (the binary model)."""
    from scipy import sparse
    from scipy.optimize import minimize
    from threadpoolctl import threadpool_limits

    n, k, d = X.shape[0], len(classes), len(dims)
    own = np.array([[1.0 if cls == dim else 0.0 for dim in dims] for cls in classes]).reshape(k, d)
    design = sparse.hstack([X, sparse.csr_matrix(scale * scores)], format="csr") if d else sparse.csr_matrix(X)
    aligned = scores @ own.T  # (n, k): the score of each label's own dimension
    tied = bool(d) and bool(aligned.any())
    p = design.shape[1]
    free = 1 if k == 2 else k  # rows that are fitted; with two labels row 0 stays 0
    first = k - free
    counts = np.bincount(y, minlength=k).astype(float)
    sw = n / (k * counts[y])  # class_weight="balanced"
    sw_sum = sw.sum()
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0

    def unpack(theta):
        U = theta[:free * p].reshape(free, p)
        b = theta[free * p:free * p + free]
        beta = theta[-1] if tied else 0.0
        return U, b, beta

    def forward(theta):
        U, b, beta = unpack(theta)
        z = np.zeros((n, k))
        z[:, first:] = np.asarray(design @ U.T) + b
        if tied:
            z += beta * aligned
        return z

    state: dict = {}

    def probabilities(theta):
        if state.get("theta") is None or not np.array_equal(state["theta"], theta):
            z = forward(theta)
            z -= z.max(axis=1, keepdims=True)
            log_norm = np.log(np.exp(z).sum(axis=1))
            state.update(theta=theta.copy(), z=z, log_norm=log_norm, prob=np.exp(z - log_norm[:, None]))
        return state["z"], state["log_norm"], state["prob"]

    def back(theta, r):
        """Gradient of the penalised objective given dLoss/dz = r (n x k)."""
        U, _, beta = unpack(theta)
        parts = [(np.asarray((design.T @ r[:, first:]).T) + U / c).ravel(), r[:, first:].sum(axis=0)]
        if tied:
            parts.append([float(np.sum(r * aligned)) + beta / c])
        return np.concatenate(parts) / sw_sum

    def objective(theta):
        U, _, beta = unpack(theta)
        z, log_norm, prob = probabilities(theta)
        loss = float(sw @ (log_norm - z[np.arange(n), y])) + 0.5 * (float(np.sum(U * U)) + beta * beta) / c
        return loss / sw_sum, back(theta, (prob - onehot) * sw[:, None])

    def hessian_times(theta, direction):
        _, _, prob = probabilities(theta)
        dz = forward(direction)  # linear in the parameters
        hz = prob * (dz - np.sum(prob * dz, axis=1, keepdims=True)) * sw[:, None]
        return back(direction, hz)

    theta0 = np.zeros(free * p + free + (1 if tied else 0))
    with threadpool_limits(1):  # sparse and small: threads only contend (10x slower on 2 busy cores)
        res = minimize(objective, theta0, jac=True, hessp=hessian_times, method="trust-ncg",
                       options={"gtol": 1e-8, "maxiter": 1000})
    U, b, beta = unpack(res.x)
    full_u, full_b = np.zeros((k, p)), np.zeros(k)
    full_u[first:], full_b[first:] = U, b
    lexicon_coef = scale * full_u[:, p - d:] + beta * own if d else np.zeros((k, 0))
    return _Fit(full_u[:, :p - d], full_b, lexicon_coef, float(beta), bool(res.success))


def _calibration(texts, langs, scores, y, classes, dims, opts: _Options, seed) -> tuple[float, dict | None]:
    """The T minimising the log-loss of out-of-fold decision values, and the abstention
    threshold those probabilities give (:func:`abstention`); (1, None) when a fold lacks a
    label."""
    from scipy.optimize import minimize_scalar
    from sklearn.model_selection import StratifiedKFold

    k = min(5, int(np.bincount(y).min()))
    z = np.zeros((len(y), len(classes)))
    arr = np.array(texts, dtype=object)
    for train_idx, test_idx in StratifiedKFold(k, shuffle=True, random_state=seed).split(arr, y):
        fold_y = y[train_idx]
        if len(np.unique(fold_y)) != len(classes):
            return 1.0, None
        fold = (lambda idx: None) if langs is None else (lambda idx: [langs[i] for i in idx])
        feats, fit = _fit_texts(arr[train_idx], fold(train_idx), scores[train_idx], fold_y, classes, dims, opts)
        z[test_idx] = (np.asarray(_design(feats, arr[test_idx], fold(test_idx), opts) @ fit.coef.T) + fit.intercept
                       + scores[test_idx] @ fit.lexicon_coef.T)

    def loss(log_t: float) -> float:
        p = _softmax(z / np.exp(log_t))
        return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-300, None))))

    best = minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded", options={"xatol": 1e-4})
    temperature = float(np.exp(best.x)) if loss(best.x) < loss(0.0) else 1.0
    p = _softmax(z / temperature)
    return temperature, abstention(p.argmax(axis=1) == y, p.max(axis=1))


ABSTAIN_PRECISION = 0.9  # the share of complaints routed without a person that must be right


def abstention(correct: np.ndarray, confidence: np.ndarray, precision: float = ABSTAIN_PRECISION) -> dict:
    """The lowest confidence from which the predictions are right at least ``precision`` of
    the time: the threshold below which a complaint "needs a person".

    ``correct`` and ``confidence`` are out-of-fold (or held-out) predictions. Taking the
    predictions from the most confident down, the threshold is the confidence of the last
    one at which the share right so far is still at least ``precision``: the largest
    coverage with that precision. Returns ``threshold`` (1.0 when no prefix reaches the
    precision: every complaint needs a person), ``precision``, ``coverage`` and ``target``.

    Examples
    --------
    >>> abstention(np.array([True, True, False, True, False]), np.array([0.9, 0.8, 0.7, 0.6, 0.2]), 0.75)
    {'threshold': 0.6, 'precision': 0.75, 'coverage': 0.8, 'target': 0.75}
    """
    order = np.argsort(-np.asarray(confidence), kind="stable")
    hits = np.cumsum(np.asarray(correct)[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(hits >= precision)
    if len(ok) == 0:
        return {"threshold": 1.0, "precision": None, "coverage": 0.0, "target": precision}
    last = int(ok[-1])
    return {"threshold": float(np.asarray(confidence)[order][last]), "precision": float(hits[last]),
            "coverage": (last + 1) / len(order), "target": precision}


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
