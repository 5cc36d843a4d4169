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

Characters a sheet cannot hold (:data:`ILLEGAL`: NUL and the other control characters but
tab, line feed and carriage return; U+FFFE, U+FFFF) are written as U+FFFD ``�`` in CSV and
XLSX alike: an XLSX file with one cannot be opened, and a CSV file with a NUL is taken
for a binary file (by servq too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["FORMULA_START", "ILLEGAL", "neutral", "neutral_row", "neutral_table"]

FORMULA_START = re.compile(r"[=+\-@\t\r\n']")
"""The first characters that make a text a formula to a spreadsheet, and the quote itself."""
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""Characters XML 1.0, and so an XLSX sheet, cannot hold (tab, line feed and carriage return it can)."""
_ILLEGAL_RE2 = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"  # the same for Arrow (no surrogates in UTF-8)


def neutral(value):
    """``value`` safe for a spreadsheet cell: in a text, every :data:`ILLEGAL` character is
    replaced by U+FFFD, and a text beginning with one of :data:`FORMULA_START` gets a ``'``
    in front; anything else is returned unchanged.

    Examples
    --------
    >>> neutral('=HYPERLINK("http://x","click")'), neutral("-2+3"), neutral(-2), neutral("Göteborg")
    ('\\'=HYPERLINK("http://x","click")', "'-2+3", -2, 'Göteborg')
    >>> neutral("a\\x00b\\tc")
    'a�b\\tc'
    """
    if isinstance(value, str):
        value = ILLEGAL.sub("\ufffd", value)
        if FORMULA_START.match(value):
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
        if pc.any(pc.match_substring_regex(column, _ILLEGAL_RE2)).as_py():
            column = pc.replace_substring_regex(column, pattern=_ILLEGAL_RE2, replacement="\ufffd")
        return pc.replace_substring_regex(column, pattern=f"^({FORMULA_START.pattern})", replacement=r"'\1")
    if pa.types.is_dictionary(kind) and (pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type)):
        if any(pc.any(pc.match_substring_regex(chunk.dictionary, _ILLEGAL_RE2)).as_py() for chunk in column.chunks):
            # two texts could become one: written as plain text, never with a repeated dictionary value
            return _neutral_column(column.cast(kind.value_type))
        # Prefixing is one-to-one, so the dictionary stays free of duplicates.
        return pa.chunked_array([pa.DictionaryArray.from_arrays(chunk.indices, _neutral_column(chunk.dictionary))
                                 for chunk in column.chunks], kind)
    return column
