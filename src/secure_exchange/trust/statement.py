"""Signed statements about an agreement's life (protocols/lifecycle-v1.md): revocations,
destruction certificates, incident notices and their closing.

A statement is one small canonical-JSON body signed with minisign by a key that the
agreement pins for the issuing party, like the agreement itself. Whoever holds the
agreement can check it, on either side and with stock ``minisign`` (§2); what a statement
may say and which role may sign it is fixed here (``KINDS``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from secure_exchange.errors import AgreementError, VerificationError
from secure_exchange.formats.canonjson import JsonError, as_obj, canonical_json, loads
from secure_exchange.formats.canonjson import utc_timestamp as _utc_timestamp
from secure_exchange.i18n import has_message, t
from secure_exchange.trust.agreement import Agreement, AgreementKey
from secure_exchange.trust.keys import UnlockedIdentity

__all__ = [
    "INCIDENT_KINDS",
    "KINDS",
    "REVOKE_REASONS",
    "STATEMENT_FORMAT",
    "Statement",
    "label",
    "new_statement_id",
    "statement_file_name",
]

STATEMENT_FORMAT = "sx-statement-v1"
_SEAL = ("seal",)
_ANY = ("officer", "seal", "scoring", "reidentify")
KINDS: Mapping[str, tuple[str, ...]] = {
    "agreement.revoked": _SEAL,  # §3.1 the party ends the agreement
    "key.revoked": _SEAL,  # §3.2 one of the party's keys may no longer be used
    "destroyed": _SEAL,  # §3.3 the destruction certificate
    "incident.opened": _ANY,  # §3.4 any key of the party may raise the alarm ...
    "incident.closed": _SEAL,  # ... only its seal ends it
}
"""Each kind of statement and the roles of the issuing party that may sign it."""
REVOKE_REASONS = ("ended", "breach", "compromised", "lost", "staff-change", "replaced")
"""Codes a revocation gives (§3.1, §3.2); free text could carry personal data."""
INCIDENT_KINDS = ("leak", "lost-media", "lost-device", "other")
"""What an incident is about (§3.4)."""
_ID_RE = re.compile(r"[0-9a-f]{32}")
_PACKAGE_RE = re.compile(r"[0-9]{8}-[a-z]{20}")
_MEDIA_RE = re.compile(r"[0-9a-f]{8,64}")
_TICKET_RE = re.compile(r"[A-Za-z0-9-]{1,32}")
_MAX_ITEMS = 256
_DIGIT_RUN = re.compile(r"[0-9]{11,}")


def label(code: str) -> str:
    """A reason, kind or incident code as the reader's language says it
    (``lifecycle.label.<code>``, dots as hyphens); the code itself when it has no label."""
    key = "lifecycle.label." + code.replace(".", "-")
    return t(key) if has_message(key) else code


def new_statement_id() -> str:
    """32 random hex digits with no run of 11 digits (audit events refuse such runs: they
    look like phone or ID numbers)."""
    while True:
        candidate = os.urandom(16).hex()
        if not _DIGIT_RUN.search(candidate):
            return candidate


def statement_file_name(statement_id: str) -> str:
    """The file a statement travels in, alone on the stick or inside a package (§1)."""
    return f"sx-statement-{statement_id[:16]}.json"


@dataclass(frozen=True)
class Statement:
    """A parsed statement: its body, and the key id and minisign text of its signature."""

    body: Mapping[str, object]
    key_id: str
    minisig: str

    # -- fields -----------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """One of ``KINDS``."""
        return str(self.body["kind"])

    @property
    def statement_id(self) -> str:
        """32 random hex digits naming this statement."""
        return str(self.body["id"])

    @property
    def party(self) -> str:
        """The issuing party, ``A`` or ``B``."""
        return str(self.body["party"])

    @property
    def issued(self) -> str:
        """When it was signed (UTC, ``YYYY-MM-DDTHH:MM:SSZ``)."""
        return str(self.body["issued"])

    @property
    def agreement_sha256(self) -> str:
        """The agreement it is about, by the hash of its body."""
        return str(as_obj(self.body["agreement"])["sha256"])

    @property
    def agreement_number(self) -> str:
        """The agreement's number as the issuer wrote it."""
        return str(as_obj(self.body["agreement"])["number"])

    def text(self, name: str) -> str:
        """A string field of the body ("" when absent)."""
        value = self.body.get(name, "")
        return value if isinstance(value, str) else ""

    def items(self, name: str) -> tuple[str, ...]:
        """A list-of-strings field of the body (empty when absent)."""
        value = self.body.get(name, [])
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    def counts(self) -> dict[str, int]:
        """The certificate's counts of what was destroyed (empty for other kinds)."""
        value = self.body.get("counts", {})
        return {str(k): int(v) for k, v in as_obj(value).items()} if value else {}

    @property
    def body_bytes(self) -> bytes:
        """Canonical JSON of the body: what the key signs."""
        return canonical_json(self.body)

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the canonical body."""
        return hashlib.sha256(self.body_bytes).hexdigest()

    # -- signing and checking ---------------------------------------------------------------
    @classmethod
    def issue(
        cls,
        kind: str,
        agreement: Agreement,
        signer: UnlockedIdentity,
        fields: Mapping[str, object],
        *,
        now: datetime | None = None,
        statement_id: str | None = None,
    ) -> Statement:
        """Sign a new statement of ``kind`` about ``agreement`` by ``signer`` (§2).

        Raises:
            AgreementError: the signer is not a key of the agreement that may sign this kind.
        """
        key = agreement.key(signer.public.key_id)
        if key is None or key.role not in KINDS[kind]:
            raise AgreementError("statement.signer_role", name=signer.public.name, kind=label(kind))
        body: dict[str, object] = {
            **fields,
            "kind": kind,
            "id": statement_id or new_statement_id(),
            "issued": _utc_timestamp(now),
            "party": key.party,
            "org": agreement.party_org(key.party),
            "agreement": {"number": agreement.number, "sha256": agreement.sha256},
        }
        try:
            _validate(body)
        except (ValueError, KeyError, TypeError) as exc:
            raise AgreementError("statement.malformed", what=str(exc)[:40]) from exc
        sha = hashlib.sha256(canonical_json(body)).hexdigest()
        sig = signer.signing_key.sign(
            canonical_json(body),
            trusted_comment=f"{STATEMENT_FORMAT} sha256:{sha}",
            untrusted_comment=f"{STATEMENT_FORMAT} {kind}",
        )
        return cls(body, signer.public.key_id, sig)

    def signer(self, agreement: Agreement) -> AgreementKey:
        """Check the statement against ``agreement`` and return the key that signed it (§4).

        Raises:
            AgreementError: ``statement.*``: about another agreement, signed by a key the
                agreement does not pin for the issuing party in a role that may sign this
                kind, or a signature that does not verify.
        """
        if self.agreement_sha256 != agreement.sha256:
            raise AgreementError("statement.other_agreement", number=agreement.number)
        key = agreement.key(self.key_id)
        if key is None or key.party != self.party or key.role not in KINDS[self.kind]:
            raise AgreementError("statement.signer_not_pinned", kind=label(self.kind))
        try:
            comment = key.identity.verify_signature(self.body_bytes, self.minisig)
        except VerificationError as exc:
            raise AgreementError("statement.bad_signature", kind=label(self.kind)) from exc
        if comment != f"{STATEMENT_FORMAT} sha256:{self.sha256}":
            raise AgreementError("statement.bad_signature", kind=label(self.kind))
        if not self._about_own(agreement):
            raise AgreementError("statement.not_own", kind=label(self.kind))
        return key

    def _about_own(self, agreement: Agreement) -> bool:
        """The organisation is the signing party's, and a revoked key one the agreement
        pins for that party (a peer's valid seal must not switch off the other side's keys)."""
        if self.text("org") != agreement.party_org(self.party):
            return False
        if self.kind != "key.revoked":
            return True
        named = as_obj(self.body["key"])
        pinned = agreement.key(str(named["key_id"]))
        return (
            pinned is not None
            and pinned.party == self.party
            and pinned.role == named["role"]
            and pinned.identity.fingerprint == named["fingerprint"]
        )

    # -- files ------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The statement file: readable JSON of the body, the key id and the signature."""
        doc = {
            "format": STATEMENT_FORMAT,
            "body": self.body,
            "key_id": self.key_id,
            "minisig": self.minisig,
        }
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> Statement:
        """Parse a statement file strictly; anything malformed is ``statement.malformed``."""
        try:
            doc = as_obj(loads(data))
            if set(doc) != {"format", "body", "key_id", "minisig"}:
                raise ValueError("fields")
            if doc["format"] != STATEMENT_FORMAT:
                raise ValueError("format")
            body = as_obj(doc["body"])
            _validate(body)
            key_id, minisig = doc["key_id"], doc["minisig"]
            if not isinstance(key_id, str) or not isinstance(minisig, str):
                raise TypeError("signature")
        except (JsonError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AgreementError("statement.malformed", what=type(exc).__name__) from exc
        return cls(body, key_id, minisig)


def _validate(body: Mapping[str, object]) -> None:
    """Every field of a body has its type and shape now (§2), so nothing read later fails."""
    kind = body["kind"]
    if kind not in KINDS or body["party"] not in ("A", "B"):
        raise ValueError("kind")
    if not isinstance(body["id"], str) or not _ID_RE.fullmatch(body["id"]):
        raise ValueError("id")
    agreement = as_obj(body["agreement"])
    if not isinstance(agreement["number"], str) or not re.fullmatch(
        r"[0-9a-f]{64}", str(agreement["sha256"])
    ):
        raise ValueError("agreement")
    for name in ("issued", "org"):
        if not isinstance(body[name], str):
            raise TypeError(name)
    _validate_kind(str(kind), body)


def _validate_kind(kind: str, body: Mapping[str, object]) -> None:
    if kind in ("agreement.revoked", "key.revoked") and body["reason"] not in REVOKE_REASONS:
        raise ValueError("reason")
    if kind == "key.revoked":
        key = as_obj(body["key"])
        if not all(isinstance(key[f], str) for f in ("key_id", "fingerprint", "name", "role")):
            raise TypeError("key")
    if kind == "destroyed":
        counts = as_obj(body["counts"])
        if not all(type(v) is int and v >= 0 for v in counts.values()):
            raise TypeError("counts")
    if kind.startswith("incident."):
        if not isinstance(body["incident"], str) or not _ID_RE.fullmatch(body["incident"]):
            raise ValueError("incident")
    if kind == "incident.opened":
        _validate_incident(body)


def _validate_incident(body: Mapping[str, object]) -> None:
    if body["what"] not in INCIDENT_KINDS or not isinstance(body["when"], str):
        raise ValueError("what")
    for name, pattern in (("packages", _PACKAGE_RE), ("media", _MEDIA_RE)):
        values = body[name]
        if not isinstance(values, list) or len(values) > _MAX_ITEMS:
            raise TypeError(name)
        if not all(isinstance(v, str) and pattern.fullmatch(v) for v in values):
            raise ValueError(name)
    ticket = body.get("ticket", "")
    if not isinstance(ticket, str) or (ticket and not _TICKET_RE.fullmatch(ticket)):
        raise ValueError("ticket")
