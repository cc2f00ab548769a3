"""Annex 3 agreements (合作协议) as the trust root, compare TUF's root metadata.

An agreement names both parties' keys with their roles, the signature thresholds a package
needs, which keys may read each column group, the purpose, the permitted data categories and
the validity dates, and the groups that only post-quantum hybrid keys may read (by default
``identity`` for a new agreement; an agreement from before has none). It is in force only
when both parties' seal keys signed its body and the day lies within its dates
(protocols/sealed-package-v1.md §2).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from secure_exchange import fsio as _fsio
from secure_exchange.errors import AgreementError, VerificationError
from secure_exchange.formats.canonjson import (
    JsonError,
    as_obj,
    canonical_json,
    loads,
    utc_timestamp,
)
from secure_exchange.layout import HomeLayout
from secure_exchange.trust.keys import PublicIdentity, UnlockedIdentity

__all__ = [
    "CATEGORIES",
    "DEFAULT_HYBRID_GROUPS",
    "DEFAULT_RECIPIENTS",
    "DEFAULT_THRESHOLDS",
    "PARTY_ROLES",
    "PURPOSE",
    "Agreement",
    "AgreementKey",
    "TrustStore",
    "new_agreement",
]

FORMAT = "sx-agreement-v1"
# Annex 3 §一: the seven categories of data the agreement may cover ("包括但不限于"), and
# the two that revision 2 names for what travelled without one (issue 13): the panel's
# records (codes incl. vetoes, levels, points, dates, notes; the panel roster) and the
# credit flags and decisions. An agreement lists the ones its packages may carry.
CATEGORIES = (
    "居民姓名",
    "身份证号码",
    "家庭关系",
    "家庭住址",
    "电话号码",
    "不动产",
    "各类经营数据",
    "评议信息",
    "信用信息",
)
PURPOSE = "全民授信体系支持乡村振兴普惠金融全覆盖工作"
PARTY_ROLES = {"A": ("officer", "seal"), "B": ("scoring", "reidentify", "seal")}
# 负责人签字 + 加盖公章: one officer plus the unit seal for party A; the bank's seal for B.
DEFAULT_THRESHOLDS = {"A": {"officer": 1, "seal": 1}, "B": {"seal": 1}}
DEFAULT_RECIPIENTS = {
    "scoring": ("B:scoring",),
    "evaluations": ("B:scoring",),
    "identity": ("B:reidentify",),
    "decisions": ("A:officer", "A:seal"),
}
# Groups sealed to the readers' ML-KEM-768 + X25519 hybrid recipients only: ID numbers,
# names and addresses outlive today's elliptic curves ("harvest now, decrypt later").
DEFAULT_HYBRID_GROUPS = ("identity",)
_SIG_TRUSTED_PREFIX = FORMAT + " sha256:"


@dataclass(frozen=True)
class AgreementKey:
    """One key named in an agreement, with the party and role it holds."""

    party: str
    role: str
    identity: PublicIdentity

    @property
    def key_id(self) -> str:
        """The minisign key id of this key."""
        return self.identity.key_id


@dataclass(frozen=True)
class Agreement:
    """A parsed agreement: its canonical body, the keys it names, and its signatures."""

    body: Mapping[str, object]
    keys: tuple[AgreementKey, ...]
    signatures: Mapping[str, str] = field(default_factory=dict)

    # -- identity ---------------------------------------------------------------------------
    @property
    def number(self) -> str:
        """The agreement's number as written on the paper."""
        return str(self.body["number"])

    @property
    def body_bytes(self) -> bytes:
        """Canonical JSON of the body: what the seals sign and the hash covers."""
        return canonical_json(self.body)

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the canonical body."""
        return hashlib.sha256(self.body_bytes).hexdigest()

    @property
    def purpose(self) -> str:
        """The one purpose the data may serve."""
        return str(self.body["purpose"])

    @property
    def categories(self) -> tuple[str, ...]:
        """The permitted Annex 3 data categories."""
        return tuple(_str_list(self.body["categories"]))

    @property
    def valid_from(self) -> date:
        """First day in force."""
        return date.fromisoformat(str(self.body["valid_from"]))

    @property
    def valid_until(self) -> date:
        """Last day in force."""
        return date.fromisoformat(str(self.body["valid_until"]))

    @property
    def retain_until(self) -> date | None:
        """The last day data held under the agreement may be used (revision 2, optional:
        an agreement drafted before has none)."""
        value = self.body.get("retain_until")
        return None if value is None else date.fromisoformat(str(value))

    @property
    def retention_end(self) -> date:
        """The retention end in force: ``retain_until``, else the last day of validity."""
        return self.retain_until or self.valid_until

    def party_org(self, party: str) -> str:
        """The organisation name of party ``A`` or ``B``."""
        section = as_obj(self.body[f"party_{party.lower()}"])
        return str(section["org"])

    # -- keys -------------------------------------------------------------------------------
    def key(self, key_id: str) -> AgreementKey | None:
        """The agreement key with minisign key id ``key_id``, if any."""
        return next((k for k in self.keys if k.key_id == key_id), None)

    def keys_for(self, selector: str) -> tuple[AgreementKey, ...]:
        """Keys matching ``"B:scoring"`` style selectors."""
        party, _, role = selector.partition(":")
        return tuple(k for k in self.keys if k.party == party and k.role == role)

    def thresholds(self, party: str) -> Mapping[str, int]:
        """Signatures by role that a package from ``party`` needs."""
        table = as_obj(self.body["thresholds"])
        return {str(r): int(n) for r, n in table[party].items()}

    @property
    def risk_limits(self) -> dict[str, int]:
        """Per group, the largest share of rows unique on its quasi-identifiers that a
        package may carry, in basis points (500 = 5%); groups without a limit are absent."""
        table = as_obj(self.body.get("max_unique_bp", {}))
        return {str(group): int(limit) for group, limit in table.items()}

    @property
    def hybrid_groups(self) -> tuple[str, ...]:
        """Groups whose parts are sealed to hybrid (post-quantum) recipients only."""
        return tuple(_str_list(self.body.get("hybrid_groups", [])))

    def group_recipients(self, group: str) -> tuple[str, ...]:
        """The age recipients allowed to read ``group`` (sorted): the keys' hybrid
        ``age1pq1…`` recipients for a group in ``hybrid_groups``, else their X25519 ones."""
        table = as_obj(self.body["recipients"])
        if group not in table:
            raise AgreementError("agreement.group_not_covered", group=group, number=self.number)
        keys = [k for s in _str_list(table[group]) for k in self.keys_for(s)]
        if group in self.hybrid_groups:
            _require_hybrid(group, keys)
            return tuple(sorted({k.identity.age_pq for k in keys}))
        return tuple(sorted({k.identity.age_recipient for k in keys}))

    # -- signatures and force ---------------------------------------------------------------
    def signed_by(self) -> tuple[AgreementKey, ...]:
        """Keys whose signature over the body verifies."""
        good = []
        for key_id, sig in self.signatures.items():
            key = self.key(key_id)
            if key is None:
                continue
            try:
                comment = key.identity.verify_signature(self.body_bytes, sig)
            except VerificationError:
                continue
            if comment == _SIG_TRUSTED_PREFIX + self.sha256:
                good.append(key)
        return tuple(good)

    def check_sealed(self) -> None:
        """Both parties' seal keys must have signed, and no foreign signature may be present."""
        for key_id in self.signatures:
            if self.key(key_id) is None:
                raise AgreementError("agreement.foreign_signature", key_id=key_id)
        signers = self.signed_by()
        if len(signers) != len(self.signatures):
            raise AgreementError("agreement.bad_signature", number=self.number)
        for party in ("A", "B"):
            if not any(k.party == party and k.role == "seal" for k in signers):
                raise AgreementError(
                    "agreement.seal_missing", party=party, org=self.party_org(party)
                )

    def check_in_force(self, today: date) -> None:
        """Raise unless both seals signed and ``today`` lies within the validity dates."""
        self.check_sealed()
        if today < self.valid_from:
            raise AgreementError(
                "agreement.not_yet", number=self.number, start=self.valid_from.isoformat()
            )
        if today > self.valid_until:
            raise AgreementError(
                "agreement.expired", number=self.number, end=self.valid_until.isoformat()
            )

    def sign(self, signer: UnlockedIdentity) -> Agreement:
        """Return a copy with ``signer``'s signature added; the signer must be named in it."""
        if self.key(signer.public.key_id) is None:
            raise AgreementError("agreement.signer_not_named", name=signer.public.name)
        sig = signer.signing_key.sign(
            self.body_bytes,
            trusted_comment=_SIG_TRUSTED_PREFIX + self.sha256,
            untrusted_comment=f"signature of agreement {self.sha256[:16]}",
        )
        return Agreement(self.body, self.keys, {**self.signatures, signer.public.key_id: sig})

    # -- files ------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The agreement file: body plus signatures, readable JSON."""
        doc = {
            "format": FORMAT,
            "body": self.body,
            "signatures": [{"key_id": k, "minisig": v} for k, v in sorted(self.signatures.items())],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> Agreement:
        """Parse an agreement file strictly; malformed input is an AgreementError."""
        try:
            doc = loads(data)
        except JsonError as exc:
            raise AgreementError("agreement.malformed", what=exc.key) from exc
        try:
            if doc.get("format") != FORMAT:
                raise AgreementError("agreement.malformed", what="format")
            body = doc["body"]
            keys = _parse_keys(body)
            sigs = {str(s["key_id"]): str(s["minisig"]) for s in doc.get("signatures", [])}
            _validate_body(body)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AgreementError("agreement.malformed", what=type(exc).__name__) from exc
        return cls(body, keys, sigs)


def _require_hybrid(group: str, keys: Iterable[AgreementKey]) -> None:
    for key in keys:
        if not key.identity.age_pq:
            raise AgreementError(
                "agreement.hybrid_key_missing", group=group, name=key.identity.name
            )


def _str_list(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of strings")
    return list(value)


def _card_dict(ident: PublicIdentity) -> dict[str, str]:
    fields = ident.to_fields()
    return {k: v for k, v in fields.items() if k not in ("format", "minisign-key-id")}


def _parse_keys(body: Mapping[str, object]) -> tuple[AgreementKey, ...]:
    keys = []
    for party in ("A", "B"):
        section = as_obj(body[f"party_{party.lower()}"])
        for card in section["keys"]:
            ident = PublicIdentity.from_fields({str(k): str(v) for k, v in card.items()})
            if ident.purpose not in PARTY_ROLES[party]:
                raise AgreementError("agreement.role_not_allowed", role=ident.purpose, party=party)
            keys.append(AgreementKey(party, ident.purpose, ident))
    return tuple(keys)


def _validate_body(body: Mapping[str, object]) -> None:
    start = date.fromisoformat(str(body["valid_from"]))
    end = date.fromisoformat(str(body["valid_until"]))
    if end < start:
        raise AgreementError("agreement.dates_reversed")
    unknown = set(_str_list(body["categories"])) - set(CATEGORIES)
    if unknown:
        raise AgreementError("agreement.unknown_category", category="、".join(sorted(unknown)))
    if "retain_until" in body and date.fromisoformat(str(body["retain_until"])) < start:
        raise AgreementError("agreement.retention_before_start")
    if not isinstance(body["number"], str) or not body["number"].strip():
        raise AgreementError("agreement.malformed", what="number")
    if not isinstance(body["purpose"], str):
        raise AgreementError("agreement.malformed", what="purpose")
    _validate_tables(body)


def _validate_tables(body: Mapping[str, object]) -> None:
    """Every field read later has its type now, so a malformed file fails here, named."""
    for party in ("A", "B"):
        section = as_obj(body[f"party_{party.lower()}"])
        if not isinstance(section.get("org"), str) or not section["org"].strip():
            raise AgreementError("agreement.malformed", what=f"party_{party.lower()}.org")
        thresholds = as_obj(as_obj(body["thresholds"])[party])
        if not all(type(n) is int and 0 <= n <= 16 for n in thresholds.values()):
            raise AgreementError("agreement.malformed", what="thresholds")
    for selectors in as_obj(body["recipients"]).values():
        _str_list(selectors)
    if "max_unique_bp" in body:
        limits = as_obj(body["max_unique_bp"])
        if not all(type(n) is int and 0 <= n <= 10_000 for n in limits.values()):
            raise AgreementError("agreement.malformed", what="max_unique_bp")
    if "hybrid_groups" in body:
        hybrid = _str_list(body["hybrid_groups"])
        if not set(hybrid) <= set(as_obj(body["recipients"])):
            raise AgreementError("agreement.malformed", what="hybrid_groups")


def _ordered_categories(categories: Iterable[str]) -> list[str]:
    wanted = set(categories)
    unknown = wanted - set(CATEGORIES)
    if unknown:
        raise AgreementError("agreement.unknown_category", category="、".join(sorted(unknown)))
    return [c for c in CATEGORIES if c in wanted]


def new_agreement(
    number: str,
    party_a: Iterable[PublicIdentity],
    party_b: Iterable[PublicIdentity],
    valid_from: date,
    valid_until: date,
    *,
    categories: Iterable[str] = CATEGORIES,
    purpose: str = PURPOSE,
    thresholds: Mapping[str, Mapping[str, int]] | None = None,
    now: datetime | None = None,
    hybrid_groups: Iterable[str] = DEFAULT_HYBRID_GROUPS,
    max_unique_bp: Mapping[str, int] | None = None,
    retain_until: date | None = None,
) -> Agreement:
    """Draft an unsigned agreement between party A's and party B's key cards.

    ``hybrid_groups`` are the groups only hybrid (post-quantum) keys may read; every key
    that reads one must have a hybrid recipient (a v2 card). Pass ``()`` for none.
    ``max_unique_bp`` limits, per group, the share of rows unique on its quasi-identifiers
    (basis points): a package above it is refused by its writer and its reader.
    ``retain_until``: the last day data held under it may be used (protocols/
    lifecycle-v1.md §5.1); without it, the last day of validity.
    """
    a, b = list(party_a), list(party_b)
    orgs = {p: {i.org for i in ids} for p, ids in (("A", a), ("B", b))}
    for party, names in orgs.items():
        if len(names) != 1:
            raise AgreementError("agreement.one_org_per_party", party=party)
    body: dict[str, object] = {
        "number": number.strip(),
        "title": "合作协议",
        "purpose": purpose,
        "categories": _ordered_categories(categories),
        "party_a": {"org": orgs["A"].pop(), "keys": [_card_dict(i) for i in a]},
        "party_b": {"org": orgs["B"].pop(), "keys": [_card_dict(i) for i in b]},
        "thresholds": {p: dict(t) for p, t in (thresholds or DEFAULT_THRESHOLDS).items()},
        "recipients": {g: list(s) for g, s in DEFAULT_RECIPIENTS.items()},
        "hybrid_groups": sorted(set(hybrid_groups)),
        **({"max_unique_bp": dict(max_unique_bp)} if max_unique_bp is not None else {}),
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
        "created": utc_timestamp(now),
    }
    if retain_until is not None:
        body["retain_until"] = retain_until.isoformat()
    _validate_body(body)
    for party in ("A", "B"):
        need = (thresholds or DEFAULT_THRESHOLDS)[party]
        roles = [i.purpose for i in (a if party == "A" else b)]
        for role, count in need.items():
            if roles.count(role) < count:
                raise AgreementError("agreement.threshold_unmeetable", party=party, role=role)
    drafted = Agreement(body, _parse_keys(body), {})
    for group in drafted.hybrid_groups:
        drafted.group_recipients(group)  # every reader has a hybrid key
    return drafted


class TrustStore:
    """Agreements this station trusts, under ``SX_HOME/agreements/``."""

    def __init__(self, home: Path) -> None:
        self.root = HomeLayout(home).agreements

    def add(self, agreement: Agreement) -> Path:
        """Trust ``agreement`` (both seals must have signed it)."""
        agreement.check_sealed()
        if self.find(agreement.number) is not None:
            existing = self.get(agreement.number)
            if existing.sha256 != agreement.sha256:
                raise AgreementError("agreement.number_clash", number=agreement.number)
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{agreement.sha256[:32]}.json"
        _fsio.atomic_write(path, agreement.to_bytes())
        return path

    def all(self) -> list[Agreement]:
        """Every trusted agreement."""
        if not self.root.is_dir():
            return []
        return [Agreement.from_bytes(p.read_bytes()) for p in sorted(self.root.glob("*.json"))]

    def find(self, number: str) -> Agreement | None:
        """The trusted agreement with this number, if any."""
        wanted = _norm_number(number)
        return next((a for a in self.all() if _norm_number(a.number) == wanted), None)

    def get(self, number: str) -> Agreement:
        """The trusted agreement with this number; an error if the station does not trust it."""
        found = self.find(number)
        if found is None:
            raise AgreementError("agreement.not_trusted", number=number)
        return found


def _norm_number(number: str) -> str:
    return re.sub(r"\s+", "", number)
