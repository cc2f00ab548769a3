"""A workbook sheet (xlsx/xlsm, read-only openpyxl) read by runs of ``block_rows`` rows.

Cells become text as the officer sees them (dates as YYYY-MM-DD, whole numbers without
``.0``); a number in the ID column is flagged so the rules can report it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa

from secure_exchange.errors import LedgerError
from secure_exchange.fsio import raise_for_read_error
from secure_exchange.ledger.schema import EVALUATIONS, OPTIONAL_SHEETS, PANEL, RESIDENTS
from secure_exchange.ledger.sheet import Assembler, RawSheet, clean_header

__all__ = ["cell_text", "open_workbook", "worksheet_blocks"]

_SHEET_NAMES = {
    RESIDENTS: ("居民", "residents"),
    EVALUATIONS: ("评议", "evaluations"),
    PANEL: ("评议小组", "panel"),
}


def open_workbook(path: Path) -> object:
    """The workbook at ``path``, opened read-only with cached values.

    Raises:
        LedgerError: the file is not a workbook openpyxl can read.
    """
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:  # open in Excel (Windows), gone, not ours: not "damaged"
        raise_for_read_error(exc, path)
        raise
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise LedgerError("ledger.xlsx.unreadable", file=path.name) from exc


def worksheet_blocks(assembler: Assembler, book: object, block_rows: int) -> Iterator[RawSheet]:
    """The blocks of the assembler's sheet in ``book``, ``block_rows`` rows each."""
    names = book.sheetnames  # type: ignore[attr-defined]
    titles = {clean_header(title).lower(): title for title in names}
    wanted = _SHEET_NAMES[assembler.sheet]
    title = next((titles[n] for n in wanted if n in titles), None)
    if title is None and assembler.sheet in OPTIONAL_SHEETS:
        return
    if title is None:
        assembler.error(
            None, None, "ledger.sheet.missing", sheet=assembler.sheet, english=wanted[1]
        )
        return
    rows = book[title].iter_rows(values_only=True)  # type: ignore[index]
    header = [cell_text(v) for v in next(rows, ())]
    if not header:
        assembler.error(None, None, "ledger.sheet.empty", sheet=assembler.sheet)
        return
    assembler.header(header)
    id_index = assembler.id_index()
    while True:
        chunk = [row for _, row in zip(range(block_rows), rows, strict=False)]
        if not chunk:
            return
        yield _worksheet_block(assembler, chunk, id_index)


def _worksheet_block(
    assembler: Assembler, chunk: list[tuple[object, ...]], id_index: int | None
) -> RawSheet:
    width = max(assembler.width, *(len(row) for row in chunk))
    values = [[row[i] if i < len(row) else None for row in chunk] for i in range(width)]
    numeric_id = None
    if id_index is not None:
        numeric_id = np.array([_is_number(v) for v in values[id_index]], dtype=bool)
    columns = [pa.array([cell_text(v) for v in column], type=pa.string()) for column in values]
    return assembler.block(columns, numeric_id)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def cell_text(value: object) -> str:
    """Text of one xlsx cell: dates as YYYY-MM-DD, whole floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
