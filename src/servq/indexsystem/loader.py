"""Loading evaluation index systems: the built-in catalog and users' YAML files.

Every problem in a file is reported at once with its line and path
(:class:`IndexSystemError`), through :mod:`servq.instruments.yamlfile`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from ..errors import InstrumentError
from ..instruments import yamlfile
from .schema import System, semantic_problems

_PACKAGE = "servq.indexsystem"


class IndexSystemError(InstrumentError):
    """An evaluation index system (YAML) is invalid; ``problems`` lists every problem."""


def _catalog_dir():
    return resources.files(_PACKAGE).joinpath("catalog")


def builtin_systems() -> list[str]:
    """Ids of the built-in index systems.

    >>> builtin_systems()
    ['customer-delivered-value', 'telecom-enterprise']
    """
    return sorted(p.name[: -len(".yaml")] for p in _catalog_dir().iterdir()
                  if p.name.endswith(".yaml"))


def load_system(name_or_path: str | Path | System) -> System:
    """A built-in system by id (see :func:`builtin_systems`) or one from a YAML file.

    Raises
    ------
    UsageError
        Neither a built-in id nor an existing file.
    IndexSystemError
        The file is not a valid system; ``problems`` lists every problem with its line.

    >>> load_system("telecom-enterprise").title("zh")
    '电信集团客户服务质量感知评价体系'
    """
    return system_and_source(name_or_path)[0]


def system_and_source(name_or_path: str | Path | System) -> tuple[System, str]:
    """:func:`load_system` and where the system came from (for messages and reports)."""
    if isinstance(name_or_path, System):
        return name_or_path, f"<{name_or_path.id}>"
    found = yamlfile.builtin_or_path(name_or_path, builtin_systems(), "index system")
    if isinstance(found, str):
        return _builtin(found), f"catalog/{found}.yaml"
    return parse_system(yamlfile.read(found, "index system"), source=str(found)), str(found)


@cache
def _builtin(system_id: str) -> System:
    text = _catalog_dir().joinpath(f"{system_id}.yaml").read_text(encoding="utf-8")
    return parse_system(text, source=f"catalog/{system_id}.yaml")


def parse_system(text: str, source: str = "<system>") -> System:
    """Parse and validate index-system YAML; raise IndexSystemError listing all problems."""
    raw = yamlfile.load(text, source, IndexSystemError)
    yamlfile.require_mapping(raw, source, IndexSystemError, "an index system",
                             "the file must be a mapping with id, name, grades and criteria")
    found: list[yamlfile.Found] = []
    system = None
    try:
        system = System.model_validate(raw)
    except ValidationError as exc:
        found += yamlfile.validation_found(exc, _useful(exc.errors()))
    if system is not None:
        found += yamlfile.semantic_found(semantic_problems(system))
    yamlfile.check(found, text, source, IndexSystemError, "the index system")
    return system


_BRANCHES = ("Text", "str", "float", "int", "function-after[_column_named(), str]")


def _useful(errors: list[dict]) -> list[dict]:
    """Pydantic reports a field typed ``Text | str`` or ``float | str`` once per
    alternative; keep one message per location, and drop the union branch names from it."""
    out, seen = [], set()
    cleaned = [{**e, "loc": tuple(p for p in e["loc"] if p not in _BRANCHES)} for e in errors]
    deeper = {e["loc"][:k] for e in cleaned for k in range(len(e["loc"]))}
    for e in cleaned:
        if e["type"] == "string_type" and e["loc"] in deeper:
            continue  # the plain-string branch of a Text | str field given as a mapping
        if e["type"] == "model_type" and any(o["loc"] == e["loc"] and o is not e for o in cleaned):
            continue  # the mapping branch of a Text | str field given as, say, a number
        if e["loc"] in seen:
            continue
        seen.add(e["loc"])
        out.append(e)
    return out
