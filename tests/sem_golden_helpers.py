"""Comparing a fitted SEM with lavaan's golden values (imported by the SEM tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

EXACT = ("npar", "df", "df.scaled", "baseline.df", "baseline.df.scaled")
GOLDEN_DATA = Path(__file__).parent / "golden" / "data"


@cache
def golden_data(file: str) -> pd.DataFrame:
    """A data file of tests/golden/data (written by the R scripts), read once per test process."""
    return pd.read_csv(GOLDEN_DATA / file)


def assert_estimates(got: pd.DataFrame, pe: Mapping[str, list], *, keys: Sequence[str] = ("lhs", "op", "rhs"),
                     est: Mapping[str, float], se_rel: float, free: bool = False) -> None:
    """Every row of lavaan's ``parameterEstimates`` (``pe``: columns as lists) in ``got`` with its est,
    std.all and std.lv where ``pe`` has it (tolerance ``est``: pytest.approx's abs / rel), se
    (``se_rel``) and, with ``free``, free flag."""
    got = got.set_index(list(keys))
    ref = pd.DataFrame(dict(pe))
    assert len(got) == len(ref)
    assert not got.index.duplicated().any()
    for r in ref.to_dict("records"):
        key = tuple(r[k] for k in keys)
        row = got.loc[key]
        assert row["est"] == pytest.approx(r["est"], **est), key
        assert row["std.all"] == pytest.approx(r["std_all"], **est), key
        if "std_lv" in r:
            assert row["std.lv"] == pytest.approx(r["std_lv"], **est), key
        assert row["se"] == pytest.approx(r["se"], rel=se_rel, abs=1e-12), key
        if free:
            assert bool(row["free"]) == (r["free"] > 0), key


def assert_fit_measures(got: Mapping[str, float], ref: Mapping[str, float | None], *, chisq: Sequence[str],
                        chisq_rel: float, other_abs: float, pvalue_rel: float | None = None) -> None:
    """lavaan's ``fitMeasures``: df and npar exactly, the χ² statistics ``chisq`` to ``chisq_rel``,
    p-values to ``pvalue_rel`` (when given), the others to ``other_abs``; None or "NA" (lavaan's NA as
    jsonlite writes it): absent or not finite."""
    for name, value in ref.items():
        if value is None or value == "NA":
            assert name not in got or not np.isfinite(got[name]), name
        elif name in EXACT:
            assert got[name] == value, name
        elif name in chisq:
            assert got[name] == pytest.approx(value, rel=chisq_rel), name
        elif pvalue_rel is not None and name.startswith("pvalue"):
            assert got[name] == pytest.approx(value, rel=pvalue_rel, abs=1e-12), name
        else:
            assert got[name] == pytest.approx(value, abs=other_abs), name


def golden_rows(estimates: Mapping[str, list]) -> list[dict]:
    """lavaan's ``parameterEstimates`` as jsonlite writes a data frame (columns as lists): one dict a row."""
    return [dict(zip(estimates, values)) for values in zip(*estimates.values())]


def assert_group_rows(got: pd.DataFrame, rows: Sequence[Mapping], *, est_abs: float = 1e-5,
                      se_rel: float = 1e-4) -> None:
    """Every golden row (lhs, op, rhs, group) in ``got`` (``to_frame()``): est and std.all to
    ``est_abs``, se to ``se_rel``; no other rows."""
    frame = got.set_index(["lhs", "op", "rhs", "group"])
    assert len(frame) == len(rows)
    for row in rows:
        have = frame.loc[(row["lhs"], row["op"], row["rhs"], row["group"])]
        assert have["est"] == pytest.approx(row["est"], abs=est_abs), row
        assert have["se"] == pytest.approx(row["se"], rel=se_rel, abs=1e-8), row
        assert have["std.all"] == pytest.approx(row["std.all"], abs=est_abs), row


def assert_modindices(got: pd.DataFrame, ref: Mapping[str, list], *, mi_rel: float = 1e-4, epc_abs: float = 1e-5,
                      keys: Sequence[str] = ("lhs", "op", "rhs")) -> None:
    """lavaan's ``modindices(fit)`` (every listed candidate, columns as lists) against servq's:
    the same candidates (identified by ``keys``), mi to ``mi_rel`` (or 5e-5 absolute: lavaan stops
    its optimiser about 1e-6 from the estimates), epc / sepc.lv / sepc.all to ``epc_abs`` (or 1e-4
    relative)."""
    frame = got.set_index(list(keys))
    want = pd.DataFrame(dict(ref))
    assert sorted(frame.index) == sorted(zip(*(want[k] for k in keys)))
    for r in want.to_dict("records"):
        key = tuple(r[k] for k in keys)
        row = frame.loc[key]
        assert row["mi"] == pytest.approx(r["mi"], rel=mi_rel, abs=5e-5), key
        for mine, theirs in (("epc", "epc"), ("sepc.lv", "sepc_lv"), ("sepc.all", "sepc_all")):
            assert row[mine] == pytest.approx(r[theirs], rel=1e-4, abs=epc_abs), (key, mine)
