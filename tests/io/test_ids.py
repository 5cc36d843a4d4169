"""The duplicate-id check (io/ids.py): exact, every repeat named with both rows, in bounded memory.

The memory bound itself is the benchmark's to show (bench/bench_analyze.py); here the
thresholds are made tiny so that every path runs on small files: hashes spilled to the
temporary file in many runs, candidates confirmed in several passes over the id column,
and hashes that collide without the ids being equal.
"""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import servq
from servq.errors import DataError
from servq.io import ids as ids_module
from servq.io.ids import RepeatedIds, hash64

MINI = Path(__file__).parents[1] / "data" / "mini.yaml"
GOOD = [5, 1, 4, 4, 2, 3, 60, 40, 4, 9]  # E1..E3, P1..P3, W_a, W_b, sat, rec
ANSWERS = ["E1", "E2", "E3", "P1", "P2", "P3", "W_a", "W_b", "sat", "rec"]


def reference(values: list, limit: int) -> tuple[int, list[tuple[int, int, str]]]:
    """The definition: a row repeats when its id (not null) is on an earlier row."""
    first: dict[str, int] = {}
    repeats = []
    for row, v in enumerate(values):
        if v is None:
            continue
        if v in first:
            repeats.append((row, first[v], v))
        else:
            first[v] = row
    return len(repeats), repeats[:limit]


def found(values: list, chunk: int, limit: int = 1000) -> tuple[int, list[tuple[int, int, str]]]:
    arr = pa.array(values, pa.string())
    rep = RepeatedIds()
    for at in range(0, len(values), chunk):
        rep.add(arr.slice(at, chunk))
    return rep.find(lambda: (arr.slice(at, 5) for at in range(0, len(values), 5)), limit)


@pytest.fixture
def tiny_limits(monkeypatch):
    """Spill after 8 hashes; confirm at most 3 candidate rows a pass."""
    monkeypatch.setattr(ids_module, "SPILL", 8)
    monkeypatch.setattr(ids_module, "CONFIRM", 3)


def write_parquet(tmp_path, ids: list) -> Path:
    cols = {"respondent_id": pa.array(ids, pa.string()), "branch": pa.array(["X"] * len(ids))}
    for name, v in zip(ANSWERS, GOOD):
        cols[name] = pa.array([v] * len(ids), pa.int64())
    path = tmp_path / "answers.parquet"
    pq.write_table(pa.table(cols), path, row_group_size=7)
    return path


def test_repeats_across_and_within_chunks_named_with_both_rows(tmp_path, tiny_limits):
    ids = [f"r{i}" for i in range(40)]
    ids[3] = "r1"  # within the first chunk (rows 0-4)
    ids[12] = "r2"  # across chunks
    ids[25], ids[33] = "r20", "r20"  # three copies of one id: rows 20, 25, 33
    ids[30] = " r7 "  # ids are trimmed: the same as r7
    ids[31] = "R7"  # case counts: not r7
    ids[35] = None  # no id: never a repeat
    ids[36] = None
    path = write_parquet(tmp_path, ids)
    with pytest.raises(DataError) as info:
        servq.analyze(path, MINI, chunk_size=5)
    got = [(p.row, p.column, p.value, p.message) for p in info.value.problems]
    assert got == [
        (5, "respondent_id", "r1", "respondent id repeated (first at row 3)"),
        (14, "respondent_id", "r2", "respondent id repeated (first at row 4)"),
        (27, "respondent_id", "r20", "respondent id repeated (first at row 22)"),
        (32, "respondent_id", "r7", "respondent id repeated (first at row 9)"),
        (35, "respondent_id", "r20", "respondent id repeated (first at row 22)"),
    ]
    assert info.value.total == 5


def test_the_problem_limit_keeps_the_first_and_counts_all(tmp_path, tiny_limits):
    ids = [f"r{i % 10}" for i in range(60)]  # rows 10..59 all repeat
    with pytest.raises(DataError) as info:
        servq.analyze(write_parquet(tmp_path, ids), MINI, chunk_size=4, max_problems=6)
    assert [p.row for p in info.value.problems] == [12, 13, 14, 15, 16, 17]
    assert [p.message for p in info.value.problems][:2] == ["respondent id repeated (first at row 2)",
                                                             "respondent id repeated (first at row 3)"]
    assert info.value.total == 50


def test_unique_ids_read_the_file_once(tmp_path, tiny_limits, monkeypatch):
    calls = []
    real = ids_module._confirm
    monkeypatch.setattr(ids_module, "_confirm", lambda *a: calls.append(1) or real(*a))
    res = servq.analyze(write_parquet(tmp_path, [f"r{i}" for i in range(50)]), MINI, chunk_size=3)
    assert res.n_respondents == 50 and not calls


def test_colliding_hashes_are_not_repeats(monkeypatch, tiny_limits):
    # a hash that only sees the length: every id of one length collides
    monkeypatch.setattr(ids_module, "hash64", lambda a: (
        np.asarray(pa.compute.utf8_length(a).fill_null(0), dtype=np.uint64) << np.uint64(58),
        np.asarray(a.is_valid())))
    values = ["ab", "cd", "ab", "ef", None, "cd", "xyz", "ab", "gh"]
    assert found(values, chunk=2) == reference(values, 1000) == (
        3, [(2, 0, "ab"), (5, 1, "cd"), (7, 0, "ab")])


def test_hash_is_the_same_in_any_array_and_position():
    a = pa.array(["R0000001", "x", "a longer id than eight bytes", "", "é", None])
    h, ok = hash64(a)
    h2, _ = hash64(pa.array(["pad", "a longer id than eight bytes", "R0000001", "é", ""]).slice(1))
    assert ok.tolist() == [True] * 5 + [False]
    assert h2.tolist() == [h[2], h[0], h[4], h[3]]
    assert len(set(h[:5].tolist())) == 5
    # a string and the same string with a NUL byte: lengths differ, hashes differ
    h3, _ = hash64(pa.array(["a", "a\x00"]))
    assert h3[0] != h3[1]


IDS = st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "A", "a long id of 17 b", "ü", ""]),
                         st.text(max_size=12)), max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=IDS, chunk=st.integers(1, 9), limit=st.integers(0, 5), spill=st.integers(1, 20),
       confirm=st.integers(1, 10))
def test_matches_the_definition(monkeypatch, values, chunk, limit, spill, confirm):
    monkeypatch.setattr(ids_module, "SPILL", spill)
    monkeypatch.setattr(ids_module, "CONFIRM", confirm)
    assert found(values, chunk, limit) == reference(values, limit)
