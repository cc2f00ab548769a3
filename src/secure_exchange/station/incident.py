"""``sx incident open|list|close``: a suspected leak or a lost stick (Annex 3 §三,
protocols/lifecycle-v1.md §3.4).

Opening an incident records what it is about (a code, never free text), when it happened,
which packages and media it touches, freezes the agreement at this station until a seal
key closes it (``lifecycle.check_use``), drops a lost stick from the media register, and
writes the signed notice for the other party. Notices travel like every statement: alone
on a stick or inside the next package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from secure_exchange import fsio as _fsio
from secure_exchange.errors import AgreementError
from secure_exchange.station.common import PassphraseFn
from secure_exchange.station.lifecycle import all_statements, issue, outgoing, own_signer
from secure_exchange.station.media import revoke_media
from secure_exchange.station.station import Station, key_actor
from secure_exchange.trust import KINDS, Statement, new_statement_id

__all__ = ["Incident", "close_incident", "list_incidents", "open_incident"]


@dataclass(frozen=True)
class Incident:
    """One incident as this station knows it: opened here or notified by the other party."""

    notice: Statement
    closing: Statement | None
    ours: bool

    @property
    def incident_id(self) -> str:
        """The incident's id (32 hex digits; listings show 8)."""
        return self.notice.text("incident")

    @property
    def is_open(self) -> bool:
        """Not closed by the party that opened it."""
        return self.closing is None


def open_incident(
    station: Station,
    number: str,
    what: str,
    when: date,
    passphrase: PassphraseFn,
    *,
    packages: Sequence[str] = (),
    media: Sequence[str] = (),
    ticket: str | None = None,
    signer_name: str | None = None,
    out_dir: Path | None = None,
) -> tuple[Statement, Path | None]:
    """Record an incident under agreement ``number`` and freeze it here (§3.4)."""
    agreement = station.trust.get(number)
    signer = own_signer(station, agreement, signer_name, passphrase, KINDS["incident.opened"])
    detail = {"number": agreement.number, "what": what}
    with station.audited("incident.opened", actor=key_actor(signer.public), detail=detail) as op:
        if what == "lost-media":
            media = [revoke_media(station, m) for m in media]  # the label is refused from now
        op.set_count("media", len(media))
        op.set_count("packages", len(packages))
        fields = {
            "incident": new_statement_id(),
            "what": what,
            "when": when.isoformat(),
            "packages": sorted(set(packages)),
            "media": sorted({m.lower() for m in media}),
            "ticket": ticket or "",
        }
        notice, path = issue(station, "incident.opened", agreement, signer, fields, out_dir)
        if out_dir is not None:  # the bundle: with it, every statement of this party about
            for name, data in outgoing(station, agreement).items():  # the agreement (§3.4)
                _fsio.atomic_write(out_dir / name, data)
        return notice, path


def list_incidents(station: Station) -> list[Incident]:
    """Every incident opened here or notified to this station, oldest first (audited)."""
    party = station.info.party
    with station.audited("incident.listed") as op:
        held = [s for s, _a in all_statements(station)]
        closings = {
            (s.party, s.text("incident")): s for s in held if s.kind == "incident.closed"
        }  # a closing counts only from the party that opened the incident
        found = [
            Incident(s, closings.get((s.party, s.text("incident"))), s.party == party)
            for s in held
            if s.kind == "incident.opened"
        ]
        op.set_count("incidents", len(found))
        op.set_count("open", sum(i.is_open for i in found))
    return found


def close_incident(
    station: Station,
    wanted: str,
    passphrase: PassphraseFn,
    *,
    signer_name: str | None = None,
    out_dir: Path | None = None,
) -> tuple[Statement, Path | None]:
    """Close an open incident of this party with its seal: the agreement thaws here."""
    party = station.info.party
    matches = [
        (s, a)
        for s, a in all_statements(station)
        if s.kind == "incident.opened"
        and s.party == party
        and len(wanted) >= 8
        and s.text("incident").startswith(wanted.lower())
    ]
    if len(matches) != 1:
        raise AgreementError("lifecycle.no_incident", incident=wanted[:32])
    notice, agreement = matches[0]
    incident = notice.text("incident")
    closed = any(
        s.kind == "incident.closed" and s.party == party and s.text("incident") == incident
        for s, _a in all_statements(station)
    )
    if closed:
        raise AgreementError("lifecycle.incident_closed", incident=incident[:8])
    signer = own_signer(station, agreement, signer_name, passphrase)
    detail = {"number": agreement.number, "incident.digest": incident}
    with station.audited("incident.closed", actor=key_actor(signer.public), detail=detail):
        return issue(station, "incident.closed", agreement, signer, {"incident": incident}, out_dir)
