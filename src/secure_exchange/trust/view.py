"""What a person checks before trusting an agreement: its facts, flattened for display.

``agreement_view`` turns a parsed agreement into plain values (parties, each key's role and
fingerprint, who signed, thresholds, readers per column group, purpose, categories, dates),
so the terminal, the confirmation before signing or importing, and the printable page show
the same things, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

from secure_exchange.trust.agreement import DEFAULT_RECIPIENTS, Agreement

__all__ = ["AgreementView", "KeyLine", "PartyView", "agreement_view"]

_ROLE_ORDER = ("officer", "seal", "scoring", "reidentify")


@dataclass(frozen=True)
class KeyLine:
    """One key named by the agreement, as printed on the paper copy."""

    name: str
    role: str
    key_id: str
    fingerprint: str
    signed: bool


@dataclass(frozen=True)
class PartyView:
    """One party: its organisation, its keys, and the signatures a package of it needs."""

    party: str
    org: str
    keys: tuple[KeyLine, ...]
    thresholds: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class AgreementView:
    """Everything shown before an agreement is signed or trusted."""

    number: str
    title: str
    sha256: str
    purpose: str
    categories: tuple[str, ...]
    valid_from: str
    valid_until: str
    retain_until: str  # the last day the data may be kept (the validity's end if not set)
    parties: tuple[PartyView, PartyView]
    readers: tuple[tuple[str, tuple[str, ...]], ...]
    foreign_signatures: int


def agreement_view(agreement: Agreement) -> AgreementView:
    """The facts of ``agreement`` for display; signatures are counted only if they verify."""
    signed = {k.key_id for k in agreement.signed_by()}
    parties = tuple(_party(agreement, p, signed) for p in ("A", "B"))
    readers = tuple(
        (group, tuple(str(s) for s in selectors))
        for group, selectors in sorted(_recipients(agreement).items(), key=_group_rank)
    )
    return AgreementView(
        number=agreement.number,
        title=str(agreement.body.get("title", "")),
        sha256=agreement.sha256,
        purpose=agreement.purpose,
        categories=agreement.categories,
        valid_from=agreement.valid_from.isoformat(),
        valid_until=agreement.valid_until.isoformat(),
        retain_until=agreement.retention_end.isoformat(),
        parties=(parties[0], parties[1]),
        readers=readers,
        foreign_signatures=sum(1 for k in agreement.signatures if k not in signed),
    )


def _party(agreement: Agreement, party: str, signed: set[str]) -> PartyView:
    keys = sorted(
        (k for k in agreement.keys if k.party == party),
        key=lambda k: (_rank(k.role), k.identity.name),
    )
    lines = tuple(
        KeyLine(
            name=k.identity.name,
            role=k.role,
            key_id=k.key_id,
            fingerprint=k.identity.fingerprint,
            signed=k.key_id in signed,
        )
        for k in keys
    )
    need = sorted(agreement.thresholds(party).items(), key=lambda i: (_rank(i[0]), i[0]))
    return PartyView(party, agreement.party_org(party), lines, tuple(need))


def _recipients(agreement: Agreement) -> dict[str, list[str]]:
    table = agreement.body["recipients"]
    if not isinstance(table, dict):
        return {}
    return {str(g): [str(s) for s in v] for g, v in table.items() if isinstance(v, list)}


def _rank(role: str) -> int:
    return _ROLE_ORDER.index(role) if role in _ROLE_ORDER else len(_ROLE_ORDER)


def _group_rank(item: tuple[str, list[str]]) -> tuple[int, str]:
    order = list(DEFAULT_RECIPIENTS)
    return (order.index(item[0]) if item[0] in order else len(order), item[0])
