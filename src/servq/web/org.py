"""The organisation tree, and what each user may see of it.

A unit manager sees their unit's subtree and nothing else; the restriction is a condition
in the query (:func:`visible_unit_ids`), not a hidden menu entry.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.models import Unit, User
from .accounts import audit
from .languages import Msg


def subtree(unit_id: int, name: str = "subtree") -> Select:
    """A SELECT of the ids of ``unit_id`` and all its descendants (recursive CTE ``name``;
    two in one query need different names)."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte(name, recursive=True)
    tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
    return select(tree.c.id)


def visible_unit_ids(user: User) -> Select | None:
    """The units ``user`` may see as a SELECT of ids, or None for all (administrators, analysts)."""
    if user.role == "unit_manager":
        return subtree(user.unit_id)
    return None


def visible_units(session: Session, user: User) -> list[Unit]:
    query = select(Unit).order_by(Unit.parent_id.is_not(None), Unit.parent_id, Unit.name)
    ids = visible_unit_ids(user)
    if ids is not None:
        query = query.where(Unit.id.in_(ids))
    return list(session.scalars(query))


def add_unit(session: Session, name: str, kind: str, parent_id: int | None, actor: User | None,
             labels: dict[str, str] | None = None) -> Unit:
    """A unit under ``parent_id`` (None: at the top), with its name in other languages."""
    name, kind = name.strip(), (kind.strip() or "unit")
    if not name:
        raise UsageError(Msg("msg.unit_needs_name"))
    if len(name) > 200 or len(kind) > 50:
        raise UsageError(Msg("msg.unit_name_long"))
    if parent_id is not None and session.get(Unit, parent_id) is None:
        raise UsageError(Msg("msg.no_unit_id", id=parent_id))
    unit = Unit(name=name, kind=kind, parent_id=parent_id, labels=labels)
    session.add(unit)
    session.flush()
    audit(session, actor, "unit.create", f"{kind} {name}", {"id": unit.id, "parent_id": parent_id})
    return unit


def tree_rows(units: list[Unit]) -> list[tuple[int, Unit]]:
    """(depth, unit) in depth-first order; units whose parent is not in ``units`` are roots."""
    ids = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    out: list[tuple[int, Unit]] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda u: u.name.lower()):
            out.append((depth, u))
            walk(u.id, depth + 1)

    walk(None, 0)
    return out
