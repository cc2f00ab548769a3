"""The trust layer: identities (keys, cards, fingerprints) and agreements, the trust root.

Key formats' errors are wrapped here with context: a bad key is an ``IdentityError``, a
wrong passphrase a ``PassphraseError``, a signature that does not verify a
``VerificationError`` (check ``signatures``).
"""

from __future__ import annotations

from secure_exchange.trust.agreement import (
    CATEGORIES,
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
    Keyring,
    PublicIdentity,
    UnlockedIdentity,
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

__all__ = [
    "CATEGORIES",
    "COSTS",
    "DEFAULT_RECIPIENTS",
    "DEFAULT_THRESHOLDS",
    "INCIDENT_KINDS",
    "KINDS",
    "PARTY_ROLES",
    "PURPOSE",
    "PURPOSES",
    "REVOKE_REASONS",
    "STATEMENT_FORMAT",
    "Agreement",
    "AgreementKey",
    "Keyring",
    "PublicIdentity",
    "Statement",
    "TrustStore",
    "UnlockedIdentity",
    "fingerprint_of",
    "label",
    "new_agreement",
    "new_statement_id",
    "statement_file_name",
]
