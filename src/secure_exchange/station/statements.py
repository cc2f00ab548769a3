"""The signed statements a station holds (protocols/lifecycle-v1.md §5), read and checked.

Kept apart from ``lifecycle`` so that unlocking a key (``common.unlock``) can refuse a
revoked one without an import cycle.
"""

from __future__ import annotations

from pathlib import Path

from secure_exchange.errors import AgreementError, IdentityError, SecureExchangeError
from secure_exchange.station.station import Station
from secure_exchange.trust import Agreement, PublicIdentity, Statement

__all__ = ["all_statements", "refuse_revoked_key"]


def _statement_files(station: Station) -> list[Path]:
    root = station.layout.lifecycle
    return sorted(root.glob("*.json")) if root.is_dir() else []


def _load(path: Path) -> Statement:
    try:
        return Statement.from_bytes(path.read_bytes())
    except (OSError, AgreementError) as exc:
        raise SecureExchangeError("home.unreadable", path=path, error=type(exc).__name__) from exc


def all_statements(station: Station) -> list[tuple[Statement, Agreement]]:
    """Every statement held here with its trusted agreement, each checked again (§5).

    Raises:
        SecureExchangeError: ``home.unreadable`` naming a statement file that no longer
            parses or verifies, ``home.statement_missing`` when the access log records a
            statement issued or received here that the station no longer holds (both fail
            closed).
    """
    trusted = {a.sha256: a for a in station.trust.all()}
    found = []
    held = set()
    for path in _statement_files(station):
        statement = _load(path)
        held.add(statement.sha256)
        agreement = trusted.get(statement.agreement_sha256)
        if agreement is None:
            continue  # about an agreement no longer trusted here: nothing left to refuse
        try:
            statement.signer(agreement)
        except AgreementError as exc:  # changed on disk since it was checked and kept
            raise SecureExchangeError("home.unreadable", path=path, error=exc.key) from exc
        found.append((statement, agreement))
    missing = sorted(station.logged_statements - held)
    if missing:  # deleted: a revocation gone would end its refusal unseen (fail closed)
        raise SecureExchangeError(
            "home.statement_missing", count=len(missing), statement=missing[0][:16]
        )
    return sorted(found, key=lambda pair: pair[0].issued)


def refuse_revoked_key(station: Station, key: PublicIdentity) -> None:
    """Refuse to unlock a key that a statement held here revoked (lifecycle-v1 §3.2).

    Raises:
        IdentityError: ``lifecycle.key_revoked_here``.
    """
    for statement, _agreement in all_statements(station):
        revoked = statement.body.get("key") if statement.kind == "key.revoked" else None
        if isinstance(revoked, dict) and revoked.get("key_id") == key.key_id:
            raise IdentityError(
                "lifecycle.key_revoked_here", name=key.name, day=statement.issued[:10]
            )
