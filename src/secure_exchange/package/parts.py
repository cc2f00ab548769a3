"""Writing one column group as age-encrypted Parquet parts, and reading them back in memory."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from secure_exchange.errors import IdentityError, PackageError, VerificationError
from secure_exchange.formats import age as _age
from secure_exchange.package.columns import SUBJECT
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
        self.writer.write(data)  # sealed or copied before this returns: no copy needed here
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
    sums: dict[str, str] | None = None,
) -> list[PartInfo]:
    """Write groups whose batches arrive interleaved, each as parts of its own.

    Every group keeps one part open; each batch becomes row groups of at most
    ``ROW_GROUP_ROWS`` rows, and a new part starts once the open one passes
    ``max_part_bytes`` of ciphertext (checked after each row group), so parts stay under
    FAT32's 4 GiB limit with a wide margin. A group that gets no rows still gets one
    (empty) part. Parts are listed group by group, in the order of ``schemas``.

    The Parquet encoding, compression and encryption run in one writer thread (pyarrow
    releases the GIL while it encodes), in the order the batches arrive, so the caller's
    thread goes on producing the next batches meanwhile; at most ``_QUEUED`` batches wait.
    ``progress`` is called with each batch's rows as it is handed to the writer; ``sums``,
    if given, receives each part's SHA-256 as written (name -> hex digest).

    Raises:
        ValueError: a batch names an unknown group or does not have its group's schema.
    """
    writer = _GroupsWriter(folder, schemas, recipients, max_part_bytes, random)
    writer.start()
    try:
        for group, table in batches:
            schema = schemas.get(group)
            if schema is None or not table.schema.equals(schema):
                raise ValueError(f"a batch does not have the schema of group {group!r}")
            writer.put(group, table)
            if progress is not None and table.num_rows:
                progress(table.num_rows)
        parts = writer.finish()
    finally:
        writer.stop()
    if sums is not None:
        sums.update(writer.sums)
    return parts


_QUEUED = 4  # batches handed to the writer thread and not written yet


class _GroupsWriter(threading.Thread):
    """The thread that writes every group's parts, batch by batch, in arrival order.

    A failure is kept and raised in the caller's thread (``put`` or ``finish``); after it
    the thread only drains the queue, so the caller never waits on a full one.
    """

    def __init__(
        self,
        folder: Path,
        schemas: Mapping[str, pa.Schema],
        recipients: Mapping[str, Sequence[_age.Recipient]],
        max_part_bytes: int,
        random: Callable[[int], bytes],
    ) -> None:
        super().__init__(name="sx-parts", daemon=True)
        self.folder, self.schemas, self.recipients = folder, schemas, recipients
        self.max_part_bytes, self.random = max_part_bytes, random
        self.done: dict[str, list[PartInfo]] = {group: [] for group in schemas}
        self.open_parts: dict[str, _OpenPart] = {}
        self.sums: dict[str, str] = {}  # part name -> SHA-256 of its bytes, as written
        self.error: BaseException | None = None
        self._queue: queue.Queue[tuple[str, pa.Table] | None] = queue.Queue(maxsize=_QUEUED)

    def run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self.error is None:
                try:
                    self._write(*item)
                except BaseException as exc:  # raised again in the caller's thread
                    self.error = exc

    def _write(self, group: str, table: pa.Table) -> None:
        for piece in _slices(table):
            if not piece.num_rows:
                continue
            part = self.open_parts.get(group)
            if part is None:
                part = self.open_parts[group] = self._open(group, len(self.done[group]) + 1)
            part.write(piece)
            if part.size >= self.max_part_bytes:
                self._close(group, self.open_parts.pop(group))

    def _open(self, group: str, number: int) -> _OpenPart:
        path = self.folder / part_name(group, number)
        return _OpenPart(path, self.schemas[group], self.recipients[group], self.random)

    def put(self, group: str, table: pa.Table) -> None:
        """Hand a batch to the thread; raise what made it fail, if anything did."""
        self._raise()
        self._queue.put((group, table))

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def finish(self) -> list[PartInfo]:
        """Wait for every batch, close the open parts (an empty one for a group without
        rows) and list them all."""
        self._queue.put(None)
        self.join()
        self._raise()
        for group, schema in self.schemas.items():
            if group in self.open_parts:
                self._close(group, self.open_parts.pop(group))
            elif not self.done[group]:
                empty = self._open(group, 1)
                empty.write(schema.empty_table())
                self._close(group, empty)
        return [info for group in self.schemas for info in self.done[group]]

    def _close(self, group: str, part: _OpenPart) -> None:
        info = part.close(group)
        self.done[group].append(info)
        self.sums[info.file] = part.sha256

    def stop(self) -> None:
        """End the thread if still running and abandon the parts left open (after a
        failure; the caller removes the half-written folder)."""
        if self.is_alive():
            self.error = self.error or _StoppedError()
            self._queue.put(None)
            self.join()
        for part in self.open_parts.values():
            part.abandon()
        self.open_parts.clear()


class _StoppedError(Exception):
    """The caller stopped the writer before the end (it raises its own error)."""


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
            self._file = _HashingFile(raw)
            with _key_errors():  # a low-order key is refused only when wrapping to it
                writer = _age.age._encrypt(self._file, recipients, random=random)
            self._sink = _ArrowSink(setup.enter_context(writer))
            self._stack = setup.pop_all()
        self._schema = schema
        self._writer: pq.ParquetWriter | None = None  # its options follow the first rows

    @property
    def size(self) -> int:
        """Ciphertext bytes written so far (roughly: the age stream buffers one chunk)."""
        return self._sink.count

    def write(self, table: pa.Table) -> None:
        """Append ``table`` as one row group."""
        if self._writer is None:
            options = _parquet_options(table)
            self._writer = self._stack.enter_context(
                pq.ParquetWriter(self._sink, self._schema, **options)
            )
        self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self.rows += table.num_rows

    def close(self, group: str) -> PartInfo:
        """Finish the Parquet file and the age stream, sync, and describe the part."""
        self._stack.close()
        return PartInfo(self.path.name, group, self.rows, self.path.stat().st_size)

    @property
    def sha256(self) -> str:
        """SHA-256 of the bytes written to the file (complete once closed)."""
        return self._file.hasher.hexdigest()

    def abandon(self) -> None:
        """Close after a failure (the caller removes the half-written folder)."""
        with contextlib.suppress(Exception):
            self._stack.close()


class _HashingFile:
    """The part's file, hashed on the way: ``SHA256SUMS`` lists what was written, and the
    read-back verification then proves the disk holds exactly that."""

    def __init__(self, raw: io.BufferedWriter) -> None:
        self.raw = raw
        self.hasher = hashlib.sha256()

    def write(self, data: bytes, /) -> int:
        self.hasher.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _parquet_options(first: pa.Table) -> dict[str, object]:
    """How a part's Parquet is written, from its first rows: zstd at level 1 (Arrow's
    default level, said), no statistics (a token column's min and max would single out
    two subjects, and nothing reads them), and dictionary pages only for the columns
    whose first ``_SAMPLE`` rows repeat (half as many distinct values, or fewer): on unique
    values (tokens, ID numbers, phones) a dictionary only costs time and then falls back.
    Nested columns keep their dictionaries (their leaves repeat: sittings, roles).

    The token column is written ``DELTA_LENGTH_BYTE_ARRAY`` (a standard Parquet encoding:
    the lengths packed apart from the bytes) rather than ``PLAIN``, which puts a 4-byte
    length before every value: on 32 random hex digits zstd then compresses about a third
    faster, into fewer bytes. (On text with structure, ID numbers say, the prefixes give
    zstd matches and ``PLAIN`` stays the quicker.)"""
    dictionary = [
        path
        for field, column in zip(first.schema, first.columns, strict=True)
        if pa.types.is_nested(field.type) or _repeats(column)
        for path in _leaf_paths(field.name, field.type)
    ]
    return {
        "compression": "zstd",
        "compression_level": 1,
        "write_statistics": False,
        "use_dictionary": dictionary,
        "column_encoding": {
            field.name: "DELTA_LENGTH_BYTE_ARRAY"
            for field in first.schema
            if field.name == SUBJECT and field.name not in dictionary
        },
    }


_SAMPLE = 4096  # first rows looked at to choose a column's encoding


def _repeats(column: pa.ChunkedArray) -> bool:
    sample = column.slice(0, _SAMPLE)
    distinct = pc.count_distinct(sample, mode="all").as_py()
    return len(sample) == 0 or 2 * int(distinct) <= len(sample)


def _leaf_paths(name: str, kind: pa.DataType) -> Iterator[str]:
    """The Parquet column paths under an Arrow field (lists as ``name.list.element``)."""
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        yield from _leaf_paths(f"{name}.list.element", kind.value_type)
    elif pa.types.is_struct(kind):
        for child in kind:
            yield from _leaf_paths(f"{name}.{child.name}", child.type)
    else:
        yield name


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
