"""Report strings in English, Swedish and Simplified Chinese, and number formatting.

Every text the report shows (headings, table headers, legend labels, summary sentences)
lives in ``i18n/<lang>.yaml``. The YAML is nested for editing and flattened to dotted keys
here: ``section: {summary: ...}`` becomes ``"section.summary"``.

Plurals follow the language's CLDR rules (Babel): a field written ``{days:# day|# days}``
takes one form per plural category of the language in CLDR order (English and Swedish:
``one|other``; Chinese has only ``other``, so it writes the number plainly), ``#`` standing
for the value as given. A value that is a mapping with ``one`` and ``other`` is a plural
form of a whole sentence (``one``/``other``, or an exact ``"=1"``), chosen by :func:`tn`.

Numbers follow the conventions stored under ``format`` in each file (decimal mark, digit
grouping, minus sign, percent layout), so "−0,52" and "34,0 %" in Swedish, "−0.52" and
"34.0%" in English and Chinese.

Examples
--------
>>> t("sv", "section.summary")
'Sammanfattning'
>>> fmt_num("sv", -0.5234)
'−0,52'
>>> fmt_pct("en", 0.34)
'34.0%'
>>> fill("en", "in {days:# day|# days}", {"days": 1})
'in 1 day'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from types import MappingProxyType

from babel import Locale

from servq.errors import ProblemsError, UsageError
from servq.instruments import yamlfile

LANGUAGES: tuple[str, ...] = ("en", "sv", "zh")
_LOCALES = {"en": "en", "sv": "sv", "zh": "zh_Hans"}
_CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


def _flatten(data: Mapping, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def check_lang(lang: str) -> str:
    """Return ``lang`` if the report is translated into it, else raise UsageError."""
    if lang not in LANGUAGES:
        raise UsageError(f"unknown report language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """All report strings of one language as a read-only mapping of dotted key to template."""
    return load_catalog("servq.report", lang)


@cache
def glossary(lang: str) -> Mapping[str, Mapping[str, str]]:
    """The language's glossary (``glossary/<lang>.yaml``): ``term`` (one word for one thing
    in the report, the web pages and the CLI), ``column`` (display names of common grouping
    columns) and ``avoid`` (variants no catalog of the language may use: variant → term)."""
    file = resources.files("servq.report").joinpath("glossary", f"{check_lang(lang)}.yaml")
    data = yamlfile.load(file.read_text(encoding="utf-8"), f"glossary/{lang}.yaml", ProblemsError) or {}
    return MappingProxyType({part: MappingProxyType(dict(data.get(part) or {})) for part in ("term", "column", "avoid")})


_TERM = re.compile(r"\[\[(\w+)\]\]")


def load_catalog(package: str, lang: str) -> Mapping[str, str]:
    """The strings of ``package``'s ``i18n/<lang>.yaml`` and ``i18n/<part>.<lang>.yaml``
    files (a part of the UI may keep its own), a ``[[term]]`` in them replaced by the
    glossary's word; a key defined in two files, or an unknown term, is refused."""
    check_lang(lang)
    folder = resources.files(package).joinpath("i18n")
    files = sorted(f for f in folder.iterdir() if f.name == f"{lang}.yaml" or f.name.endswith(f".{lang}.yaml"))
    terms = glossary(lang)["term"]
    merged: dict[str, str] = {}
    for file in files:
        strings = _flatten(yamlfile.load(file.read_text(encoding="utf-8"), file.name, ProblemsError) or {})
        clash = merged.keys() & strings.keys()
        if clash:
            raise KeyError(f"report strings defined twice ({file.name}): {', '.join(sorted(clash))}")
        unknown = {m for text in strings.values() for m in _TERM.findall(text)} - terms.keys()
        if unknown:
            raise KeyError(f"{file.name} names terms the {lang} glossary lacks: {', '.join(sorted(unknown))}")
        merged.update({key: _TERM.sub(lambda m: terms[m.group(1)], text) for key, text in strings.items()})
    return MappingProxyType(merged)


def column_label(lang: str, column: str, labels: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """How a report in ``lang`` names the data column ``column``: the label given for it
    (``labels[column][lang]``: the survey's, ``--label``), else the glossary's name of a
    common column (``branch`` → "kontor", "网点"), else the column's own name — in Chinese
    in quotation marks, never glued into a sentence."""
    given = (labels or {}).get(column) or {}
    if given.get(lang):
        return given[lang]
    known = glossary(lang)["column"].get(column.strip().lower())
    if known:
        return known
    return quote(lang, column) if lang == "zh" else column


def t(lang: str, key: str, **kw: object) -> str:
    """The string ``key`` in ``lang`` with its ``{named}`` fields filled from ``kw``.

    Raises
    ------
    KeyError
        If the key does not exist in that language (a bug in the translation files).
    """
    strings = catalog(lang)
    try:
        template = strings[key]
    except KeyError:
        raise KeyError(f"no report string {key!r} for language {lang!r}") from None
    return fill(lang, template, kw)


@cache
def _plural_rule(lang: str) -> Callable[[object], str]:
    return Locale.parse(_LOCALES[check_lang(lang)]).plural_form


def plural_categories(lang: str) -> tuple[str, ...]:
    """The language's CLDR plural categories in the order a ``{n:…|…}`` field lists its forms."""
    tags = _plural_rule(lang).tags | {"other"}
    return tuple(c for c in _CLDR_ORDER if c in tags)


def plural_category(lang: str, count: object) -> str:
    """The CLDR plural category of ``count`` in ``lang`` (``"one"``, ``"other"`` …).

    ``count`` may be a number or a number as :func:`fmt_num` writes it (``"1 234"``,
    ``"1,0"``): written decimals count, so "1.0" is plural in English as CLDR says. Text
    that is not a number (the "not available" mark) takes ``"other"``.
    """
    if isinstance(count, str):
        fmt = catalog(lang)
        text = count.replace(fmt["format.group"], "").replace(fmt["format.decimal"], ".")
        try:
            count = Decimal(text.replace(fmt["format.minus"], "-").strip())
        except InvalidOperation:
            return "other"
    return _plural_rule(lang)(count)


class _Field:
    """A template value whose format spec may be a plural choice (``# day|# days``)."""

    __slots__ = ("lang", "value")

    def __init__(self, lang: str, value: object):
        self.lang, self.value = lang, value

    def __format__(self, spec: str) -> str:
        if "|" not in spec:
            return format(self.value, spec)
        forms = spec.split("|")
        categories = plural_categories(self.lang)
        if len(forms) != len(categories):
            raise ValueError(f"a plural field in {self.lang!r} takes {len(categories)} forms "
                             f"({'|'.join(categories)}), not {len(forms)}: {spec!r}")
        form = forms[categories.index(plural_category(self.lang, self.value))]
        shown = self.value if isinstance(self.value, str) else fmt_num(self.lang, self.value, 0)
        return form.replace("#", str(shown))


_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_LATIN = "A-Za-z\u00c0-\u024f"
_GLUED = re.compile(f"(?<=[{_HAN}])(?=[{_LATIN}])|(?<=[{_LATIN}])(?=[{_HAN}])")


def fill(lang: str, template: str, kw: Mapping[str, object]) -> str:
    """``template`` with its ``{named}`` fields filled from ``kw``; a field with a plural
    spec (``{n:# complaint|# complaints}``) takes the form of ``n``'s CLDR category.

    Chinese text gets a space between a Han character and a Latin letter, so a name or
    an identifier from the data ("online", "Malmö", "E1") never runs into the sentence.
    """
    text = template.format_map({k: _Field(lang, v) for k, v in kw.items()})
    return _GLUED.sub(" ", text) if lang == "zh" else text


def tn(lang: str, key: str, count: int, **kw: object) -> str:
    """Plural-aware :func:`t`: uses ``key.=<count>`` when the language has a sentence
    for that exact count (as ICU's ``=1``: Chinese says "the item" for one, without a
    grammatical plural), else ``key.<category>``, the CLDR plural category of ``count`` in
    ``lang`` (``one``, ``other`` …).

    ``count`` is passed to the template as ``{count}`` (raw) and, formatted with digit
    grouping, as ``{count_text}``.
    """
    return t(lang, plural_key(catalog(lang), lang, key, count), count=count, count_text=fmt_int(lang, count), **kw)


def plural_key(strings: Mapping[str, str], lang: str, key: str, count: int) -> str:
    """The key of ``count``'s sentence among ``key``'s plural forms in ``strings``: the
    exact ``key.=<count>`` if there is one, else ``key.<CLDR category>``, else ``key.other``."""
    for form in (f"={count}", plural_category(lang, count)):
        if f"{key}.{form}" in strings:
            return f"{key}.{form}"
    return f"{key}.other"


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def fmt_num(lang: str, value: float | None, digits: int = 2, *, signed: bool = False) -> str:
    """``value`` rounded to ``digits`` decimals in the language's notation.

    ``signed`` adds a plus sign to positive values (for gaps and differences). A value
    that rounds to zero never gets a sign, so there is no "−0.00". ``None`` or a
    non-finite value gives the "not available" mark.
    """
    if not _finite(value):
        return t(lang, "format.not_available")
    fmt = catalog(lang)
    body = f"{abs(value):,.{digits}f}"
    body = body.translate(str.maketrans({",": fmt["format.group"], ".": fmt["format.decimal"]}))
    if round(abs(value), digits) == 0:
        sign = ""
    elif value < 0:
        sign = fmt["format.minus"]
    else:
        sign = fmt["format.plus"] if signed else ""
    return sign + body


def fmt_int(lang: str, value: int | None) -> str:
    """A whole number with the language's digit grouping (``1,234`` / ``1 234``)."""
    if not _finite(value):
        return t(lang, "format.not_available")
    return fmt_num(lang, value, 0)


def fmt_pct(lang: str, share: float | None, digits: int = 1) -> str:
    """A proportion (0..1) as a percent, e.g. ``0.34`` → ``34.0%`` (``34,0 %`` in Swedish)."""
    if not _finite(share):
        return t(lang, "format.not_available")
    return t(lang, "format.percent", value=fmt_num(lang, share * 100, digits))


def fmt_level(lang: str, confidence: float) -> str:
    """A confidence level as a percent without needless decimals: 0.95 → ``95%``."""
    pct = confidence * 100
    digits = 0 if abs(pct - round(pct)) < 1e-9 else 1
    return fmt_pct(lang, confidence, digits)


def fmt_interval(
    lang: str, low: float | None, high: float | None, digits: int = 2, *, signed: bool = False
) -> str:
    """An interval in brackets, ``[−0.80, −0.24]``; empty when either bound is missing."""
    if not (_finite(low) and _finite(high)):
        return ""
    return t(
        lang,
        "format.interval",
        low=fmt_num(lang, low, digits, signed=signed),
        high=fmt_num(lang, high, digits, signed=signed),
    )


def fmt_datetime(lang: str, iso: str | None) -> str:
    """An ISO 8601 time as the language writes dates; unparseable text is returned as is."""
    if not iso:
        return t(lang, "format.not_available")
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    has_time = "T" in iso or " " in iso.strip()
    key = "format.datetime" if has_time else "format.date"
    return t(
        lang,
        key,
        year=moment.year,
        month=moment.month,
        day=moment.day,
        hour=moment.hour,
        minute=moment.minute,
    )


def join_list(lang: str, parts: Iterable[str]) -> str:
    """``a, b and c`` (``a, b och c``; ``a、b和c``)."""
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    fmt = catalog(lang)
    return fmt["format.list_sep"].join(parts[:-1]) + fmt["format.list_last"] + parts[-1]


def quote(lang: str, text: str) -> str:
    """``text`` in the language's quotation marks."""
    return t(lang, "format.quote", text=text)
