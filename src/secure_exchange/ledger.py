"""Resident ledgers (ledger-v1): read an xlsx workbook or a CSV/Parquet folder, check it.

``read_ledger`` always returns what it could read together with a ``CheckReport`` of every
problem found (all at once, never stopping at the first); ``load_ledger`` refuses a ledger
with errors. Messages locate each problem by sheet, spreadsheet row and column and never
echo a name, a phone or a full ID number.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

import pyarrow as pa

from secure_exchange._ledger_read import RawSheet, line_count, read_container, read_folder_sheet
from secure_exchange._ledger_rules import (
    EVALUATION_SCHEMA,
    RESIDENT_SCHEMA,
    EvaluationDraft,
    SheetResult,
    check_evaluations,
    check_residents,
    finish_evaluations,
    finish_residents,
    prepare_evaluations,
    resident_ids,
)
from secure_exchange._ledger_schema import (
    EVALUATIONS,
    LEDGER_COLUMNS,
    RESIDENTS,
    CheckReport,
    ColumnSpec,
    Finding,
    PolicyItemLike,
    PolicyLike,
    mask_id,
)
from secure_exchange.errors import LedgerError

__all__ = [
    "EVALUATIONS",
    "EVALUATION_SCHEMA",
    "LEDGER_COLUMNS",
    "RESIDENTS",
    "RESIDENT_SCHEMA",
    "CheckReport",
    "ColumnSpec",
    "Finding",
    "Ledger",
    "LedgerInvalidError",
    "PolicyItemLike",
    "PolicyLike",
    "load_ledger",
    "mask_id",
    "read_ledger",
]


_RESIDENTS_CSV = "residents.csv"


class LedgerInvalidError(LedgerError):
    """The ledger has errors; ``report`` holds them all."""

    def __init__(self, report: CheckReport) -> None:
        self.report = report
        super().__init__("ledger.invalid", count=len(report.errors))


@dataclass(frozen=True)
class Ledger:
    """The normalised residents and evaluations tables, and the check report."""

    residents: pa.Table
    evaluations: pa.Table
    report: CheckReport
    dropped_columns: tuple[str, ...]
    source: Path


def read_ledger(
    path: Path,
    *,
    as_of: date | None = None,
    drop_unknown: bool = False,
    policy: PolicyLike | None = None,
    progress: Callable[[int], None] | None = None,
) -> Ledger:
    """Read and check a ledger; always returns the tables and the report.

    Args:
        path: an ``.xlsx`` workbook or a folder with residents/evaluations CSV or Parquet.
        as_of: the evaluation date birth dates must not be after (default: today).
        drop_unknown: drop columns outside the format (reported as a warning) instead of
            reporting each as an error.
        policy: the scoring policy whose item codes and levels are valid (default:
            ``scoring.policy.load_policy()``).
        progress: called with the number of rows read so far.

    Raises:
        LedgerError: the path does not exist or is not a ledger container at all.
    """
    path = Path(path)
    as_of = date.today() if as_of is None else as_of
    if policy is None:
        from scoring.policy import load_policy  # scoring is imported only when needed

        policy = load_policy()
    if path.is_dir():
        residents_raw, residents, evaluations_raw, evaluations = _check_folder(
            path, as_of, drop_unknown, policy, progress)
    else:
        residents_raw, evaluations_raw = read_container(
            path, drop_unknown=drop_unknown, progress=progress
        )
        residents, keys = check_residents(residents_raw, as_of)
        evaluations = check_evaluations(evaluations_raw, keys, policy)
    findings = [*residents_raw.findings, *residents.findings,
                *evaluations_raw.findings, *evaluations.findings]
    return Ledger(
        residents=residents.table,
        evaluations=evaluations.table,
        report=_report(findings),
        dropped_columns=_dropped(residents_raw, evaluations_raw),
        source=path,
    )


def _check_folder(
    folder: Path, as_of: date, drop_unknown: bool, policy: PolicyLike,
    progress: Callable[[int], None] | None,
) -> tuple[RawSheet, SheetResult, RawSheet, SheetResult]:
    """Read and check a CSV/Parquet folder, the evaluations in a second thread.

    pyarrow and numpy release the GIL, so the two sheets share the cores. As soon as the
    residents' IDs are known, the second thread matches the evaluations against them while
    this one finishes the residents. ``progress`` is called from this thread, residents
    first, as for a workbook.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sx-ledger") as pool:
        counted = {_RESIDENTS_CSV: pool.submit(line_count, folder / _RESIDENTS_CSV)}
        drafted = pool.submit(_evaluations_draft, folder, drop_unknown, policy)
        residents_raw = read_folder_sheet(folder, RESIDENTS, drop_unknown,
                                          lines=partial(_counted, counted))
        if progress is not None:
            progress(residents_raw.num_rows)
        ids = resident_ids(residents_raw, as_of)
        # One worker: this runs once the draft is done.
        finished = pool.submit(lambda: finish_evaluations(drafted.result(), ids.keys))
        residents = finish_residents(residents_raw, ids)
        evaluations_raw = drafted.result().raw
        if progress is not None:
            progress(evaluations_raw.num_rows)
        evaluations = finished.result()
    return residents_raw, residents, evaluations_raw, evaluations


def _counted(counted: dict[str, Future[int]], path: Path) -> int:
    """A line count worked out in the other thread, or counted now."""
    future = counted.get(path.name)
    return line_count(path) if future is None else future.result()


def _evaluations_draft(folder: Path, drop_unknown: bool, policy: PolicyLike) -> EvaluationDraft:
    return prepare_evaluations(read_folder_sheet(folder, EVALUATIONS, drop_unknown), policy)


def load_ledger(
    path: Path,
    *,
    as_of: date | None = None,
    drop_unknown: bool = False,
    policy: PolicyLike | None = None,
    progress: Callable[[int], None] | None = None,
) -> Ledger:
    """Like ``read_ledger`` but refuse a ledger with errors.

    Raises:
        LedgerInvalidError: the report has errors (``.report`` holds them).
        LedgerError: the path is not a ledger at all.
    """
    ledger = read_ledger(path, as_of=as_of, drop_unknown=drop_unknown, policy=policy,
                         progress=progress)
    if not ledger.report.ok:
        raise LedgerInvalidError(ledger.report)
    return ledger


_COLUMN_ORDER = {
    (sheet, name): index
    for sheet, specs in LEDGER_COLUMNS.items()
    for index, name in enumerate(specs)
}


def _order(item: Finding) -> tuple[int, int, int, str]:
    sheet = 0 if item.sheet == RESIDENTS else 1
    return sheet, item.row or 0, _COLUMN_ORDER.get((item.sheet, item.column or ""), -1), item.code


def _report(findings: list[Finding]) -> CheckReport:
    ordered = sorted(findings, key=_order)
    return CheckReport(
        errors=tuple(f for f in ordered if f.level == "error"),
        warnings=tuple(f for f in ordered if f.level == "warning"),
    )


def _dropped(*sheets: RawSheet) -> tuple[str, ...]:
    names: list[str] = []
    for sheet in sheets:
        names.extend(name for name in sheet.dropped if name not in names)
    return tuple(names)
