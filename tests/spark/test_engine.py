"""servq on Apache Spark (local[2]): the same figures as the local engine on the same rows,
whatever the partitions; problems named by file and row; clear one-line errors.

CI installs Java and the [spark] extra and sets SERVQ_REQUIRE_SPARK=1: nothing is skipped there.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import servq
from servq.errors import DataError, UsageError, missing_extra
from servq.io.writers import write_table

if not shutil.which("java") or not __import__("importlib").util.find_spec("pyspark"):
    if os.environ.get("SERVQ_REQUIRE_SPARK"):
        raise RuntimeError("SERVQ_REQUIRE_SPARK is set but Java or pyspark is missing")
    pytest.skip("Spark needs Java and the [spark] extra", allow_module_level=True)

from servq.spark import analyze as on_spark  # noqa: E402
from servq.spark import scorecard as scorecard_on_spark  # noqa: E402
from servq.spark import session  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    s = session("local[2]")
    s.conf.set("spark.sql.shuffle.partitions", "4")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    """900 SERVQUAL respondents as Parquet in row groups of 100 (read as several partitions)
    and as CSV."""
    folder = tmp_path_factory.mktemp("spark")
    table = servq.simulate("servqual", 900, seed=21, branches=6)
    pq.write_table(table, folder / "answers.parquet", row_group_size=100)
    write_table(table, folder / "answers.csv")
    return table, folder


def assert_same(local, distributed, tol=1e-9):
    assert local.differences(distributed, tol=tol, skip=("generated_at", "source")) == []


def test_parquet_in_many_partitions_gives_the_local_figures(spark, answers):
    table, folder = answers
    spark.conf.set("spark.sql.files.maxPartitionBytes", "8192")  # a partition per row group or so
    path = str(folder / "answers.parquet")
    assert spark.read.parquet(path).rdd.getNumPartitions() > 2
    opts = dict(by=["branch", "channel"], invariance="channel", period="month", boot=30, seed=3)
    assert_same(servq.analyze(path, "servqual", **opts), on_spark(path, "servqual", spark=spark, **opts))


def test_csv_and_a_spark_dataframe_give_the_local_figures(spark, answers):
    table, folder = answers
    path = str(folder / "answers.csv")
    assert_same(servq.analyze(path, "servqual", by="branch", quality=False),
                on_spark(path, "servqual", by="branch", quality=False, spark=spark))
    kano = servq.simulate("kano-retail-banking", 300, seed=4, branches=3)
    frame = spark.createDataFrame(kano.to_pandas()).repartition(3)
    assert_same(servq.analyze(kano, "kano-retail-banking", by="branch"),
                servq.analyze(frame, "kano-retail-banking", by="branch"))  # the facade sends it to Spark


def test_problems_name_file_and_row_and_nothing_is_computed(spark, answers, tmp_path):
    table, _ = answers
    p1 = table.column_names.index("P1")
    values = table.column("P1").to_pylist()
    values[250] = 9  # spreadsheet row 252
    values[700] = 99  # row 702
    bad = table.set_column(p1, "P1", pa.array(values, pa.int64()))
    ids = table.column("respondent_id").to_pylist()
    ids[800] = ids[10]  # row 802 repeats row 12
    bad = bad.set_column(0, "respondent_id", pa.array(ids))
    path = tmp_path / "bad.parquet"
    pq.write_table(bad, path, row_group_size=100)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "8192")
    with pytest.raises(DataError) as err:
        on_spark(str(path), "servqual", spark=spark)
    found = {(p.row, p.column) for p in err.value.problems}
    assert {(252, "P1"), (702, "P1"), (802, "respondent_id")} <= found
    assert all(p.file.endswith("bad.parquet") for p in err.value.problems)
    repeat = next(p for p in err.value.problems if p.column == "respondent_id")
    assert "first at row 12" in repeat.message
    with pytest.raises(DataError) as capped:
        on_spark(str(path), "servqual", spark=spark, max_problems=1)
    assert len(capped.value.problems) == 1 and capped.value.total == err.value.total


def test_an_unreachable_master_is_one_line():
    with pytest.raises(UsageError, match=r"cannot reach the Spark master at spark://127\.0\.0\.1:9"):
        session("spark://127.0.0.1:9")
    with pytest.raises(UsageError, match="engine must be local or spark"):
        servq.analyze("x.parquet", "servqual", engine="gpu")


def test_the_missing_extra_is_named():
    assert "pip install 'servq[spark]'" in missing_extra(ModuleNotFoundError("no pyspark", name="pyspark"))


def test_the_command_line_runs_on_spark(answers, tmp_path):
    _, folder = answers
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "servq.cli", "analyze", str(folder / "answers.parquet"), "-i", "servqual",
                          "--by", "branch", "--no-quality", "--engine", "spark", "--spark-master", "local[1]",
                          "--json", str(out), "-q"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert json.loads(out.read_text())["n_respondents"] == 900
    bad = subprocess.run([sys.executable, "-m", "servq.cli", "analyze", "x.parquet", "-i", "servqual", "--engine", "gpu"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "--engine must be local or spark" in bad.stderr


def test_a_directory_of_csv_files_names_each_files_rows(spark, answers, tmp_path):
    table, _ = answers
    values = table.column("P3").to_pylist()
    values[100] = 42  # the first file's row 102
    values[400] = 43  # the second file's row 152 (its 150th answer row)
    bad = table.set_column(table.column_names.index("P3"), "P3", pa.array(values, pa.int64()))
    ids = bad.column("respondent_id").to_pylist()
    ids[120] = ids[3]  # a.csv row 122 repeats its row 5
    ids[260] = ids[7]  # b.csv row 12 repeats a.csv row 9
    bad = bad.set_column(0, "respondent_id", pa.array(ids))
    write_table(bad.slice(0, 250), tmp_path / "a.csv")
    write_table(bad.slice(250), tmp_path / "b.csv")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "65536")
    with pytest.raises(DataError) as err:
        on_spark(str(tmp_path), "servqual", spark=spark)
    assert spark.conf.get("spark.sql.files.maxPartitionBytes") == "65536"  # the session's own, restored
    assert [(p.file.rsplit("/", 1)[-1], p.row, p.column, p.value) for p in err.value.problems] == [
        ("a.csv", 102, "P3", "42"), ("a.csv", 122, "respondent_id", ids[3]), ("b.csv", 12, "respondent_id", ids[7]),
        ("b.csv", 152, "P3", "43")]
    repeats = [p.message for p in err.value.problems if p.column == "respondent_id"]
    assert repeats[0] == "respondent id repeated (first at row 5)"
    assert repeats[1].startswith("respondent id repeated (first at row 9 of ") and repeats[1].endswith("a.csv)")


def test_no_rows_is_a_problem_not_empty_results(spark, answers, tmp_path):
    table, _ = answers
    pq.write_table(table.slice(0, 0), tmp_path / "empty.parquet")
    with pytest.raises(DataError) as err:
        on_spark(str(tmp_path / "empty.parquet"), "servqual", spark=spark)
    assert [p.message for p in err.value.problems] == ["the data have no answer rows"]


def test_csv_as_excel_writes_it_in_sweden_reads_as_locally(spark, tmp_path):
    """Semicolons in Windows-1252, tabs after a UTF-8 byte-order mark: found as the local
    engine finds them, with the same figures (the branch names keep their å, ä, ö)."""
    import csv
    import io

    table = servq.simulate("servqual", 300, seed=5)
    rows = [table.column_names] + [["" if v is None else v for v in r.values()] for r in table.to_pylist()]
    for name, encoding, sep, bom in (("sv.csv", "cp1252", ";", b""), ("bom.csv", "utf-8", "\t", b"\xef\xbb\xbf")):
        text = io.StringIO()
        csv.writer(text, delimiter=sep).writerows(rows)
        path = tmp_path / name
        path.write_bytes(bom + text.getvalue().encode(encoding))
        local = servq.analyze(path, "servqual", by="branch", quality=False)
        assert any(ch in "".join(local.segments["branch"]) for ch in "åäö")
        assert_same(local, on_spark(str(path), "servqual", by="branch", quality=False, spark=spark))


def test_bootstrap_of_several_files_is_the_same_on_any_partitioning(spark, answers, tmp_path):
    """Each file's rows are weighted by their numbers in the file and the file's place in
    the sorted list of files: the intervals are those of the files accumulated one by one
    (stream 0 and 1) and merged, however Spark splits them."""
    from dataclasses import replace

    from servq.analysis import AnalysisOptions, accumulate, finish, merge, plan_for

    table, _ = answers
    pq.write_table(table.slice(0, 400), tmp_path / "a.parquet", row_group_size=100)
    pq.write_table(table.slice(400), tmp_path / "b.parquet", row_group_size=100)
    opts = AnalysisOptions(by=("branch",), quality=False, boot=25, seed=2)
    plan = plan_for("servqual", table.column_names, opts)
    expected = finish(merge(accumulate([table.slice(0, 400)], plan),
                            accumulate([table.slice(400)], replace(plan, stream=1))), plan)
    for size in ("8192", str(1 << 27)):
        spark.conf.set("spark.sql.files.maxPartitionBytes", size)
        got = on_spark(str(tmp_path), "servqual", options=opts, spark=spark)
        assert_same(expected, got)
    assert got.data["drivers"]["boot"] == 25 and got.data["drivers"]["outcomes"][0]["predictors"][0]["lmg_low"] > 0


def register(n: int, seed: int) -> pa.Table:
    """``n`` complaints over 20 weeks in 3 units and 3 dimensions, some acknowledged."""
    import datetime as dt

    import numpy as np

    rng = np.random.default_rng(seed)
    start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    received = [start + dt.timedelta(minutes=int(m)) for m in rng.integers(0, 20 * 7 * 24 * 60, n)]
    return pa.table({
        "id": [f"C{i:05d}" for i in range(n)],
        "received_at": pa.array(received, pa.timestamp("us", tz="UTC")),
        "unit": rng.choice(["Malmö", "Lund", "Ystad"], n).tolist(),
        "dimension": rng.choice(["billing", "network", "staff"], n).tolist(),
        "channel": rng.choice(["phone", "web", None], n).tolist(),
        "status": rng.choice(["open", "closed"], n).tolist(),
        "acknowledged_at": pa.array([t + dt.timedelta(hours=5) if i % 3 else None for i, t in enumerate(received)],
                                    pa.timestamp("us", tz="UTC")),
    })


def test_a_complaints_register_counted_on_spark_gives_the_local_counts(spark, tmp_path):
    import datetime as dt

    from servq.complaints.analytics import complaints_block, counts_block
    from servq.spark.complaints import count

    table = register(3000, seed=8)
    pq.write_table(table.slice(0, 1700), tmp_path / "a.parquet", row_group_size=300)
    pq.write_table(table.slice(1700), tmp_path / "b.parquet", row_group_size=300)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "8192")
    counted = count(str(tmp_path), timezone="Europe/Stockholm", spark=spark)
    assert counted.rows == 3000 and counted.counts.column("n").to_numpy().sum() == 3000
    now = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=counted.latest)
    local = complaints_block(table, timezone="Europe/Stockholm", spikes="both", customers={"Lund": 900})
    assert local["settings"]["now"] == now.isoformat().replace("+00:00", "Z") or local["period"]["now"]
    got = counts_block(counted.counts, now=now, timezone="Europe/Stockholm", spikes="both", customers={"Lund": 900})
    for key in ("n", "period", "volume", "hot_spots", "status", "rates"):
        assert got[key] == local[key], key
    ids = table.column("id").to_pylist()
    ids[2500] = ids[40]  # b.parquet row 802 repeats a.parquet row 42
    units = table.column("unit").to_pylist()
    units[1000] = None  # a.parquet row 1002
    bad = table.set_column(0, "id", pa.array(ids)).set_column(2, "unit", pa.array(units))
    pq.write_table(bad.slice(0, 1700), tmp_path / "a.parquet", row_group_size=300)
    pq.write_table(bad.slice(1700), tmp_path / "b.parquet", row_group_size=300)
    with pytest.raises(DataError) as err:
        count(str(tmp_path), spark=spark)
    assert [(p.file.rsplit("/", 1)[-1], p.row, p.column) for p in err.value.problems] == [
        ("a.parquet", 1002, "unit"), ("b.parquet", 802, "id")]
    assert err.value.problems[1].message.startswith("complaint id given twice (first at row 42 of ")


def test_complaints_analyze_on_spark_from_the_command_line(answers, tmp_path):
    write_table(register(600, seed=2), tmp_path / "register.csv")
    out = tmp_path / "complaints.json"
    run = subprocess.run([sys.executable, "-m", "servq.cli", "complaints", "analyze", str(tmp_path / "register.csv"),
                          "--engine", "spark", "--spark-master", "local[1]", "--json", str(out),
                          "--out", str(tmp_path / "c.html")], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    import jsonschema

    schema = json.loads((Path(servq.__file__).parent / "report" / "results.schema.json").read_text())
    block = json.loads(out.read_text())["complaints"]
    jsonschema.validate(block, {"$ref": "#/$defs/complaints", "$defs": schema["$defs"]})
    assert block["n"] == 600 and block["handling"] is None and block["settings"]["counted"]
    local = subprocess.run([sys.executable, "-m", "servq.cli", "complaints", "analyze", str(tmp_path / "register.csv"),
                            "--json", str(tmp_path / "local.json")], capture_output=True, text=True, timeout=600)
    assert local.returncode == 0, local.stderr
    mine = json.loads((tmp_path / "local.json").read_text())["complaints"]
    assert block["volume"] == mine["volume"] and block["hot_spots"] == mine["hot_spots"]
    sla = subprocess.run([sys.executable, "-m", "servq.cli", "complaints", "analyze", str(tmp_path / "register.csv"),
                          "--engine", "spark", "--sla", str(out)], capture_output=True, text=True, timeout=120)
    assert sla.returncode != 0 and "Traceback" not in sla.stderr and "--sla works with the local engine" in sla.stderr


def test_a_scorecard_with_parents_on_spark_gives_the_local_one(spark, answers, tmp_path):
    table = servq.simulate("servqual", 900, seed=3, branches=6)
    region = [{"1": "north", "2": "north", "3": "south"}.get(str(b)[-1:], "west") for b in table.column("branch").to_pylist()]
    table = table.append_column("region", pa.array(region))
    path = tmp_path / "units.parquet"
    pq.write_table(table, path, row_group_size=150)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "8192")
    opts = dict(unit="branch", parent="region", quality=False, min_n=20)
    local = servq.scorecard(str(path), "servqual", **opts)
    assert_same(local, scorecard_on_spark(str(path), "servqual", spark=spark, **opts))
    assert local.data["scorecard"]["parent"] == "region" and len(local.data["scorecard"]["measures"][0]["units"]) == 6
    crossed = table.set_column(table.column_names.index("region"), "region",
                               pa.array(["north" if i % 2 else "south" for i in range(table.num_rows)]))
    pq.write_table(crossed, path, row_group_size=150)
    with pytest.raises(DataError, match="'branch' is not nested in 'region'"):
        scorecard_on_spark(str(path), "servqual", spark=spark, **opts)


def test_ordinal_tables_stay_on_the_local_engine(tmp_path):
    """--ordinal is refused by name before any Spark work starts."""
    path = write_table(servq.simulate("servqual", 20, seed=1), tmp_path / "a.csv")
    with pytest.raises(UsageError, match="--ordinal runs on the local engine"):
        on_spark(path, "servqual", ordinal=True)
