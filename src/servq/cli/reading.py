"""Options of every command that reads a file of rows: where its column names and its rows
start (:func:`servq.io.readers.answer_rows` checks them, naming the file)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

HeaderRow = Annotated[int, typer.Option(
    "--header-row", metavar="N",
    help="The spreadsheet row holding the column names of a .csv file or a sheet (default 1): 3 below a title and an "
         "empty row (R: read.csv(skip = 2)); the rows above it are not read.")]
FirstRow = Annotated[Optional[int], typer.Option(
    "--first-row", metavar="M",
    help="The spreadsheet row of the first row of data (default: the row below the column names; SPSS: \"first case "
         "of data on line\"); the rows between are skipped: 3 for SurveyMonkey, 4 for Qualtrics (docs/data.md). Problems "
         "name the file's own rows.")]
