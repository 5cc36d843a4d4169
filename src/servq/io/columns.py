"""Which column of a response file holds which answer.

The convention (DESIGN.md): ``E1…`` expectation, ``P1…`` perception, ``A1…`` adequate,
``D1…`` desired, ``S1…`` the specific-errand level, ``C1…`` the main competitor, matched
case-insensitively with an optional separator and leading zeros (``E01``, ``e_1``);
``W_<dimension>`` an importance allocation; outcome columns by the outcome id;
``respondent_id`` the respondent; every other column is a segment. A mapping file renames
columns of any other layout first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import DataError, Problem, UsageError
from ..instruments import yamlfile
from ..instruments.schema import PART_PREFIX, Instrument, Part

ID_COLUMN = "respondent_id"
_ANSWER = re.compile(r"^([EPADSC])[ _\-.]?0*(\d+)$", re.IGNORECASE)
_WEIGHT = re.compile(r"^W[ _\-.](.+)$", re.IGNORECASE)
_KANO = re.compile(r"^K([FD])[ _\-.](.+)$", re.IGNORECASE)  # KF_<feature> functional, KD_ dysfunctional
_PREFIX_PART = {v: k for k, v in PART_PREFIX.items()}
# white space (no-break spaces too) and the invisible characters survey tools and Excel leave around names
_PADDING = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")


def visible(name: str) -> str:
    """A column name as it shows: ``"E1\u00a0"`` and ``"\ufeffE1 "`` are ``"E1"``."""
    return _PADDING.sub("", name)


class Mapping(BaseModel):
    """A mapping file (YAML) for layouts that do not follow the column convention.

    ``columns`` renames source columns to servq names (``Q1_exp: E1``); ``respondent_id``
    names the id column; ``missing`` lists extra codes read as missing (e.g. ``99``);
    ``values`` recodes answer text to scale points (``"Strongly agree": 7``); ``labels``
    names grouping columns for the report, one text or one per language
    (``branch: {en: Office, sv: Kontor, zh: 营业厅}``).
    """

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] = Field(default_factory=dict)
    respondent_id: str | None = None
    missing: list[str | int | float] = Field(default_factory=list)
    values: dict[str, float] = Field(default_factory=dict)
    labels: dict[str, str | dict[Literal["en", "sv", "zh"], str]] = Field(default_factory=dict)


def load_mapping(path: str | Path | None) -> Mapping:
    if path is None:
        return Mapping()
    raw = yamlfile.load(yamlfile.read(path, "mapping"), str(path), DataError) or {}
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        problems = [Problem(e["msg"], file=str(path), path=".".join(map(str, e["loc"]))) for e in exc.errors()]
        raise DataError(f"{path}: not a valid mapping file", problems) from None


@dataclass
class Layout:
    """Where each answer is: source column names by role."""

    answers: dict[tuple[Part, int], str] = field(default_factory=dict)
    weights: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, list[str]] = field(default_factory=dict)  # outcome id -> its columns, in item order
    kano: dict[tuple[str, str], str] = field(default_factory=dict)  # ("F" | "D", feature id) -> column
    respondent_id: str | None = None
    segments: dict[str, str] = field(default_factory=dict)  # name (after mapping) -> source column
    ignored: list[str] = field(default_factory=list)

    def numeric_columns(self) -> list[str]:
        return [*self.answers.values(), *self.weights.values(), *(c for cols in self.outcomes.values() for c in cols),
                *self.kano.values()]


def resolve_layout(instrument: Instrument, header: list[str], mapping: Mapping, file: str) -> Layout:
    """Assign every column a role; raise DataError naming missing or clashing columns."""
    renames = {visible(src): new for src, new in mapping.columns.items()}
    renamed = {src: visible(renames.get(visible(src), src)) for src in header}
    shown = {visible(src) for src in header}
    unknown = [c for c in mapping.columns if visible(c) not in shown]
    problems = [Problem("mapping names a column that is not in the file", file=file, column=c) for c in unknown]

    layout = Layout()
    item_ids = {it.id for it in instrument.items}
    dims = {d.id.lower(): d.id for d in instrument.dimensions}
    outcomes = {col.lower(): (o.id, k) for o in instrument.outcomes for k, col in enumerate(o.columns)}
    features = [f.id for f in instrument.kano.features] if instrument.kano is not None else []
    id_col = mapping.respondent_id
    if id_col is not None and visible(id_col) not in shown:
        problems.append(Problem("respondent_id column named in the mapping is not in the file", file=file, column=id_col))
    claimed: dict[object, str] = {}

    def claim(key: object, src: str) -> bool:
        if key in claimed:
            problems.append(Problem(f"two columns hold the same answer: '{claimed[key]}' and '{src}'",
                                    file=file, row=1, column=src))
            return False
        claimed[key] = src
        return True

    for src in header:
        name = renamed[src]
        if (id_col is not None and visible(src) == visible(id_col)) or (id_col is None and name.lower() == ID_COLUMN):
            layout.respondent_id = src
            continue
        m = _ANSWER.match(name)
        if m:
            part, item = _PREFIX_PART[m.group(1).upper()], int(m.group(2))
            if part in instrument.parts and item in item_ids:
                if claim((part, item), src):
                    layout.answers[(part, item)] = src
            else:
                layout.ignored.append(src)
            continue
        m = _WEIGHT.match(name)
        if m and instrument.importance is not None and m.group(1).lower() in dims:
            dim = dims[m.group(1).lower()]
            if claim(("W", dim), src):
                layout.weights[dim] = src
            continue
        m = _KANO.match(name)
        if m and instrument.kano is not None:
            key = (m.group(1).upper(), m.group(2).lower())
            if key[1] not in features:
                layout.ignored.append(src)
            elif claim(("K", *key), src):
                layout.kano[key] = src
            continue
        if name.lower() in outcomes:
            out, k = outcomes[name.lower()]
            if claim(("O", out, k), src):
                layout.outcomes.setdefault(out, []).append(src)
            continue
        layout.segments[name] = src

    missing = [f"{p.prefix}{it.id}" for p in instrument.parts for it in instrument.items if (p, it.id) not in layout.answers]
    missing += [f"K{side}_{f}" for side in "FD" for f in features if (side, f) not in layout.kano]
    if missing:
        hint = ""
        present = {p for p, _ in layout.answers}
        if not present:
            hint = " — no answer columns found at all; is this the right instrument, or is a mapping file needed?"
        problems.append(Problem(
            f"{len(missing)} required answer column(s) missing for instrument '{instrument.id}': "
            f"{_ranges(missing)}{hint}", file=file, row=1))
    for o in instrument.outcomes:  # a multi-item outcome is there whole or not at all
        found = {c.lower() for c in (renamed[src] for src in layout.outcomes.get(o.id, []))}
        absent = [c for c in o.columns if c.lower() not in found]
        if found and absent:
            problems.append(Problem(f"outcome '{o.id}' is measured by {', '.join(o.columns)}; missing "
                                    f"{', '.join(absent)}", file=file, row=1))
    if layout.weights and len(layout.weights) != len(instrument.dimensions):
        absent = [f"W_{d.id}" for d in instrument.dimensions if d.id not in layout.weights]
        problems.append(Problem(f"importance allocation incomplete: missing {', '.join(absent)}", file=file, row=1))
    if problems:
        raise DataError(f"{file}: the columns do not match instrument '{instrument.id}'", problems)
    return layout


def _ranges(names: list[str]) -> str:
    """Shorten E1, E2, E3, P5 to 'E1-E3, P5' (names not letter + number, such as
    KF_queue, stay as they are)."""
    out: list[str] = []
    run: list[tuple[str, int]] = []

    def flush():
        if run:
            (p, a), (_, b) = run[0], run[-1]
            out.append(f"{p}{a}" if a == b else f"{p}{a}-{p}{b}")

    for name in names:
        if not name[1:].isdigit():
            flush()
            run = []
            out.append(name)
            continue
        p, n = name[0], int(name[1:])
        if run and run[-1][0] == p and run[-1][1] == n - 1:
            run.append((p, n))
        else:
            flush()
            run = [(p, n)]
    flush()
    return ", ".join(out)


def resolve_by(layout: Layout, by: list[str], file: str) -> dict[str, str]:
    """Segment name -> source column for the ``--by`` names (case-insensitive); ``a,b`` is
    ``a`` and ``b`` unless the file has a column of that name."""
    out: dict[str, str] = {}
    lower = {c.lower(): c for c in layout.segments}

    def known(name: str) -> str | None:
        return name if name in layout.segments else lower.get(name.lower())

    names = [part.strip() for name in by
             for part in (name.split(",") if known(name) is None and "," in name else [name]) if part.strip()]
    for name in names:
        key = known(name)
        if key is None:
            avail = ", ".join(layout.segments) or "none"
            raise UsageError(f"{file}: no segment column '{name}' (segment columns: {avail})")
        out[key] = layout.segments[key]
    return out
