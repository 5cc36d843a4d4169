"""Invariants of the measures: row order, chunking, and gap = P - E, on random data."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import servq
from servq.instruments import load_instrument

MINI = load_instrument(Path(__file__).parents[1] / "data" / "mini.yaml")
ANSWER = st.one_of(st.none(), st.integers(1, 5), st.just(9))


@st.composite
def responses(draw):
    n = draw(st.integers(2, 30))
    cols = {"branch": pa.array(draw(st.lists(st.sampled_from(["X", "Y", "Z"]), min_size=n, max_size=n)))}
    for name in ("E1", "E2", "E3", "P1", "P2", "P3"):
        cols[name] = pa.array(draw(st.lists(ANSWER, min_size=n, max_size=n)), pa.int64())
    cols["sat"] = pa.array(draw(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=n, max_size=n)), pa.int64())
    return pa.table(cols)


def figures(res):
    out = res.to_frame()
    return out.sort_values(["segment_column", "segment", "level", "id", "measure"], na_position="first",
                           key=lambda s: s.astype(str)).reset_index(drop=True)


def assert_same(a, b):
    fa, fb = figures(a), figures(b)
    assert fa[["segment", "level", "id", "measure", "n"]].equals(fb[["segment", "level", "id", "measure", "n"]])
    for col in ("mean", "sd", "ci_low", "ci_high"):
        np.testing.assert_allclose(fa[col].astype(float), fb[col].astype(float), rtol=1e-9, atol=1e-12, equal_nan=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses(), st.randoms(use_true_random=False), st.integers(1, 7))
def test_row_order_and_chunk_size_do_not_change_results(table, rnd, chunk):
    base = servq.analyze(table, MINI, by="branch", min_n=1)
    order = list(range(table.num_rows))
    rnd.shuffle(order)
    shuffled = servq.analyze(table.take(order), MINI, by="branch", min_n=1, chunk_size=chunk)
    assert_same(base, shuffled)


@settings(max_examples=40, deadline=None)
@given(responses())
def test_item_gap_is_mean_of_paired_p_minus_e(table):
    res = servq.analyze(table, MINI, min_n=1)
    for item in (1, 2, 3):
        e = np.array(table.column(f"E{item}").to_pylist(), dtype=float)
        p = np.array(table.column(f"P{item}").to_pylist(), dtype=float)
        e[e == 9], p[p == 9] = np.nan, np.nan
        if item == 2:  # reverse keyed on 1-5
            e, p = 6 - e, 6 - p
        d = (p - e)[~np.isnan(p - e)]
        gap = res.item(item).get("gap")
        assert gap["n"] == len(d)
        if len(d):
            assert gap["mean"] == pytest.approx(d.mean(), abs=1e-12)
            ep = res.item(item)
            assert ep["expectation"]["n"] >= len(d) and ep["perception"]["n"] >= len(d)


def test_simulated_servqual_chunking_matches():
    table = servq.simulate("servqual", 2000, seed=5)
    a = servq.analyze(table, "servqual", by=["branch", "channel"])
    b = servq.analyze(table, "servqual", by=["branch", "channel"], chunk_size=333)
    assert_same(a, b)


@settings(max_examples=30, deadline=None)
@given(responses())
def test_item_covariances_are_those_of_the_reverse_keyed_perception_scores(table):
    import pandas as pd

    res = servq.analyze(table, MINI, min_n=1)
    p = pd.DataFrame({f"P{i}": np.array(table.column(f"P{i}").to_pylist(), dtype=float) for i in (1, 2, 3)})
    p[p == 9] = np.nan
    p["P2"] = 6 - p["P2"]  # reverse keyed on 1-5
    np.testing.assert_allclose(res.cross.cov(), p.cov().to_numpy(), rtol=1e-9, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(res.cross.mean(), p.mean().to_numpy(), rtol=1e-12, equal_nan=True)
    complete = p.dropna()
    assert res.cross.n_complete == len(complete)
    if len(complete) > 1:
        np.testing.assert_allclose(res.cross.cov(listwise=True), complete.cov().to_numpy(), rtol=1e-9, atol=1e-9)
