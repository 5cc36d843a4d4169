"""Sentiment and severity of complaints: a lexicon with negation and intensifiers.

The built-in lexicon (``servq/text/data/sentiment.yaml``) gives, per language, signed term
weights (−3 very negative … +3 very positive), intensifiers and severity cues, matched as
:mod:`servq.text.matching` describes (English and Swedish as words with ``*`` stems,
Chinese anywhere).

**Sentiment.** Reading the terms found in text order, each sentiment term adds its weight
to a sum *S*, after three adjustments:

* an intensifier just before it (in English and Swedish at most three words on, in Chinese
  at most three characters on, never across punctuation) multiplies the weight (*very*
  1.5, *extremely* 2, *mycket* 1.5, *非常* 1.8; diminishers below 1: *slightly* 0.6, *lite*
  0.7, *有点* 0.7);
* a positive term that a **reported claim** reaches (*said, told me, promised, supposedly,
  marked as*; *sa att, lovade, påstod*; *声称, 承诺, 说好* … — the lexicon's ``claims``, to the
  end of the clause or five words on) counts nothing: *they said it was fixed* is what
  somebody else said, not the customer's praise;
* a negation that reaches it (:mod:`servq.text.negation`: *not, never, n't, inte, 不, 没有*
  …, to the end of the clause or five words on) multiplies the weight by −0.74 (as VADER,
  Hutto & Gilbert 2014): *not helpful* is mildly negative, not as negative as *unhelpful*.
  A term that holds its own negator (*不满意*, *can't believe*) is not negated by it.

Around the first **contrast word** of a complaint (the lexicon's ``contrast``: *but,
however*; *men, dock*; *但是, 可是, 不过, 却* …) the terms before it count half and those after
it one and a half times (VADER's rule): in *the staff were great, but the app crashes every
time* the praise is a concession and the crash the point.
Each exclamation mark adds 10% to *S* (at most three). The score is
``S / sqrt(S² + 4)``, in (−1, 1): 0 without any sentiment term, −0.6 for one −1.5 term,
−0.78 for *S* = −2.5.

**Severity** is 1 (low), 2 (medium) or 3 (high): ``1 + min(points, 2)``, where the cues
found give points — a legal threat (lawyer, ombudsman, 12315, ARN) 2, health or safety
(injury, food poisoning, wrong medication) 2, a threat to leave (switch bank, 销户) 1, money
lost (charged twice, stolen, refund) 1, repeated failure (again, third time, 一直) 1 — and a
very negative tone (score ≤ −0.75) 1. So any legal or safety cue is high; one other cue or
a very negative tone is medium; two of them are high.

>>> s = score_sentiment(["The staff were very helpful", "The staff were not helpful",
...                      "Third time I was charged twice. I will contact my lawyer!"])
>>> s.score.round(2).tolist(), s.severity.tolist(), s.cues[2]
([0.83, -0.59, 0.0], [1, 1, 3], ('legal', 'money_lost', 'repeated'))
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ProblemsError
from ..instruments import yamlfile
from .matching import FOLDS, MODES, compile_folded, compile_terms, fold, normalise, reads_folded, term_key, unfolding
from .negation import PUNCTUATION, negated, scope_end

NEGATION = -0.74
ALPHA = 4.0
SCOPE = 3  # words (en, sv) or characters (zh) from an intensifier to its term
EXCLAMATION = 0.1
VERY_NEGATIVE = -0.75
BEFORE_BUT, AFTER_BUT = 0.5, 1.5  # VADER's weights around the first "but" (Hutto & Gilbert 2014)
SEVERITY_POINTS = {"legal": 2, "health_safety": 2, "churn": 1, "money_lost": 1, "repeated": 1}
CUES = tuple(SEVERITY_POINTS)
SEVERITY_LABELS = {1: "low", 2: "medium", 3: "high"}


class SentimentLexiconError(ProblemsError):
    """A sentiment lexicon file is invalid; every problem is listed with its line."""


class _Language(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    match: Literal[MODES]  # type: ignore[valid-type]
    terms: dict[str, Annotated[float, Field(ge=-5, le=5)]] = {}
    intensifiers: dict[str, Annotated[float, Field(gt=0, le=5)]] = {}
    cues: dict[Literal[CUES], list[str]] = {}  # type: ignore[valid-type]
    claims: list[str] = []
    contrast: list[str] = []
    not_contrast: list[str] = []  # expressions that hold a contrast word and contrast nothing
    ignore: list[str] = []


class _SentimentFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    servq_sentiment: Literal[1]
    emoji: dict[str, Annotated[float, Field(ge=-5, le=5)]] = {}  # terms of every language
    languages: dict[Literal["en", "sv", "zh"], _Language]


@dataclass(frozen=True)
class _Entry:
    weight: float = 0.0
    multiplier: float = 0.0
    cue: str | None = None


@dataclass(frozen=True)
class Sentiment:
    """Per text: ``score`` in (−1, 1), ``severity`` 1–3 and the severity ``cues`` found."""

    score: np.ndarray
    severity: np.ndarray
    cues: tuple[tuple[str, ...], ...]

    def to_frame(self) -> pd.DataFrame:
        """Columns sentiment, severity, cues (``;``-separated)."""
        return pd.DataFrame({"sentiment": self.score, "severity": self.severity,
                             "cues": [";".join(c) for c in self.cues]})


@dataclass(frozen=True, eq=False)
class SentimentLexicon:
    """Per language: the compiled pattern and what each term key is."""

    patterns: dict[str, re.Pattern | None]
    entries: dict[str, dict[str, _Entry | None]]  # None: an ignored term
    claims: dict[str, re.Pattern | None]
    contrast: dict[str, re.Pattern | None]  # the contrast words and the expressions that only hold one
    contrast_words: dict[str, frozenset[str]]
    folded: SentimentLexicon | None = None  # the same with the terms of FOLDS languages folded

    def score(self, text: str, lang: str) -> tuple[float, tuple[str, ...]]:
        """(score, cues) of one normalised text (Swedish without å, ä and ö: against the
        folded terms, :func:`~.matching.reads_folded`)."""
        if self.folded is not None and reads_folded(text, lang):
            return self.folded.score(text, lang)
        pattern = self.patterns.get(lang)
        if pattern is None:
            return 0.0, ()
        table = self.entries[lang]
        chars = lang == "zh"
        found = [(m.start(), m.end(), e) for m in pattern.finditer(text) if (e := table.get(m.group())) is not None]
        reached = negated(text, lang, [(start, end) for start, end, _ in found])
        claimed = self._claimed(text, lang)
        turn = self._turn(text, lang)
        total, cues = 0.0, set()
        boost_end = -1
        boost = 1.0
        for (start, end, e), negative in zip(found, reached):
            if e.cue:
                cues.add(e.cue)
            if e.multiplier:
                boost, boost_end = e.multiplier, end
            elif e.weight > 0 and any(a <= start < b for a, b in claimed):
                boost_end = -1  # what someone said or promised, not the customer's own praise
            elif e.weight:
                w = e.weight
                if boost_end >= 0 and _near(text, boost_end, start, chars):
                    w *= boost
                if negative:
                    w *= NEGATION
                if turn is not None:  # the point of a complaint comes after its "but"
                    w *= BEFORE_BUT if start < turn else AFTER_BUT
                total += w
                boost_end = -1
        if total:
            bangs = text.count("!") + text.count("！")
            total *= 1 + EXCLAMATION * min(bangs, 3)
        return total / math.sqrt(total * total + ALPHA), tuple(c for c in CUES if c in cues)

    def _turn(self, text: str, lang: str) -> int | None:
        """Where the first contrast word of ``text`` begins (*but*, *men*, 但是 …; not *but also*)."""
        pattern, words = self.contrast.get(lang), self.contrast_words.get(lang, frozenset())
        if pattern is None:
            return None
        return next((m.start() for m in pattern.finditer(text) if m.group() in words), None)

    def _claimed(self, text: str, lang: str) -> list[tuple[int, int]]:
        """The stretches of ``text`` a claim marker reaches (*said*, *promised*, *lovade*, 声称 …)."""
        pattern = self.claims.get(lang)
        return [] if pattern is None else [(m.end(), scope_end(text, lang, m.end())) for m in pattern.finditer(text)]


def _near(text: str, end: int, start: int, chars: bool) -> bool:
    if PUNCTUATION.search(text, end, start):
        return False
    return (start - end) <= SCOPE if chars else text.count(" ", end, start) <= SCOPE


def severity_level(score: float, cues) -> int:
    """1 low, 2 medium, 3 high from the cues found and the score (see the module).

    >>> severity_level(-0.2, ()), severity_level(-0.8, ()), severity_level(0.0, ("legal",))
    (1, 2, 3)
    """
    points = sum(SEVERITY_POINTS[c] for c in cues) + (1 if score <= VERY_NEGATIVE else 0)
    return 1 + min(points, 2)


def score_sentiment(texts, languages=None) -> Sentiment:
    """Sentiment score, severity and cues of every text (languages detected when not given)."""
    from .language import detect_normalised

    norm = [normalise(t) for t in texts]
    langs = [detect_normalised(t, "en") for t in norm] if languages is None else list(languages)
    return score_normalised(norm, langs)


def score_normalised(norm: list[str], langs: list[str]) -> Sentiment:
    """:func:`score_sentiment` of texts already normalised (:func:`~.matching.normalise`) in
    the given languages."""
    lex = load_sentiment_lexicon()
    scores = np.zeros(len(norm))
    severity = np.ones(len(norm), dtype=np.int64)
    cues: list[tuple[str, ...]] = []
    for i, (text, lang) in enumerate(zip(norm, langs)):
        s, c = lex.score(text, lang)
        scores[i] = s
        severity[i] = severity_level(s, c)
        cues.append(c)
    return Sentiment(scores, severity, tuple(cues))


@lru_cache(maxsize=1)
def load_sentiment_lexicon() -> SentimentLexicon:
    """The built-in sentiment lexicon."""
    text = resources.files("servq.text").joinpath("data/sentiment.yaml").read_text(encoding="utf-8")
    return parse_sentiment_lexicon(text, "built-in sentiment lexicon")


def parse_sentiment_lexicon(text: str, source: str = "<sentiment>") -> SentimentLexicon:
    """Parse and check a sentiment lexicon; raise SentimentLexiconError listing every problem."""
    raw = yamlfile.load(text, source, SentimentLexiconError)
    yamlfile.require_mapping(raw, source, SentimentLexiconError, "a sentiment lexicon",
                             "the file must be a mapping with servq_sentiment: 1 and languages")
    try:
        parsed = _SentimentFile.model_validate(raw)
    except ValidationError as exc:
        yamlfile.check(yamlfile.validation_found(exc), text, source, SentimentLexiconError, "the sentiment lexicon")
    plain: dict[str, tuple] = {}
    folded: dict[str, tuple] = {}
    found: list[tuple[str, str]] = []
    for lang, spec in parsed.languages.items():
        if parsed.emoji:  # a language's own weight of a sign wins
            spec = spec.model_copy(update={"terms": {**parsed.emoji, **spec.terms}})
        table, written = _entries(spec, f"languages.{lang}", found)
        plain[lang] = _compiled(spec, table, written, lang, False)
        folded[lang] = _compiled(spec, table, written, lang, True) if lang in FOLDS else plain[lang]
    yamlfile.check(yamlfile.semantic_found(found), text, source, SentimentLexiconError, "the sentiment lexicon")
    return SentimentLexicon(*_by_part(plain), folded=SentimentLexicon(*_by_part(folded)))


def _compiled(spec: _Language, table: dict, written: list[str], lang: str, folded: bool) -> tuple:
    """(pattern, entries, claims, contrast, contrast words) of one language; ``folded``: its
    terms as typed without diacritics (:func:`~.matching.compile_folded`; a folded key keeps
    the entry of the key it was folded from, :func:`~.matching.unfolding`)."""
    if not folded:
        return (compile_terms(written, spec.match), table, compile_terms(spec.claims, spec.match),
                compile_terms([*spec.contrast, *spec.not_contrast], spec.match),
                frozenset(term_key(t) for t in spec.contrast))
    return (compile_folded(written, spec.match, lang),
            {folded: table[key] for folded, key in unfolding(table).items()},
            compile_folded(spec.claims, spec.match, lang),
            compile_folded([*spec.contrast, *spec.not_contrast], spec.match, lang),
            frozenset(fold(term_key(t)) for t in spec.contrast))


def _by_part(languages: dict[str, tuple]) -> list[dict]:
    return [{lang: parts[i] for lang, parts in languages.items()} for i in range(5)]


def _entries(spec: _Language, where: str, found: list) -> tuple[dict[str, _Entry | None], list[str]]:
    """Every term key's merged entry; a term in two roles that cannot be merged is a problem."""
    roles: list[tuple[str, str, dict]] = [(t, f"{where}.terms.{t}", {"weight": w}) for t, w in spec.terms.items()]
    roles += [(t, f"{where}.intensifiers.{t}", {"multiplier": m}) for t, m in spec.intensifiers.items()]
    roles += [(t, f"{where}.cues.{c}", {"cue": c}) for c, ts in spec.cues.items() for t in ts]
    merged: dict[str, dict] = {}
    spelled: dict[str, str] = {}
    for term, path, role in roles:
        key = term_key(term)
        if not key:
            found.append((path, "empty term"))
            continue
        first = spelled.setdefault(key, normalise(term))
        if first != normalise(term):
            found.append((path, f"'{term}' is written '{first}' elsewhere: spell a term the same way everywhere"))
        entry = merged.setdefault(key, {})
        kinds = entry.keys() | role.keys()
        if entry.keys() & role.keys():
            found.append((path, f"'{term}' is given twice"))
        elif len(kinds - {"cue"}) > 1 or ("cue" in kinds and "multiplier" in kinds):
            found.append((path, f"'{term}' has two roles; only a sentiment term may also be a cue"))
        entry.update(role)
    table: dict[str, _Entry | None] = {k: _Entry(**v) for k, v in merged.items()}
    for term in spec.ignore:
        if term_key(term) in table:
            found.append((f"{where}.ignore", f"'{term}' is ignored and also has a role"))
        table[term_key(term)] = None
    return table, list(spelled.values()) + list(spec.ignore)
