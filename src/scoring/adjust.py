"""The bank's adjustments of single decisions (ledger-v1 rule 11: 社区评分、银行授信).

After scoring, the bank may decline an approved subject, lower or raise its line, or set
its rate within [LPR floor, rate ceiling], each time naming a reason code from the fixed
``REASONS`` list. A line above the online ceiling needs ``OFFLINE`` (线下例外) and stays
under the policy's ``exception_ceiling_yuan``. Each adjustment is appended to the
decision's reasons (``ADJ:RATE=450@PANEL``), so the return trip shows the community what
the bank changed. A note column may be filled for the bank's own use: it is read, never
written anywhere, never logged.

An adjustments file is CSV (UTF-8 or GB18030) or xlsx (first sheet), one row per change:
``subject`` (主体), ``what`` (调整项: decline/拒绝, limit/额度, rate/利率), ``value``
(调整值: whole yuan, whole basis points or a percentage such as ``4.5%``), ``reason``
(原因代码) and ``note`` (备注, optional). Any offence raises ``AdjustmentError`` naming
the file, the row and the column, never a cell's content.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from zipfile import BadZipFile

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from scoring.errors import AdjustmentError
from scoring.lpr import lpr_in_force
from scoring.policy import Policy

__all__ = [
    "REASONS",
    "WHATS",
    "Adjustment",
    "adjustment_counts",
    "apply_adjustments",
    "parse_adjustments",
    "read_adjustments",
]

REASONS: Mapping[str, str] = MappingProxyType(
    {
        "CREDIT": "征信",
        "PANEL": "评议小组建议",
        "OFFLINE": "线下例外",
        "VERIFY": "银行核实",
        "CUSTOMER": "客户申请",
    }
)
"""The fixed reason codes of rule 11 and their Chinese names (both accepted in a file)."""

WHATS: Mapping[str, str] = MappingProxyType({"decline": "拒绝", "limit": "额度", "rate": "利率"})
"""What an adjustment changes, with the Chinese word accepted for each."""

_HEADERS = {
    # also the heading of the decisions workbook, for a file started from a copy of it
    "subject": ("subject", "主体", "主体编号", "主体编号（假名）", "subject (pseudonym)"),
    "what": ("what", "调整项"),
    "value": ("value", "调整值"),
    "reason": ("reason", "原因代码", "原因"),
    "note": ("note", "备注", "说明"),
}
_REQUIRED = ("subject", "what", "value", "reason")
_MAX_ROWS = 100_000


@dataclass(frozen=True)
class Adjustment:
    """One change the bank makes to one decision; ``row`` is the file's row (header = 1)."""

    row: int
    subject: str
    what: str
    value: int | None
    reason: str
    note: str = ""

    @property
    def label(self) -> str:
        """The entry appended to the decision's reasons, e.g. ``ADJ:RATE=450@PANEL``."""
        if self.what == "decline":
            return f"ADJ:DECLINE@{self.reason}"
        return f"ADJ:{self.what.upper()}={self.value}@{self.reason}"


def read_adjustments(path: Path) -> tuple[Adjustment, ...]:
    """Read and check an adjustments file (.csv or .xlsx) by its rows' form alone."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise AdjustmentError("score.adjust.format", path=path.name, row=0, column="")
    try:
        rows = _xlsx_rows(path) if suffix == ".xlsx" else _csv_rows(path)
    except OSError as exc:
        raise AdjustmentError("score.adjust.unreadable", path=path.name, row=0, column="") from exc
    return parse_adjustments(rows, path.name)


def _csv_rows(path: Path) -> list[list[object]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    raise AdjustmentError("score.adjust.encoding", path=path.name, row=0, column="")


def _xlsx_rows(path: Path) -> list[list[object]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, BadZipFile, InvalidFileException) as exc:
        raise AdjustmentError("score.adjust.unreadable", path=path.name, row=0, column="") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(max_row=_MAX_ROWS + 1)
        return [[_cell_value(cell) for cell in row] for row in rows]
    finally:
        book.close()


def _cell_value(cell: object) -> object:
    """A cell's value; a number Excel shows as a percentage (4.5% is stored as 0.045) comes
    back as the text the officer typed, so that ``_number`` reads it as a percentage."""
    value = getattr(cell, "value", None)
    shown = str(getattr(cell, "number_format", "") or "")
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in shown:
        return f"{Decimal(repr(value)) * 100}%"
    return value


def parse_adjustments(rows: Sequence[Sequence[object]], source: str) -> tuple[Adjustment, ...]:
    """Adjustments from a header row and data rows (cells as read from CSV or xlsx)."""
    if not rows:
        raise AdjustmentError("score.adjust.empty", path=source, row=0, column="")
    columns = _header(rows[0], source)
    found: list[Adjustment] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {name: _text(row[i]) if i < len(row) else "" for name, i in columns.items()}
        if not any(cells.values()):
            continue
        raw = row[columns["value"]] if columns["value"] < len(row) else None
        found.append(_adjustment(cells, raw, number, source))
    if not found:
        raise AdjustmentError("score.adjust.empty", path=source, row=0, column="")
    _no_conflicts(found, source)
    return tuple(found)


def _header(header: Sequence[object], source: str) -> dict[str, int]:
    names = [_text(cell).lower() for cell in header]
    columns: dict[str, int] = {}
    for canonical, aliases in _HEADERS.items():
        for i, name in enumerate(names):
            if name in aliases:
                columns[canonical] = i
    for i, name in enumerate(names):
        if name and not any(name in aliases for aliases in _HEADERS.values()):
            raise AdjustmentError("score.adjust.unknown_column", path=source, row=1, column=i + 1)
    for canonical in _REQUIRED:
        if canonical not in columns:
            raise AdjustmentError(
                "score.adjust.missing_column", path=source, row=1, column=_HEADERS[canonical][1]
            )
    return columns


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip().replace("\u3000", "")


def _adjustment(cells: Mapping[str, str], raw: object, row: int, source: str) -> Adjustment:
    def fail(key: str, column: str) -> AdjustmentError:
        return AdjustmentError(key, path=source, row=row, column=_HEADERS[column][1])

    if not cells["subject"]:
        raise fail("score.adjust.no_subject", "subject")
    what = _choose(cells["what"], WHATS)
    if what is None:
        raise fail("score.adjust.what", "what")
    reason = _choose(cells["reason"].upper(), REASONS) or _choose(cells["reason"], REASONS)
    if reason is None:
        raise fail("score.adjust.reason", "reason")
    value: int | None = None
    if what == "decline":
        if cells["value"]:
            raise fail("score.adjust.decline_value", "value")
    else:
        value = _number(raw, cells["value"], percent=what == "rate")
        if value is None or value <= 0:
            raise fail(
                "score.adjust.rate_value" if what == "rate" else "score.adjust.limit_value",
                "value",
            )
    return Adjustment(row, cells["subject"], what, value, reason, cells.get("note", ""))


def _choose(text: str, table: Mapping[str, str]) -> str | None:
    lowered = text.lower()
    for code, chinese in table.items():
        if lowered == code.lower() or text == chinese:
            return code
    return None


def _number(raw: object, text: str, *, percent: bool) -> int | None:
    """A whole number (yuan or basis points); for rates also a percentage (``4.5%``)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    cleaned = text.replace(",", "").replace("，", "")
    scale = Decimal(1)
    if percent and cleaned.endswith(("%", "％")):
        cleaned, scale = cleaned[:-1], Decimal(100)
    try:
        number = Decimal(cleaned) * scale
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)


def _no_conflicts(found: Iterable[Adjustment], source: str) -> None:
    seen: dict[str, set[str]] = {}
    for item in found:
        whats = seen.setdefault(item.subject, set())
        if item.what in whats or "decline" in whats or (whats and item.what == "decline"):
            raise AdjustmentError(
                "score.adjust.conflict", path=source, row=item.row, column=_HEADERS["what"][1]
            )
        whats.add(item.what)


def apply_adjustments(
    decisions: pa.Table,
    adjustments: Sequence[Adjustment],
    policy: Policy,
    as_of: date,
    source: str = "<adjustments>",
) -> pa.Table:
    """``decisions`` with the bank's adjustments applied within the bounds of rule 11.

    Only approved subjects can be adjusted: a declined line is 0 and the rate empty; a
    line is 1 yuan up to the online ceiling (up to ``exception_ceiling_yuan`` with
    ``OFFLINE``); a rate lies within [LPR in force on ``as_of``, the rate ceiling].

    Raises:
        AdjustmentError: a subject is unknown or not approved, or a value is out of bounds.
    """
    if not adjustments:
        return decisions
    subjects = decisions["subject"].cast(pa.string())
    wanted = pa.array([a.subject for a in adjustments], pa.string())
    rows = np.asarray(pc.fill_null(pc.index_in(wanted, value_set=subjects), -1).to_numpy())
    status = decisions["status"].to_pylist()
    initial = decisions["initial_limit_yuan"].to_pylist()
    credit = decisions["credit_limit_yuan"].to_pylist()
    rate = decisions["rate_bp"].to_pylist()
    reasons = decisions["reasons"].to_pylist()
    floor = lpr_in_force(policy.rate, as_of).bp
    for item, row in zip(adjustments, rows.tolist(), strict=True):
        _check(item, row, status, policy, floor, source)
        if item.what == "decline":
            status[row], initial[row], credit[row], rate[row] = "declined", 0, 0, None
        elif item.what == "limit":
            credit[row] = item.value
        else:
            rate[row] = item.value
        reasons[row] = f"{reasons[row]}; {item.label}" if reasons[row] else item.label
    replaced = {
        "status": pa.array(status, pa.string()),
        "initial_limit_yuan": pa.array(initial, pa.int64()),
        "credit_limit_yuan": pa.array(credit, pa.int64()),
        "rate_bp": pa.array(rate, pa.int32()),
        "reasons": pa.array(reasons, pa.string()),
    }
    for name, column in replaced.items():
        index = decisions.schema.get_field_index(name)
        decisions = decisions.set_column(index, decisions.schema.field(index), column)
    return decisions


def _check(
    item: Adjustment, row: int, status: list[str], policy: Policy, floor: int, source: str
) -> None:
    def fail(key: str, column: str, **params: object) -> AdjustmentError:
        return AdjustmentError(key, path=source, row=item.row, column=_HEADERS[column][1], **params)

    if row < 0:
        raise fail("score.adjust.unknown_subject", "subject")
    if status[row] != "approved":
        raise fail("score.adjust.not_approved", "subject", status=status[row])
    value = item.value or 0
    online = policy.limit.online_ceiling_yuan
    if item.what == "limit" and value > online and item.reason != "OFFLINE":
        raise fail("score.adjust.above_online", "value", ceiling=online)
    if item.what == "limit" and value > policy.limit.exception_ceiling_yuan:
        raise fail(
            "score.adjust.above_exception", "value", ceiling=policy.limit.exception_ceiling_yuan
        )
    if item.what == "rate" and not floor <= value <= policy.rate.ceiling_bp:
        raise fail("score.adjust.rate_bounds", "value", low=floor, high=policy.rate.ceiling_bp)


def adjustment_counts(adjustments: Iterable[Adjustment]) -> dict[str, int]:
    """Counts for the access log: ``adjusted`` and one ``adjusted.<what>.<reason>`` each."""
    counts = Counter(f"adjusted.{a.what}.{a.reason}" for a in adjustments)
    return {"adjusted": sum(counts.values()), **dict(sorted(counts.items()))}
