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
from collections import Counter
from collections.abc import Collection, Iterable
from functools import cache

MODES = ("word", "part")
_SPACE = re.compile(r"\s+")
_WORD_START = "\x00"  # in a trie: the character just matched began a word (sorts first)
_WORD_END = "\uffff"  # in a trie: a word ends here (sorts last: a longer term is tried first)
_INFLECTED = "\ufffe"  # in a trie: a word ends here or after one of the endings (sorts before the end)
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
# the letters of a language that its writers may type without their diacritics
FOLDS = {"sv": "åäö"}
_UNFOLDED = {lang: re.compile(f"[{letters}]") for lang, letters in FOLDS.items()}
# the endings an ambiguous folded term may have (kö: kön, köer, köerna; not konto): Swedish
# nouns' definite and plural forms, adjectives' -a/-t/-e, the genitive -s
ENDINGS = {"sv": "a|e|n|s|t|en|et|er|ar|or|na|ns|ens|ets|ers|ade|arna|erna|orna"}


def reads_folded(text: str, lang: str) -> bool:
    """Whether the normalised ``text`` in ``lang`` is read against the folded terms (:func:`fold`):
    a Swedish text without any å, ä or ö, whose writer typed Swedish in ASCII (*kon var
    lang*). A text with one of them was written with them, and is read as written.

    >>> reads_folded("kon var lang", "sv"), reads_folded("kön var lång", "sv"), reads_folded("slow", "en")
    (True, False, False)
    """
    letters = _UNFOLDED.get(lang)
    return letters is not None and letters.search(text) is None


def unfolding(keys: Iterable[str]) -> dict[str, str]:
    """Each folded key (:func:`fold`) -> the key it was folded from; when two keys fold alike,
    the one without diacritics wins, else the first.

    >>> unfolding(["kö", "väntetid", "fel"])
    {'ko': 'kö', 'vantetid': 'väntetid', 'fel': 'fel'}
    """
    out: dict[str, str] = {}
    for key in keys:
        folded = fold(key)
        if folded not in out or folded == key:
            out[folded] = key
    return out

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


def compile_terms(terms: Iterable[str], mode: str, whole: Collection[str] = (), endings: str = "") -> re.Pattern | None:
    """One pattern finding every term (``None`` when there is none); ``findall`` on a
    normalised text gives the keys (:func:`term_key`) of the terms found, in text order.
    The terms whose keys are in ``whole`` are found as whole words only, whatever the mode,
    but for one of the ``endings`` (a regular expression: inflections, not found as part of
    the term)."""
    if mode not in MODES:
        raise ValueError(f"unknown match mode {mode!r} (choose {' or '.join(MODES)})")
    words: set[str] = set()
    for term in terms:
        t = normalise(term)
        key = term_key(t)
        if not key:
            continue
        if key in whole:
            lead, trail = _WORDLIKE.match(key[0]) is not None, False
            key += _INFLECTED
        elif mode == "part":  # several words: the first begins a word, the last may go on
            lead, trail = " " in key, False
        else:
            lead, trail = not t.startswith("*"), not t.endswith("*")
        # a word boundary is one between a word character and another: an emoji or a sign has none
        lead, trail = lead and _WORDLIKE.match(key[0]) is not None, trail and _WORDLIKE.match(key[-1]) is not None
        # the word boundaries are marks inside the one trie (so the longest term wins whatever its
        # form): a word start is checked after the first character, a word end after the last
        words.add((key[0] + _WORD_START + key[1:] if lead else key) + (_WORD_END if trail else ""))
    if not words:
        return None
    inflected = f"(?=(?:{endings})?\\b)" if endings else r"\b"
    return re.compile(_trie(words).replace(_INFLECTED, inflected))


def compile_folded(terms: Iterable[str], mode: str, lang: str) -> re.Pattern | None:
    """:func:`compile_terms` of the terms as typed without diacritics (:func:`fold`), for a
    text that :func:`reads_folded`; ``findall`` gives folded keys (:func:`unfolding` maps
    them back).

    A folded term may be another word: *kön* (the queue) folds to *kon*, found in *kontoret*
    and *konto*; *vänlig* (friendly) to *vanlig* (ordinary); *förstå* (understand) to
    *forsta* (first). So each folded term is checked on the shipped complaints of the
    language written with their diacritics (:func:`reference_texts`), folded: where the
    folded term is found but the term itself is not found in the text as written, it is
    another word. A term found so at least once for every :data:`AMBIGUITY` times it is
    itself is found as a whole word only, with one of the language's :data:`ENDINGS` (*ko*,
    *kon*, *koer*; not *konto*), and if it still is, it is not read folded at all (*vanlig*,
    *forsta*). Terms without diacritics are read as they are.
    """
    return _compile_folded(tuple(terms), mode, lang)


AMBIGUITY = 10


@cache
def _compile_folded(terms: tuple[str, ...], mode: str, lang: str) -> re.Pattern | None:
    terms = tuple(normalise(t) for t in terms)
    plain = compile_terms(terms, mode)
    changed = {term_key(fold(t)) for t in terms if fold(t) != t}
    keep, whole = list(terms), set()
    endings = ENDINGS.get(lang, "")
    for attempt in ("whole", "drop"):
        folded = [fold(t) for t in keep]
        wrong = _ambiguous(plain, compile_terms(folded, mode, whole, endings), lang) & changed
        if not wrong:
            return compile_terms(folded, mode, whole, endings)
        if attempt == "whole":
            whole |= wrong
        else:
            keep = [t for t in keep if term_key(fold(t)) not in wrong]
    return compile_terms([fold(t) for t in keep], mode, whole, endings)


def _ambiguous(plain: re.Pattern | None, folded: re.Pattern | None, lang: str) -> set[str]:
    """The folded keys found in the folded reference texts where the term as written is not
    found in the text, at least once for every AMBIGUITY times it is."""
    right: Counter = Counter()
    wrong: Counter = Counter()
    if folded is None:
        return set()
    for text, folded_text in zip(reference_texts(lang), _folded_references(lang)):
        found = set() if plain is None else {(m.start(), fold(m.group())) for m in plain.finditer(text)}
        for m in folded.finditer(folded_text):
            (right if (m.start(), m.group()) in found else wrong)[m.group()] += 1
    return {k for k, n in wrong.items() if n * AMBIGUITY > right[k]}


REFERENCE_FILES = ("complaints_train.csv", "complaints_eval.csv")


@cache
def reference_texts(lang: str) -> tuple[str, ...]:
    """The shipped complaints of ``lang`` (``text/data/complaints_train.csv`` and
    ``complaints_eval.csv``, normalised) that hold one of its :data:`FOLDS` letters: written
    with their diacritics, so a folded term's other readings show in their folded form."""
    import csv
    from importlib import resources

    folder = resources.files("servq.text").joinpath("data")
    out = []
    for name in REFERENCE_FILES:
        with folder.joinpath(name).open("r", encoding="utf-8", newline="") as fh:
            out += [normalise(row["text"]) for row in csv.DictReader(fh) if row["language"] == lang]
    return tuple(t for t in out if not reads_folded(t, lang))


@cache
def _folded_references(lang: str) -> tuple[str, ...]:
    return tuple(fold(t) for t in reference_texts(lang))


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
