"""The subjects an officer lists for re-identification, from whatever file Excel left.

A decisions file filtered in Excel and saved again, as CSV in the PC's own encoding (GBK)
or as xlsx with its own sheet name and column order, or a list holding only the subject
column (with or without a header): only the subject column is read. It is found by its
header (``subject`` or a Chinese name for it), else as the one column whose every value is
a subject token (32 hexadecimal characters). No other cell is read into a message.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

from secure_exchange import fsio
from secure_exchange.station.notify import ReidentifyError

__all__ = ["SUBJECT_HEADERS", "read_listed_subjects"]

SUBJECT_HEADERS = frozenset(
    ("subject", "主体", "主体标记", "主体标识", "主体编号", "假名", "假名编号", "标记")
)
_TOKEN = re.compile(r"[0-9a-f]{32}")
_OLD_FORMATS = (".xls", ".et", ".ods", ".numbers")
_DELIMITERS = ",\t;"


def read_listed_subjects(path: Path) -> pa.Array:
    """The listed subjects of ``path`` (.csv, .txt, .xlsx or .parquet), in file order.

    Raises:
        ReidentifyError: the file cannot be read, is in an old format, has no subject
            column, or a value in it is not a subject token (its row is named).
        SecureExchangeError: the file is open in Excel or cannot be read
            (:func:`secure_exchange.fsio.raise_for_read_error`).
    """
    suffix = path.suffix.lower()
    if suffix in _OLD_FORMATS:
        raise ReidentifyError("reid.list_old_format", file=path.name)
    try:
        if suffix == ".parquet":
            return _from_parquet(path)
        rows = _xlsx_rows(path) if suffix in (".xlsx", ".xlsm") else _csv_rows(path)
        return pa.array(_subjects(rows, path.name), pa.string())
    except OSError as exc:
        fsio.raise_for_read_error(exc, path)
        raise


def _from_parquet(path: Path) -> pa.Array:
    try:
        schema = pq.read_schema(path)
        if "subject" not in schema.names:
            raise ReidentifyError("reid.no_subject_column", file=path.name)
        column = pq.read_table(path, columns=["subject"]).column("subject")
    except (pa.ArrowException, ValueError):
        raise ReidentifyError("reid.decisions_unreadable", file=path.name) from None
    return column.cast(pa.string()).combine_chunks()


def _csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    text = _decoded(data, path.name)
    sample = text[:4096]
    delimiter = max(_DELIMITERS, key=sample.count) if any(d in sample for d in _DELIMITERS) else ","
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _decoded(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM, as Excel's "CSV UTF-8"), else GB18030 (Excel's "CSV")."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReidentifyError("reid.decisions_unreadable", file=name)


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    """The rows of the sheet holding the subjects (the first that does), as text."""
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError:
        raise  # open in Excel, gone: said plainly by the caller
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        raise ReidentifyError("reid.decisions_unreadable", file=path.name) from None
    try:
        sheets = [
            [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        ]
    finally:
        book.close()
    for rows in sheets:
        if _subject_column(rows) is not None:
            return iter(rows)
    return iter(sheets[0] if sheets else [])


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _subjects(rows: Sequence[list[str]] | Iterator[list[str]], name: str) -> list[str]:
    # keep each row's own number: Excel leaves empty rows behind after filtering
    numbered = [(n, [c.strip() for c in row]) for n, row in enumerate(rows, start=1)]
    numbered = [(n, row) for n, row in numbered if any(row)]
    found = _subject_column([row for _n, row in numbered])
    if found is None:
        raise ReidentifyError("reid.no_subject_column", file=name)
    column, header = found
    listed: list[str] = []
    for number, row in numbered[1 if header else 0 :]:
        value = row[column].lstrip("'").lower() if column < len(row) else ""
        if not _TOKEN.fullmatch(value):
            raise ReidentifyError("reid.not_a_subject", file=name, row=number)
        listed.append(value)
    return listed


def _subject_column(table: Sequence[list[str]]) -> tuple[int, bool] | None:
    """(index, has a header row) of the subject column, or None."""
    if not table:
        return None
    for index, cell in enumerate(table[0]):
        if cell.strip().lstrip("\ufeff").lower() in SUBJECT_HEADERS:
            return index, True
    width = max(len(row) for row in table)
    for index in range(width):
        values = [row[index].lower() if index < len(row) else "" for row in table]
        if values[1:] and all(_TOKEN.fullmatch(v) for v in values[1:]):
            return index, not _TOKEN.fullmatch(values[0])
        if len(values) == 1 and _TOKEN.fullmatch(values[0]):
            return index, False
    return None
