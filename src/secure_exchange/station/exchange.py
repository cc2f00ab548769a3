"""Package operations both parties run: seal, verify, import and open (each audited).

The package layer does the work over the package's bytes; here the station supplies its
trusted agreements, its replay register and sequence counter, and its access log, whose
checkpoint travels in every package for the receiving station to witness (witnessing-v1).
A sender is known by the agreement's pinned seal key, never by the name it gives: the
name must be the agreement's name for its party, exactly, or the package is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from secure_exchange.audit import Operation, PeerKey, WitnessError, seal_fingerprint
from secure_exchange.errors import AgreementError, PackageError, VerificationError
from secure_exchange.i18n import label
from secure_exchange.package import (
    Categories,
    GroupRisk,
    Groups,
    Risks,
    Sender,
    VerifiedPackage,
    open_package,
    remove_stale_partials,
    seal,
    sender_seal,
    verify,
)
from secure_exchange.station.common import Stage, quiet
from secure_exchange.station.lifecycle import check_use, outgoing, receive_carried
from secure_exchange.station.outputs import register_output
from secure_exchange.station.station import Station, key_actor
from secure_exchange.trust import Agreement, UnlockedIdentity

__all__ = [
    "WITNESS_FILE",
    "check_own_name",
    "import_package",
    "open_imported",
    "package_risk",
    "seal_groups",
    "verify_imported",
    "verify_package",
    "witness_bundle",
]

WITNESS_FILE = "witness.json"


def printable(name: str) -> str:
    """``name`` with every character a terminal would not show (an invisible one, a
    control) written as ``\\uXXXX``, so two names that look alike read differently."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in name)


def check_own_name(station: Station, agreement: Agreement) -> None:
    """Refuse to seal under a name that is not the agreement's for this station's party:
    the receiver would refuse the package (sealed-package-v1 §4.5)."""
    info = station.info
    party = info.party or ""
    org = agreement.party_org(party)
    if info.org != org:
        raise PackageError(
            "package.org_not_party",
            name=printable(info.org),
            party=party,
            org=printable(org),
            number=agreement.number,
        )


def _check_sender_name(package: VerifiedPackage) -> None:
    """The manifest's sender name must be the agreement's name for its party, exactly."""
    org = package.agreement.party_org(package.sender.party)
    if package.sender.station != org:
        raise VerificationError(
            "manifest",
            "verify.sender_not_party",
            name=printable(package.sender.station),
            party=package.sender.party,
            org=printable(org),
        )


def witness_bundle(
    station: Station, signers: Sequence[UnlockedIdentity], agreement: Agreement
) -> bytes:
    """This station's signed log checkpoint for the other party of ``agreement`` to witness,
    signed by this party's seal key as the agreement pins it (``package.sender_seal``)."""
    party = station.info.party or ""
    named = [k for s in signers if (k := agreement.key(s.public.key_id)) is not None]
    pinned = sender_seal(agreement, party, named)
    signer = next((s for s in signers if s.public.key_id == pinned.key_id), None)
    if signer is None:
        raise PackageError("package.seal_key_needed")
    other = "B" if party == "A" else "A"
    peer = PeerKey.of(agreement, sender_seal(agreement, other, ()))
    return station.log.witness_bundle(signer, peer)


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
    risk: Risks | Callable[[], Risks] | None = None,
) -> VerifiedPackage:
    """Seal column groups into a package under the named agreement (audited)."""
    info = station.info
    if info.party is None:
        raise PackageError("package.station_cannot_seal", role=label("role", info.role))
    agreement = station.trust.get(agreement_number)
    check_own_name(station, agreement)
    with station.audited(
        "package.sealed",
        actor=key_actor(signers[0].public if signers else None),
        counts={"sequence": station.sequence.peek(agreement.sha256)},
        detail={
            "agreement": agreement.number,
            "agreement_sha256": agreement.sha256,
            **(detail or {}),
        },
    ) as op:
        agreement.check_in_force(datetime.now(UTC).date())
        check_use(station, agreement, keys=_sealing_keys(agreement, signers, info.party))
        extra_files = {**outgoing(station, agreement), **(extra_files or {})}
        stale = remove_stale_partials(out_dir)  # what a killed seal left (§6)
        if stale:
            op.set_count("stale_partials_removed", stale)
        sequence = station.sequence.next(agreement.sha256)
        op.set_count("sequence", sequence)
        result = seal(
            groups,
            agreement,
            signers,
            out_dir=out_dir,
            sender=Sender(info.party, info.org),
            sequence=sequence,
            categories=categories,
            risk=risk,
            extra_files=extra_files,
            progress=progress,
        )
        op.set_package(result.package_id)
        for group in result.groups():
            op.set_count(f"rows.{group}", result.rows(group))
    return result


@contextmanager
def _verifying(
    station: Station, action: str, path: Path, *, again: bool = False
) -> Iterator[tuple[Operation, VerifiedPackage]]:
    """Under the audited ``action``, verify a package not imported here yet; with
    ``again``, the very package imported here before verifies too (verify is repeatable)."""
    check_package_folder(path)
    trusted = station.trust.all()
    with station.audited(action, detail={"folder": path.name}) as op:
        try:
            result = verify(path, trusted, replay=station.register.check())
        except VerificationError as exc:
            if not again or exc.key != "verify.replayed":
                raise
            result = verify(path, trusted, replay=station.register.check(require_imported=True))
            if station.register.imported_digest(result) != result.sums_sha256:
                raise exc from None  # the same id, other contents: a replay indeed
            op.set_detail("already_imported", "yes")
        op.set_package(result.package_id)
        _check_sender_name(result)
        yield op, result


def check_package_folder(path: Path) -> None:
    """Refuse, with the folders to choose from, a stick's root given for a package.

    Raises:
        VerificationError: ``package.stick_root`` (check ``layout``).
    """
    if any((path / name).exists() for name in ("manifest.json", "SHA256SUMS")):
        return
    try:
        inside = sorted(p.name for p in path.iterdir() if (p / "SHA256SUMS").is_file())
    except OSError:
        return
    if inside:
        shown = ", ".join(inside[:5]) + (" …" if len(inside) > 5 else "")
        raise VerificationError(
            "layout", "package.stick_root", folder=path, count=len(inside), candidates=shown
        )


def _sealing_keys(
    agreement: Agreement, signers: Sequence[UnlockedIdentity], party: str
) -> list[str]:
    """The keys a package is signed by and encrypted to: none may be revoked (lifecycle-v1
    §5.1); the receiving party's keys stand for the recipients."""
    other = "B" if party == "A" else "A"
    return [s.public.key_id for s in signers] + [
        k.key_id for k in agreement.keys if k.party == other
    ]


def _check_package_use(station: Station, package: VerifiedPackage) -> None:
    """The agreement's end refuses the package like a failed check ``agreement`` (lifecycle-v1
    §5.1): revoked, destroyed, frozen, past retention, or signed by a revoked key."""
    try:
        check_use(station, package.agreement, keys=[k.key_id for k in package.signers])
    except AgreementError as exc:
        raise VerificationError("agreement", exc.key, **exc.params) from exc


def verify_package(station: Station, path: Path) -> VerifiedPackage:
    """Verify a package against this station's trusted agreements and replay register.

    Repeatable: the package imported here before verifies the same (the CLI tells it
    was imported, :func:`was_imported`); ``import`` still refuses it.
    """
    with _verifying(station, "package.verified", path, again=True) as (_op, result):
        _check_package_use(station, result)
        return result


def package_risk(station: Station, path: Path) -> dict[str, GroupRisk]:
    """The re-identification risk an imported package's signed manifest records, per group
    (verified again first; nothing is decrypted)."""
    trusted = station.trust.all()
    with station.audited("package.verified", detail={"folder": path.name}) as op:
        verified = verify(
            path, trusted, replay=station.register.check(require_imported=True), check_expiry=False
        )
        op.set_package(verified.package_id)
        _check_sender_name(verified)
    return {g.name: g.risk for g in verified.manifest.groups if g.risk is not None}


def was_imported(station: Station, package: VerifiedPackage) -> bool:
    """Whether this very package (the same SHA256SUMS) was imported here."""
    return station.register.imported_digest(package) == package.sums_sha256


def import_package(station: Station, path: Path) -> VerifiedPackage:
    """Verify and record a package so a replay or an older one is refused next time."""
    with _verifying(station, "package.imported", path) as (op, result):
        if result.sender_seal.party == station.info.party:  # its own package, sent back
            raise PackageError("package.own_package", package=result.package_id)
        op.set_count("statements", receive_carried(station, result))  # lifecycle-v1 §4
        _check_package_use(station, result)
        witnessed = _receive_witness(station, result)
        op.set_detail("witnessed", "yes" if witnessed else "no")
        register_output(  # before the replay register: a rerun after a kill writes it again
            station,
            path,
            "package",
            result.agreement.sha256,
            result.sums_sha256,
            package=result.package_id,
        )
        _register(station, result)
        return result


def _register(station: Station, package: VerifiedPackage) -> None:
    """Log, then record, the import in the replay register (audit-log-v1 §9)."""
    station.log.record(
        "package.registered",
        actor=None,
        package=package.package_id,
        counts={"sequence": package.sequence},
        detail={
            "agreement_sha256": package.agreement.sha256,
            "party": package.sender_seal.party,
            "seal_fingerprint": seal_fingerprint(package.sender_seal.identity),
        },
    )
    station.register.record(package)


def _receive_witness(station: Station, package: VerifiedPackage) -> bool:
    """Check and keep the sender's log checkpoint carried by the package (witnessing-v1).

    The sender is the agreement's party and its pinned seal key: the checkpoint must
    verify with that key and extend the log kept for it. A sender whose log was
    witnessed before must send a witness file again.
    """
    peer = PeerKey.of(package.agreement, package.sender_seal)
    if WITNESS_FILE not in package.hashes:
        if station.log.knows_peer(peer):
            raise WitnessError("audit.witness.missing", peer=peer.org)
        return False
    data = package.read(WITNESS_FILE)  # hashed again: the file may have changed since
    station.log.receive_witness_bundle(data, peer, package=package.package_id)
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
    with station.audited(action, **_opened(identity, groups, reason)) as op:
        verified = _verify_imported(station, op, path, identity, groups, stage, keep=True)
        stage("decrypt")
        tables = open_package(verified, identity.age_identities, groups)
    return verified, tables


def verify_imported(
    station: Station,
    path: Path,
    identity: UnlockedIdentity,
    groups: Sequence[str],
    *,
    action: str = "package.opened",
    reason: str | None = None,
    stage: Stage = quiet,
) -> VerifiedPackage:
    """Verify an imported package again before ``groups`` are streamed (audited): the
    caller then reads them with ``open_group_batches`` inside its own audited operation.
    No part is kept in memory: each is read again, hashed as it is decrypted."""
    with station.audited(action, **_opened(identity, groups, reason)) as op:
        return _verify_imported(station, op, path, identity, groups, stage, keep=False)


def _opened(
    identity: UnlockedIdentity, groups: Sequence[str], reason: str | None
) -> dict[str, Any]:
    detail = {"groups": ",".join(groups)}
    if reason is not None:
        detail["reason"] = reason
    return {"actor": key_actor(identity.public), "detail": detail}


def _verify_imported(
    station: Station,
    op: Operation,
    path: Path,
    identity: UnlockedIdentity,
    groups: Sequence[str],
    stage: Stage,
    *,
    keep: bool,
) -> VerifiedPackage:
    trusted = station.trust.all()
    stage("verify")
    verified = verify(
        path,
        trusted,
        replay=station.register.check(require_imported=True),
        check_expiry=False,
        keep_groups=groups if keep else (),
    )
    op.set_package(verified.package_id)
    _check_sender_name(verified)
    used = [identity.public.key_id, *(k.key_id for k in verified.signers)]
    check_use(station, verified.agreement, keys=used)
    if station.register.imported_digest(verified) != verified.sums_sha256:
        raise VerificationError("replay", "verify.changed_since_import")
    return verified
