"""Encrypt to and decrypt from age v1 files: header, recipients, STREAM payload, armor."""

from __future__ import annotations

import hmac
import io
import os
from collections.abc import Callable, Sequence
from typing import BinaryIO, Protocol

from secure_exchange.formats.age import scrypt
from secure_exchange.formats.age.armor import ArmorReader, ArmorWriter, looks_armored
from secure_exchange.formats.age.errors import (
    AgeHeaderError,
    AgeHeaderMacError,
    AgeNoIdentityMatchError,
)
from secure_exchange.formats.age.format import Header, Stanza, parse_header, serialize_header
from secure_exchange.formats.age.mlkem768x25519 import HybridRecipient
from secure_exchange.formats.age.primitives import FILE_KEY_SIZE, header_mac
from secure_exchange.formats.age.source import Readable, Source
from secure_exchange.formats.age.stream import (
    NONCE_SIZE,
    StreamReader,
    StreamWriter,
    Writable,
    payload_key,
)

__all__ = [
    "Identity",
    "Reader",
    "Recipient",
    "Writer",
    "decrypt",
    "decrypt_bytes",
    "encrypt",
    "encrypt_bytes",
]

_ARMOR_PEEK = 2048
Reader = StreamReader


class Recipient(Protocol):
    """Something a file key can be wrapped to (X25519 or hybrid key, passphrase)."""

    def wrap(self, file_key: bytes, *, random: Callable[[int], bytes] = os.urandom) -> list[Stanza]:
        """Return the stanzas that carry ``file_key`` to this recipient."""
        ...


class Identity(Protocol):
    """Something that may unwrap a file key from a header's stanzas."""

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        """Return the file key, or ``None`` if no stanza is for this identity."""
        ...


class Writer(StreamWriter):
    """The plaintext side of an age file being written; close it (or leave ``with``)."""

    def __init__(self, dst: Writable, key: bytes, armor: ArmorWriter | None) -> None:
        super().__init__(dst, key)
        self._armor = armor

    def close(self) -> None:
        """Seal the final chunk, then close the armor if any. Idempotent."""
        if self.closed:
            return
        super().close()
        if self._armor is not None:
            self._armor.close()

    def __enter__(self) -> Writer:
        return self


def _check_recipients(recipients: Sequence[Recipient]) -> None:
    if not recipients:
        raise ValueError("at least one recipient is needed")
    if len(recipients) > 1 and any(isinstance(r, scrypt.ScryptRecipient) for r in recipients):
        raise ValueError("a passphrase recipient must be the only recipient")
    hybrid = [isinstance(r, HybridRecipient) for r in recipients]
    if any(hybrid) and not all(hybrid):
        # The spec: a file sealed to a post-quantum recipient should not also be
        # sealed to a classical one, which a quantum computer could then open.
        raise ValueError("hybrid and classical recipients are not mixed in one file")


def encrypt(
    dst: BinaryIO | Writable, recipients: Sequence[Recipient], *, armor: bool = False
) -> Writer:
    """Start an age file on ``dst`` and return the writer for its plaintext.

    The header and nonce are written at once; 64 KiB chunks follow as data arrives.
    Use as ``with encrypt(f, [r]) as w: w.write(...)``; ``dst`` is not closed.

    Args:
        dst: Binary destination.
        recipients: Who can decrypt; a passphrase recipient must be alone.
        armor: Write ASCII armor instead of binary.
    """
    return _encrypt(dst, recipients, armor=armor)


def _encrypt(
    dst: BinaryIO | Writable,
    recipients: Sequence[Recipient],
    *,
    armor: bool = False,
    file_key: bytes | None = None,
    nonce: bytes | None = None,
    random: Callable[[int], bytes] = os.urandom,
) -> Writer:
    """``encrypt`` with injectable file key, payload nonce and randomness (for vectors).

    ``random`` supplies the recipients' ephemeral X25519 secrets and scrypt salts.
    """
    _check_recipients(recipients)
    file_key = random(FILE_KEY_SIZE) if file_key is None else file_key
    if len(file_key) != FILE_KEY_SIZE:
        raise ValueError("the file key is 16 bytes")
    stanzas = [s for r in recipients for s in r.wrap(file_key, random=random)]
    header = serialize_header(stanzas, lambda data: header_mac(file_key, data))
    nonce = random(NONCE_SIZE) if nonce is None else nonce
    if len(nonce) != NONCE_SIZE:
        raise ValueError("the payload nonce is 16 bytes")
    armor_writer = ArmorWriter(dst) if armor else None
    out: Writable = dst if armor_writer is None else armor_writer
    out.write(header + nonce)
    return Writer(out, payload_key(file_key, nonce), armor_writer)


def encrypt_bytes(data: bytes, recipients: Sequence[Recipient], *, armor: bool = False) -> bytes:
    """Encrypt ``data`` in memory and return the age file."""
    return _encrypt_bytes(data, recipients, armor=armor)


def _encrypt_bytes(
    data: bytes,
    recipients: Sequence[Recipient],
    *,
    armor: bool = False,
    file_key: bytes | None = None,
    nonce: bytes | None = None,
    random: Callable[[int], bytes] = os.urandom,
) -> bytes:
    """``encrypt_bytes`` with the private injection points of ``_encrypt``."""
    out = io.BytesIO()
    writer = _encrypt(out, recipients, armor=armor, file_key=file_key, nonce=nonce, random=random)
    with writer:
        writer.write(data)
    return out.getvalue()


def _unwrap_file_key(header: Header, identities: Sequence[Identity]) -> bytes:
    """Try each identity in turn; malformed stanzas raise, no match raises too."""
    stanzas = header.stanzas
    if any(s.type == scrypt.STANZA_TYPE for s in stanzas) and len(stanzas) != 1:
        raise AgeHeaderError("age.header_scrypt_alone")
    for identity in identities:
        file_key = identity.unwrap(stanzas)
        if file_key is not None:
            return file_key
    raise AgeNoIdentityMatchError()


def decrypt(src: BinaryIO | Readable, identities: Sequence[Identity]) -> Reader:
    """Open an age file (binary or armored) and return a reader of its plaintext.

    The header is parsed, the file key unwrapped and the header MAC verified before this
    returns; the payload is then opened chunk by chunk as it is read.

    Raises:
        AgeArmorError: malformed armor.
        AgeHeaderError: malformed header (``AgeHeaderMacError`` if its MAC fails).
        AgeNoIdentityMatchError: none of ``identities`` fits.
        AgePayloadError: later, from the reader, on a damaged or truncated payload.
    """
    if not identities:
        raise ValueError("at least one identity is needed")
    source = Source(src)
    if looks_armored(source.peek(_ARMOR_PEEK)):
        source = Source(ArmorReader(source))
    header = parse_header(source)
    file_key = _unwrap_file_key(header, identities)
    if not hmac.compare_digest(header_mac(file_key, header.mac_input), header.mac):
        raise AgeHeaderMacError()
    nonce = source.read_exact(NONCE_SIZE)
    if len(nonce) != NONCE_SIZE:
        raise AgeHeaderError()
    return StreamReader(source, payload_key(file_key, nonce))


def decrypt_bytes(data: bytes, identities: Sequence[Identity]) -> bytes:
    """Decrypt a whole age file held in memory."""
    return decrypt(io.BytesIO(data), identities).read()
