"""Reading the YAML files users write (instruments, service standards, economics
parameters, index systems, SLA calendars, mapping files) so that every problem is reported
at once, each with its line. Every YAML servq reads goes through :func:`load`.

:func:`load` parses (a key given twice is refused, PyYAML would keep the last silently);
:func:`check` turns pydantic's errors and a file's own semantic problems into
:class:`~servq.errors.Problem` objects with line numbers and raises them together.

YAML is bounded before it is built: a text is at most :data:`MAX_BYTES`, nested at most
:data:`MAX_DEPTH` deep, and aliases (``*name``) are refused while the text is parsed, so a
"billion laughs" document of a few hundred bytes costs nothing instead of gigabytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import Problem, ProblemsError, UsageError

Found = tuple[tuple, str, str]  # (location in the document, path as shown, message)

MAX_BYTES = 2_000_000
"""The largest YAML text read, in bytes (the files users write are a few kB)."""
MAX_DEPTH = 50
"""The deepest nesting of lists and mappings (instruments need about five levels)."""


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available: much faster
    """A safe loader that refuses a key given twice."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"'{key}' is given twice (first on line {seen[key]})", key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)

    def construct_checked_timestamp(self, node):
        """A date or time; an impossible one (2026-13-01) is a problem on its line, not a crash."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(None, None, f"'{node.value}' is not a valid date or time ({exc})",
                                                    node.start_mark) from None


Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_checked_timestamp)


def read(path: str | Path, what: str) -> str:
    """The text of a user's YAML file; a UsageError naming ``what`` when there is none."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{what} file not found: {path}")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise UsageError(f"{path}: {_too_large(size)}")
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UsageError(f"{path}, line {line}: not UTF-8 text (byte {exc.start + 1} is {data[exc.start:exc.start + 1]!r}): "
                         f"{what} files are YAML text; save this one as UTF-8") from None


def _too_large(size: int) -> str:
    return f"the file is {size:,} bytes; a YAML file may be at most {MAX_BYTES:,} bytes"


def builtin_or_path(name: str | Path, builtin: Sequence[str], what: str) -> str | Path:
    """``name`` as a built-in id (a str) or as the path of a YAML file (a Path); a
    UsageError listing the built-in ones when it is neither."""
    text = str(name)
    if text in builtin:
        return text
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        return path
    raise UsageError(f"unknown {what} '{text}': not a built-in {what} ({', '.join(builtin)}) and not a YAML file")


def load(text: str, source: str, error: type[ProblemsError]):
    """The document in ``text``; ``error`` naming the line when it is not valid YAML.

    Raises ``error`` too when ``text`` is larger than :data:`MAX_BYTES`, nests deeper than
    :data:`MAX_DEPTH` or uses an alias (see :func:`check_events`).
    """
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise error(f"{source} is too large", [Problem(_too_large(size), file=source)])
    try:
        check_events(text, source, error)
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = str(getattr(exc, "problem", None) or exc)
        raise error(f"{source} is not valid YAML",
                    [Problem(reason, file=source, line=None if mark is None else mark.line + 1)],
                    hint=_yaml_hint(reason)) from None


_YAML_HINTS = {  # PyYAML's words -> what usually causes them
    "mapping values are not allowed": "a text holding ': ' needs quotes: text: \"Note: ...\"",
    "tab character": "YAML indents with spaces, not tabs",
    "found character that cannot start any token": "YAML indents with spaces, not tabs; a text starting with "
                                                   "@, ` or % needs quotes",
    "could not find expected ':'": "check the indentation of this line and the one above it",
    "expected <block end>": "check the indentation: items of one list or mapping start in the same column",
    "did not find expected ',' or '}'": "a text holding a comma inside { } needs quotes: {en: \"Yes, often\"}",
}


def _yaml_hint(reason: str) -> str | None:
    return next((h for words, h in _YAML_HINTS.items() if words in reason), None)


def check_events(text: str, source: str, error: type[ProblemsError]) -> None:
    """Raise ``error`` at the first alias (``*name``) in ``text`` or the first list or
    mapping nested deeper than :data:`MAX_DEPTH`.

    This reads the parser's events, before any node is built: an alias is never expanded,
    so a document that would expand to gigabytes is refused in the time it takes to read it.
    Merge keys (``<<: *name``) are aliases too and are refused with them.
    """
    depth = 0
    for event in yaml.parse(text, Loader=Loader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise error(f"{source}: YAML aliases are not allowed", [Problem(
                f"YAML aliases (*{event.anchor}) are not allowed: write the values out in full where they are used",
                file=source, line=line)])
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise error(f"{source} is nested too deeply", [Problem(
                    f"lists and mappings are nested more than {MAX_DEPTH} levels deep", file=source, line=line)])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def require_mapping(raw, source: str, error: type[ProblemsError], what: str, hint: str) -> None:
    if not isinstance(raw, dict):
        raise error(f"{source} is not {what}", [Problem(hint, file=source)])


def validation_found(exc: ValidationError, errors: Iterable[dict] | None = None,
                     message: Callable[[dict], str] | None = None) -> list[Found]:
    """pydantic's errors (or the filtered ``errors``) as :data:`Found` entries."""
    message = message or pydantic_message
    return [(tuple(e["loc"]), path_text(tuple(e["loc"])), message(e)) for e in (errors or exc.errors())]


def semantic_found(problems: Iterable[tuple[str, str]]) -> list[Found]:
    """``(path, message)`` pairs (as the schemas' semantic checks give them) as :data:`Found`."""
    return [(path_loc(path), path, msg) for path, msg in problems]


def check(found: list[Found], text: str | None, source: str, error: type[ProblemsError], what: str) -> None:
    """Raise ``error`` listing every entry of ``found`` with its line in ``text``, in file order."""
    if not found:
        return
    index = line_index(text) if text is not None else {}
    problems = sorted((Problem(msg, file=source, line=nearest_line(index, loc), path=path or None)
                       for loc, path, msg in found), key=lambda p: p.line or 0)
    raise error(f"{source}: {len(problems)} problem(s) in {what}", problems)


def validate(model: type[BaseModel], raw, text: str | None, source: str, error: type[ProblemsError], what: str):
    """``raw`` validated as ``model``; every problem raised at once (see :func:`check`)."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        check(validation_found(exc), text, source, error, what)


def pydantic_message(err: dict) -> str:
    """A pydantic error in a user's words."""
    if err["type"] == "extra_forbidden":
        name = str(err["loc"][-1]) if err.get("loc") else ""
        if " " in name.strip():  # a text cut at a comma or colon, read as a field name
            return ("unknown field: it looks like the rest of a text cut at a comma or a colon — put the text in "
                    "quotes")
        return "unknown field (check its spelling)"
    if err["type"] == "missing":
        return "required field is missing"
    if err["type"] == "string_type" and isinstance(err.get("input"), bool):
        return (f"a text is needed, got {err['input']!r}: YAML reads an unquoted yes, no, on or off as true or "
                "false — put the text in quotes")
    shown = err["type"] != "model_type" and not isinstance(err.get("input"), (dict, list))
    return err["msg"] + (f", got {err['input']!r}" if shown else "")


def path_text(loc: tuple) -> str:
    """``("items", 3, "text")`` -> ``items[3].text``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def path_loc(path: str) -> tuple:
    """The inverse of :func:`path_text`."""
    loc: list = []
    for token in path.replace("[", ".[").split("."):
        if not token:
            continue
        if token.startswith("["):
            loc.append(int(token[1:-1]))
        else:
            loc.append(int(token) if token.lstrip("-").isdigit() else token)
    return tuple(loc)


def line_index(text: str) -> dict[tuple, int]:
    """The 1-based line of every path in the document (composed only when reporting errors)."""
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

    node = yaml.compose(text, Loader=Loader)
    if node is not None:
        walk(node, ())
    return index


def nearest_line(index: dict[tuple, int], loc: tuple) -> int | None:
    """The line of the deepest prefix of ``loc`` present in the file."""
    for end in range(len(loc), -1, -1):
        key = loc[:end]
        if key in index:
            return index[key]
        str_key = tuple(str(k) for k in key)
        if str_key in index:
            return index[str_key]
    return None
