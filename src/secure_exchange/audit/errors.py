"""The access log's errors: fail closed when the log cannot take an event, refuse a bad witness."""

from __future__ import annotations

from pathlib import Path

from secure_exchange.errors import AuditError, SecureExchangeError
from secure_exchange.formats.note import NoteError
from secure_exchange.fsio import raise_for_os_error
from secure_exchange.layout import HomeLayout

__all__ = ["AuditUnavailableError", "CheckpointError", "WitnessError", "unavailable"]

# The file-system fault (``fsio``'s key) behind a log that cannot be written.
_FS_KEYS = {
    "fs.disk_full": "audit.unavailable.disk_full",
    "fs.read_only": "audit.unavailable.read_only",
}


class AuditUnavailableError(AuditError):
    """The log cannot take the event, so the operation must not run (fail closed)."""


class CheckpointError(AuditError):
    """This log's checkpoint cannot be signed: the signed-note format refused it."""

    @classmethod
    def wrapping(cls, exc: NoteError) -> CheckpointError:
        """The audit error for a note error (same key and parameters); raise it ``from exc``."""
        return cls(exc.key, **exc.params)


class WitnessError(AuditError):
    """A peer's witness bundle shows a fork, a rollback or a truncated log."""

    outcome = "refused"


def unavailable(exc: OSError | SecureExchangeError, home: Path) -> AuditUnavailableError:
    """The fail-closed error for a failed write under ``home/audit`` (raise it ``from exc``).

    ``exc`` is the ``OSError`` of a direct write, or the error ``fsio`` made of one.
    """
    key = _FS_KEYS.get(_fs_key(exc), "audit.unavailable.write_failed")
    return AuditUnavailableError(key, path=HomeLayout(home).audit)


def _fs_key(exc: OSError | SecureExchangeError) -> str:
    """``fsio``'s key for a failed write: it alone tells a full disk from a read-only one."""
    if isinstance(exc, SecureExchangeError):
        return exc.key
    try:
        raise_for_os_error(exc, Path())
    except SecureExchangeError as error:
        return error.key
    return "fs.write_failed"  # not reached: raise_for_os_error always raises
