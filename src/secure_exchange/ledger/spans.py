"""The checks that span blocks, over the int64 ID keys of whole sheets (``ids.id_keys``):
duplicate ID numbers among the residents, evaluations naming no resident.

A key stands for the whole ID number, so each finding still names its masked ID.
"""

from __future__ import annotations

import numpy as np

from secure_exchange.errors import Problem
from secure_exchange.ledger.schema import EVALUATIONS, RESIDENTS, error, mask_id, warning

__all__ = [
    "duplicate_findings",
    "expand_ranges",
    "key_to_id",
    "orphan_findings",
    "sorted_keys",
    "unmatched_findings",
    "whole_ledger_findings",
]


def key_to_id(key: int) -> str:
    """The 18-character ID number an int64 key stands for (``check_ids`` keys)."""
    first17, check = divmod(key, 11)
    return f"{first17:017d}" + ("X" if check == 10 else str(check))


def duplicate_findings(
    keys: np.ndarray, rows: np.ndarray, *, ordered: np.ndarray | None = None
) -> list[Problem]:
    """Every row of an ID that appears more than once (each naming the other rows).

    ``keys`` are the residents' ID keys of the whole sheet (-1 for malformed IDs) and
    ``rows`` their spreadsheet rows; ``ordered`` is ``sorted_keys(keys)`` if known already.
    """
    ordered = sorted_keys(keys) if ordered is None else ordered
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if not len(repeated):
        return []
    where = np.flatnonzero(np.isin(keys, repeated))
    rows_of: dict[int, list[int]] = {}
    for index in where.tolist():
        rows_of.setdefault(int(keys[index]), []).append(int(rows[index]))
    found = []
    for key, listed_rows in rows_of.items():
        listed = "、".join(str(r) for r in listed_rows)
        masked = mask_id(key_to_id(key))
        found += [
            error(RESIDENTS, row, "id_number", "ledger.id.duplicate", id=masked, rows=listed)
            for row in listed_rows
        ]
    return found


def orphan_findings(
    keys: np.ndarray,
    rows: np.ndarray,
    resident_keys: np.ndarray,
    *,
    ordered: np.ndarray | None = None,
    among: np.ndarray | None = None,
) -> list[Problem]:
    """Evaluations whose (valid) ID is no resident's; ``keys`` are -1 for invalid IDs.

    Sorted keys are matched against sorted keys, which keeps the binary search cache-warm
    (``sorted_keys`` sorts the runs of sorted blocks by merging); it yields the few distinct
    keys that are absent, and only those are then looked for row by row. ``ordered`` and
    ``among`` are ``sorted_keys`` of ``keys`` and ``resident_keys`` when known already.
    """
    among = sorted_keys(resident_keys) if among is None else among
    ordered = sorted_keys(keys) if ordered is None else ordered
    if len(among):
        hit = among[np.minimum(np.searchsorted(among, ordered), len(among) - 1)] == ordered
        absent = np.unique(ordered[~hit])
    else:
        absent = np.unique(ordered)
    if not len(absent):
        return []
    position = np.minimum(np.searchsorted(absent, keys), len(absent) - 1)
    return unmatched_findings(keys, rows, (absent[position] == keys) & (keys >= 0))


def unmatched_findings(keys: np.ndarray, rows: np.ndarray, unmatched: np.ndarray) -> list[Problem]:
    """An error for each evaluation marked ``unmatched`` (its valid ID is no resident's),
    in row order: ``orphan_findings`` once it knows which."""
    where = np.flatnonzero(unmatched)
    return [
        error(
            EVALUATIONS,
            int(rows[i]),
            "id_number",
            "ledger.eval.unknown_resident",
            id=mask_id(key_to_id(int(keys[i]))),
        )
        for i in where.tolist()
    ]


def expand_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``starts[i]``, ``starts[i] + 1`` … (``counts[i]`` of them) for each ``i``, one run
    after the other: the positions a sorted lookup's matches cover, say."""
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    firsts = starts.astype(np.int64) - (np.cumsum(counts) - counts)
    return np.repeat(firsts, counts) + np.arange(total, dtype=np.int64)


def sorted_keys(keys: np.ndarray) -> np.ndarray:
    """The valid (non-negative) keys in order.

    Timsort (``kind="stable"``) merges already sorted runs, as left by blocks sorted on
    their own, in linear time.
    """
    return np.sort(keys[keys >= 0], kind="stable")


def whole_ledger_findings(found: bool, residents: int, phones: int) -> list[Problem]:
    """A ledger without residents is an error (once its sheet was found); one without any
    phone number a warning: the approved cannot be told of their credit line."""
    if not found:
        return []
    if not residents:
        return [error(RESIDENTS, None, None, "ledger.empty", sheet=RESIDENTS)]
    if not phones:
        return [warning(RESIDENTS, None, "phone", "ledger.phone.none")]
    return []
