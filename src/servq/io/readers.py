"""Readers: a response file (CSV, XLSX, Parquet, SPSS .sav) as a stream of Arrow tables.

Every reader yields ``pyarrow.Table`` chunks of at most ``chunk_size`` rows, so a file of
any size is read in constant memory. CSV and XLSX cells arrive as text (validation turns
them into numbers and names every cell it cannot read); Parquet and .sav keep their types.
A cell that is blank or reads ``NA``, ``N/A``, ``null``, ``NaN`` … (:data:`NULL_TEXT`) is
missing, except in the columns a caller reads as text (``text=``: complaint texts), where
only a blank cell is.

A CSV file is read in the encoding given, else in the one it shows: a byte-order mark
(UTF-8, UTF-16), UTF-16 without one, or UTF-8; a file that is not UTF-8 is read as
Windows-1252 only when it plausibly is (:func:`plausibly_cp1252`). Any other file that is
not valid in its encoding is a :class:`~servq.errors.DataError` naming the line, the byte
offset and the bytes — never a wrong reading.

The column names are on spreadsheet row ``header_row`` (1 unless given) and the answers
start on row ``first_row`` (the row below the names unless given): survey tools put title
rows above the names (Excel) and header rows below them (SurveyMonkey one, Qualtrics two).
Rows are counted as a spreadsheet counts them: an empty line is a row, a quoted value
holding line breaks is one row. Every problem names the file's own rows. A file whose rows
have no such places (Parquet, SPSS, a table) refuses the two options; a row the answers
start below that holds answers is refused by the analyses (:func:`skipped_answers`).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import itertools
import operator
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pyarrow as pa

from ..errors import DataError, Problem, UsageError
from .arrow import is_number
from .columns import visible

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "calamine",
           ".xlsb": "calamine", ".ods": "calamine", ".parquet": "parquet", ".pq": "parquet", ".sav": "sav",
           ".zsav": "sav"}
NULL_TEXT = ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "NULL", "null", "."]
DEFAULT_CHUNK = 32_768
_LOOK_BELOW = 10  # rows below the first read to tell a title above the column names
_DELIMITERS = (",", ";", "\t")
ENCODING_HINT = ("save the file as UTF-8, or name its encoding: with the complaint commands --encoding cp1252 "
                 "(Windows, Western Europe) or --encoding gb18030 (Chinese Windows); in Python encoding=")
_BLOCK = 1 << 20
# a byte sequence that is a character in UTF-8 (two to four bytes): text in Windows-1252 has none
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
                             rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
                             rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{4,}")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_LETTERS = re.compile(r"[^\W\d_]")
_MAGIC_TEXT = re.compile(rb"(\xef\xbb\xbf|\xff\xfe|\xfe\xff)?[\t\r\n\x20-\x7e\x80-\xff]{1,8}\Z")  # text, by its first bytes
_BINARY = re.compile(rb"[\x01-\x08\x0b\x0c\x0e-\x1f]")  # control bytes no text file has (NUL apart)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Source:
    """An opened response file: its columns, its number of rows when the file says
    (Parquet, SPSS, tables; None for CSV and XLSX) and a way to stream it in chunks.

    ``header_row`` is the spreadsheet row of the column names and ``first_row`` that of the
    first answer row (problems number the rows from it); ``skipped`` holds the rows between
    them, cell by cell as text (None for a blank cell), for :func:`skipped_answers`."""

    path: Path
    format: str
    columns: list[str]
    options: dict
    rows: int | None = None
    header_row: int = 1
    first_row: int = 2
    skipped: list[list[str | None]] = field(default_factory=list)

    def chunks(self, columns: Sequence[str] | None = None, chunk_size: int = DEFAULT_CHUNK,
               dictionary: Sequence[str] = (), text: Sequence[str] = ()) -> Iterator[pa.Table]:
        """Yield tables of the named columns (all if None), in file order.

        Text columns named in ``dictionary`` may arrive dictionary-encoded (Parquet stores
        them so: decoding them would only be undone by the segment numbering). The columns
        named in ``text`` are read as written: only a blank cell is missing there (a
        complaint reading ``NA`` or ``null`` stays that text)."""
        wanted = list(self.columns if columns is None else columns)
        if dictionary and self.format == "parquet":
            yield from _parquet_chunks(self, wanted, chunk_size, dictionary)
            return
        literal = frozenset(text) & set(wanted)
        if literal and self.format in _LITERAL_CHUNKERS:
            yield from _LITERAL_CHUNKERS[self.format](self, wanted, chunk_size, literal)
            return
        yield from _CHUNKERS[self.format](self, wanted, chunk_size)


@dataclass(frozen=True)
class Reading:
    """How a file is opened (:meth:`open`): its worksheet, its encoding (CSV) and the
    spreadsheet rows of its column names and its first row of data (:func:`open_source`;
    checked when a file is opened, naming it)."""

    sheet: str | None = None
    encoding: str | None = None
    header_row: int = 1
    first_row: int | None = None

    def open(self, path: str | Path) -> Source:
        """The file at ``path``, opened so."""
        return open_source(path, sheet=self.sheet, encoding=self.encoding, header_row=self.header_row,
                           first_row=self.first_row)


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(set(FORMATS)))
        raise UsageError(f"{path}: unknown file type '{path.suffix}' (servq reads {known})")
    return fmt


def open_source(path: str | Path, *, sheet: str | None = None, encoding: str | None = None, header_row: int = 1,
                first_row: int | None = None) -> Source:
    """Open a response file and read its header; ``encoding`` is that of a CSV file (default:
    as the file shows, see the module); ``header_row`` the spreadsheet row of the column names
    and ``first_row`` that of the first answer row (default: the row below the names) of a
    CSV file or a sheet (:func:`answer_rows`)."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"data file not found: {path}")
    header_row, first = answer_rows(header_row, first_row, path)
    fmt = detect_format(path)
    if fmt == "csv":
        return _open_csv(path, sheet, encoding, header_row, first)
    if encoding is not None:
        raise UsageError(f"{path}: an encoding is given for CSV and text files only; a {path.suffix} file "
                         "has its own")
    if fmt in _SHEETS:
        return _SHEETS[fmt](path, sheet, header_row, first)
    no_rows_around_names(path, header_row, first, f"a {path.suffix} file")
    return _OPENERS[fmt](path, sheet)


def answer_rows(header_row: int, first_row: int | None, file: str | Path) -> tuple[int, int]:
    """(the row of the column names, the first answer row), as spreadsheet rows: ``first_row``
    None is the row below the names. A UsageError naming ``file`` and the value when one is
    not a whole number, the names' row is not 1 or more or the answers do not start below it.

    >>> answer_rows(3, None, "a.csv"), answer_rows(1, 4, "a.csv")
    ((3, 4), (1, 4))
    >>> answer_rows(2, 2, "a.csv")
    Traceback (most recent call last):
    ...
    servq.errors.UsageError: a.csv: --first-row 2 is not below the column names (--header-row 2): answers start on row 3 or later
    """
    header_row = _whole(header_row, "header_row", file)
    first = header_row + 1 if first_row is None else _whole(first_row, "first_row", file)
    if header_row < 1:
        raise UsageError(f"{file}: --header-row must be 1 or more (the spreadsheet row holding the column names), "
                         f"got {header_row}")
    if first <= header_row:
        raise UsageError(f"{file}: --first-row {first} is not below the column names (--header-row {header_row}): "
                         f"answers start on row {header_row + 1} or later")
    return header_row, first


def _whole(value, name: str, file: str | Path) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        return operator.index(value)
    except TypeError:
        raise UsageError(f"{file}: {name} must be a whole number (a spreadsheet row), got {value!r}") from None


def no_rows_around_names(file: str | Path, header_row: int, first_row: int, what: str) -> None:
    """A UsageError when rows other than the defaults (names on row 1, answers from row 2) are
    asked of ``what`` (a Parquet or SPSS file, a table), which holds no rows around its names."""
    if (header_row, first_row) != (1, 2):
        given = f"--header-row {header_row}" if header_row != 1 else f"--first-row {first_row}"
        raise UsageError(f"{file}: {what} keeps its column names apart from its rows, with nothing above or below "
                         f"them ({given}): --header-row and --first-row are for CSV files and spreadsheets")


# -- CSV -----------------------------------------------------------------------------

def csv_dialect(path: Path, encoding: str | None = None, header_row: int = 1) -> tuple[str, str]:
    """(encoding, delimiter) from the first 64 KiB: UTF-8 (with or without BOM), UTF-16 (as
    Excel's "Unicode text" and many survey tools export) or Windows-1252 as Excel writes in
    Sweden, when the file plausibly is (:func:`plausibly_cp1252`); ',' ';' or tab, whichever
    the header (line ``header_row``) uses. ``encoding`` given: that one. A binary file (a PDF,
    a workbook, an image saved as .csv) is a DataError saying what it looks like; a file that
    is neither UTF-8 nor plausibly Windows-1252, a DataError naming where (:func:`decode_problem`)."""
    with path.open("rb") as fh:
        head = fh.read(65536)
    if encoding is not None:
        encoding = known_encoding(encoding)
        return encoding, _delimiter(head.decode(encoding, errors="replace").lstrip("\ufeff"), header_row)
    encoding = "utf-8"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00 starts with FF FE
        text = head[:len(head) - len(head) % 4].decode("utf-32", errors="replace")
        return "utf-32", _delimiter(text.lstrip("\ufeff"), header_row)
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(head):
        encoding = "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else _utf16_without_bom(head)
        text = head[:len(head) - len(head) % 2].decode(encoding, errors="replace")
        return encoding, _delimiter(text.lstrip("\ufeff"), header_row)
    if (b"\x00" in head and not _looks_like(head) and head.count(b"\x00") < 0.01 * len(head)
            and not _BINARY.search(head)):
        at = head.index(b"\x00")  # text with a NUL byte or a few (a damaged export): where
        before = head[:at].decode("utf-8", errors="replace")
        raise DataError(f"{path}: the text holds a NUL byte; nothing was read", [Problem(
            f"byte offset {at}: a NUL byte (00) in the text (after {before.rsplit(chr(10), 1)[-1][-40:]!r}), which no "
            "spreadsheet writes: delete it (the file may be damaged), or export the answers again",
            file=str(path), line=before.count("\n") + 1)])
    if b"\x00" in head:
        raise DataError(f"{path}: not a text (CSV) file", [Problem(f"the file is binary{_looks_like(head)}, not "
                                                                   "comma-separated text: export the answers as CSV, "
                                                                   "XLSX, Parquet or SPSS .sav", file=str(path))])
    try:  # a character cut at the 64 KiB boundary is no error
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < 65536)
    except UnicodeDecodeError:
        if not plausibly_cp1252(path):
            raise undecodable(path, encoding) from None
        encoding = "cp1252"
        text = head.decode(encoding)
    return encoding, _delimiter(text, header_row)


def _delimiter(text: str, header_row: int) -> str:
    """',' ';' or tab, whichever line ``header_row`` (the column names) uses most; when it
    uses none (a title, an empty line), whichever the lines to below the names use most.
    Excel's first line ``sep=;`` names it (:func:`excel_sep`)."""
    lines = text.splitlines()[:header_row + _LOOK_BELOW + 1]
    if lines and (sep := excel_sep(lines[0])):
        return sep
    names = lines[header_row - 1] if len(lines) >= header_row else ""
    if not any(d in names for d in _DELIMITERS):
        names = "\n".join(lines)
    return max(_DELIMITERS, key=names.count)


def excel_sep(line: str) -> str | None:
    """The delimiter a first line ``sep=;`` (or ``sep=,``, ``sep=<tab>``) names, or None:
    Excel writes it, reads the file with that delimiter and shows the line as no row.

    >>> excel_sep("sep=;"), excel_sep('"sep=,"'), excel_sep("sep;E1;E2")
    (';', ',', None)
    """
    match = re.fullmatch(r'"?sep=(.)"?[,;\t]*\s*', line.lstrip("\ufeff"), flags=re.IGNORECASE)
    return match.group(1) if match else None


def _utf16_without_bom(head: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when the text's every other byte is 0 (ASCII in UTF-16)."""
    sample = head[:4096 - 4096 % 2]
    if len(sample) < 4:
        return None
    odd, even = sample[1::2], sample[0::2]
    if odd.count(0) > 0.9 * len(odd) and not even.count(0):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and not odd.count(0):
        return "utf-16-be"
    return None


_MAGIC = {b"%PDF": "a PDF document", b"PK\x03\x04": "a zip archive (an .xlsx or .ods workbook?)",
          b"\xd0\xcf\x11\xe0": "an old Office file (.xls?)", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
          b"PAR1": "a Parquet file", b"$FL2": "an SPSS .sav file", b"$FL3": "an SPSS .zsav file"}


def _looks_like(head: bytes) -> str:
    found = next((what for magic, what in _MAGIC.items() if head.startswith(magic)), None)
    return f" ({found})" if found else ""


def known_encoding(encoding: str) -> str:
    """The codec name of ``encoding`` (``UTF8`` -> ``utf-8``); UsageError when Python knows none."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):  # base64, rot13: codecs, no encodings
        raise UsageError(f"unknown encoding {encoding!r} (e.g. utf-8, cp1252, utf-16, gb18030, latin-1)")
    return info.name


def plausibly_cp1252(path: Path) -> bool:
    """Whether a file that is not UTF-8 is plausibly Windows-1252 (as Excel saves CSV in
    Sweden and Western Europe): it holds no byte sequence that is a UTF-8 character (a
    UTF-8 file with a few bad bytes has many: every å, ä, ö, every Chinese character), every
    byte is a Windows-1252 character and no control character, and the text looks like
    Latin text (letters rather than symbols, never four non-ASCII characters in a row, as
    Chinese in another encoding would give)."""
    letters = others = 0
    carry = b""
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            data = carry + block
            if _UTF8_MULTIBYTE.search(data):
                return False
            carry = data[-3:]
            try:
                text = block.decode("cp1252")
            except UnicodeDecodeError:
                return False
            if _CONTROL.search(text) or _NON_ASCII_RUN.search(text):
                return False
            high = "".join(_NON_ASCII.findall(text))
            alpha = len(_LETTERS.findall(high))
            letters, others = letters + alpha, others + len(high) - alpha
    return letters >= others


def decode_problem(path: Path, encoding: str) -> Problem | None:
    """Where ``path`` is first not valid in ``encoding``: its line, byte offset, the bytes and
    the text before them on that line; None when the whole file is."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, tail, read = 1, "", 0
    with path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            read += len(block)
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                start = read - len(exc.object) + exc.start  # the decoder's pending bytes come first
                before = exc.object[:exc.start].decode(encoding, errors="replace")
                line += before.count("\n")
                tail = (tail + before).rsplit("\n", 1)[-1][-40:]
                bad = " ".join(f"{b:02X}" for b in exc.object[exc.start:max(exc.end, exc.start + 1)][:8])
                name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
                return Problem(f"byte offset {start}: the byte(s) {bad} are not {name} (after {tail!r})",
                               file=str(path), line=line)
            line += text.count("\n")
            tail = (tail + text).rsplit("\n", 1)[-1][-40:]
            if not block:
                return None


def undecodable(path: Path, encoding: str) -> DataError:
    """The error for a file that is not valid in ``encoding`` (see :func:`decode_problem`)."""
    name = "UTF-8" if encoding in ("utf-8", "utf-8-sig", "utf8") else encoding
    problem = decode_problem(path, "utf-8" if encoding == "utf8" else encoding)
    found = [problem] if problem else [Problem(f"not {name} text", file=str(path))]
    return DataError(f"{path}: the file is not {name} text; nothing was read", found, hint=ENCODING_HINT)


def _open_csv(path: Path, sheet: str | None, encoding: str | None = None, header_row: int = 1,
              first_row: int = 2) -> Source:
    guessed = encoding is None
    encoding, delimiter = csv_dialect(path, encoding, header_row)
    enc = "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding
    try:
        with _text(path, encoding) as (fh, preamble):
            top = list(itertools.islice(csv.reader(fh, delimiter=delimiter), _top(header_row, first_row)))
    except UnicodeDecodeError:
        raise undecodable(path, encoding) from None
    if top and top[0]:
        top[0][0] = top[0][0].lstrip("\ufeff")
    header, skipped = _names_and_skipped(path, top, header_row, first_row, _csv_names)
    # a delimiter at the end of every line (the names' too) is a last column without a name:
    # read, to be sure it stays empty, unless the answer rows have none
    raw = len(top[header_row - 1])
    width = len(header) if first_row <= len(top) and len(top[first_row - 1]) == len(header) else raw
    return Source(path, "csv", header, {"encoding": enc, "delimiter": delimiter, "preamble": preamble, "width": width,
                                        "guessed": guessed and encoding == "cp1252",
                                        "empty": len(top) < first_row},
                  header_row=header_row, first_row=first_row, skipped=skipped)


@contextlib.contextmanager
def _text(path: Path, encoding: str, errors: str = "strict") -> Iterator[tuple[TextIO, int]]:
    """The file as text, after Excel's first line ``sep=;`` (:func:`excel_sep`), which is no
    row; and how many lines that skipped (0 or 1)."""
    with path.open("r", encoding=encoding, newline="", errors=errors) as fh:
        first = fh.readline()
        preamble = int(bool(excel_sep(first.rstrip("\r\n"))))
        if not preamble:
            fh.seek(0)
        yield fh, preamble


def _csv_names(cells: Sequence[str]) -> list[str]:
    """A CSV file's column names: the cells of their row, without the empty ones at its end
    (a delimiter at the end of the line)."""
    header = list(cells)
    while header and not visible(header[-1]):
        header.pop()
    return header


def _unnamed(src: Source) -> list[str]:
    """Names for the columns past the last name of a CSV file (:func:`_open_csv`): none
    that a file can hold, as a column name has no control character."""
    return [f"\x00{i}" for i in range(len(src.columns) + 1, src.options.get("width", len(src.columns)) + 1)]


def _csv_chunks(src: Source, columns: list[str], chunk_size: int, text: frozenset[str] = frozenset()) -> Iterator[pa.Table]:
    if src.options.get("empty"):  # the names and nothing below them
        return
    ragged: list[Problem] = []
    tables = _csv_tables(src, columns, chunk_size, text, ragged.append)
    empty = _empty_tail(src.path, src.options["encoding"], src.options["delimiter"], src.options.get("width", len(src.columns)))
    for table in _all_but_last(tables, empty):
        yield from _split(table, chunk_size)
    if ragged:
        numbered = _ragged_rows(src)  # the parser cannot number rows when values may hold newlines
        found = numbered if len(numbered) == len(ragged) else ragged
        raise DataError(f"{src.path}: {len(ragged)} row(s) do not have one field per column", found[:50], len(ragged))


def _csv_tables(src: Source, columns: list[str], chunk_size: int, text: frozenset[str], ragged) -> Iterator[pa.Table]:
    import pyarrow.csv as pacsv

    def on_ragged(row) -> str:
        where = f"row {row.number}: " if row.number is not None else ""
        ragged(Problem(f"{where}{row.actual_columns} field(s) where the header has {row.expected_columns}",
                       file=str(src.path), value=row.text))
        return "skip"

    unnamed = _unnamed(src)
    block = max(1 << 20, min(64 << 20, chunk_size * 256))
    # the names as read at opening; every row above the answers skipped, as a spreadsheet
    # counts them (empty lines too, a value with line breaks once); an empty line is a row
    read = pacsv.ReadOptions(encoding=src.options["encoding"], block_size=block, column_names=src.columns + unnamed,
                             skip_rows=src.options.get("preamble", 0), skip_rows_after_names=src.first_row - 1)
    parse = pacsv.ParseOptions(delimiter=src.options["delimiter"], newlines_in_values=True, ignore_empty_lines=False,
                               invalid_row_handler=on_ragged)
    convert = pacsv.ConvertOptions(
        include_columns=columns + unnamed,
        column_types={c: pa.string() for c in columns + unnamed},
        null_values=NULL_TEXT,
        strings_can_be_null=not text,  # with text columns, nulls are made below, column by column
        quoted_strings_can_be_null=not text,
    )
    row = src.first_row
    try:
        with pacsv.open_csv(src.path, read_options=read, parse_options=parse, convert_options=convert) as reader:
            for batch in reader:
                table = pa.Table.from_batches([batch])
                if text:
                    table = _nulls(table, text)
                if unnamed:
                    _check_unnamed(src, table, unnamed, row)
                    table = table.drop_columns(unnamed)
                row += table.num_rows
                yield from _split(table, chunk_size)
    except UnicodeDecodeError:  # a file in another encoding than given, decoded by Python's codec
        raise undecodable(src.path, src.options["encoding"]) from None
    except pa.ArrowInvalid as exc:
        if "invalid UTF8" in str(exc) or "invalid utf8" in str(exc).lower():
            raise undecodable(src.path, src.options["encoding"]) from None
        raise DataError(f"{src.path}: cannot read the CSV file", [Problem(_arrow_message(exc), file=str(src.path))]) from None


def _check_unnamed(src: Source, table: pa.Table, unnamed: list[str], first_row: int) -> None:
    """A DataError at the first value in a column past the last name (rows ``first_row`` on):
    a row shifted to the right, most often by a delimiter in an unquoted text."""
    for name in unnamed:
        column = table.column(name)
        if column.null_count < len(column):
            i = next(i for i, v in enumerate(column.to_pylist()) if v is not None)
            number = len(src.columns) + 1 + unnamed.index(name)
            raise DataError(f"{src.path}: a value in a column with no name", [Problem(
                f"column {number} has no name but holds a value: is a text with a delimiter "
                f"({src.options['delimiter']!r}) in it not quoted, shifting the row right? Quote the text, or name "
                "the column", file=str(src.path), row=first_row + i, column=f"column {number}", value=column[i].as_py())])


def _empty_tail(path: Path, encoding: str, delimiter: str, width: int) -> int:
    """How many rows at the end of a CSV file hold nothing but delimiters (and quotes or
    blanks), one field per column, or nothing at all: the rows Excel writes for the empty
    but once used or formatted rows below the data, and empty lines."""
    size = path.stat().st_size
    unit = 4 if encoding.startswith("utf-32") else 2
    start = max(0, size - 65536) // unit * unit
    with path.open("rb") as fh:
        if encoding in ("utf-16", "utf-32"):  # the tail has no byte-order mark of its own
            bom = fh.read(unit)
            encoding += "-be" if bom in (codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE) else "-le"
        fh.seek(start)
        tail = fh.read().decode("utf-8" if encoding == "utf8" else encoding, errors="replace")
    count = 0
    for line in reversed(tail.splitlines()[1:] if start else tail.lstrip("\ufeff").splitlines()):
        if not line:
            count += 1
        elif not line.strip(f'{delimiter}" \t'):
            count += width > 1 and line.count(delimiter) == width - 1
        else:
            break
    return count


def _all_but_last(tables: Iterable[pa.Table], k: int) -> Iterator[pa.Table]:
    """The tables' rows but the last ``k``."""
    if not k:
        yield from tables
        return
    held = None
    for table in tables:
        if held is not None:
            table = pa.concat_tables([held, table])
        cut = max(0, table.num_rows - k)
        if cut:
            yield table.slice(0, cut)
        held = table.slice(cut)


def _nulls(table: pa.Table, text: frozenset[str]) -> pa.Table:
    """Null for a blank cell of the ``text`` columns, and for a :data:`NULL_TEXT` cell of the others."""
    import pyarrow.compute as pc

    null = pa.scalar(None, pa.string())
    missing = pa.array(NULL_TEXT, pa.string())
    columns = [pc.if_else(pc.equal(col, ""), null, col) if name in text
               else pc.if_else(pc.is_in(col, value_set=missing), null, col)
               for name, col in zip(table.column_names, table.columns)]
    return pa.Table.from_arrays(columns, names=table.column_names)


def _ragged_rows(src: Source) -> list[Problem]:
    """The rows whose number of fields is not the header's, with their spreadsheet row (an
    empty line is an empty row, as for the parser)."""
    out: list[Problem] = []
    encoding = "utf-8-sig" if src.options["encoding"] == "utf8" else src.options["encoding"]
    with _text(src.path, encoding, errors="replace") as (fh, _):
        records = csv.reader(fh, delimiter=src.options["delimiter"])
        for _ in itertools.islice(records, src.first_row - 1):  # the names and the rows around them
            pass
        width = src.options.get("width", len(src.columns))
        for row, record in enumerate(records, start=src.first_row):
            if record and len(record) != width:
                out.append(Problem(f"{len(record)} field(s) where the header has {width}", file=str(src.path), row=row,
                                   value=src.options["delimiter"].join(record)))
    return out


def _arrow_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0]
    return text.replace("CSV parse error: ", "")


# -- Parquet -------------------------------------------------------------------------

def _open_parquet(path: Path, sheet: str | None) -> Source:
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{path}: not a readable Parquet file", [Problem(_arrow_message(exc), file=str(path))]) from None
    return Source(path, "parquet", list(meta.schema.to_arrow_schema().names), {}, meta.num_rows)


def _parquet_chunks(src: Source, columns: list[str], chunk_size: int,
                    dictionary: Sequence[str] = ()) -> Iterator[pa.Table]:
    import pyarrow.parquet as pq

    schema = pq.read_schema(src.path)
    text = [c for c in dictionary if c in schema.names
            and (pa.types.is_string(schema.field(c).type) or pa.types.is_large_string(schema.field(c).type))]
    # One row group at a time: iter_batches over the whole file pre-buffers the column
    # chunks of every row group it has read (memory grows with the file). Decoded on
    # this thread: the analysis reads on a thread of its own.
    pf = pq.ParquetFile(src.path, read_dictionary=text or None)
    for group in range(pf.num_row_groups):
        for batch in pf.iter_batches(batch_size=chunk_size, row_groups=[group], columns=columns, use_threads=False):
            yield pa.Table.from_batches([batch])


# -- XLSX ----------------------------------------------------------------------------

def _open_xlsx(path: Path, sheet: str | None, header_row: int = 1, first_row: int = 2) -> Source:
    with _workbook(path) as wb:
        ws = _sheet(wb, path, sheet)
        top = list(_damaged(_quiet(ws.iter_rows(min_row=1, max_row=_top(header_row, first_row), values_only=True)),
                            path, 1))
        sheets = list(wb.sheetnames)
    header, skipped = _names_and_skipped(path, top, header_row, first_row, _sheet_names)
    return Source(path, "xlsx", header, {"sheet": sheet, "sheets": sheets}, header_row=header_row, first_row=first_row,
                  skipped=skipped)


def _sheet_names(cells: Sequence) -> list[str]:
    """A sheet's row of column names: the cells as text, without the empty ones at its end."""
    header = ["" if h is None else str(h).strip() for h in cells]
    while header and header[-1] == "":
        header.pop()
    return header


# A sheet's XML packs some 10-20 to 1 in a workbook (a zip archive); deflate reaches about
# 1,000 to 1 on repeated bytes, as a zip bomb is made. Above _ZIP_LARGE bytes unpacked, a
# workbook unpacking to more than _ZIP_RATIO times its size is refused before any is read.
_ZIP_RATIO = 100
_ZIP_LARGE = 64 << 20
_ZIP_DIRECTORY = 1 << 20  # bytes of a zip archive's list of parts (a workbook's has a few kilobytes)
UNBOUNDED = sys.maxsize  # what unpacked_size says of an archive whose list is not a workbook's


def unpacked_size(path: Path) -> int | None:
    """What the parts of the zip archive at ``path`` (a workbook: .xlsx, .ods, .xlsb) say they
    unpack to, by its list of parts; None when it is no zip archive (the workbook's reader
    then says what it is).

    The sizes an archive declares bind its readers (Python's and calamine's stop at them). A
    list of parts over 1 MiB, or the 64-bit zip format, is no workbook a spreadsheet saved and
    counts as :data:`UNBOUNDED` unread: listing 200,000 tiny parts alone takes seconds."""
    import zipfile

    try:
        with path.open("rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 22 - 0xFFFF))  # the end record, after a comment of at most 64 KiB
            tail = fh.read()
    except OSError:
        return None
    end = tail.rfind(b"PK\x05\x06")
    if end < 0:
        return None
    if tail[max(0, end - 20):end].startswith(b"PK\x06\x07") or \
            int.from_bytes(tail[end + 12:end + 16], "little") > _ZIP_DIRECTORY:
        return UNBOUNDED
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def no_zip_bomb(path: Path) -> None:
    """A DataError when the workbook at ``path`` (a zip archive: .xlsx, .ods, .xlsb) says its
    parts unpack to more than :data:`_ZIP_RATIO` times its size (and over 64 MiB): a zip
    bomb, which would take minutes and gigabytes to read (:func:`unpacked_size`)."""
    unpacked = unpacked_size(path)
    size = path.stat().st_size
    if unpacked is not None and unpacked > _ZIP_LARGE and unpacked > _ZIP_RATIO * size:
        said = "a list of parts no workbook has" if unpacked == UNBOUNDED else \
            f"{unpacked:,} ({unpacked // max(size, 1):,} times as many; a workbook packs some 10 to 20 times)"
        raise DataError(f"{path}: refused: not a workbook as spreadsheets save them", [Problem(
            f"the file's {size:,} bytes unpack to {said}: a zip bomb? Export the answers again from the survey tool "
            "or spreadsheet", file=str(path))])


@contextlib.contextmanager
def _workbook(path: Path):
    """The .xlsx workbook at ``path``, read only, closed at the end (its file too when
    openpyxl refuses it half-read)."""
    import zipfile
    import zlib

    import openpyxl

    no_zip_bomb(path)
    with path.open("rb") as fh:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # see _quiet
                wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except (zipfile.BadZipFile, zlib.error, *_XLSX_DAMAGE) as exc:
            raise unreadable_workbook(path, exc) from None
        try:
            yield wb
        finally:
            wb.close()


def unreadable_workbook(path: Path, exc: Exception) -> DataError:
    """The error for a workbook its reader refuses: the reader's reason (its first line) and
    what the file is when that is not what its name says (:func:`_what_it_is`)."""
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    cause = exc.__cause__ or exc.__context__
    if cause is not None and type(cause).__name__ in ("EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden"):
        reason = "it declares XML entities, as no spreadsheet program writes them (an entity-expansion attack?)"
    what = _what_it_is(path)
    return DataError(f"{path}: not a readable {path.suffix} workbook",
                     [Problem(f"{what}{reason}" if not what else what, file=str(path))])


def _what_it_is(path: Path) -> str:
    """What a file named as a workbook is, when it is another kind: '' when it is the kind
    its name says, or that kind cannot be told from its first bytes."""
    import zipfile

    with path.open("rb") as fh:
        head = fh.read(8)
    kind = None
    if not head:
        return "the file is empty (0 bytes): save or export the workbook again"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return ""
        if "mimetype" in names and "content.xml" in names:
            kind = ".ods"
        elif "xl/workbook.xml" in names:
            kind = ".xlsx"
        elif "xl/workbook.bin" in names:
            kind = ".xlsb"
    elif head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE file: .xls, or any workbook with a password
        if path.suffix.lower() != ".xls":
            return ("the file is an old Excel workbook (.xls) or a workbook protected by a password: remove the "
                    "password, or rename an .xls file to end in .xls")
        kind = ".xls"
    elif _MAGIC_TEXT.match(head):
        kind = ".csv"
    same = {".xlsx": (".xlsx", ".xlsm"), ".ods": (".ods",), ".xlsb": (".xlsb",), ".xls": (".xls",)}
    if kind is None or path.suffix.lower() in same.get(kind, ()):
        return ""
    what = {".ods": "an OpenDocument spreadsheet (.ods)", ".xlsx": "an Excel workbook (.xlsx)",
            ".xlsb": "an Excel binary workbook (.xlsb)", ".xls": "an old Excel workbook (.xls)",
            ".csv": "a text file (CSV?)"}[kind]
    return f"the file is {what}, not a {path.suffix} workbook: rename it to end in {kind}"


def _sheet(wb, path: Path, sheet: str | None):
    if sheet is None:
        return wb.worksheets[0]
    if sheet not in wb.sheetnames:
        raise UsageError(f"{path}: no sheet named '{sheet}' (sheets: {', '.join(wb.sheetnames)})")
    return wb[sheet]


def _xlsx_chunks(src: Source, columns: list[str], chunk_size: int, text: frozenset[str] = frozenset()) -> Iterator[pa.Table]:
    with _workbook(src.path) as wb:
        ws = _sheet(wb, src.path, src.options.get("sheet"))
        rows = _damaged(_quiet(ws.iter_rows(min_row=src.first_row, values_only=True)), src.path, src.first_row)
        epoch = (wb.epoch.date(), wb.epoch.year == 1899)
        yield from _row_tables(_without_empty_tail(rows), src.columns, columns, chunk_size, text, epoch)


# what reading a damaged .xlsx raises: the archive's checks (BadZipFile is an OSError), the
# XML parser (a SyntaxError; defusedxml's are ValueErrors), zlib (zlib.error, added where used)
_XLSX_DAMAGE = (OSError, EOFError, SyntaxError, ValueError, KeyError)


def _quiet(rows: Iterable[Sequence], size: int = 4096) -> Iterator[Sequence]:
    """The rows, read without openpyxl's warnings: notes on what it leaves out of a workbook
    that survey tools write (a default style, data-validation extensions) and a date cell
    off the calendar, which it reads as ``#VALUE!`` (a problem then, named by its row). Read
    in batches: the warning filters are global and must not be changed while rows are out."""
    rows = iter(rows)
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            batch = list(itertools.islice(rows, size))
        if not batch:
            return
        yield from batch


def _damaged(rows: Iterable[Sequence], path: Path, first_row: int) -> Iterator[Sequence]:
    """The rows of an .xlsx sheet from row ``first_row``; a DataError naming the row where the
    workbook stops being readable (a file cut short or damaged past its start)."""
    import zlib

    row = first_row
    try:
        for cells in rows:
            yield cells
            row += 1
    except (zlib.error, *_XLSX_DAMAGE) as exc:
        raise DataError(f"{path}: the workbook is damaged; nothing was read", [Problem(
            f"cannot read on from row {row}: {(str(exc).strip().splitlines() or [type(exc).__name__])[0]}: export or "
            "save the workbook again", file=str(path), row=row)]) from None


def _row_tables(rows: Iterable[Sequence], header: list[str], columns: list[str], chunk_size: int,
                text: frozenset[str] = frozenset(), epoch: tuple[datetime.date, bool] | None = None) -> Iterator[pa.Table]:
    """Tables of ``columns`` (as text) from a spreadsheet's rows under ``header``; in the
    ``text`` columns only a blank cell is missing. ``epoch``: the sheet's day 0 and whether
    it counts Excel's 29 February 1900 (:func:`_serial`)."""
    positions = [header.index(c) for c in columns]
    literal = [c in text for c in columns]
    buffer: list[list] = [[] for _ in columns]
    count = 0
    for row in rows:
        for slot, pos, as_written in zip(buffer, positions, literal):
            slot.append(_cell_text(row[pos] if pos < len(row) else None, as_written, epoch))
        count += 1
        if count == chunk_size:
            yield _text_table(columns, buffer)
            buffer = [[] for _ in columns]
            count = 0
    if count:
        yield _text_table(columns, buffer)


# -- .xls, .xlsb, .ods (python-calamine) ---------------------------------------------

def _calamine_sheet(path: Path, sheet: str | None, names: list[str] | None = None):
    """The sheet named (the first if None); ``names`` gets the workbook's sheet names."""
    from python_calamine import CalamineError, CalamineWorkbook

    no_zip_bomb(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        if names is not None:
            names.extend(wb.sheet_names)
        if sheet is None:
            return wb.get_sheet_by_index(0)
        if sheet not in wb.sheet_names:
            raise UsageError(f"{path}: no sheet named '{sheet}' (sheets: {', '.join(wb.sheet_names)})")
        return wb.get_sheet_by_name(sheet)  # calamine reads the whole sheet here: a damaged one fails now
    except (CalamineError, OSError, ValueError) as exc:
        raise unreadable_workbook(path, exc) from None


def _open_calamine(path: Path, sheet: str | None, header_row: int = 1, first_row: int = 2) -> Source:
    # the sheet's rows from its first (row 1), whichever its first used cell
    sheets: list[str] = []
    top = [[None if v == "" else v for v in row]
           for row in itertools.islice(_calamine_sheet(path, sheet, sheets).iter_rows(), _top(header_row, first_row))]
    header, skipped = _names_and_skipped(path, top, header_row, first_row, _sheet_names)
    return Source(path, "calamine", header, {"sheet": sheet, "sheets": sheets}, header_row=header_row,
                  first_row=first_row, skipped=skipped)


def with_sheet_hint(exc: DataError, src: Source) -> DataError:
    """``exc`` (columns that do not match) with a hint naming the workbook's other sheets,
    when ``src`` is the first sheet of several, read because no sheet was named."""
    sheets = src.options.get("sheets") or []
    if src.options.get("sheet") is not None or len(sheets) < 2:
        return exc
    hint = (f"the workbook has {len(sheets)} sheets ({', '.join(repr(s) for s in sheets[:10])}"
            f"{', …' if len(sheets) > 10 else ''}) and the first, {sheets[0]!r}, was read: name the sheet of the "
            "answers with --sheet NAME (Python: sheet=)")
    return DataError(exc.summary, exc.problems, exc.total, f"{exc.hint}; {hint}" if exc.hint else hint)


def _calamine_chunks(src: Source, columns: list[str], chunk_size: int,
                     text: frozenset[str] = frozenset()) -> Iterator[pa.Table]:
    below = itertools.islice(_calamine_sheet(src.path, src.options.get("sheet")).iter_rows(), src.first_row - 1, None)
    rows = _without_empty_tail([None if v == "" else v for v in row] for row in below)
    # LibreOffice counts days from 30 December 1899, Excel as if 1900 had a 29 February
    epoch = (datetime.date(1899, 12, 30), src.path.suffix.lower() != ".ods")
    yield from _row_tables(rows, src.columns, columns, chunk_size, text, epoch)


def _without_empty_tail(rows: Iterable[Sequence]) -> Iterator[Sequence]:
    """The rows but the empty ones at the end: a sheet's formatted but empty rows below the
    answers are no respondents. An empty row between answers stays (an empty row, the row
    numbers of the rows below unchanged)."""
    held = 0
    for row in rows:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            held += 1
            continue
        yield from [()] * held
        held = 0
        yield row


def _serial(value, epoch: tuple[datetime.date, bool]) -> int | None:
    """The number a sheet holds in a cell it shows as a date in its first year (1900, or 1904
    on a Mac): a number formatted as a date (a Likert 3 is 3 January 1900), as no survey was
    answered then; None for any other value. ``epoch``: day 0 and whether the sheet counts
    Excel's 29 February 1900, which never was (Excel's serial 60; 1 is 1 January 1900).

    >>> _serial(datetime.datetime(1900, 1, 3), (datetime.date(1899, 12, 30), True))
    3
    >>> _serial(datetime.date(1900, 1, 2), (datetime.date(1899, 12, 30), False))  # LibreOffice
    3
    >>> _serial(datetime.datetime(2026, 1, 3), (datetime.date(1899, 12, 30), True)) is None
    True
    """
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time():
            return None
        value = value.date()
    if not isinstance(value, datetime.date):
        return None
    day0, leap_1900 = epoch
    days = (value - day0).days
    if leap_1900 and days < 61:
        days -= 1
    return days if 0 < days <= 366 else None


def _cell_text(value, as_written: bool = False, epoch: tuple[datetime.date, bool] | None = None) -> str | None:
    if value is None:
        return None
    if epoch is not None and isinstance(value, datetime.date) and (number := _serial(value, epoch)) is not None:
        return str(number)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):  # as in a CSV file: the date alone at midnight
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value).strip()
    return None if (not text if as_written else text in NULL_TEXT) else text


def _text_table(columns: list[str], data: list[list]) -> pa.Table:
    return pa.table({c: pa.array(v, type=pa.string()) for c, v in zip(columns, data)})


# -- SPSS .sav -----------------------------------------------------------------------

def _open_sav(path: Path, sheet: str | None) -> Source:
    import pyreadstat

    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and others
        raise DataError(f"{path}: not a readable SPSS file", [Problem(str(exc), file=str(path))]) from None
    rows = meta.number_rows if isinstance(meta.number_rows, int) and meta.number_rows >= 0 else None
    return Source(path, "sav", list(meta.column_names), {"labels": meta.variable_value_labels}, rows)


def _sav_chunks(src: Source, columns: list[str], chunk_size: int) -> Iterator[pa.Table]:
    import pyreadstat

    # SPSS user-missing codes are read as missing (pyreadstat's default).
    for df, _ in pyreadstat.read_file_in_chunks(
        pyreadstat.read_sav, str(src.path), chunksize=chunk_size, usecols=columns
    ):
        yield pa.Table.from_pandas(df[columns], preserve_index=False)


def value_labels(src: Source, column: str) -> dict | None:
    """SPSS value labels of a column (code -> label), used to name segment values."""
    return src.options.get("labels", {}).get(column) if src.format == "sav" else None


# -- shared --------------------------------------------------------------------------

def _top(header_row: int, first_row: int) -> int:
    """How many rows to read at opening: the names, the rows below them that tell a title
    above them (:func:`_check_title`), and every row to the first answer row."""
    return max(header_row + _LOOK_BELOW, first_row)


def _names_and_skipped(path: Path, top: Sequence[Sequence], header_row: int, first_row: int,
                       names: Callable[[Sequence], list[str]]) -> tuple[list[str], list[list[str | None]]]:
    """The column names on row ``header_row`` of ``top`` (the sheet's first rows, from row 1;
    ``names`` reads them from the row's cells), checked (:func:`_check_header`), and the rows
    between them and ``first_row``, cell by cell as text. A UsageError naming the file and
    the row when there is no such row or it names nothing."""
    if len(top) < header_row:
        if not any(top):
            raise UsageError(f"{path}: the file is empty: no column names, no answers")
        raise UsageError(f"{path}: --header-row {header_row} is below the last row of the file ({len(top)}): "
                         "give the spreadsheet row that holds the column names")
    header = names(top[header_row - 1])
    below = top[header_row:header_row + _LOOK_BELOW]
    if not any(map(visible, header)):
        _check_title(path, header, below, header_row)
        raise UsageError(f"{path}: row {header_row} is empty, so it names no columns (--header-row {header_row}): "
                         "give the spreadsheet row that holds the column names")
    _check_header(path, header, below, header_row)
    skipped = [[_cell_text(v, True) for v in row] for row in top[header_row:first_row - 1]]
    return header, skipped


def _check_header(path: Path, header: list[str], below: Sequence[Sequence] = (), header_row: int = 1) -> None:
    """Unnamed and repeated column names (on row ``header_row``) are problems; ``below``
    (the next rows) tells whether that row is a title above the column names."""
    _check_title(path, header, below, header_row)
    problems = []
    seen: dict[str, int] = {}
    for i, name in enumerate(map(visible, header), start=1):
        if not name:
            problems.append(Problem(f"column {i} has no name", file=str(path), row=header_row))
        elif name in seen:
            problems.append(Problem(f"column name repeated (columns {seen[name]} and {i})", file=str(path),
                                    row=header_row, column=name))
        seen.setdefault(name, i)
    if problems:
        raise DataError(f"{path}: the header row has problems", problems)


def _check_title(path: Path, header: list[str], below: Sequence[Sequence], header_row: int = 1) -> None:
    """A DataError when row ``header_row`` names at most half the columns that a row below
    it names (texts, none a number, all different): a title, or group names over merged
    cells, above the column names. It names the option that reads the names there."""
    named = [h for h in map(visible, header) if h]
    for row, cells in enumerate(below, start=header_row + 1):
        names = [visible("" if v is None else str(v)) for v in cells]
        while names and not names[-1]:
            names.pop()
        if (len(names) >= max(2, 2 * len(named)) and all(names) and len(set(names)) == len(names)
                and not any(is_number(n) for n in names)):
            what = (f"row {header_row} names '{named[0]}' in {len(named)} of {len(names)} columns: a title?" if named
                    else f"row {header_row} is empty")
            raise DataError(f"{path}: row {header_row} does not name the columns", [Problem(
                f"the column names seem to be on row {row}, not row {header_row}: read them with --header-row {row}, or "
                f"delete the row(s) above them ({what})", file=str(path), row=header_row)])


def skipped_answers(src: Source, columns: Sequence[str], answer: Callable[[str], bool] = is_number) -> None:
    """A DataError when a row between the column names and the first answer row (the rows
    ``first_row`` skips: the header rows of SurveyMonkey and Qualtrics) holds answers in
    ``columns``: most of its cells there that are not blank are answers (``answer(text)``,
    a number unless told). Skipping rows never drops a respondent unsaid."""
    places = [(src.columns.index(c), c) for c in dict.fromkeys(columns) if c in src.columns]
    for row, cells in enumerate(src.skipped, start=src.header_row + 1):
        given = [(c, text.strip()) for i, c in places if i < len(cells) and (text := cells[i]) is not None and text.strip()]
        found = [(c, v) for c, v in given if answer(v)]
        if given and 2 * len(found) > len(given):
            column, value = found[0]
            raise DataError(f"{src.path}: row {row} holds answers but is skipped", [Problem(
                f"the answers seem to start on row {row}, not row {src.first_row} (--first-row {src.first_row} skips "
                f"{len(found)} answer(s) there): analyse with --first-row {row}", file=str(src.path), row=row,
                column=column, value=value)])


def _split(table: pa.Table, size: int) -> Iterator[pa.Table]:
    for start in range(0, table.num_rows, size):
        yield table.slice(start, size)


def from_table(table: pa.Table, name: str = "<table>") -> Source:
    """A Source over an in-memory Arrow table (used for DataFrames and tests)."""
    return Source(Path(name), "table", list(table.column_names), {"table": table}, table.num_rows)


def _table_chunks(src: Source, columns: list[str], chunk_size: int) -> Iterator[pa.Table]:
    yield from _split(src.options["table"].select(columns), chunk_size)


_OPENERS = {"parquet": _open_parquet, "sav": _open_sav}
_SHEETS = {"xlsx": _open_xlsx, "calamine": _open_calamine}  # formats with rows around their names, as CSV
_CHUNKERS = {"csv": _csv_chunks, "parquet": _parquet_chunks, "xlsx": _xlsx_chunks, "calamine": _calamine_chunks,
             "sav": _sav_chunks, "table": _table_chunks}
_LITERAL_CHUNKERS = {"csv": _csv_chunks, "xlsx": _xlsx_chunks, "calamine": _calamine_chunks}  # the others keep types


def source_of(data, sheet: str | None = None, encoding: str | None = None, *, header_row: int = 1,
              first_row: int | None = None) -> Source:
    """A :class:`Source` for a file path (``encoding``: of a CSV file; ``header_row`` and
    ``first_row``: the rows of its column names and first answers, :func:`open_source`), a
    pyarrow Table or RecordBatch, or a pandas DataFrame."""
    if isinstance(data, (str, Path)):
        return open_source(data, sheet=sheet, encoding=encoding, header_row=header_row, first_row=first_row)
    if isinstance(data, pa.Table):
        src = from_table(data)
    elif isinstance(data, pa.RecordBatch):
        src = from_table(pa.Table.from_batches([data]))
    elif type(data).__module__.startswith("pandas"):
        src = from_table(pa.Table.from_pandas(data, preserve_index=False), "<DataFrame>")
    else:
        raise UsageError(f"cannot read a {type(data).__name__}: give a file path, a pandas DataFrame or a pyarrow Table")
    no_rows_around_names(src.path, *answer_rows(header_row, first_row, src.path), "a table")
    return src


def label_map(source: Source, column: str) -> dict[str, str] | None:
    """A column's value labels (SPSS) keyed by the values as text (``3.0`` -> ``"3"``), or None."""
    labels = value_labels(source, column)
    if not labels:
        return None
    return {(str(int(k)) if isinstance(k, float) and k.is_integer() else str(k)): str(v) for k, v in labels.items()}


def natural_key(value: str) -> list:
    """Sort key putting ``branch 2`` before ``branch 10``: the split's odd places are its
    numbers (``"²".isdigit()`` is true, but ``²`` is no number for ``int``).

    >>> sorted(["branch 10", "²", "branch 2"], key=natural_key)
    ['branch 2', 'branch 10', '²']
    """
    return [int(t) if i % 2 else t.lower() for i, t in enumerate(re.split(r"(\d+)", value))]
