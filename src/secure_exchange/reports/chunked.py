"""Decisions-like tables read and written a batch at a time, for tables too large to hold.

``write_output_chunks`` writes what ``write_output`` writes, from a table's chunks (the
same bytes for CSV, and for Parquet within one row group; a workbook rendered chunk by
chunk). ``read_output_batches`` reads what ``read_output`` reads, as batches: a CSV or
Parquet file a batch at a time, a workbook (at most Excel's 1,048,576 rows) whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from scoring.errors import OutputFormatError
from scoring.output import BOM, SUFFIXES, _inert_csv_columns
from secure_exchange import fsio
from secure_exchange.i18n import t
from secure_exchange.reports.people import (
    _CODES,
    _header,
    _policy_of,
    _value,
    _widths,
    _write_book,
    read_output,
)

__all__ = [
    "EXCEL_ROWS",
    "OutputBatches",
    "null_like",
    "read_output_batches",
    "write_output_chunks",
]

EXCEL_ROWS = 1_048_575
"""Rows of data an Excel sheet holds below its header row (1,048,576 rows in all)."""

_BATCH_BYTES = 4 << 20  # CSV bytes parsed at a time
_BATCH_ROWS = 65_536  # rows a batch: a package's row group
_HEAD_BYTES = 1 << 16  # read for a CSV file's header
_KEPT_TEXT = ("subject", "status")  # read as text as they are, even when all empty


def write_output_chunks(
    chunks: Iterable[pa.Table],
    path: Path,
    kind: str,
    *,
    rows: int,
    people_only: Sequence[str] = (),
) -> Path:
    """Write the chunks of one table (``rows`` rows in all) as ``write_output`` writes it.

    ``people_only``: columns of the chunks shown in a workbook only (the community's names),
    dropped from CSV and Parquet. The file is written under a temporary name and renamed
    once complete (``fsio.replacing``).

    Raises:
        OutputFormatError: the extension is none of .csv, .parquet, .xlsx.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise OutputFormatError("score.output.unsupported", suffix=suffix or target.name)
    with fsio.replacing(target, private=True) as handle:
        if suffix == ".xlsx":
            _write_book_chunks(handle, iter(chunks), kind, rows)
            return target
        machine = (chunk.drop_columns(list(people_only)) for chunk in chunks)
        if suffix == ".csv":
            handle.write(BOM)
            _write_csv_chunks(handle, machine)
        else:
            _write_parquet_chunks(handle, machine)
    return target


def _write_csv_chunks(handle: BinaryIO, chunks: Iterator[pa.Table]) -> None:
    writer: pa_csv.CSVWriter | None = None
    try:
        for chunk in chunks:
            inert = _inert_csv_columns(chunk)
            if writer is None:
                writer = pa_csv.CSVWriter(handle, inert.schema)
            writer.write_table(inert)
    finally:
        if writer is not None:
            writer.close()


def _write_parquet_chunks(handle: BinaryIO, chunks: Iterator[pa.Table]) -> None:
    writer: pq.ParquetWriter | None = None
    try:
        for chunk in chunks:  # each of at most one row group's rows: pq.write_table's groups
            if writer is None:
                writer = pq.ParquetWriter(handle, chunk.schema)
            writer.write_table(chunk)
    finally:
        if writer is not None:
            writer.close()


def _write_book_chunks(handle: BinaryIO, chunks: Iterator[pa.Table], kind: str, rows: int) -> None:
    first = next(chunks)
    policy = _policy_of(first)  # the first row's, as for the whole table
    names = [*first.column_names, *([_CODES] if "reasons" in first.column_names else [])]

    def rendered() -> Iterator[list[object]]:
        for chunk in (first, *chunks):
            columns = {n: chunk.column(n).to_pylist() for n in chunk.column_names}
            columns[_CODES] = columns.get("reasons", [])
            for index in range(chunk.num_rows):
                yield [_value(n, columns[n][index], policy) for n in names]

    headers = [_header(n, kind) for n in names]
    widths = _widths(first, kind)
    _write_book(handle, t(f"people.sheet.{kind}"), headers, rendered(), widths, rows)


@dataclass(frozen=True)
class OutputBatches:
    """A decisions-like file's columns (their names and types as read) and its batches;
    ``as_text``: columns of numbers or dates come as text (a CSV file's)."""

    schema: pa.Schema
    batches: Iterator[pa.Table]
    as_text: bool = False


def read_output_batches(path: Path) -> OutputBatches:
    """The rows ``read_output`` would read, as batches of the same columns and types.

    A CSV file's text columns keep their text (``subject`` and ``status`` as well as the
    others); a text column with no value in the whole file is read as empty (null), as a
    whole read does. Columns of other types are read as text, for the caller to convert.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        parquet = pq.ParquetFile(path)
        tables = (pa.Table.from_batches([b]) for b in parquet.iter_batches(_BATCH_ROWS))
        return OutputBatches(parquet.schema_arrow, tables)
    if suffix != ".csv":
        table = read_output(path)  # a workbook: within Excel's rows
        return OutputBatches(table.schema, iter([table]))
    names = _csv_header(path)
    empty = _empty_text_columns(path, names)
    schema = pa.schema([(n, pa.null() if n in empty else pa.string()) for n in names])
    batches = _in_rows(_csv_batches(path, names, empty), _BATCH_ROWS)
    return OutputBatches(schema, batches, as_text=True)


def _in_rows(tables: Iterator[pa.Table], size: int) -> Iterator[pa.Table]:
    """The rows of ``tables`` again, ``size`` rows a table (the last one fewer)."""
    pending: list[pa.Table] = []
    count = 0
    for table in tables:
        pending.append(table)
        count += table.num_rows
        while count >= size:
            joined = pa.concat_tables(pending)
            yield joined.slice(0, size)
            pending, count = [joined.slice(size)], count - size
    if count:
        yield pa.concat_tables(pending)


def _csv_reader(
    path: Path, names: Sequence[str], only: Sequence[str] = ()
) -> pa_csv.CSVStreamingReader:
    return pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(block_size=_BATCH_BYTES),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            include_columns=list(only),
        ),
    )


def _csv_header(path: Path) -> list[str]:
    options = pa_csv.ReadOptions(block_size=_HEAD_BYTES)
    with pa_csv.open_csv(path, read_options=options) as reader:
        return list(reader.schema.names)


_NULLS = pa.array(pa_csv.ConvertOptions().null_values, pa.string())


def _empty_text_columns(path: Path, names: Sequence[str]) -> set[str]:
    """Columns (other than ``subject`` and ``status``) holding only what a CSV read takes
    for no value (an empty field, ``NA``…) in every row."""
    empty = {n for n in names if n not in _KEPT_TEXT}
    if not empty:
        return empty
    with _csv_reader(path, names, sorted(empty)) as reader:
        for batch in reader:
            for name in list(empty):
                if not pc.all(null_like(batch.column(name))).as_py():
                    empty.discard(name)
            if not empty:
                break
    return empty


def _csv_batches(path: Path, names: Sequence[str], empty: set[str]) -> Iterator[pa.Table]:
    with _csv_reader(path, names) as reader:
        for batch in reader:
            table = pa.Table.from_batches([batch])
            for name in empty:
                index = table.schema.get_field_index(name)
                table = table.set_column(index, name, pa.nulls(table.num_rows))
            yield table


def null_like(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Which text values a CSV read takes for no value (an empty field, ``NA``, ``null``…)."""
    return pc.is_in(column, value_set=_NULLS)
