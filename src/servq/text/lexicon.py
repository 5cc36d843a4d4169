"""The baseline classifier: a multilingual lexicon of weighted terms per dimension.

A lexicon file (YAML; the built-in one is ``servq/text/data/lexicon.yaml``)::

    servq_lexicon: 1
    name: Grönroos service quality
    match: {en: word, sv: part, zh: part}   # optional; these are the defaults
    dimensions:                              # in this order ties are broken
      technical:
        en: {broken: 2, "doesn't work": 3, quality: 2}
        sv: {trasig: 2, fungerar inte: 3}
        zh: {坏了: 3, 质量: 2}
      functional:
        en: {rude*: 3, wait*: 2}
        ...
    ignore:                                  # optional: matched, never counted
      sv: [förvänt]
    faults:                                  # optional: terms a negation denies
      en: [broken, rude*]
    promises:                                # optional: an agreed action not done
      dimension: technical
      weight: 3
      terms: {en: [ordered, booked]}

Terms are matched as :mod:`servq.text.matching` describes (``word``: whole words, ``*`` for
stems; ``part``: anywhere in a word, for Swedish compounds and Chinese without spaces; a
term of several words begins at a word's start), only in the complaint's own language.
Weights are above 0 and at most 10 (the built-in lexicon uses 1 weak or ambiguous, 2
typical, 3 unambiguous); a term may belong to several dimensions.

**Negation** (:mod:`servq.text.negation`). A negation denies a *fault* — a term listed
under ``faults``, one that names what went wrong (*rude, dirty, wrong*): *I'm not saying
the staff were rude* is no evidence of rudeness, so a fault a negation reaches does not
count. The other terms name what the customer expected, or the subject (*reply, clean, on
time, refund, signal*): negated, they are the complaint itself (*no reply, not clean,
没有回复*), so they count whether negated or not. A term that holds its own negator
(*never arrived, svarade inte, 没收到*) is never negated by it.

**Promises.** An agreed action — a ``promises`` term (*ordered, booked, promised*) — and
later in the complaint a negation that reaches no term of another dimension (*… nothing
was moved*, *… nobody came*, *… ingenting hände*, *… 一直没来*) is an agreed action that
was not done: the ``promises`` dimension gets its ``weight`` (once per complaint).

**Decision rule.** A complaint's score for a dimension is the sum of the weights of the
*distinct* terms of that dimension found in it (a term said twice counts once; a term
counts when it is found once without being denied), plus a broken promise's weight. The
dimension with the highest score wins; a tie goes to the dimension listed first in the
file. The confidence is ``top / (total + 1)``: the winning score over the sum of all
scores plus one (a pseudo-count for "none of these"), so one weight-3 term gives 0.75, two
competing terms of equal weight 1/3. A complaint with no term at all (or no letters) is
``unclassified`` with confidence 0: the baseline does not guess.
"""

from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy import sparse

from ..errors import ProblemsError
from ..instruments import yamlfile
from .matching import FOLDS, MODES, compile_folded, compile_terms, normalise, reads_folded, term_key, unfolding
from .negation import has_negator, negated, negators

UNCLASSIFIED = "unclassified"
DEFAULT_MATCH = {"en": "word", "sv": "part", "zh": "part"}
BUILTIN = "servqual"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

Lang = Literal["en", "sv", "zh"]
Weight = Annotated[float, Field(gt=0, le=10)]


class LexiconError(ProblemsError):
    """A lexicon file is invalid; every problem is listed with its line."""


class _Promises(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dimension: str
    weight: Weight = 3.0
    terms: dict[Lang, list[str]] = Field(min_length=1)


class _LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    servq_lexicon: Literal[1]
    name: str = "lexicon"
    description: str | None = None
    match: dict[Lang, Literal[MODES]] = {}  # type: ignore[valid-type]
    dimensions: dict[str, dict[Lang, dict[str, Weight]]] = Field(min_length=1)
    ignore: dict[Lang, list[str]] = {}
    faults: dict[Lang, list[str]] = {}
    promises: _Promises | None = None


@dataclass(frozen=True, eq=False)
class Lexicon:
    """A validated lexicon: per language, every term's weight in every dimension."""

    name: str
    dimensions: tuple[str, ...]
    match: dict[str, str]
    terms: dict[str, dict[str, tuple[float, ...]]]  # language -> term key -> weight per dimension
    written: dict[str, tuple[str, ...]]  # language -> terms as written (with *), ignored ones too
    source: str = "<lexicon>"
    faults: dict[str, frozenset[str]] = field(default_factory=dict)  # language -> keys a negation denies
    promises: dict[str, tuple[str, ...]] = field(default_factory=dict)  # language -> promise terms as written
    promise_dimension: str | None = None
    promise_weight: float = 0.0

    @cached_property
    def _patterns(self) -> dict[str, re.Pattern | None]:
        return {lang: compile_terms(self.written.get(lang, ()), mode) for lang, mode in self.match.items()}

    @cached_property
    def _promise_patterns(self) -> dict[str, re.Pattern | None]:
        return {lang: compile_terms(self.promises.get(lang, ()), mode) for lang, mode in self.match.items()}

    @cached_property
    def _folded(self) -> dict[str, tuple[re.Pattern | None, re.Pattern | None, dict[str, str]]]:
        """Per language typed without its diacritics (:data:`~.matching.FOLDS`): the term
        and promise patterns of the folded terms, and each folded key's own key."""
        return {lang: (compile_folded(self.written.get(lang, ()), mode, lang),
                       compile_folded(self.promises.get(lang, ()), mode, lang),
                       unfolding(term_key(t) for t in self.written.get(lang, ())))
                for lang, mode in self.match.items() if lang in FOLDS}

    def evidence(self, text: str, lang: str) -> tuple[list[str], str | None]:
        """(the keys of the terms that count, in text order, each once; the broken promise
        found, as ``"ordered … nothing"``, or None) of one normalised text in ``lang``.

        Swedish typed without å, ä and ö (:func:`~.matching.reads_folded`) is matched against
        the folded terms (*vantetid*, *oforskamd*), each found as the term it was folded from.
        """
        pattern, promise, own = self._patterns.get(lang), self._promise_patterns.get(lang), None
        if lang in self._folded and reads_folded(text, lang):
            pattern, promise, own = self._folded[lang]
        if pattern is None:
            return [], None
        if not has_negator(text, lang):  # most complaints: nothing to deny, no promise broken
            keys = pattern.findall(text)
            return list(dict.fromkeys(keys if own is None else [own[k] for k in keys])), None
        found = list(pattern.finditer(text))
        keys = [m.group() if own is None else own[m.group()] for m in found]
        faults = self.faults.get(lang, frozenset())
        denies = bool(faults) and not faults.isdisjoint(keys)
        first = None if promise is None or not self.promise_dimension else promise.search(text)
        if not denies and first is None:
            return list(dict.fromkeys(keys)), None
        spans = [m.span() for m in found]
        negs = negators(text, lang, spans)
        counted = keys
        if denies:
            counted = [k for k, no in zip(keys, negated(text, lang, spans, negs)) if not (no and k in faults)]
        return list(dict.fromkeys(counted)), self._broken_promise(text, lang, first, keys, spans, negs)

    def _broken_promise(self, text, lang, first, keys, spans, negs) -> str | None:
        """``"<promise> … <negator>"`` when the promise term ``first`` is followed by a
        negation that reaches no term of a dimension other than the promise's, and lies in
        none (a term that is the negator alone, such as *nobody*, does not hold it)."""
        if first is None:
            return None
        terms = self.terms.get(lang, {})
        own = self.dimensions.index(self.promise_dimension)

        def other(key: str) -> bool:
            weights = terms.get(key, ())
            return any(w > 0 for j, w in enumerate(weights) if j != own)

        starts = [s for s, _ in spans]
        for n in negs:
            held = n.owner is not None and spans[n.owner] != (n.start, n.end)
            if n.start < first.end() or (held and other(keys[n.owner])):
                continue
            if not any(other(keys[j]) for j in range(bisect_left(starts, n.end), bisect_left(starts, n.reach))):
                return f"{first.group()} … {text[n.start:n.end]}"
        return None

    @cached_property
    def _table(self) -> tuple[dict[str, dict[str, int]], np.ndarray]:
        """Per language term key -> row of the weight matrix (terms x dimensions)."""
        index: dict[str, dict[str, int]] = {}
        rows: list[tuple[float, ...]] = []
        for lang, terms in self.terms.items():
            index[lang] = {}
            for key, weights in terms.items():
                index[lang][key] = len(rows)
                rows.append(weights)
        weights = np.array(rows, dtype=float).reshape(len(rows), len(self.dimensions))
        return index, weights

    def scores(self, texts, languages) -> np.ndarray:
        """(texts x dimensions) scores of normalised texts in the given languages."""
        index, weights = self._table
        rows: list[int] = []
        cols: list[int] = []
        promised: list[int] = []
        for i, (text, lang) in enumerate(zip(texts, languages)):
            if lang not in index:
                continue
            lookup = index[lang]
            keys, promise = self.evidence(text, lang)
            for key in keys:
                j = lookup.get(key)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
            if promise is not None:
                promised.append(i)
        n = len(texts)
        hits = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, weights.shape[0]))
        scores = np.asarray(hits @ weights).reshape(n, len(self.dimensions))
        if promised:
            scores[promised, self.dimensions.index(self.promise_dimension)] += self.promise_weight
        return scores

    def decide(self, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(dimension, confidence) of every row of :meth:`scores` by the decision rule."""
        total = scores.sum(axis=1)
        best = scores.argmax(axis=1) if scores.shape[1] else np.zeros(len(scores), dtype=int)
        top = scores[np.arange(len(scores)), best] if len(scores) else np.zeros(0)
        labels = np.array(self.dimensions + (UNCLASSIFIED,), dtype=object)
        dimension = np.where(total > 0, labels[best], UNCLASSIFIED)
        confidence = np.where(total > 0, top / (total + 1.0), 0.0)
        return dimension, confidence

    def classify(self, texts, languages=None) -> tuple[np.ndarray, np.ndarray]:
        """(dimension, confidence) of raw texts (languages detected when not given).

        >>> lex = load_lexicon()
        >>> d, c = lex.classify(["The waiting room was filthy", "Väntade i telefonkön i en timme",
        ...                      "账单多扣了话费", "Hello"])
        >>> d.tolist(), c.round(2).tolist()
        (['tangibles', 'responsiveness', 'price_billing', 'unclassified'], [0.86, 0.88, 0.9, 0.0])
        """
        from .language import detect_normalised

        norm = [normalise(t) for t in texts]
        langs = [detect_normalised(t, "en") for t in norm] if languages is None else list(languages)
        return self.decide(self.scores(norm, langs))

    def to_dict(self) -> dict:
        """JSON-able: everything matching and scoring need (a trained model stores this, so
        that it scores with the lexicon it was trained with). :meth:`from_dict` reads it."""
        out = {"servq_lexicon": 1, "name": self.name, "dimensions": list(self.dimensions),
               "match": dict(self.match),
               "terms": {lang: {k: list(w) for k, w in t.items()} for lang, t in self.terms.items()},
               "written": {lang: list(w) for lang, w in self.written.items()}}
        # only when there are any: a lexicon without them keeps the fingerprint it had before
        if any(self.faults.values()):
            out["faults"] = {lang: sorted(keys) for lang, keys in self.faults.items() if keys}
        if self.promise_dimension is not None:
            out["promises"] = {"dimension": self.promise_dimension, "weight": self.promise_weight,
                               "terms": {lang: list(t) for lang, t in self.promises.items() if t}}
        return out

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of :meth:`to_dict` as canonical JSON: equal fingerprints, equal scores.

        >>> len(load_lexicon().fingerprint), load_lexicon().fingerprint == load_lexicon().fingerprint
        (64, True)
        """
        canonical = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, data: dict, source: str = "<lexicon>") -> Lexicon:
        """The lexicon :meth:`to_dict` gave; ValueError naming what is wrong otherwise.

        >>> lex = load_lexicon()
        >>> Lexicon.from_dict(lex.to_dict()).fingerprint == lex.fingerprint
        True
        """
        try:
            if not isinstance(data, dict) or data.get("servq_lexicon") != 1:
                raise ValueError("not a servq lexicon")
            dims = tuple(str(d) for d in data["dimensions"])
            match = {str(k): str(v) for k, v in data["match"].items()}
            terms = {str(lang): {str(k): tuple(float(x) for x in w) for k, w in t.items()}
                     for lang, t in data["terms"].items()}
            written = {str(lang): tuple(str(w) for w in ws) for lang, ws in data["written"].items()}
            name = str(data["name"])
            faults = {str(lang): frozenset(str(k) for k in keys) for lang, keys in data.get("faults", {}).items()}
            kept = data.get("promises") or {}
            promises = {str(lang): tuple(str(t) for t in ts) for lang, ts in kept.get("terms", {}).items()}
            promise_dimension = None if not kept else str(kept["dimension"])
            promise_weight = float(kept.get("weight", 0.0))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"a lexicon without {exc}" if isinstance(exc, KeyError)
                             else f"a malformed lexicon ({exc})") from None
        if not dims or len(set(dims)) != len(dims):
            raise ValueError("a lexicon needs distinct dimensions")
        if any(lang not in DEFAULT_MATCH or mode not in MODES for lang, mode in match.items()):
            raise ValueError("a lexicon's match modes are en, sv, zh: word or part")
        if set(terms) - set(match) or set(written) - set(match):
            raise ValueError("a lexicon has terms of a language it does not match")
        if any(len(w) != len(dims) or not all(np.isfinite(w)) for t in terms.values() for w in t.values()):
            raise ValueError("a lexicon's term weights do not fit its dimensions")
        if set(faults) - set(match) or set(promises) - set(match):
            raise ValueError("a lexicon has faults or promises of a language it does not match")
        if promise_dimension is not None and (promise_dimension not in dims or not np.isfinite(promise_weight)):
            raise ValueError("a lexicon's promises name an unknown dimension or weight")
        return cls(name=name, dimensions=dims, match=match,
                   terms={lang: terms.get(lang, {}) for lang in match},
                   written={lang: written.get(lang, ()) for lang in match}, source=source,
                   faults=faults, promises=promises, promise_dimension=promise_dimension,
                   promise_weight=promise_weight)

    def matches(self, text: str, language: str | None = None) -> dict[str, list[str]]:
        """The terms that count in one text per dimension (to explain a classification); a
        broken promise is shown as ``"<promise> … <negator>"``.

        >>> lex = load_lexicon()
        >>> lex.matches("Kundtjänsten var otrevlig och jag väntade länge")
        {'responsiveness': ['väntade'], 'assurance': ['otrevlig']}
        >>> lex.matches("I'm not saying the staff were rude, they just didn't consider my situation")
        {'empathy': ['situation']}
        >>> lex.matches("We ordered the move of our broadband, but nothing was moved")
        {'reliability': ['ordered … nothing'], 'product_quality': ['broadband']}
        """
        from .language import detect_normalised

        norm = normalise(text)
        lang = language or detect_normalised(norm, "en")
        found, promise = self.evidence(norm, lang)
        terms = self.terms.get(lang, {})
        out = {}
        for j, d in enumerate(self.dimensions):
            keys = [k for k in found if k in terms and terms[k][j] > 0]
            if promise is not None and d == self.promise_dimension:
                keys.insert(0, promise)
            if keys:
                out[d] = keys
        return out


def load_lexicon(lexicon: str | Path | Lexicon | None = None) -> Lexicon:
    """A lexicon: the built-in SERVQUAL one (None or ``"servqual"``), a YAML file, or as is.

    Raises
    ------
    UsageError
        The file does not exist.
    LexiconError
        Every problem in the file, each with its line.
    """
    if isinstance(lexicon, Lexicon):
        return lexicon
    if lexicon is None or str(lexicon) == BUILTIN:
        return _builtin()
    return parse_lexicon(yamlfile.read(lexicon, "lexicon"), str(lexicon))


@lru_cache(maxsize=1)
def _builtin() -> Lexicon:
    text = resources.files("servq.text").joinpath("data/lexicon.yaml").read_text(encoding="utf-8")
    return parse_lexicon(text, "built-in lexicon")


def parse_lexicon(text: str, source: str = "<lexicon>") -> Lexicon:
    """Parse and check lexicon YAML; raise :class:`LexiconError` listing every problem.

    >>> lex = parse_lexicon('''
    ... servq_lexicon: 1
    ... name: Grönroos
    ... dimensions:
    ...   technical: {en: {broken: 2}, zh: {坏了: 3}}
    ...   functional: {en: {rude*: 3}, sv: {otrevlig: 3}}
    ... ''')
    >>> lex.dimensions, lex.classify(["He was rude", "手机坏了"])[0].tolist()
    (('technical', 'functional'), ['functional', 'technical'])
    """
    raw = yamlfile.load(text, source, LexiconError)
    yamlfile.require_mapping(raw, source, LexiconError, "a lexicon file",
                             "the file must be a mapping with servq_lexicon: 1 and dimensions")
    found = yamlfile.semantic_found(_semantic(raw))
    try:
        parsed = _LexiconFile.model_validate(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": tuple(e["loc"][:-1]), "key": True} if e["loc"][-1:] == ("[key]",) else e
                  for e in exc.errors()]
        found += yamlfile.validation_found(exc, errors, message=_message)
    yamlfile.check(found, text, source, LexiconError, "the lexicon")
    return _build(parsed, source)


def _semantic(raw: dict) -> list[tuple[str, str]]:
    """Problems pydantic does not see, found in the raw document (so that they are reported
    together with pydantic's)."""
    out: list[tuple[str, str]] = []
    ignore = raw.get("ignore") if isinstance(raw.get("ignore"), dict) else {}
    ignored = {lang: {term_key(str(t)) for t in terms} for lang, terms in ignore.items() if isinstance(terms, list)}
    spelled: dict[tuple[str, str], str] = {}  # (language, key) -> the first spelling
    dims = raw.get("dimensions") if isinstance(raw.get("dimensions"), dict) else {}
    for dim, by_lang in dims.items():
        if not _ID.match(str(dim)):
            out.append((f"dimensions.{dim}", "a dimension id is lower case letters, digits and _, "
                                             "starting with a letter"))
        elif dim == UNCLASSIFIED:
            out.append((f"dimensions.{dim}", f"'{UNCLASSIFIED}' is reserved for complaints with no term"))
        if not isinstance(by_lang, dict):
            continue
        if not any(by_lang.values()):
            out.append((f"dimensions.{dim}", "the dimension has no terms"))
        for lang, terms in by_lang.items():
            if isinstance(terms, dict):
                out += _term_problems(f"dimensions.{dim}.{lang}", str(lang), terms, spelled, ignored)
    for lang, terms in ignore.items():
        for i, term in enumerate(terms if isinstance(terms, list) else []):
            if not term_key(str(term)):
                out.append((f"ignore.{lang}[{i}]", "empty term"))
    faults = raw.get("faults") if isinstance(raw.get("faults"), dict) else {}
    for lang, terms in faults.items():
        for i, term in enumerate(terms if isinstance(terms, list) else []):
            if (str(lang), term_key(str(term))) not in spelled:
                out.append((f"faults.{lang}[{i}]", f"'{term}' is not a term of any dimension in {lang}"))
    promises = raw.get("promises") if isinstance(raw.get("promises"), dict) else {}
    if "dimension" in promises and promises["dimension"] not in dims:
        out.append(("promises.dimension", f"unknown dimension {promises['dimension']!r} (the dimensions: "
                                          f"{', '.join(map(str, dims))})"))
    by_lang = promises.get("terms") if isinstance(promises.get("terms"), dict) else {}
    for lang, terms in by_lang.items():
        for i, term in enumerate(terms if isinstance(terms, list) else []):
            if not term_key(str(term)):
                out.append((f"promises.terms.{lang}[{i}]", "empty term"))
    return out


def _term_problems(where: str, lang: str, terms: dict, spelled: dict, ignored: dict) -> list[tuple[str, str]]:
    out = []
    keys: set[str] = set()
    for term in terms:
        path, key, written = f"{where}.{term}", term_key(str(term)), normalise(str(term))
        if not key:
            out.append((path, "empty term"))
            continue
        if "*" in key:
            out.append((path, "a * may only start or end a term"))
        if key in keys:
            out.append((path, "the term is given twice in this dimension (terms are matched in lower case)"))
        elif spelled.setdefault((lang, key), written) != written:
            out.append((path, f"written '{spelled[(lang, key)]}' elsewhere: spell a term the same way everywhere"))
        if key in ignored.get(lang, set()):
            out.append((path, "the term is also under ignore"))
        keys.add(key)
    return out


def _build(lex: _LexiconFile, source: str) -> Lexicon:
    dims = tuple(lex.dimensions)
    match = {**DEFAULT_MATCH, **lex.match}
    terms: dict[str, dict[str, list[float]]] = {lang: {} for lang in match}
    written: dict[str, list[str]] = {lang: list(lex.ignore.get(lang, [])) for lang in match}
    for j, by_lang in enumerate(lex.dimensions.values()):
        for lang, entries in by_lang.items():
            for term, weight in entries.items():
                terms[lang].setdefault(term_key(term), [0.0] * len(dims))[j] += weight
                written[lang].append(term)
    promises = lex.promises
    return Lexicon(name=lex.name, dimensions=dims, match=match,
                   terms={lang: {k: tuple(v) for k, v in t.items()} for lang, t in terms.items()},
                   written={lang: tuple(w) for lang, w in written.items()}, source=source,
                   faults={lang: frozenset(term_key(t) for t in ts) for lang, ts in lex.faults.items()},
                   promises={} if promises is None else {lang: tuple(ts) for lang, ts in promises.terms.items()},
                   promise_dimension=None if promises is None else promises.dimension,
                   promise_weight=0.0 if promises is None else promises.weight)


def _message(err: dict) -> str:
    loc = err["loc"]
    if err["type"] == "literal_error" and loc[:1] == ("servq_lexicon",):
        return "must be 1 (the version of the lexicon format)"
    if err["type"] == "literal_error" and loc[:1] == ("match",):
        return f"unknown match mode {err['input']!r} (choose word or part)"
    if err.get("key") and loc[:1] == ("dimensions",) and len(loc) == 4:
        return "a term must be text (quote it, e.g. \"12315\")"
    if err.get("key") and loc[:1] == ("dimensions",) and len(loc) == 2:
        return "a dimension id must be text"
    if err.get("key") or err["type"] == "literal_error":
        return f"unknown language {loc[-1]!r} (choose en, sv or zh)"
    return yamlfile.pydantic_message(err)
