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

__all__ = ["LevelTable", "Records", "index_of", "level_table", "subject_index", "to_records"]

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

    One hash pass over both columns: dictionary order is first appearance, so the
    scoring subjects are 0..n-1 exactly when none repeats.
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
