"""Reading a complaints register (CSV, XLSX, Parquet, SPSS .sav, a DataFrame or an Arrow
table) into the table :func:`servq.complaints.analytics.complaints_block` expects.

One row per complaint. Column names are compared ignoring case, surrounding spaces, and
spaces or hyphens inside them (``Received at`` = ``received_at``); other columns are
ignored:

===================  ======================================================  ==========
column               what                                                    required
===================  ======================================================  ==========
``id``               complaint id, unique (absent: the row number, header     no
                     = row 1, so the first complaint is 2)
``received_at``      when the complaint came in                              yes
``unit``             branch, region, team                                    yes
``dimension``        what it is about (billing, network, staff …)            yes [#]_
``text``             the complaint in the customer's words                   no
``channel``,         text                                                    no
``tier``,
``product``
``acknowledged_at``, times; blank = not yet                                  no
``resolved_at``
``ack_due``,         due times from another system (``--sla`` replaces them)  no
``resolve_due``
``status``           ``open``, ``closed``, ``withdrawn`` …                   no
``customer_key``     an already pseudonymous customer key                    no
``email``,           raw contact details: normalised and hashed (SHA-256)    no
``phone``,           into ``customer_key``; they go no further
``customer``
===================  ======================================================  ==========

.. [#] With a ``text`` column, a blank dimension is filled in by the complaint
   classifier (:func:`servq.text.classify`, the built-in model) and the
   number so filled is kept in the table's metadata (``servq.classified``).

Times
-----
- ISO 8601 text: ``2026-03-02 09:15``, ``2026-03-02T09:15:30.250``, with or without a
  UTC offset (``+01:00``, ``+0100``, ``+01``, ``Z``). Without an offset the time is the
  local wall-clock time in ``timezone``; a local time that does not exist (inside the
  spring daylight-saving gap) or occurs twice (autumn) is read as Python does with
  ``fold = 0`` (PEP 495): with the offset before the change.
- A date alone (``2026-03-02``) is local midnight.
- Spreadsheet date cells (XLSX), date and timestamp columns (Parquet, SPSS, pandas):
  a timestamp with a time zone is that instant; one without, and a date, are local.

Customer keys
-------------
``customer_key`` is taken as it is. Otherwise the first of ``email``, ``phone`` and
``customer`` that a row has is normalised — an e-mail trimmed and lower-cased, a phone
number reduced to its digits (a leading ``+`` kept, ``00`` read as ``+``), a customer
number or name trimmed, lower-cased, inner spaces collapsed — and hashed:
``customer_key = SHA-256("email:" + address)`` (or ``phone:``, ``customer:``) in hex.
The same contact gives the same key in every file, so repeat complainants are found
without any contact detail leaving the reader. A hash of a phone number is pseudonymous,
not anonymous (phone numbers can be enumerated): keep the keys as personal data.
National and international forms of one number (``070…`` and ``+4670…``) differ.

Problems
--------
Every problem — a required column missing, a column given twice, a time that is not
one or not within the years 1 to 9999 (in UTC), a blank received time, unit or
dimension, an acknowledgement or resolution before the complaint was received, an id
given twice or blank, an e-mail address or phone number that is not one — is reported
with its file, row (header = row 1) and column, all at once, as
:class:`~servq.errors.DataError`; nothing is returned from a file with problems. Contact
details are never printed in the messages. An early but possible date (1900) is read:
the analysis costs a few weeks more, not one per week in between.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataError, Problem, UsageError
from ..io.arrow import as_text, flat, py_value
from ..io.readers import natural_key, source_of
from .timestamps import DAY, HOUR, US, utc_us

TIMES = ("received_at", "acknowledged_at", "resolved_at", "ack_due", "resolve_due")
TEXTS = ("unit", "dimension", "channel", "tier", "product", "status")
CONTACTS = {"email": "email", "e_mail": "email", "phone": "phone", "telephone": "phone", "mobile": "phone",
            "customer": "customer", "customer_id": "customer"}
KNOWN = ("id", *TIMES, *TEXTS, "text", "customer_key", *CONTACTS)
ORDER = {name: i for i, name in enumerate(KNOWN)}
UTC_NAMES = ("UTC", "Etc/UTC", "Z")
TS = pa.timestamp("us", tz="UTC")
MINUTE = 60 * US
# the instants every date library can hold: 0001-01-01 to 9999-12-31 (UTC), in microseconds since 1970
FIRST_US, LAST_US = -62_135_596_800 * US, 253_402_300_800 * US - 1
_ISO = (r"^(?P<date>\d{4}-\d{2}-\d{2})"
        r"(?:[T ](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
        r"\s*(?P<z>Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$")
_EMAIL = r"^[^@\s]+@[^@\s]+$"
ID_REPEATED = "complaint id given twice"
NOT_A_TIME = "not a time (use ISO 8601: 2026-03-02 09:15, optionally with an offset such as +01:00)"

Classifier = Callable[[list[str]], Sequence[str]]


class _Problems:
    def __init__(self, file: str, limit: int, first_row: int = 2, header_row: int = 1):
        self.file, self.limit, self.kept, self.total = file, limit, [], 0
        self.first_row = first_row  # the spreadsheet row of index 0
        self.header_row = header_row  # the spreadsheet row of the column names
        self.order: dict[str, int] = {}  # column name -> position in the file
        self.offsets: np.ndarray | None = None  # each kept row's place below first_row, when empty rows were left out

    def row(self, index) -> int:
        return self.first_row + int(index if self.offsets is None else self.offsets[index])

    def add(self, message: str, row: int | None, column: str | None, value=None) -> None:
        self.total += 1
        if len(self.kept) < self.limit:
            self.kept.append(Problem(message, file=self.file, row=row, column=column, value=value))

    def rows(self, mask: np.ndarray, message: str, column: str, values: pa.Array | None = None) -> None:
        """One problem per row of ``mask`` (row = first_row + index), the value from ``values``."""
        idx = np.flatnonzero(mask)
        room = max(0, self.limit - len(self.kept))
        for i in idx[:room]:
            self.kept.append(Problem(message, file=self.file, row=self.row(i), column=column,
                                     value=None if values is None else py_value(values, i)))
        self.total += idx.size

    def fail(self) -> None:
        if not self.total:
            return
        kept = sorted(self.kept, key=lambda p: (p.row or 0, self.order.get(p.column or "",
                                                                           100 + ORDER.get(p.column or "", 99))))
        raise DataError(f"{self.file}: {self.total} problem(s) in the complaints register; nothing was read",
                        kept, self.total)


def _canonical(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip()).casefold()


def check_timezone(timezone: str) -> str:
    """``timezone`` if it is an IANA time zone, else a UsageError."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UsageError(f"unknown time zone {timezone!r} (use an IANA name such as Europe/Stockholm)") from None
    return timezone


def read_register(data, *, timezone: str = "UTC", sheet: str | None = None, max_problems: int = 50,
                  classify: Classifier | bool | None = None, first_row: int | None = None, unique_ids: bool = True,
                  file: str | None = None, encoding: str | None = None, header_row: int = 1) -> pa.Table:
    """The complaints of a register as the table :func:`~servq.complaints.analytics.complaints_block`
    expects (see the module notes for the columns, times and customer keys).

    Parameters
    ----------
    data : path, pandas.DataFrame or pyarrow.Table
        The register, one row per complaint.
    timezone : str
        IANA zone of times written without a UTC offset, and of dates.
    sheet : str, optional
        Worksheet of an XLSX file (default: the first).
    max_problems : int
        At most this many problems are listed (all are counted).
    classify : callable, False or None
        Fills in blank dimensions from the ``text`` column: a function from a list of texts
        to their dimensions. None (default) uses :func:`servq.text.classify`; False
        classifies nothing (a blank dimension is then a problem).
    first_row : int, optional
        The spreadsheet row of the first complaint (default: the row below the column names),
        for problems and the ids of a register without an id column. Of a file, the rows
        between the column names and it are skipped (a survey tool's header rows); a table
        is numbered from it (a part of a larger file).
    unique_ids : bool
        Check that no id repeats (False when the caller checks it across all the parts).
    file : str, optional
        How problems name the register (default: its path, or ``<table>``).
    encoding : str, optional
        Encoding of a CSV register (default: as the file shows, :mod:`servq.io.readers`;
        a file not valid in it is a DataError naming the line and bytes).
    header_row : int
        The spreadsheet row holding the column names of a CSV file or a sheet (default 1;
        a title above them is not read).

    Returns
    -------
    pyarrow.Table
        Columns ``id`` (text), ``received_at`` (timestamp, UTC), ``unit``, ``dimension``,
        ``channel``, ``tier``, ``product`` (text), ``acknowledged_at``, ``resolved_at``
        (timestamp, UTC), ``status``, ``customer_key`` (text), and ``ack_due`` and
        ``resolve_due`` when the register has them; in file order. The schema's metadata
        holds ``servq.file``, ``servq.timezone``, ``servq.classified`` (dimensions filled in
        by the classifier), ``servq.customer_key`` (where the keys come from) and, for a CSV
        file read as Windows-1252 because it is not UTF-8, ``servq.encoding`` (``cp1252``).
        The ``text`` column is read as written: a complaint reading ``NA`` or ``null`` is
        that text, only a blank cell is none.

    Raises
    ------
    DataError
        Every problem with its file, row and column; nothing is returned.
    UsageError
        An unknown time zone, a file that is not there or cannot be read.

    Examples
    --------
    >>> t = pa.table({"Received at": ["2026-03-02 09:15", "2026-03-02T10:00+02:00"],
    ...               "Unit": ["North", "South"], "dimension": ["billing", "network"],
    ...               "email": [" Ann@Example.com", "bo@example.com"]})
    >>> r = read_register(t, timezone="Europe/Stockholm")
    >>> [str(v) for v in r["received_at"].to_pylist()]
    ['2026-03-02 08:15:00+00:00', '2026-03-02 08:00:00+00:00']
    >>> r["id"].to_pylist(), r["customer_key"][0].as_py() == hashlib.sha256(b"email:ann@example.com").hexdigest()
    (['2', '3'], True)
    >>> read_register(pa.table({"received_at": ["2.3.2026"], "unit": ["North"], "dimension": [None]}),
    ...               classify=False)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    servq.errors.DataError: <table>: 2 problem(s) in the complaints register; nothing was read
      <table>, row 2, column received_at: not a time (use ISO 8601: 2026-03-02 09:15, optionally with an offset
      such as +01:00) (value '2.3.2026')
      <table>, row 2, column dimension: the dimension is required
    """
    check_timezone(timezone)
    if max_problems < 1:
        raise UsageError(f"max_problems must be at least 1, got {max_problems}")
    if isinstance(data, (str, Path)) and not Path(data).is_file():
        raise UsageError(f"complaints register not found: {data}")
    in_file = isinstance(data, (str, Path))
    src = source_of(data, sheet=sheet, encoding=encoding, header_row=header_row, first_row=first_row if in_file else None)
    if file is None:
        file = str(src.path) if in_file else src.path.name
    found = _Problems(file, max_problems, src.first_row if in_file or first_row is None else first_row, src.header_row)
    found.order = {name: i for i, name in enumerate(src.columns)}
    names = _columns(src.columns, found)
    found.fail()
    wanted = list(names.values())
    parts = list(src.chunks(wanted, text=[names["text"]] if "text" in names else ()))
    table = pa.concat_tables(parts) if parts else pa.table({c: pa.array([], pa.string()) for c in wanted})
    empty = _empty_rows(table)
    if empty.any():  # an empty row is no complaint; the rows below keep their numbers
        found.offsets = np.flatnonzero(~empty)
        table = table.filter(pa.array(~empty))
    n = table.num_rows

    def col(name: str) -> pa.Array | None:
        return flat(table.column(names[name])) if name in names else None

    out: dict[str, pa.Array] = {}
    out["id"] = _ids(col("id"), names.get("id"), n, found, unique_ids)
    stamps = {name: _times(col(name), names[name], timezone, found) for name in TIMES if name in names}
    received, has_received = stamps["received_at"]
    found.rows(~has_received & ~_bad(col("received_at"), has_received), "the time the complaint was received is "
               "required", names["received_at"])
    for name in ("acknowledged_at", "resolved_at"):
        if name in stamps:
            values, valid = stamps[name]
            early = valid & has_received & (values < received)
            for i in np.flatnonzero(early)[:max_problems]:
                found.add(f"before the complaint was received ({_shown(col('received_at'), i)})", found.row(i),
                          names[name], _shown(col(name), i))
            found.total += max(0, int(np.count_nonzero(early)) - max_problems)
    texts = {name: _text(col(name), n) for name in TEXTS}
    found.rows(_blank(texts["unit"]), "the unit is required", names["unit"])
    text = _text(col("text"), n) if "text" in names else None
    blank_dim = _blank(texts["dimension"])
    classifier = _classifier(classify) if text is not None else None
    if classifier is None:
        found.rows(blank_dim, "the dimension is required", names.get("dimension", "dimension"))
    else:
        found.rows(blank_dim & _blank(text), "the dimension is required (the text is blank too, so it cannot be "
                                             "classified)", names.get("dimension", "dimension"))
    key, key_from = _customer_keys(col("customer_key"), {k: col(k) for k in CONTACTS if k in names}, names, n,
                                   found)
    found.fail()
    classified = 0
    if classifier is not None and blank_dim.any():
        texts["dimension"], classified = _classified(texts["dimension"], text, blank_dim, classifier)
    arrays = {"id": out["id"], "received_at": _stamp(received, has_received),
              "unit": texts["unit"], "dimension": texts["dimension"],
              "channel": texts["channel"], "tier": texts["tier"], "product": texts["product"]}
    for name in ("acknowledged_at", "resolved_at"):
        arrays[name] = _stamp(*stamps[name]) if name in stamps else pa.nulls(n, TS)
    arrays["status"] = texts["status"]
    arrays["customer_key"] = key
    for name in ("ack_due", "resolve_due"):
        if name in stamps:
            arrays[name] = _stamp(*stamps[name])
    meta = {"servq.file": file, "servq.timezone": timezone, "servq.classified": str(classified),
            "servq.customer_key": key_from}
    if src.options.get("guessed"):
        meta["servq.encoding"] = "cp1252"
    return pa.table(arrays).replace_schema_metadata(meta)


def id_column(header: Sequence[str]) -> str | None:
    """The column of a register's header read as the complaint id (None: the ids are the
    row numbers)."""
    return next((col for col in header if _canonical(col) == "id"), None)


def _columns(header: Sequence[str], found: _Problems) -> dict[str, str]:
    """Canonical name -> the file's column name, for the columns servq reads."""
    names: dict[str, str] = {}
    for col in header:
        key = _canonical(col)
        if key not in KNOWN:
            continue
        if key in names:
            found.add(f"the columns '{names[key]}' and '{col}' are both read as {key}", found.header_row, col)
        names.setdefault(key, col)
    for key in ("received_at", "unit"):
        if key not in names:
            found.add(f"required column '{key}' is missing", found.header_row, key)
    if "dimension" not in names and "text" not in names:
        found.add("required column 'dimension' is missing (or give a 'text' column to classify)", found.header_row,
                  "dimension")
    return names


# --------------------------------------------------------------------------- ids and texts


def _text(arr: pa.Array | None, n: int) -> pa.Array:
    """Trimmed text, blank as null."""
    if arr is None or pa.types.is_null(arr.type):
        return pa.nulls(n, pa.string())
    text = as_text(arr)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _empty_rows(table: pa.Table) -> np.ndarray:
    """The rows whose every cell is blank (an empty line or row of the file)."""
    empty = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        empty &= _blank(_text(flat(column), table.num_rows))
    return empty


def _blank(text: pa.Array) -> np.ndarray:
    return np.asarray(text.is_null().to_numpy(zero_copy_only=False), dtype=bool)


def _ids(arr: pa.Array | None, column: str | None, n: int, found: _Problems, unique: bool = True) -> pa.Array:
    if arr is None:  # the row number in the file (header = row 1)
        offsets = np.arange(n) if found.offsets is None else found.offsets
        return pa.array((found.first_row + offsets).astype(str), pa.string())
    ids = _text(arr, n)
    found.rows(_blank(ids), "the complaint id is blank", column)
    enc = pc.dictionary_encode(ids)
    codes = pc.fill_null(enc.indices.cast(pa.int64()), -1).to_numpy()
    ok = np.flatnonzero(codes >= 0)
    if unique and len(enc.dictionary) < ok.size:  # fewer distinct ids than ids: some repeat
        _, first = np.unique(codes[ok], return_index=True)
        first_row = np.full(len(enc.dictionary), -1, dtype=np.int64)
        first_row[codes[ok][first]] = ok[first]
        repeat = ok[first_row[codes[ok]] != ok]
        for i in repeat[:found.limit]:
            found.add(f"{ID_REPEATED} (first at row {found.row(first_row[codes[i]])})", found.row(i), column,
                      ids[int(i)].as_py())
        found.total += max(0, repeat.size - found.limit)
    return ids


# --------------------------------------------------------------------------- times


def _bad(arr: pa.Array | None, valid: np.ndarray) -> np.ndarray:
    """Cells with something in them that did not become a time (already reported)."""
    if arr is None:
        return np.zeros(valid.size, dtype=bool)
    present = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        present &= ~np.asarray(pc.fill_null(pc.equal(pc.utf8_trim_whitespace(arr), ""), True)
                               .to_numpy(zero_copy_only=False), dtype=bool)
    return present & ~valid


def _times(arr: pa.Array, column: str, timezone: str, found: _Problems) -> tuple[np.ndarray, np.ndarray]:
    """(UTC microseconds, valid) of a column of times; cells that are not times, or not
    within the years 1 to 9999 in UTC, are reported and left invalid."""
    values, valid = _parsed_times(arr, column, timezone, found)
    outside = valid & ((values < FIRST_US) | (values > LAST_US))
    if outside.any():
        found.rows(outside, "outside the years 1 to 9999 (in UTC)", column, arr)
    return values, valid & ~outside


def _parsed_times(arr: pa.Array, column: str, timezone: str, found: _Problems) -> tuple[np.ndarray, np.ndarray]:
    n = len(arr)
    if pa.types.is_null(arr.type):
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return _parse_text(arr.cast(pa.string()), column, timezone, found)
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is not None:
            return utc_us(arr)
        local, valid = utc_us(arr.cast(pa.timestamp(arr.type.unit, tz="UTC")))
        return _local_to_utc(local, valid, timezone), valid
    if pa.types.is_date(arr.type):
        days = arr.cast(pa.date32()).cast(pa.int32())
        valid = np.asarray(days.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        local = pc.fill_null(days, 0).to_numpy().astype(np.int64) * DAY
        return _local_to_utc(local, valid, timezone), valid
    present = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    found.rows(present, f"not a time ({arr.type} column)", column, arr)
    return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)


def _ints(text: pa.Array, default: int = 0) -> np.ndarray:
    """Digits as integers (an empty or null group: ``default``)."""
    filled = pc.if_else(pc.equal(pc.fill_null(text, ""), ""), pa.scalar(str(default)), text)
    return pc.cast(filled, pa.int64()).to_numpy().astype(np.int64)


def _parse_text(arr: pa.Array, column: str, timezone: str, found: _Problems,
                fast: bool = True) -> tuple[np.ndarray, np.ndarray]:
    text = pc.utf8_trim_whitespace(arr)
    blank = np.asarray(pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False), dtype=bool)
    if fast:  # a column of well-formed times, all without or all with an offset: Arrow's own parser
        parsed = _parse_fast(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text), timezone)
        if parsed is not None:
            return parsed
    parts = pc.extract_regex(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text), _ISO)
    matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    field = {name: pc.struct_field(parts, name) for name in ("date", "h", "m", "s", "f", "z")}
    day = pc.fill_null(field["date"], "1970-01-01")
    year, month, dom = (_ints(pc.utf8_slice_codeunits(day, a, b)) for a, b in ((0, 4), (5, 7), (8, 10)))
    # days since 1970 from the month's first day; 2026-02-30 is not a date (no roll-over into March)
    months = (year - 1970) * 12 + np.clip(month, 1, 12) - 1
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    length = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - first
    same = (month >= 1) & (month <= 12) & (dom >= 1) & (dom <= length)
    days = first + dom - 1
    h, m, s = (_ints(field[k]) for k in ("h", "m", "s"))
    frac = pc.utf8_slice_codeunits(pc.binary_join_element_wise(pc.fill_null(field["f"], ""), "000000", ""), 0, 6)
    micro = _ints(frac)
    zone = pc.fill_null(field["z"], "")
    naive = np.asarray(pc.equal(zone, "").to_numpy(zero_copy_only=False), dtype=bool)
    utc = np.asarray(pc.is_in(zone, pa.array(["Z", "z", "UTC"])).to_numpy(zero_copy_only=False), dtype=bool)
    digits = pc.replace_substring(pc.utf8_slice_codeunits(zone, 1, 10), ":", "")
    off_h = _ints(pc.if_else(pc.or_(pc.equal(zone, ""), pa.array(utc)), "0", pc.utf8_slice_codeunits(digits, 0, 2)))
    off_m = _ints(pc.if_else(pc.or_(pc.equal(zone, ""), pa.array(utc)), "0", pc.utf8_slice_codeunits(digits, 2, 4)))
    sign = np.where(np.asarray(pc.starts_with(zone, "-").to_numpy(zero_copy_only=False), dtype=bool), -1, 1)
    ok = matched & same & (h <= 23) & (m <= 59) & (s <= 59) & (off_h <= 14) & (off_m <= 59)
    local = days * DAY + h * HOUR + m * MINUTE + s * US + micro
    offset = np.where(naive, 0, sign * (off_h * 60 + off_m) * MINUTE)
    out = local - offset
    if naive.any():
        out = np.where(naive, _local_to_utc(local, ok & naive, timezone), out)
    found.rows(~ok & ~blank, NOT_A_TIME, column, arr)
    valid = ok & ~blank
    return np.where(valid, out, 0), valid


def _parse_fast(text: pa.Array, timezone: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(UTC microseconds, valid) when every time in ``text`` is ISO 8601 that Arrow's cast
    reads the same way (checked against the pattern first), else None (the slow path then
    finds and names the cells that are not times)."""
    if pc.all(pc.match_substring_regex(text, _ISO)).as_py() is False:
        return None
    for tz in (None, "UTC"):
        try:
            stamps = text.cast(pa.timestamp("us", tz=tz))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        values, valid = utc_us(stamps if tz else stamps.cast(pa.timestamp("us", tz="UTC")))
        return np.where(valid, values if tz else _local_to_utc(values, valid, timezone), 0), valid
    return None


def _local_to_utc(local: np.ndarray, valid: np.ndarray, timezone: str) -> np.ndarray:
    """UTC microseconds of local wall-clock microseconds in ``timezone``, with PEP 495's
    ``fold = 0``: a time in the spring gap or the autumn overlap takes the offset in force
    before the change."""
    if timezone in UTC_NAMES or not valid.any():
        return local
    wall = pa.array(np.where(valid, local, 0), pa.int64()).cast(pa.timestamp("us"))
    earliest = pc.assume_timezone(wall, timezone, ambiguous="earliest", nonexistent="earliest")
    instant = earliest.cast(pa.int64()).to_numpy()
    offset = pc.local_timestamp(earliest).cast(pa.int64()).to_numpy() - instant
    return local - offset


def _shown(arr: pa.Array, i: int) -> str:
    """A time as the file has it (text as written, a typed cell in ISO 8601)."""
    value = py_value(arr, i)
    return value.isoformat() if hasattr(value, "isoformat") else str(value).strip()


def _stamp(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array(values, pa.int64(), mask=~valid).cast(TS)


# --------------------------------------------------------------------------- customer keys


def _normalised(kind: str, values: pa.Array) -> pa.Array:
    """The comparable form of each contact (null when it is not one): an e-mail address
    trimmed and lower-cased, a phone number as its digits with a leading ``+`` (``00``
    read as ``+``, at least five digits), a customer number or name trimmed, lower-cased,
    inner spaces collapsed."""
    null = pa.scalar(None, pa.string())
    text = pc.utf8_trim_whitespace(values.cast(pa.string()))
    if kind == "email":
        low = pc.utf8_lower(text)
        return pc.if_else(pc.match_substring_regex(low, _EMAIL), low, null)
    if kind == "phone":
        ok = pc.invert(pc.match_substring_regex(text, r"[^\d\s+\-().\/]"))
        digits = pc.replace_substring_regex(text, r"\D", "")
        plus = pc.starts_with(text, "+")
        double_zero = pc.and_(pc.invert(plus), pc.starts_with(digits, "00"))
        digits = pc.if_else(double_zero, pc.utf8_slice_codeunits(digits, 2, 1 << 30), digits)
        ok = pc.and_(ok, pc.greater_equal(pc.utf8_length(digits), 5))
        shown = pc.if_else(pc.or_(plus, double_zero), pc.binary_join_element_wise("+", digits, ""), digits)
        return pc.if_else(ok, shown, null)
    folded = pc.utf8_lower(pc.replace_substring_regex(text, r"\s+", " "))
    return pc.if_else(pc.equal(folded, ""), null, folded)


def _hashed(kind: str, values: pa.Array) -> pa.Array:
    """``SHA-256("<kind>:" + normalised)`` in hex of each value (null when not a contact)."""
    prefix = f"{kind}:"
    return pa.array([None if v is None else hashlib.sha256((prefix + v).encode()).hexdigest()
                     for v in _normalised(kind, values).to_pylist()], pa.string())


def hash_contact(kind: str, value: str) -> str | None:
    """``SHA-256("<kind>:" + normalised value)`` in hex, or None when ``value`` is not an
    e-mail address (kind ``email``) or a phone number (``phone``).

    >>> hash_contact("email", " Ann@Example.COM ") == hash_contact("email", "ann@example.com")
    True
    >>> hash_contact("phone", "0046 70-123 45 67") == hash_contact("phone", "+46701234567")
    True
    >>> hash_contact("phone", "call me") is None
    True
    """
    return _hashed(kind, pa.array([value], pa.string()))[0].as_py()


def _customer_keys(given: pa.Array | None, contacts: Mapping[str, pa.Array | None], names: Mapping[str, str], n: int,
                   found: _Problems) -> tuple[pa.Array, str]:
    """customer_key per row: the given key, else the hash of the first contact the row has."""
    keys = _text(given, n)
    sources = [names["customer_key"]] if given is not None else []
    for name, arr in contacts.items():
        kind = CONTACTS[name]
        text = _text(arr, n)
        enc = pc.dictionary_encode(text)  # each distinct contact is normalised and hashed once
        hashed = (pc.take(_hashed(kind, enc.dictionary), enc.indices) if len(enc.dictionary)
                  else pa.nulls(n, pa.string()))
        bad = ~_blank(text) & _blank(hashed)
        what = {"email": "not an e-mail address", "phone": "not a phone number"}.get(kind)
        if what:
            found.rows(bad, what, names[name])  # the value is personal data: not repeated
        keys = pc.coalesce(keys, hashed)
        sources.append(names[name])
    return keys, ",".join(sources)


# --------------------------------------------------------------------------- classification


def _classifier(classify: Classifier | bool | None) -> Classifier | None:
    if classify is False:
        return None
    if callable(classify):
        return classify
    if classify not in (None, True):
        raise UsageError(f"classify must be a function, None or False, got {type(classify).__name__}")
    try:
        from ..text import classify as text_classify
    except ImportError:  # the text module is not installed: a blank dimension is a problem
        return None
    return lambda texts: text_classify(texts).dimension


def _classified(dimension: pa.Array, text: pa.Array, blank: np.ndarray, classifier: Classifier) -> tuple[pa.Array, int]:
    rows = np.flatnonzero(blank)
    labels = list(classifier(pc.take(text, pa.array(rows)).to_pylist()))
    if len(labels) != rows.size:
        raise UsageError(f"the classifier gave {len(labels)} dimensions for {rows.size} texts")
    values = dimension.to_pylist()
    for i, label in zip(rows, labels):
        values[i] = str(label)
    return pa.array(values, pa.string()), int(rows.size)


# --------------------------------------------------------------------------- customers per unit


def read_customers(data, *, sheet: str | None = None, max_problems: int = 50) -> dict[str, float]:
    """Customers per unit (``unit`` → number) from a file with the columns ``unit`` and
    ``customers`` (names ignoring case), for complaint rates per 1,000 customers.

    Every problem — a missing column, a blank unit, a number of customers that is not a
    positive number, a unit given twice (ignoring case) — is reported with its row and
    column as a :class:`~servq.errors.DataError`.

    >>> read_customers(pa.table({"Unit": ["North", "South", "West"], "customers": ["12 000", "8000,5", "1,500"]}))
    {'North': 12000.0, 'South': 8000.5, 'West': 1500.0}
    """
    src = source_of(data, sheet=sheet)
    file = str(src.path) if isinstance(data, (str, Path)) else src.path.name
    found = _Problems(file, max_problems)
    names = {_canonical(c): c for c in src.columns}
    for key in ("unit", "customers"):
        if key not in names:
            found.add(f"required column '{key}' is missing (the file needs unit, customers)", src.header_row, key)
    found.fail()
    out: dict[str, float] = {}
    seen: dict[str, int] = {}
    row = src.first_row
    for chunk in src.chunks([names["unit"], names["customers"]]):
        units = _text(flat(chunk.column(names["unit"])), chunk.num_rows).to_pylist()
        counts = flat(chunk.column(names["customers"]))
        for i, unit in enumerate(units):
            raw = py_value(counts, i)
            value = _number(raw)
            if unit is None:
                found.add("the unit is required", row + i, names["unit"])
            elif unit.casefold() in seen:
                found.add(f"unit given twice (first at row {seen[unit.casefold()]})", row + i, names["unit"], unit)
            else:
                seen[unit.casefold()] = row + i
            if value is None or value <= 0:
                found.add("customers must be a positive number", row + i, names["customers"], raw)
            elif unit is not None:
                out.setdefault(unit, value)
        row += chunk.num_rows
    if row == src.first_row:
        found.add("the file has no units", None, None)
    found.fail()
    return dict(sorted(out.items(), key=lambda kv: natural_key(kv[0])))


def _number(raw) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    else:
        text = re.sub(r"[\s\u00a0\u202f]", "", str(raw))
        # 12,000 (groups of three digits) is a thousands separator, 8000,5 a decimal comma
        text = text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", text) else text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            return None
    return value if np.isfinite(value) else None


def parse_now(text: str, timezone: str) -> dt.datetime:
    """``--now`` as an aware datetime: ISO 8601 with an offset, or a local time (or date)
    in ``timezone``; UsageError when it is not a time."""
    try:
        table = read_register(pa.table({"received_at": [text], "unit": ["-"], "dimension": ["-"]}),
                              timezone=timezone, classify=False)
    except DataError:
        raise UsageError(f"--now: not a time: {text!r} (use ISO 8601, e.g. 2026-03-29T20:00+02:00 "
                         "or 2026-03-29 20:00 in --timezone)") from None
    return table["received_at"][0].as_py()
