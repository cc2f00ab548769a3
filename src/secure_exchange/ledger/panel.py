"""The 评议小组 roster (ledger-v1 revision 2): its row checks and the checks of each sitting.

A sitting is one (community, panel date) of the roster. It has 5 to 7 members, among them
a 农商银行人员 and a 支书/主任; each offence is an error at the sitting's first row. The
evaluations' sittings that the roster does not list are warnings (one per sitting), or a
single warning when the ledger has no roster at all, so older ledgers keep working.
Messages name the community and the date, never a member.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from secure_exchange.errors import Problem
from secure_exchange.ledger.rules import (
    CheckedBlock,
    _at_rows,
    _column,
    _dates,
    _formula_cells,
    _lookup,
    _np,
    _or_null,
    _required,
)
from secure_exchange.ledger.schema import EVALUATIONS, PANEL, PANEL_ROLES, error, warning
from secure_exchange.ledger.sheet import RawSheet
from secure_exchange.ledger.text import nonempty

__all__ = [
    "BANK_ROLE",
    "CHAIR_ROLE",
    "MAX_MEMBERS",
    "MIN_MEMBERS",
    "PANEL_SCHEMA",
    "Sitting",
    "check_panel_block",
    "evaluated_sittings",
    "sitting_findings",
    "sittings",
    "sittings_of",
    "unlisted_findings",
]

MIN_MEMBERS, MAX_MEMBERS = 5, 7
BANK_ROLE, CHAIR_ROLE = "农商银行人员", "支书/主任"
_SITTING_CHUNK = 1 << 20  # evaluations looked up at a time by ``evaluated_sittings``
PANEL_SCHEMA = pa.schema(
    [
        ("source_row", pa.int32()),
        ("community", pa.string()),
        ("panel_date", pa.date32()),
        ("name", pa.string()),
        ("role", pa.string()),
    ]
)
_ROLE_ALIASES = {
    **{role: role for role in PANEL_ROLES},
    "支书／主任": CHAIR_ROLE,
    "支书": CHAIR_ROLE,
    "主任": CHAIR_ROLE,
    "书记": CHAIR_ROLE,
    "村支书": CHAIR_ROLE,
    "村主任": CHAIR_ROLE,
    "农商行人员": BANK_ROLE,
    "银行人员": BANK_ROLE,
    "妇女主任": "妇女主席",
    "妇联主席": "妇女主席",
    "村妇联主席": "妇女主席",
    "红白理事会长": "红白理事会会长",
}


def _title_role(text: str) -> str | None:
    """The roster role a village title names, when no alias matched: a party secretary
    (…书记, …支书) or the committee's head (村委会主任, 社区主任, 支书兼主任, but not a
    deputy nor the 妇女主任) is the 支书/主任; anyone of the rural bank or credit union
    (农商银行客户经理, 信用社信贷员) is the 农商银行人员."""
    plain = "".join(text.split())
    if any(word in plain for word in ("银行", "农商行", "信用社", "农信社")):
        return BANK_ROLE
    if "副" in plain or "妇女" in plain:
        return None
    if "书记" in plain or "支书" in plain or plain.endswith("主任"):
        return CHAIR_ROLE
    return None


def _roles(text: pa.Array) -> pa.Array:
    """Each cell's roster role: a listed role or alias, else the role its title names."""
    role = _lookup(text, _ROLE_ALIASES)
    unknown = nonempty(text) & _np(pc.is_null(role))
    if not unknown.any():
        return role
    titles = pc.dictionary_encode(pc.filter(text, pa.array(unknown)))
    named = pa.array([_title_role(v) for v in titles.dictionary.to_pylist()], pa.string())
    filled = role.to_numpy(zero_copy_only=False).astype(object)
    filled[np.flatnonzero(unknown)] = named.take(titles.indices).to_numpy(zero_copy_only=False)
    return pa.array(filled, pa.string())


def check_panel_block(raw: RawSheet) -> CheckedBlock:
    """The roster's row checks (required cells, role, date); sittings are checked whole."""
    text = _column(raw, "role")
    role = _roles(text)
    found = [*_required(raw), *_formula_cells(raw)]
    found += _at_rows(
        raw,
        nonempty(text) & _np(pc.is_null(role)),
        "role",
        "ledger.panel.role",
        roles="、".join(PANEL_ROLES),
    )
    panel_date, date_found = _dates(raw)
    table = pa.Table.from_arrays(
        [
            pa.array(raw.source_row, pa.int32()),
            _or_null(_column(raw, "community")),
            panel_date,
            _or_null(_column(raw, "name")),
            role,
        ],
        schema=PANEL_SCHEMA,
    )
    return CheckedBlock(table, np.full(raw.num_rows, -1, np.int64), (*found, *date_found))


@dataclass(frozen=True)
class Sitting:
    """One sitting of the panel: its first roster row, member count and roles (no names)."""

    community: str
    panel_date: str
    first_row: int
    members: int
    roles: tuple[str, ...]


def sittings(panel: pa.Table) -> tuple[Sitting, ...]:
    """The roster's sittings in order of first appearance (rows lacking a key are skipped)."""
    grouped: dict[tuple[str, str], list[tuple[int, str]]] = {}
    rows = zip(
        panel["source_row"].to_pylist(),
        panel["community"].to_pylist(),
        panel["panel_date"].to_pylist(),
        panel["role"].to_pylist(),
        strict=True,
    )
    for row, community, day, role in rows:
        if community is None or day is None:
            continue
        grouped.setdefault((community, day.isoformat()), []).append((row, role or ""))
    return tuple(
        Sitting(key[0], key[1], members[0][0], len(members), tuple(r for _, r in members))
        for key, members in grouped.items()
    )


def sitting_findings(found: Iterable[Sitting]) -> list[Problem]:
    """Errors for sittings of the wrong size or lacking a bank officer or a 支书/主任."""
    problems: list[Problem] = []
    for sitting in found:
        where = {"community": sitting.community, "date": sitting.panel_date}
        if not MIN_MEMBERS <= sitting.members <= MAX_MEMBERS:
            problems.append(
                error(
                    PANEL,
                    sitting.first_row,
                    "name",
                    "ledger.panel.size",
                    count=sitting.members,
                    low=MIN_MEMBERS,
                    high=MAX_MEMBERS,
                    **where,
                )
            )
        for role, key in (
            (BANK_ROLE, "ledger.panel.no_bank"),
            (CHAIR_ROLE, "ledger.panel.no_chair"),
        ):
            if role not in sitting.roles:
                problems.append(error(PANEL, sitting.first_row, "role", key, **where))
    return problems


def unlisted_findings(
    evaluated: Sequence[tuple[str, str, int]], found: Sequence[Sitting], *, roster: bool
) -> list[Problem]:
    """Warnings for the evaluations' sittings (community, date, first row) not on the roster."""
    listed = {(s.community, s.panel_date) for s in found}
    missing = [item for item in evaluated if (item[0], item[1]) not in listed]
    if not missing:
        return []
    if not roster:
        return [warning(EVALUATIONS, None, "panel_date", "ledger.panel.absent", count=len(missing))]
    return [
        warning(EVALUATIONS, row, "panel_date", "ledger.panel.unlisted", community=c, date=d)
        for c, d, row in missing
    ]


def _first_rows(values: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The distinct ``values`` in the order they first appear, and the row of each first.

    Arrow's dictionary encoding numbers the values as it meets them (0, 1, 2 …), so the
    running maximum of the numbers rises exactly at each value's first row.
    """
    encoded = pc.dictionary_encode(pa.array(values, pa.int64()))
    numbers = np.asarray(encoded.indices.to_numpy())
    rises = np.flatnonzero(np.diff(np.maximum.accumulate(numbers), prepend=-1) > 0)
    return encoded.dictionary.to_pylist(), rises


def evaluated_sittings(
    resident_keys: np.ndarray,
    resident_community: np.ndarray,
    communities: Sequence[str],
    evaluation_keys: np.ndarray,
    evaluation_days: np.ndarray,
    evaluation_rows: np.ndarray,
) -> list[tuple[str, str, int]]:
    """(community, date, first row) of each sitting the evaluations name, in row order.

    ``resident_community`` indexes ``communities`` (-1: none); ``evaluation_days`` are days
    since 1970 (-1: no valid date). Evaluations naming no resident are left out. The
    evaluations are looked up ``_SITTING_CHUNK`` at a time, so the temporaries stay a few
    dozen MB however long the ledger (10M residents: 13M evaluations).
    """
    if not len(evaluation_keys) or not len(resident_keys):
        return []
    order = np.argsort(resident_keys)
    ordered = resident_keys[order]
    if np.any((ordered[1:] == ordered[:-1]) & (ordered[1:] >= 0)):  # the first of a duplicate
        order = np.argsort(resident_keys, kind="stable")
        ordered = resident_keys[order]
    order = order.astype(np.int32) if len(order) < 2**31 else order
    firsts: dict[int, int] = {}  # (community << 32 | day) -> its first evaluation's position
    for start in range(0, len(evaluation_keys), _SITTING_CHUNK):
        keys = evaluation_keys[start : start + _SITTING_CHUNK]
        # sorted needles against sorted keys: the binary searches stay cache-warm (any order
        # of equal needles: each result goes back to its own row)
        wanted = np.argsort(keys)
        at = np.empty(len(keys), dtype=order.dtype)
        at[wanted] = order[np.minimum(np.searchsorted(ordered, keys[wanted]), len(order) - 1)]
        found = (resident_keys[at] == keys) & (keys >= 0)
        community = np.where(found, resident_community[at], -1)
        _note_firsts(firsts, start, community, evaluation_days[start : start + _SITTING_CHUNK])
    return _listed(firsts, communities, evaluation_rows)


def sittings_of(
    evaluation_community: np.ndarray,
    communities: Sequence[str],
    evaluation_days: np.ndarray,
    evaluation_rows: np.ndarray,
) -> list[tuple[str, str, int]]:
    """What ``evaluated_sittings`` gives, from each evaluation's community already known
    (an index into ``communities``; -1 where it names no resident or the resident has
    none), as ``LedgerScan`` finds it when the evaluations are read first."""
    firsts: dict[int, int] = {}
    for start in range(0, len(evaluation_community), _SITTING_CHUNK):
        stop = start + _SITTING_CHUNK
        _note_firsts(firsts, start, evaluation_community[start:stop], evaluation_days[start:stop])
    return _listed(firsts, communities, evaluation_rows)


def _note_firsts(
    firsts: dict[int, int], start: int, community: np.ndarray, days: np.ndarray
) -> None:
    """Note the first position of each (community, day) of a run of evaluations starting
    at ``start`` (earlier runs' positions kept)."""
    usable = np.flatnonzero((community >= 0) & (days >= 0))
    if not len(usable):
        return
    # one int64 per (community, day), each pair's first row found by hashing, not sorting
    pairs = (community[usable].astype(np.int64) << 32) | days[usable].astype(np.int64)
    unique, first = _first_rows(pairs)
    for pair, index in zip(unique, first.tolist(), strict=True):
        firsts.setdefault(pair, start + int(usable[index]))


def _listed(
    firsts: dict[int, int], communities: Sequence[str], evaluation_rows: np.ndarray
) -> list[tuple[str, str, int]]:
    """(community, date, row) of each sitting, in the order of its first evaluation."""
    epoch = np.datetime64("1970-01-01", "D")
    return [
        (
            communities[pair >> 32],
            str(epoch + np.timedelta64(pair & 0xFFFFFFFF, "D")),
            int(evaluation_rows[position]),
        )
        for pair, position in sorted(firsts.items(), key=lambda item: item[1])
    ]
