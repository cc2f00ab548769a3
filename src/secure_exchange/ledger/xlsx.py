"""A workbook sheet (xlsx/xlsm, read by calamine) handed out by runs of ``block_rows`` rows.

calamine (Rust) parses a sheet's XML in one pass (an .xlsx holds at most 1,048,576 rows, so
this is bounded). The usual ledger, every cell text, is read by fastexcel (calamine with
Arrow output): its columns arrive as Arrow text without a Python object per cell, and the
next ledger sheet is parsed in a background thread (calamine releases the GIL) while the
current one is checked. A sheet holding any other cell (a number, a date, a boolean) is read
cell by cell with python-calamine instead, so its types are reported as before. Either way
rows are handed out block by block, so progress shows during the read. Cells become text as
the officer sees them (dates as YYYY-MM-DD, whole numbers without ``.0``); a number in the
ID column is flagged so the rules can report it.
"""

from __future__ import annotations

import itertools
import logging
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import escape

import fastexcel
import numpy as np
import pyarrow as pa
import python_calamine as calamine

from secure_exchange.errors import LedgerError
from secure_exchange.fsio import raise_for_read_error
from secure_exchange.ledger.schema import EVALUATIONS, OPTIONAL_SHEETS, PANEL, RESIDENTS
from secure_exchange.ledger.sheet import Assembler, RawSheet, clean_header

__all__ = ["XLSX_BLOCK_ROWS", "Workbook", "cell_text", "open_workbook", "worksheet_blocks"]

XLSX_BLOCK_ROWS = 1 << 14  # at most this many rows a block, so progress moves often
_PARALLEL_BYTES = 32 << 20  # workbooks up to this size have two sheets parsed at once

_SHEET_NAMES = {
    RESIDENTS: ("居民", "residents"),
    EVALUATIONS: ("评议", "evaluations"),
    PANEL: ("评议小组", "panel"),
}

# calamine's errors (zip, XML, a damaged part) and what a broken file makes it raise.
_BROKEN = (calamine.CalamineError, OSError, ValueError, TypeError, IndexError, KeyError)

# fastexcel logs through ``logging`` (an all-empty column "falling back to string"): nothing
# of it belongs on the officer's terminal, and none of its records may carry a cell.
_FASTEXCEL_LOG = logging.getLogger("fastexcel")
_FASTEXCEL_LOG.addHandler(logging.NullHandler())
_FASTEXCEL_LOG.propagate = False
_FASTEXCEL_LOG.setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class _TextSheet:
    """A sheet whose every cell is text or empty: its columns whole (empty cells as ``""``),
    ``left`` empty columns before the first."""

    left: int
    columns: list[pa.Array]


class Workbook:
    """An open workbook: its ledger sheets parsed ahead in background threads (two at a
    time if the file is not large, each with a reader of its own, else one after the other
    with one reader); read cell by cell (python-calamine) where a sheet is not text only.

    Use ``open_workbook``; ``close`` when done.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cells: calamine.CalamineWorkbook | None = None
        self._text: fastexcel.ExcelReader | None = None  # used by background threads only
        try:  # "~" is not expanded: the path is absolute
            self._text = fastexcel.read_excel(str(path.absolute()))
            names = list(self._text.sheet_names)
        except BaseException as exc:  # whatever it is, calamine below says it plainly
            if not _refused(exc):
                raise
            self._text = None
            names = list(self.cells().sheet_names)
        self.sheet_names = names
        self._ledger = [t for s in _SHEET_NAMES if (t := _title(names, s)) is not None]
        self._loads: dict[str, Future[_TextSheet | None]] = {}
        # Two sheets parsed at once hold both in memory: only for files of a usual size.
        self._parallel = path.stat().st_size <= _PARALLEL_BYTES
        self._spare = self._text if self._parallel else None  # the first sheet's reader
        workers = 2 if self._parallel else 1
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sx-xlsx")

    def cells(self) -> calamine.CalamineWorkbook:
        """The workbook as python-calamine reads it, cell by cell (opened once, on demand).

        Raises:
            LedgerError: the file is not a workbook calamine can read.
        """
        if self._cells is None:
            try:
                self._cells = calamine.CalamineWorkbook.from_path(str(self.path))
            except _BROKEN:
                # ``from None``: a parser's message may quote a cell of the file.
                raise LedgerError("ledger.xlsx.unreadable", file=self.path.name) from None
        return self._cells

    def text_sheet(self, title: str) -> _TextSheet | None:
        """The sheet ``title`` if every cell of it is text (``None`` otherwise, or if the
        fast reader cannot read it); the ledger's next sheet starts parsing meanwhile."""
        if self._text is None:
            return None
        future = self._load(title)
        for other in self._ledger:  # each once: a sheet read again is parsed again
            if other not in self._loads:
                self._load(other)
        result = future.result()
        self._loads[title] = _DONE
        return result

    def first_parsed(self, sheets: Sequence[str]) -> str:
        """Of the ledger ``sheets`` (not read yet), the one to read first: a sheet missing
        from the workbook at once, else the one whose background parse ends first (every
        one of them starts now, as far as workers are free). Reading a sheet while the
        next is still being parsed keeps both cores busy: a short evaluations sheet is
        checked while the long residents sheet is still being parsed."""
        titles = {sheet: _title(self.sheet_names, sheet) for sheet in sheets}
        if self._text is None or any(title is None for title in titles.values()):
            return next((s for s, t in titles.items() if t is None), sheets[0])
        waiting = {self._load(title): sheet for sheet, title in titles.items() if title}
        done, _ = wait(waiting, return_when=FIRST_COMPLETED)
        return next(sheet for future, sheet in waiting.items() if future in done)

    def _load(self, title: str) -> Future[_TextSheet | None]:
        future = self._loads.get(title)
        if future is None or future is _DONE:
            reader = self._text
            if self._parallel:  # a reader is used by one thread: the others open their own
                reader, self._spare = self._spare, None
            future = self._pool.submit(_text_sheet, reader, self.path, title)
            self._loads[title] = future
        return future

    def close(self) -> None:
        """Let the files go; a sheet still being parsed is left to finish on its own."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._loads.clear()
        self._text = self._spare = None
        if self._cells is not None:
            self._cells.close()
            self._cells = None


_DONE: Future[_TextSheet | None] = Future()


class _Column(Protocol):
    """What ``_text_sheet`` reads of a column fastexcel offers (its ColumnInfoNoDtype)."""

    @property
    def absolute_index(self) -> int: ...  # a sheet handed out (memory let go)


def _text_sheet(reader: fastexcel.ExcelReader | None, path: Path, title: str) -> _TextSheet | None:
    """Parse a sheet with fastexcel (in a background thread, with ``reader`` or a new one);
    ``None`` unless every cell is text or empty. Rows start at row 1, columns at the first
    filled one."""
    if _typed_at_top(path, title):
        return None
    places: list[int] = []  # each column's place in the sheet, as fastexcel offers them

    def offered(column: _Column) -> bool:
        places.append(column.absolute_index)
        return True

    try:
        if reader is None:
            reader = fastexcel.read_excel(str(path.absolute()))
        batch = reader.load_sheet(
            title,
            header_row=None,  # row 1 is data to fastexcel: the header is ours to map
            skip_rows=0,  # keep leading empty rows: rows keep their places
            schema_sample_rows=None,  # every cell's type counts, not a sample's
            dtype_coercion="strict",  # a column of text and numbers raises: read by cells
            use_columns=offered,  # every column, its place noted
            eager=True,  # straight to Arrow
        )
    except BaseException as exc:  # mixed types, damage: the cell-by-cell reader decides
        if not _refused(exc):
            raise
        return None
    if not isinstance(batch, pa.RecordBatch) or len(places) != batch.num_columns:
        return None
    types = batch.schema.types
    if not batch.num_rows or not all(pa.types.is_string(t) or pa.types.is_null(t) for t in types):
        return None
    left = places[0] if places else 0
    if places != list(range(left, left + len(places))):
        return None
    count = batch.num_rows
    columns = [
        column.fill_null("") if pa.types.is_string(column.type) else _blank(count)
        for column in batch.columns
    ]
    return _TextSheet(left, columns)


# A glance at the top of a sheet's XML: the part named in workbook.xml and its relations,
# and its cells that are numbers, booleans or ISO dates (no ``t``, or ``t="n|b|d"``).
_SHEET_TAG = re.compile(rb"<sheet\s[^>]*>")
_RELATION_TAG = re.compile(rb"<Relationship\s[^>]*>")
_CELL_TAG = re.compile(rb"<c\b([^>]*?)(/?)>")
_CELL_TYPE = re.compile(rb'\st="([^"]*)"')
_GLANCE = 1 << 16  # bytes of the sheet's XML looked at


def _typed_at_top(path: Path, title: str) -> bool:
    """Whether the first rows of the sheet hold a cell that is not text, so that the
    sheet goes to the cell-by-cell reader without first being parsed whole by fastexcel
    (a date column typed as dates in Excel, as the template's). Only a shortcut: a sheet
    passed on is still refused there if any cell further down is not text."""
    try:
        with zipfile.ZipFile(path) as book:
            part = _sheet_part(book, title)
            if part is None:
                return False
            with book.open(part) as xml:
                head = xml.read(_GLANCE)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError, RuntimeError):
        return False
    for tag in _CELL_TAG.finditer(head):
        if tag.group(2):  # <c …/>: no value
            continue
        kind = _CELL_TYPE.search(tag.group(1))
        if kind is None or kind.group(1) in (b"n", b"b", b"d"):
            return True
    return False


def _sheet_part(book: zipfile.ZipFile, title: str) -> str | None:
    """The zip name of the sheet ``title`` (workbook.xml, then its relations)."""
    workbook, relations = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
    if max(book.getinfo(workbook).file_size, book.getinfo(relations).file_size) > _GLANCE * 16:
        return None  # not what Excel writes: no glance
    wanted = b'name="' + escape(title, {'"': "&quot;"}).encode() + b'"'
    ids = [
        _attribute(tag.group(), b"r:id")
        for tag in _SHEET_TAG.finditer(book.read(workbook))
        if wanted in tag.group()
    ]
    if len(ids) != 1 or ids[0] is None:
        return None
    for tag in _RELATION_TAG.finditer(book.read(relations)):
        if _attribute(tag.group(), b"Id") == ids[0]:
            target = (_attribute(tag.group(), b"Target") or b"").decode()
            return target[1:] if target.startswith("/") else posixpath.normpath("xl/" + target)
    return None


def _attribute(tag: bytes, name: bytes) -> bytes | None:
    found = re.search(rb"\s" + re.escape(name) + rb'="([^"]*)"', tag)
    return None if found is None else found.group(1)


def _refused(exc: BaseException) -> bool:
    """fastexcel refused the file or broke on it: an error, or a Rust panic (pyo3's
    ``PanicException`` is a ``BaseException``); an interrupt is not a refusal."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _blank(count: int) -> pa.Array:
    return pa.array([""] * count, pa.string())


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
    return Workbook(path)


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
    step = max(1, min(block_rows, XLSX_BLOCK_ROWS))
    text = book.text_sheet(title)
    if text is not None:
        yield from _text_blocks(assembler, text, step)
    else:
        yield from _cell_blocks(assembler, book.cells(), title, step, file)


def _text_blocks(assembler: Assembler, sheet: _TextSheet, step: int) -> Iterator[RawSheet]:
    """The blocks of a text-only sheet: slices of its whole columns."""
    assembler.header([""] * sheet.left + [column[0].as_py() for column in sheet.columns])
    id_index = assembler.id_index()
    height = len(sheet.columns[0])
    for start in range(1, height, step):
        count = min(step, height - start)
        columns = [column.slice(start, count) for column in sheet.columns]
        if sheet.left or assembler.width > len(columns) + sheet.left:
            blank = _blank(count)
            columns = [blank] * sheet.left + columns
            columns.extend([blank] * (assembler.width - len(columns)))
        numeric_id = None if id_index is None else np.zeros(count, dtype=bool)
        yield assembler.block(columns, numeric_id)


def _cell_blocks(
    assembler: Assembler, book: calamine.CalamineWorkbook, title: str, step: int, file: str
) -> Iterator[RawSheet]:
    """The blocks of a sheet read cell by cell (python-calamine), each cell's type known."""
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
    while True:
        try:
            chunk = list(itertools.islice(rows, step))
        except _BROKEN:
            raise LedgerError("ledger.xlsx.unreadable", file=file) from None
        if not chunk:
            return
        yield _worksheet_block(assembler, chunk, left, id_index)


def _title(names: Sequence[str], sheet: str) -> str | None:
    """The title of ``sheet`` among ``names`` (by its Chinese or English name, any case)."""
    titles = {clean_header(title).lower(): title for title in names}
    return next((titles[n] for n in _SHEET_NAMES[sheet] if n in titles), None)


def _find_sheet(assembler: Assembler, names: Sequence[str]) -> str | None:
    """The title of the assembler's sheet; a required one missing is reported."""
    title = _title(names, assembler.sheet)
    if title is None and assembler.sheet not in OPTIONAL_SHEETS:
        english = _SHEET_NAMES[assembler.sheet][1]
        assembler.error(None, None, "ledger.sheet.missing", sheet=assembler.sheet, english=english)
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
