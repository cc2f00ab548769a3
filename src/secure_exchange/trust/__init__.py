"""The trust layer: identities (keys, cards, fingerprints) and agreements, the trust root.

Key formats' errors are wrapped here with context: a bad key is an ``IdentityError``, a
wrong passphrase a ``PassphraseError``, a signature that does not verify a
``VerificationError`` (check ``signatures``).
"""

from __future__ import annotations

from secure_exchange.trust.agreement import (
    CATEGORIES,
    DEFAULT_HYBRID_GROUPS,
    DEFAULT_RECIPIENTS,
    DEFAULT_THRESHOLDS,
    PARTY_ROLES,
    PURPOSE,
    Agreement,
    AgreementKey,
    TrustStore,
    new_agreement,
)
from secure_exchange.trust.keys import (
    COSTS,
    PURPOSES,
    UNLOCK_PARTS,
    Keyring,
    PublicIdentity,
    UnlockedIdentity,
    UnlockParts,
    fingerprint_of,
)
from secure_exchange.trust.statement import (
    INCIDENT_KINDS,
    KINDS,
    REVOKE_REASONS,
    STATEMENT_FORMAT,
    Statement,
    label,
    new_statement_id,
    statement_file_name,
)
from secure_exchange.trust.view import AgreementView, KeyLine, PartyView, agreement_view

__all__ = [
    "CATEGORIES",
    "COSTS",
    "DEFAULT_HYBRID_GROUPS",
    "DEFAULT_RECIPIENTS",
    "DEFAULT_THRESHOLDS",
    "INCIDENT_KINDS",
    "KINDS",
    "PARTY_ROLES",
    "PURPOSE",
    "PURPOSES",
    "REVOKE_REASONS",
    "STATEMENT_FORMAT",
    "UNLOCK_PARTS",
    "Agreement",
    "AgreementKey",
    "AgreementView",
    "KeyLine",
    "Keyring",
    "PartyView",
    "PublicIdentity",
    "Statement",
    "TrustStore",
    "UnlockParts",
    "UnlockedIdentity",
    "agreement_view",
    "fingerprint_of",
    "label",
    "new_agreement",
    "new_statement_id",
    "statement_file_name",
]
