"""The floor for ``servq analyze``: read every column of the file once, with DuckDB.

One query sums every answer column and counts the two string segment columns, so the
whole file is decoded once and nothing else is computed. ``bench/bench_analyze.py`` times
it as a whole process (interpreter start included)::

    python bench/duckdb_floor.py DATA.parquet
"""

import sys

import duckdb

QUERY = """
SELECT sum(COLUMNS(* EXCLUDE (branch, channel))), count(branch), count(channel)
FROM read_parquet(?)
"""

if __name__ == "__main__":
    print(duckdb.execute(QUERY, [sys.argv[1]]).fetchone())
