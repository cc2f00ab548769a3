"""Byte-level views of Arrow string arrays for fast, vectorised ledger checks."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "byte_lengths", "fixed_width_matrix", "replace_rows", "to_numpy", "trim", "with_nulls",
]

_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20]] = True
_LEAD3 = np.zeros(256, dtype=bool)
_LEAD3[[0xE1, 0xE2, 0xE3]] = True  # U+1680, U+2000-U+205F, U+3000
_MID3 = np.zeros(256, dtype=bool)
_MID3[[0x80, 0x81, 0x9A]] = True
_TAIL2 = np.zeros(256, dtype=bool)
_TAIL2[[0xA0, 0x85]] = True  # U+00A0, U+0085 (lead byte 0xC2)


def to_numpy(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numpy copy/view of a primitive Arrow array (no nulls expected)."""
    return np.asarray(array.to_numpy(zero_copy_only=False))


def _parts(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (n + 1, int64) and the data bytes of a non-chunked string array."""
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset:array.offset + n + 1]
    data_buffer = array.buffers()[2]
    data = (np.zeros(0, np.uint8) if data_buffer is None
            else np.frombuffer(data_buffer, dtype=np.uint8))
    return offsets.astype(np.int64), data


def byte_lengths(array: pa.Array) -> np.ndarray:
    """Length in bytes of every string (0 for empty)."""
    if len(array) == 0:
        return np.zeros(0, np.int64)
    offsets, _ = _parts(array)
    return np.diff(offsets)


def _needs_trim(array: pa.Array) -> np.ndarray:
    """Rows that may start or end with whitespace or a BOM (a cheap superset).

    Bytes next to a short string belong to its neighbours; that only adds false positives,
    which the exact trim then leaves unchanged.
    """
    offsets, data = _parts(array)
    if len(data) == 0:
        return np.zeros(len(array), dtype=bool)
    start, end = offsets[:-1], offsets[1:]
    first, second = data.take(start, mode="clip"), data.take(start + 1, mode="clip")
    last, before = data.take(end - 1, mode="clip"), data.take(end - 2, mode="clip")
    third_last = data.take(end - 3, mode="clip")
    head = _ASCII_SPACE[first] | ((first == 0xC2) & _TAIL2[second]) | (
        _LEAD3[first] & _MID3[second]) | (first == 0xEF)
    tail = _ASCII_SPACE[last] | ((before == 0xC2) & _TAIL2[last]) | (
        _LEAD3[third_last] & _MID3[before])
    return np.asarray(head | tail)


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
    index = offsets[rows][:, None] + np.arange(width, dtype=np.int64)[None, :]
    return data[index]
