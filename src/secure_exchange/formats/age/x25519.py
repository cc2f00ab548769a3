"""The X25519 recipient type: ``age1…`` public keys and ``AGE-SECRET-KEY-1…`` identities."""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from secure_exchange.formats.age import bech32
from secure_exchange.formats.age.errors import AgeHeaderError, AgeKeyError
from secure_exchange.formats.age.format import Stanza, b64decode, b64encode
from secure_exchange.formats.age.primitives import hkdf_sha256, unwrap_file_key, wrap_file_key

__all__ = ["STANZA_TYPE", "X25519Identity", "X25519Recipient"]

STANZA_TYPE = "X25519"
_LABEL = b"age-encryption.org/v1/X25519"
_RECIPIENT_HRP = "age"
_IDENTITY_HRP = "AGE-SECRET-KEY-"
_KEY_SIZE = 32


def _public_bytes(secret: bytes) -> bytes:
    key = X25519PrivateKey.from_private_bytes(secret).public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _shared_secret(secret: bytes, peer: bytes) -> bytes:
    """X25519(secret, peer); an all-zero result (low-order peer) is a malformed header."""
    try:
        shared = X25519PrivateKey.from_private_bytes(secret).exchange(
            X25519PublicKey.from_public_bytes(peer)
        )
    except ValueError as exc:  # cryptography refuses the all-zero shared secret
        raise AgeHeaderError() from exc
    if hmac.compare_digest(shared, bytes(_KEY_SIZE)):
        raise AgeHeaderError()
    return shared


def _decode_key(text: str, hrp: str, error_key: str) -> bytes:
    """The 32 key bytes of a Bech32 key string with part ``hrp`` (the text is never echoed)."""
    try:
        found, data = bech32.decode(text.strip())
    except bech32.Bech32Error as exc:
        raise AgeKeyError(error_key) from exc
    if found != hrp or len(data) != _KEY_SIZE:
        raise AgeKeyError(error_key)
    return data


@dataclass(frozen=True)
class X25519Recipient:
    """An X25519 public key that files can be encrypted to."""

    public_key: bytes

    def __post_init__(self) -> None:
        if len(self.public_key) != _KEY_SIZE:
            raise ValueError("an X25519 public key is 32 bytes")

    @classmethod
    def from_str(cls, text: str) -> X25519Recipient:
        """Parse an ``age1…`` recipient string.

        Raises:
            AgeKeyError: if the string is not a valid X25519 recipient.
        """
        return cls(_decode_key(text, _RECIPIENT_HRP, "age.key_recipient"))

    def __str__(self) -> str:
        return bech32.encode(_RECIPIENT_HRP, self.public_key)

    def wrap(self, file_key: bytes, *, random: Callable[[int], bytes] = os.urandom) -> list[Stanza]:
        """Wrap ``file_key`` to this key; ``random`` supplies the ephemeral secret.

        Raises:
            AgeKeyError: if the public key is a low-order point.
        """
        ephemeral = random(_KEY_SIZE)
        share = _public_bytes(ephemeral)
        try:
            shared = _shared_secret(ephemeral, self.public_key)
        except AgeHeaderError as exc:  # a low-order public key can't be encrypted to
            raise AgeKeyError("age.key_recipient") from exc
        wrap_key = hkdf_sha256(shared, share + self.public_key, _LABEL)
        return [Stanza(STANZA_TYPE, (b64encode(share),), wrap_file_key(wrap_key, file_key))]


def _stanza_share(stanza: Stanza) -> bytes:
    """Check an X25519 stanza's shape and return its ephemeral share."""
    if len(stanza.args) != 1:
        raise AgeHeaderError()
    try:
        share = b64decode(stanza.args[0])
    except ValueError as exc:
        raise AgeHeaderError() from exc
    if len(share) != _KEY_SIZE or len(stanza.body) != 32:
        raise AgeHeaderError()
    return share


@dataclass(frozen=True)
class X25519Identity:
    """An X25519 secret key; its ``repr`` never shows the secret."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != _KEY_SIZE:
            raise ValueError("an X25519 secret key is 32 bytes")

    @classmethod
    def generate(cls) -> X25519Identity:
        """Create a new random identity."""
        return cls(os.urandom(_KEY_SIZE))

    @classmethod
    def from_str(cls, text: str) -> X25519Identity:
        """Parse an ``AGE-SECRET-KEY-1…`` identity string.

        Raises:
            AgeKeyError: if the string is not a valid X25519 identity (never echoed).
        """
        return cls(_decode_key(text, _IDENTITY_HRP, "age.key_identity"))

    def __str__(self) -> str:
        return bech32.encode(_IDENTITY_HRP, self.secret).upper()

    def __repr__(self) -> str:
        return f"X25519Identity(recipient={str(self.recipient())!r})"

    def recipient(self) -> X25519Recipient:
        """The public key matching this identity."""
        return X25519Recipient(_public_bytes(self.secret))

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        """Return the file key from the first X25519 stanza wrapped to this identity.

        Returns:
            The 16-byte file key, or ``None`` if no stanza is for this identity.

        Raises:
            AgeHeaderError: if an X25519 stanza is malformed or uses a low-order share.
        """
        ours = [s for s in stanzas if s.type == STANZA_TYPE]
        shares = [_stanza_share(s) for s in ours]  # validate them all before any crypto
        own = _public_bytes(self.secret)
        for stanza, share in zip(ours, shares, strict=True):
            shared = _shared_secret(self.secret, share)
            wrap_key = hkdf_sha256(shared, share + own, _LABEL)
            file_key = unwrap_file_key(wrap_key, stanza.body)
            if file_key is not None:
                return file_key
        return None
