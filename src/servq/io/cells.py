"""Texts that are safe to open in a spreadsheet (OWASP's rule against CSV injection).

Excel, LibreOffice and Google Sheets read a cell that begins with ``=``, ``+``, ``-`` or
``@`` (or a tab, carriage return or line feed before one) as a formula when they open a
CSV or XLSX file: a complaint text or a unit name ``=HYPERLINK("http://x", "click")``
would come out live. Every CSV and XLSX servq writes therefore puts a single quote in
front of such a text (``'=HYPERLINK(...)``): it stays readable and is shown as text.

A text that already begins with a quote gets one too, so every text in an export that
begins with a quote had one added: the original is the text without its first character.
Numbers, dates and empty cells are never changed (``-2`` in a numeric column stays a
number). Parquet and SPSS files are typed data, not spreadsheets, and are written as is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["FORMULA_START", "neutral", "neutral_row", "neutral_table"]

FORMULA_START = re.compile(r"[=+\-@\t\r\n']")
"""The first characters that make a text a formula to a spreadsheet, and the quote itself."""


def neutral(value):
    """``value`` safe for a spreadsheet cell: a text beginning with one of
    :data:`FORMULA_START` gets a ``'`` in front; anything else is returned unchanged.

    Examples
    --------
    >>> neutral('=HYPERLINK("http://x","click")'), neutral("-2+3"), neutral(-2), neutral("Göteborg")
    ('\\'=HYPERLINK("http://x","click")', "'-2+3", -2, 'Göteborg')
    """
    if isinstance(value, str) and FORMULA_START.match(value):
        return "'" + value
    return value


def neutral_row(row: Iterable) -> list:
    """A row of cells for :func:`csv.writer`, each made :func:`neutral`."""
    return [neutral(value) for value in row]


def neutral_table(table: pa.Table) -> pa.Table:
    """``table`` with its column names and every text cell made :func:`neutral` (text and
    dictionary-encoded text columns; other columns are kept as they are)."""
    return pa.Table.from_arrays([_neutral_column(column) for column in table.columns],
                                names=neutral_row(table.column_names))


def _neutral_column(column):
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pc.replace_substring_regex(column, pattern=f"^({FORMULA_START.pattern})", replacement=r"'\1")
    if pa.types.is_dictionary(kind) and (pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type)):
        # Prefixing is one-to-one, so the dictionary stays free of duplicates.
        return pa.chunked_array([pa.DictionaryArray.from_arrays(chunk.indices, _neutral_column(chunk.dictionary))
                                 for chunk in column.chunks], kind)
    return column
