"""Resident ledgers (ledger-v1): read an xlsx workbook or a CSV/Parquet folder, check it.

``read_ledger`` always returns what it could read together with a ``CheckReport`` of every
problem found (all at once, never stopping at the first); ``load_ledger`` refuses a ledger
with errors. Messages locate each problem by sheet, spreadsheet row and column and never
echo a name, a phone or a full ID number.
"""

from __future__ import annotations

import dataclasses
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TypedDict, Unpack

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scoring.policy import load_policy
from secure_exchange.errors import LedgerError, Problem
from secure_exchange.ledger.panel import (
    PANEL_SCHEMA,
    check_panel_block,
    evaluated_sittings,
    sitting_findings,
    sittings,
    sittings_of,
    unlisted_findings,
)
from secure_exchange.ledger.rules import (
    EVALUATION_SCHEMA,
    RESIDENT_SCHEMA,
    CheckedBlock,
    check_evaluation_block,
    check_resident_block,
)
from secure_exchange.ledger.schema import (
    EVALUATIONS,
    LEDGER_COLUMNS,
    PANEL,
    RESIDENTS,
    CheckReport,
    PolicyLike,
)
from secure_exchange.ledger.sheet import RawSheet
from secure_exchange.ledger.source import LedgerSource
from secure_exchange.ledger.spans import (
    duplicate_findings,
    expand_ranges,
    orphan_findings,
    unmatched_findings,
    whole_ledger_findings,
)
from secure_exchange.ledger.text import nonempty

__all__ = [
    "Ledger",
    "LedgerBlock",
    "LedgerCheck",
    "LedgerInvalidError",
    "LedgerScan",
    "ScanOptions",
    "check_ledger",
    "load_ledger",
    "read_ledger",
]


class LedgerInvalidError(LedgerError):
    """The ledger has errors; ``report`` holds them all."""

    def __init__(self, report: CheckReport) -> None:
        self.report = report
        super().__init__("ledger.invalid", count=len(report.errors))


@dataclass(frozen=True)
class Ledger:
    """The normalised residents, evaluations and panel roster tables, and the check report."""

    residents: pa.Table
    evaluations: pa.Table
    report: CheckReport
    dropped_columns: tuple[str, ...]
    source: Path
    panel: pa.Table = field(default_factory=PANEL_SCHEMA.empty_table)


_WORKERS = max(2, min(4, os.cpu_count() or 2))
# Up to this many evaluations, read before the residents, are looked up block by block
# (``_EvaluationIndex``): their sorted keys, 16 MB, stay in the processor's cache. Beyond,
# each resident's binary search would miss it at every step (10M residents: 45 CPU-s to
# seal instead of 32), and the one pass at the end, its needles sorted, is the quicker.
_INDEX_EVALUATIONS = 1 << 21
_AHEAD = 2  # blocks checked ahead of the one being handed out


@dataclass(frozen=True)
class LedgerBlock:
    """A block of checked rows of one sheet: the normalised table and its ID keys.

    ``keys`` are int64 keys of the ID numbers (see ``ids.id_keys``): -1 where the ID is
    malformed (residents) or invalid (evaluations). ``derived`` is what the ``work`` given
    to ``LedgerScan.blocks`` made of the block, None when the block has errors.
    """

    sheet: str
    table: pa.Table
    keys: np.ndarray
    derived: object = None


@dataclass
class _SheetState:
    """What is kept of a sheet's blocks: ID keys (also sorted per block) and rows."""

    keys: list[np.ndarray] = field(default_factory=list)
    ordered: list[np.ndarray] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    count: int = 0
    done: bool = False
    has_ids: bool = False  # the sheet was found and has its ID column
    phones: int = 0  # rows with a phone number (residents)
    unreadable: int = 0  # ID numbers that cannot be read at all (Excel's numbers, malformed)
    joined_already: bool = False  # the lists hold one array each, joined and sorted

    def add(self, keys: np.ndarray, ordered: np.ndarray, rows: np.ndarray) -> None:
        """Keep a block's keys, its valid keys sorted, and its rows."""
        self.joined_already = False
        self.keys.append(keys)
        self.ordered.append(ordered)
        self.rows.append(rows)
        self.count += len(rows)

    def joined(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Keys, rows, and the sorted valid keys (sorted runs merged in place).

        The blocks' arrays are let go as they are joined, so the peak stays near the size
        of the joined arrays.
        """
        if not self.keys:
            empty = np.zeros(0, np.int64)
            return empty, np.zeros(0, np.int32), empty
        if self.joined_already:
            return self.keys[0], self.rows[0], self.ordered[0]
        ordered = np.concatenate(self.ordered)
        self.ordered.clear()
        ordered.sort(kind="stable")
        keys, rows = np.concatenate(self.keys), np.concatenate(self.rows)
        self.keys, self.rows = [keys], [rows]
        self.ordered = [ordered]
        self.joined_already = True
        return keys, rows, ordered


@dataclass
class _EvaluationIndex:
    """The evaluations, read whole before the residents, by ID key: each resident block
    then finds its evaluations in its worker, so the checks that match the two sheets
    (evaluations naming no resident, the sittings the evaluations name) are mostly done by
    the time the last block is, instead of all at the end on one core.

    ``order`` lists the evaluations' positions by key, the invalid keys (-1) first, then
    those of ``valid``, the sorted valid keys. ``community`` and ``matched`` are filled in
    block order (``take``, on the scan's thread): each evaluation's resident's community
    (-1: none) and whether any resident has its ID.
    """

    order: np.ndarray
    valid: np.ndarray
    community: np.ndarray
    matched: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray, valid: np.ndarray) -> _EvaluationIndex:
        """The index of evaluations with ID ``keys`` (-1: invalid), ``valid`` the sorted
        valid ones."""
        order = np.argsort(keys, kind="stable")
        order = order.astype(np.int32) if len(order) < 2**31 else order
        count = len(keys)
        return cls(order, valid, np.full(count, -1, np.int32), np.zeros(count, dtype=bool))

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position of the evaluation, row in the block of its resident) of each match
        between a resident block's ``keys`` and the evaluations (in a worker)."""
        rows = np.flatnonzero(keys >= 0)
        needles = keys[rows]
        by_key = np.argsort(needles)  # sorted needles: the binary searches stay cache-warm
        needles, rows = needles[by_key], rows[by_key]
        low = np.searchsorted(self.valid, needles, "left")
        counts = np.searchsorted(self.valid, needles, "right") - low
        skipped = len(self.order) - len(self.valid)  # the invalid keys come first
        return self.order[expand_ranges(low, counts) + skipped], np.repeat(rows, counts)

    def take(self, found: tuple[np.ndarray, np.ndarray], community: np.ndarray) -> None:
        """Note a resident block's matches (``find``), ``community`` its residents' own;
        an evaluation keeps the community of the first resident that matched it."""
        positions, rows = found
        fresh = ~self.matched[positions]
        self.community[positions[fresh]] = community[rows[fresh]]
        self.matched[positions] = True


_Checked = tuple[
    RawSheet, CheckedBlock, LedgerBlock, np.ndarray, tuple[np.ndarray, np.ndarray] | None
]
# A resident whose ID cannot be read: evaluations naming that person would be reported as
# naming no resident, so that check waits until the IDs are fixed (the cause, once).
_UNREADABLE_ID = frozenset(("ledger.id.numeric", "ledger.id.format"))


class LedgerScan:
    """One pass over a ledger in bounded memory: checked blocks out, the report at the end.

    Use it as a context manager; read the sheets with ``blocks`` (each once, in any order),
    then call ``finish`` for the whole report. Per block, only the int64 ID keys and row
    numbers are kept, for the checks that span blocks (duplicate IDs, evaluations naming
    no resident); the tables themselves are the caller's to keep or let go. Blocks are
    parsed and checked a few ahead in worker threads (pyarrow and numpy release the GIL)
    and handed out in order. The keyword arguments are those of ``ScanOptions``.
    """

    def __init__(
        self,
        path: Path,
        *,
        as_of: date | None = None,
        drop_unknown: bool = False,
        policy: PolicyLike | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.as_of = date.today() if as_of is None else as_of
        self.policy = load_policy() if policy is None else policy
        self.progress = progress
        self.findings: list[Problem] = []
        self.dropped: list[str] = []
        self.errors = 0
        self._report: CheckReport | None = None
        self._sheets = {RESIDENTS: _SheetState(), EVALUATIONS: _SheetState(), PANEL: _SheetState()}
        self._panel = _PanelState()
        self._index: _EvaluationIndex | None = None  # the evaluations, when read first
        self._pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="sx-ledger")
        try:
            self._source = LedgerSource(self.path, drop_unknown=drop_unknown, pool=self._pool)
        except BaseException:
            self._pool.shutdown(cancel_futures=True)
            raise

    def __enter__(self) -> LedgerScan:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._pool.shutdown(cancel_futures=True)
        self._source.close()

    @property
    def clean(self) -> bool:
        """No error found so far (warnings allowed)."""
        return self.errors == 0

    @property
    def panel(self) -> pa.Table:
        """The 评议小组 roster read so far (it is small: kept whole)."""
        return self._panel.table()

    def count(self, sheet: str) -> int:
        """Rows of ``sheet`` read so far."""
        return self._sheets[sheet].count

    def kept(self, sheet: str) -> tuple[np.ndarray, np.ndarray]:
        """The int64 ID key (``ids.id_keys``, -1 where the ID is not one) and the source row
        of every row of ``sheet`` read, in order: what the checks that span blocks keep
        anyway (after ``finish``, without a copy)."""
        state = self._sheets[sheet]
        if len(state.keys) == 1:
            return state.keys[0], state.rows[0]
        return _joined(state.keys, np.int64), _joined(state.rows, np.int32)

    def blocks(
        self, sheet: str, work: Callable[[LedgerBlock], object] | None = None
    ) -> Iterator[LedgerBlock]:
        """Check the blocks of ``sheet``; handed out in row order.

        ``work``, if given, runs on each block without errors in the worker that checked
        it, alongside the parsing and checking of the next blocks; its result is the
        block's ``derived``. It must not depend on the order blocks are worked in.
        """
        state = self._sheets[sheet]
        if state.done:
            raise ValueError(f"sheet {sheet} was read already")
        state.done = True
        checking: deque[Future[_Checked]] = deque()
        index = self._index if sheet == RESIDENTS else None
        try:
            for raw in self._source.blocks(sheet):
                checking.append(self._pool.submit(self._check, sheet, raw, work, index))
                if len(checking) > _AHEAD:
                    yield self._accept(state, *checking.popleft().result())
            while checking:
                yield self._accept(state, *checking.popleft().result())
        finally:
            for future in checking:
                future.cancel()
        if sheet == EVALUATIONS and not self._sheets[RESIDENTS].done:
            keys, _, valid = state.joined()
            if len(keys) <= _INDEX_EVALUATIONS:
                self._index = _EvaluationIndex.of(keys, valid)

    def _check(
        self,
        sheet: str,
        raw: RawSheet,
        work: Callable[[LedgerBlock], object] | None,
        index: _EvaluationIndex | None,
    ) -> _Checked:
        """The block-local rules, the block's sorted keys, its residents' evaluations (if
        the evaluations were read first), then ``work`` (in a worker)."""
        if sheet == RESIDENTS:
            checked = check_resident_block(raw, self.as_of)
        elif sheet == PANEL:
            checked = check_panel_block(raw)
        else:
            checked = check_evaluation_block(raw, self.policy, self.as_of)
        block = LedgerBlock(raw.sheet, checked.table, checked.keys)
        if work is not None and not any(
            f.level == "error" for f in (*raw.findings, *checked.findings)
        ):
            block = dataclasses.replace(block, derived=work(block))
        found = None if index is None else index.find(checked.keys)
        return raw, checked, block, np.sort(checked.keys[checked.keys >= 0]), found

    def _accept(
        self,
        state: _SheetState,
        raw: RawSheet,
        checked: CheckedBlock,
        block: LedgerBlock,
        ordered: np.ndarray,
        found: tuple[np.ndarray, np.ndarray] | None,
    ) -> LedgerBlock:
        self._note(raw.findings)
        for name in raw.dropped:
            if name not in self.dropped:
                self.dropped.append(name)
        self._note(checked.findings)
        state.has_ids = state.has_ids or "id_number" in raw.columns
        state.unreadable += sum(1 for f in checked.findings if f.key in _UNREADABLE_ID)
        if raw.num_rows and "phone" in raw.columns:
            state.phones += int(np.count_nonzero(nonempty(raw.columns["phone"])))
        community = self._panel.add(raw.sheet, checked.table)
        if found is not None and self._index is not None and community is not None:
            self._index.take(found, community)
        state.add(checked.keys, ordered, raw.source_row)
        if raw.num_rows and self.progress is not None:
            self.progress(raw.num_rows)
        return block

    def _note(self, findings: tuple[Problem, ...] | list[Problem]) -> None:
        self.findings.extend(findings)
        self.errors += sum(1 for f in findings if f.level == "error")

    def finish(self) -> CheckReport:
        """The whole report, with the checks that span blocks; reads unread sheets first."""
        if self._report is not None:
            return self._report
        unread = [sheet for sheet, state in self._sheets.items() if not state.done]
        while unread:  # in the order their blocks come: what is found is sorted at the end
            sheet = self._source.sooner(unread)
            unread.remove(sheet)
            for _ in self.blocks(sheet):
                pass
        residents = self._sheets[RESIDENTS]
        resident_keys, resident_rows, among = residents.joined()
        evaluation_keys, evaluation_rows, ordered = self._sheets[EVALUATIONS].joined()
        self._note(duplicate_findings(resident_keys, resident_rows, ordered=among))
        # A residents sheet missing, unreadable or without its ID column already says why:
        # no follow-on flood of evaluations "naming no resident", no "empty ledger".
        whole = residents.has_ids and not any(
            f.level == "error"
            and f.where.sheet == RESIDENTS
            and f.where.row is None
            and f.where.column in (None, "id_number")
            for f in self.findings
        )
        # The evaluations' matches found block by block hold when no resident ID repeats
        # (a repeated one keeps its first resident's community, as the whole pass does).
        index = self._index
        if index is not None and len(among) and np.any(among[1:] == among[:-1]):
            index = None
        if whole and not residents.unreadable:  # else their evaluations would be follow-ons
            if index is None:
                found = orphan_findings(
                    evaluation_keys, evaluation_rows, resident_keys, ordered=ordered, among=among
                )
            else:
                unmatched = ~index.matched & (evaluation_keys >= 0)
                found = unmatched_findings(evaluation_keys, evaluation_rows, unmatched)
            self._note(found)
        self._note(whole_ledger_findings(whole, residents.count, residents.phones))
        community = None if index is None else index.community
        self._note(self._panel.findings(resident_keys, evaluation_keys, evaluation_rows, community))
        self._report = _report(self.findings)
        return self._report


@dataclass
class _PanelState:
    """What the roster checks need: the roster itself (small), each resident's community
    (an index into ``communities``) and each evaluation's panel date (days since 1970)."""

    roster: list[pa.Table] = field(default_factory=list)
    communities: dict[str, int] = field(default_factory=dict)
    resident_community: list[np.ndarray] = field(default_factory=list)
    evaluation_days: list[np.ndarray] = field(default_factory=list)

    def add(self, sheet: str, table: pa.Table) -> np.ndarray | None:
        """Keep what a checked block of ``sheet`` gives the roster checks; a residents
        block's communities (indices into ``communities``, -1: none)."""
        if sheet == PANEL:
            self.roster.append(table)
        elif sheet == RESIDENTS:
            encoded = pc.dictionary_encode(table["community"]).combine_chunks()
            ids = [
                self.communities.setdefault(c, len(self.communities))
                for c in encoded.dictionary.to_pylist()
            ]
            lookup = np.array([*ids, -1], dtype=np.int32)
            index = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False))
            self.resident_community.append(lookup[index])
            return self.resident_community[-1]
        else:
            days = pc.fill_null(table["panel_date"].cast(pa.int32()), -1)
            self.evaluation_days.append(np.asarray(days.to_numpy(zero_copy_only=False), np.int32))
        return None

    def table(self) -> pa.Table:
        """The roster's rows read so far."""
        return pa.concat_tables(self.roster) if self.roster else PANEL_SCHEMA.empty_table()

    def findings(
        self,
        resident_keys: np.ndarray,
        evaluation_keys: np.ndarray,
        evaluation_rows: np.ndarray,
        evaluation_community: np.ndarray | None = None,
    ) -> list[Problem]:
        """Errors of the roster's sittings, warnings for sittings it does not list;
        ``evaluation_community`` is each evaluation's resident's community when already
        known (``_EvaluationIndex``)."""
        roster = self.table()
        found = sittings(roster)
        days = _joined(self.evaluation_days)
        evaluated = (
            evaluated_sittings(
                resident_keys,
                _joined(self.resident_community),
                list(self.communities),
                evaluation_keys,
                days,
                evaluation_rows,
            )
            if evaluation_community is None
            else sittings_of(evaluation_community, list(self.communities), days, evaluation_rows)
        )
        return [
            *sitting_findings(found),
            *unlisted_findings(evaluated, found, roster=roster.num_rows > 0),
        ]


def _joined(parts: list[np.ndarray], kind: type[np.generic] = np.int32) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, kind)


class ScanOptions(TypedDict, total=False):
    """The keyword arguments of ``LedgerScan``, ``read_ledger``, ``check_ledger`` and
    ``load_ledger``.

    ``as_of``: the evaluation date birth dates must not be after (default: today).
    ``drop_unknown``: drop columns outside the format (reported as a warning) instead of
    reporting each as an error. ``policy``: the scoring policy whose item codes and levels
    are valid (default: ``scoring.policy.load_policy()``). ``progress``: called with the
    number of rows of each block read (by ``finish``: a workbook's sheets in the order
    their parsing ends).
    """

    as_of: date | None
    drop_unknown: bool
    policy: PolicyLike | None
    progress: Callable[[int], None] | None


def read_ledger(path: Path, **options: Unpack[ScanOptions]) -> Ledger:
    """Read and check a ledger whole; always returns the tables and the report.

    Args:
        path: an ``.xlsx`` workbook or a folder with residents/evaluations CSV or Parquet.
        **options: see ``ScanOptions``.

    Raises:
        LedgerError: the path does not exist or is not a ledger container at all.
    """
    with LedgerScan(path, **options) as scan:
        residents = _whole(scan.blocks(RESIDENTS), RESIDENT_SCHEMA)
        evaluations = _whole(scan.blocks(EVALUATIONS), EVALUATION_SCHEMA)
        panel = _whole(scan.blocks(PANEL), PANEL_SCHEMA)
        report = scan.finish()
    return Ledger(
        residents=residents,
        evaluations=evaluations,
        report=report,
        dropped_columns=tuple(scan.dropped),
        source=Path(path),
        panel=panel,
    )


def _whole(blocks: Iterator[LedgerBlock], schema: pa.Schema) -> pa.Table:
    tables = [block.table for block in blocks if block.table.num_rows]
    if not tables:
        return schema.empty_table()
    return pa.concat_tables(tables).combine_chunks()


@dataclass(frozen=True)
class LedgerCheck:
    """The outcome of checking a ledger without keeping its tables."""

    report: CheckReport
    residents: int
    evaluations: int
    dropped_columns: tuple[str, ...]
    panel: pa.Table = field(default_factory=PANEL_SCHEMA.empty_table)  # the roster (small)


def check_ledger(path: Path, **options: Unpack[ScanOptions]) -> LedgerCheck:
    """Check a ledger in one pass, in bounded memory however large it is (see ``read_ledger``
    for the arguments)."""
    with LedgerScan(path, **options) as scan:
        report = scan.finish()
    return LedgerCheck(
        report,
        scan.count(RESIDENTS),
        scan.count(EVALUATIONS),
        tuple(scan.dropped),
        scan.panel,
    )


def load_ledger(path: Path, **options: Unpack[ScanOptions]) -> Ledger:
    """Like ``read_ledger`` but refuse a ledger with errors.

    Raises:
        LedgerInvalidError: the report has errors (``.report`` holds them).
        LedgerError: the path is not a ledger at all.
    """
    ledger = read_ledger(path, **options)
    if not ledger.report.ok:
        raise LedgerInvalidError(ledger.report)
    return ledger


_COLUMN_ORDER = {
    (sheet, name): index
    for sheet, specs in LEDGER_COLUMNS.items()
    for index, name in enumerate(specs)
}


def _order(item: Problem) -> tuple[int, int, int, str]:
    where = item.where
    sheet = {RESIDENTS: 0, EVALUATIONS: 1}.get(where.sheet or "", 2)
    column = _COLUMN_ORDER.get((where.sheet or "", where.column or ""), -1)
    return sheet, where.row or 0, column, item.key


def _report(findings: list[Problem]) -> CheckReport:
    ordered = sorted(findings, key=_order)
    return CheckReport(
        errors=tuple(f for f in ordered if f.level == "error"),
        warnings=tuple(f for f in ordered if f.level == "warning"),
    )
