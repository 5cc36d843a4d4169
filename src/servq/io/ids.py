"""Repeated respondent ids, found exactly in bounded memory.

Every id (as validated: trimmed text) is hashed to 64 bits while its chunk is read. The
hashes are buffered; past :data:`SPILL` of them the buffer is partitioned by the top bits
of the hash into :data:`BUCKETS` buckets and written to an unnamed temporary file. At the
end each bucket is read back on its own and sorted: ids whose hash occurs more than once
are the candidates. Only when there are candidates is the id column read a second time:
the candidates' text is compared, so every repeated id is reported with its row and the
row it first appeared on, and two ids that merely share a hash are never reported.

Memory: 8 bytes per id up to :data:`SPILL` ids (2 MiB); beyond that, the buffer and two
buckets at a time (8 bytes x ids / 64 each, and a table of 4 to 8 counts per id of the
bucket to pick the ones worth sorting) — about 20 MiB for ten million ids — while the
hashes wait on disk (8 bytes per id). The second pass holds the candidates of at most about
:data:`CONFIRM` rows at a time (reading the id column once more for each such batch);
only one id repeated on more rows than that is held whole.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SPILL = 1 << 18  # hashes buffered in memory before they go to the temporary file
BUCKET_BITS = 6
BUCKETS = 1 << BUCKET_BITS
CONFIRM = 1 << 20  # candidate rows compared in one pass over the id column

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)
_SEED = np.uint64(0x243F6A8885A308D3)
# the low k bytes of a little-endian word, k = 0..8
_KEEP = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)


def hash64(ids: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the values of a string array (uint64) and where it is not null.

    Equal strings have equal hashes whatever their position or array; the bytes are read
    eight at a time straight from the Arrow buffers (multiply-xorshift per word, the
    length in the seed, splitmix64's finaliser).

    >>> h, ok = hash64(pa.array(["R1", "R2", None, "R1"]))
    >>> bool(h[0] == h[3]), bool(h[0] == h[1]), ok.tolist()
    (True, False, [True, True, False, True])
    """
    n = len(ids)
    if n == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool)
    if pa.types.is_large_string(ids.type) or not pa.types.is_string(ids.type):
        ids = ids.cast(pa.string())
    validity, offsets, data = ids.buffers()[:3]
    off = np.frombuffer(offsets, dtype=np.int32, count=ids.offset + n + 1)[ids.offset:]
    base = int(off[0])
    size = int(off[-1]) - base
    padded = np.zeros(size + 8, dtype=np.uint8)  # eight zero bytes: a word read at the end stays inside
    if size:
        padded[:size] = np.frombuffer(data, dtype=np.uint8, count=size, offset=base)
    # every byte position as the start of an unaligned little-endian 64-bit word
    words = np.ndarray((size + 1,), dtype="<u8", buffer=padded, strides=(1,))
    start = (off[:-1] - base).astype(np.intp)
    length = np.diff(off).astype(np.int64)
    h = length.astype(np.uint64) * _M2 + _SEED
    for w in range(-(-int(length.max(initial=0)) // 8)):
        left = length - 8 * w  # bytes of the string from this word on
        active = left > 0
        word = words[np.where(active, start + 8 * w, 0)] & _KEEP[np.clip(left, 0, 8)]
        mixed = (h ^ word) * _M1
        mixed ^= mixed >> np.uint64(29)
        h = np.where(active, mixed, h)
    h ^= h >> np.uint64(30)
    h *= _M2
    h ^= h >> np.uint64(27)
    h *= _M3
    h ^= h >> np.uint64(31)
    if ids.null_count == 0:
        return h, np.ones(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little", count=ids.offset + n)[ids.offset:]
    return h, bits.view(bool)


class RepeatedIds:
    """Collects the ids of a file chunk by chunk; :meth:`find` names the repeated ones.

    ``add`` is called with each chunk's ids in file order (null = no id). ``find`` needs
    the id column once more, in the same order and normalised the same way, when some
    hashes repeat: ``reread()`` yields it in chunks of any size.
    """

    def __init__(self) -> None:
        self.rows = 0
        self._buffer: list[np.ndarray] = []
        self._buffered = 0
        self._runs: list[tuple[int, np.ndarray]] = []  # (file offset in bytes, bucket bounds)
        self._file = None

    def add(self, ids: pa.Array) -> None:
        """The next rows' ids (trimmed text; null = no id)."""
        h, valid = hash64(ids)
        self.add_hashes(h if valid.all() else h[valid], len(ids))

    def add_hashes(self, h: np.ndarray, rows: int) -> None:
        """:meth:`add` of ids already hashed with :func:`hash64`: ``h`` the hashes of the
        ids that are not null among the next ``rows`` rows."""
        self.rows += rows
        if h.size:
            self._buffer.append(h)
            self._buffered += h.size
            if self._buffered >= SPILL:
                self._spill()

    def _spill(self) -> None:
        """Write the buffer to the temporary file, bucket by bucket."""
        h, bounds = _by_bucket(np.concatenate(self._buffer))
        self._buffer, self._buffered = [], 0
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="servq-ids-")
        at = self._file.seek(0, os.SEEK_END)
        self._file.write(memoryview(h))
        self._file.flush()
        self._runs.append((at, bounds))

    def close(self) -> None:
        """Remove the temporary file (:meth:`find` does it too)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._buffer, self._buffered, self._runs = [], 0, []

    def _candidates(self) -> list[np.ndarray]:
        """The hashes that occur more than once (sorted), in batches of at most about
        :data:`CONFIRM` rows (a hash counts once per row it is on)."""
        rest = np.concatenate(self._buffer) if self._buffer else np.zeros(0, dtype=np.uint64)
        if not self._runs:  # everything is in memory (fewer than SPILL ids)
            found = [_repeats(rest)]
        else:
            rest, rest_bounds = _by_bucket(rest)
            fd = self._file.fileno()

            def bucket(b: int) -> tuple[np.ndarray, np.ndarray]:
                parts = [rest[rest_bounds[b]:rest_bounds[b + 1]]]
                for at, bounds in self._runs:
                    count = int(bounds[b + 1] - bounds[b])
                    if count:
                        raw = os.pread(fd, 8 * count, at + 8 * int(bounds[b]))
                        parts.append(np.frombuffer(raw, dtype=np.uint64))
                return _repeats(np.concatenate(parts))

            with ThreadPoolExecutor(2) as pool:  # the sorts release the GIL
                found = list(pool.map(bucket, range(BUCKETS)))
        hashes = np.concatenate([f[0] for f in found])
        if not hashes.size:
            return []
        rows = np.concatenate([f[1] for f in found])
        order = np.argsort(hashes)
        hashes, rows = hashes[order], rows[order]
        batches, start, total = [], 0, 0
        for i, c in enumerate(rows.tolist()):
            if total and total + c > CONFIRM:
                batches.append(hashes[start:i])
                start, total = i, 0
            total += c
        batches.append(hashes[start:])
        return batches

    def find(self, reread: Callable[[], Iterable[pa.Array]], limit: int) -> tuple[int, list[tuple[int, int, str]]]:
        """(number of rows whose id is on an earlier row too, and the first ``limit`` of
        them in file order as (row, earliest row with that id, id)); rows count from 0."""
        try:
            batches = self._candidates()
        finally:
            self.close()
        total, kept = 0, []
        for hashes in batches:
            n, found = _confirm(reread(), hashes, limit)
            total += n
            kept = sorted(kept + found)[:limit]
        return total, kept


def _by_bucket(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``h`` ordered by bucket (the top bits of the hash) and the buckets' bounds."""
    bucket = (h >> np.uint64(64 - BUCKET_BITS)).astype(np.uint8)
    bounds = np.zeros(BUCKETS + 1, dtype=np.int64)
    np.cumsum(np.bincount(bucket, minlength=BUCKETS), out=bounds[1:])
    return h[np.argsort(bucket, kind="stable")], bounds


def _repeats(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The values that occur more than once in ``h`` (one bucket) and on how many rows
    each. Sorting is the costly part, so a bigger bucket is first thinned out: the next
    bits of the hash (a table four times the bucket's size) keep only the values that
    share their slot with another — equal values always do."""
    if h.size >= 1 << 14:
        bits = int(h.size).bit_length() + 2
        slot = ((h >> np.uint64(64 - BUCKET_BITS - bits)) & np.uint64((1 << bits) - 1)).astype(np.intp)
        h = h[np.bincount(slot, minlength=1 << bits)[slot] > 1]
    s = np.sort(h)
    same = s[1:] == s[:-1]
    if not same.any():
        return s[:0], np.zeros(0, dtype=np.int64)
    values, repeats = np.unique(s[1:][same], return_counts=True)
    return values, repeats + 1


def _confirm(chunks: Iterable[pa.Array], hashes: np.ndarray, limit: int) -> tuple[int, list[tuple[int, int, str]]]:
    """Compare the text of the rows whose hash is one of ``hashes`` (sorted)."""
    rows, texts, at = [], [], 0
    for ids in chunks:
        h, valid = hash64(ids)
        pos = np.searchsorted(hashes, h)
        hit = valid & (hashes[np.minimum(pos, hashes.size - 1)] == h)
        idx = np.flatnonzero(hit)
        if idx.size:
            rows.append(idx + at)
            texts.append(ids.take(pa.array(idx)))
        at += len(ids)
    if not rows:
        return 0, []
    row = np.concatenate(rows)
    encoded = pc.dictionary_encode(pa.concat_arrays(texts))
    code = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    _, first_at = np.unique(code, return_index=True)  # rows are in file order: the first is the earliest
    first = row[first_at][code]
    again = np.flatnonzero(row != first)
    found = [(int(row[i]), int(first[i]), encoded.dictionary[int(code[i])].as_py()) for i in again[:limit]]
    return int(again.size), found
