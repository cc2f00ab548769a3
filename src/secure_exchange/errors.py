"""Typed errors of secure_exchange; each carries a catalogue key and its parameters.

``str(error)`` is the translated one-line message. Parameters must never hold a full ID
number, a name or a phone: mask first (``ledger.mask_id``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from secure_exchange.i18n import t

__all__ = [
    "AgreementError",
    "AuditError",
    "IdentityError",
    "LedgerError",
    "MediaError",
    "PackageError",
    "PassphraseError",
    "Problem",
    "SecureExchangeError",
    "VerificationError",
    "Where",
]


class SecureExchangeError(Exception):
    """Base of every error the library raises on purpose (exit code 1 in the CLI).

    ``outcome`` is what the access log records when an operation ends with this error:
    ``"refused"`` where the software said no (a check failed), ``"failed"`` where it broke.
    """

    outcome: ClassVar[str] = "failed"

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def __str__(self) -> str:
        return t(self.key, **self.params)


class IdentityError(SecureExchangeError):
    """A key is missing, malformed or of the wrong purpose."""

    outcome = "refused"


class PassphraseError(IdentityError):
    """A passphrase is wrong or missing."""


class AgreementError(SecureExchangeError):
    """An agreement is malformed, unsigned, untrusted or out of force."""

    outcome = "refused"


class PackageError(SecureExchangeError):
    """A package cannot be written or read as a package at all."""


class VerificationError(PackageError):
    """A package failed a verification check; ``check`` names which one."""

    outcome = "refused"

    def __init__(self, check: str, key: str, /, **params: object) -> None:
        self.check = check
        super().__init__(key, **params)


class LedgerError(SecureExchangeError):
    """A ledger cannot be read, or fails its checks."""

    outcome = "refused"


class AuditError(SecureExchangeError):
    """The access log cannot be written or does not verify."""


class MediaError(SecureExchangeError):
    """Dedicated media are missing, forged or of another unit."""

    outcome = "refused"


@dataclass(frozen=True)
class Where:
    """Where a problem was found; every field is optional and none holds personal data."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    seq: int | None = None
    offset: int | None = None


@dataclass(frozen=True)
class Problem:
    """One finding of a check: a message key, its parameters and where it was found.

    The one problem type of the library (ledger findings, log verification, package
    checks). It is rendered at the edge (CLI, reports) with :meth:`message`, so the
    language is the reader's, not the one in force when the check ran.
    """

    key: str
    params: Mapping[str, object] = field(default_factory=dict)
    where: Where = Where()
    level: Literal["error", "warning"] = "error"

    def message(self) -> str:
        """The translated one-line message."""
        return t(self.key, **self.params)
