"""The end of an agreement at a station: revocations, retention, and the statements that
travel between the parties (protocols/lifecycle-v1.md).

Every signed statement this station issued or received is kept under
``HomeLayout.lifecycle`` and checked again, against the agreement's pinned keys, each time
it is read. ``check_use`` is what every command that uses an agreement asks first: a
revoked or destroyed agreement, one frozen by an open incident, a revoked key, or a day
past the retention end is refused; the last weeks before the retention end add a warning
to the station's notices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from secure_exchange import fsio as _fsio
from secure_exchange.errors import AgreementError, Problem
from secure_exchange.package import VerifiedPackage
from secure_exchange.station.common import PassphraseFn, unlock
from secure_exchange.station.statements import all_statements
from secure_exchange.station.station import Station, key_actor
from secure_exchange.trust import (
    Agreement,
    AgreementKey,
    Statement,
    UnlockedIdentity,
    label,
    statement_file_name,
)

__all__ = [
    "RETENTION_WARNING_DAYS",
    "Standing",
    "all_statements",
    "check_use",
    "issue",
    "outgoing",
    "own_signer",
    "receive_carried",
    "receive_statement",
    "revoke_agreement",
    "revoke_key",
    "standing",
    "store_statement",
]

RETENTION_WARNING_DAYS = 30
"""From this many days before the retention end, every use of the agreement warns."""
_MAX_STATEMENT = 64 * 1024


@dataclass(frozen=True)
class Standing:
    """What the statements held here say about one agreement."""

    agreement: Agreement
    revoked: Statement | None = None
    destroyed: Statement | None = None
    open_incidents: tuple[Statement, ...] = ()
    revoked_keys: Mapping[str, Statement] = field(default_factory=dict)
    statements: tuple[Statement, ...] = ()


def standing(station: Station, agreement: Agreement) -> Standing:
    """The standing of ``agreement`` at this station; revoked keys count across agreements."""
    held = all_statements(station)
    own = tuple(s for s, a in held if a.sha256 == agreement.sha256)
    party = station.info.party
    # only the party that opened an incident closes it (§3.4): the other side's seal cannot
    closed = {s.text("incident") for s in own if s.kind == "incident.closed" and s.party == party}
    return Standing(
        agreement,
        revoked=next((s for s in own if s.kind == "agreement.revoked"), None),
        destroyed=next((s for s in own if s.kind == "destroyed" and s.party == party), None),
        open_incidents=tuple(
            s
            for s in own
            if s.kind == "incident.opened" and s.party == party and s.text("incident") not in closed
        ),
        revoked_keys={
            str(s.body["key"]["key_id"]): s  # type: ignore[index]
            for s, _a in held
            if s.kind == "key.revoked"
        },
        statements=own,
    )


def check_use(
    station: Station,
    agreement: Agreement,
    *,
    keys: Iterable[str] = (),
    today: date | None = None,
) -> Standing:
    """Refuse a use of ``agreement`` its end forbids (§5.1); warn near the retention end.

    Args:
        station: the station.
        agreement: the agreement the command works under.
        keys: minisign key ids the command signs, decrypts or verifies with.
        today: the day to judge retention by (injected for tests).

    Raises:
        AgreementError: ``lifecycle.destroyed``, ``lifecycle.revoked``, ``lifecycle.frozen``,
            ``lifecycle.key_revoked`` or ``lifecycle.retention_over``.
    """
    today = today or datetime.now(UTC).date()
    found = standing(station, agreement)
    number = agreement.number
    if found.destroyed is not None:
        raise AgreementError("lifecycle.destroyed", number=number, day=found.destroyed.issued[:10])
    if found.revoked is not None:
        raise AgreementError(
            "lifecycle.revoked",
            number=number,
            day=found.revoked.issued[:10],
            reason=label(found.revoked.text("reason")),
        )
    if found.open_incidents:
        incident = found.open_incidents[0].text("incident")[:8]
        raise AgreementError("lifecycle.frozen", number=number, incident=incident)
    for key_id in keys:
        if key_id in found.revoked_keys:
            key = agreement.key(key_id)
            name = key.identity.name if key is not None else key_id
            raise AgreementError("lifecycle.key_revoked", name=name, number=number)
    end = agreement.retention_end
    if today > end:
        raise AgreementError("lifecycle.retention_over", number=number, end=end.isoformat())
    left = (end - today).days
    if left <= RETENTION_WARNING_DAYS:
        warning = Problem(
            "lifecycle.retention_near",
            {"number": number, "end": end.isoformat(), "days": left},
            level="warning",
        )
        if warning not in station.notices:
            station.notices.append(warning)
    return found


# --------------------------------------------------------------------------- issuing


def own_signer(
    station: Station,
    agreement: Agreement,
    name: str | None,
    passphrase: PassphraseFn,
    roles: Sequence[str] = ("seal",),
) -> UnlockedIdentity:
    """Unlock this station's key ``name`` (default: its only key of ``roles`` that the
    agreement pins for this station's party).

    Raises:
        AgreementError: ``lifecycle.no_signer`` / ``lifecycle.choose_signer``.
    """
    party = station.info.party
    own = {k.name for k in station.keyring.list()}
    pinned: list[AgreementKey] = [
        k for k in agreement.keys if k.party == party and k.role in roles and k.identity.name in own
    ]
    if name is None:
        if len(pinned) != 1:
            names = ", ".join(k.identity.name for k in pinned)
            key = "lifecycle.choose_signer" if pinned else "lifecycle.no_signer"
            raise AgreementError(key, number=agreement.number, names=names or "-")
        name = pinned[0].identity.name
    public = station.keyring.get(name)
    if not any(k.key_id == public.key_id for k in pinned):
        raise AgreementError("lifecycle.no_signer", number=agreement.number, names=name)
    return unlock(station, name, passphrase, revoked_ok=True)  # an end only restricts


def store_statement(station: Station, statement: Statement) -> bool:
    """Keep ``statement`` (durably); ``False`` if it was held already."""
    root = station.layout.lifecycle
    path = root / f"{statement.statement_id}.json"
    if path.exists():
        return False
    root.mkdir(parents=True, exist_ok=True)
    _fsio.atomic_write(path, statement.to_bytes())
    return True


def write_out(statement: Statement, out_dir: Path | None) -> Path | None:
    """Write ``statement`` into ``out_dir`` (the stick) to travel alone; its path."""
    if out_dir is None:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / statement_file_name(statement.statement_id)  # named by its random id
    if path.exists() and path.read_bytes() == statement.to_bytes():
        return path  # written before (a command run again): nothing to replace
    _fsio.check_output(path, (), force=False)  # never over another file
    _fsio.atomic_write(path, statement.to_bytes())
    return path


def issue(
    station: Station,
    kind: str,
    agreement: Agreement,
    signer: UnlockedIdentity,
    fields: Mapping[str, object],
    out_dir: Path | None,
) -> tuple[Statement, Path | None]:
    """Sign, keep and (with ``out_dir``) write a statement, inside the caller's audited
    operation (whose begin event is already in the log). The statement is kept before its
    own record is written, so the log never names a statement the station does not hold
    (audit-log-v1 §9: a kill in between leaves the store ahead of the log); if the record
    cannot be written, the statement is taken back and the operation fails."""
    statement = Statement.issue(kind, agreement, signer, fields)
    kept = store_statement(station, statement)
    try:
        station.log.record(
            "statement.issued",
            actor=key_actor(signer.public),
            detail=_detail(statement),
        )
    except BaseException:
        if kept:
            (station.layout.lifecycle / f"{statement.statement_id}.json").unlink(missing_ok=True)
        raise
    return statement, write_out(statement, out_dir)


def _detail(statement: Statement) -> dict[str, str]:
    detail = {
        "kind": statement.kind,
        "statement.digest": statement.sha256,
        "agreement": statement.agreement_number,
        "agreement_sha256": statement.agreement_sha256,
        "party": statement.party,
    }
    for name in ("reason", "what"):
        if statement.text(name):
            detail[name] = statement.text(name)
    if statement.kind == "key.revoked":
        detail["key.fingerprint"] = str(statement.body["key"]["fingerprint"])  # type: ignore[index]
    if statement.kind.startswith("incident."):
        detail["incident.digest"] = statement.text("incident")
    return detail


def revoke_agreement(
    station: Station,
    number: str,
    reason: str,
    passphrase: PassphraseFn,
    *,
    signer_name: str | None = None,
    out_dir: Path | None = None,
) -> tuple[Statement, Path | None]:
    """``sx agreement revoke``: this party's seal ends the agreement (§3.1), here at once
    and at the other party when the statement arrives."""
    agreement = station.trust.get(number)
    signer = own_signer(station, agreement, signer_name, passphrase)
    detail = {"number": agreement.number, "reason": reason}
    with station.audited("agreement.revoked", actor=key_actor(signer.public), detail=detail):
        if standing(station, agreement).revoked is not None:
            raise AgreementError("lifecycle.already_revoked", number=agreement.number)
        return issue(station, "agreement.revoked", agreement, signer, {"reason": reason}, out_dir)


def revoke_key(
    station: Station,
    name: str,
    reason: str,
    passphrase: PassphraseFn,
    *,
    signer_name: str | None = None,
    out_dir: Path | None = None,
) -> list[tuple[Statement, Path | None]]:
    """``sx keys revoke``: one statement per trusted agreement that pins key ``name``
    (§3.2), each signed by this party's seal for that agreement."""
    public = station.keyring.get(name)
    agreements = [(a, k) for a in station.trust.all() if (k := a.key(public.key_id)) is not None]
    if not agreements:
        raise AgreementError("lifecycle.key_in_no_agreement", name=name)
    done = []
    detail = {"key": name, "reason": reason}
    with station.audited("key.revoked", actor=key_actor(public), detail=detail) as op:
        for agreement, key in agreements:
            signer = own_signer(station, agreement, signer_name, passphrase)
            fields = {
                "reason": reason,
                "key": {
                    "key_id": key.key_id,
                    "fingerprint": public.fingerprint,
                    "name": public.name,
                    "role": key.role,
                },
            }
            done.append(issue(station, "key.revoked", agreement, signer, fields, out_dir))
        op.set_count("agreements", len(done))
    return done


# --------------------------------------------------------------------------- receiving


def receive_statement(station: Station, path: Path) -> Statement:
    """``sx import STATEMENT``: check a statement that travelled alone and keep it (§4)."""
    with station.audited("statement.received", detail={"file": path.name}) as op:
        with path.open("rb") as fh:  # bounded: a statement is small
            data = fh.read(_MAX_STATEMENT + 1)
        if len(data) > _MAX_STATEMENT:
            raise AgreementError("statement.malformed", what="size")
        statement = Statement.from_bytes(data)
        agreement = _trusted(station, statement)
        signer = statement.signer(agreement)
        for key, value in _detail(statement).items():
            op.set_detail(key, value)
        op.set_detail("signer.fingerprint", signer.identity.fingerprint)
        op.set_detail("new", "yes" if store_statement(station, statement) else "no")
    return statement


def _trusted(station: Station, statement: Statement) -> Agreement:
    for agreement in station.trust.all():
        if agreement.sha256 == statement.agreement_sha256:
            return agreement
    raise AgreementError("agreement.not_trusted", number=statement.agreement_number)


def receive_carried(station: Station, package: VerifiedPackage) -> int:
    """Check and keep the statements a verified package carries (§4), each logged; the
    number new here."""
    new = 0
    for name in package.manifest.extra_files:
        if not name.startswith("sx-statement-"):
            continue
        statement = Statement.from_bytes(package.read(name))  # hashed again as it is read
        signer = statement.signer(package.agreement)
        if statement.party != package.sender.party:
            raise AgreementError("statement.signer_not_pinned", kind=statement.kind)
        if store_statement(station, statement):
            new += 1
            station.log.record(
                "statement.received",
                actor=None,
                package=package.package_id,
                detail={**_detail(statement), "signer.fingerprint": signer.identity.fingerprint},
            )
    return new


def outgoing(station: Station, agreement: Agreement) -> dict[str, bytes]:
    """This party's statements about ``agreement``, to travel inside its next package."""
    party = station.info.party
    return {
        statement_file_name(s.statement_id): s.to_bytes()
        for s in standing(station, agreement).statements
        if s.party == party
    }
