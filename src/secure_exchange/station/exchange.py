"""Package operations both parties run: seal, verify, import and open (each audited).

The package layer does the work over the package's bytes; here the station supplies its
trusted agreements, its replay register and sequence counter, and its access log, whose
checkpoint travels in every package for the receiving station to witness (witnessing-v1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from secure_exchange.audit import Operation
from secure_exchange.errors import PackageError, VerificationError
from secure_exchange.formats.note import NoteVerifier
from secure_exchange.package import (
    Categories,
    Groups,
    Sender,
    VerifiedPackage,
    open_package,
    seal,
    verify,
)
from secure_exchange.station.common import Stage, quiet
from secure_exchange.station.station import Station, key_actor
from secure_exchange.trust import UnlockedIdentity

__all__ = [
    "WITNESS_FILE",
    "import_package",
    "open_imported",
    "seal_groups",
    "verify_package",
    "witness_bundle",
]

WITNESS_FILE = "witness.json"


def witness_bundle(station: Station, signers: Sequence[UnlockedIdentity], peer: str) -> bytes:
    """This station's signed log checkpoint for ``peer`` to witness, signed by the seal key
    (or by the first signer when none is a seal key)."""
    seal_key = next((s for s in signers if s.public.purpose == "seal"), signers[0])
    return station.log.witness_bundle(seal_key, peer)


def seal_groups(
    station: Station,
    groups: Groups,
    categories: Categories | Callable[[], Categories],
    agreement_number: str,
    signers: Sequence[UnlockedIdentity],
    out_dir: Path,
    *,
    extra_files: Mapping[str, bytes] | None = None,
    detail: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerifiedPackage:
    """Seal column groups into a package under the named agreement (audited)."""
    info = station.info
    if info.party is None:
        raise PackageError("package.station_cannot_seal", role=info.role)
    agreement = station.trust.get(agreement_number)
    with station.audited(
        "package.sealed",
        actor=key_actor(signers[0].public if signers else None),
        detail={"agreement": agreement.number, **(detail or {})},
    ) as op:
        agreement.check_in_force(datetime.now(UTC).date())
        sequence = station.sequence.next(agreement.sha256)
        result = seal(
            groups,
            agreement,
            signers,
            out_dir=out_dir,
            sender=Sender(info.party, info.org),
            sequence=sequence,
            categories=categories,
            extra_files=extra_files,
            progress=progress,
        )
        op.set_package(result.package_id)
        for group in result.groups():
            op.set_count(f"rows.{group}", result.rows(group))
    return result


@contextmanager
def _verifying(
    station: Station, action: str, path: Path
) -> Iterator[tuple[Operation, VerifiedPackage]]:
    """Under the audited ``action``, verify a package not imported here yet."""
    trusted = station.trust.all()
    with station.audited(action, detail={"folder": path.name}) as op:
        result = verify(path, trusted, replay=station.register.check())
        op.set_package(result.package_id)
        yield op, result


def verify_package(station: Station, path: Path) -> VerifiedPackage:
    """Verify a package against this station's trusted agreements and replay register."""
    with _verifying(station, "package.verified", path) as (_op, result):
        return result


def import_package(station: Station, path: Path) -> VerifiedPackage:
    """Verify and record a package so a replay or an older one is refused next time."""
    with _verifying(station, "package.imported", path) as (op, result):
        witnessed = _receive_witness(station, result)
        op.set_detail("witnessed", "yes" if witnessed else "no")
        station.register.record(result)
        return result


def _receive_witness(station: Station, package: VerifiedPackage) -> bool:
    """Check and keep the sender's log checkpoint carried by the package (witnessing-v1)."""
    if WITNESS_FILE not in package.hashes:
        return False
    data = package.read(WITNESS_FILE)  # hashed again: the file may have changed since
    seal_key = next(k for k in package.signers if k.role == "seal")
    verifier = NoteVerifier(seal_key.identity.name, seal_key.identity.minisign.key)
    station.log.receive_witness_bundle(data, package.sender.station, verifier)
    return True


def open_imported(
    station: Station,
    path: Path,
    identity: UnlockedIdentity,
    groups: Sequence[str],
    *,
    action: str = "package.opened",
    reason: str | None = None,
    stage: Stage = quiet,
) -> tuple[VerifiedPackage, dict[str, pa.Table]]:
    """Verify an imported package again and decrypt the named groups in memory (audited)."""
    trusted = station.trust.all()
    detail = {"groups": ",".join(groups)}
    if reason is not None:
        detail["reason"] = reason
    with station.audited(action, actor=key_actor(identity.public), detail=detail) as op:
        stage("verify")
        verified = verify(
            path,
            trusted,
            replay=station.register.check(require_imported=True),
            check_expiry=False,
            keep_groups=groups,
        )
        op.set_package(verified.package_id)
        recorded = station.register.imported_digest(
            verified.agreement.sha256, verified.sender.station, verified.package_id
        )
        if recorded != verified.sums_sha256:
            raise VerificationError("replay", "verify.changed_since_import")
        stage("decrypt")
        tables = open_package(verified, [identity.age_identity], groups)
    return verified, tables
