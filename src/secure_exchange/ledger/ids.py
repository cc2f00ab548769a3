"""Vectorised checks of resident ID numbers (GB 11643, check character ISO 7064 MOD 11-2).

Structure is matched with RE2 over the whole column, the check character and birth date
are computed with numpy over the digit matrix; Python only visits the rows that fail.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from secure_exchange.errors import Problem
from secure_exchange.ledger.schema import error, mask_id, warning
from secure_exchange.ledger.text import (
    byte_lengths,
    bytes_at,
    fixed_width_matrix,
    last_byte_is,
    replace_rows,
    to_numpy,
    with_nulls,
)

__all__ = [
    "IdCheck",
    "check_ids",
    "id_keys",
    "legacy_to_18",
    "mod11_2_check",
    "ymd_digits_to_date32",
    "ymd_to_date32",
]

_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


@dataclass(frozen=True)
class IdCheck:
    """Normalised IDs, valid rows, int64 keys (-1 if malformed), birth date and sex."""

    ids: pa.Array
    valid: np.ndarray
    keys: np.ndarray
    birth_date: pa.Array
    sex: pa.Array
    findings: tuple[Problem, ...]


def mod11_2_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits of an ID."""
    total = sum(int(d) * int(w) for d, w in zip(first17, _WEIGHTS, strict=True))
    return chr(_CHECK[total % 11])


def legacy_to_18(id15: str) -> str:
    """Convert a 15-digit (pre-1999) ID to 18: insert ``19`` and compute the check."""
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + mod11_2_check(first17)


def _normalise(ids: pa.Array, rows: np.ndarray, sheet: str) -> tuple[pa.Array, list[Problem]]:
    """Upper-case, full-width to ASCII (NFKC), and 15-digit legacy numbers to 18."""
    findings: list[Problem] = []
    odd = np.flatnonzero(~to_numpy(pc.string_is_ascii(ids)) | last_byte_is(ids, ord("x")))
    if len(odd):
        fixed = [
            unicodedata.normalize("NFKC", s).strip().upper()
            for s in pc.take(ids, pa.array(odd, pa.int64())).to_pylist()
        ]
        ids = replace_rows(ids, odd, fixed)
    short = np.flatnonzero(byte_lengths(ids) == 15)
    texts = pc.take(ids, pa.array(short, pa.int64())).to_pylist()
    legacy = [(int(i), s) for i, s in zip(short, texts, strict=True) if _is_digits(s)]
    if legacy:
        converted = [legacy_to_18(s) for _, s in legacy]
        ids = replace_rows(ids, np.array([i for i, _ in legacy]), converted)
        findings.extend(
            warning(sheet, int(rows[i]), "id_number", "ledger.id.legacy15", id=mask_id(new))
            for (i, _), new in zip(legacy, converted, strict=True)
        )
    return ids, findings


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


@functools.cache
def _month_table() -> tuple[np.ndarray, np.ndarray]:
    """First day (days since 1970-01-01) and length of every month of years 0-9999."""
    months = np.arange(10000 * 12 + 1, dtype=np.int64) - 1970 * 12
    starts = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return starts[:-1], np.diff(starts)


def ymd_to_date32(
    year: np.ndarray, month: np.ndarray, day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970-01-01 (int32) and whether each (year, month, day) exists."""
    starts, lengths = _month_table()
    index = np.clip(year, 0, 9999) * 12 + np.clip(month, 1, 12) - 1
    valid = (
        (year >= 1)
        & (year <= 9999)
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= lengths[index])
    )
    return np.where(valid, starts[index] + day - 1, 0).astype(np.int32), valid


@functools.cache
def _digit_month_table() -> tuple[np.ndarray, np.ndarray]:
    """Day before the 1st (since 1970-01-01) and length of each month, 0 if none.

    Indexed by ``year * 100 + month`` for year 0-9999 and month 0-99, as read from digits.
    """
    starts, lengths = _month_table()
    before = np.zeros((10000, 100), dtype=np.int32)  # [year, month]; month 0 and 13-99: none
    days = np.zeros((10000, 100), dtype=np.int8)
    before[1:, 1:13] = (starts - 1).reshape(10000, 12)[1:]  # year 0 is none either
    days[1:, 1:13] = lengths.reshape(10000, 12)[1:]
    return before.reshape(-1), days.reshape(-1)


def ymd_digits_to_date32(
    year: np.ndarray, month: np.ndarray, day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``ymd_to_date32`` for values read from digits: year 0-9999, month and day 0-99."""
    before, lengths = _digit_month_table()
    index = year * 100
    index += month
    valid = day <= lengths.take(index)
    valid &= day >= 1
    return np.where(valid, before.take(index) + day, 0).astype(np.int32), valid


@dataclass(frozen=True)
class _Structured:
    """Results for the rows whose ID has the GB 11643 structure."""

    where: np.ndarray
    check_ok: np.ndarray
    date_ok: np.ndarray
    days: np.ndarray
    male: np.ndarray
    keys: np.ndarray


_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[48:58] = True
_CHECK_CHAR = _DIGIT.copy()
_CHECK_CHAR[ord("X")] = True


# Digit ranges read as numbers: year, month, day, then the three parts of the 17-digit key.
_PARTS = ((6, 10), (10, 12), (12, 14), (0, 6), (6, 12), (12, 17))
_WEIGHT_LIST = [int(w) for w in _WEIGHTS]
_BLOCK = 1 << 16


def _digit_sums(matrix: np.ndarray) -> np.ndarray:
    """Checksum sum, year, month, day and the three key parts of each row, as (7, n) int32.

    Worked through in blocks of rows that stay in the CPU cache; no value exceeds 10**6.
    """
    sums = np.empty((1 + len(_PARTS), len(matrix)), dtype=np.int32)
    for start in range(0, len(matrix), _BLOCK):
        digits = np.array(matrix[start : start + _BLOCK, :17].T, dtype=np.int32, order="C")
        digits -= 48
        sums[:, start : start + _BLOCK] = _block_sums(digits)
    return sums


def _block_sums(digits: np.ndarray) -> np.ndarray:
    """``_digit_sums`` of one block of digit columns (17, n); every value fits in int32."""
    out = np.empty((1 + len(_PARTS), digits.shape[1]), dtype=np.int32)
    checksum = out[0]
    np.multiply(digits[0], _WEIGHT_LIST[0], out=checksum)
    for column in range(1, 17):
        checksum += digits[column] * _WEIGHT_LIST[column]
    for row, (first, stop) in enumerate(_PARTS, start=1):
        value = out[row]
        value[:] = digits[first]
        for column in range(first + 1, stop):
            value *= 10
            value += digits[column]
    return out


def _shape_ok(matrix: np.ndarray) -> np.ndarray:
    """Rows of 17 digits (the first not 0) then a digit or ``X``."""
    ok = _CHECK_CHAR[matrix[:, 17]] & (matrix[:, 0] != 48)
    flat = matrix.reshape(-1)
    odd = np.flatnonzero((flat - np.uint8(48)) > 9)
    ok[odd[odd % 18 != 17] // 18] = False
    return np.asarray(ok)


def _structured(ids: pa.Array, candidates: np.ndarray, dates: bool = True) -> _Structured:
    """Check char, birth date, sex and an int64 key of the 18-character candidates.

    With ``dates`` False the birth dates are not read (all reported as day 0, valid).
    """
    matrix = fixed_width_matrix(ids, candidates, 18)
    shape_ok = _shape_ok(matrix)
    if not shape_ok.all():
        matrix = matrix[shape_ok]
    sums = _digit_sums(matrix)
    last = matrix[:, 17]
    check_ok = _CHECK[sums[0] % 11] == last
    if dates:
        days, date_ok = ymd_digits_to_date32(sums[1], sums[2], sums[3])
    else:
        days, date_ok = np.zeros(len(last), np.int32), np.ones(len(last), bool)
    check_value = np.where(last == 88, 10, last.astype(np.int64) - 48)
    key = (sums[4].astype(np.int64) * 10**6 + sums[5]) * 10**5 + sums[6]
    return _Structured(
        where=candidates[shape_ok],
        check_ok=check_ok,
        date_ok=date_ok,
        days=days,
        male=(matrix[:, 16] % 2) == 1,
        keys=key * 11 + check_value,
    )


def id_keys(ids: pa.Array) -> np.ndarray:
    """The int64 key of each normalised ID number (as ``check_ids`` gives), -1 if malformed.

    A key is the 17 leading digits times 11 plus the check value (X = 10), so it stands
    for the whole ID: equal keys, equal IDs.
    """
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    n = len(ids)
    filled = ids.fill_null("") if ids.null_count else ids
    found = _structured(filled, np.flatnonzero(byte_lengths(filled) == 18), dates=False)
    return _spread_numpy(found.keys, found.where, n, -1)


# An ID number Excel turned into a number and wrote in scientific notation (CSV export).
_SCIENTIFIC = r"^[0-9](\.[0-9]*)?[eE]\+?[0-9]{1,3}$"


_SCIENTIFIC_SECOND = np.zeros(256, dtype=bool)
_SCIENTIFIC_SECOND[[*b".eE"]] = True  # the second byte of every cell the pattern takes


def _scientific(ids: pa.Array) -> np.ndarray:
    """Where a cell holds a number in scientific notation rather than an ID.

    The pattern meets only the cells whose second byte is ``.``, ``e`` or ``E`` (none of
    the IDs): those few are matched, not the whole column.
    """
    found = np.zeros(len(ids), dtype=bool)
    rows = np.flatnonzero(_SCIENTIFIC_SECOND[bytes_at(ids, 1)])
    if len(rows):
        subset = pc.take(ids, pa.array(rows, pa.int64()))
        hit = pc.match_substring_regex(subset, pattern=_SCIENTIFIC).fill_null(False)
        found[rows] = np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
    return found


def check_ids(
    ids: pa.Array,
    rows: np.ndarray,
    sheet: str,
    *,
    numeric: np.ndarray | None = None,
    as_of: date | None = None,
    person: bool = True,
) -> IdCheck:
    """Normalise and check an ID column (empty cells are left to the required-cell rule).

    ``as_of`` None skips the birth-date checks (used for the evaluations sheet); ``person``
    False leaves ``birth_date`` and ``sex`` all null (not needed there either).
    """
    ids, findings = _normalise(ids, rows, sheet)
    n = len(ids)
    numeric = np.zeros(n, dtype=bool) if numeric is None else numeric
    numeric = numeric | _scientific(ids)  # a CSV Excel saved: 3.70828E+17
    lengths = byte_lengths(ids)
    empty = lengths == 0
    found = _structured(
        ids, np.flatnonzero((lengths == 18) & ~numeric), dates=person or as_of is not None
    )
    where = found.where
    future = np.zeros(len(where), dtype=bool)
    if as_of is not None:
        limit = (as_of - date(1970, 1, 1)).days
        future = found.date_ok & (found.days > limit)
    birth_ok = found.date_ok & ~future if as_of is not None else np.ones(len(where), bool)
    valid = _spread_numpy(found.check_ok & birth_ok, where, n, False)
    structured = _spread_numpy(np.ones(len(where), bool), where, n, False)
    keys = _spread_numpy(found.keys, where, n, -1)
    findings.extend(
        error(sheet, int(rows[i]), "id_number", "ledger.id.numeric")
        for i in np.flatnonzero(numeric)
    )
    bad = _row_findings(
        ids, rows, np.flatnonzero(~structured & ~empty & ~numeric), sheet, "ledger.id.format"
    )
    bad += _row_findings(ids, rows, where[~found.check_ok], sheet, "ledger.id.checksum")
    if as_of is not None:
        bad += _row_findings(
            ids, rows, where[found.check_ok & ~found.date_ok], sheet, "ledger.id.birth_invalid"
        )
        bad += _row_findings(
            ids,
            rows,
            where[found.check_ok & future],
            sheet,
            "ledger.id.birth_future",
            as_of=as_of.isoformat(),
        )
    return IdCheck(
        ids=with_nulls(ids, ~(numeric | empty)),
        valid=valid,
        keys=keys,
        birth_date=(
            _spread(found.days, where, valid, n, pa.int32()).cast(pa.date32())
            if person
            else pa.nulls(n, pa.date32())
        ),
        sex=_sex(found.male, where, valid, n) if person else pa.nulls(n, pa.string()),
        findings=(*findings, *bad),
    )


def _spread_numpy(values: np.ndarray, where: np.ndarray, n: int, fill: object) -> np.ndarray:
    """An array of ``n`` ``fill`` with ``values`` at the (sorted, distinct) rows ``where``."""
    if len(where) == n:
        return values
    full = np.full(n, fill, dtype=values.dtype)
    full[where] = values
    return full


def _sex(male: np.ndarray, where: np.ndarray, valid: np.ndarray, n: int) -> pa.Array:
    """ "M"/"F" strings (null where the ID is invalid), built straight from numpy buffers."""
    letters = np.full(n, ord("F"), dtype=np.uint8)
    letters[where[male]] = ord("M")
    offsets = np.arange(n + 1, dtype=np.int32)
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())
    return pa.Array.from_buffers(
        pa.string(), n, [bitmap, pa.py_buffer(offsets.tobytes()), pa.py_buffer(letters.tobytes())]
    )


def _spread(
    values: np.ndarray, where: np.ndarray, valid: np.ndarray, n: int, kind: pa.DataType
) -> pa.Array:
    return pa.array(_spread_numpy(values, where, n, 0), type=kind, mask=~valid)


def _row_findings(
    ids: pa.Array, rows: np.ndarray, where: np.ndarray, sheet: str, code: str, **params: object
) -> list[Problem]:
    if not len(where):
        return []
    texts = pc.take(ids, pa.array(where, type=pa.int64())).to_pylist()
    return [
        error(sheet, int(rows[i]), "id_number", code, id=mask_id(text), **params)
        for i, text in zip(where, texts, strict=True)
    ]
