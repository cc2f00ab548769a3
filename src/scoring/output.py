"""Write a decisions table as CSV, Parquet or Excel, chosen by the file extension.

CSV is UTF-8 *with a byte-order mark* so that Excel on a Chinese-locale Windows PC opens
it as UTF-8 instead of guessing GBK and garbling 社区 names; empty cells are nulls. The
file is written beside its destination and moved into place, so a reader never sees
half a file.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from scoring.errors import OutputFormatError

__all__ = ["SUFFIXES", "read_decisions", "write_decisions"]

SUFFIXES = (".csv", ".parquet", ".xlsx")
BOM = b"\xef\xbb\xbf"
SHEET = "decisions"
_BATCH = 65_536


def write_decisions(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` to ``path`` (.csv with BOM, .parquet or .xlsx); return the path.

    Raises:
        OutputFormatError: the extension is none of ``SUFFIXES`` (also a ``ValueError``).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise OutputFormatError("score.output.unsupported", suffix=suffix or target.name)
    temporary = target.with_name(f".{target.name}.partial")
    try:
        if suffix == ".csv":
            _write_csv(table, temporary)
        elif suffix == ".parquet":
            pq.write_table(table, temporary)
        else:
            _write_xlsx(table, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def _write_csv(table: pa.Table, path: Path) -> None:
    with path.open("wb") as handle:
        handle.write(BOM)
        pa_csv.write_csv(table, handle)


def _write_xlsx(table: pa.Table, path: Path) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(table.column_names)
    for batch in table.to_batches(max_chunksize=_BATCH):
        for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            sheet.append([_cell(sheet, value) for value in row])
    book.save(path)


def _cell(sheet: object, value: object) -> object:
    """Dates as real Excel dates shown YYYY-MM-DD; other values as they are."""
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
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
