"""Negation: which terms of a complaint a negation reaches, in English, Swedish and Chinese.

One rule for all of :mod:`servq.text`: the sentiment score (a negated sentiment term has its
weight reversed, :mod:`.sentiment`) and the lexicon (a negated fault is not evidence,
:mod:`.lexicon`) both ask this module.

* A **negator** (:data:`NEGATORS`: *not, n't, no, never, nobody, nothing, without …*;
  *inte, ej, aldrig, ingen, inget, inga, utan …*; *不, 没, 没有, 未, 别, 无, 并非, 不是 …*)
  reaches the terms that begin within the next :data:`REACH` words (English, Swedish) or
  characters (Chinese), and never past the end of its clause: a punctuation mark or a word
  that begins another clause (:data:`CLAUSE_WORDS`: *but, because, why …*; *men,
  eftersom, varför …*; *但是, 可是, 而是, 因为 …*).
* Expressions that contain a negator and deny nothing are not negators
  (:data:`NOT_NEGATORS`): *not only, not just, no matter, can't believe*; *inte bara,
  utan också*; *不仅, 不但, 特别, 别人, 没想到*. So in *not only rude but also slow* nothing
  is negated. Swedish *utan* within reach of a negation is *but (rather)* (*inte X utan Y*)
  and ends the clause instead.
* **Double negation**: a negator within reach of another reverses it, and reaches on from
  where it stands; a term is negated when an odd number of such negators reach it (*it is
  not that they were never helpful*: *helpful* is not negated).
* A negator **inside a term** belongs to that term (*never arrived*, *svarade inte*,
  *没有回复*, *不满意*): it negates neither the term nor anything after it.
* Swedish typed without å, ä and ö (:func:`~.matching.reads_folded`) is read with these
  words folded too (*darfor*, *varfor*, *utan ocksa*).

>>> text = "i'm not saying the staff were rude, but they didn't consider my situation"
>>> negated(text, "en", [(30, 34), (64, 73)])    # rude, situation
(True, True)
>>> negated("not only rude but also slow", "en", [(9, 13), (23, 27)])
(False, False)
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from .matching import compile_folded, compile_terms, fold, reads_folded, term_key

REACH = {"en": 5, "sv": 5, "zh": 5}
"""Words (en, sv) or characters (zh) after a negator within which a term must begin."""

NEGATORS = {
    "en": ("not", "no", "never", "*n't", "*n’t", "cannot", "nobody", "no one", "none", "nothing", "nowhere",
           "neither", "nor", "without", "hardly", "barely", "dont", "didnt", "doesnt", "wasnt", "werent", "isnt",
           "arent", "havent", "hasnt", "hadnt", "wont", "cant", "couldnt", "wouldnt", "shouldnt"),
    "sv": ("inte", "ej", "icke", "aldrig", "ingen", "ingenting", "ingenstans", "inget", "inga", "utan", "knappast",
           "varken"),  # not ingen*: an ingenjör (engineer) denies nothing
    "zh": ("不", "没", "没有", "未", "别", "无", "毫无", "从未", "从没", "从来没", "并不", "并没有", "并非", "不是",
           "根本没", "根本不", "无法"),
}
NOT_NEGATORS = {
    "en": ("not only", "not just", "not merely", "not to mention", "no doubt", "no wonder", "no matter",
           "nothing but", "never mind", "can't believe", "can’t believe", "cannot believe", "couldn't believe",
           "couldn’t believe"),
    "sv": ("inte bara", "inte endast", "inte enbart", "inte minst", "utan också", "utan även", "utan tvekan"),
    # zh: "not only", "no matter", "have to", "not bad", "constantly", "don't (do it again)", "is it
    # not", "didn't expect", "future", "for no reason", "wireless", "especially", "others", "difference" ...
    "zh": ("不仅", "不但", "不只", "不光", "不管", "不论", "无论", "不得不", "不错", "不断", "不停", "不久", "不少",
           "不好意思", "不知不觉", "不要", "不用", "别再", "差不多", "是不是", "有没有", "没想到", "没事", "没关系",
           "未来", "无故", "无线", "无限", "无语", "特别", "别人", "别的", "别家", "区别", "分别", "告别", "级别",
           "类别", "性别", "识别", "差别", "个别"),
}
CLAUSE_WORDS = {
    "en": ("but", "however", "although", "though", "except", "whereas", "because", "since", "and", "then",
           "while", "why", "how", "what", "when", "where", "which", "who", "instead", "rather"),
    "sv": ("men", "fast", "dock", "och", "eftersom", "därför", "när", "medan", "varför", "hur", "vad", "vilket",
           "då", "sedan", "trots"),
    "zh": ("但是", "可是", "而是", "但", "不过", "然而", "却", "而且", "并且", "因为", "所以", "为什么", "怎么",
           "为何", "结果", "只是"),
}
MODES = {"en": "word", "sv": "word", "zh": "part"}
PUNCTUATION = re.compile(r"[.,;:!?…，。；：！？、()（）\[\]\"“”—–]")
_CONTRAST = {"sv": "utan"}  # a negator that, within reach of a negation, ends the clause instead


class Negator(NamedTuple):
    """One negator found in a text: where it is, where its reach ends (exclusive: a term
    beginning before ``reach`` is reached) and the term it lies inside (an index of the
    spans given, or None)."""

    start: int
    end: int
    reach: int
    owner: int | None


@dataclass(frozen=True)
class _Language:
    quick: re.Pattern | None  # the negators alone: most texts have none, and are done with one search
    negating: re.Pattern | None  # the negators and the expressions that hold one and deny nothing
    negator_keys: frozenset[str]
    clause: re.Pattern  # a clause end: a punctuation mark or a clause word
    reach: re.Pattern  # matched where a negator ends, it ends where the negator's reach does


@cache
def _language(lang: str, folded: bool = False) -> _Language:
    """The compiled negators of ``lang``; ``folded``: their forms typed without diacritics
    (:func:`~.matching.fold`: *darfor*, *varfor*), for a text :func:`~.matching.reads_folded`."""
    mode = MODES.get(lang, "word")
    negs = NEGATORS.get(lang, ())

    def compiled(terms):
        return compile_folded(terms, mode, lang) if folded else compile_terms(terms, mode)

    words = compiled(CLAUSE_WORDS.get(lang, ()))
    clause = re.compile(PUNCTUATION.pattern + ("" if words is None else "|" + words.pattern))
    n = REACH.get(lang, 5)
    reach = re.compile(f".{{0,{n}}}" if mode == "part" else f"(?: *[^ ]+){{0,{n}}}")
    keys = frozenset((fold if folded else str)(term_key(w)) for w in negs)
    return _Language(compiled(negs), compiled([*negs, *NOT_NEGATORS.get(lang, ())]), keys, clause, reach)


def _for(text: str, lang: str) -> _Language:
    return _language(lang, reads_folded(text, lang))


def has_negator(text: str, lang: str) -> bool:
    """Whether the normalised ``text`` holds a negator at all (one quick search)."""
    quick = _for(text, lang).quick
    return quick is not None and quick.search(text) is not None


def negators(text: str, lang: str, spans=()) -> list[Negator]:
    """Every negator of the normalised ``text`` in ``lang``, in text order, with its reach.

    ``spans`` are the ``(start, end)`` of the terms found in the text (in order, not
    overlapping): a negator inside one is owned by it. A contrastive *utan* within reach of
    a negation is a clause end, not a negator.
    """
    language = _for(text, lang)
    if language.negating is None or not has_negator(text, lang):
        return []
    starts = [s for s, _ in spans]
    out: list[Negator] = []
    contrast = _CONTRAST.get(lang)
    for m in language.negating.finditer(text):
        key = m.group()
        if key not in language.negator_keys:
            continue
        start, end = m.span()
        if key == contrast and out and out[-1].owner is None and start < out[-1].reach:
            out[-1] = out[-1]._replace(reach=start)
            continue
        j = bisect_right(starts, start) - 1
        owner = j if j >= 0 and spans[j][1] >= end else None
        out.append(Negator(start, end, scope_end(text, lang, end), owner))
    return out


def scope_end(text: str, lang: str, end: int) -> int:
    """Where the reach of a word ending at ``end`` of the normalised ``text`` ends
    (exclusive): :data:`REACH` words or characters on, never past the end of its clause.
    A negator's, and a reported claim's (:mod:`.sentiment`).

    >>> text = "they said it was fixed, it wasn't"
    >>> text[:scope_end(text, "en", 9)]
    'they said it was fixed'
    """
    language = _for(text, lang)
    limit = language.reach.match(text, end).end()
    stop = language.clause.search(text, end, limit)
    return limit if stop is None else stop.start()


def negated(text: str, lang: str, spans, found: list[Negator] | None = None) -> tuple[bool, ...]:
    """For each term span ``(start, end)`` of the normalised ``text`` (in order, not
    overlapping), whether a negation reaches it (see the module); ``found``: the
    :func:`negators` of these spans, when known."""
    spans = list(spans)
    flags = [False] * len(spans)
    if not spans:
        return ()
    free = [n for n in (negators(text, lang, spans) if found is None else found) if n.owner is None]
    if not free:
        return tuple(flags)
    starts = [s for s, _ in spans]
    parity, until = 0, -1
    for k, n in enumerate(free):
        parity = parity ^ 1 if n.start < until else 1
        until = n.reach
        stop = free[k + 1].start if k + 1 < len(free) else len(text) + 1
        # the terms after this negator and before the next one
        for j in range(bisect_left(starts, n.end), bisect_left(starts, stop)):
            flags[j] = bool(parity) and starts[j] < until
    return tuple(flags)
