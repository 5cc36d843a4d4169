"""The floor for ``servq analyze``: read every column of the file once, with DuckDB.

One query sums every answer column and counts the string columns (the segments
``branch`` and ``channel`` and, when the file has one, ``respondent_id``), so the whole
file is decoded once and nothing else is computed. ``bench/bench_analyze.py`` times it as
a whole process (interpreter start included)::

    python bench/duckdb_floor.py DATA.parquet
"""

import sys

import duckdb

TEXT = ("respondent_id", "branch", "channel")

if __name__ == "__main__":
    names = [row[0] for row in duckdb.execute("DESCRIBE SELECT * FROM read_parquet(?)", [sys.argv[1]]).fetchall()]
    text = [c for c in TEXT if c in names]
    query = (f"SELECT sum(COLUMNS(* EXCLUDE ({', '.join(text)}))), "
             f"{', '.join(f'count({c})' for c in text)} FROM read_parquet(?)")
    print(duckdb.execute(query, [sys.argv[1]]).fetchone())
