"""Building blocks of the report's sections: table cells, rows, tables, callouts, figures,
and the language-bound formatter that makes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup

from servq.report import i18n

P_FLOOR = 0.001  # smaller p values are printed as "p < 0.001"

# table columns of text (left-aligned headers); all others hold numbers
TEXT_COLUMNS = {
    "col.dimension", "col.item", "col.text", "col.measure", "col.outcome", "col.segment", "col.status",
    "col.verdict", "col.model", "col.holds", "col.assessment",
}


@dataclass
class Cell:
    text: str
    sub: str = ""
    cls: str = ""
    span: int = 1


@dataclass
class Row:
    cells: list[Cell]
    kind: str = "data"  # data | group | suppressed


@dataclass
class Table:
    columns: list[tuple[str, bool]]  # (header, numeric)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cls: str = ""


@dataclass
class Callout:
    """A boxed message: ``alert`` (a key finding to act on), ``warn``, ``info`` or ``ok``."""

    kind: str
    lines: list[str]
    title: str = ""


@dataclass
class Figure:
    caption: str
    svg: str  # made Markup: the chart builders escape their own text

    def __post_init__(self) -> None:
        self.svg = Markup(self.svg)



class Fmt:
    """Language-bound formatting shortcuts, and the table cells made with them."""

    def __init__(self, lang: str, confidence: float, labels: Mapping[str, Mapping[str, str]] | None = None):
        self.lang = lang
        self.level = i18n.fmt_level(lang, confidence)
        self.labels = labels or {}

    @classmethod
    def of(cls, results: Mapping, lang: str) -> Fmt:
        """The formatter of an analysis's results: its confidence level and column labels."""
        options = results.get("options") or {}
        return cls(lang, options.get("confidence", 0.95), options.get("labels"))

    def column(self, name: object) -> str:
        """How the report names a grouping column (:func:`servq.report.i18n.column_label`)."""
        return i18n.column_label(self.lang, str(name), self.labels)

    def t(self, key: str, **kw: object) -> str:
        return i18n.t(self.lang, key, **kw)

    def num(self, value: float | None, signed: bool = False, digits: int = 2) -> str:
        return i18n.fmt_num(self.lang, value, digits, signed=signed)

    def p(self, value: float | None, *, bare: bool = False) -> str:
        """A p value: ``p = 0.013`` or ``p < 0.001`` (``bare``: ``0.013`` or ``< 0.001``)."""
        if value is not None and value < P_FLOOR:
            return self.t("format.p_below_bare" if bare else "format.p_below", p=self.num(P_FLOOR, digits=3))
        shown = self.num(value, digits=3)
        return shown if bare else self.t("format.p_equals", p=shown)

    def int(self, value: int | None) -> str:
        return i18n.fmt_int(self.lang, value)

    def pct(self, share: float | None) -> str:
        return i18n.fmt_pct(self.lang, share)

    def interval(self, stat: Mapping | None, signed: bool = False, digits: int = 2) -> str:
        if not isinstance(stat, Mapping):
            return ""
        low, high = stat.get("ci_low"), stat.get("ci_high")
        return i18n.fmt_interval(self.lang, low, high, digits, signed=signed)

    def pct_interval(self, share: Mapping | None) -> str:
        if not isinstance(share, Mapping) or None in (share.get("ci_low"), share.get("ci_high")):
            return ""
        low, high = (self.num(share[k] * 100, digits=1) for k in ("ci_low", "ci_high"))
        return self.t("format.interval", low=low, high=high)

    def headers(self, *keys: str) -> list[tuple[str, bool]]:
        """(header, numeric) table columns for the string ``keys``."""
        return [(self.t(k), k not in TEXT_COLUMNS) for k in keys]

    def n_cell(self, n: int | None) -> Cell:
        return Cell(self.int(n), cls="num")

    def label_cells(self, label: str, n: int | None) -> list[Cell]:
        """The first two cells of most rows: what the row is about and its n."""
        return [Cell(label, cls="label"), self.n_cell(n)]

    def num_cell(
        self, value: float | None, signed: bool = False, sub: str = "", digits: int = 2
    ) -> Cell:
        neg = signed and value is not None and round(value, digits) < 0  # "−0.00" is printed as 0.00
        return Cell(self.num(value, signed, digits), sub, "num neg" if neg else "num")

    def stat_cell(self, stat: Mapping | None, signed: bool = False, ci: bool = True) -> Cell:
        if not isinstance(stat, Mapping):
            return Cell(self.num(None), cls="num na")
        return self.num_cell(stat.get("mean"), signed, self.interval(stat, signed) if ci else "")

    def sd_cell(self, stat: Mapping | None) -> Cell:
        return Cell(self.num(stat.get("sd") if isinstance(stat, Mapping) else None), cls="num")

    def share_cell(self, share: Mapping | None) -> Cell:
        return Cell(self.pct((share or {}).get("share")), self.pct_interval(share), "num")
