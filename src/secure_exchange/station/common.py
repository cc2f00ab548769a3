"""Operations every station runs: set up the station, its keys and its agreements.

Every operation takes the command's :class:`~secure_exchange.station.station.Station`,
writes its audit event before it touches keys, agreements or personal data (fail closed:
no event, no operation) and returns values for the CLI to render. Pure work lives in the
lower layers (``trust``, ``package``, ``ledger``, ``pseudonym``, ``scoring``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from secure_exchange import fsio as _fsio
from secure_exchange.station.home import StationInfo, init_station
from secure_exchange.station.statements import refuse_revoked_key
from secure_exchange.station.station import Station, key_actor
from secure_exchange.trust import Agreement, PublicIdentity, UnlockedIdentity, new_agreement

__all__ = [
    "PassphraseFn",
    "Stage",
    "agreement_import",
    "agreement_new",
    "agreement_sign",
    "create_key",
    "export_age_identity",
    "export_public",
    "init",
    "quiet",
    "unlock",
    "unlock_all",
]

PassphraseFn = Callable[[str], bytes]
Stage = Callable[[str], None]  # told "verify", "decrypt", "score", "write" as work moves on


def quiet(_stage: str) -> None:
    """The default stage callback: say nothing."""


def init(station: Station, org: str, role: str) -> StationInfo:
    """Create the station and write the first event of its log."""
    info = init_station(station.home, org, role)
    station.initialised(info)
    with station.audited("init", detail={"role": role}):
        pass
    return info


def create_key(
    station: Station, name: str, purpose: str, passphrase: bytes, *, cost: str = "standard"
) -> PublicIdentity:
    """Create an identity at this station."""
    org = station.info.org
    with station.audited("key.created", detail={"key": name, "purpose": purpose}):
        return station.keyring.create(name, org, purpose, passphrase, cost=cost)


def unlock(
    station: Station, name: str, passphrase: PassphraseFn, *, revoked_ok: bool = False
) -> UnlockedIdentity:
    """Unlock an identity; a wrong passphrase is logged as a failure.

    A revoked key is refused (lifecycle-v1 §3.2) unless ``revoked_ok``: statements of an
    agreement's end, which only restrict, may still be signed with it.
    """
    public = station.keyring.get(name)
    with station.audited("key.unlocked", actor=key_actor(public)):
        if not revoked_ok:
            refuse_revoked_key(station, public)
        station.keyring.require_private(name)  # refused before the passphrase is asked for
        return station.keyring.unlock(name, passphrase(name))


def unlock_all(
    station: Station, names: Sequence[str], passphrase: PassphraseFn
) -> list[UnlockedIdentity]:
    """Unlock the signers named, in order, each logged."""
    return [unlock(station, name, passphrase) for name in names]


def export_public(station: Station, name: str, fmt: str) -> PublicIdentity:
    """A public key for export (logged, though it holds no secret)."""
    ident = station.keyring.get(name)
    with station.audited("key.exported", actor=key_actor(ident), detail={"format": fmt}):
        return ident


def export_age_identity(station: Station, name: str, passphrase: bytes) -> str:
    """The secret age identity, for an auditor's stock-tool check (logged)."""
    actor = key_actor(station.keyring.get(name))
    with station.audited("key.exported", actor=actor, detail={"secret": "age"}):
        return station.keyring.export_age_identity(name, passphrase)


def agreement_new(
    station: Station,
    number: str,
    cards_a: Sequence[Path],
    cards_b: Sequence[Path],
    valid_from: date,
    valid_until: date,
    out: Path,
    *,
    retain_until: date | None = None,
) -> Agreement:
    """Draft an agreement from both parties' key cards and write it to ``out``."""
    a = [PublicIdentity.from_card(p.read_text(encoding="utf-8")) for p in cards_a]
    b = [PublicIdentity.from_card(p.read_text(encoding="utf-8")) for p in cards_b]
    with station.audited("agreement.created", detail={"number": number}):
        agreement = new_agreement(number, a, b, valid_from, valid_until, retain_until=retain_until)
        _fsio.atomic_write(out, agreement.to_bytes())
    return agreement


def agreement_sign(station: Station, path: Path, name: str, passphrase: PassphraseFn) -> Agreement:
    """Add this station's signature by key ``name`` to the agreement file in place."""
    agreement = Agreement.from_bytes(path.read_bytes())
    signer = unlock(station, name, passphrase)
    with station.audited(
        "agreement.signed",
        actor=key_actor(signer.public),
        detail={"number": agreement.number, "sha256": agreement.sha256[:16]},
    ):
        signed = agreement.sign(signer)
        _fsio.atomic_write(path, signed.to_bytes())
    return signed


def agreement_import(station: Station, path: Path) -> Agreement:
    """Trust an agreement that both parties' seals signed."""
    agreement = Agreement.from_bytes(path.read_bytes())
    detail = {"number": agreement.number, "sha256": agreement.sha256[:16]}
    with station.audited("agreement.imported", detail=detail):
        agreement.check_sealed()
        # Logged before it is trusted: a kill in between leaves the log ahead of the
        # trust store, never behind it (audit-log-v1 §9).
        station.log.record("agreement.registered", actor=None, detail=detail)
        station.trust.add(agreement)
    return agreement
