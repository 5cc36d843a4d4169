"""Which language a complaint is written in: English, Swedish or Chinese.

No model and no network: three pieces of evidence a reader would use too.

1. **Chinese** (``zh``) when at least a quarter of the letters are CJK ideographs
   (U+3400–U+4DBF, U+4E00–U+9FFF, U+F900–U+FAFF). Chinese complaints name brands and
   apps in Latin letters (*App*, *WiFi*), so the share, not a majority, decides.
2. Otherwise **Swedish** (``sv``) and **English** (``en``) each get points: one per
   frequent function word of the language (:data:`SWEDISH_WORDS`, :data:`ENGLISH_WORDS`;
   words both languages write the same, such as *i*, *man*, *in*, are left out) and, for
   Swedish, one per letter å, ä or ö. The language with more points wins. Swedish typed
   without å, ä and ö (on a foreign keyboard or phone: *kon var lang*, *jag vantade pa
   svar*) still has its function words, folded (*pa*, *ar*, *nar*, *fran*:
   :data:`FOLDED_SWEDISH_WORDS`, none of them an English word); and *for*, which is the
   English word and the folded *för*, is evidence of English only in a text with å, ä or ö
   (whose writer would have written *för*), and so are *an* (än) and *at* (åt).
3. **Fallback**: Latin-script text with no evidence either way, or a tie, is ``en``
   (``default``); text without any letter (empty, digits, punctuation, emoji) is
   ``und`` (:data:`UNDETERMINED`, ISO 639-2 "undetermined"), and is left unclassified.

>>> detect_language("The branch was closed again and nobody told me.")
'en'
>>> detect_language("Jag har väntat i tre veckor på att någon ska ringa tillbaka.")
'sv'
>>> detect_language("营业厅排队两个小时，App 也打不开。")
'zh'
>>> detect_language("WiFi"), detect_language("12345 !!"), detect_language("")
('en', 'und', 'und')
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .matching import fold, normalise

LANGUAGES = ("en", "sv", "zh")
UNDETERMINED = "und"
CJK_SHARE = 0.25

SWEDISH_WORDS = frozenset("""
och att det som inte jag är på för med har av till den ett var om så vi ni de han hon
men när efter hur varför fick blev kan ska skulle inga ingen inget mig mitt mina
sig sitt sina här där vad också bara redan alltid aldrig igen mycket någon något
nu då från över utan eller hade vår vårt era er dem deras denna detta dessa
en vid varje sedan mellan samma flera hela helt alla alls
""".split())
ENGLISH_WORDS = frozenset("""
the and to is was of it for that not with have has they this you me at but after
when no were had we be our your an are my their there what why how been would could
should did does do from just again still never any some who which will can
""".split()) - SWEDISH_WORDS
# the folded forms of Swedish function words (fold: å ä → a, ö → o) that are no English words;
# "for" (för) and "over" (över) are, "har" and "var" are Swedish words already
FOLDED_SWEDISH_WORDS = frozenset(fold(w) for w in SWEDISH_WORDS if fold(w) != w) - {"for", "over"} - SWEDISH_WORDS
# English words that are also folded Swedish ones (för, än, åt): English evidence only beside å, ä or ö
_AMBIGUOUS_FOLDED = frozenset({"for", "an", "at"})

_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")
_SWEDISH_LETTER = re.compile("[åäö]")
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: object, default: str = "en") -> str:
    """``"en"``, ``"sv"`` or ``"zh"`` for one text; ``"und"`` when it has no letters.

    Parameters
    ----------
    text : str
        The complaint (None and NaN count as empty).
    default : str
        The language of Latin-script text with no evidence for either (see the module).
    """
    return detect_normalised(normalise(text), default)


def detect_languages(texts: Iterable[object], default: str = "en") -> list[str]:
    """:func:`detect_language` of every text, in order."""
    return [detect_normalised(normalise(t), default) for t in texts]


def detect_normalised(norm: str, default: str) -> str:
    """The language of an already normalised text (lower case)."""
    letters = len(_LETTER.findall(norm))
    if letters == 0:
        return UNDETERMINED
    if len(_CJK.findall(norm)) >= CJK_SHARE * letters:
        return "zh"
    letters_sv = len(_SWEDISH_LETTER.findall(norm))
    sv, en = letters_sv, 0
    for word in _WORD.findall(norm):
        if word in SWEDISH_WORDS or (not letters_sv and word in FOLDED_SWEDISH_WORDS):
            sv += 1
        elif word in ENGLISH_WORDS and (letters_sv or word not in _AMBIGUOUS_FOLDED):
            en += 1
    if sv > en:
        return "sv"
    if en > sv:
        return "en"
    return default
