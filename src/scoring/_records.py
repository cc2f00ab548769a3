"""Evaluation records as integer arrays: subject index, policy code index, points value.

Validation is vectorised: a code the policy lacks, a levelled record with a missing or
disallowed level, a panel record without points or out of range all raise
``ScoringError`` naming the code (never a subject). Records whose subject is not in the
scoring table are ignored: ``sx ledger check`` already refuses them, and a package
carries the evaluations of its own subjects only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from scoring.errors import ScoringError
from scoring.policy import Item, Policy

__all__ = [
    "LevelTable",
    "Records",
    "fixed_width_rows",
    "index_of",
    "level_table",
    "row_key",
    "same_rows",
    "subject_index",
    "subject_keys",
    "to_records",
]

IntArray = npt.NDArray[np.int64]
Words = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class Records:
    """Validated records sorted by code (stable, so input order is kept per code)."""

    subject: IntArray
    code: IntArray
    value: IntArray
    level: IntArray  # index into policy.levels, -1 when the record has no level
    bounds: IntArray  # records of code c are [bounds[c], bounds[c + 1])


@dataclass(frozen=True)
class LevelTable:
    """How one levelled item counts each policy level (index = ``policy.levels``).

    ``counted[j]`` is the listed level level ``j`` counts as (its own index when listed,
    the highest listed below or at it when above the table), -1 when it earns 0 points
    (below the table) and -2 when the policy refuses it.
    """

    points: IntArray
    counted: IntArray


def level_table(item: Item, policy: Policy) -> LevelTable:
    """Points and counted level of every policy level for a levelled item (ledger rule)."""
    size = len(policy.levels)
    points = np.zeros(size, dtype=np.int64)
    counted = np.full(size, -2, dtype=np.int64)
    listed = [policy.levels.index(name) for name in item.levels]
    for j, name in enumerate(policy.levels):
        if name in item.levels:
            points[j], counted[j] = item.levels[name], j
        elif j < min(listed):
            counted[j] = -1 if policy.level_below == "zero" else -2
        elif policy.level_above == "highest":
            below = max(k for k in listed if k < j)
            points[j], counted[j] = item.levels[policy.levels[below]], below
    return LevelTable(points, counted)


def index_of(values: pa.ChunkedArray | pa.Array, choices: pa.Array) -> IntArray:
    """Index of each value in ``choices`` (-1 when absent or null)."""
    found = pc.index_in(values, value_set=choices)
    return np.asarray(pc.fill_null(found, -1).to_numpy(), dtype=np.int64)


def subject_index(scoring_subject: pa.ChunkedArray, eval_subject: pa.ChunkedArray) -> IntArray:
    """Row of each evaluation's subject in the scoring table (-1 if absent).

    Subjects of one width (tokens, ID numbers) are matched by one sort of both sides'
    keys (64-bit, made of their bytes) and a comparison of the bytes of each candidate in
    full, so the answer is exact; anything else (other widths, nulls, a repeated subject,
    many subjects sharing a key) takes the general pass over both columns.
    """
    mine, theirs = _fixed_rows(scoring_subject), _fixed_rows(eval_subject)
    if mine is not None and theirs is not None:
        found = _match_rows(mine, theirs)
        if found is not None:
            return found
    return _subject_index_hashed(scoring_subject, eval_subject)


_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)


def _fixed_rows(column: pa.ChunkedArray) -> tuple[int, Words] | None:
    """The values' width in bytes and the values as rows of 64-bit words (zero-padded;
    the string bytes themselves when they already are such rows); ``None`` unless all
    values are present and of one width."""
    if column.null_count or not pa.types.is_string(column.type) or len(column) == 0:
        return None
    chunks = [chunk for chunk in column.chunks if len(chunk)]
    width = _width(chunks[0])
    if width is None or any(_width(chunk) != width for chunk in chunks[1:]):
        return None
    size = -(-width // 8)
    pieces = [_chunk_bytes(chunk, width) for chunk in chunks]
    if len(pieces) == 1 and width == size * 8 and pieces[0].ctypes.data % 8 == 0:
        return width, pieces[0].view(np.uint64).reshape(len(column), size)
    rows = np.zeros((len(column), size * 8), dtype=np.uint8)
    start = 0
    for piece in pieces:
        count = len(piece) // width
        rows[start : start + count, :width] = piece.reshape(count, width)
        start += count
    return width, rows.view(np.uint64)


def _chunk_bytes(chunk: pa.Array, width: int) -> npt.NDArray[np.uint8]:
    """The value bytes of a string chunk whose values are all ``width`` bytes long."""
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset :]
    first = int(offsets[0])
    return np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[first : first + width * len(chunk)]


def fixed_width_rows(column: pa.ChunkedArray) -> tuple[int, Words] | None:
    """The values' width in bytes and their bytes as rows of 64-bit words (zero-padded);
    ``None`` unless all are present and of one width."""
    return _fixed_rows(column)


def same_rows(mine: Words, theirs: Words) -> npt.NDArray[np.bool_]:
    """Whether each row of words of ``mine`` equals the row of ``theirs`` beside it."""
    return _same_rows(mine, theirs)


def subject_keys(subjects: pa.ChunkedArray) -> npt.NDArray[np.uint64]:
    """A 64-bit key per subject, equal for equal subjects (in this process): what finds
    repeats among more subjects than one scoring holds (different subjects may share a
    key, so an equal key only names candidates to compare in full)."""
    text = subjects.cast(pa.string())
    fixed = _fixed_rows(text)
    if fixed is not None:
        return _row_key(fixed[1])
    keys = np.zeros(len(text), dtype=np.uint64)  # a null: key 0 (the engine refuses it)
    widths = np.asarray(pc.fill_null(pc.binary_length(text), 0).to_numpy(), dtype=np.int64)
    for width in np.unique(widths[widths > 0]).tolist():  # each width as its own column
        rows = np.flatnonzero(widths == width)
        same = _fixed_rows(pa.chunked_array([text.take(pa.array(rows)).combine_chunks()]))
        if same is not None:
            keys[rows] = _row_key(same[1])
    return keys


def _width(chunk: pa.Array) -> int | None:
    """The one width of every value of a string chunk (``None`` when they differ)."""
    count = len(chunk)
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset :][: count + 1]
    width = int(offsets[1] - offsets[0])
    if width == 0 or int(offsets[-1] - offsets[0]) != width * count:
        return None
    if not np.array_equal(np.diff(offsets), np.full(count, width, dtype=np.int32)):
        return None
    return width


def row_key(rows: Words) -> Words:
    """The 64-bit key of each subject given as a row of words (``fixed_width_rows``): the
    one key of the index, ``subject_keys`` and the locator."""
    return _row_key(rows)


def _row_key(rows: Words) -> Words:
    """A 64-bit key per row of words (the subject index uses its top bits): the words
    times odd constants, summed (mod 2**64), then mixed."""
    key: Words = rows @ _MIX[np.arange(rows.shape[1]) % _MIX.size]
    key ^= key >> np.uint64(31)
    key *= _MIX[1]
    return key


_NEAR_LIMIT = 4096  # scoring subjects sharing a truncated key, at most (else the hash pass)


def _match_rows(mine: tuple[int, Words], theirs: tuple[int, Words]) -> IntArray | None:
    """Exact row of each of ``theirs`` in ``mine`` (-1 if absent); ``None`` when a
    subject of ``mine`` repeats or too many share a key (the general pass decides).

    Both sides' keys, cut to their top bits, carry the row (and a bit: ours or theirs)
    in their low bits; one sort of them all puts each of theirs right after the ones of
    ours sharing its key, and each candidate is then compared in full. A key several of
    ours share is tried member by member, so a stranger sharing a key is never taken.
    """
    (width, rows), (their_width, asked_rows) = mine, theirs
    size, wanted = len(rows), len(asked_rows)
    if width != their_width:
        return None
    bits = max(size, wanted).bit_length()
    low, flag = np.uint64((1 << bits) - 1), np.uint64(1 << bits)
    high = ~np.uint64((1 << (bits + 1)) - 1)
    packed = np.empty(size + wanted, dtype=np.uint64)
    np.bitwise_and(_row_key(rows), high, out=packed[:size])
    packed[:size] |= np.arange(size, dtype=np.uint64)
    np.bitwise_and(_row_key(asked_rows), high, out=packed[size:])
    packed[size:] |= np.arange(wanted, dtype=np.uint64) | flag
    packed.sort()
    theirs_at = (packed & flag) != 0
    ours = packed.take(np.flatnonzero(~theirs_at))  # our keys in order, each with its row
    if _shared_keys(rows, ours, high, low):
        return None
    place = np.flatnonzero(theirs_at)
    asked = packed.take(place)
    at = place - np.arange(1, wanted + 1)  # the last of ours at or before each of theirs
    return _candidates(rows, asked_rows, ours, asked, at, (high, low))


def _shared_keys(rows: Words, ours: Words, high: np.uint64, low: np.uint64) -> bool:
    """Whether a subject repeats among those sharing a cut key, or too many share one."""
    same = ((ours[1:] ^ ours[:-1]) & high) == 0
    if not same.any():
        return False
    near = np.zeros(ours.size, dtype=bool)
    near[1:] |= same
    near[:-1] |= same
    chosen = (ours[near] & low).astype(np.int64)
    if chosen.size > _NEAR_LIMIT:
        return True
    return bool(np.unique(rows[chosen], axis=0).shape[0] < chosen.size)


_SAME_WORDS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _same_rows(mine: Words, theirs: Words) -> npt.NDArray[np.bool_]:
    """Whether each row of ``mine`` equals the row of ``theirs`` beside it, word for word."""
    differ = mine != theirs
    packed = _SAME_WORDS.get(differ.shape[1])
    same: npt.NDArray[np.bool_]
    if packed is None:
        same = ~differ.any(axis=1)
    else:
        same = differ.view(packed).reshape(-1) == 0  # a row's flags read as one integer
    return same


def _candidates(
    mine: Words,
    theirs: Words,
    ours: Words,
    asked: Words,
    at: IntArray,
    masks: tuple[np.uint64, np.uint64],
) -> IntArray | None:
    """Match each of ``asked`` (in key order) against ``ours[at]`` and, when that is not
    its subject, against those before it sharing its key; answered in input order.
    ``None`` when more than ``_NEAR_LIMIT`` miss their first candidate (crafted keys)."""
    high, low = masks
    candidate = np.take(ours, at, mode="clip")  # at -1: a key below all of ours
    same = ((candidate ^ asked) & high) == 0
    who = (asked & low).astype(np.int64)
    first = np.empty(len(theirs), dtype=np.intp)
    first[who] = np.where(same, (candidate & low).astype(np.intp), -1)
    equal = _same_rows(np.take(mine, first, axis=0, mode="clip"), theirs)
    found: IntArray = np.where(equal, first, -1).astype(np.int64)
    missed = ~equal & (first >= 0)  # a stranger sharing a key, or a collision
    if np.count_nonzero(missed) > _NEAR_LIMIT:  # crafted, not chance: keys are public
        return None  # walking back could cost the misses times the keys' sharers
    if missed.any():
        pending = np.flatnonzero(missed[who])
        at[pending] -= 1
        _tried_before(mine, theirs, ours, asked, at, pending, masks, found)
    return found


def _tried_before(
    mine: Words,
    theirs: Words,
    ours: Words,
    asked: Words,
    at: IntArray,
    pending: IntArray,
    masks: tuple[np.uint64, np.uint64],
    found: IntArray,
) -> None:
    """``_candidates`` for the few whose first candidate was not theirs: walk back over
    the ones of ours sharing their key (into ``found``)."""
    high, low = masks
    while pending.size:
        pending = pending[at[pending] >= 0]
        candidate, question = ours[at[pending]], asked[pending]
        keep = ((candidate ^ question) & high) == 0
        pending, candidate, question = pending[keep], candidate[keep], question[keep]
        row, who = (candidate & low).astype(np.int64), (question & low).astype(np.int64)
        hit = _same_rows(np.take(mine, row, axis=0), np.take(theirs, who, axis=0))
        found[who[hit]] = row[hit]
        pending = pending[~hit]
        at[pending] -= 1


def _subject_index_hashed(
    scoring_subject: pa.ChunkedArray, eval_subject: pa.ChunkedArray
) -> IntArray:
    """``subject_index`` for any strings: one hash pass over both columns.

    Dictionary order is first appearance, so the scoring subjects are 0..n-1 exactly
    when none repeats.
    """
    size = len(scoring_subject)
    both = pa.chunked_array(
        [*scoring_subject.cast(pa.string()).chunks, *eval_subject.cast(pa.string()).chunks],
        type=pa.string(),
    )
    encoded = pc.dictionary_encode(both).combine_chunks()
    indices = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(), dtype=np.int64)
    own = indices[:size]
    repeated = int(np.count_nonzero(own != np.arange(size)))
    if repeated or scoring_subject.null_count:
        raise ScoringError(
            "score.input.duplicate_subject", count=max(repeated, scoring_subject.null_count)
        )
    theirs = indices[size:]
    return np.where(theirs < size, theirs, -1)


def to_records(evaluations: pa.Table, subjects: IntArray, policy: Policy) -> Records:
    """Validate and encode the evaluation records of known subjects."""
    keep = subjects >= 0
    table = evaluations.filter(pa.array(keep)) if not keep.all() else evaluations
    subject = subjects[keep]
    code = index_of(table["code"], pa.array(policy.codes, type=pa.string()))
    if (code < 0).any():
        bad = table["code"].filter(pa.array(code < 0))[0].as_py()
        raise ScoringError("score.input.unknown_code", code=_clip(bad), policy=policy.id)
    small = code.astype(np.int16) if len(policy.codes) < 2**15 else code  # a radix sort
    order = np.argsort(small, kind="stable")
    code = code[order]
    level = index_of(table["level"], pa.array(policy.levels, type=pa.string()))[order]
    points = np.asarray(pc.fill_null(table["points"], 0).to_numpy(), dtype=np.int64)[order]
    bounds = np.searchsorted(code, np.arange(len(policy.items) + 1)).astype(np.int64)
    value = np.zeros(code.size, dtype=np.int64)
    for number, item in enumerate(policy.items):
        part = slice(int(bounds[number]), int(bounds[number + 1]))
        if part.stop > part.start:
            value[part] = _item_values(
                item, policy, level[part], points[part], partial(_level_at, table, order, part)
            )
    return Records(subject[order], code, value, level, bounds)


def _level_at(table: pa.Table, order: IntArray, part: slice, i: int) -> str:
    """The raw level text of the ``i``-th record of a code segment (for messages)."""
    return _clip(table["level"][int(order[part][i])].as_py())


def _clip(value: object) -> str:
    """A cell quoted in a message, cut short: a mistyped cell could hold personal data."""
    text = "" if value is None else str(value)
    return text if len(text) <= 8 else text[:6] + "…"


def _item_values(
    item: Item, policy: Policy, level: IntArray, points: IntArray, level_text: Callable[[int], str]
) -> IntArray:
    if item.kind == "levelled":
        table = level_table(item, policy)
        points_of = np.append(table.points, 0)
        counted = np.append(table.counted, -2)[level]  # -1 (no level) hits the trailing -2
        values = np.asarray(points_of[level], dtype=np.int64)
        wrong = np.flatnonzero(counted == -2)
        if wrong.size:
            raise ScoringError(
                "score.input.bad_level",
                code=item.code,
                count=int(wrong.size),
                level=level_text(int(wrong[0])),
            )
        return values
    if item.kind == "panel" and item.points_range is not None:
        low, high = item.points_range
        bad = (points < low) | (points > high)
        if bad.any():
            raise ScoringError(
                "score.input.bad_points",
                code=item.code,
                count=int(np.count_nonzero(bad)),
                low=low,
                high=high,
            )
        return points
    return np.full(points.size, item.points or 1, dtype=np.int64)
