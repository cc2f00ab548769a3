"""Writing one column group as age-encrypted Parquet parts, and reading them back in memory."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from secure_exchange.errors import IdentityError, PackageError, VerificationError
from secure_exchange.formats import age as _age
from secure_exchange.package.layout import ROW_GROUP_ROWS, part_name
from secure_exchange.package.manifest import PartInfo, SchemaField
from secure_exchange.package.reader import HashedStream

__all__ = [
    "GroupStream",
    "batches_of",
    "read_part",
    "read_part_batches",
    "recipients_of",
    "schema_fields",
    "write_groups",
]

DECODE_FLOOR = 64 * 1024 * 1024
DECODE_RATIO = 64
"""A part may decode to at most ``max(DECODE_FLOOR, DECODE_RATIO × its Parquet bytes)``:
genuine parts decode to a few times their size (zstd, dictionaries); a bomb to thousands."""


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class GroupStream:
    """A column group given as batches rather than one table, so it never sits whole in
    memory: each batch becomes a row group (sliced when larger), parts follow as they fill.
    """

    schema: pa.Schema
    batches: Iterable[pa.Table | pa.RecordBatch]


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


def schema_fields(schema: pa.Schema) -> tuple[SchemaField, ...]:
    """A stable description of an Arrow schema, recorded in the manifest."""
    return tuple(SchemaField(f.name, str(f.type), f.nullable) for f in schema)


@contextlib.contextmanager
def _key_errors() -> Iterator[None]:
    """An age recipient refused by the age format is the key's fault: an IdentityError."""
    try:
        yield
    except _age.AgeKeyError as exc:
        raise IdentityError(exc.key, **exc.params) from exc


def recipients_of(recipients: Iterable[str]) -> list[_age.Recipient]:
    """Parse ``age1…`` and hybrid ``age1pq1…`` recipients (as an agreement names them).

    Raises:
        IdentityError: one of them is not a valid X25519 or hybrid recipient.
    """
    with _key_errors():
        return [
            _age.HybridRecipient.from_str(text)
            if text.startswith("age1pq1")
            else _age.X25519Recipient.from_str(text)
            for text in recipients
        ]


def batches_of(source: pa.Table | GroupStream) -> Iterator[pa.Table]:
    """The tables of a group: a table as it is, a stream's batches as tables."""
    if isinstance(source, pa.Table):
        yield source
        return
    for item in source.batches:
        yield pa.Table.from_batches([item]) if isinstance(item, pa.RecordBatch) else item


def write_groups(
    folder: Path,
    schemas: Mapping[str, pa.Schema],
    batches: Iterable[tuple[str, pa.Table]],
    recipients: Mapping[str, Sequence[_age.Recipient]],
    *,
    max_part_bytes: int,
    progress: Callable[[int], None] | None = None,
    random: Callable[[int], bytes] = os.urandom,
) -> list[PartInfo]:
    """Write groups whose batches arrive interleaved, each as parts of its own.

    Every group keeps one part open; each batch becomes row groups of at most
    ``ROW_GROUP_ROWS`` rows, and a new part starts once the open one passes
    ``max_part_bytes`` of ciphertext (checked after each row group), so parts stay under
    FAT32's 4 GiB limit with a wide margin. A group that gets no rows still gets one
    (empty) part. Parts are listed group by group, in the order of ``schemas``.

    Raises:
        ValueError: a batch names an unknown group or does not have its group's schema.
    """
    done: dict[str, list[PartInfo]] = {group: [] for group in schemas}
    open_parts: dict[str, _OpenPart] = {}
    try:
        for group, table in batches:
            schema = schemas.get(group)
            if schema is None or not table.schema.equals(schema):
                raise ValueError(f"a batch does not have the schema of group {group!r}")
            for piece in _slices(table):
                if not piece.num_rows:
                    continue
                part = open_parts.get(group)
                if part is None:
                    name = part_name(group, len(done[group]) + 1)
                    part = open_parts[group] = _OpenPart(
                        folder / name, schema, recipients[group], random
                    )
                part.write(piece)
                if progress is not None:
                    progress(piece.num_rows)
                if part.size >= max_part_bytes:
                    done[group].append(open_parts.pop(group).close(group))
        for group, schema in schemas.items():
            if group in open_parts:
                done[group].append(open_parts.pop(group).close(group))
            elif not done[group]:
                name = part_name(group, 1)
                empty = _OpenPart(folder / name, schema, recipients[group], random)
                empty.write(schema.empty_table())
                done[group].append(empty.close(group))
    finally:
        for part in open_parts.values():
            part.abandon()
    return [info for group in schemas for info in done[group]]


def _slices(table: pa.Table) -> Iterator[pa.Table]:
    for start in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
        yield table.slice(start, ROW_GROUP_ROWS)


class _OpenPart:
    """One part being written: Parquet into age into a new file, synced when closed."""

    def __init__(
        self,
        path: Path,
        schema: pa.Schema,
        recipients: Sequence[_age.Recipient],
        random: Callable[[int], bytes],
    ) -> None:
        self.path = path
        self.rows = 0
        self._stack = contextlib.ExitStack()
        with contextlib.ExitStack() as setup:
            raw = setup.enter_context(path.open("xb"))
            setup.callback(_sync, raw)  # runs after the age stream's last chunk
            with _key_errors():  # a low-order key is refused only when wrapping to it
                writer = _age.age._encrypt(raw, recipients, random=random)
            self._sink = _ArrowSink(setup.enter_context(writer))
            self._writer = setup.enter_context(
                pq.ParquetWriter(self._sink, schema, compression="zstd")
            )
            self._stack = setup.pop_all()

    @property
    def size(self) -> int:
        """Ciphertext bytes written so far (roughly: the age stream buffers one chunk)."""
        return self._sink.count

    def write(self, table: pa.Table) -> None:
        """Append ``table`` as one row group."""
        self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self.rows += table.num_rows

    def close(self, group: str) -> PartInfo:
        """Finish the Parquet file and the age stream, sync, and describe the part."""
        self._stack.close()
        return PartInfo(self.path.name, group, self.rows, self.path.stat().st_size)

    def abandon(self) -> None:
        """Close after a failure (the caller removes the half-written folder)."""
        with contextlib.suppress(Exception):
            self._stack.close()


def _sync(raw: io.BufferedWriter) -> None:
    raw.flush()
    os.fsync(raw.fileno())


def read_part(
    source: bytes | HashedStream,
    identities: Sequence[_age.Identity],
    *,
    rows: int | None = None,
    schema: Sequence[SchemaField] | None = None,
    name: str = "",
) -> pa.Table:
    """Decrypt one part in memory and read its Parquet whole; no byte touches the disk.

    The table of :func:`read_part_batches`' row groups, with the same checks, and its row
    count checked against ``rows`` once more.
    """
    pieces = list(read_part_batches(source, identities, rows=rows, schema=schema, name=name))
    table = pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]
    if rows is not None and table.num_rows != rows:
        raise VerificationError(
            "parquet", "package.part_rows", name=name, rows=table.num_rows, expected=rows
        )
    return table


def read_part_batches(
    source: bytes | HashedStream,
    identities: Sequence[_age.Identity],
    *,
    rows: int | None = None,
    schema: Sequence[SchemaField] | None = None,
    name: str = "",
    columns: Sequence[str] | None = None,
) -> Iterator[pa.Table]:
    """Decrypt one part in memory and yield its Parquet row groups in order, one at a time.

    ``source`` is either the ciphertext verification kept, or the part's file hashed as it
    is read: then the plaintext is used only once the file proved to be the one verified.
    The whole part is decrypted (and, for a file, its hash checked) before the first row
    group is parsed. The Parquet footer is read first: its row count must be ``rows``, its
    schema ``schema``, no row group larger than the writer makes, and its declared size
    within the part's decoding budget; the row groups are then decoded one at a time while
    the decoded bytes stay within that budget. ``columns``: decode only these (all if
    ``None``). Only the plaintext Parquet bytes and one row group are held at a time; a part
    without row groups yields one empty table of its schema.

    Raises:
        PackageError: the age file is damaged or none of ``identities`` opens it (the age
            format's message); ``VerificationError`` if the part changed since verification,
            its Parquet table is unreadable or disagrees with ``rows`` and ``schema``, or it
            decodes to more than its budget (raised when reached: a caller streaming the
            row groups discards what it made of the earlier ones).
    """
    plain = _decrypt(source, identities)
    budget = max(DECODE_FLOOR, DECODE_RATIO * len(plain))
    try:
        parquet = pq.ParquetFile(pa.BufferReader(pa.py_buffer(plain)))
        _check_footer(parquet, rows, schema, budget, name)
        wanted = list(columns) if columns is not None else None
        if not parquet.num_row_groups:  # an empty group's part: its schema, no rows
            yield parquet.schema_arrow.empty_table().select(wanted or parquet.schema_arrow.names)
            return
        decoded = 0
        for index in range(parquet.num_row_groups):  # each at most ROW_GROUP_ROWS (footer)
            piece = parquet.read_row_group(index, columns=wanted)  # columns in parallel
            decoded += piece.get_total_buffer_size()
            if decoded > budget:
                raise VerificationError("parquet", "package.part_too_large", name=name)
            yield piece
    except (pa.ArrowException, OSError, ValueError) as exc:  # names that are not UTF-8, too
        raise VerificationError("parquet", "package.part_unreadable") from exc


def _decrypt(source: bytes | HashedStream, identities: Sequence[_age.Identity]) -> memoryview:
    if isinstance(source, HashedStream):
        hashed: HashedStream | None = source
        stream: _Readable = source
        size = source.size
    else:
        hashed, stream, size = None, io.BytesIO(source), len(source)
    plain = bytearray(size)  # the plaintext is always shorter than the ciphertext
    try:
        try:
            reader = _age.decrypt(stream, identities)
            used = reader.readinto(plain)
            trailing = reader.read(1)
        except _age.AgeError as exc:
            if hashed is not None:
                hashed.check()  # a file changed since verification says so first
            raise PackageError(exc.key, **exc.params) from exc
        if hashed is not None:
            hashed.check()  # §5 the very bytes verified, before any plaintext byte is used
    finally:
        if hashed is not None:
            hashed.close()
    if trailing:
        raise VerificationError("parquet", "package.part_unreadable")
    return memoryview(plain)[:used]


def _check_footer(
    parquet: pq.ParquetFile,
    rows: int | None,
    schema: Sequence[SchemaField] | None,
    budget: int,
    name: str,
) -> None:
    meta = parquet.metadata
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    counted = sum(g.num_rows for g in groups)
    if rows is not None and not meta.num_rows == counted == rows:
        raise VerificationError(
            "parquet", "package.part_rows", name=name, rows=meta.num_rows, expected=rows
        )
    if schema is not None and schema_fields(parquet.schema_arrow) != tuple(schema):
        raise VerificationError("parquet", "package.part_schema", name=name)
    if any(g.num_rows > ROW_GROUP_ROWS for g in groups):
        raise VerificationError("parquet", "package.part_row_group", name=name, rows=ROW_GROUP_ROWS)
    if sum(g.total_byte_size for g in groups) > budget:
        raise VerificationError("parquet", "package.part_too_large", name=name)
