"""Station operations as the CLI runs them: each one audited first, then carried out.

Every function here takes the station's home folder and plain values, writes its audit event
before it touches keys, agreements or personal data (fail closed: no event, no operation),
and returns values for the CLI to render. Pure work lives in ``package``, ``agreement``,
``pseudonym``, ``ledger`` and ``scoring``.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from secure_exchange import package as pkg
from secure_exchange.agreement import Agreement, TrustStore, new_agreement
from secure_exchange.errors import PackageError, VerificationError
from secure_exchange.home import Station, init_station, load_station
from secure_exchange.keys import Keyring, PublicIdentity, UnlockedIdentity
from secure_exchange.register import ReplayRegister, SequenceCounter

__all__ = [
    "PassphraseFn",
    "agreement_import",
    "agreement_new",
    "agreement_sign",
    "create_key",
    "export_age_identity",
    "import_package",
    "init",
    "open_imported",
    "seal_groups",
    "unlock",
    "verify_package",
]

PassphraseFn = Callable[[str], bytes]


def _actor(identity: PublicIdentity | None = None) -> dict[str, str]:
    if identity is None:
        return {"name": _os_user(), "fingerprint": ""}
    return {"name": identity.name, "fingerprint": identity.fingerprint}


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


@contextmanager
def audited(
    home: Path,
    action: str,
    *,
    actor: Mapping[str, str] | None = None,
    package: str | None = None,
    counts: Mapping[str, int] | None = None,
    detail: Mapping[str, str] | None = None,
) -> Iterator[object]:
    """Write the begin event durably, run the body, write the end event (fail closed)."""
    from secure_exchange import audit  # the log is optional only for ``sx init`` of a new home

    log = audit.AuditLog.open(home)
    with log.operation(
        action,
        actor=dict(actor) if actor is not None else _actor(),
        package=package,
        counts=dict(counts or {}),
        detail=dict(detail or {}),
    ) as op:
        yield op


def init(home: Path, org: str, role: str) -> Station:
    """Create the station and write the first event of its log."""
    station = init_station(home, org, role)
    with audited(home, "init", detail={"role": role}):
        pass
    return station


def create_key(
    home: Path, name: str, purpose: str, passphrase: bytes, *, cost: str = "standard"
) -> PublicIdentity:
    """Create an identity at this station."""
    station = load_station(home)
    with audited(home, "key.created", detail={"key": name, "purpose": purpose}):
        return Keyring(home).create(name, station.org, purpose, passphrase, cost=cost)


def unlock(home: Path, name: str, passphrase: PassphraseFn) -> UnlockedIdentity:
    """Unlock an identity; a wrong passphrase is logged as a failure."""
    ring = Keyring(home)
    public = ring.get(name)
    with audited(home, "key.unlocked", actor=_actor(public)):
        return ring.unlock(name, passphrase(name))


def export_age_identity(home: Path, name: str, passphrase: bytes) -> str:
    """The secret age identity, for an auditor's stock-tool check (logged)."""
    ring = Keyring(home)
    with audited(home, "key.exported", actor=_actor(ring.get(name)), detail={"secret": "age"}):
        return ring.export_age_identity(name, passphrase)


def agreement_new(
    home: Path,
    number: str,
    cards_a: Sequence[Path],
    cards_b: Sequence[Path],
    valid_from: date,
    valid_until: date,
    out: Path,
) -> Agreement:
    """Draft an agreement from both parties' key cards and write it to ``out``."""
    from secure_exchange import _fsio

    a = [PublicIdentity.from_card(p.read_text(encoding="utf-8")) for p in cards_a]
    b = [PublicIdentity.from_card(p.read_text(encoding="utf-8")) for p in cards_b]
    with audited(home, "agreement.created", detail={"number": number}):
        agreement = new_agreement(number, a, b, valid_from, valid_until)
        _fsio.atomic_write(out, agreement.to_bytes())
    return agreement


def agreement_sign(home: Path, path: Path, name: str, passphrase: PassphraseFn) -> Agreement:
    """Add this station's signature by key ``name`` to the agreement file in place."""
    from secure_exchange import _fsio

    agreement = Agreement.from_bytes(path.read_bytes())
    signer = unlock(home, name, passphrase)
    with audited(
        home,
        "agreement.signed",
        actor=_actor(signer.public),
        detail={"number": agreement.number, "sha256": agreement.sha256[:16]},
    ):
        signed = agreement.sign(signer)
        _fsio.atomic_write(path, signed.to_bytes())
    return signed


def agreement_import(home: Path, path: Path) -> Agreement:
    """Trust an agreement that both parties' seals signed."""
    agreement = Agreement.from_bytes(path.read_bytes())
    with audited(
        home,
        "agreement.imported",
        detail={"number": agreement.number, "sha256": agreement.sha256[:16]},
    ):
        TrustStore(home).add(agreement)
    return agreement


def seal_groups(
    home: Path,
    groups: Mapping[str, pa.Table],
    categories: Mapping[str, Sequence[str]],
    agreement_number: str,
    signers: Sequence[UnlockedIdentity],
    out_dir: Path,
    *,
    extra_files: Mapping[str, bytes] | None = None,
    detail: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> pkg.VerifiedPackage:
    """Seal column groups into a package under the named agreement (audited)."""
    station = load_station(home)
    if station.party is None:
        raise PackageError("package.station_cannot_seal", role=station.role)
    agreement = TrustStore(home).get(agreement_number)
    counts = {f"rows.{g}": t.num_rows for g, t in groups.items()}
    with audited(
        home,
        "package.sealed",
        actor=_actor(signers[0].public if signers else None),
        counts=counts,
        detail={"agreement": agreement.number, **(detail or {})},
    ) as op:
        agreement.check_in_force(datetime.now(UTC).date())
        sequence = SequenceCounter(home).next(agreement.sha256)
        result = pkg.seal(
            groups,
            agreement,
            signers,
            out_dir=out_dir,
            sender=pkg.Sender(station.party, station.org),
            sequence=sequence,
            categories=categories,
            extra_files=extra_files,
            progress=progress,
        )
        _set_package(op, result.package_id)
    return result


def _set_package(op: object, package_id: str) -> None:
    if hasattr(op, "package"):
        op.package = package_id


def verify_package(home: Path, path: Path) -> pkg.VerifiedPackage:
    """Verify a package against this station's trusted agreements and replay register."""
    trusted = TrustStore(home).all()
    with audited(home, "package.verified", detail={"folder": path.name}) as op:
        result = pkg.verify(path, trusted, replay=ReplayRegister(home).check())
        _set_package(op, result.package_id)
    return result


def import_package(home: Path, path: Path) -> pkg.VerifiedPackage:
    """Verify and record a package so a replay or an older one is refused next time."""
    trusted = TrustStore(home).all()
    register = ReplayRegister(home)
    with audited(home, "package.imported", detail={"folder": path.name}) as op:
        result = pkg.verify(path, trusted, replay=register.check())
        _set_package(op, result.package_id)
        register.record(result)
    return result


def open_imported(
    home: Path,
    path: Path,
    identity: UnlockedIdentity,
    groups: Sequence[str],
    *,
    action: str = "package.opened",
    reason: str | None = None,
) -> tuple[pkg.VerifiedPackage, dict[str, pa.Table]]:
    """Verify an imported package again and decrypt the named groups in memory (audited)."""
    trusted = TrustStore(home).all()
    register = ReplayRegister(home)
    detail = {"groups": ",".join(groups)}
    if reason is not None:
        detail["reason"] = reason
    with audited(home, action, actor=_actor(identity.public), detail=detail) as op:
        verified = pkg.verify(
            path, trusted, replay=register.check(require_imported=True), check_expiry=False
        )
        _set_package(op, verified.package_id)
        recorded = register.imported_digest(
            verified.agreement.sha256, verified.sender.station, verified.package_id
        )
        if recorded != verified.sums_sha256:
            raise VerificationError("replay", "verify.changed_since_import")
        tables = pkg.open_package(verified, [identity.age_identity], groups)
    return verified, tables
