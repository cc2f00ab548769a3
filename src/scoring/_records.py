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
    "fixed_width_words",
    "index_of",
    "level_table",
    "subject_index",
    "subject_keys",
    "to_records",
    "words_key",
]

IntArray = npt.NDArray[np.int64]


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

    Subjects of one width (tokens, ID numbers) are matched by sorting a 64-bit key made
    of their bytes and comparing the bytes of each candidate in full, so the answer is
    exact; anything else (other widths, nulls, two subjects sharing a key) takes the
    general pass over both columns.
    """
    mine, theirs = _fixed_width(scoring_subject), _fixed_width(eval_subject)
    if mine is not None and theirs is not None and mine[0] == theirs[0]:
        found = _match_words(mine[1], theirs[1])
        if found is not None:
            return found
    return _subject_index_hashed(scoring_subject, eval_subject)


_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)


def _fixed_width(column: pa.ChunkedArray) -> tuple[int, npt.NDArray[np.uint64]] | None:
    """The values' width in bytes and the values as 64-bit words (zero-padded),
    word-major: ``words[j]`` is the j-th word of every value; ``None`` unless all values
    are present and of one width."""
    if column.null_count or not pa.types.is_string(column.type) or len(column) == 0:
        return None
    chunks = [chunk for chunk in column.chunks if len(chunk)]
    width = _width(chunks[0])
    if width is None or any(_width(chunk) != width for chunk in chunks[1:]):
        return None
    size = -(-width // 8)
    words = np.empty((size, len(column)), dtype=np.uint64)
    start = 0
    for chunk in chunks:
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset :]
        first = int(offsets[0])
        raw = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[first : first + width * len(chunk)]
        rows = raw.reshape(len(chunk), width)
        for number in range(size):
            part = rows[:, number * 8 : number * 8 + 8]
            if part.shape[1] < 8:  # the last word, zero-padded
                part = np.concatenate(
                    [part, np.zeros((len(chunk), 8 - part.shape[1]), dtype=np.uint8)], axis=1
                )
            whole = np.ascontiguousarray(part).view(np.uint64)[:, 0]
            words[number, start : start + len(chunk)] = whole
        start += len(chunk)
    return width, words


def fixed_width_words(column: pa.ChunkedArray) -> tuple[int, npt.NDArray[np.uint64]] | None:
    """The values' width in bytes and their bytes as 64-bit words (``words[j]``: the j-th
    word of every value, zero-padded); ``None`` unless all are present and of one width."""
    return _fixed_width(column)


def words_key(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The 64-bit key of each value given as words (that of ``subject_keys``)."""
    return _key(words)


def subject_keys(subjects: pa.ChunkedArray) -> npt.NDArray[np.uint64]:
    """A 64-bit key per subject, equal for equal subjects (in this process): what finds
    repeats among more subjects than one scoring holds (different subjects may share a
    key, so an equal key only names candidates to compare in full)."""
    text = subjects.cast(pa.string())
    fixed = _fixed_width(text)
    if fixed is not None:
        return _key(fixed[1])
    keys = np.zeros(len(text), dtype=np.uint64)  # a null: key 0 (the engine refuses it)
    widths = np.asarray(pc.fill_null(pc.binary_length(text), 0).to_numpy(), dtype=np.int64)
    for width in np.unique(widths[widths > 0]).tolist():  # each width as its own column
        rows = np.flatnonzero(widths == width)
        same = _fixed_width(pa.chunked_array([text.take(pa.array(rows)).combine_chunks()]))
        if same is not None:
            keys[rows] = _key(same[1])
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


def _key(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """A 64-bit key per value: each word multiplied by an odd constant, xored, mixed."""
    key = np.zeros(words.shape[1], dtype=np.uint64)
    for number, word in enumerate(words):
        key ^= word * _MIX[number % _MIX.size]
        key ^= key >> np.uint64(29)
    return key


def _match_words(mine: npt.NDArray[np.uint64], theirs: npt.NDArray[np.uint64]) -> IntArray | None:
    """Exact row of each of ``theirs`` in ``mine`` (-1 if absent); ``None`` when two of
    ``mine`` share a key (a repeat or a collision: the general pass sorts it out).

    Both sides are sorted by key, so the search walks forward; only the one candidate
    of each key is compared in full (keys of ``mine`` being unique).
    """
    keys = _key(mine)
    order = np.argsort(keys)
    ordered = keys[order]
    if ordered.size > 1 and bool((ordered[1:] == ordered[:-1]).any()):
        return None
    wanted = _key(theirs)
    asked = np.argsort(wanted)
    at = np.empty(wanted.size, dtype=np.int64)
    at[asked] = np.searchsorted(ordered, wanted[asked])
    np.minimum(at, ordered.size - 1, out=at)
    row = order[at]
    same = ordered[at] == wanted
    for mine_word, their_word in zip(mine, theirs, strict=True):
        same &= mine_word[row] == their_word
    return np.where(same, row, -1)


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
    order = np.argsort(code, kind="stable")
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
