"""Service standards: targets per dimension or outcome, read from a YAML file.

A standard names a measure (a dimension's gap or perception, the SERVQUAL score, an
outcome's mean or NPS) and a target such as ``">= -0.5"``; the scorecard marks every unit
pass, fail or not enough data against it (:mod:`servq.measures.scorecard`). The file::

    standards:
      - {measure: gap, dimension: reliability, target: ">= -0.5"}
      - {measure: nps, outcome: recommend, target: ">= 30"}
    min_n: 10        # units with fewer answers: not enough data
    basis: shrunk    # shrunk (default) | raw | interval

Every problem (bad YAML, unknown field, malformed target, a dimension, outcome or measure
the instrument does not have) is reported at once with its line
(:class:`~servq.errors.ProblemsError`).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import ProblemsError
from ..instruments import yamlfile
from ..instruments.schema import Instrument, Part
from .scores import DIFFERENCES
from .summarize import SCORE_KEYS

DIMENSION_MEASURES = SCORE_KEYS  # one value per dimension: expectation, perception, gap, ...
OVERALL_MEASURES = ("servqual", "servqual_weighted", "servperf")
OUTCOME_MEASURES = ("outcome", "nps")
MEASURES = (*DIMENSION_MEASURES, *OVERALL_MEASURES, *OUTCOME_MEASURES)
BASES = ("shrunk", "raw", "interval")
OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
_TARGET = re.compile(r"^\s*(>=|<=|>|<|≥|≤)\s*([+-]?(?:\d+\.?\d*|\.\d+))\s*$")


@dataclass(frozen=True)
class MeasureRef:
    """One scored measure: ``gap`` of ``reliability``, ``servqual``, ``nps`` of ``recommend``.

    Parameters
    ----------
    measure : str
        One of ``MEASURES``: a dimension measure (``gap``, ``perception``, ...), an overall
        score (``servqual``, ``servqual_weighted``, ``servperf``) or an outcome measure
        (``outcome``, ``nps``).
    dimension : str, optional
        The dimension of a dimension measure.
    outcome : str, optional
        The outcome of an outcome measure.

    References
    ----------
    Zeithaml, V. A., Parasuraman, A. & Berry, L. L. (1990). Delivering Quality Service:
    Balancing Customer Perceptions and Expectations. New York: Free Press (customer-defined
    service standards, the second gap).
    Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale
    for measuring consumer perceptions of service quality. Journal of Retailing 64(1), 12–40.

    Examples
    --------
    >>> MeasureRef("gap", dimension="reliability").key, MeasureRef("servqual").key
    ('gap:reliability', 'servqual')

    R: ``paste(c("gap", "reliability"), collapse = ":")`` (a name, no computation).
    """

    measure: str
    dimension: str | None = None
    outcome: str | None = None

    @property
    def key(self) -> str:
        """``gap:reliability``, ``servqual``, ``nps:recommend``: the measure's id in the results.

        Returns
        -------
        str
        """
        return ":".join(x for x in (self.measure, self.dimension, self.outcome) if x)


def measure_problems(ref: MeasureRef, inst: Instrument) -> list[str]:
    """Why ``ref`` cannot be scored with ``inst`` (empty when it can).

    Parameters
    ----------
    ref : MeasureRef
        The measure.
    inst : Instrument
        The instrument the answers follow.

    Returns
    -------
    list of str
        One message per problem: a part the instrument does not ask, a missing, unknown
        or superfluous dimension or outcome, a non-NPS outcome for ``nps``.

    References
    ----------
    Zeithaml, V. A., Parasuraman, A. & Berry, L. L. (1990). Delivering Quality Service:
    Balancing Customer Perceptions and Expectations. New York: Free Press (customer-defined
    service standards, the second gap).
    Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale
    for measuring consumer perceptions of service quality. Journal of Retailing 64(1), 12–40.

    Examples
    --------
    >>> from servq.instruments import load_instrument
    >>> inst = load_instrument("servqual")
    >>> measure_problems(MeasureRef("gap", "reliability"), inst)
    []
    >>> measure_problems(MeasureRef("msa", "empathy"), inst)
    ["measure 'msa' needs perception and adequate answers; instrument 'servqual' asks expectation, perception"]

    R: no figure; the check is ``all(c("perception", "adequate") %in% parts)``.
    """
    m, problems = ref.measure, []
    parts = {p.value for p in inst.parts}
    if m in DIMENSION_MEASURES:
        if m in DIFFERENCES:
            a, b = DIFFERENCES[m]
            if not {a.value, b.value} <= parts:
                problems.append(f"measure '{m}' needs {a.value} and {b.value} answers; instrument "
                                f"'{inst.id}' asks {', '.join(sorted(parts))}")
        elif m not in parts:
            problems.append(f"measure '{m}' is not asked by instrument '{inst.id}' (it asks {', '.join(sorted(parts))})")
        dims = [d.id for d in inst.dimensions]
        if ref.dimension is None:
            problems.append(f"measure '{m}' needs a dimension (one of {', '.join(dims)})")
        elif ref.dimension not in dims:
            problems.append(f"unknown dimension '{ref.dimension}' (instrument '{inst.id}' has {', '.join(dims)})")
    elif ref.dimension is not None:
        problems.append(f"measure '{m}' takes no dimension")
    if m in ("servqual", "servqual_weighted") and not inst.has_gap:
        problems.append(f"measure '{m}' needs expectation and perception answers; instrument '{inst.id}' has no gaps")
    if m == "servqual_weighted" and inst.importance is None:
        problems.append(f"measure '{m}' needs importance allocations, which instrument '{inst.id}' does not ask")
    if m == "servperf" and Part.perception not in inst.parts:
        problems.append(f"measure '{m}' needs perception answers, which instrument '{inst.id}' does not ask")
    if m in OUTCOME_MEASURES:
        outcomes = {o.id: o for o in inst.outcomes}
        known = ", ".join(outcomes) or "none"
        if ref.outcome is None:
            problems.append(f"measure '{m}' needs an outcome (one of {known})")
        elif ref.outcome not in outcomes:
            problems.append(f"unknown outcome '{ref.outcome}' (instrument '{inst.id}' has {known})")
        elif m == "nps" and outcomes[ref.outcome].kind != "nps":
            problems.append(f"outcome '{ref.outcome}' is not a 0-10 recommendation question (kind: nps)")
    elif ref.outcome is not None:
        problems.append(f"measure '{m}' takes no outcome")
    return problems


@dataclass(frozen=True)
class Target:
    """``>= -0.5``: a comparison operator and a number.

    Parameters
    ----------
    op : {">=", ">", "<=", "<"}
        The comparison.
    value : float
        The number compared with.

    References
    ----------
    Zeithaml, V. A., Parasuraman, A. & Berry, L. L. (1990). Delivering Quality Service:
    Balancing Customer Perceptions and Expectations. New York: Free Press (customer-defined
    service standards, the second gap).

    Examples
    --------
    >>> t = Target(">=", -0.5)
    >>> t.met(-0.3), t.met(-0.7), str(t)
    (True, False, '>= -0.5')

    R: ``match.fun(">=")(-0.3, -0.5)``, i.e. ``-0.3 >= -0.5``.
    """

    op: str
    value: float

    def met(self, x: float) -> bool:
        """Whether ``x`` meets the target (``x op value``).

        Parameters
        ----------
        x : float
            The measured value.

        Returns
        -------
        bool
            True when ``x op value`` holds.
        """
        return OPERATORS[self.op](x, self.value)

    def __str__(self) -> str:
        return f"{self.op} {self.value:g}"


def parse_target(text: object) -> Target:
    """``">= -0.5"`` -> Target(">=", -0.5); raises ValueError for anything else.

    Parameters
    ----------
    text : object
        The target as written: an operator (``>=``, ``>``, ``<=``, ``<``, ``≥``, ``≤``)
        and a number (a minus sign may be ``−``).

    Returns
    -------
    Target
        The operator (``≥`` and ``≤`` written ``>=``, ``<=``) and the number.

    Raises
    ------
    ValueError
        ``text`` is not such a comparison (or not a string).

    References
    ----------
    Zeithaml, V. A., Parasuraman, A. & Berry, L. L. (1990). Delivering Quality Service:
    Balancing Customer Perceptions and Expectations. New York: Free Press (customer-defined
    service standards, the second gap).

    Examples
    --------
    >>> parse_target(">= -0.5")
    Target(op='>=', value=-0.5)
    >>> parse_target("≤ 2")
    Target(op='<=', value=2.0)

    R: ``strsplit(">= -0.5", " ")[[1]]`` gives the same operator and number (as text;
    ``as.numeric`` the number).
    """
    match = _TARGET.match(str(text).replace("−", "-")) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"target must be a comparison such as '>= -0.5' or '< 2' (>=, >, <=, <), got {text!r}")
    op = {"≥": ">=", "≤": "<="}.get(match.group(1), match.group(1))
    return Target(op, float(match.group(2)))


class Standard(BaseModel):
    """One service standard: a measure and its target (one entry of the file's ``standards``).

    Parameters
    ----------
    measure : str
        One of ``MEASURES``.
    dimension : str, optional
        The dimension of a dimension measure.
    outcome : str, optional
        The outcome of an outcome measure.
    target : Target or str
        The target, e.g. ``">= -0.5"`` (:func:`parse_target`).
    label : str, optional
        A name for the report.

    Raises
    ------
    pydantic.ValidationError
        An unknown measure or field, or a malformed target.

    References
    ----------
    Zeithaml, V. A., Parasuraman, A. & Berry, L. L. (1990). Delivering Quality Service:
    Balancing Customer Perceptions and Expectations. New York: Free Press (customer-defined
    service standards, the second gap).

    Examples
    --------
    >>> s = Standard(measure="gap", dimension="empathy", target=">= -1")
    >>> s.target, s.ref.key
    (Target(op='>=', value=-1.0), 'gap:empathy')

    R: ``list(measure = "gap", dimension = "empathy", target = ">= -1")`` (a record; the
    scorecard compares, ``gap_empathy >= -1``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: Literal[MEASURES]  # type: ignore[valid-type]
    dimension: str | None = None
    outcome: str | None = None
    target: Target
    label: str | None = None

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, value: object) -> Target:
        return value if isinstance(value, Target) else parse_target(value)

    @property
    def ref(self) -> MeasureRef:
        """The standard's measure (measure, dimension, outcome).

        Returns
        -------
        MeasureRef
        """
        return MeasureRef(self.measure, self.dimension, self.outcome)


class Standards(BaseModel):
    """The standards file: a list of standards, the minimum answers, the basis of the verdict.

    Parameters
    ----------
    standards : list of Standard
        At least one standard.
    min_n : int, optional
        Units with fewer answers are *not enough data* (default 10).
    basis : {"shrunk", "raw", "interval"}
        What the verdict compares with the target (default ``"shrunk"``).

    Raises
    ------
    pydantic.ValidationError
        No standards, an unknown field or a value out of range.

    References
    ----------
    Zeithaml, V. A., Parasuraman, A. & Berry, L. L. (1990). Delivering Quality Service:
    Balancing Customer Perceptions and Expectations. New York: Free Press (customer-defined
    service standards, the second gap).

    Examples
    --------
    >>> s = Standards(standards=[{"measure": "nps", "outcome": "recommend", "target": ">= 30"}])
    >>> s.min_n, s.basis, str(s.standards[0].target)
    (10, 'shrunk', '>= 30')

    R: ``yaml::yaml.load(text)`` reads the same list (without the checks).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    standards: list[Standard] = Field(min_length=1)
    min_n: int = Field(10, ge=1)
    basis: Literal[BASES] = "shrunk"  # type: ignore[valid-type]


def load_standards(path: str | Path, inst: Instrument) -> Standards:
    """Read and check a standards YAML file against the instrument.

    Parameters
    ----------
    path : str or Path
        The YAML file.
    inst : Instrument
        The instrument the standards refer to.

    Returns
    -------
    Standards
        The checked standards.

    Raises
    ------
    UsageError
        The file does not exist.
    ProblemsError
        Every problem in the file, each with its line.

    References
    ----------
    Zeithaml, V. A., Parasuraman, A. & Berry, L. L. (1990). Delivering Quality Service:
    Balancing Customer Perceptions and Expectations. New York: Free Press (customer-defined
    service standards, the second gap).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from servq.instruments import load_instrument
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "standards.yaml"
    ...     _ = path.write_text("standards: [{measure: nps, outcome: recommend, target: '>= 30'}]\\nmin_n: 20\\n")
    ...     s = load_standards(path, load_instrument("servqual"))
    >>> s.standards[0].ref.key, s.min_n
    ('nps:recommend', 20)

    R: ``yaml::read_yaml(path)`` reads the same values (without the checks).
    """
    return parse_standards(yamlfile.read(path, "standards"), inst, source=str(path))


def parse_standards(text: str, inst: Instrument, source: str = "<standards>") -> Standards:
    """Parse standards YAML text and check it against an instrument.

    Parse standards YAML text and check it against ``inst``; raise ProblemsError listing
    every problem with its line.

    Parameters
    ----------
    text : str
        The YAML text: ``standards`` (and optionally ``min_n``, ``basis``).
    inst : Instrument
        The instrument the standards refer to.
    source : str, optional
        The file name the problems name.

    Returns
    -------
    Standards
        The checked standards.

    Raises
    ------
    ProblemsError
        Every problem (bad YAML, unknown field or measure, malformed target, a dimension,
        outcome or part the instrument does not have), each with its line.

    References
    ----------
    Zeithaml, V. A., Parasuraman, A. & Berry, L. L. (1990). Delivering Quality Service:
    Balancing Customer Perceptions and Expectations. New York: Free Press (customer-defined
    service standards, the second gap).

    Examples
    --------
    >>> from servq.instruments import load_instrument
    >>> s = parse_standards("standards: [{measure: gap, dimension: empathy, target: '>= -1'}]",
    ...                     load_instrument("servqual"))
    >>> s.standards[0].ref.key, str(s.standards[0].target), s.min_n, s.basis
    ('gap:empathy', '>= -1', 10, 'shrunk')

    R: ``yaml::yaml.load(text)`` reads the same entries (without the checks).
    """
    raw = yamlfile.load(text, source, ProblemsError)
    yamlfile.require_mapping(raw, source, ProblemsError, "a standards file",
                             "the file must be a mapping with a 'standards' list (and optionally min_n, basis)")
    found: list[yamlfile.Found] = []
    parsed = None
    try:
        parsed = Standards.model_validate(raw)
    except ValidationError as exc:
        found += yamlfile.validation_found(exc, message=_message)
    entries = raw.get("standards") if isinstance(raw.get("standards"), list) else []
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("measure") in MEASURES:
            ref = MeasureRef(entry["measure"], _text(entry.get("dimension")), _text(entry.get("outcome")))
            found += [(("standards", i), f"standards[{i}]", msg) for msg in measure_problems(ref, inst)]
    yamlfile.check(found, text, source, ProblemsError, "the service standards")
    return cast(Standards, parsed)  # check() raised unless the model validated


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _message(err: dict) -> str:
    if err["type"] == "literal_error" and err["loc"][-1:] == ("measure",):
        return f"unknown measure {err['input']!r} (choose one of {', '.join(MEASURES)})"
    if err["type"] == "value_error":
        return str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
    return yamlfile.pydantic_message(err)


__all__ = ["BASES", "MEASURES", "MeasureRef", "Standard", "Standards", "Target", "load_standards",
           "measure_problems", "parse_standards", "parse_target"]
