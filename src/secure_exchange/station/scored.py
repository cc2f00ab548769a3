"""What this station's scoring approved, per package: the record re-identification is bound to.

``sx score PACKAGE`` writes one record per package under ``HomeLayout.scored``, named by the
SHA-256 of the package's ``SHA256SUMS`` (so by the package's exact bytes): the package id and
agreement, the policy and as-of date, the SHA-256 of the decisions file written, the counts
by status, and the SHA-256 and row count of a Parquet file beside it holding, for each
approved subject, its community, credit limit and rate (written as the scoring goes, so
neither the decisions nor a record the size of millions of subjects is held whole).
Subject tokens are pseudonyms, not personal data; the files are private (0600) all the
same. The record is signed (minisign) by the scoring key and read back only when a party B
scoring key of the package's agreement (the pinned trust root) verifies it, and the
approved file only when its bytes hash to what the record says: whoever can edit files
under the station's home but does not hold the scoring key cannot approve anyone. Scoring
the package again replaces its record: re-identification follows the latest scoring.
Records of format v1 (the approved columns inside the JSON) are still read.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from secure_exchange import fsio as _fsio
from secure_exchange.errors import SecureExchangeError
from secure_exchange.formats.canonjson import (
    JsonError,
    as_obj,
    canonical_json,
    loads,
    utc_timestamp,
)
from secure_exchange.package import DirectoryReader, VerifiedPackage
from secure_exchange.station.notify import APPROVED_COLUMNS, ReidentifyError
from secure_exchange.station.station import Station
from secure_exchange.trust import Agreement, UnlockedIdentity

file_sha256 = _fsio.file_sha256  # the station's callers import it from here

__all__ = [
    "FORMAT",
    "ApprovedWriter",
    "ScoringRecord",
    "file_sha256",
    "load_record",
    "record_files",
    "recording_approved",
    "sums_digest",
    "write_record",
]

FORMAT = "sx-scored/v2"
_V1 = "sx-scored/v1"  # the approved columns inside the signed JSON (read, no longer written)
_SUMS = "SHA256SUMS"
_MAX_SUMS = 4 * 1024 * 1024
_MAX_RECORD = 512 * 1024 * 1024  # a v1 record: some 70 bytes an approved subject
_MAX_APPROVED = 8 * 1024 * 1024 * 1024  # some 25 bytes an approved subject: 10M in 0.3 GB
_MAX_SIGNATURE = 4096
_SCHEMA = pa.schema(
    [
        ("subject", pa.string()),
        ("community", pa.string()),
        ("credit_limit_yuan", pa.int64()),
        ("rate_bp", pa.int32()),
    ]
)


@dataclass(frozen=True)
class ScoringRecord:
    """One scoring of one package at this station (see the module docstring).

    ``approved`` is read from the approved file (or a v1 record) by ``load_record``;
    empty in a record being written.
    """

    package: str
    agreement_sha256: str
    sums_sha256: str
    policy: str
    as_of: str
    decisions_sha256: str
    statuses: dict[str, int]
    approved_sha256: str = ""
    approved_rows: int = 0
    scored: str = ""
    approved: pa.Table = field(default_factory=_SCHEMA.empty_table, repr=False, compare=False)

    @classmethod
    def of(
        cls,
        package: VerifiedPackage,
        policy: str,
        as_of: date,
        approved: ApprovedWriter,
        decisions_sha256: str,
    ) -> ScoringRecord:
        """The record of scoring ``package`` into a decisions file that hashes to
        ``decisions_sha256``, its approved subjects written by ``approved``."""
        return cls(
            package=package.package_id,
            agreement_sha256=package.agreement.sha256,
            sums_sha256=package.sums_sha256,
            policy=policy,
            as_of=as_of.isoformat(),
            decisions_sha256=decisions_sha256,
            statuses=dict(sorted(approved.statuses.items())),
            approved_sha256=approved.sha256,
            approved_rows=approved.rows,
            scored=utc_timestamp(),
        )

    def to_bytes(self) -> bytes:
        """The canonical JSON that is signed and stored."""
        return canonical_json(
            {
                "format": FORMAT,
                "package": self.package,
                "agreement_sha256": self.agreement_sha256,
                "sums_sha256": self.sums_sha256,
                "policy": self.policy,
                "as_of": self.as_of,
                "scored": self.scored,
                "decisions_sha256": self.decisions_sha256,
                "statuses": self.statuses,
                "approved_sha256": self.approved_sha256,
                "approved_rows": self.approved_rows,
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> ScoringRecord:
        """Parse a stored record (``ValueError``, ``TypeError`` or a format error if bad);
        a v1 record with its approved columns."""
        doc = as_obj(loads(data))
        if doc.get("format") not in (FORMAT, _V1):
            raise ValueError("not a scoring record")
        text = {k: _text(doc[k]) for k in ("package", "agreement_sha256", "sums_sha256")}
        fields: dict[str, Any] = {}
        if doc["format"] == _V1:
            columns = as_obj(doc["approved"])
            fields["approved"] = pa.table(
                [pa.array(_list(columns[f.name]), type=f.type) for f in _SCHEMA], schema=_SCHEMA
            )
        else:
            fields["approved_sha256"] = _text(doc["approved_sha256"])
            fields["approved_rows"] = _count(doc["approved_rows"])
        return cls(
            package=text["package"],
            agreement_sha256=text["agreement_sha256"],
            sums_sha256=text["sums_sha256"],
            policy=_text(doc["policy"]),
            as_of=_text(doc["as_of"]),
            decisions_sha256=_text(doc["decisions_sha256"]),
            statuses={str(k): int(v) for k, v in as_obj(doc["statuses"]).items()},
            scored=_text(doc["scored"]),
            **fields,
        )

    @property
    def legacy(self) -> bool:
        """A v1 record: its approved subjects came inside it."""
        return not self.approved_sha256

    def matches(self, package: VerifiedPackage) -> bool:
        """Whether the record is of exactly this verified package."""
        return (
            self.package == package.package_id
            and self.sums_sha256 == package.sums_sha256
            and self.agreement_sha256 == package.agreement.sha256
        )


class ApprovedWriter:
    """The approved subjects of a scoring, appended decisions table by decisions table to
    a Parquet file (hashed as written), with the counts by status."""

    def __init__(self, handle: BinaryIO) -> None:
        self._sink = _fsio.HashingWriter(handle)
        self._writer = pq.ParquetWriter(  # tokens do not compress: written as they are
            self._sink,
            _SCHEMA,
            use_dictionary=["community"],
            compression="none",
            write_statistics=False,  # read whole and hashed first: never searched by range
        )
        self.statuses: Counter[str] = Counter()
        self.rows = 0

    def add(self, decisions: pa.Table) -> None:
        """Count ``decisions`` by status and keep the approved ones' ``APPROVED_COLUMNS``."""
        status = decisions.column("status")
        for count in pc.value_counts(status).to_pylist():
            self.statuses[str(count["values"])] += int(count["counts"])
        approved = decisions.select(list(APPROVED_COLUMNS)).filter(pc.equal(status, "approved"))
        self._writer.write_table(approved.cast(_SCHEMA))
        self.rows += approved.num_rows

    def close(self) -> None:
        """Write the Parquet footer."""
        self._writer.close()

    def abandon(self) -> None:
        """Close without writing anything more (the file is being thrown away)."""
        self._sink.dropping = True
        self._writer.close()

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the file's bytes so far (all of them once closed)."""
        return self._sink.digest.hexdigest()


@contextmanager
def recording_approved(station: Station, sums_sha256: str) -> Iterator[ApprovedWriter]:
    """An :class:`ApprovedWriter` onto the package's approved file, which takes its place
    (private, synced) only when the block ends without error; ``write_record`` then
    writes the record that names its hash."""
    path = record_files(station, sums_sha256)[2]
    _fsio.private_dir(path.parent)
    with _fsio.replacing(path, private=True) as handle:
        writer = ApprovedWriter(handle)
        try:
            yield writer
        except BaseException:
            writer.abandon()
            raise
        writer.close()


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError("expected a count")
    return value


def record_files(station: Station, sums_sha256: str) -> tuple[Path, Path, Path]:
    """The record of a package, its signature and its approved subjects' file."""
    record = station.layout.scored / f"{sums_sha256}.json"
    approved = record.with_name(f"{sums_sha256}.approved.parquet")
    return record, record.with_name(record.name + ".minisig"), approved


def _trusted_comment(record: ScoringRecord) -> str:
    return f"{FORMAT} package:{record.package} sums:{record.sums_sha256}"


def sums_digest(package: Path) -> str | None:
    """SHA-256 of the package folder's ``SHA256SUMS`` (hashed, not parsed), if readable."""
    try:
        data = DirectoryReader(package).read(_SUMS, _MAX_SUMS)
    except OSError:
        return None
    return None if len(data) > _MAX_SUMS else hashlib.sha256(data).hexdigest()


def write_record(station: Station, record: ScoringRecord, signer: UnlockedIdentity) -> Path:
    """Store ``record`` signed by the scoring key (private files, atomic, synced)."""
    data = record.to_bytes()
    signature = signer.signing_key.sign(
        data,
        trusted_comment=_trusted_comment(record),
        untrusted_comment=f"{FORMAT} signed by {signer.public.key_id}",
    )
    path, sig_path, _ = record_files(station, record.sums_sha256)
    _fsio.private_dir(path.parent)
    _fsio.atomic_write(path, data, private=True)
    _fsio.atomic_write(sig_path, signature.encode("ascii"), private=True)
    return path


def load_record(
    station: Station, sums_sha256: str | None, folder: str, subjects: pa.Array | None = None
) -> ScoringRecord:
    """The record of the package whose ``SHA256SUMS`` hashes to ``sums_sha256``, verified,
    with its approved subjects (only those of ``subjects`` when given).

    Raises:
        ReidentifyError: this station never scored the package (``reid.not_scored``), or its
            record does not verify by a scoring key of a trusted agreement
            (``reid.record_invalid``).
    """
    if sums_sha256 is None:
        raise ReidentifyError("reid.not_scored", folder=folder)
    path, sig_path, approved_path = record_files(station, sums_sha256)
    try:
        data = _read(path, _MAX_RECORD)
    except FileNotFoundError:
        raise ReidentifyError("reid.not_scored", folder=folder) from None
    try:
        record = ScoringRecord.from_bytes(data)
        signature = _read(sig_path, _MAX_SIGNATURE).decode("ascii")
    except (OSError, ValueError, TypeError, KeyError, JsonError, pa.ArrowException):
        raise ReidentifyError("reid.record_invalid", folder=folder) from None
    agreement = next((a for a in station.trust.all() if a.sha256 == record.agreement_sha256), None)
    if (
        record.sums_sha256 != sums_sha256
        or agreement is None
        or not _signed_by_scoring_key(agreement, data, signature, _trusted_comment(record))
    ):
        raise ReidentifyError("reid.record_invalid", folder=folder)
    if record.legacy:
        return record
    try:
        approved = _approved(approved_path, record, subjects)
    except (OSError, ValueError, pa.ArrowException):
        raise ReidentifyError("reid.record_invalid", folder=folder) from None
    return replace(record, approved=approved)


def _approved(path: Path, record: ScoringRecord, subjects: pa.Array | None) -> pa.Table:
    """The approved file's rows (of ``subjects`` if given), once its bytes proved to be
    those the signed record names: hashed before they are parsed."""
    data = _read(path, _MAX_APPROVED)
    if hashlib.sha256(data).hexdigest() != record.approved_sha256:
        raise ValueError("approved subjects changed")
    parquet = pq.ParquetFile(pa.BufferReader(pa.py_buffer(data)))
    if parquet.schema_arrow != _SCHEMA or parquet.metadata.num_rows != record.approved_rows:
        raise ValueError("not the approved subjects")
    kept = []
    for index in range(parquet.num_row_groups):
        piece = parquet.read_row_group(index)
        if subjects is not None:
            piece = piece.filter(pc.is_in(piece.column("subject"), value_set=subjects))
        kept.append(piece)
    return pa.concat_tables(kept) if kept else _SCHEMA.empty_table()


def _read(path: Path, limit: int) -> bytes:
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError("too large")
    return data


def _signed_by_scoring_key(agreement: Agreement, data: bytes, signature: str, comment: str) -> bool:
    """Whether one of party B's scoring keys in ``agreement`` signed ``data`` with ``comment``."""
    for key in agreement.keys_for("B:scoring"):
        try:
            trusted = key.identity.verify_signature(data, signature)
        except SecureExchangeError:
            continue
        if trusted == comment:
            return True
    return False
