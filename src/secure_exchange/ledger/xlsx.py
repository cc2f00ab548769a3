"""A workbook sheet (xlsx/xlsm, read by calamine) handed out by runs of ``block_rows`` rows.

calamine (Rust) parses the sheet's XML in one pass, keeping the typed cells in native
memory (an .xlsx holds at most 1,048,576 rows, so this is bounded); rows then become Python
values only block by block, so progress shows during the read. Cells become text as the
officer sees them (dates as YYYY-MM-DD, whole numbers without ``.0``); a number in the ID
column is flagged so the rules can report it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pyarrow as pa
import python_calamine as calamine

from secure_exchange.errors import LedgerError
from secure_exchange.fsio import raise_for_read_error
from secure_exchange.ledger.schema import EVALUATIONS, OPTIONAL_SHEETS, PANEL, RESIDENTS
from secure_exchange.ledger.sheet import Assembler, RawSheet, clean_header

__all__ = ["XLSX_BLOCK_ROWS", "Workbook", "cell_text", "open_workbook", "worksheet_blocks"]

XLSX_BLOCK_ROWS = 1 << 14  # at most this many rows a block, so progress moves often

_SHEET_NAMES = {
    RESIDENTS: ("居民", "residents"),
    EVALUATIONS: ("评议", "evaluations"),
    PANEL: ("评议小组", "panel"),
}

Workbook = calamine.CalamineWorkbook

# calamine's errors (zip, XML, a damaged part) and what a broken file makes it raise.
_BROKEN = (calamine.CalamineError, OSError, ValueError, TypeError, IndexError, KeyError)


def open_workbook(path: Path) -> Workbook:
    """The workbook at ``path``, its cached values only (formulas are not evaluated).

    Raises:
        LedgerError: the file is not a workbook calamine can read.
    """
    try:
        with path.open("rb"):  # open in Excel (Windows), gone, not ours: said so plainly
            pass
    except OSError as exc:
        raise_for_read_error(exc, path)
        raise
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except _BROKEN:
        # ``from None``: a parser's message may quote a cell of the file.
        raise LedgerError("ledger.xlsx.unreadable", file=path.name) from None


def worksheet_blocks(
    assembler: Assembler, book: Workbook, block_rows: int, file: str
) -> Iterator[RawSheet]:
    """The blocks of the assembler's sheet in ``book``, ``block_rows`` rows each.

    Rows and columns keep their places in the sheet (row 1 is the header, column A the
    first), however far from A1 the filled cells start. ``file`` names the workbook in
    messages.
    """
    title = _find_sheet(assembler, book.sheet_names)
    if title is None:
        return
    try:
        sheet = book.get_sheet_by_name(title)
        start = sheet.start
        rows = sheet.iter_rows()
        first = next(rows, None)
    except _BROKEN:
        raise LedgerError("ledger.xlsx.unreadable", file=file) from None
    left = start[1] if start else 0
    header = [""] * left + [cell_text(v) for v in first or ()]
    if first is None:
        assembler.error(None, None, "ledger.sheet.empty", sheet=assembler.sheet)
        return
    assembler.header(header)
    id_index = assembler.id_index()
    step = max(1, min(block_rows, XLSX_BLOCK_ROWS))
    while True:
        try:
            chunk = list(itertools.islice(rows, step))
        except _BROKEN:
            raise LedgerError("ledger.xlsx.unreadable", file=file) from None
        if not chunk:
            return
        yield _worksheet_block(assembler, chunk, left, id_index)


def _find_sheet(assembler: Assembler, names: Sequence[str]) -> str | None:
    """The title of the assembler's sheet (by its Chinese or English name, any case)."""
    titles = {clean_header(title).lower(): title for title in names}
    wanted = _SHEET_NAMES[assembler.sheet]
    title = next((titles[n] for n in wanted if n in titles), None)
    if title is None and assembler.sheet in OPTIONAL_SHEETS:
        return None
    if title is None:
        assembler.error(
            None, None, "ledger.sheet.missing", sheet=assembler.sheet, english=wanted[1]
        )
    return title


def _worksheet_block(
    assembler: Assembler, chunk: Sequence[Sequence[object]], left: int, id_index: int | None
) -> RawSheet:
    """One run of rows (calamine gives every row the sheet's width) as text columns."""
    count = len(chunk)
    blank = pa.array([""] * count, pa.string()) if left else None
    columns: list[pa.Array] = [blank] * left if blank is not None else []
    text_only = _text_only_columns(chunk)
    if text_only is not None:  # the usual sheet: no cell but text
        columns += text_only
        numeric_id = None if id_index is None else np.zeros(count, dtype=bool)
        columns.extend([pa.array([""] * count, pa.string())] * (assembler.width - len(columns)))
        return assembler.block(columns, numeric_id)
    numeric_id = None
    for index, values in enumerate(zip(*chunk, strict=True), start=left):
        column, typed = _text_column(values)
        if index == id_index:
            numeric_id = (
                np.fromiter((_is_number(v) for v in values), dtype=bool, count=count)
                if typed
                else np.zeros(count, dtype=bool)
            )
        columns.append(column)
    width = max(assembler.width, len(columns))
    columns.extend([pa.array([""] * count, pa.string())] * (width - len(columns)))
    return assembler.block(columns, numeric_id)


def _text_only_columns(chunk: Sequence[Sequence[object]]) -> list[pa.Array] | None:
    """The columns of rows whose every cell is text, in one pass of pyarrow; ``None`` as
    soon as a cell is typed (a number, a date…)."""
    width = len(chunk[0])
    try:
        flat = pa.array(list(itertools.chain.from_iterable(chunk)), type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None
    if flat.null_count:
        flat = flat.fill_null("")
    stride = np.arange(len(chunk), dtype=np.int64) * width
    return [flat.take(pa.array(stride + index)) for index in range(width)]


def _text_column(values: tuple[object, ...]) -> tuple[pa.Array, bool]:
    """A column's cells as text, and whether any cell was not text (a number, a date…).

    A column of text cells only (the usual case) is taken by pyarrow as it is.
    """
    try:
        column = pa.array(values, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([cell_text(v) for v in values], type=pa.string()), True
    return (column.fill_null("") if column.null_count else column), False


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
