"""Loading instruments: the built-in catalog and users' YAML files.

Every problem in a YAML file is reported with its line and path in one go
(:class:`~servq.errors.InstrumentError`), so ``servq instruments validate`` shows a user
everything to fix at once.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import InstrumentError, Problem, UsageError
from .schema import Instrument, semantic_problems

_CATALOG = "servq.instruments"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available: much faster
    """A safe loader that refuses a key given twice (PyYAML would keep the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"'{key}' is given twice (first on line {seen[key]})", key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


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
    text = str(name_or_path)
    if text in catalog_ids():
        return _load_builtin(text)
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise UsageError(f"instrument file not found: {path}")
        return parse_instrument(path.read_text(encoding="utf-8"), source=str(path))
    raise UsageError(
        f"unknown instrument '{text}': not a built-in instrument ({', '.join(catalog_ids())}) "
        "and not a YAML file"
    )


@cache
def _load_builtin(inst_id: str) -> Instrument:
    text = _catalog_dir().joinpath(f"{inst_id}.yaml").read_text(encoding="utf-8")
    return parse_instrument(text, source=f"catalog/{inst_id}.yaml")


def parse_instrument(text: str, source: str = "<instrument>") -> Instrument:
    """Parse and validate instrument YAML text; raise InstrumentError listing all problems."""
    try:
        raw = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise InstrumentError(
            f"{source} is not valid YAML", [Problem(str(reason), file=source, line=line)]
        ) from None
    if not isinstance(raw, dict):
        raise InstrumentError(
            f"{source} is not an instrument",
            [Problem("the file must be a mapping with id, name, scale, dimensions, items", file=source)],
        )
    found: list[tuple[tuple, str, str]] = []  # (location, shown path, message)
    inst = None
    try:
        inst = Instrument.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        found += [(tuple(e["loc"]), _path_text(tuple(e["loc"])), _pydantic_message(e)) for e in errors]
        if all(e["type"] == "extra_forbidden" for e in errors):
            # Only unknown fields: check the rest too, so one pass shows every problem.
            try:
                inst = Instrument.model_validate(_without(raw, [tuple(e["loc"]) for e in errors]))
            except ValidationError:
                inst = None
    if inst is not None:
        found += [(_path_loc(path), path, msg) for path, msg in semantic_problems(inst)]
    if found:
        lines = _lines(text)
        problems = [Problem(msg, file=source, line=_nearest_line(lines, loc), path=path)
                    for loc, path, msg in found]
        problems.sort(key=lambda p: (p.line or 0))
        raise InstrumentError(f"{source}: {len(problems)} problem(s) in the instrument", problems)
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


def _pydantic_message(err: dict) -> str:
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        return "unknown field (check its spelling)"
    if err["type"] == "missing":
        return "required field is missing"
    return f"{msg}" + (f", got {err['input']!r}" if err["type"] not in ("model_type",) and not isinstance(err.get("input"), (dict, list)) else "")


def _path_text(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _path_loc(path: str) -> tuple:
    loc: list = []
    for token in path.replace("[", ".[").split("."):
        if not token:
            continue
        if token.startswith("["):
            loc.append(int(token[1:-1]))
        else:
            loc.append(int(token) if token.lstrip("-").isdigit() else token)
    return tuple(loc)


def _lines(text: str) -> dict[tuple, int]:
    """Line numbers of every path in the document (composed only when reporting errors)."""
    return _line_index(yaml.compose(text, Loader=_Loader))


def _line_index(node) -> dict[tuple, int]:
    """Map every path in a composed YAML document to its 1-based line number."""
    index: dict[tuple, int] = {}

    def walk(n, loc: tuple) -> None:
        index[loc] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                k = key.value
                if isinstance(k, str) and k.lstrip("-").isdigit():
                    k_loc = loc + (int(k),)
                    index[loc + (k,)] = key.start_mark.line + 1
                else:
                    k_loc = loc + (k,)
                index[k_loc] = key.start_mark.line + 1
                walk(value, k_loc)
                index[k_loc] = key.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, child in enumerate(n.value):
                walk(child, loc + (i,))

    if node is not None:
        walk(node, ())
    return index


def _nearest_line(index: dict[tuple, int], loc: tuple) -> int | None:
    """Line of the deepest prefix of ``loc`` present in the file."""
    for end in range(len(loc), -1, -1):
        key = loc[:end]
        if key in index:
            return index[key]
        str_key = tuple(str(k) for k in key)
        if str_key in index:
            return index[str_key]
    return None
