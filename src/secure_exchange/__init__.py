"""secure-exchange: seal residents' ledgers for the bank, verify before parsing, log every touch.

The recipes most callers need are re-exported here; everything else lives in its module
(``keys``, ``agreement``, ``ledger``, ``pseudonym``, ``package``, ``media``, ``audit``,
``report``, ``workflow``). Modules and names with a leading underscore are not API.
"""

from __future__ import annotations

from secure_exchange.errors import (
    AgreementError,
    AuditError,
    IdentityError,
    LedgerError,
    MediaError,
    PackageError,
    PassphraseError,
    SecureExchangeError,
    VerificationError,
)
from secure_exchange.package.core import Sender, VerifiedPackage, open_package, seal, verify
from secure_exchange.trust.agreement import Agreement, TrustStore, new_agreement
from secure_exchange.trust.keys import Keyring, PublicIdentity, UnlockedIdentity

__all__ = [
    "Agreement",
    "AgreementError",
    "AuditError",
    "IdentityError",
    "Keyring",
    "LedgerError",
    "MediaError",
    "PackageError",
    "PassphraseError",
    "PublicIdentity",
    "SecureExchangeError",
    "Sender",
    "TrustStore",
    "UnlockedIdentity",
    "VerificationError",
    "VerifiedPackage",
    "__version__",
    "new_agreement",
    "open_package",
    "seal",
    "verify",
]

__version__ = "0.1.0"
