"""Write a decisions table as CSV, Parquet or Excel, chosen by the file extension.

CSV is UTF-8 *with a byte-order mark* so that Excel on a Chinese-locale Windows PC opens
it as UTF-8 instead of guessing GBK and garbling 社区 names; empty cells are nulls. The
file is written beside its destination and moved into place, so a reader never sees
half a file.

Whatever text a decisions table carries came, ultimately, from another party's ledger, so
it must never become code on an officer's PC (spreadsheet formula injection): in CSV a
text field that starts like a formula (``= + - @``, tab or carriage return, their
full-width forms, after any leading spaces) gets a leading apostrophe (the OWASP rule);
in xlsx every text is written as a text cell, never as a formula, and shown with Excel's
quote prefix.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from scoring.errors import OutputFormatError
from secure_exchange import fsio

__all__ = [
    "FORMULA_PATTERN",
    "FORMULA_START",
    "STREAMED",
    "SUFFIXES",
    "DecisionsWriter",
    "neutralise",
    "read_decisions",
    "starts_like_formula",
    "write_decisions",
    "writing_decisions",
]

SUFFIXES = (".csv", ".parquet", ".xlsx")
STREAMED = (".csv", ".parquet")  # what ``writing_decisions`` writes table by table
BOM = b"\xef\xbb\xbf"
SHEET = "decisions"
_BATCH = 65_536
_SYNC_EVERY = 16 << 20  # bytes after which the disk starts taking a streamed file
# What makes Excel, WPS or LibreOffice read a cell as a formula (OWASP CSV injection),
# with the full-width forms a Chinese input method types.
FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_LEADING_SPACE = " \u3000\u00a0"
# The same rule as a pattern for pyarrow.compute (RE2), which the ledger checks use too.
FORMULA_PATTERN = r"^([ \x{3000}\x{00A0}]*[=+\-@\t\r\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}])"


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (after leading spaces)."""
    stripped = text.lstrip(_LEADING_SPACE)
    return bool(stripped) and stripped[0] in FORMULA_START


def neutralise(text: str) -> str:
    """``text`` made inert for a CSV cell: a leading apostrophe if it starts like a formula."""
    return "'" + text if starts_like_formula(text) else text


def write_decisions(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` to ``path`` (.csv with BOM, .parquet or .xlsx); return the path.

    Raises:
        OutputFormatError: the extension is none of ``SUFFIXES`` (also a ``ValueError``).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise OutputFormatError("score.output.unsupported", suffix=suffix or target.name)
    with fsio.replacing(target, private=True) as handle:  # rows about people: owner only
        if suffix == ".csv":
            _write_csv(table, handle)
        elif suffix == ".parquet":
            pq.write_table(table, handle)
        else:
            _write_xlsx(table, handle)
    return target


class DecisionsWriter:
    """Decisions appended table by table to one CSV (with BOM) or Parquet file, hashed as
    written; the bytes are those ``write_decisions`` gives the tables concatenated (for
    Parquet: the same rows, one row group per table at most a writer's default). The disk
    takes the file behind the writer (every ``_SYNC_EVERY`` bytes), so its final fsync is
    short."""

    def __init__(self, handle: BinaryIO, suffix: str) -> None:
        self._sink = fsio.HashingWriter(handle, sync_every=_SYNC_EVERY)
        self._suffix = suffix
        self._writer: pq.ParquetWriter | None = None
        self._header: pa.Schema | None = None  # CSV: the header written (with the BOM)
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        """Append ``table`` (the first one's schema is the file's)."""
        if self._suffix == ".csv":
            for piece in _csv_pieces(table, header=self._header is None):
                self._sink.write(piece)
            self._header = self._header or table.schema
        else:
            if self._writer is None:
                self._writer = pq.ParquetWriter(self._sink, table.schema)
            self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        """Finish the file (its header or footer); nothing is written after."""
        if self._writer is not None:
            self._writer.close()
        self._sink.wait()

    def abandon(self) -> None:
        """Close without writing anything more (the file is being thrown away)."""
        self._sink.dropping = True
        with suppress(OSError):
            self.close()

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of every byte written so far."""
        return self._sink.digest.hexdigest()


@contextmanager
def writing_decisions(path: str | Path) -> Iterator[DecisionsWriter]:
    """A :class:`DecisionsWriter` onto a private temporary file beside ``path`` that
    replaces ``path`` only when the block ends without error (nothing half-written is
    left on failure). Only .csv and .parquet are streamed.

    Raises:
        OutputFormatError: the extension is none of ``STREAMED``.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in STREAMED:
        raise OutputFormatError("score.output.unsupported", suffix=suffix or target.name)
    with fsio.replacing(target, private=True) as handle:  # rows about people: owner only
        writer = DecisionsWriter(handle, suffix)
        try:
            yield writer
        except BaseException:
            writer.abandon()
            raise
        writer.close()


_PIECE = 65_536  # CSV rows encoded at a time: a few MB in memory, whatever the table
_ENCODERS = 2  # threads encoding pieces (pyarrow's CSV writer runs without the GIL)
_AHEAD = _ENCODERS + 1  # pieces encoded or encoding ahead of the one being written


def _csv_pieces(table: pa.Table, *, header: bool) -> Iterator[pa.Buffer | bytes]:
    """``table`` as CSV bytes (after the BOM and header when ``header``), in order, a
    piece at a time (the bytes of one ``write_csv``). Pieces are encoded on
    ``_ENCODERS`` threads, at most ``_AHEAD`` ahead of the caller, who hashes and writes
    them meanwhile: CSV rows concatenate, so the bytes are those of one thread."""
    if header:
        yield BOM
    starts = range(0, table.num_rows, _PIECE) if table.num_rows else [0]
    if len(starts) == 1:
        yield _csv_bytes(table, header)
        return
    with ThreadPoolExecutor(_ENCODERS, thread_name_prefix="csv") as pool:
        coming: deque[Future[pa.Buffer]] = deque()
        for number, start in enumerate(starts):
            piece = table.slice(start, _PIECE)
            coming.append(pool.submit(_csv_bytes, piece, header and number == 0))
            if len(coming) > _AHEAD:
                yield coming.popleft().result()
        while coming:
            yield coming.popleft().result()


def _csv_bytes(table: pa.Table, header: bool) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    options = pa_csv.WriteOptions(include_header=header)
    pa_csv.write_csv(_inert_csv_columns(table), sink, write_options=options)
    return sink.getvalue()


def _inert_csv_columns(table: pa.Table) -> pa.Table:
    """Every text column with its formula-like fields neutralised (see :func:`neutralise`)."""
    for index, field in enumerate(table.schema):
        is_text = pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
        if is_text and _may_start_like_formula(table.column(index)):
            column = pc.replace_substring_regex(
                table.column(index), pattern=FORMULA_PATTERN, replacement=r"'\1"
            )
            table = table.set_column(index, field, column)
    return table


# The first UTF-8 byte of each character a formula-like field may start with.
_LEAD_BYTES = np.zeros(256, dtype=bool)
_LEAD_BYTES[[char.encode()[0] for char in FORMULA_START | set(_LEADING_SPACE)]] = True


def _may_start_like_formula(column: pa.ChunkedArray) -> bool:
    """Whether any cell may start with a formula or a leading-space character: a cheap
    test of each cell's first byte (a superset: other characters share some first
    bytes), so the pattern runs only on columns that may need it."""
    return any(bool(_LEAD_BYTES[_first_bytes(chunk)].any()) for chunk in column.chunks)


def _first_bytes(chunk: pa.Array) -> npt.NDArray[np.uint8]:
    """The first byte of each non-empty slot of a string or large_string array (a null
    slot holding bytes counts too: the test only has to miss nothing)."""
    data = chunk.buffers()[2]
    if len(chunk) == 0 or data is None or data.size == 0:
        return np.zeros(0, dtype=np.uint8)
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets: npt.NDArray[np.int64] = np.frombuffer(chunk.buffers()[1], dtype=width)
    ends = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
    starts = ends[:-1][ends[1:] > ends[:-1]]
    first: npt.NDArray[np.uint8] = np.frombuffer(data, dtype=np.uint8)[starts]
    return first


def _write_csv(table: pa.Table, handle: BinaryIO) -> None:
    for piece in _csv_pieces(table, header=True):
        handle.write(piece)


def _write_xlsx(table: pa.Table, handle: BinaryIO) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(table.column_names)
    for batch in table.to_batches(max_chunksize=_BATCH):
        for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            sheet.append([_cell(sheet, value) for value in row])
    book.save(handle)


def _cell(sheet: object, value: object) -> object:
    """Dates as real Excel dates shown YYYY-MM-DD; text always as text, never a formula."""
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str) and starts_like_formula(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl would store a leading "=" as a formula
        cell.quotePrefix = True
        return cell
    return value


def read_decisions(path: str | Path) -> pa.Table:
    """Read a decisions file written by ``write_decisions`` (by extension).

    Raises:
        OutputFormatError: the extension is none of ``SUFFIXES``.
    """
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix == ".parquet":
        return pq.read_table(source)
    if suffix == ".csv":
        options = pa_csv.ConvertOptions(
            column_types={"subject": pa.string(), "status": pa.string()},
            strings_can_be_null=False,
        )
        return pa_csv.read_csv(source, convert_options=options)
    if suffix == ".xlsx":
        return _read_xlsx(source)
    raise OutputFormatError("score.output.unsupported", suffix=suffix or source.name)


def _read_xlsx(path: Path) -> pa.Table:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(book[SHEET].iter_rows(values_only=True))
    finally:
        book.close()
    header = [str(h) for h in rows[0]]
    columns = {h: [r[i] for r in rows[1:]] for i, h in enumerate(header)}
    if "subject" in columns:
        columns["subject"] = [None if v is None else str(v) for v in columns["subject"]]
    return pa.table(columns)
