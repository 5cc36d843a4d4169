"""Character n-gram features of complaints (tf-idf), computed with NumPy and SciPy only.

A text is lower-cased, every digit becomes ``0`` (order numbers and amounts are not
vocabulary), and it is cut into words: runs of letters and digits (``\\w+``), so a Chinese
clause between two punctuation marks is one word. Each word is padded with a space on both
sides and gives its character n-grams, n = 1…4 (the space alone left out): ``" ok "`` gives
``o, k, " o", ok, "k ", " ok", "ok ", " ok "``. This is scikit-learn's ``char_wb`` analyzer
on these words; n-grams inside words let the model see Swedish compounds and Chinese
without word segmentation.

Weights are tf-idf as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``:
``(1 + ln tf) · idf`` with ``idf = ln((1 + n) / (1 + df)) + 1``, each row scaled to unit
Euclidean length. n-grams seen in fewer than ``min_df`` training texts are dropped.

With ``words=True`` the features also hold the text's **word tokens** (:mod:`.tokens`:
Chinese words, English and Swedish stems, the parts of Swedish compounds), each written
``w:`` + token (no n-gram has a colon: n-grams come from runs of letters and digits), in the
same vocabulary and the same tf-idf row. They need each text's language (detected when not
given). Swedish compounds are split against the model's own word tokens (at fitting: every
unsplit token of the training texts).

With ``folded=True`` (what :func:`~.model.train` fits by default) every word is read
without its diacritics (:func:`~.matching.fold`: *kön* as *kon*, *väntade* as *vantade*),
its n-grams and word tokens alike: Swedish typed without å, ä and ö has the features of
Swedish written with them.

Speed: a word's columns are computed once and cached (complaints repeat their words), so
transforming is a dictionary look-up per word and one sparse-matrix build per batch.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from .matching import fold
from .tokens import word_tokens

NGRAM_RANGE = (1, 4)
WORD_PREFIX = "w:"
CACHE_LIMIT = 500_000
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")


def words(text: object) -> list[str]:
    """The words of a text as the features see them.

    >>> words("Väntade 45 min, 营业厅排队。OK")
    ['väntade', '00', 'min', '营业厅排队', 'ok']
    """
    if text is None or (isinstance(text, float) and text != text):
        return []
    return _WORD.findall(_DIGIT.sub("0", str(text).lower()))


def word_ngrams(word: str, ngram_range: tuple[int, int] = NGRAM_RANGE) -> list[str]:
    """The character n-grams of one word padded with spaces.

    >>> word_ngrams("ok")
    ['o', 'k', ' o', 'ok', 'k ', ' ok', 'ok ', ' ok ']
    """
    padded = f" {word} "
    lo, hi = ngram_range
    out = []
    for n in range(lo, min(hi, len(padded)) + 1):
        out += [padded[i:i + n] for i in range(len(padded) - n + 1)]
    return [g for g in out if g != " "]


def analyze(text: object, ngram_range: tuple[int, int] = NGRAM_RANGE) -> list[str]:
    """All n-grams of a text (with repeats), in order: the analyzer the model is defined by."""
    return [g for w in words(text) for g in word_ngrams(w, ngram_range)]


class CharNgrams:
    """A fitted vocabulary and idf; :meth:`transform` gives the tf-idf matrix.

    >>> f = CharNgrams.fit(["slow app", "rude staff", "slow staff"])
    >>> X = f.transform(["Slow!", "nothing known: ZQX"])
    >>> X.shape[0], round(float((X[0].toarray() ** 2).sum()), 6), len(f.vocabulary) > 20
    (2, 1.0, True)
    >>> g = CharNgrams.fit(["they charged twice", "rude staff"], words=True)
    >>> sorted(str(v) for v in g.vocabulary if v.startswith(WORD_PREFIX))
    ['w:charg', 'w:rude', 'w:staff', 'w:they', 'w:twice']
    """

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, ngram_range: tuple[int, int] = NGRAM_RANGE,
                 words: bool = False, folded: bool = False):
        self.vocabulary = np.asarray(vocabulary, dtype=str)
        self.idf = np.asarray(idf, dtype=float)
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.words = bool(words)
        self.folded = bool(folded)
        self._index = {g: i for i, g in enumerate(self.vocabulary.tolist())}
        self._known = frozenset(g[len(WORD_PREFIX):] for g in self._index if g.startswith(WORD_PREFIX))
        self._cache: dict[tuple[str, str], tuple[int, ...]] = {}

    @classmethod
    def fit(cls, texts: Iterable[object], min_df: int = 1, ngram_range: tuple[int, int] = NGRAM_RANGE,
            words: bool = False, languages: Sequence[str] | None = None, folded: bool = False) -> CharNgrams:
        """Vocabulary (n-grams, and with ``words`` word tokens, in at least ``min_df`` texts,
        sorted) and idf from ``texts``."""
        texts = list(texts)
        langs = _languages(texts, languages) if words else [""] * len(texts)
        split = frozenset(t for text, lang in zip(texts, langs) for w in _words(text)
                          for t in word_tokens(fold(w) if folded else w, lang))
        df: Counter = Counter()
        seen: dict[tuple[str, str], list[str]] = {}
        for text, lang in zip(texts, langs):
            grams: set[str] = set()
            for w in _words(text):
                if (lang, w) not in seen:
                    seen[lang, w] = _grams(fold(w) if folded else w, lang, ngram_range, words, split)
                grams.update(seen[lang, w])
            df.update(grams)
        vocab = sorted(g for g, c in df.items() if c >= min_df)
        counts = np.array([df[g] for g in vocab], dtype=float)
        idf = np.log((1.0 + len(texts)) / (1.0 + counts)) + 1.0
        return cls(vocab, idf, ngram_range, words, folded)

    def transform(self, texts: Iterable[object], languages: Sequence[str] | None = None) -> sparse.csr_matrix:
        """The (texts x vocabulary) tf-idf matrix, rows of unit length (all-zero when no
        n-gram is known); ``languages`` (one per text) matter only with word tokens."""
        texts = list(texts)
        langs = _languages(texts, languages) if self.words else [""] * len(texts)
        cache, index, span, known, folded = self._cache, self._index, self.ngram_range, self._known, self.folded
        cols: list[int] = []
        indptr = [0]
        for text, lang in zip(texts, langs):
            for w in _words(text):  # a word's columns are cached under the word as written
                found = cache.get((lang, w))
                if found is None:
                    read = fold(w) if folded else w
                    found = tuple(index[g] for g in _grams(read, lang, span, self.words, known) if g in index)
                    if len(cache) >= CACHE_LIMIT:
                        cache.clear()
                    cache[lang, w] = found
                cols.extend(found)
            indptr.append(len(cols))
        shape = (len(indptr) - 1, len(self.vocabulary))
        X = sparse.csr_matrix((np.ones(len(cols)), np.array(cols, dtype=np.int64),
                               np.array(indptr, dtype=np.int64)), shape=shape)
        X.sum_duplicates()
        X.data = (1.0 + np.log(X.data)) * self.idf[X.indices]
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ X)


_words = words  # the function, under a name that the `words=` flag of CharNgrams does not shadow


def _grams(word: str, language: str, span: tuple[int, int], with_tokens: bool, known) -> list[str]:
    """The features of one word: its n-grams, and with ``with_tokens`` its word tokens."""
    grams = word_ngrams(word, span)
    if with_tokens:
        grams += [WORD_PREFIX + t for t in word_tokens(word, language, known)]
    return grams


def _languages(texts: list, languages: Sequence[str] | None) -> list[str]:
    if languages is not None:
        if len(languages) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        return list(languages)
    from .language import detect_languages

    return detect_languages(texts)
