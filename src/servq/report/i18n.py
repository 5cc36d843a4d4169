"""Report strings in English, Swedish and Simplified Chinese, and number formatting.

Every text the report shows (headings, table headers, legend labels, summary sentences)
lives in ``i18n/<lang>.yaml``. The YAML is nested for editing and flattened to dotted keys
here: ``section: {summary: ...}`` becomes ``"section.summary"``. A value that is a mapping
with ``one`` and ``other`` is a plural form, chosen by :func:`tn`.

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
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from importlib import resources
from types import MappingProxyType

from servq.errors import ProblemsError, UsageError
from servq.instruments import yamlfile

LANGUAGES: tuple[str, ...] = ("en", "sv", "zh")


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


def load_catalog(package: str, lang: str) -> Mapping[str, str]:
    """The strings of ``package``'s ``i18n/<lang>.yaml`` and ``i18n/<part>.<lang>.yaml``
    files (a part of the UI may keep its own); a key defined in two files is refused."""
    check_lang(lang)
    folder = resources.files(package).joinpath("i18n")
    files = sorted(f for f in folder.iterdir() if f.name == f"{lang}.yaml" or f.name.endswith(f".{lang}.yaml"))
    merged: dict[str, str] = {}
    for file in files:
        strings = _flatten(yamlfile.load(file.read_text(encoding="utf-8"), file.name, ProblemsError) or {})
        clash = merged.keys() & strings.keys()
        if clash:
            raise KeyError(f"report strings defined twice ({file.name}): {', '.join(sorted(clash))}")
        merged.update(strings)
    return MappingProxyType(merged)


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
    return template.format_map(kw)


def tn(lang: str, key: str, count: int, **kw: object) -> str:
    """Plural-aware :func:`t`: uses ``key.one`` when ``count == 1``, else ``key.other``.

    ``count`` is passed to the template as ``{count}`` (raw) and, formatted with digit
    grouping, as ``{count_text}``.
    """
    form = "one" if count == 1 else "other"
    return t(lang, f"{key}.{form}", count=count, count_text=fmt_int(lang, count), **kw)


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
