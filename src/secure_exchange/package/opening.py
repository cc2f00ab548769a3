"""Opening a verified package (protocols/sealed-package-v1.md §5): decryption in memory only."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pyarrow as pa

from secure_exchange.errors import PackageError, VerificationError
from secure_exchange.formats import age as _age
from secure_exchange.package.manifest import GroupInfo, PartInfo
from secure_exchange.package.parts import read_part, read_part_batches, schema_fields
from secure_exchange.package.scope import undeclared_categories
from secure_exchange.package.verification import VerifiedPackage

__all__ = ["open_group_batches", "open_package"]


def open_package(
    package: VerifiedPackage,
    identities: Sequence[_age.X25519Identity | _age.HybridIdentity],
    groups: Iterable[str] | None = None,
) -> dict[str, pa.Table]:
    """Decrypt the groups these identities may read, in memory only.

    Each part's bytes are the very bytes verification hashed: kept then, or read again and
    hashed as they are decrypted, the plaintext used only once the hash matched (so a file
    swapped after verification is refused). Each part's Parquet footer is checked against
    the manifest (rows, schema) before its columns are decoded, within a bounded budget;
    the columns that carry data must carry only the categories the manifest declares.

    Raises:
        PackageError: ``groups`` names a group these identities may not read, or one the
            package lacks; a part's age file is damaged.
        VerificationError: a part changed since verification, or disagrees with the manifest.
    """
    mine = {str(i.recipient()) for i in identities}
    wanted = set(groups) if groups is not None else None
    tables: dict[str, pa.Table] = {}
    for name in package.groups():
        info = package.manifest.group(name)
        if info is None or (wanted is not None and name not in wanted):
            continue
        if not set(info.recipients) & mine:
            if wanted is not None:
                raise PackageError("package.not_a_reader", group=name)
            continue
        parts = [_open_part(package, info, p, identities) for p in package.parts if p.group == name]
        tables[name] = _concat(info, parts)
    if wanted is not None and wanted - tables.keys():
        missing = "、".join(sorted(wanted - tables.keys()))
        raise PackageError("package.group_missing", group=missing)
    return tables


def open_group_batches(
    package: VerifiedPackage,
    identities: Sequence[_age.X25519Identity | _age.HybridIdentity],
    group: str,
    *,
    columns: Sequence[str] | None = None,
) -> Iterator[pa.Table]:
    """Decrypt one group part by part, in memory only, and yield its row groups in order.

    The streaming form of :func:`open_package` (its group checks made at the call, the
    rest as the row groups are read) for groups too large to hold whole: at most
    one part's plaintext Parquet bytes and one decoded row group (at most ``ROW_GROUP_ROWS``
    rows) are held at a time. Every check of ``open_package`` is made: a part's bytes are
    the very bytes verification hashed and its footer agrees with the manifest before any
    of its rows is decoded; each row group may carry only the categories the manifest
    declares (refused when met, so a caller discards what it made of earlier row groups,
    as it does on any error). ``columns``: decode only these (all if ``None``). Calling it
    again reads the parts again (hashed again when verification did not keep them).

    Raises:
        PackageError: these identities may not read ``group``, or the package lacks it; a
            part's age file is damaged.
        VerificationError: a part changed since verification or disagrees with the manifest.
    """
    info = package.manifest.group(group)
    if info is None or group not in package.groups():
        raise PackageError("package.group_missing", group=group)
    if not set(info.recipients) & {str(i.recipient()) for i in identities}:
        raise PackageError("package.not_a_reader", group=group)
    return _batches(package, info, identities, columns)


def _batches(
    package: VerifiedPackage,
    info: GroupInfo,
    identities: Sequence[_age.X25519Identity | _age.HybridIdentity],
    columns: Sequence[str] | None,
) -> Iterator[pa.Table]:
    for part in package.parts:
        if part.group != info.name:
            continue
        kept = package.blobs.get(part.file)
        source = kept if kept is not None else package.stream(part.file)
        for table in read_part_batches(
            source, identities, rows=part.rows, schema=info.schema, name=part.file, columns=columns
        ):
            _check_categories(info, table)
            yield table


def _open_part(
    package: VerifiedPackage,
    info: GroupInfo,
    part: PartInfo,
    identities: Sequence[_age.X25519Identity | _age.HybridIdentity],
) -> pa.Table:
    kept = package.blobs.get(part.file)
    source = kept if kept is not None else package.stream(part.file)
    return read_part(source, identities, rows=part.rows, schema=info.schema, name=part.file)


def _concat(info: GroupInfo, tables: list[pa.Table]) -> pa.Table:
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    if schema_fields(table.schema) != info.schema:
        raise VerificationError("manifest", "verify.schema", group=info.name)
    _check_categories(info, table)
    return table


def _check_categories(info: GroupInfo, table: pa.Table) -> None:
    undeclared = undeclared_categories(info, table)
    if undeclared:
        raise VerificationError(
            "parquet", "package.part_categories", group=info.name, category="、".join(undeclared)
        )
