"""The few primitive recipes age builds on: HKDF-SHA-256, file-key wrapping, header MAC."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from secure_exchange.formats.age.errors import AgeHeaderError

__all__ = ["FILE_KEY_SIZE", "header_mac", "hkdf_sha256", "unwrap_file_key", "wrap_file_key"]

FILE_KEY_SIZE = 16
_ZERO_NONCE = bytes(12)
_TAG_SIZE = 16


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    """Derive a 32-byte key with HKDF-SHA-256 (an empty salt means HashLen zero bytes)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt or None, info=info).derive(ikm)


def wrap_file_key(wrap_key: bytes, file_key: bytes) -> bytes:
    """Encrypt the file key under ``wrap_key`` with ChaCha20-Poly1305 and a zero nonce."""
    return ChaCha20Poly1305(wrap_key).encrypt(_ZERO_NONCE, file_key, None)


def unwrap_file_key(wrap_key: bytes, body: bytes) -> bytes | None:
    """Decrypt a stanza body to the 16-byte file key.

    Returns:
        The file key, or ``None`` when the tag does not verify (not this identity).

    Raises:
        AgeHeaderError: if the body does not have the size of a wrapped 16-byte key; this
            is checked before any decryption is attempted.
    """
    if len(body) != FILE_KEY_SIZE + _TAG_SIZE:
        raise AgeHeaderError()
    try:
        return ChaCha20Poly1305(wrap_key).decrypt(_ZERO_NONCE, body, None)
    except InvalidTag:
        return None


def header_mac(file_key: bytes, mac_input: bytes) -> bytes:
    """HMAC-SHA-256 of the header up to and including ``---``, keyed from the file key."""
    key = hkdf_sha256(file_key, b"", b"header")
    return hmac.new(key, mac_input, hashlib.sha256).digest()
