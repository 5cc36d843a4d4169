"""The import architecture (DESIGN.md, "Floors"): import-linter's contracts in pyproject.toml
([tool.importlinter]: the floors, no cycles in stats and report) are kept, and no private
name (``_x``) is imported from another module anywhere in servq (scripts/import_cycles.py)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _import_cycles():
    spec = importlib.util.spec_from_file_location("import_cycles", ROOT / "scripts" / "import_cycles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_import_contracts_are_kept():
    run = subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_no_private_name_is_imported_across_modules():
    ic = _import_cycles()
    mods = ic.modules(ROOT / "src")
    assert ic.private_imports("servq", mods) == []


def test_no_module_sits_loose_at_the_top():
    """One folder per floor: at the top of servq only the facade and the errors."""
    loose = sorted(p.name for p in (ROOT / "src" / "servq").glob("*.py"))
    assert loose == ["__init__.py", "errors.py"]


def test_the_cycle_finder_finds_function_level_cycles(tmp_path):
    """scripts/import_cycles.py itself: a cycle closed by an import inside a function counts."""
    ic = _import_cycles()
    pkg = tmp_path / "servq" / "stats"
    pkg.mkdir(parents=True)
    (tmp_path / "servq" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import _helper\n")
    (pkg / "b.py").write_text("def f():\n    from . import a\n\n\ndef _helper():\n    pass\n")
    mods = ic.modules(tmp_path)
    assert ic.cycles([m for m in mods if m.startswith("servq.stats.")], ic.graph(mods)) == [
        ["servq.stats.a", "servq.stats.b"]]
    assert ic.private_imports("servq.stats", mods) == ["servq.stats.a:1 imports _helper from servq.stats.b"]
