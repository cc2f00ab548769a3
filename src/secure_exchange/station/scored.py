"""What this station's scoring approved, per package: the record re-identification is bound to.

``sx score PACKAGE`` writes one record per package under ``HomeLayout.scored``, named by the
SHA-256 of the package's ``SHA256SUMS`` (so by the package's exact bytes): the package id and
agreement, the policy and as-of date, the SHA-256 of the decisions file written, the counts
by status and, for each approved subject, its community, credit limit and rate. Subject
tokens are pseudonyms, not personal data; the file is private (0600) all the same. The
record is signed (minisign) by the scoring key and read back only when a party B scoring
key of the package's agreement (the pinned trust root) verifies it: whoever can edit files
under the station's home but does not hold the scoring key cannot approve anyone. Scoring
the package again replaces its record: re-identification follows the latest scoring.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

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

__all__ = ["FORMAT", "ScoringRecord", "file_sha256", "load_record", "sums_digest", "write_record"]

FORMAT = "sx-scored/v1"
_SUMS = "SHA256SUMS"
_MAX_SUMS = 4 * 1024 * 1024
_MAX_RECORD = 512 * 1024 * 1024  # some 70 bytes an approved subject: millions fit
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
    """One scoring of one package at this station (see the module docstring)."""

    package: str
    agreement_sha256: str
    sums_sha256: str
    policy: str
    as_of: str
    decisions_sha256: str
    statuses: dict[str, int]
    approved: pa.Table = field(repr=False)
    scored: str = ""

    @classmethod
    def of(
        cls,
        package: VerifiedPackage,
        policy: str,
        as_of: date,
        decisions: pa.Table,
        decisions_sha256: str,
    ) -> ScoringRecord:
        """The record of scoring ``package`` into ``decisions``, written as ``decisions_sha256``."""
        status = decisions.column("status")
        counts = pc.value_counts(status).to_pylist()
        approved = decisions.select(list(APPROVED_COLUMNS)).filter(pc.equal(status, "approved"))
        return cls(
            package=package.package_id,
            agreement_sha256=package.agreement.sha256,
            sums_sha256=package.sums_sha256,
            policy=policy,
            as_of=as_of.isoformat(),
            decisions_sha256=decisions_sha256,
            statuses={str(c["values"]): int(c["counts"]) for c in counts},
            approved=approved.cast(_SCHEMA),
            scored=utc_timestamp(),
        )

    def to_bytes(self) -> bytes:
        """The canonical JSON that is signed and stored.

        The approved subjects' columns (most of the record) are written by pyarrow where
        their values need no escaping, giving the very bytes ``canonical_json`` would.
        """
        fast = _approved_json(self.approved)
        if fast is None:
            return self._document(
                {name: self.approved.column(name).to_pylist() for name in _SCHEMA.names}
            )
        return self._document(_PLACEHOLDER).replace(_PLACEHOLDER_JSON, fast, 1)

    def _document(self, approved: object) -> bytes:
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
                "approved": approved,
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> ScoringRecord:
        """Parse a stored record (``ValueError``, ``TypeError`` or a format error if bad)."""
        doc = as_obj(loads(data))
        if doc.get("format") != FORMAT:
            raise ValueError("not a scoring record")
        columns = as_obj(doc["approved"])
        approved = pa.table(
            [pa.array(_list(columns[f.name]), type=f.type) for f in _SCHEMA], schema=_SCHEMA
        )
        text = {k: _text(doc[k]) for k in ("package", "agreement_sha256", "sums_sha256")}
        return cls(
            package=text["package"],
            agreement_sha256=text["agreement_sha256"],
            sums_sha256=text["sums_sha256"],
            policy=_text(doc["policy"]),
            as_of=_text(doc["as_of"]),
            decisions_sha256=_text(doc["decisions_sha256"]),
            statuses={str(k): int(v) for k, v in as_obj(doc["statuses"]).items()},
            approved=approved,
            scored=_text(doc["scored"]),
        )

    def matches(self, package: VerifiedPackage) -> bool:
        """Whether the record is of exactly this verified package."""
        return (
            self.package == package.package_id
            and self.sums_sha256 == package.sums_sha256
            and self.agreement_sha256 == package.agreement.sha256
        )


_PLACEHOLDER = "\x00approved\x00"  # no other value of a record holds a NUL
_PLACEHOLDER_JSON = canonical_json(_PLACEHOLDER)
_NEEDS_ESCAPE = r'["\\\x00-\x1f]'  # what json.dumps escapes when not ensure_ascii


def _approved_json(table: pa.Table) -> bytes | None:
    """``canonical_json`` of the approved columns (a dict of lists, keys sorted), joined by
    pyarrow; ``None`` when a value is null or a string needs escaping (then the caller
    lets ``json`` write it)."""
    members = []
    for name in sorted(_SCHEMA.names):
        column = table.column(name).combine_chunks()
        if column.null_count:
            return None
        if pa.types.is_string(column.type):
            if len(column) and pc.any(pc.match_substring_regex(column, _NEEDS_ESCAPE)).as_py():
                return None
            body = _joined(column, '","')
            values = b'["' + body + b'"]' if len(column) else b"[]"
        else:
            values = b"[" + _joined(column.cast(pa.string()), ",") + b"]"
        members.append(b'"' + name.encode("ascii") + b'":' + values)
    return b"{" + b",".join(members) + b"}"


def _joined(column: pa.Array, separator: str) -> bytes:
    """All values of a string column joined by ``separator`` (UTF-8), in one pyarrow call."""
    one_list = pa.ListArray.from_arrays(pa.array([0, len(column)], pa.int32()), column)
    joined = pc.binary_join(one_list, separator)[0]
    buffer = joined.as_buffer()
    return b"" if buffer is None else buffer.to_pybytes()


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def _paths(station: Station, sums_sha256: str) -> tuple[Path, Path]:
    record = station.layout.scored / f"{sums_sha256}.json"
    return record, record.with_name(record.name + ".minisig")


def _trusted_comment(record: ScoringRecord) -> str:
    return f"{FORMAT} package:{record.package} sums:{record.sums_sha256}"


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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
    path, sig_path = _paths(station, record.sums_sha256)
    _fsio.private_dir(path.parent)
    _fsio.atomic_write(path, data, private=True)
    _fsio.atomic_write(sig_path, signature.encode("ascii"), private=True)
    return path


def load_record(station: Station, sums_sha256: str | None, folder: str) -> ScoringRecord:
    """The record of the package whose ``SHA256SUMS`` hashes to ``sums_sha256``, verified.

    Raises:
        ReidentifyError: this station never scored the package (``reid.not_scored``), or its
            record does not verify by a scoring key of a trusted agreement
            (``reid.record_invalid``).
    """
    if sums_sha256 is None:
        raise ReidentifyError("reid.not_scored", folder=folder)
    path, sig_path = _paths(station, sums_sha256)
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
    return record


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
