"""The languages of the web pages: their strings (``i18n/*.yaml``), plurals, the language a
page is shown in, numbers and dates as each language writes them, and messages that the
code raises in English and the pages show in their reader's language.

A signed-in user's pages are in the language of their account (``users.language``, set on
"Your account"); before sign-in, and while it is not set, in the browser's preference
among English, Swedish and Chinese (``Accept-Language``), else English.

>>> t("sv", "nav.surveys")
'Enkäter'
>>> tn("en", "cases.count_open", 1), tn("en", "cases.count_open", 2)
('1 open', '2 open')
>>> negotiate("de, sv;q=0.8, en;q=0.5")
'sv'
>>> say("zh", Msg("msg.no_survey"))
'没有这份问卷。'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from functools import cache

from ..errors import Problem, ProblemsError
from ..report.i18n import catalog, fill, fmt_datetime, fmt_int, fmt_num, fmt_pct, load_catalog, plural_key

LANGUAGES = ("en", "sv", "zh")
DEFAULT = "en"
LANG_NAMES = {"en": "English", "sv": "Svenska", "zh": "中文"}  # each in its own language
_HTML_LANG = {"zh": "zh-Hans"}  # the language tag of <html lang>: Simplified Chinese


@cache
def strings(lang: str) -> Mapping[str, str]:
    """Every string of the web pages in ``lang`` (all of ``i18n/*<lang>.yaml``), by dotted key."""
    return load_catalog("servq.web", lang)


def t(lang: str, key: str, **kw) -> str:
    """The string ``key`` in ``lang`` with its ``{named}`` fields filled (a missing key is a KeyError)."""
    return fill(lang, strings(lang)[key], kw)


def tn(lang: str, key: str, count: int, **kw) -> str:
    """``key``'s sentence for ``count`` (:func:`servq.report.i18n.plural_key`: ``one`` or
    ``other`` in English and Swedish, always ``other`` in Chinese, or an exact ``=1``).
    ``{count}`` is the count as the language writes numbers."""
    return t(lang, plural_key(strings(lang), lang, key, count), count=decimal(lang, count, 2), **kw)


def t_or(lang: str, key: str, default: str) -> str:
    """The string ``key`` in ``lang``, or ``default`` when there is none (a stored code that
    may be one servq does not name)."""
    return t(lang, key) if key in strings(lang) else default


def known(lang: str | None) -> str:
    """``lang`` when the pages are in it, else the default (a link's ``?lang=`` may say anything)."""
    return lang if lang in LANGUAGES else DEFAULT


def html_lang(lang: str) -> str:
    """The value of ``<html lang>`` for a page in ``lang``."""
    return _HTML_LANG.get(lang, lang)


def negotiate(accept_language: str | None, available: Iterable[str] = LANGUAGES, default: str | None = None) -> str:
    """The best of ``available`` by the browser's ``Accept-Language`` (q-values, then the
    order given), else ``default`` (None: the first available)."""
    langs = list(available)
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in langs and q > 0:
            ranked.append((-q, i, base))
    return min(ranked)[2] if ranked else (default or langs[0])


# --------------------------------------------------------------------------- numbers and dates


def number(lang: str, value: int | None) -> str:
    """A whole number with the language's digit grouping (``1,234``, ``1 234``)."""
    return fmt_int(lang, value)


def decimal(lang: str, value: float | None, digits: int = 2) -> str:
    """A number with at most ``digits`` decimals, as many as it needs (``1.5``, ``1,5``, ``8``)."""
    if isinstance(value, float) and value == value:
        digits = next((d for d in range(digits) if round(value, d) == value), digits)
    else:
        digits = 0
    return fmt_num(lang, value, digits)


def percent(lang: str, share: float | None) -> str:
    """A share (0..1) as a percent (``50.0%``, ``50,0 %``)."""
    return fmt_pct(lang, share)


def day(lang: str, value: date | datetime | None) -> str:
    """A date (of a UTC time) as the language writes dates (``2026-03-31``, ``2026年3月31日``)."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date()
    return fmt_datetime(lang, value.isoformat() if value else None)


def when(lang: str, value: datetime | None) -> str:
    """A time in UTC as the language writes it (``2026-03-31 08:00 UTC``)."""
    return fmt_datetime(lang, value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "minutes") if value else None)


def local_when(lang: str, value: datetime | None, zone) -> str:
    """A time in the time zone ``zone`` with its weekday (``Mon 2026-03-09 10:00 (Europe/Stockholm)``)."""
    if value is None:
        return t(lang, "common.none")
    moment = value.astimezone(zone)
    return t(lang, "common.local_time", weekday=t(lang, f"common.weekday.{moment.weekday()}"),
             date=day(lang, moment.date()), time=moment.strftime("%H:%M"), zone=zone.key)


def dimension(lang: str, dimension_id: str) -> str:
    """A complaint dimension by its name in ``lang`` (the built-in ones, as the report names
    them: ``price_billing`` → ``Price and billing``); another as it is."""
    return catalog(lang).get(f"complaints.dimension.{dimension_id}", dimension_id)


# --------------------------------------------------------------------------- messages


class Msg(str):
    """A message of the code: English as a string (for the command line, the API and the
    logs), shown on a page in its reader's language (:func:`say`). Its fields may be
    messages themselves (a status name inside a sentence); with ``count`` it is a plural
    (:func:`tn`).

    >>> m = Msg("msg.wave_overlap", name="Spring")
    >>> str(m), say("sv", m)
    ("the dates overlap wave 'Spring'", 'datumen överlappar omgången ”Spring”')
    """

    key: str
    fields: dict
    count: int | None

    def __new__(cls, key: str, count: int | None = None, **fields):
        self = super().__new__(cls, _write(DEFAULT, key, count, fields))
        self.key, self.count, self.fields = key, count, fields
        return self

    def in_lang(self, lang: str) -> str:
        return _write(lang, self.key, self.count, {k: say(lang, v) for k, v in self.fields.items()})


def _write(lang: str, key: str, count: int | None, fields: dict) -> str:
    return t(lang, key, **fields) if count is None else tn(lang, key, count, **fields)


class Msgs(str):
    """Several messages in one (English: joined by ``"; "``, or ``", "`` with
    ``sep="comma"``), shown each on its own line or joined in the reader's language."""

    parts: tuple
    sep: str

    def __new__(cls, parts: Iterable[str], sep: str = "separator"):
        parts = tuple(parts)
        self = super().__new__(cls, t(DEFAULT, f"common.{sep}").join(parts))
        self.parts, self.sep = parts, sep
        return self

    def in_lang(self, lang: str) -> str:
        return t(lang, f"common.{self.sep}").join(say(lang, p) for p in self.parts)


def problem(p: Problem) -> str:
    """A problem of a file as a message: where it is (file, line, row, column, place), what
    is wrong, the value (as :class:`~servq.errors.Problem` writes it in English)."""
    where = [p.file] if p.file else []
    where += [Msg(f"common.at_{what}", at=at) for what, at in (("line", p.line), ("row", p.row), ("column", p.column))
              if at is not None]
    where += [p.path] if p.path else []
    text = Msg("common.problem_at", where=Msgs(where, "comma"), message=p.message) if where else p.message
    return text if p.value is None else Msg("common.problem_value", problem=text, value=repr(p.value))


def problem_list(exc: ProblemsError) -> list:
    """What a page lists of an error with problems: its summary, each problem, how many more
    there are that are not shown."""
    hidden = exc.total - len(exc.problems)
    more = [Msg("common.more_problems", hidden)] if hidden > 0 else []
    return [exc.summary, *map(problem, exc.problems), *more]


def say(lang: str, value):
    """``value`` as a page in ``lang`` shows it: a :class:`Msg` translated, a list each of
    its items, anything else as it is (a text of the user or of the library)."""
    if isinstance(value, (Msg, Msgs)):
        return value.in_lang(lang)
    if isinstance(value, (list, tuple)):
        return [say(lang, v) for v in value]
    return value


def reason(exc: BaseException):
    """The message an error was raised with: its :class:`Msg` (translatable) when it has one."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, (Msg, Msgs)) else str(exc)


def reasons(exc: BaseException) -> list:
    """:func:`reason` as a list of messages (a :class:`Msgs` gives each of its parts)."""
    found = reason(exc)
    return list(found.parts) if isinstance(found, Msgs) else [found]
