"""Loading instruments: the built-in catalog and users' YAML files.

Every problem in a YAML file is reported with its line and path in one go
(:class:`~servq.errors.InstrumentError`), so ``servq instruments validate`` shows a user
everything to fix at once.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from ..errors import InstrumentError, UsageError
from . import yamlfile
from .schema import Instrument, semantic_problems

_CATALOG = "servq.instruments"


def _catalog_dir():
    return resources.files(_CATALOG).joinpath("catalog")


def catalog_ids() -> list[str]:
    """Ids of the built-in instruments, in catalog order."""
    names = [p.name for p in _catalog_dir().iterdir() if p.name.endswith(".yaml")]
    return sorted(n[: -len(".yaml")] for n in names)


def list_instruments() -> list[Instrument]:
    """All built-in instruments."""
    return [load_instrument(i) for i in catalog_ids()]


def load_instrument(name_or_path: str | Path | Instrument) -> Instrument:
    """A built-in instrument by id (``"servqual"``) or one from a YAML file path.

    Raises
    ------
    UsageError
        Neither a catalog id nor an existing file.
    InstrumentError
        The file is not a valid instrument; ``problems`` lists every problem found.
    """
    if isinstance(name_or_path, Instrument):
        return name_or_path
    found = yamlfile.builtin_or_path(name_or_path, catalog_ids(), "instrument")
    if isinstance(found, str):
        return _load_builtin(found)
    return parse_instrument(yamlfile.read(found, "instrument"), source=str(found))


def instrument_yaml(inst_id: str) -> str:
    """The YAML text of a built-in instrument, with a first line saying where it comes from
    (the start of a questionnaire of one's own: ``servq instruments export``).

    Raises
    ------
    UsageError
        Not a catalog id.
    """
    if inst_id not in catalog_ids():
        raise UsageError(f"unknown built-in instrument '{inst_id}' (choose one of: {', '.join(catalog_ids())})")
    text = _catalog_dir().joinpath(f"{inst_id}.yaml").read_text(encoding="utf-8")
    return (f"# Exported from servq's built-in instrument '{inst_id}': give it an id of its own before "
            "changing it.\n" + text)


@cache
def _load_builtin(inst_id: str) -> Instrument:
    text = _catalog_dir().joinpath(f"{inst_id}.yaml").read_text(encoding="utf-8")
    return parse_instrument(text, source=f"catalog/{inst_id}.yaml")


def parse_instrument(text: str, source: str = "<instrument>") -> Instrument:
    """Parse and validate instrument YAML text; raise InstrumentError listing all problems."""
    raw = yamlfile.load(text, source, InstrumentError)
    yamlfile.require_mapping(raw, source, InstrumentError, "an instrument",
                             "the file must be a mapping with id, name, scale, dimensions, items")
    found: list[yamlfile.Found] = []
    inst = None
    try:
        inst = Instrument.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        found += yamlfile.validation_found(exc)
        if all(e["type"] == "extra_forbidden" for e in errors):
            # Only unknown fields: check the rest too, so one pass shows every problem.
            try:
                inst = Instrument.model_validate(_without(raw, [tuple(e["loc"]) for e in errors]))
            except ValidationError:
                inst = None
    if inst is not None:
        found += yamlfile.semantic_found(semantic_problems(inst))
    yamlfile.check(found, text, source, InstrumentError, "the instrument")
    return inst


def _without(raw, locations: list[tuple]):
    """A deep copy of ``raw`` without the keys at ``locations``."""
    import copy

    out = copy.deepcopy(raw)
    for loc in locations:
        node = out
        for key in loc[:-1]:
            node = node[key]
        node.pop(loc[-1], None)
    return out
