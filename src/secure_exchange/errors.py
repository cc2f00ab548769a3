"""Typed errors of secure_exchange; each carries a catalogue key and its parameters.

``str(error)`` is the translated one-line message. Parameters must never hold a full ID
number, a name or a phone: mask first (``ledger.mask_id``).
"""

from __future__ import annotations

from secure_exchange.i18n import t

__all__ = [
    "AgreementError",
    "AuditError",
    "IdentityError",
    "LedgerError",
    "MediaError",
    "PackageError",
    "PassphraseError",
    "SecureExchangeError",
    "VerificationError",
]


class SecureExchangeError(Exception):
    """Base of every error the library raises on purpose (exit code 1 in the CLI)."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def __str__(self) -> str:
        return t(self.key, **self.params)


class IdentityError(SecureExchangeError):
    """A key is missing, malformed or of the wrong purpose."""


class PassphraseError(IdentityError):
    """A passphrase is wrong or missing."""


class AgreementError(SecureExchangeError):
    """An agreement is malformed, unsigned, untrusted or out of force."""


class PackageError(SecureExchangeError):
    """A package cannot be written or read as a package at all."""


class VerificationError(PackageError):
    """A package failed a verification check; ``check`` names which one."""

    def __init__(self, check: str, key: str, /, **params: object) -> None:
        self.check = check
        super().__init__(key, **params)


class LedgerError(SecureExchangeError):
    """A ledger cannot be read, or fails its checks."""


class AuditError(SecureExchangeError):
    """The access log cannot be written or does not verify."""


class MediaError(SecureExchangeError):
    """Dedicated media are missing, forged or of another unit."""
