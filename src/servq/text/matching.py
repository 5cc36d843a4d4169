"""Finding lexicon terms in text: one compiled regular expression per language.

Texts are first *normalised* (:func:`normalise`): lower-cased, every run of white space
made one space. Terms are written in lower case with single spaces (``on hold``,
``ringde tillbaka``, ``排队``) and matched in one of two modes:

``word``
    the term is a whole word (or whole words): ``fee`` matches *fee* but not *feedback*.
    A ``*`` at the end lets the word go on (``refund*``: *refund, refunds, refunded*), a
    ``*`` at the start lets it begin earlier (``*n't``: *didn't, wasn't*).
``part``
    the term may be any part of a word: Swedish compounds (``kö`` would match
    *telefonkön*) and Chinese, written without spaces. A ``*`` changes nothing. A term of
    several words (one with a space) begins at the start of a word, and only its last
    word may go on: ``i kö`` matches *i kön* but not *vi köpte* (we bought) — its first
    word is never the tail of another word.

All terms of a language are compiled into one alternation shaped as a trie (a common
prefix is written once; the word boundaries are checks inside it), so a text is scanned
once whatever the number of terms, and at every position the longest term wins, whatever
its form (``interest rate*`` over ``interest``); matches do not overlap. So a lexicon's
``ignore`` terms, matched and never counted, keep a longer word from being read as a
shorter term inside it (``förväntan``, expectation, is not ``vänta``, wait).

>>> p = compile_terms(["wait*", "on hold", "fee", "*n't"], "word")
>>> find(p, normalise("Waited  ON HOLD; the feedback fee? Didn't help"))
['wait', 'on hold', 'fee', "n't"]
>>> find(compile_terms(["kö", "telefonkö", "vänt", "förvänt"], "part"), "förväntade mig ingen telefonkö")
['förvänt', 'telefonkö']
>>> find(compile_terms(["i kö"], "part"), "vi köpte, sedan stod vi i kön")
['i kö']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

MODES = ("word", "part")
_SPACE = re.compile(r"\s+")
_WORD_START = "\x00"  # in a trie: the character just matched began a word (sorts first)
_WORD_END = "\uffff"  # in a trie: a word ends here (sorts last: a longer term is tried first)
_MARKS = {_WORD_START: r"(?<!\w.)", _WORD_END: r"\b"}


def normalise(text: object) -> str:
    """``text`` lower-cased with white space collapsed, letters composed (NFC: an ``ö`` typed
    as ``o`` and a combining diaeresis, as macOS writes it, is ``ö``), the full-width Latin
    letters and digits of Chinese input methods as ASCII (``ＡＴＭ``, ``１２３１５``; the
    full-width punctuation stays), emoji without their skin tone or presentation selector
    (``👎🏽`` is ``👎``), Traditional Chinese characters in their Simplified form; None and NaN
    are empty.

    Complaints from Hong Kong and Taiwan are written in Traditional characters (櫃員, 帳戶,
    閃退); the lexicon, the training complaints and the segmenter know the Simplified ones
    (柜员, 帐户, 闪退), so every step reads a text in Simplified characters (OpenCC's
    ``t2s``, phrase by phrase: 乾隆 stays). The stored text is never changed.

    >>> normalise("  Väntade\\n i  KÖN "), normalise(None), normalise(float("nan"))
    ('väntade i kön', '', '')
    >>> normalise("櫃員態度很差，APP一直閃退"), normalise("ko\\u0308n") == "kön", normalise("投訴到１２３１５")
    ('柜员态度很差，app一直闪退', True, '投诉到12315')
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    text = " ".join(unicodedata.normalize("NFC", str(text)).translate(_HALF_WIDTH).translate(_DECORATIONS).lower().split())
    return _t2s().convert(text) if _HAN.search(text) else text


def fold(text: str) -> str:
    """``text`` with its Latin letters' diacritics dropped (``å ä → a``, ``ö → o``, ``é → e``,
    upper case too), one character for one, so offsets stay: Swedish as it is typed on a
    keyboard or phone without å, ä and ö. Other characters stay as they are.

    >>> fold("Oförskämd personal, kön var lång! Café"), fold("ÅÄÖ 柜员")
    ('Oforskamd personal, kon var lang! Cafe', 'AAO 柜员')
    """
    return text.translate(_FOLD)


def _folded_letters() -> dict[int, str]:
    out = {}
    for code in range(0xC0, 0x250):  # Latin-1 Supplement, Latin Extended-A and -B
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii() and base.isalpha():
            out[code] = base
    return out


_FOLD = _folded_letters()
_WORDLIKE = re.compile(r"\w")
# presentation selectors and skin tones: 👎🏽 is 👎, ❤️ is ❤
_DECORATIONS = dict.fromkeys([0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)])
_HALF_WIDTH = {c: c - 0xFEE0 for lo, hi in (("０", "９"), ("Ａ", "Ｚ"), ("ａ", "ｚ")) for c in range(ord(lo), ord(hi) + 1)}
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@cache
def _t2s():
    import opencc  # on use: English and Swedish texts never need it

    return opencc.OpenCC("t2s.json")


def term_key(term: str) -> str:
    """The key a term is found under: normalised, without its ``*`` marks.

    >>> term_key(" Refund* "), term_key("*N'T")
    ('refund', "n't")
    """
    return normalise(term).strip("*").strip()


def compile_terms(terms: Iterable[str], mode: str) -> re.Pattern | None:
    """One pattern finding every term (``None`` when there is none); ``findall`` on a
    normalised text gives the keys (:func:`term_key`) of the terms found, in text order."""
    if mode not in MODES:
        raise ValueError(f"unknown match mode {mode!r} (choose {' or '.join(MODES)})")
    words: set[str] = set()
    for term in terms:
        t = normalise(term)
        key = term_key(t)
        if not key:
            continue
        if mode == "part":  # several words: the first begins a word, the last may go on
            lead, trail = " " in key, False
        else:
            lead, trail = not t.startswith("*"), not t.endswith("*")
        # a word boundary is one between a word character and another: an emoji or a sign has none
        lead, trail = lead and _WORDLIKE.match(key[0]) is not None, trail and _WORDLIKE.match(key[-1]) is not None
        # the word boundaries are marks inside the one trie (so the longest term wins whatever its
        # form): a word start is checked after the first character, a word end after the last
        words.add((key[0] + _WORD_START + key[1:] if lead else key) + (_WORD_END if trail else ""))
    return re.compile(_trie(words)) if words else None


def find(pattern: re.Pattern | None, text: str) -> list[str]:
    """Keys of the terms ``pattern`` finds in the normalised ``text``."""
    return [] if pattern is None else pattern.findall(text)


def _trie(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words``, longest first, as a prefix trie."""
    root: dict = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node(root)


def _node(node: dict) -> str:
    ends = "" in node
    # the word-start mark sorts first and the word-end mark last: the longer term is tried first
    branches = [_MARKS.get(ch, re.escape(ch)) + _node(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    if len(branches) == 1 and not ends:
        return branches[0]
    return "(?:" + "|".join(branches) + ")" + ("?" if ends else "")
