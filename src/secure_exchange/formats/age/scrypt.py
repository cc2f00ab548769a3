"""The scrypt passphrase recipient type; such a stanza must be the only one in a header."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from secure_exchange.formats.age.errors import AgeHeaderError, AgeWorkFactorError
from secure_exchange.formats.age.format import Stanza, b64decode, b64encode
from secure_exchange.formats.age.primitives import unwrap_file_key, wrap_file_key

__all__ = ["DEFAULT_MAX_WORK_FACTOR", "STANZA_TYPE", "ScryptIdentity", "ScryptRecipient"]

STANZA_TYPE = "scrypt"
DEFAULT_MAX_WORK_FACTOR = 22
_LABEL = b"age-encryption.org/v1/scrypt"
_SALT_SIZE = 16
_MAX_WORK_FACTOR = 30
_DECIMAL = re.compile(r"[1-9][0-9]{0,8}")


def _check_passphrase(passphrase: bytes) -> None:
    if not isinstance(passphrase, bytes):
        raise TypeError("the passphrase must be bytes")
    if not passphrase:
        raise ValueError("the passphrase must not be empty")


def _wrap_key(passphrase: bytes, salt: bytes, work_factor: int) -> bytes:
    kdf = Scrypt(salt=_LABEL + salt, length=32, n=1 << work_factor, r=8, p=1)
    return kdf.derive(passphrase)


@dataclass(frozen=True)
class ScryptRecipient:
    """Encrypt to a passphrase; ``work_factor`` is log2 of scrypt's N (1..30)."""

    passphrase: bytes = field(repr=False)
    work_factor: int = 18

    def __post_init__(self) -> None:
        _check_passphrase(self.passphrase)
        if not 1 <= self.work_factor <= _MAX_WORK_FACTOR:
            raise ValueError(f"work factor must be within 1..{_MAX_WORK_FACTOR}")

    def wrap(self, file_key: bytes, *, random: Callable[[int], bytes] = os.urandom) -> list[Stanza]:
        """Wrap ``file_key`` under the passphrase; ``random`` supplies the 16-byte salt."""
        salt = random(_SALT_SIZE)
        key = _wrap_key(self.passphrase, salt, self.work_factor)
        args = (b64encode(salt), str(self.work_factor))
        return [Stanza(STANZA_TYPE, args, wrap_file_key(key, file_key))]


def _parse_stanza(stanza: Stanza) -> tuple[bytes, int]:
    """Check an scrypt stanza's shape; return its salt and work factor."""
    if len(stanza.args) != 2 or len(stanza.body) != 32:
        raise AgeHeaderError()
    try:
        salt = b64decode(stanza.args[0])
    except ValueError as exc:
        raise AgeHeaderError() from exc
    if len(salt) != _SALT_SIZE or not _DECIMAL.fullmatch(stanza.args[1]):
        raise AgeHeaderError()
    return salt, int(stanza.args[1])


@dataclass(frozen=True)
class ScryptIdentity:
    """Decrypt with a passphrase, refusing work factors above ``max_work_factor``."""

    passphrase: bytes = field(repr=False)
    max_work_factor: int = DEFAULT_MAX_WORK_FACTOR

    def __post_init__(self) -> None:
        _check_passphrase(self.passphrase)
        if not 1 <= self.max_work_factor <= _MAX_WORK_FACTOR:
            raise ValueError(f"max work factor must be within 1..{_MAX_WORK_FACTOR}")

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        """Return the file key from an scrypt stanza, or ``None`` if the passphrase fails.

        Raises:
            AgeHeaderError: if the stanza is malformed or not alone in the header.
            AgeWorkFactorError: if its work factor exceeds ``max_work_factor``.
        """
        ours = [s for s in stanzas if s.type == STANZA_TYPE]
        if ours and len(stanzas) != 1:
            raise AgeHeaderError("age.header_scrypt_alone")
        for stanza in ours:
            salt, work_factor = _parse_stanza(stanza)
            if work_factor > self.max_work_factor:
                raise AgeWorkFactorError(work_factor, self.max_work_factor)
            file_key = unwrap_file_key(_wrap_key(self.passphrase, salt, work_factor), stanza.body)
            if file_key is not None:
                return file_key
        return None
