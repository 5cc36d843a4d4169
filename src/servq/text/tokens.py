"""The words of a complaint as a reader of its language sees them: Chinese cut into words,
English and Swedish words reduced to their stems, Swedish compounds split into the words
they are made of.

* **Chinese** has no spaces: a clause is cut into words by jieba's dictionary and algorithm
  (the ``rjieba`` package: jieba-rs, the Rust implementation of jieba with jieba's own
  dictionary — the same cut as Python jieba in its default mode, about twenty times
  faster, and nothing to load at start). *营业厅排队两个小时* → 营业厅 · 排队 · 两个 ·
  小时. Latin words inside Chinese text (*App*, *WiFi*) are kept whole.
* **English and Swedish** words are stemmed by the Snowball stemmers of their language
  (``PyStemmer``, Snowball's C code: the same stems as the pure-Python ``snowballstemmer``
  on all 12,601 words of the training complaints, forty times faster): *charged, charges*
  → ``charg``; *fakturorna, fakturor* → ``faktur``. Digits are ``0`` as in
  :mod:`.features`.
* **Swedish compounds** are written as one word (*kundtjänstpersonalen*, "the customer
  service staff"). A stem is split into two parts when both are *known* words of at least
  :data:`MIN_PART` letters (a linking *s* between them is dropped: *avgifts|höjning*); a
  part that is itself a compound is split again. Of several ways the one with the longest
  last part (the head, which carries the meaning) wins. The known words are the stems of
  the texts a model was trained on, so a compound never seen in training is still read
  through the parts that were (*bredbandsfakturan* through *bredband* and *faktur*). The
  whole stem is kept as well.

>>> tokens("Kundtjänstpersonalen var otrevlig", "sv", known={"kundtjänst", "personal", "kund", "tjänst"})
['kundtjänstpersonal', 'kundtjänst', 'kund', 'tjänst', 'personal', 'var', 'otrev']
>>> tokens("They charged me twice", "en")
['they', 'charg', 'me', 'twice']
>>> tokens("营业厅排队两个小时，App也打不开", "zh")
['营业厅', '排队', '两个', '小时', 'app', '也', '打不开']
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache

MIN_PART = 3
"""Letters of the shortest part a Swedish compound is split into (shorter parts, such as
*av* or *ö*, split too many words that are not compounds)."""

_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_STEMMERS = {"en": "english", "sv": "swedish"}


def tokens(text: object, language: str, known: Collection[str] = ()) -> list[str]:
    """The word tokens of ``text`` in ``language`` (``en``, ``sv``, ``zh``; any other is
    read as English), Swedish compounds split against ``known`` words (see the module)."""
    if text is None or (isinstance(text, float) and text != text):
        return []
    return [t for w in _WORD.findall(_DIGIT.sub("0", str(text).lower())) for t in word_tokens(w, language, known)]


def word_tokens(word: str, language: str, known: Collection[str] = ()) -> list[str]:
    """The tokens of one lower-cased word (a Chinese clause is one word here; see :func:`tokens`)."""
    if _CJK.search(word):
        return [w for w in _cut(word) if w.strip()]
    stem = _stem(language if language in _STEMMERS else "en", word)
    if language != "sv" or not known:
        return [stem]
    return [stem, *parts(stem, known)]


def parts(stem: str, known: Collection[str]) -> list[str]:
    """The parts of a Swedish compound stem that ``known`` words make it of (modifier
    first, each part followed by its own parts), or [] when it is not such a compound.

    >>> parts("avgiftshöjning", {"avgift", "höjning"})
    ['avgift', 'höjning']
    >>> parts("fakturan", {"fak", "tur"})
    []
    """
    best: tuple[str, str] | None = None
    for i in range(MIN_PART, len(stem) - MIN_PART + 1):
        modifier, head = stem[:i], stem[i:]
        if head not in known:
            continue
        if modifier not in known and modifier.endswith("s") and modifier[:-1] in known and i - 1 >= MIN_PART:
            modifier = modifier[:-1]
        if modifier in known or parts(modifier, known):
            best = (modifier, head)
            break  # the first split from the left has the longest head
    if best is None:
        return []
    modifier, head = best
    return [modifier, *parts(modifier, known), head, *parts(head, known)]


def _stem(language: str, word: str) -> str:
    return _stemmer(language).stemWord(word)


@cache
def _stemmer(language: str):
    import Stemmer

    return Stemmer.Stemmer(_STEMMERS[language])


def _cut(clause: str) -> list[str]:
    import rjieba

    return rjieba.cut(clause)
