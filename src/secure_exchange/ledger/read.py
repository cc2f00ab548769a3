"""Ledger containers (xlsx, CSV or Parquet folder) read block by block into trimmed text.

A sheet arrives as a sequence of ``RawSheet`` blocks of whole rows, so a ledger of any size
is read in bounded memory: CSV files are cut at record ends (a line feed outside quotes),
Parquet files by record batch, workbooks by runs of rows. Every cell becomes text here;
nothing is interpreted yet except that numeric cells in an ID column are flagged (Excel
turned the ID into a number) so the rules can report them.

Encodings: a CSV file is UTF-8 (with or without BOM) or GB18030/GBK, never a mix. The
first block holding a non-ASCII byte decides (UTF-8 when it is valid UTF-8, else GB18030
when it decodes strictly); a later block that does not decode in that encoding makes the
file an error rather than being guessed at. Neither UTF-8 nor GB18030 ever uses the bytes
of a line feed or a double quote inside a multi-byte character, so blocks cut at line
feeds transcode independently.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from secure_exchange.errors import LedgerError
from secure_exchange.ledger.schema import (
    EVALUATIONS,
    LEDGER_COLUMNS,
    RESIDENTS,
    Finding,
    finding,
    warning,
)
from secure_exchange.ledger.text import byte_lengths, trim

__all__ = [
    "BLOCK_BYTES",
    "BLOCK_ROWS",
    "LedgerSource",
    "RawSheet",
]

BLOCK_BYTES = 16 << 20  # CSV bytes per block (whole records, so a little less)
BLOCK_ROWS = 1 << 16  # rows per block of a Parquet file or a workbook
_HEADER_BYTES = 1 << 20  # a header row longer than this is not a ledger's
_QUOTE = 0x22

_SHEET_NAMES = {RESIDENTS: ("居民", "residents"), EVALUATIONS: ("评议", "evaluations")}
_FILE_STEMS = {RESIDENTS: "residents", EVALUATIONS: "evaluations"}
_BOM = b"\xef\xbb\xbf"


@dataclass
class RawSheet:
    """Rows of one sheet as trimmed, non-null text columns keyed by canonical name."""

    sheet: str
    columns: dict[str, pa.Array] = field(default_factory=dict)
    source_row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    numeric_id: np.ndarray | None = None
    findings: list[Finding] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def num_rows(self) -> int:
        """Number of data rows kept."""
        return len(self.source_row)


class LedgerSource:
    """An open ledger container whose sheets are read block by block.

    Use as a context manager: ``with LedgerSource(path, drop_unknown=False) as source:``
    then ``for block in source.blocks(RESIDENTS): ...``. The last block of a sheet carries
    the findings known only at its end (columns with data but no header, dropped columns).
    """

    def __init__(self, path: Path, *, drop_unknown: bool, pool: Executor | None = None) -> None:
        self.path = Path(path)
        self.drop_unknown = drop_unknown
        self.pool = pool
        self._book: object | None = None
        if not self.path.exists():
            raise LedgerError("ledger.not_found", path=str(self.path))
        if self.path.is_dir():
            return
        if self.path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise LedgerError("ledger.container_unknown", path=str(self.path))
        self._book = _open_workbook(self.path)

    def __enter__(self) -> LedgerSource:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the workbook, if any."""
        if self._book is not None:
            self._book.close()  # type: ignore[attr-defined]
            self._book = None

    def blocks(self, sheet: str) -> Iterator[RawSheet]:
        """The blocks of one sheet (``RESIDENTS`` or ``EVALUATIONS``), in row order."""
        assembler = _Assembler(sheet, self.drop_unknown)
        if self._book is not None:
            yield from _worksheet_blocks(assembler, self._book)
        else:
            yield from _folder_blocks(assembler, self.path, self.pool)
        yield assembler.finish()


# --- headers and blank rows ---------------------------------------------------------------


def clean_header(text: str) -> str:
    """Trim whitespace (full-width spaces included) and a stray BOM from a header cell."""
    return text.replace("\ufeff", "").strip()


def _header_lookup(sheet: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for spec in LEDGER_COLUMNS[sheet].values():
        for label in (spec.name, spec.header_zh, *spec.aliases):
            lookup[label.lower()] = spec.name
    return lookup


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _nonempty(column: pa.Array) -> np.ndarray:
    return byte_lengths(column) > 0


class _Assembler:
    """Turns raw text columns, block after block, into ``RawSheet`` blocks.

    It maps the header once, trims cells, numbers rows as the spreadsheet does (header = 1)
    and drops blank rows: those before a later filled row with a warning, trailing ones
    silently, even when the filled row comes blocks later.
    """

    def __init__(self, sheet: str, drop_unknown: bool) -> None:
        self.sheet = sheet
        self.drop_unknown = drop_unknown
        self.width = 0
        self.kept: dict[int, str] = {}
        self.unknown: dict[int, str] = {}  # named columns outside the format
        self.unnamed: dict[int, bool] = {}  # columns without a header: has data been seen?
        self.findings: list[Finding] = []
        self.next_row = 2
        self.blank: list[np.ndarray] = []  # blank rows not yet known to be inner ones

    def error(self, row: int | None, column: str | None, key: str, **params: object) -> None:
        """Record an error, given out with the next block."""
        self.findings.append(finding(self.sheet, row, column, key, **params))

    def header(self, headers: Sequence[str]) -> None:
        """Map the header cells to canonical names; report duplicate and missing ones."""
        lookup = _header_lookup(self.sheet)
        self.width = len(headers)
        for index, header in enumerate(headers):
            text = clean_header(header)
            canonical = lookup.get(text.lower())
            if canonical is None:
                if text:
                    self.unknown[index] = text
                else:
                    self.unnamed[index] = False
            elif canonical in self.kept.values():
                self.error(1, canonical, "ledger.header.duplicate", header=text)
            else:
                self.kept[index] = canonical
        for spec in LEDGER_COLUMNS[self.sheet].values():
            if spec.required and spec.name not in self.kept.values():
                self.error(
                    None, spec.name, "ledger.header.missing", header=spec.header_zh, name=spec.name
                )

    def block(
        self,
        columns: Sequence[pa.Array],
        numeric_id: np.ndarray | None = None,
        *,
        trimmed: bool = False,
    ) -> RawSheet:
        """One block of rows (every column of the file, in file order) as a ``RawSheet``.

        ``trimmed`` says the cells were trimmed already.
        """
        for index in range(self.width, len(columns)):  # cells beyond the header row
            self.unnamed[index] = False
        self.width = max(self.width, len(columns))
        count = len(columns[0]) if columns else 0
        watched = [i for i in (*self.kept, *self.unnamed) if i < len(columns)]
        cells = {i: columns[i] if trimmed else trim(columns[i]) for i in watched}
        nonempty = {i: _nonempty(cells[i]) for i in watched}
        for index in self.unnamed:
            if index in nonempty and not self.unnamed[index]:
                self.unnamed[index] = bool(nonempty[index].any())
        filled = np.zeros(count, dtype=bool)
        for index in self.kept:
            if index in nonempty:
                filled |= nonempty[index]
        if numeric_id is not None:
            filled |= numeric_id
        rows = np.arange(self.next_row, self.next_row + count, dtype=np.int32)
        self.next_row += count
        self._blank_rows(rows, filled)
        keep = None if filled.all() else pa.array(filled, pa.bool_())
        raw = RawSheet(self.sheet, source_row=rows[filled], findings=self._take_findings())
        for index, name in self.kept.items():
            column = cells[index] if index in cells else pa.array([""] * count, pa.string())
            raw.columns[name] = column if keep is None else column.filter(keep)
        if numeric_id is not None and "id_number" in raw.columns:
            raw.numeric_id = numeric_id[filled]
        return raw

    def _blank_rows(self, rows: np.ndarray, filled: np.ndarray) -> None:
        """Warn of blank rows once a filled row follows them; hold back the trailing ones."""
        where = np.flatnonzero(filled)
        if not len(where):
            self.blank.append(rows)
            return
        last = int(where[-1])
        inner = [*self.blank, rows[:last][~filled[:last]]]
        self.blank = [rows[last + 1 :]]
        for row in np.concatenate(inner).tolist():
            self.findings.append(warning(self.sheet, int(row), None, "ledger.row.blank"))

    def _take_findings(self) -> list[Finding]:
        found, self.findings = self.findings, []
        return found

    def finish(self) -> RawSheet:
        """The last (empty) block: columns with data outside the format, dropped or not."""
        raw = RawSheet(
            self.sheet, columns={n: pa.array([], pa.string()) for n in self.kept.values()}
        )
        unknown = dict(self.unknown)
        unknown.update((i, _column_letter(i)) for i, seen in self.unnamed.items() if seen)
        names = [unknown[i] for i in sorted(unknown)]
        if names and self.drop_unknown:
            raw.dropped.extend(names)
            self.findings.append(
                warning(
                    self.sheet,
                    None,
                    None,
                    "ledger.header.dropped",
                    sheet=self.sheet,
                    headers="、".join(names),
                )
            )
        elif names:
            for name in names:
                self.error(1, name, "ledger.header.unknown", sheet=self.sheet, header=name)
        raw.findings = self._take_findings()
        return raw


# --- CSV / Parquet folders -----------------------------------------------------------------


def _folder_blocks(
    assembler: _Assembler, folder: Path, pool: Executor | None
) -> Iterator[RawSheet]:
    stem = _FILE_STEMS[assembler.sheet]
    csv_path, parquet_path = folder / f"{stem}.csv", folder / f"{stem}.parquet"
    if csv_path.is_file():
        yield from _csv_blocks(assembler, csv_path, pool)
    elif parquet_path.is_file():
        yield from _parquet_blocks(assembler, parquet_path)
    else:
        assembler.error(
            None, None, "ledger.file.missing", file=f"{stem}.csv", sheet=assembler.sheet
        )


_ASCII, _UTF8_VALID, _UTF8, _GB18030 = "ascii", "utf-8-valid", "utf-8", "gb18030"


class _UndecodableError(Exception):
    """A block is in neither the file's encoding nor any encoding we accept."""


def _is_utf8(data: bytes) -> bool:
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    blob = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        blob.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def to_utf8(data: bytes) -> bytes | None:
    """UTF-8 bytes of a CSV file in UTF-8 (BOM or not) or GB18030/GBK; None if neither.

    Decoding is strict: a file that is not clean in either encoding gives None.
    """
    try:
        text, valid = _Decoder().utf8(data, first=True)
    except _UndecodableError:
        return None
    return text if valid or _is_utf8(text) else None


class _Decoder:
    """UTF-8 of a file's blocks; the first block with a non-ASCII byte fixes the encoding."""

    def __init__(self) -> None:
        self.encoding: str | None = None

    def mode(self, data: bytes) -> str:
        """How a block is to be read (``_ASCII``, ``_UTF8_VALID``, ``_UTF8``, ``_GB18030``).

        Cheap, so blocks can be classified in order and transcoded and parsed in parallel.
        """
        if data.isascii():
            return _ASCII
        if self.encoding is None:
            self.encoding = "utf-8" if _is_utf8(data) else "gb18030"
            if self.encoding == "utf-8":
                return _UTF8_VALID
        return _UTF8 if self.encoding == "utf-8" else _GB18030

    def utf8(self, data: bytes, *, first: bool = False) -> tuple[bytes, bool]:
        """``data`` as UTF-8 (a BOM at the start of the file dropped), and whether it is
        known to be valid; when not, the parser checks it (``check_utf8``).

        Raises:
            _UndecodableError: the bytes are not clean in the file's encoding.
        """
        if first and data.startswith(_BOM):
            self.encoding, data = "utf-8", data[len(_BOM) :]
        if data.isascii():
            return data, True
        if self.encoding is None:
            self.encoding = "utf-8" if _is_utf8(data) else "gb18030"
            if self.encoding == "utf-8":
                return data, True
        if self.encoding == "utf-8":
            return data, False
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise _UndecodableError from None
        return (text.removeprefix("\ufeff") if first else text).encode("utf-8"), True


def _csv_blocks(assembler: _Assembler, path: Path, pool: Executor | None) -> Iterator[RawSheet]:
    size = path.stat().st_size
    if size == 0:
        assembler.error(None, None, "ledger.file.empty", file=path.name)
        return
    with path.open("rb") as handle:
        yield from _CsvFile(handle, size, path.name).blocks(assembler, pool)


class _CsvFile:
    """A CSV file read as runs of whole records.

    Plain reads rather than a memory map: only the runs in hand count against memory.
    """

    def __init__(self, handle: BinaryIO, size: int, name: str) -> None:
        self.handle = handle
        self.size = size
        self.name = name
        self.decoder = _Decoder()

    def _read(self, start: int, length: int) -> bytes:
        self.handle.seek(start)
        return self.handle.read(length)

    def blocks(self, assembler: _Assembler, pool: Executor | None) -> Iterator[RawSheet]:
        """Header first, then the data records as blocks (parsed in ``pool`` if given)."""
        head = self._read(0, _HEADER_BYTES)
        first_end = head.find(b"\n")
        first_end = len(head) if first_end < 0 else first_end + 1
        first = head[:first_end]
        if b"\r" in first.rstrip(b"\r\n") and to_utf8(first) is not None:  # CR-only lines
            assembler.error(None, None, "ledger.file.cr_only", file=self.name)
            return
        try:
            header = _header(self.decoder.utf8(first, first=True)[0].decode("utf-8"))
        except (_UndecodableError, UnicodeDecodeError):
            assembler.error(None, None, "ledger.encoding.unknown", file=self.name)
            return
        if not header:
            assembler.error(None, None, "ledger.file.empty", file=self.name)
            return
        assembler.header(header)
        width = len(header)
        parsing: deque[Future[_Parsed]] = deque()
        try:
            for data in self._pieces(first_end):
                mode = self.decoder.mode(data)
                parsing.append(_submit(pool, _parse_piece, data, mode, width, assembler.sheet))
                if len(parsing) > _AHEAD:
                    yield from _take(assembler, parsing.popleft().result(), self.name)
            while parsing:
                yield from _take(assembler, parsing.popleft().result(), self.name)
        except _UndecodableError:
            assembler.error(None, None, "ledger.encoding.unknown", file=self.name)
        finally:
            for future in parsing:
                future.cancel()

    def _pieces(self, start: int) -> Iterator[bytes]:
        """Runs of whole records of about ``BLOCK_BYTES`` each."""
        while start < self.size:
            piece = self._read(start, BLOCK_BYTES)
            cut = len(piece) if start + len(piece) >= self.size else _record_end(piece)
            while cut is None:  # one record longer than a block: take a longer run
                piece += self._read(start + len(piece), BLOCK_BYTES)
                cut = len(piece) if start + len(piece) >= self.size else _record_end(piece)
            if not piece:
                return  # the file shrank while being read
            yield piece if cut == len(piece) else piece[:cut]
            start += cut


def _record_end(piece: bytes) -> int | None:
    """Just after the last line feed of ``piece`` outside quotes; None if there is none.

    ``piece`` starts at a record's start, so a line feed ends a record exactly when an even
    number of quotes lies before it (an escaped quote ``""`` counts two).
    """
    cut = piece.rfind(b"\n")
    if cut < 0 or b'"' not in piece:
        return None if cut < 0 else cut + 1
    quotes = _count_quotes(piece, 0, cut)
    while quotes % 2:
        earlier = piece.rfind(b"\n", 0, cut)
        if earlier < 0:
            return None
        quotes -= _count_quotes(piece, earlier, cut)
        cut = earlier
    return cut + 1


_SLICE = 1 << 18


def _count_quotes(piece: bytes, start: int, stop: int) -> int:
    """Double quotes in ``piece[start:stop]``, counted by numpy in cache-sized slices
    (five times faster than ``bytes.count``)."""
    view = np.frombuffer(piece, dtype=np.uint8, count=stop - start, offset=start)
    return sum(
        int(np.count_nonzero(view[i : i + _SLICE] == _QUOTE)) for i in range(0, len(view), _SLICE)
    )


_AHEAD = 2  # blocks parsed ahead of the one being handed out


@dataclass(frozen=True)
class _Parsed:
    """A parsed, trimmed block; findings numbered from row 0 of the block."""

    columns: list[pa.Array]
    findings: list[Finding]
    undecodable: bool = False


def _submit(pool: Executor | None, work: Callable[..., _Parsed], *args: object) -> Future[_Parsed]:
    """Run ``work`` in the pool, or now when there is none."""
    if pool is not None:
        return pool.submit(work, *args)
    future: Future[_Parsed] = Future()
    future.set_result(work(*args))
    return future


def _parse_piece(data: bytes, mode: str, width: int, sheet: str) -> _Parsed:
    """Transcode, parse and trim one run of records (runs in a worker thread)."""
    try:
        if mode == _GB18030:
            data = data.decode("gb18030").encode("utf-8")
        columns, found = _parse_block(data, width, sheet, 0, check_utf8=mode == _UTF8)
    except (_UndecodableError, UnicodeDecodeError):
        return _Parsed([], [], undecodable=True)
    return _Parsed([trim(column) for column in columns], found)


def _take(assembler: _Assembler, parsed: _Parsed, name: str) -> Iterator[RawSheet]:
    """Hand a parsed block to the assembler, which numbers its rows.

    Raises:
        _UndecodableError: the block was not in the file's encoding.
    """
    if parsed.undecodable:
        raise _UndecodableError(name)
    offset = assembler.next_row
    assembler.findings.extend(
        dataclasses.replace(f, row=(f.row or 0) + offset) for f in parsed.findings
    )
    if parsed.columns and len(parsed.columns[0]):
        yield assembler.block(parsed.columns, trimmed=True)


def _parse_block(
    data: bytes, width: int, sheet: str, first_row: int, *, check_utf8: bool
) -> tuple[list[pa.Array], list[Finding]]:
    """Whole CSV records (UTF-8, no header) as ``width`` text columns.

    The block ends at a record end, so pyarrow's quote-aware chunker parses it exactly;
    it is only asked for when the block holds a quote (it costs a little). Rows of the
    wrong width go to the exact Python parser, which reports extra cells.

    Raises:
        _UndecodableError: ``check_utf8`` and the block is not valid UTF-8.
    """
    if not data:
        return [], []
    quotes = b'"' in data
    try:
        return _arrow_parse(pa.BufferReader(data), width, quotes, None, check_utf8), []
    except pa.ArrowInvalid:
        pass  # a row of the wrong width, or a byte that is not UTF-8
    if check_utf8 and not _is_utf8(data):
        raise _UndecodableError
    try:
        columns = _arrow_csv(pa.BufferReader(data), width, quotes, False)
    except pa.ArrowInvalid:
        columns = None
    if columns is None:
        return _python_csv(data, width, sheet, first_row)
    return columns, []


def _header(line: str) -> list[str]:
    return next(csv.reader(io.StringIO(line)), [])


def _arrow_csv(
    source: pa.BufferReader, width: int, quotes: bool, check_utf8: bool
) -> list[pa.Array] | None:
    """Parse with pyarrow, every column as text; None when a row needs the exact parser.

    Raises:
        pyarrow.ArrowInvalid: the block cannot be parsed at all.
    """
    invalid: list[int] = []

    def on_invalid(_row: object) -> str:
        invalid.append(1)
        return "skip"

    columns = _arrow_parse(source, width, quotes, on_invalid, check_utf8)
    return None if invalid else columns


def _arrow_parse(
    source: pa.BufferReader,
    width: int,
    newlines: bool,
    on_invalid: Callable[[object], str] | None,
    check_utf8: bool,
) -> list[pa.Array]:
    """One pyarrow parse of header-less records, every column as non-null text."""
    names = [f"c{i}" for i in range(width)]
    size = source.size()
    table = pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(
            column_names=names,
            autogenerate_column_names=False,
            use_threads=False,
            block_size=max(size, 1),
        ),
        parse_options=pacsv.ParseOptions(
            ignore_empty_lines=False, newlines_in_values=newlines, invalid_row_handler=on_invalid
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            check_utf8=check_utf8,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return [table.column(name).combine_chunks() for name in names]


def _python_csv(
    data: bytes, width: int, sheet: str, first_row: int
) -> tuple[list[pa.Array], list[Finding]]:
    """Exact record-by-record parse: pads short rows, reports rows with extra cells."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    cells: list[list[str]] = [[] for _ in range(width)]
    found: list[Finding] = []
    for number, record in enumerate(reader, start=first_row):
        if len(record) > width and any(c.strip() for c in record[width:]):
            found.append(
                finding(
                    sheet, number, None, "ledger.csv.field_count", expected=width, found=len(record)
                )
            )
        record = (record + [""] * width)[:width]
        for column, value in zip(cells, record, strict=True):
            column.append(value)
    return [pa.array(column, type=pa.string()) for column in cells], found


def _parquet_blocks(assembler: _Assembler, path: Path) -> Iterator[RawSheet]:
    try:
        parquet = pq.ParquetFile(path)
        batches = parquet.iter_batches(batch_size=BLOCK_ROWS)
        names = parquet.schema_arrow.names
    except (pa.ArrowException, OSError):
        assembler.error(None, None, "ledger.file.unreadable", file=path.name)
        return
    assembler.header(names)
    lookup = _header_lookup(assembler.sheet)
    id_index = next(
        (i for i, n in enumerate(names) if lookup.get(clean_header(n).lower()) == "id_number"), None
    )
    while True:
        try:
            batch = next(batches, None)
        except (pa.ArrowException, OSError):
            assembler.error(None, None, "ledger.file.unreadable", file=path.name)
            return
        if batch is None:
            return
        columns = list(batch.columns)
        numeric_id = None
        if id_index is not None and not _is_text(columns[id_index].type):
            numeric_id = np.asarray(columns[id_index].is_valid().to_numpy(zero_copy_only=False))
        yield assembler.block([_parquet_text(c) for c in columns], numeric_id)


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _parquet_text(array: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(array.type):
        array = array.cast(pa.date32())
    if not pa.types.is_string(array.type):
        array = array.cast(pa.string())
    return array.fill_null("")


# --- xlsx ----------------------------------------------------------------------------------


def _open_workbook(path: Path) -> object:
    import openpyxl  # imported here: only xlsx ledgers need it

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise LedgerError("ledger.xlsx.unreadable", file=path.name) from exc


def _worksheet_blocks(assembler: _Assembler, book: object) -> Iterator[RawSheet]:
    names = book.sheetnames  # type: ignore[attr-defined]
    titles = {clean_header(title).lower(): title for title in names}
    wanted = _SHEET_NAMES[assembler.sheet]
    title = next((titles[n] for n in wanted if n in titles), None)
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
    id_index = _id_column(assembler.sheet, header)
    while True:
        chunk = [row for _, row in zip(range(BLOCK_ROWS), rows, strict=False)]
        if not chunk:
            return
        yield _worksheet_block(assembler, chunk, id_index)


def _worksheet_block(
    assembler: _Assembler, chunk: list[tuple[object, ...]], id_index: int | None
) -> RawSheet:
    width = max(assembler.width, *(len(row) for row in chunk))
    values = [[row[i] if i < len(row) else None for row in chunk] for i in range(width)]
    numeric_id = None
    if id_index is not None:
        numeric_id = np.array([_is_number(v) for v in values[id_index]], dtype=bool)
    columns = [pa.array([cell_text(v) for v in column], type=pa.string()) for column in values]
    return assembler.block(columns, numeric_id)


def _id_column(sheet: str, header: Sequence[str]) -> int | None:
    lookup = _header_lookup(sheet)
    for index, text in enumerate(header):
        if lookup.get(clean_header(text).lower()) == "id_number":
            return index
    return None


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
