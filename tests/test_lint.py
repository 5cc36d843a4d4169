"""Guard rails: ruff on the code and the tests, mypy on the statistical core (stats,
measures, analysis; [tool.ruff] and [tool.mypy] in pyproject.toml), and numpydoc on every
public function and class of stats and measures: summary, Parameters, Returns, References
and an example naming the R equivalent."""

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
from numpydoc.docscrape import ClassDoc, FunctionDoc

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    run = _run(str(BIN / "ruff"), "check", "--no-cache", "src", "tests", "bench", "scripts")
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_finds_nothing_in_the_core():
    run = _run(sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", "/dev/null")
    assert run.returncode == 0, run.stdout + run.stderr


def _public(package: str):
    """(qualified name, object) of every public function and class defined in the
    modules of ``package``."""
    pkg = importlib.import_module(package)
    for info in pkgutil.walk_packages(pkg.__path__, f"{package}."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"{module.__name__}.{name}", obj


PUBLIC = sorted(list(_public("servq.stats")) + list(_public("servq.measures")), key=lambda item: item[0])
R_NAMED = re.compile(r"\bR\b|lavaan|psych::|semTools")


@pytest.mark.parametrize("name,obj", PUBLIC, ids=[name for name, _ in PUBLIC])
def test_public_function_has_a_numpydoc_docstring(name, obj):
    doc = ClassDoc(obj) if inspect.isclass(obj) else FunctionDoc(obj)
    missing = [s for s in ("Summary", "References", "Examples") if not doc[s]]
    if not inspect.isclass(obj) or not issubclass(obj, Exception):
        params = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
        documented = {n.strip() for p in doc["Parameters"] for n in p.name.replace("*", "").split(",")}
        missing += [f"parameter {p}" for p in params if p.lstrip("*") not in documented]
    if inspect.isfunction(obj) and inspect.signature(obj).return_annotation not in (None, "None") \
            and not (doc["Returns"] or doc["Yields"]):
        missing.append("Returns")
    assert not missing, f"{name}: missing {', '.join(missing)}"
    examples = "\n".join(doc["Examples"])
    assert ">>>" in examples, f"{name}: the example is not runnable"
    assert R_NAMED.search(examples), f"{name}: the example does not name the R equivalent"
