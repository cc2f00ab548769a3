"""Ledger containers (xlsx, CSV or Parquet folder) read into trimmed text columns.

Every cell becomes text here; nothing is interpreted yet except that numeric cells in an
ID column are flagged (Excel turned the ID into a number) so the rules can report them.
"""

from __future__ import annotations

import csv
import io
import mmap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from secure_exchange._ledger_bytes import byte_lengths, has_line_break, trim
from secure_exchange._ledger_schema import (
    EVALUATIONS,
    LEDGER_COLUMNS,
    RESIDENTS,
    Finding,
    finding,
    warning,
)
from secure_exchange.errors import LedgerError

__all__ = ["RawSheet", "line_count", "read_container", "read_folder_sheet"]

_SHEET_NAMES = {RESIDENTS: ("居民", "residents"), EVALUATIONS: ("评议", "evaluations")}
_FILE_STEMS = {RESIDENTS: "residents", EVALUATIONS: "evaluations"}
_BOM = b"\xef\xbb\xbf"
_SLICE = 1 << 20
_CR, _LF = 13, 10

Progress = Callable[[int], None]
LineCount = Callable[[Path], int]


@dataclass
class RawSheet:
    """One sheet as trimmed, non-null text columns keyed by canonical name."""

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


def read_container(
    path: Path, *, drop_unknown: bool, progress: Progress | None
) -> tuple[RawSheet, RawSheet]:
    """Read residents and evaluations from an xlsx workbook or a CSV/Parquet folder."""
    if not path.exists():
        raise LedgerError("ledger.not_found", path=str(path))
    if path.is_dir():
        return tuple(  # type: ignore[return-value]
            _read_folder_sheet(path, sheet, drop_unknown, progress)
            for sheet in (RESIDENTS, EVALUATIONS)
        )
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_workbook(path, drop_unknown, progress)
    raise LedgerError("ledger.container_unknown", path=str(path))


# --- headers -------------------------------------------------------------------------------


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


def _map_headers(
    raw: RawSheet, headers: Sequence[str], has_data: Callable[[int], bool], drop_unknown: bool
) -> dict[int, str]:
    """Map column positions to canonical names; report unknown, duplicate, missing ones."""
    lookup = _header_lookup(raw.sheet)
    kept: dict[int, str] = {}
    unknown: list[str] = []
    for index, header in enumerate(headers):
        text = clean_header(header)
        canonical = lookup.get(text.lower())
        if canonical is None:
            if text or has_data(index):
                unknown.append(text or _column_letter(index))
        elif canonical in kept.values():
            raw.findings.append(finding(raw.sheet, 1, canonical, "ledger.header.duplicate",
                                        header=text))
        else:
            kept[index] = canonical
    _report_unknown(raw, unknown, drop_unknown)
    for spec in LEDGER_COLUMNS[raw.sheet].values():
        if spec.required and spec.name not in kept.values():
            raw.findings.append(finding(raw.sheet, None, spec.name, "ledger.header.missing",
                                        header=spec.header_zh, name=spec.name))
    return kept


def _report_unknown(raw: RawSheet, unknown: list[str], drop_unknown: bool) -> None:
    if not unknown:
        return
    if drop_unknown:
        raw.dropped.extend(unknown)
        raw.findings.append(warning(raw.sheet, None, None, "ledger.header.dropped",
                                    sheet=raw.sheet, headers="、".join(unknown)))
        return
    for header in unknown:
        raw.findings.append(finding(raw.sheet, 1, header, "ledger.header.unknown",
                                    sheet=raw.sheet, header=header))


# --- assembling columns --------------------------------------------------------------------


def _nonempty(column: pa.Array) -> np.ndarray:
    return byte_lengths(column) > 0


def _assemble(
    raw: RawSheet, headers: Sequence[str], columns: Sequence[pa.Array],
    numeric_id: np.ndarray | None, drop_unknown: bool,
) -> None:
    """Trim cells, map headers, drop blank rows (trailing silently, inner with a warning)."""
    trimmed = [trim(col) for col in columns]
    nonempty = [_nonempty(col) for col in trimmed]
    kept = _map_headers(raw, headers, lambda i: bool(nonempty[i].any()), drop_unknown)
    count = len(trimmed[0]) if trimmed else 0
    filled = np.zeros(count, dtype=bool)
    for index in kept:
        filled |= nonempty[index]
    if numeric_id is not None:
        filled |= numeric_id
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    keep = filled[:last]
    rows = np.arange(2, last + 2, dtype=np.int32)
    for row in rows[~keep]:
        raw.findings.append(warning(raw.sheet, int(row), None, "ledger.row.blank"))
    raw.source_row = rows[keep]
    if last == count and keep.all():
        raw.columns = {name: trimmed[index] for index, name in kept.items()}
    else:
        mask = pa.array(keep, type=pa.bool_())
        raw.columns = {name: trimmed[index][:last].filter(mask) for index, name in kept.items()}
    if numeric_id is not None and "id_number" in raw.columns:
        raw.numeric_id = numeric_id[:last][keep]


# --- CSV / Parquet folders -----------------------------------------------------------------


def _read_folder_sheet(
    folder: Path, sheet: str, drop_unknown: bool, progress: Progress | None
) -> RawSheet:
    raw = read_folder_sheet(folder, sheet, drop_unknown)
    if progress is not None:
        progress(raw.num_rows)
    return raw


def read_folder_sheet(
    folder: Path, sheet: str, drop_unknown: bool, lines: LineCount | None = None
) -> RawSheet:
    """One sheet of a CSV/Parquet folder (``residents``/``evaluations`` by file name).

    ``lines`` counts a file's physical lines (default ``line_count``); a caller may have
    counted them already, in another thread.
    """
    raw = RawSheet(sheet)
    stem = _FILE_STEMS[sheet]
    csv_path, parquet_path = folder / f"{stem}.csv", folder / f"{stem}.parquet"
    if csv_path.is_file():
        _read_csv_file(raw, csv_path, drop_unknown, lines or line_count)
    elif parquet_path.is_file():
        _read_parquet_file(raw, parquet_path, drop_unknown)
    else:
        raw.findings.append(finding(sheet, None, None, "ledger.file.missing",
                                    file=f"{stem}.csv", sheet=sheet))
    return raw


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
    if data.startswith(_BOM):
        data = data[len(_BOM):]
        return data if _is_utf8(data) else None
    if _is_utf8(data):
        return data
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return text.removeprefix("\ufeff").encode("utf-8")


def _has_quote(path: Path) -> bool:
    """Whether the file holds a double quote (quoted cells may hold line breaks)."""
    with path.open("rb") as handle:
        if path.stat().st_size == 0:
            return False
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            return view.find(b'"') >= 0


def _read_csv_file(raw: RawSheet, path: Path, drop_unknown: bool, lines: LineCount) -> None:
    with path.open("rb") as handle:
        first = handle.readline(1 << 20)
    if b"\r" in first.rstrip(b"\r\n") and to_utf8(first) is not None:  # CR-only lines
        raw.findings.append(finding(raw.sheet, None, None, "ledger.file.cr_only", file=path.name))
        return
    try:
        header = _header(first.decode("utf-8-sig"))
        columns = _fast_csv(path, len(header), lines) if header else []
    except (UnicodeDecodeError, pa.ArrowInvalid):
        columns = None
    if columns is None:
        data = to_utf8(path.read_bytes())
        if data is None:
            raw.findings.append(finding(raw.sheet, None, None, "ledger.encoding.unknown",
                                        file=path.name))
            return
        header = _header(data[:data.find(b"\n") + 1 or None].decode("utf-8"))
        columns = _careful_csv(raw, data, len(header)) if header else []
    if not header:
        raw.findings.append(finding(raw.sheet, None, None, "ledger.file.empty", file=path.name))
    _assemble(raw, header, columns, None, drop_unknown)


def _fast_csv(path: Path, width: int, lines: LineCount) -> list[pa.Array]:
    """Parse a file believed to be UTF-8, every column as text.

    pyarrow's quote-aware chunker (``newlines_in_values``) is slow, and only needed when a
    quoted cell holds a line break; the plain chunker gives the very same table whenever
    every physical line gave exactly one row and no cell holds a line break. Otherwise the
    file is parsed again with the quote-aware chunker.

    Raises:
        pyarrow.ArrowInvalid: a cell is not valid UTF-8 or a row has the wrong width.
    """
    quotes = _has_quote(path)
    if quotes:
        try:
            columns = _arrow_parse(str(path), width, False, None)
        except pa.ArrowInvalid:
            columns = None
        if columns is not None and _one_row_per_line(path, columns, lines):
            return columns
    return _arrow_parse(str(path), width, quotes, None)


def _one_row_per_line(path: Path, columns: Sequence[pa.Array], lines: LineCount) -> bool:
    """Whether each physical line (the header included) gave one row without a line break."""
    rows = len(columns[0]) if columns else 0
    return rows + 1 == lines(path) and not any(has_line_break(c) for c in columns)


def _careful_csv(raw: RawSheet, data: bytes, width: int) -> list[pa.Array]:
    """pyarrow on known-good UTF-8; the exact Python parser if any row is irregular."""
    try:
        columns = _arrow_csv(pa.BufferReader(data), width, b'"' in data)
    except pa.ArrowInvalid:
        columns = None
    return _python_csv(raw, data, width) if columns is None else columns


def _header(line: str) -> list[str]:
    return next(csv.reader(io.StringIO(line)), [])


def _arrow_csv(
    source: str | pa.BufferReader, width: int, quotes: bool, *, careful: bool = True
) -> list[pa.Array] | None:
    """Parse with pyarrow, every column as text; None when a row needs the careful parser.

    Raises:
        pyarrow.ArrowInvalid: a cell is not valid UTF-8, the file cannot be parsed, or (when
            not ``careful``, i.e. before the encoding is known) a row has the wrong width.
    """
    invalid: list[int] = []

    def on_invalid(_row: object) -> str:
        invalid.append(1)
        return "skip"

    columns = _arrow_parse(source, width, quotes, on_invalid if careful else None)
    return None if invalid else columns


def _arrow_parse(
    source: str | pa.BufferReader, width: int, newlines: bool,
    on_invalid: Callable[[object], str] | None,
) -> list[pa.Array]:
    """One pyarrow parse (header row skipped), every column as non-null text."""
    names = [f"c{i}" for i in range(width)]
    table = pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1,
                                       autogenerate_column_names=False),
        parse_options=pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=newlines,
                                         invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), check_utf8=True,
            strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    return [table.column(name).combine_chunks() for name in names]


def line_count(path: Path) -> int:
    """Physical lines of a file: CR, LF and CRLF each end one; an unended last line counts."""
    size = path.stat().st_size
    if size == 0:
        return 0
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
        ended = view[size - 1] in b"\r\n"
        data = np.frombuffer(view, dtype=np.uint8)
        try:
            count = _count_line_ends(data)
        finally:
            del data  # the map cannot close while numpy holds a view of it
    return count + (0 if ended else 1)


def _count_line_ends(data: np.ndarray) -> int:
    """LF + CR - CRLF, counted in slices that stay in the cache."""
    count = 0
    for start in range(0, len(data), _SLICE):
        part = data[start:start + _SLICE + 1]  # one byte more: a CRLF across the cut
        body = part[:_SLICE]
        feeds = int(np.count_nonzero(body == _LF))
        count += feeds
        if np.count_nonzero(body <= _CR) > feeds:  # some other control byte, maybe a CR
            count += int(np.count_nonzero(body == _CR))
            count -= int(np.count_nonzero((part[:-1] == _CR) & (part[1:] == _LF)))
    return count


def _python_csv(raw: RawSheet, data: bytes, width: int) -> list[pa.Array]:
    """Exact record-by-record parse: pads short rows, reports rows with extra cells."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    next(reader, None)
    cells: list[list[str]] = [[] for _ in range(width)]
    for number, record in enumerate(reader, start=2):
        if len(record) > width and any(c.strip() for c in record[width:]):
            raw.findings.append(finding(raw.sheet, number, None, "ledger.csv.field_count",
                                        expected=width, found=len(record)))
        record = (record + [""] * width)[:width]
        for column, value in zip(cells, record, strict=True):
            column.append(value)
    return [pa.array(column, type=pa.string()) for column in cells]


def _read_parquet_file(raw: RawSheet, path: Path, drop_unknown: bool) -> None:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError):
        raw.findings.append(finding(raw.sheet, None, None, "ledger.file.unreadable",
                                    file=path.name))
        return
    lookup = _header_lookup(raw.sheet)
    columns: list[pa.Array] = []
    numeric_id: np.ndarray | None = None
    for name, column in zip(table.column_names, table.columns, strict=True):
        array = column.combine_chunks()
        if lookup.get(clean_header(name).lower()) == "id_number" and not pa.types.is_string(
            array.type
        ) and not pa.types.is_large_string(array.type):
            numeric_id = np.asarray(array.is_valid().to_numpy(zero_copy_only=False))
        columns.append(_parquet_text(array))
    _assemble(raw, table.column_names, columns, numeric_id, drop_unknown)


def _parquet_text(array: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(array.type):
        array = array.cast(pa.date32())
    if not pa.types.is_string(array.type):
        array = array.cast(pa.string())
    return array.fill_null("")


# --- xlsx ----------------------------------------------------------------------------------


def _read_workbook(
    path: Path, drop_unknown: bool, progress: Progress | None
) -> tuple[RawSheet, RawSheet]:
    import openpyxl  # imported here: only xlsx ledgers need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise LedgerError("ledger.xlsx.unreadable", file=path.name) from exc
    try:
        titles = {clean_header(title).lower(): title for title in book.sheetnames}
        done = 0
        sheets: list[RawSheet] = []
        for sheet in (RESIDENTS, EVALUATIONS):
            raw = RawSheet(sheet)
            title = next((titles[n] for n in _SHEET_NAMES[sheet] if n in titles), None)
            if title is None:
                raw.findings.append(finding(sheet, None, None, "ledger.sheet.missing",
                                            sheet=sheet, english=_SHEET_NAMES[sheet][1]))
            else:
                _read_worksheet(raw, book[title], drop_unknown, progress, done)
            done += raw.num_rows
            sheets.append(raw)
    finally:
        book.close()
    return sheets[0], sheets[1]


def _read_worksheet(
    raw: RawSheet, sheet: object, drop_unknown: bool, progress: Progress | None, done: int
) -> None:
    rows = sheet.iter_rows(values_only=True)  # type: ignore[attr-defined]
    header = [cell_text(v) for v in next(rows, ())]
    values: list[list[object]] = [[] for _ in header]
    count = 0
    for row in rows:
        if len(row) > len(values):
            values.extend([[None] * count for _ in range(len(row) - len(values))])
            header.extend([""] * (len(row) - len(header)))
        for index, column in enumerate(values):
            column.append(row[index] if index < len(row) else None)
        count += 1
        if progress is not None and count % 10000 == 0:
            progress(done + count)
    id_index = _id_column(raw.sheet, header)
    numeric_id = None
    if id_index is not None:
        numeric_id = np.array([_is_number(v) for v in values[id_index]], dtype=bool)
    columns = [pa.array([cell_text(v) for v in column], type=pa.string()) for column in values]
    if not header:
        raw.findings.append(finding(raw.sheet, None, None, "ledger.sheet.empty", sheet=raw.sheet))
    _assemble(raw, header, columns, numeric_id, drop_unknown)


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
