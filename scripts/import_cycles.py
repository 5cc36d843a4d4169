"""Import cycles and private names crossing modules in servq (ast-based, no imports run).

Every ``import`` and ``from ... import`` counts, at module level, inside functions and under
``if TYPE_CHECKING:`` alike (as import-linter counts them). ``from pkg import name`` is an
import of ``pkg.name`` when that is a module, else of ``pkg``.

    .venv/bin/python scripts/import_cycles.py [PACKAGE ...]

Prints, for each package given (default ``servq.stats servq.report``), the cycles among its
modules and the private names (``_x``) one of its modules imports from another module; then
the cycles among the floors of the whole package (``servq.<floor>``, each floor collapsed to
one node) and the module-level cycles anywhere else. Exits 1 when a package given has a cycle
or a private import.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = "servq"


def modules(src: Path = SRC, root: str = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under ``src/root``."""
    found = {}
    for path in sorted((src / root).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_package(name: str, mods: dict[str, Path]) -> bool:
    return mods[name].name == "__init__.py"


def imports(name: str, path: Path, mods: dict[str, Path]) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every import of a servq module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if _is_package(name, mods) else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == ROOT:
                    target = alias.name
                    while target not in mods and "." in target:
                        target = target.rpartition(".")[0]
                    found.append((target, None, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != ROOT:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in mods:
                    found.append((sub, None, node.lineno))
                else:
                    module = target
                    while module not in mods and "." in module:
                        module = module.rpartition(".")[0]
                    found.append((module, alias.name, node.lineno))
    return found


def graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the servq modules it imports (itself left out)."""
    edges = defaultdict(set)
    for name, path in mods.items():
        for target, _, _ in imports(name, path, mods):
            if target != name:
                edges[name].add(target)
    return edges


def cycles(nodes, edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    nodes = sorted(nodes)
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in nodes:
                    continue
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def _inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def private_imports(package: str, mods: dict[str, Path]) -> list[str]:
    """``module:line imports _name from other`` for modules inside ``package``."""
    found = []
    for name, path in mods.items():
        if not _inside(name, package):
            continue
        for target, imported, line in imports(name, path, mods):
            leaf = imported if imported is not None else target.rpartition(".")[2]
            if target != name and leaf.startswith("_") and not leaf.startswith("__"):
                found.append(f"{name}:{line} imports {leaf} from {target}")
    return found


def floor(name: str) -> str:
    """``servq.<floor>`` (a top-level module or package) of a module."""
    return ".".join(name.split(".")[:2])


def report(packages: list[str]) -> int:
    mods = modules()
    edges = graph(mods)
    status = 0
    for package in packages:
        inside = [m for m in mods if _inside(m, package)]
        found = cycles(inside, edges)
        private = private_imports(package, mods)
        upward = sorted({f"{m} -> {t}" for m in inside for t in edges.get(m, ())
                         if not _inside(t, package) and package == "servq.stats"})
        print(f"{package}: {len(found)} cycle(s), {len(private)} private import(s)")
        for c in found:
            print("  cycle:", " <-> ".join(c))
        for p in private:
            print("  private:", p)
        for u in upward:
            print("  outside:", u)
        status |= bool(found or private or upward)
    floors, across = defaultdict(set), defaultdict(list)
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            if floor(source) != floor(target) and ROOT not in (floor(source), floor(target)):
                floors[floor(source)].add(floor(target))
                across[floor(source), floor(target)].append(f"{source} -> {target}")
    print("floor cycles (each top-level module or package one node):")
    for c in cycles({floor(m) for m in mods} - {ROOT}, floors):
        print("  ", " <-> ".join(c))
        for a in c:
            for b in sorted(floors[a] & set(c)):
                print(f"     {a} -> {b}:", "; ".join(across[a, b]))
    print("module cycles elsewhere:")
    for c in cycles([m for m in mods if not any(_inside(m, p) for p in packages)], edges):
        print("  ", " <-> ".join(c))
    print("private names imported across modules elsewhere:")
    for p in private_imports(ROOT, mods):
        if not any(_inside(p.partition(":")[0], q) for q in packages):
            print("  ", p)
    return status


if __name__ == "__main__":
    sys.exit(report(sys.argv[1:] or ["servq.stats", "servq.report"]))
