"""The optional parts of servq (pyproject.toml's extras): the library, CLI and report run
without them, and a command that needs one says which in one line — checked in a fresh
interpreter in which the extras' modules cannot be imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from servq.errors import EXTRAS

DATA = Path(__file__).resolve().parents[1] / "src" / "servq" / "text" / "data" / "complaints_eval.csv"


def _servq_without(blocked: list[str], args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    script = ("import sys\n"
              f"for name in {blocked!r}: sys.modules[name] = None  # importing it fails as if not installed\n"
              "from servq.cli import main\n"
              f"main({args!r})\n")
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=300)


WEB = [m for m, extra in EXTRAS.items() if extra == "web"]


def test_the_demo_needs_no_extra(tmp_path):
    run = _servq_without(WEB + ["sklearn"], ["demo", "--n", "300", "--out-dir", "demo"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "demo" / "report.html").is_file()


def test_a_web_command_without_the_web_part_says_so_in_one_line(tmp_path):
    run = _servq_without(WEB, ["db", "status"], tmp_path)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "error: this needs servq's optional part 'web' (sqlalchemy is not installed): pip install 'servq[web]'"]


def test_classifying_needs_no_extra_training_with_cross_validation_needs_text(tmp_path):
    out = tmp_path / "classified.csv"
    run = _servq_without(WEB + ["sklearn"], ["complaints", "classify", str(DATA), "-o", str(out)], tmp_path)
    assert run.returncode == 0, run.stderr
    assert out.is_file()
    run = _servq_without(["sklearn"], ["complaints", "evaluate", str(DATA), "--cv", "3"], tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "optional part 'text'" in run.stderr and "pip install 'servq[text]'" in run.stderr
