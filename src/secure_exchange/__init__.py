"""secure-exchange: seal residents' ledgers for the bank, verify before parsing, log every touch.

The recipes most callers need are re-exported here: ``seal``, ``verify`` and
``open_package``, the keys and agreements they take, and the errors they raise. Everything
else lives in its layer's package (``formats``, ``trust``, ``ledger``, ``audit``,
``package``, ``pseudonym``, ``reports``, ``station``, ``cli``), each with a public face in
its ``__init__``. Names with a leading underscore are not API.
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
from secure_exchange.package import Sender, VerifiedPackage, open_package, seal, verify
from secure_exchange.trust import (
    Agreement,
    Keyring,
    PublicIdentity,
    TrustStore,
    UnlockedIdentity,
    new_agreement,
)

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
