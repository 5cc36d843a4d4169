"""The mini data set's figures, which the readers' tests compare a file read another way with."""

from pathlib import Path

import pytest

import servq

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def reference():
    """``servq.analyze`` of tests/data/mini.csv by branch."""
    return servq.analyze(DATA / "mini.csv", DATA / "mini.yaml", by="branch", min_n=1)
