"""The evaluation index system schema: grades, and a tree of criteria whose leaves are
indicators (data columns).

A system is read from YAML (see ``catalog/*.yaml`` and docs/index-systems.md) and checked
in two steps, as instruments are: pydantic checks the structure, then
:func:`semantic_problems` checks what the structure cannot say (ids unique, every answer
code in exactly one grade, weights summing to 1 or 100, AHP matrices of the right size,
reciprocal and consistent). Both report every problem with its path, so a user fixes a
file in one pass.

Weights of a criterion's children are given in one of two ways:

- ``weights:`` a mapping child id -> weight, summing to 1 (±0.001) or to 100 (±0.1, read
  as percent); rescaled to sum exactly 1;
- ``ahp:`` Saaty pairwise judgements over the children in their order, either
  ``matrix:`` (the full reciprocal matrix) or ``upper:`` (the judgements above the
  diagonal, row by row); a judgement may be written ``1/3``. The weights are the principal
  eigenvector; CR ≥ .10 is refused, naming the most inconsistent judgement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..instruments.schema import SLUG, Text
from ..stats.ahp import CR_THRESHOLD, AHPError, AHPResult, ahp, reciprocal_matrix

Judgement = Union[float, str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _text(value: Text | str) -> Text:
    return Text(en=value, sv=value, zh=value) if isinstance(value, str) else value


class Scale(_Strict):
    """The answer codes: whole numbers ``min``..``max``; ``missing`` codes (e.g. 0 = don't
    know) are read as no answer. A reverse-keyed indicator is scored ``min + max − x``."""

    min: int = 1
    max: int = 5
    missing: list[float] = Field(default_factory=list)


class Grade(_Strict):
    """A comment grade (评语等级): its name, its value for the score, and the answer codes
    (after reverse keying) that fall in it."""

    id: str = Field(pattern=SLUG)
    label: Text | str
    value: float
    answers: list[int] = Field(min_length=1)

    def text(self, lang: str) -> str:
        return _text(self.label).get(lang)


class AHPJudgements(_Strict):
    """Pairwise judgements over a criterion's children, in the children's order."""

    matrix: list[list[Judgement]] | None = None
    upper: list[Judgement] | None = None


class Node(_Strict):
    """A criterion (with ``children`` and ``weights`` or ``ahp``) or an indicator (a leaf
    with ``column``, optionally ``reverse: true``)."""

    id: str = Field(pattern=SLUG)
    label: Text | str
    description: Text | str | None = None
    children: list[Node] | None = None
    weights: dict[str, float] | None = None
    ahp: AHPJudgements | None = None
    column: str | None = None
    reverse: bool = False

    @field_validator("column")
    @classmethod
    def _column_named(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("column must name a data column")
        return v

    @property
    def leaf(self) -> bool:
        return self.column is not None

    def text(self, lang: str) -> str:
        return _text(self.label).get(lang)


class System(_Strict):
    """An evaluation index system."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str = "1"
    name: Text | str
    description: Text | str | None = None
    reference: str | None = None
    scale: Scale = Field(default_factory=Scale)
    grades: list[Grade] = Field(min_length=2)
    criteria: Node

    def title(self, lang: str) -> str:
        return _text(self.name).get(lang)

    def nodes(self) -> Iterator[tuple[str, Node]]:
        """Every node, depth-first from the root, with its path in the file
        (``criteria.children[0]...``)."""
        def walk(node: Node, where: str):
            yield where, node
            for i, child in enumerate(node.children or []):
                yield from walk(child, f"{where}.children[{i}]")
        yield from walk(self.criteria, "criteria")

    def indicators(self) -> list[Node]:
        """The leaves, in tree order."""
        return [n for _, n in self.nodes() if n.leaf]

    def grade_lookup(self) -> np.ndarray:
        """Grade index of every answer code min..max (−1 where a code has no grade)."""
        lookup = np.full(self.scale.max - self.scale.min + 1, -1, dtype=np.int64)
        for j, g in enumerate(self.grades):
            for a in g.answers:
                if self.scale.min <= a <= self.scale.max:
                    lookup[a - self.scale.min] = j
        return lookup


@dataclass(frozen=True)
class Weights:
    """A criterion's local weights over its children (in order), and its AHP diagnostics
    when they come from pairwise judgements."""

    values: tuple[float, ...]
    ahp: AHPResult | None = None


def judgement_value(value: Judgement) -> float:
    """A judgement as a number: ``3``, ``0.2`` or ``"1/5"``.

    >>> judgement_value("1/3") == 1 / 3, judgement_value(5)
    (True, 5.0)
    """
    if isinstance(value, str):
        try:
            return float(Fraction(value.replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            raise AHPError(f"judgement {value!r} is not a number or a fraction like 1/3") from None
    return float(value)


def node_weights(node: Node, where: str = "criteria") -> Weights:
    """The local weights of a criterion's children; raises AHPError (message naming the
    judgement) or ValueError for weights that cannot be used."""
    ids = [c.id for c in node.children or []]
    if node.weights is not None:
        w = np.array([node.weights[i] for i in ids], dtype=float)
        return Weights(tuple(float(x) for x in w / w.sum()))
    j = node.ahp
    if j.matrix is not None:
        matrix = [[judgement_value(v) for v in row] for row in j.matrix]
        if len(matrix) != len(ids) or any(len(r) != len(ids) for r in matrix):
            raise AHPError(f"the matrix must be {len(ids)} × {len(ids)}, one row and column "
                           f"per child ({', '.join(ids)})")
    else:
        matrix = reciprocal_matrix([judgement_value(v) for v in j.upper], len(ids))
    result = ahp(matrix, labels=ids)
    if not result.consistent:
        mi = result.most_inconsistent
        raise AHPError(f"the pairwise judgements are inconsistent: CR = {result.cr:.3f} ≥ "
                       f"{CR_THRESHOLD:.2f}; most inconsistent judgement {mi.row} vs "
                       f"{mi.column}: given {mi.given:.4g}, the weights imply {mi.implied:.4g}")
    return Weights(tuple(float(x) for x in result.weights), result)


def semantic_problems(system: System) -> list[tuple[str, str]]:
    """(path, message) for every problem pydantic cannot see."""
    out: list[tuple[str, str]] = []
    sc = system.scale
    if sc.max <= sc.min:
        out.append(("scale.max", f"max ({sc.max}) must be above min ({sc.min})"))
        return out
    seen_grade: dict[int, str] = {}
    grade_ids: set[str] = set()
    for j, g in enumerate(system.grades):
        if g.id in grade_ids:
            out.append((f"grades[{j}].id", f"grade id '{g.id}' is used twice"))
        grade_ids.add(g.id)
        for k, a in enumerate(g.answers):
            if not sc.min <= a <= sc.max:
                out.append((f"grades[{j}].answers[{k}]",
                            f"answer {a} is outside the scale {sc.min}-{sc.max}"))
            elif a in seen_grade:
                out.append((f"grades[{j}].answers[{k}]",
                            f"answer {a} is already in grade '{seen_grade[a]}'"))
            else:
                seen_grade[a] = g.id
    unassigned = [a for a in range(sc.min, sc.max + 1) if a not in seen_grade]
    if unassigned:
        out.append(("grades", f"answer(s) {', '.join(map(str, unassigned))} of the scale "
                              f"{sc.min}-{sc.max} are in no grade"))
    ids: dict[str, str] = {}
    columns: dict[str, str] = {}
    for where, node in system.nodes():
        if node.id in ids:
            out.append((f"{where}.id", f"id '{node.id}' is already used at {ids[node.id]}"))
        ids.setdefault(node.id, where)
        out += _node_problems(node, where, columns)
    return out


def _node_problems(node: Node, where: str, columns: dict[str, str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if node.leaf:
        extra = [k for k in ("children", "weights", "ahp") if getattr(node, k) is not None]
        if extra:
            out.append((f"{where}.{extra[0]}", f"an indicator (with a column) cannot have "
                                               f"{extra[0]}"))
        if node.column in columns:
            out.append((f"{where}.column", f"column '{node.column}' is already the indicator "
                                           f"at {columns[node.column]}"))
        columns.setdefault(node.column, where)
        return out
    if node.reverse:
        out.append((f"{where}.reverse", "only an indicator (with a column) can be reverse-keyed"))
    if not node.children:
        out.append((where, f"'{node.id}' needs children (a criterion) or a column (an "
                           f"indicator)"))
        return out
    if (node.weights is None) == (node.ahp is None):
        out.append((where, f"criterion '{node.id}' needs exactly one of weights: or ahp:"))
        return out
    ids = [c.id for c in node.children]
    if node.weights is not None:
        keys = list(node.weights)
        if sorted(keys) != sorted(ids):
            out.append((f"{where}.weights", f"weights are given for {', '.join(keys)} but the "
                                             f"children are {', '.join(ids)}"))
            return out
        w = np.array(list(node.weights.values()), dtype=float)
        if np.any(w < 0) or not np.all(np.isfinite(w)):
            out.append((f"{where}.weights", "weights must be non-negative numbers"))
        elif not (abs(w.sum() - 1) <= 1e-3 or abs(w.sum() - 100) <= 0.1):
            out.append((f"{where}.weights", f"weights sum to {w.sum():g}; they must sum to 1 "
                                             f"(or to 100 as percent)"))
        return out
    if (node.ahp.matrix is None) == (node.ahp.upper is None):
        out.append((f"{where}.ahp", "give exactly one of matrix: or upper:"))
        return out
    try:
        node_weights(node, where)
    except AHPError as exc:
        out.append((f"{where}.ahp.{'matrix' if node.ahp.matrix is not None else 'upper'}",
                    f"criterion '{node.id}': {exc}"))
    return out


Node.model_rebuild()
