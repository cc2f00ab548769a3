"""Typed errors of the scoring package, all under ``ScoringError``.

``ScoringError`` derives from ``SecureExchangeError`` so the CLI's single handler turns
it into exit code 1 with the translated message (catalogue keys ``score.*``).
"""

from __future__ import annotations

from secure_exchange.errors import SecureExchangeError

__all__ = ["AdjustmentError", "LprError", "OutputFormatError", "PolicyError", "ScoringError"]


class ScoringError(SecureExchangeError):
    """Base of every error raised on purpose by ``scoring``."""


class PolicyError(ScoringError):
    """A policy file is missing, malformed or holds nonsense values.

    ``path`` and ``line`` locate the offence (``line`` is 0 when unknown).
    """

    def __init__(self, key: str, /, *, path: str, line: int = 0, **params: object) -> None:
        self.path = path
        self.line = line
        super().__init__(key, path=path, line=line, **params)


class LprError(ScoringError):
    """No LPR entry is in force on the evaluation date (it precedes the table)."""


class OutputFormatError(ScoringError, ValueError):
    """Decisions cannot be written in the requested file format."""


class AdjustmentError(ScoringError):
    """A bank adjustment (rule 11) is malformed or out of bounds.

    ``path``, ``row`` and ``column`` locate it in the adjustments file (0/"" when unknown).
    """

    def __init__(
        self, key: str, /, *, path: str, row: int, column: object, **params: object
    ) -> None:
        self.path = path
        self.row = row
        super().__init__(key, path=path, row=row, column=column, **params)
