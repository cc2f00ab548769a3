"""A CSV sheet read as blocks of whole records, parsed a few ahead in worker threads.

A block is a run of about ``block_bytes`` cut just after a line feed outside quotes
(``record_end``), so each parses on its own; blocks are classified by encoding in file
order (``encoding.Decoder``), then transcoded, parsed and trimmed in the pool and handed
to the assembler in order.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from secure_exchange.errors import Problem
from secure_exchange.ledger.encoding import (
    GB18030,
    UTF8,
    Decoder,
    UndecodableError,
    is_utf8,
    to_utf8,
)
from secure_exchange.ledger.schema import error
from secure_exchange.ledger.sheet import Assembler, RawSheet
from secure_exchange.ledger.text import trim

__all__ = ["csv_blocks", "record_end"]

_HEADER_BYTES = 1 << 20  # a header row longer than this is not a ledger's
_QUOTE = 0x22
_AHEAD = 2  # blocks parsed ahead of the one being handed out
_SLICE = 1 << 18
_PARSE_BLOCK = 2 << 20  # pyarrow's own blocks within a run: cache-sized, about 1.4x faster


def csv_blocks(
    assembler: Assembler, path: Path, pool: Executor | None, block_bytes: int
) -> Iterator[RawSheet]:
    """The blocks of the CSV file at ``path``, of about ``block_bytes`` each."""
    size = path.stat().st_size
    if size == 0:
        assembler.error(None, None, "ledger.file.empty", file=path.name)
        return
    with path.open("rb") as handle:
        yield from _CsvFile(handle, size, path.name, block_bytes).blocks(assembler, pool)


class _CsvFile:
    """A CSV file read as runs of whole records.

    Plain reads rather than a memory map: only the runs in hand count against memory.
    """

    def __init__(self, handle: io.BufferedReader, size: int, name: str, block_bytes: int) -> None:
        self.handle = handle
        self.size = size
        self.name = name
        self.block_bytes = block_bytes
        self.decoder = Decoder()

    def _read(self, start: int, length: int) -> bytes:
        self.handle.seek(start)
        return self.handle.read(length)

    def blocks(self, assembler: Assembler, pool: Executor | None) -> Iterator[RawSheet]:
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
        except (UndecodableError, UnicodeDecodeError):
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
        except UndecodableError:
            assembler.error(None, None, "ledger.encoding.unknown", file=self.name)
        finally:
            for future in parsing:
                future.cancel()

    def _read_run(self, start: int, length: int) -> bytearray:
        """``length`` bytes from ``start`` (fewer at the end), read straight into the buffer
        that is handed on: no second copy."""
        self.handle.seek(start)
        run = bytearray(length)
        del run[self.handle.readinto(run) :]
        return run

    def _pieces(self, start: int) -> Iterator[bytearray]:
        """Runs of whole records of about ``block_bytes`` each.

        A run is cut in place after its last whole record (a shrink, not a copy); the
        bytes after the cut are read again as the start of the next run.
        """
        while start < self.size:
            piece = self._read_run(start, self.block_bytes)
            cut = len(piece) if start + len(piece) >= self.size else record_end(piece)
            while cut is None:  # one record longer than a block: take a longer run
                piece += self._read(start + len(piece), self.block_bytes)
                cut = len(piece) if start + len(piece) >= self.size else record_end(piece)
            if not piece:
                return  # the file shrank while being read
            del piece[cut:]
            yield piece
            start += cut


def record_end(piece: bytes | bytearray) -> int | None:
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


def _count_quotes(piece: bytes | bytearray, start: int, stop: int) -> int:
    """Double quotes in ``piece[start:stop]``, counted by numpy in cache-sized slices
    (five times faster than ``bytes.count``)."""
    view = np.frombuffer(piece, dtype=np.uint8, count=stop - start, offset=start)
    return sum(
        int(np.count_nonzero(view[i : i + _SLICE] == _QUOTE)) for i in range(0, len(view), _SLICE)
    )


@dataclass(frozen=True)
class _Parsed:
    """A parsed, trimmed block; findings numbered from row 0 of the block."""

    columns: list[pa.Array]
    findings: list[Problem]
    undecodable: bool = False


def _submit(pool: Executor | None, work: Callable[..., _Parsed], *args: object) -> Future[_Parsed]:
    """Run ``work`` in the pool, or now when there is none."""
    if pool is not None:
        return pool.submit(work, *args)
    future: Future[_Parsed] = Future()
    future.set_result(work(*args))
    return future


def _parse_piece(data: bytes | bytearray, mode: str, width: int, sheet: str) -> _Parsed:
    """Transcode, parse and trim one run of records (runs in a worker thread)."""
    try:
        if mode == GB18030:
            data = data.decode("gb18030").encode("utf-8")
        columns, found = _parse_block(data, width, sheet, 0, check_utf8=mode == UTF8)
    except (UndecodableError, UnicodeDecodeError):
        return _Parsed([], [], undecodable=True)
    return _Parsed([trim(column) for column in columns], found)


def _take(assembler: Assembler, parsed: _Parsed, name: str) -> Iterator[RawSheet]:
    """Hand a parsed block to the assembler, which numbers its rows.

    Raises:
        UndecodableError: the block was not in the file's encoding.
    """
    if parsed.undecodable:
        raise UndecodableError(name)
    offset = assembler.next_row
    assembler.findings.extend(
        dataclasses.replace(f, where=dataclasses.replace(f.where, row=(f.where.row or 0) + offset))
        for f in parsed.findings
    )
    if parsed.columns and len(parsed.columns[0]):
        yield assembler.block(parsed.columns, trimmed=True)


def _parse_block(
    data: bytes | bytearray, width: int, sheet: str, first_row: int, *, check_utf8: bool
) -> tuple[list[pa.Array], list[Problem]]:
    """Whole CSV records (UTF-8, no header) as ``width`` text columns.

    The block ends at a record end, so pyarrow's quote-aware chunker parses it exactly;
    it is only asked for when the block holds a quote (it costs a little). Rows of the
    wrong width go to the exact Python parser, which reports extra cells.

    Raises:
        UndecodableError: ``check_utf8`` and the block is not valid UTF-8.
    """
    if not data:
        return [], []
    quotes = b'"' in data
    try:
        return _arrow_parse(pa.BufferReader(data), width, quotes, None, check_utf8), []
    except pa.ArrowInvalid:
        pass  # a row of the wrong width, or a byte that is not UTF-8
    if check_utf8 and not is_utf8(data):
        raise UndecodableError
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
            block_size=max(min(size, _PARSE_BLOCK), 1),
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
    data: bytes | bytearray, width: int, sheet: str, first_row: int
) -> tuple[list[pa.Array], list[Problem]]:
    """Exact record-by-record parse: pads short rows, reports rows with extra cells."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    cells: list[list[str]] = [[] for _ in range(width)]
    found: list[Problem] = []
    for number, record in enumerate(reader, start=first_row):
        if len(record) > width and any(c.strip() for c in record[width:]):
            found.append(
                error(
                    sheet, number, None, "ledger.csv.field_count", expected=width, found=len(record)
                )
            )
        record = (record + [""] * width)[:width]
        for column, value in zip(cells, record, strict=True):
            column.append(value)
    return [pa.array(column, type=pa.string()) for column in cells], found
