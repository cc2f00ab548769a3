"""Sealed packages, format v2 (protocols/sealed-package-v1.md): seal, verify, open.

A package is a folder of plain files that a FAT32 stick holds: the column groups as Parquet
encrypted with age to the keys the agreement names, ``manifest.json``, ``SHA256SUMS`` over
every other file, and one minisign signature per signer over ``SHA256SUMS``. ``verify`` is
pure over the package's bytes (read through a ``PackageReader``) and checks, in order:
layout, signatures and threshold, hashes, manifest, agreement force and scope, expiry,
replay. Nothing is decrypted or parsed before.

Modules: ``layout`` (§1 names and limits), ``manifest`` (§3), ``reader`` (bounded reads),
``verification`` (§4), ``columns`` and ``scope`` (what each group may carry, how long a
package lives), ``opening`` (§5), ``sealing`` (§6), ``parts`` (Parquet in age).
"""

from __future__ import annotations

from secure_exchange.package.columns import (
    GROUP_COLUMNS,
    MEMBERS_TYPE,
    NOTES_TYPE,
    SITTINGS_TYPE,
    GroupColumns,
)
from secure_exchange.package.layout import FORMAT, MAX_PART_BYTES, SIG_COMMENT
from secure_exchange.package.manifest import (
    AgreementRef,
    GroupInfo,
    GroupRisk,
    Manifest,
    PartInfo,
    SchemaField,
    Sender,
)
from secure_exchange.package.opening import open_group_batches, open_package
from secure_exchange.package.parts import GroupStream
from secure_exchange.package.reader import DirectoryReader, MemoryReader, PackageReader
from secure_exchange.package.sealing import (
    Categories,
    GroupBatches,
    Groups,
    Risks,
    remove_stale_partials,
    seal,
)
from secure_exchange.package.verification import (
    CHECKS,
    ReplayCheck,
    VerifiedPackage,
    read_manifest_unverified,
    sender_seal,
    verify,
)

__all__ = [
    "CHECKS",
    "FORMAT",
    "GROUP_COLUMNS",
    "MAX_PART_BYTES",
    "MEMBERS_TYPE",
    "NOTES_TYPE",
    "SIG_COMMENT",
    "SITTINGS_TYPE",
    "AgreementRef",
    "Categories",
    "DirectoryReader",
    "GroupBatches",
    "GroupColumns",
    "GroupInfo",
    "GroupRisk",
    "GroupStream",
    "Groups",
    "Manifest",
    "MemoryReader",
    "PackageReader",
    "PartInfo",
    "ReplayCheck",
    "Risks",
    "SchemaField",
    "Sender",
    "VerifiedPackage",
    "open_group_batches",
    "open_package",
    "read_manifest_unverified",
    "remove_stale_partials",
    "seal",
    "sender_seal",
    "verify",
]
