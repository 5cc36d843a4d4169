"""Every option of an analysis, validated once: what the CLI, the web dashboard, the
Python API and a Spark job hand to :func:`servq.analyze`."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, cast

from ..errors import UsageError
from ..io.columns import Mapping, load_mapping
from ..io.periods import PERIODS
from ..io.readers import DEFAULT_CHUNK, Source, source_of
from ..measures.compare import ADJUSTS
from ..measures.compare import METHODS as COMPARE_METHODS
from ..measures.focus import CROSSHAIRS, IMPORTANCE, PERFORMANCE

LANGS = ("en", "sv", "zh")


@dataclass(frozen=True)
class AnalysisOptions:
    """How to analyse: checked when made, so a wrong option fails before any data is read.

    Parameters
    ----------
    by : str or sequence of str
        Segment columns to break the results down by (each separately); kept as a tuple.
    lang : {"en", "sv", "zh"}
        Language of labels and item texts in the results.
    min_n : int
        Segments with fewer respondents are suppressed (only their n is reported).
    confidence : float
        Level of the t intervals (means) and Wilson intervals (shares), in (0, 1).
    mapping : path or Mapping, optional
        Renames and recodes columns of a layout that does not follow the convention
        (docs/data.md); a path is read here.
    sheet : str, optional
        Worksheet of an XLSX file (default: the first).
    header_row : int
        The spreadsheet row holding the column names of a CSV file or a sheet (default 1);
        the rows above it (a title) are not read.
    first_row : int, optional
        The spreadsheet row of the first answer (default: the row below the column names);
        the rows between are skipped: SurveyMonkey's second header row (``first_row=3``),
        Qualtrics's question texts and import ids (``first_row=4``). Problems name the
        file's own rows. Both are checked when the file is opened, naming it
        (:func:`servq.io.readers.answer_rows`); Parquet, SPSS and tables refuse them.
    chunk_size : int
        Rows per chunk; the results do not depend on it.
    max_problems : int
        At most this many problems are listed when the data are invalid (all are counted).
    quality : bool
        Assess the instrument: reliability, factor structure (CFA), validity.
    ordinal : bool
        Also treat the assessed items as ordinal: polychoric correlations from the items'
        contingency tables (summed chunk by chunk) and each dimension's ordinal alpha
        (Zumbo, Gadermann & Zeisser 2007); the CFA is the ordinal one, WLSMV when
        :func:`servq.analyze` can read the data a second time (it always can), DWLS from
        merged Sums alone.
    invariance : str, optional
        A segment column whose groups are compared for measurement invariance; it is
        added to ``by``. With ``ordinal`` the sequence is that of ordered items (WLSMV:
        configural, thresholds, thresholds and loadings).
    ipa_importance, ipa_performance, ipa_crosshair : str
        Importance–performance analysis: importance ``auto`` / ``derived`` (relative
        weights) / ``stated`` (100-point allocation); performance ``perception`` / ``gap``;
        crosshair ``mean`` / ``median`` / ``midpoint``.
    compare : {"games-howell", "welch", "none"}
        How the segments of each ``by`` column are compared (docs/comparisons.md).
    adjust : {"holm", "BH", "bonferroni"}
        Correction of the pairs' p-values for multiple comparisons.
    period : {"month", "quarter", "wave"}, optional
        Follow the scores over time (docs/trends.md).
    period_column : str, optional
        The date (month, quarter) or wave column; default ``date`` or ``wave``.
    boot, seed : int
        Bootstrap resamples of the key drivers (0 = none) and their seed.
    economics : path, dict or Economics, optional
        Service-economics parameters (docs/economics.md); read and checked here.
    complaints : int, optional
        Complaining customers in the period; overrides ``inputs.complaints`` of ``economics``.
    scale : (int, int) or str, optional
        The answers' scale when it is not the instrument's: ``(0, 100)`` or ``"0:100"``
        (:meth:`servq.instruments.Instrument.on_scale`); at most 127 points.
    labels : dict, optional
        How the report names the ``by`` columns: ``{"branch": "Kontor"}`` (every language)
        or ``{"branch": {"sv": "Kontor", "zh": "营业厅"}}``; over the mapping file's
        ``labels``. Kept as column → language → text.

    Raises
    ------
    servq.errors.UsageError
        An option out of its range or not one of its choices, naming it and its value.

    Examples
    --------
    >>> opts = AnalysisOptions(by="branch", invariance="channel")
    >>> opts.by, opts.min_n
    (('branch', 'channel'), 5)
    >>> opts.replace(lang="sv").lang
    'sv'
    >>> AnalysisOptions(confidence=1.5)
    Traceback (most recent call last):
    ...
    servq.errors.UsageError: confidence must be between 0 and 1, got 1.5
    """

    by: tuple[str, ...] = ()
    lang: str = "en"
    min_n: int = 5
    confidence: float = 0.95
    mapping: Any = None  # a servq.io.columns.Mapping once made (see column_mapping)
    sheet: str | None = None
    chunk_size: int = DEFAULT_CHUNK
    max_problems: int = 50
    quality: bool = True
    ordinal: bool = False
    invariance: str | None = None
    ipa_importance: str = "auto"
    ipa_performance: str = "perception"
    ipa_crosshair: str = "mean"
    compare: str = "games-howell"
    adjust: str = "holm"
    period: str | None = None
    period_column: str | None = None
    boot: int = 0
    seed: int = 0
    economics: Any = None  # servq.measures.economics.Economics once made
    complaints: int | None = None
    scale: tuple[int, int] | None = None
    labels: Any = None
    header_row: int = 1
    first_row: int | None = None

    def __post_init__(self) -> None:
        by = [self.by] if isinstance(self.by, str) else list(self.by or ())
        if any(not isinstance(b, str) or not b for b in by):
            raise UsageError(f"by must name columns, got {self.by!r}")
        if self.invariance and self.invariance not in by:
            by.append(self.invariance)
        _set(self, "by", tuple(dict.fromkeys(by)))
        if self.lang not in LANGS:
            raise UsageError(f"unknown language '{self.lang}' (choose one of {', '.join(LANGS)})")
        if not 0 < self.confidence < 1:
            raise UsageError(f"confidence must be between 0 and 1, got {self.confidence}")
        for name in ("min_n", "chunk_size", "max_problems"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.boot < 0 or self.seed < 0:
            raise UsageError(f"boot and seed must be non-negative, got boot={self.boot}, seed={self.seed}")
        if self.complaints is not None and self.complaints < 0:
            raise UsageError(f"complaints must be non-negative, got {self.complaints}")
        for name, allowed in (("ipa_importance", IMPORTANCE), ("ipa_performance", PERFORMANCE),
                              ("ipa_crosshair", CROSSHAIRS), ("compare", COMPARE_METHODS), ("adjust", ADJUSTS)):
            if getattr(self, name) not in allowed:
                raise UsageError(f"{name} must be one of {', '.join(allowed)}, got '{getattr(self, name)}'")
        if self.period is not None and self.period not in PERIODS:
            raise UsageError(f"period must be one of {', '.join(PERIODS)}, got '{self.period}'")
        if self.period_column is not None and self.period is None:
            raise UsageError("period_column needs a period (month, quarter or wave)")
        if self.scale is not None:
            _set(self, "scale", _scale(self.scale))
        if not isinstance(self.mapping, Mapping):
            _set(self, "mapping", load_mapping(self.mapping))
        _set(self, "labels", _labels({**self.column_mapping.labels, **(self.labels or {})}))
        if self.economics is not None:
            from ..measures.economics import load_economics  # on use: it loads pydantic models

            _set(self, "economics", load_economics(self.economics))

    @classmethod
    def of(cls, options: AnalysisOptions | None = None, **changes: Any) -> AnalysisOptions:
        """``options`` (default: the defaults) with ``changes``; an unknown name is a
        UsageError listing the known ones."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise UsageError(f"unknown analysis option(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        return replace(options, **changes) if options is not None else cls(**changes)

    @property
    def column_mapping(self) -> Mapping:
        """The column mapping as read (``mapping`` may be given as a path)."""
        return cast(Mapping, self.mapping)  # made so in __post_init__

    def replace(self, **changes: Any) -> AnalysisOptions:
        """A copy with ``changes``, validated again."""
        return AnalysisOptions.of(self, **changes)

    def source(self, data: Any) -> Source:
        """``data`` opened as the analysis reads it: the ``sheet``, the column names on
        ``header_row``, the answers from ``first_row`` (:func:`servq.io.readers.source_of`)."""
        return source_of(data, self.sheet, header_row=self.header_row, first_row=self.first_row)


def _labels(given: dict) -> dict[str, dict[str, str]]:
    """Column labels as column → language → text; one text stands for every language."""
    out: dict[str, dict[str, str]] = {}
    for column, text in given.items():
        per_lang = dict.fromkeys(LANGS, text) if isinstance(text, str) else dict(text or {})
        unknown = sorted(set(per_lang) - set(LANGS))
        if not isinstance(column, str) or unknown or not all(isinstance(v, str) and v.strip() for v in per_lang.values()):
            raise UsageError(f"labels: {column!r} must map to a text or to texts per language ({', '.join(LANGS)}); "
                             f"got {text!r}")
        out[column] = {lang: value.strip() for lang, value in per_lang.items()}
    return out


def _scale(value: Any) -> tuple[int, int]:
    """(low, high) of ``"0:100"`` or a pair of whole numbers, low < high, at most 127 points."""
    parts = value.replace("–", ":").split(":") if isinstance(value, str) else list(value)
    try:
        low, high = (int(str(v).strip()) for v in parts)
    except (TypeError, ValueError):
        raise UsageError(f"scale must be MIN:MAX in whole numbers, such as 0:100 or 1:5; got {value!r}") from None
    if not low < high or high - low + 1 > 127:
        raise UsageError(f"scale must run from a lower to a higher whole number, at most 127 points; got {low}:{high}")
    return low, high


def _set(options: AnalysisOptions, name: str, value: Any) -> None:
    object.__setattr__(options, name, value)  # normalising a frozen dataclass once, in __post_init__
