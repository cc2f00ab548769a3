"""A Parquet sheet read by record batches of ``block_rows`` rows, every column as text.

A non-text ID column is flagged row by row (a number where an ID should be text) so the
rules can report it; timestamps become dates, everything else its text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from secure_exchange.ledger.sheet import Assembler, RawSheet

__all__ = ["parquet_blocks"]


def parquet_blocks(assembler: Assembler, path: Path, block_rows: int) -> Iterator[RawSheet]:
    """The blocks of the Parquet file at ``path``, ``block_rows`` rows each."""
    try:
        parquet = pq.ParquetFile(path)
        batches = parquet.iter_batches(batch_size=block_rows)
        names = parquet.schema_arrow.names
    except (pa.ArrowException, OSError):
        assembler.error(None, None, "ledger.file.unreadable", file=path.name)
        return
    assembler.header(names)
    id_index = assembler.id_index()
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
