"""Operations every station runs: set up the station, its keys and its agreements.

Every operation takes the command's :class:`~secure_exchange.station.station.Station`,
writes its audit event before it touches keys, agreements or personal data (fail closed:
no event, no operation) and returns values for the CLI to render. Pure work lives in the
lower layers (``trust``, ``package``, ``ledger``, ``pseudonym``, ``scoring``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date
from pathlib import Path

from secure_exchange import fsio as _fsio
from secure_exchange.errors import AgreementError, PassphraseError
from secure_exchange.station.home import StationInfo, init_station
from secure_exchange.station.statements import refuse_revoked_key
from secure_exchange.station.station import Station, key_actor
from secure_exchange.trust import (
    DEFAULT_HYBRID_GROUPS,
    Agreement,
    PublicIdentity,
    UnlockedIdentity,
    UnlockParts,
    new_agreement,
)

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
    station: Station,
    name: str,
    passphrase: PassphraseFn,
    parts: UnlockParts = "both",
    *,
    revoked_ok: bool = False,
) -> UnlockedIdentity:
    """Unlock the ``parts`` of an identity a command needs; each wrong passphrase is logged
    as a failure.

    A source that asks a person (its ``tries`` attribute, e.g. 3 on a terminal) is asked
    again after a wrong passphrase, up to that many times; others once. A revoked key is
    refused (lifecycle-v1 §3.2) unless ``revoked_ok``: statements of an agreement's end,
    which only restrict, may still be signed with it.
    """
    public = station.keyring.get(name)
    tries = max(1, int(getattr(passphrase, "tries", 1)))
    for attempt in range(1, tries + 1):
        try:
            with station.audited("key.unlocked", actor=key_actor(public), detail={"parts": parts}):
                if not revoked_ok:
                    refuse_revoked_key(station, public)
                station.keyring.require_private(name)  # refused before a passphrase is asked
                return station.keyring.unlock(name, passphrase(name), parts)
        except PassphraseError as exc:
            if exc.key != "keys.wrong_passphrase" or attempt == tries:
                raise
    raise AssertionError("not reached")  # pragma: no cover - the loop returns or raises


def unlock_all(
    station: Station,
    names: Sequence[str],
    passphrase: PassphraseFn,
    *,
    age_for: Collection[str] = (),
) -> list[UnlockedIdentity]:
    """Unlock the signers named, in order, each logged: their signing keys, and the age
    identity too of a key whose purpose is in ``age_for``."""
    return [
        unlock(
            station,
            name,
            passphrase,
            "both" if station.keyring.get(name).purpose in age_for else "signing",
        )
        for name in names
    ]


def export_public(station: Station, name: str, fmt: str) -> PublicIdentity:
    """A public key for export (logged, though it holds no secret)."""
    ident = station.keyring.get(name)
    with station.audited("key.exported", actor=key_actor(ident), detail={"format": fmt}):
        return ident


def export_age_identity(
    station: Station, name: str, passphrase: bytes, *, hybrid: bool = False
) -> str:
    """The secret age identity (with ``hybrid``, the ML-KEM-768 + X25519 one), for an
    auditor's check with a stock tool (logged)."""
    actor = key_actor(station.keyring.get(name))
    secret = "age-pq" if hybrid else "age"
    with station.audited("key.exported", actor=actor, detail={"secret": secret}):
        return station.keyring.export_age_identity(name, passphrase, hybrid=hybrid)


def agreement_new(
    station: Station,
    number: str,
    cards_a: Sequence[Path],
    cards_b: Sequence[Path],
    valid_from: date,
    valid_until: date,
    out: Path,
    *,
    hybrid: bool = True,
    max_unique_bp: int | None = None,
    retain_until: date | None = None,
) -> Agreement:
    """Draft an agreement from both parties' key cards and write it to ``out``.

    ``hybrid`` (the default) seals the identity group to post-quantum hybrid keys only;
    ``max_unique_bp`` caps the share of unique rows of the scoring groups (basis points).
    """
    a = [PublicIdentity.from_card(p.read_text(encoding="utf-8")) for p in cards_a]
    b = [PublicIdentity.from_card(p.read_text(encoding="utf-8")) for p in cards_b]
    with station.audited("agreement.created", detail={"number": number}):
        agreement = new_agreement(
            number,
            a,
            b,
            valid_from,
            valid_until,
            hybrid_groups=DEFAULT_HYBRID_GROUPS if hybrid else (),
            max_unique_bp=None
            if max_unique_bp is None
            else {"scoring": max_unique_bp, "evaluations": max_unique_bp},
            retain_until=retain_until,
        )
        _fsio.atomic_write(out, agreement.to_bytes())
    return agreement


def agreement_sign(
    station: Station,
    path: Path,
    name: str,
    passphrase: PassphraseFn,
    confirm: Callable[[Agreement], None] | None = None,
) -> Agreement:
    """Add this station's signature by key ``name`` to the agreement file in place.

    ``confirm`` is shown the parsed agreement before any key is unlocked, and raises to stop:
    what the person confirmed is exactly what gets signed.
    """
    agreement = Agreement.from_bytes(path.read_bytes())
    if confirm is not None:
        confirm(agreement)
    signer = unlock(station, name, passphrase, "signing")
    with station.audited(
        "agreement.signed",
        actor=key_actor(signer.public),
        detail={"number": agreement.number, "sha256": agreement.sha256[:16]},
    ):
        signed = agreement.sign(signer)
        _fsio.atomic_write(path, signed.to_bytes())
    return signed


def _sealed(agreement: Agreement) -> bool:
    try:
        agreement.check_sealed()
    except AgreementError:
        return False
    return True


def agreement_import(
    station: Station, path: Path, confirm: Callable[[Agreement], None] | None = None
) -> Agreement:
    """Trust an agreement that both parties' seals signed (``confirm`` as for signing)."""
    agreement = Agreement.from_bytes(path.read_bytes())
    if confirm is not None and _sealed(agreement):  # an unsealed one is refused below, logged
        confirm(agreement)
    detail = {"number": agreement.number, "sha256": agreement.sha256[:16]}
    with station.audited("agreement.imported", detail=detail):
        agreement.check_sealed()
        # Logged before it is trusted: a kill in between leaves the log ahead of the
        # trust store, never behind it (audit-log-v1 §9).
        station.log.record("agreement.registered", actor=None, detail=detail)
        station.trust.add(agreement)
    return agreement
