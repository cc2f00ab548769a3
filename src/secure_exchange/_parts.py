"""Writing one column group as age-encrypted Parquet parts, and reading them back in memory."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from secure_exchange import _age
from secure_exchange.errors import VerificationError

__all__ = ["GroupStream", "PartInfo", "read_part", "schema_fields", "write_group"]

ROW_GROUP_ROWS = 65_536


@dataclass(frozen=True)
class GroupStream:
    """A column group given as batches rather than one table, so it never sits whole in
    memory: each batch becomes a row group (sliced when larger), parts follow as they fill.
    """

    schema: pa.Schema
    batches: Iterable[pa.Table | pa.RecordBatch]


@dataclass(frozen=True)
class PartInfo:
    """What the manifest says of one part."""

    file: str
    group: str
    rows: int
    size: int


class _ArrowSink(io.RawIOBase):
    """Adapter so pyarrow can stream Parquet into the age writer."""

    def __init__(self, writer: _age.Writer) -> None:
        self.writer = writer
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.writer.write(bytes(data))
        self.count += len(data)
        return len(data)


def schema_fields(schema: pa.Schema) -> list[dict[str, object]]:
    """A stable JSON description of an Arrow schema, recorded in the manifest."""
    return [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in schema]


def _slices(table: pa.Table) -> Iterator[pa.Table]:
    for start in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
        yield table.slice(start, ROW_GROUP_ROWS)


def _batches(source: pa.Table | GroupStream) -> Iterator[pa.Table]:
    """Row groups of at most ``ROW_GROUP_ROWS`` rows; at least one, possibly empty."""
    if isinstance(source, pa.Table):
        yield from _slices(source)
        return
    empty = True
    for item in source.batches:
        table = pa.Table.from_batches([item]) if isinstance(item, pa.RecordBatch) else item
        if not table.schema.equals(source.schema):
            raise ValueError("a batch does not have the group's schema")
        if table.num_rows:
            empty = False
            yield from _slices(table)
    if empty:
        yield source.schema.empty_table()


def write_group(
    folder: Path,
    group: str,
    table: pa.Table | GroupStream,
    recipients: Sequence[_age.X25519Recipient],
    *,
    max_part_bytes: int,
    progress: Callable[[int], None] | None = None,
    random: Callable[[int], bytes] = os.urandom,
) -> list[PartInfo]:
    """Write a table or a stream of batches as parts ``<group>-NNNN.parquet.age``.

    A new part starts when the current one passes ``max_part_bytes`` of ciphertext, checked
    after each row group, so parts stay under FAT32's 4 GiB limit with a wide margin.
    """
    parts: list[PartInfo] = []
    batches = _batches(table)
    pending = next(batches, None)
    while pending is not None:
        name = f"{group}-{len(parts) + 1:04d}.parquet.age"
        rows = 0
        with (folder / name).open("xb") as raw:
            with _age.age._encrypt(raw, recipients, random=random) as enc:
                sink = _ArrowSink(enc)
                with pq.ParquetWriter(sink, table.schema, compression="zstd") as writer:
                    while pending is not None:
                        writer.write_table(pending, row_group_size=ROW_GROUP_ROWS)
                        rows += pending.num_rows
                        if progress is not None:
                            progress(pending.num_rows)
                        pending = next(batches, None)
                        if sink.count >= max_part_bytes:
                            break
            raw.flush()
            os.fsync(raw.fileno())
        parts.append(PartInfo(name, group, rows, (folder / name).stat().st_size))
    return parts


def read_part(ciphertext: bytes, identities: Sequence[_age.X25519Identity]) -> pa.Table:
    """Decrypt one part in memory and read its Parquet; no byte touches the disk."""
    reader = _age.decrypt(io.BytesIO(ciphertext), identities)
    plain = bytearray(len(ciphertext))  # the plaintext is always shorter
    size = reader.readinto(plain)
    if reader.read(1):
        raise VerificationError("parquet", "package.part_unreadable")
    try:
        return pq.read_table(pa.BufferReader(pa.py_buffer(plain)[:size]))
    except (pa.ArrowException, OSError) as exc:
        raise VerificationError("parquet", "package.part_unreadable") from exc
