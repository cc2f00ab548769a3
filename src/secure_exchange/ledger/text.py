"""Byte-level views of Arrow string arrays for fast, vectorised ledger checks."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "byte_lengths",
    "bytes_at",
    "first_bytes",
    "fixed_width_matrix",
    "last_byte_is",
    "nonempty",
    "replace_rows",
    "to_numpy",
    "trim",
    "with_nulls",
]

_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20]] = True
# First bytes that may open whitespace or a BOM: ASCII space, C2 (U+00A0, U+0085),
# E1 (U+1680), E2 (U+2000-U+205F), E3 (U+3000), EF (U+FEFF).
_HEAD = _ASCII_SPACE.copy()
_HEAD[[0xC2, 0xE1, 0xE2, 0xE3, 0xEF]] = True
# Last bytes of multi-byte whitespace: 80-8A, 85, 9F, A0, A8, A9, AF (checked further).
_TAIL = np.zeros(256, dtype=bool)
_TAIL[[*range(0x80, 0x8B), 0x9F, 0xA0, 0xA8, 0xA9, 0xAF]] = True
# The two (disjoint) sets above as one lookup of the last byte.
_SPACE_END, _TAIL_END = 1, 2
_LAST_KIND = np.where(_ASCII_SPACE, _SPACE_END, np.where(_TAIL, _TAIL_END, 0)).astype(np.uint8)


def to_numpy(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numpy copy/view of a primitive Arrow array (no nulls expected)."""
    return np.asarray(array.to_numpy(zero_copy_only=False))


def _parts(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (n + 1, int32) and the data bytes of a non-chunked string array."""
    n = len(array)
    if n == 0:
        return np.zeros(1, np.int32), np.zeros(0, np.uint8)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset : array.offset + n + 1]
    data_buffer = array.buffers()[2]
    data = (
        np.zeros(0, np.uint8) if data_buffer is None else np.frombuffer(data_buffer, dtype=np.uint8)
    )
    return offsets, data


def byte_lengths(array: pa.Array) -> np.ndarray:
    """Length in bytes of every string (0 for empty)."""
    if len(array) == 0:
        return np.zeros(0, np.int64)
    offsets, _ = _parts(array)
    return np.diff(offsets)


def first_bytes(array: pa.Array) -> np.ndarray:
    """The first byte of every string (0 for an empty one)."""
    return bytes_at(array, 0)


def bytes_at(array: pa.Array, position: int) -> np.ndarray:
    """The byte at ``position`` of every string (0 for a string not that long)."""
    offsets, data = _parts(array)
    if len(data) == 0:
        return np.zeros(len(array), np.uint8)
    found = data.take(offsets[:-1] + position, mode="clip")
    return np.where(offsets[1:] - offsets[:-1] > position, found, 0).astype(np.uint8)


def nonempty(array: pa.Array) -> np.ndarray:
    """Rows whose string is not empty (its offsets differ: one comparison, no lengths)."""
    offsets, _ = _parts(array)
    return np.asarray(offsets[1:] != offsets[:-1])


def last_byte_is(array: pa.Array, value: int) -> np.ndarray:
    """Rows whose last byte is ``value`` (False for empty strings)."""
    offsets, data = _parts(array)
    if len(data) == 0:
        return np.zeros(len(array), dtype=bool)
    return np.asarray(
        (data.take(offsets[1:] - 1, mode="clip") == value) & (offsets[1:] > offsets[:-1])
    )


def _needs_trim(array: pa.Array) -> np.ndarray:
    """Rows that may start or end with whitespace or a BOM (a cheap superset).

    Looks at the first and last byte of every string; a byte that belongs to a neighbour
    (short or empty strings) only adds false positives, which the exact trim leaves alone.
    """
    offsets, data = _parts(array)
    if len(data) == 0:
        return np.zeros(len(array), dtype=bool)
    head = _HEAD.take(data.take(offsets[:-1], mode="clip"))
    last = data.take(offsets[1:] - 1, mode="clip")
    kind = _LAST_KIND.take(last)
    maybe = head | (kind == _SPACE_END)
    tail = np.flatnonzero((kind == _TAIL_END) & ~head)
    end = offsets[1:][tail]
    before = data.take(end - 2, mode="clip")
    third = data.take(end - 3, mode="clip")
    multibyte = ((before == 0xC2) & ((last[tail] == 0xA0) | (last[tail] == 0x85))) | (
        ((third == 0xE1) | (third == 0xE2) | (third == 0xE3))
        & ((before == 0x80) | (before == 0x81) | (before == 0x9A))
    )
    maybe[tail[multibyte]] = True
    return np.asarray(maybe)


def with_nulls(array: pa.Array, valid: np.ndarray) -> pa.Array:
    """``array`` (no nulls) with nulls where ``valid`` is False, sharing its data buffers."""
    if valid.all():
        return array
    if array.offset or array.null_count:
        return pc.if_else(pa.array(valid), array, pa.scalar(None, array.type))
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())
    return pa.Array.from_buffers(array.type, len(array), [bitmap, *array.buffers()[1:]])


def trim(array: pa.Array) -> pa.Array:
    """Trim whitespace (full-width U+3000 and a stray BOM included) from every cell.

    Only the rows that start or end with a whitespace byte pattern are touched.
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if len(array) == 0:
        return array
    rows = np.flatnonzero(_needs_trim(array))
    if not len(rows):
        return array
    picked = pc.take(array, pa.array(rows, pa.int64())).to_pylist()
    fixed = [str(text).replace("\ufeff", "").strip() for text in picked]
    return replace_rows(array, rows, fixed)


def replace_rows(array: pa.Array, rows: np.ndarray, values: list[str]) -> pa.Array:
    """``array`` with the strings at ``rows`` replaced by ``values``."""
    mask = np.zeros(len(array), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(array, pa.array(mask), pa.array(values, type=pa.string()))


def fixed_width_matrix(array: pa.Array, rows: np.ndarray, width: int) -> np.ndarray:
    """The bytes of ``array[rows]`` (each exactly ``width`` bytes) as an (n, width) matrix."""
    if not len(rows):
        return np.zeros((0, width), dtype=np.uint8)
    offsets, data = _parts(array)
    if len(rows) == len(array) and int(offsets[-1]) - int(offsets[0]) == width * len(rows):
        start = int(offsets[0])
        return data[start : start + width * len(rows)].reshape(len(rows), width)
    subset = pc.take(array, pa.array(rows, pa.int64()))
    return fixed_width_matrix(subset, np.arange(len(rows)), width)
