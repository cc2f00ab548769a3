"""The checks of ledger-v1 over the text columns, producing the normalised tables.

Each rule runs vectorised over a whole column; Python only builds findings for the rows
that fail. Messages never echo a name, a phone or a full ID number.

A free-text cell that starts like a spreadsheet formula (``scoring.output.FORMULA_PATTERN``:
``= + - @``, tab, CR or their full-width forms after leading spaces) is a warning: the ledger
comes from the other party, and whatever sx writes keeps such text inert, but the officer
should see it. Columns with a format of their own (IDs, phones, dates, points, codes) refuse
such text as errors already.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scoring.output import FORMULA_PATTERN
from secure_exchange.errors import Problem, Where
from secure_exchange.ledger.dates import loose_dates
from secure_exchange.ledger.ids import check_ids, ymd_digits_to_date32
from secure_exchange.ledger.schema import (
    EVALUATIONS,
    LEDGER_COLUMNS,
    PANEL,
    RESIDENTS,
    ColumnLabel,
    PolicyLike,
    error,
    warning,
)
from secure_exchange.ledger.sheet import RawSheet
from secure_exchange.ledger.text import (
    byte_lengths,
    first_bytes,
    fixed_width_matrix,
    nonempty,
    replace_rows,
    with_nulls,
)

__all__ = [
    "EVALUATION_SCHEMA",
    "LEVELS",
    "RESIDENT_SCHEMA",
    "SUBJECT_TYPES",
    "CheckedBlock",
    "check_evaluation_block",
    "check_resident_block",
]

SUBJECT_TYPES = ("农户", "新型农业经营主体", "个体工商户")
_SUBJECT_ALIASES = {
    "农户": "农户",
    "社区居民": "农户",
    "新型农业经营主体": "新型农业经营主体",
    "个体工商户": "个体工商户",
}
_TRUE = ("是", "有", "y", "yes", "true", "1")
_FALSE = ("否", "无", "n", "no", "false", "0")
BOOLEAN_COLUMNS = ("full_civil_capacity", "fixed_residence", "fixed_income", "major_bad_credit")
LEVELS = ("村级", "镇级", "县级", "市级", "省级", "国家级")
_LEVEL_ALIASES = {
    **{level: level for level in LEVELS},
    "社区级": "村级",
    "乡级": "镇级",
    "街道级": "镇级",
}
# Each alias's position in LEVELS, then -1 (the index of an unknown level).
_ALIAS_LEVEL = np.array([*(LEVELS.index(v) for v in _LEVEL_ALIASES.values()), -1], np.int64)
_PHONE = r"^(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[1-9][0-9]{6,7})$"
_TEXT_COLUMNS = ("phone", "address", "household_id", "relation", "real_estate", "business_data")
# The columns no format check constrains: where formula-like text could pass unnoticed.
_FREE_TEXT = {
    RESIDENTS: ("name", "community", *_TEXT_COLUMNS[1:]),
    EVALUATIONS: ("note",),
    PANEL: ("community", "name"),
}
# Formula-like but inert: a plain signed number (a loss, "-300.5") or a dash placeholder.
_INERT = r"^[ \x{3000}\x{00A0}]*(-+|[+\-][0-9][0-9,]*(\.[0-9]+)?)$"
# First bytes a formula-like cell can have: the ASCII signs, tab, CR, space, and the lead
# bytes of U+00A0 (C2), U+3000 (E3) and the full-width signs U+FF0B/FF0D/FF1D/FF20 (EF).
_FORMULA_LEAD = np.zeros(256, dtype=bool)
_FORMULA_LEAD[[*b"=+-@\t\r ", 0xC2, 0xE3, 0xEF]] = True

RESIDENT_SCHEMA = pa.schema(
    [
        ("source_row", pa.int32()),
        ("id_number", pa.string()),
        ("name", pa.string()),
        ("community", pa.string()),
        ("subject_type", pa.string()),
        *[(name, pa.bool_()) for name in BOOLEAN_COLUMNS],
        *[(name, pa.string()) for name in _TEXT_COLUMNS],
        ("birth_date", pa.date32()),
        ("sex", pa.string()),
    ]
)
EVALUATION_SCHEMA = pa.schema(
    [
        ("source_row", pa.int32()),
        ("id_number", pa.string()),
        ("code", pa.string()),
        ("level", pa.string()),
        ("points", pa.int32()),
        ("note", pa.string()),
        ("panel_date", pa.date32()),
    ]
)


@dataclass(frozen=True)
class CheckedBlock:
    """A block of rows normalised, the int64 keys of its IDs and its findings."""

    table: pa.Table
    keys: np.ndarray
    findings: tuple[Problem, ...]


# --- shared helpers -----------------------------------------------------------------------


def _np(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False))


def _column(raw: RawSheet, name: str) -> pa.Array:
    """The text column, or empty strings when the sheet lacks it."""
    column = raw.columns.get(name)
    return pa.array([""] * raw.num_rows, pa.string()) if column is None else column


def _or_null(column: pa.Array) -> pa.Array:
    return with_nulls(column, nonempty(column))


def _at_rows(
    raw: RawSheet,
    mask: np.ndarray,
    column: str,
    key: str,
    /,
    level: Literal["error", "warning"] = "error",
    **params: object,
) -> list[Problem]:
    """One problem per masked row, all with the same key and (shared) parameters."""
    rows = raw.source_row[mask]
    shared = MappingProxyType(params)
    return [
        Problem(key, shared, Where(sheet=raw.sheet, row=row, column=column), level)
        for row in rows.tolist()
    ]


def _required(raw: RawSheet) -> list[Problem]:
    """Empty cells of required columns that the sheet has (absent ones are reported once)."""
    found: list[Problem] = []
    for spec in LEDGER_COLUMNS[raw.sheet].values():
        if spec.required and spec.name in raw.columns:
            found += _at_rows(
                raw,
                ~nonempty(raw.columns[spec.name]),
                spec.name,
                "ledger.cell.empty",
                column=ColumnLabel(raw.sheet, spec.name),
            )
    return found


def _lookup_index(column: pa.Array, keys: Sequence[str], lower: bool) -> np.ndarray:
    """Position of each cell's value in ``keys`` (-1 when absent).

    Exact matches are found by one hash lookup; only the other filled cells are compared
    again through their distinct values (lower-cased when ``lower``).
    """
    index = _np(pc.fill_null(pc.index_in(column, value_set=pa.array(list(keys))), -1))
    index = index.astype(np.int64)
    rest = np.flatnonzero((index < 0) & nonempty(column))
    if lower and len(rest):
        encoded = pc.dictionary_encode(pc.take(column, pa.array(rest, pa.int64())))
        position = {key: i for i, key in enumerate(keys)}
        table = np.array(
            [position.get(v.lower(), -1) for v in encoded.dictionary.to_pylist()], dtype=np.int64
        )
        index[rest] = table[_np(encoded.indices)]
    return index


def _lookup(column: pa.Array, mapping: dict[str, str], lower: bool = False) -> pa.Array:
    """Map text through ``mapping`` (exact or lower-cased); null where unknown."""
    index = _lookup_index(column, list(mapping), lower)
    values = pa.array(list(mapping.values()), pa.string())
    return pc.take(values, pa.array(index, pa.int64(), mask=index < 0))


def _boolean(column: pa.Array) -> pa.Array:
    """是/否, 有/无, Y/N, yes/no, true/false, 1/0 (any case) as booleans; null otherwise."""
    index = _lookup_index(column, [*_TRUE, *_FALSE], lower=True)
    return pa.array(index < len(_TRUE), pa.bool_(), mask=index < 0)


def _formula_cells(raw: RawSheet) -> list[Problem]:
    """A warning for each free-text cell that starts like a spreadsheet formula.

    The first byte of every cell picks the few candidates; only those meet the patterns.
    """
    found: list[Problem] = []
    for name in _FREE_TEXT[raw.sheet]:
        column = raw.columns.get(name)
        if column is None:
            continue
        rows = np.flatnonzero(_FORMULA_LEAD[first_bytes(column)])
        if not len(rows):
            continue
        subset = pc.take(column, pa.array(rows, pa.int64()))
        like = _np(pc.match_substring_regex(subset, FORMULA_PATTERN))
        like &= ~_np(pc.match_substring_regex(subset, _INERT))
        mask = np.zeros(len(column), dtype=bool)
        mask[rows[like]] = True
        found += _at_rows(
            raw, mask, name, "ledger.value.formula", "warning", column=ColumnLabel(raw.sheet, name)
        )
    return found


def _unknown(raw: RawSheet, name: str, mapped: pa.Array) -> np.ndarray:
    """Filled cells of ``name`` whose value did not map."""
    return np.asarray(nonempty(_column(raw, name)) & _np(pc.is_null(mapped)))


# --- residents ----------------------------------------------------------------------------


def check_resident_block(raw: RawSheet, as_of: date) -> CheckedBlock:
    """Every residents check that a block of rows can settle alone, and its table.

    Duplicate IDs span blocks: ``spans.duplicate_findings`` finds them from the keys of all
    blocks.
    """
    ids = check_ids(
        _column(raw, "id_number"), raw.source_row, RESIDENTS, numeric=raw.numeric_id, as_of=as_of
    )
    found = [*_required(raw), *ids.findings]
    subject = _lookup(_column(raw, "subject_type"), _SUBJECT_ALIASES)
    found += _at_rows(
        raw, _unknown(raw, "subject_type", subject), "subject_type", "ledger.value.subject_type"
    )
    booleans = {}
    for name in BOOLEAN_COLUMNS:
        booleans[name] = _boolean(_column(raw, name))
        found += _at_rows(
            raw,
            _unknown(raw, name, booleans[name]),
            name,
            "ledger.value.boolean",
            column=ColumnLabel(RESIDENTS, name),
        )
    phone, bad_phones = _tidy_phones(_column(raw, "phone"))
    found += _at_rows(raw, bad_phones, "phone", "ledger.value.phone")
    found += _formula_cells(raw)
    texts = {name: phone if name == "phone" else _column(raw, name) for name in _TEXT_COLUMNS}
    arrays = [
        pa.array(raw.source_row, pa.int32()),
        ids.ids,
        _or_null(_column(raw, "name")),
        _or_null(_column(raw, "community")),
        subject,
        *booleans.values(),
        *[_or_null(texts[n]) for n in _TEXT_COLUMNS],
        ids.birth_date,
        ids.sex,
    ]
    table = pa.Table.from_arrays(arrays, schema=RESIDENT_SCHEMA)
    return CheckedBlock(table, ids.keys, tuple(found))


def _tidy_phones(phone: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Phone numbers minus the separators people type, and which are still malformed.

    Spaces (full-width too) anywhere, hyphens inside a mobile number and full-width digits
    are taken out of the cells that fail the format as typed: ``138 0537 1234`` and
    ``138-0537-1234`` become ``13805371234``; a landline keeps the hyphen after its area
    code.
    """
    bad = _bad_phones(phone)
    rows = np.flatnonzero(bad)
    if not len(rows):
        return phone, bad
    fixed = [_tidy_phone(text) for text in pc.take(phone, pa.array(rows, pa.int64())).to_pylist()]
    phone = replace_rows(phone, rows, fixed)
    return phone, _bad_phones(phone)


def _tidy_phone(text: str) -> str:
    plain = "".join(unicodedata.normalize("NFKC", text).split())
    compact = plain.replace("-", "")
    if len(compact) == 11 and compact.isascii() and compact.isdigit() and compact[0] == "1":
        return compact
    return plain


def _bad_phones(phone: pa.Array) -> np.ndarray:
    """Filled phone cells that are neither a mobile nor a landline with area code."""
    mobile = np.flatnonzero(byte_lengths(phone) == 11)
    matrix = fixed_width_matrix(phone, mobile, 11) - np.uint8(48)
    mobile_ok = (matrix <= 9).all(axis=1) & (matrix[:, 0] == 1) & (matrix[:, 1] >= 3)
    good = np.zeros(len(phone), dtype=bool)
    good[mobile[mobile_ok]] = True
    rest = np.flatnonzero(~good & nonempty(phone))
    if len(rest):
        subset = pc.take(phone, pa.array(rest, pa.int64()))
        good[rest] = _np(pc.match_substring_regex(subset, _PHONE))
    return nonempty(phone) & ~good


# --- evaluations --------------------------------------------------------------------------


@dataclass(frozen=True)
class _PolicyArrays:
    """The policy as lookup arrays indexed by position in ``codes``."""

    codes: tuple[str, ...]
    levelled: np.ndarray
    panel: np.ndarray
    allowed: np.ndarray
    low: np.ndarray
    high: np.ndarray
    outside_ok: tuple[bool, bool]  # (above, below) the code's table: counted, not refused


def _policy_arrays(policy: PolicyLike) -> _PolicyArrays:
    codes = tuple(policy.codes)
    n = len(codes)
    levelled, panel = np.zeros(n, bool), np.zeros(n, bool)
    allowed = np.zeros((n, len(LEVELS)), bool)
    low, high = np.zeros(n, np.int64), np.zeros(n, np.int64)
    for i, code in enumerate(codes):
        item = policy.item(code)
        if item is None:
            continue
        levelled[i] = item.kind == "levelled"
        panel[i] = item.kind == "panel"
        for j, level in enumerate(LEVELS):
            allowed[i, j] = level in item.levels
        if item.points_range is not None:
            low[i], high[i] = item.points_range
    outside_ok = (policy.level_above != "refuse", policy.level_below != "refuse")
    return _PolicyArrays(codes, levelled, panel, allowed, low, high, outside_ok)


def check_evaluation_block(
    raw: RawSheet, policy: PolicyLike, as_of: date | None = None
) -> CheckedBlock:
    """Every evaluations check a block can settle alone (not yet: naming no resident).

    The keys are -1 where the ID is invalid; ``spans.orphan_findings`` matches the rest against
    the residents once both sheets are read. A panel date after ``as_of`` is a warning
    (most likely a mistyped year).
    """
    ids = check_ids(
        _column(raw, "id_number"), raw.source_row, EVALUATIONS, numeric=raw.numeric_id, person=False
    )
    found = [*_required(raw), *ids.findings]
    arrays = _policy_arrays(policy)
    code = pc.utf8_upper(_column(raw, "code"))
    code_index = pc.index_in(code, value_set=pa.array(arrays.codes, pa.string()))
    found += _at_rows(
        raw,
        nonempty(code) & _np(pc.is_null(code_index)),
        "code",
        "ledger.eval.code_unknown",
        policy=policy.id,
    )
    idx = _np(pc.fill_null(code_index, -1)).astype(np.int64)
    level, level_found = _levels(raw, arrays, idx, code)
    points, points_found = _points(raw, arrays, idx, code)
    panel_date, date_found = _dates(raw)
    found += level_found + points_found + date_found + _formula_cells(raw)
    if as_of is not None:
        found += _after(raw, panel_date, as_of)
    table = pa.Table.from_arrays(
        [
            pa.array(raw.source_row, pa.int32()),
            ids.ids,
            _or_null(code),
            level,
            points,
            _or_null(_column(raw, "note")),
            panel_date,
        ],
        schema=EVALUATION_SCHEMA,
    )
    return CheckedBlock(table, np.where(ids.valid, ids.keys, -1), tuple(found))


def _per_code(
    raw: RawSheet,
    mask: np.ndarray,
    code: pa.Array,
    column: str,
    key: str,
    params: Sequence[tuple[str, object]] = (),
    make: Callable[..., Problem] = error,
) -> list[Problem]:
    """Problems for masked rows; the message names the row's (validated) code."""
    where = np.flatnonzero(mask)
    codes = pc.take(code, pa.array(where, pa.int64())).to_pylist()
    extra = dict(params)
    return [
        make(
            EVALUATIONS,
            int(raw.source_row[i]),
            column,
            key,
            code=c,
            **{k: (v(c) if callable(v) else v) for k, v in extra.items()},
        )
        for i, c in zip(where, codes, strict=True)
    ]


def _levels(
    raw: RawSheet, arrays: _PolicyArrays, idx: np.ndarray, code: pa.Array
) -> tuple[pa.Array, list[Problem]]:
    """Levels checked against the codes' tables (revision 2: outside a table is a warning)."""
    text = _column(raw, "level")
    level_idx = _ALIAS_LEVEL[_lookup_index(text, list(_LEVEL_ALIASES), lower=False)]
    level = pc.take(pa.array(LEVELS), pa.array(level_idx, pa.int64(), mask=level_idx < 0))
    known = idx >= 0
    safe_idx = np.clip(idx, 0, None)
    levelled = known & arrays.levelled[safe_idx]
    filled = nonempty(text)
    named = levelled & (level_idx >= 0)
    listed = named & arrays.allowed[safe_idx, np.clip(level_idx, 0, None)]
    lowest = np.argmax(arrays.allowed, axis=1)[safe_idx]
    below = named & ~listed & (level_idx < lowest)
    above = named & ~listed & ~below
    above_ok, below_ok = arrays.outside_ok
    ok = listed | (above & above_ok) | (below & below_ok)

    def allowed_of(c: str) -> str:
        row = arrays.allowed[arrays.codes.index(c)]
        return "、".join(lv for lv, on in zip(LEVELS, row, strict=True) if on)

    params = [("levels", allowed_of)]
    found = _per_code(raw, levelled & ~filled, code, "level", "ledger.eval.level_missing", params)
    found += _per_code(
        raw, levelled & filled & ~ok, code, "level", "ledger.eval.level_invalid", params
    )
    for mask, key in (
        (above & ok, "ledger.eval.level_above"),
        (below & ok, "ledger.eval.level_below"),
    ):
        found += _per_code(raw, mask, code, "level", key, params, make=warning)
    found += _per_code(
        raw, known & ~levelled & filled, code, "level", "ledger.eval.level_unexpected"
    )
    return pc.if_else(pa.array(ok), level, pa.scalar(None, pa.string())), found


def _points(
    raw: RawSheet, arrays: _PolicyArrays, idx: np.ndarray, code: pa.Array
) -> tuple[pa.Array, list[Problem]]:
    text = _column(raw, "points")
    known = idx >= 0
    panel = known & arrays.panel[np.clip(idx, 0, None)]
    filled = nonempty(text)
    digits = np.zeros(len(text), dtype=bool)
    value = np.zeros(len(text), np.int64)
    where = np.flatnonzero(filled)
    if len(where):
        subset = pc.take(text, pa.array(where, pa.int64()))
        digits[where] = _np(pc.match_substring_regex(subset, r"^[0-9]{1,9}$"))
    if digits.any():
        value[digits] = _np(pc.cast(text.filter(pa.array(digits)), pa.int64()))
    low, high = arrays.low[np.clip(idx, 0, None)], arrays.high[np.clip(idx, 0, None)]
    ok = panel & digits & (value >= low) & (value <= high)

    def low_of(c: str) -> int:
        return int(arrays.low[arrays.codes.index(c)])

    def high_of(c: str) -> int:
        return int(arrays.high[arrays.codes.index(c)])

    bounds = [("low", low_of), ("high", high_of)]
    found = _per_code(raw, panel & ~filled, code, "points", "ledger.eval.points_missing", bounds)
    found += _per_code(
        raw, panel & filled & ~ok, code, "points", "ledger.eval.points_invalid", bounds
    )
    found += _per_code(
        raw, known & ~panel & filled, code, "points", "ledger.eval.points_unexpected"
    )
    return pa.array(value.astype(np.int32), pa.int32(), mask=~ok), found


# Accepted date shapes: (length, separator, separator positions); digits everywhere else.
_DATE_SHAPES = (
    (10, ord("-"), (4, 7)),
    (10, ord("/"), (4, 7)),
    (9, ord("/"), (4, 6)),
    (9, ord("/"), (4, 7)),
    (8, ord("/"), (4, 6)),
)


def _dates(raw: RawSheet) -> tuple[pa.Array, list[Problem]]:
    """Panel dates YYYY-MM-DD or YYYY/M/D on the byte matrix, else 2022年6月28日 or 2022.6.28
    (``dates``), as date32."""
    text = _column(raw, "panel_date")
    lengths = byte_lengths(text)
    n = len(text)
    year, month, day = (np.zeros(n, np.int32) for _ in range(3))
    shaped = np.zeros(n, dtype=bool)
    for width, separator, (first, second) in _DATE_SHAPES:
        rows = np.flatnonzero((lengths == width) & ~shaped)
        if not len(rows):
            continue
        # One contiguous row of bytes per character position; non-digits wrap above 9.
        columns = np.array(fixed_width_matrix(text, rows, width).T, order="C") - np.uint8(48)
        ok = (columns[first] == separator - 48 + 256) & (columns[second] == separator - 48 + 256)
        for position in range(width):
            if position not in (first, second):
                ok &= columns[position] <= 9
        if not ok.all():
            rows, columns = rows[ok], columns[:, ok]
        where = slice(None) if len(rows) == n else rows
        shaped[where] = True
        year[where] = _digits_value(columns, 0, first)
        month[where] = _digits_value(columns, first + 1, second)
        day[where] = _digits_value(columns, second + 1, width)
    rest = np.flatnonzero(~shaped & (lengths > 0))
    if len(rest):  # 2022年6月28日, 2022.6.28 …: the few rows the fast shapes miss
        loose_year, loose_month, loose_day, hit = loose_dates(text.take(pa.array(rest)))
        rest = rest[hit]
        shaped[rest], year[rest] = True, loose_year[hit]
        month[rest], day[rest] = loose_month[hit], loose_day[hit]
    days, exists = ymd_digits_to_date32(year, month, day)
    ok = shaped & exists
    found = _at_rows(raw, nonempty(text) & ~ok, "panel_date", "ledger.value.date")
    return pa.array(days, pa.int32(), mask=~ok).cast(pa.date32()), found


def _after(raw: RawSheet, panel_date: pa.Array, as_of: date) -> list[Problem]:
    """A warning for each panel date after ``as_of``."""
    days = _np(pc.fill_null(panel_date.cast(pa.int32()), 0))
    return _at_rows(
        raw,
        days > (as_of - date(1970, 1, 1)).days,
        "panel_date",
        "ledger.eval.date_future",
        "warning",
        as_of=as_of.isoformat(),
    )


def _digits_value(columns: np.ndarray, start: int, stop: int) -> np.ndarray:
    """The number written by the digit rows ``start:stop`` of ``columns`` (at most 4 digits)."""
    value = np.asarray(columns[start], dtype=np.int32)
    for position in range(start + 1, stop):
        value *= 10
        value += columns[position]
    return value
