"""The hybrid post-quantum recipient type ``mlkem768x25519`` of the C2SP age spec.

Keys: ``age1pq1…`` recipients (an ML-KEM-768 encapsulation key, 1184 bytes, then an X25519
public key, 32 bytes) and ``AGE-SECRET-KEY-PQ-1…`` identities (a 32-byte seed). The file
key is sealed with HPKE (RFC 9180) in base mode: KEM MLKEM768-X25519 (draft-ietf-hpke-pq,
the X-Wing combiner), KDF HKDF-SHA256, AEAD ChaCha20Poly1305, info
``age-encryption.org/mlkem768x25519``, empty aad. The stanza is
``-> mlkem768x25519 <enc>`` (enc: the ML-KEM ciphertext, 1088 bytes, then the X25519
ephemeral share, 32 bytes) with the 32-byte HPKE ciphertext as its body.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.mlkem import (
    MLKEM768PrivateKey,
    MLKEM768PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from secure_exchange.formats.age import bech32
from secure_exchange.formats.age.errors import AgeHeaderError, AgeKeyError
from secure_exchange.formats.age.format import Stanza, b64decode, b64encode
from secure_exchange.formats.age.primitives import FILE_KEY_SIZE

__all__ = ["STANZA_TYPE", "HybridIdentity", "HybridRecipient"]

STANZA_TYPE = "mlkem768x25519"
_INFO = b"age-encryption.org/mlkem768x25519"
_RECIPIENT_HRP = "age1pq"
_IDENTITY_HRP = "AGE-SECRET-KEY-PQ-"
_SEED_SIZE = 32
_MLKEM_PUBLIC = 1184
_MLKEM_CIPHERTEXT = 1088
_X25519_SIZE = 32
PUBLIC_SIZE = _MLKEM_PUBLIC + _X25519_SIZE
ENC_SIZE = _MLKEM_CIPHERTEXT + _X25519_SIZE
_BODY_SIZE = FILE_KEY_SIZE + 16
# The QSF/X-Wing combiner's label for MLKEM768-X25519: the bytes of ``\./`` ``/^\``.
_COMBINER_LABEL = b"\x5c\x2e\x2f\x2f\x5e\x5c"
# HPKE suite: KEM 0x647a (MLKEM768-X25519), KDF 0x0001 (HKDF-SHA256), AEAD 0x0003.
_SUITE_ID = b"HPKE" + (0x647A).to_bytes(2, "big") + (1).to_bytes(2, "big") + (3).to_bytes(2, "big")


def _expand(seed: bytes) -> tuple[MLKEM768PrivateKey, bytes]:
    """The ML-KEM-768 key and the X25519 secret a 32-byte seed stands for."""
    expanded = hashlib.shake_256(seed).digest(64 + _X25519_SIZE)
    return MLKEM768PrivateKey.from_seed_bytes(expanded[:64]), expanded[64:]


def _x25519_public(secret: bytes) -> bytes:
    key = X25519PrivateKey.from_private_bytes(secret).public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _x25519(secret: bytes, peer: bytes) -> bytes:
    """X25519(secret, peer); an all-zero result (a low-order point) is refused."""
    try:
        shared = X25519PrivateKey.from_private_bytes(secret).exchange(
            X25519PublicKey.from_public_bytes(peer)
        )
    except ValueError as exc:  # cryptography refuses the all-zero shared secret
        raise AgeHeaderError() from exc
    if hmac.compare_digest(shared, bytes(_X25519_SIZE)):
        raise AgeHeaderError()
    return shared


def _combine(ss_pq: bytes, ss_t: bytes, ct_t: bytes, pk_t: bytes) -> bytes:
    return hashlib.sha3_256(ss_pq + ss_t + ct_t + pk_t + _COMBINER_LABEL).digest()


def _labeled_extract(salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return hmac.digest(salt or bytes(32), b"HPKE-v1" + _SUITE_ID + label + ikm, "sha256")


def _labeled_expand(prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled = length.to_bytes(2, "big") + b"HPKE-v1" + _SUITE_ID + label + info
    return HKDFExpand(hashes.SHA256(), length, labeled).derive(prk)


def _key_schedule(shared_secret: bytes) -> tuple[bytes, bytes]:
    """HPKE base mode's AEAD key and nonce for ``info`` (first and only message: seq 0)."""
    psk_id_hash = _labeled_extract(b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(b"", b"info_hash", _INFO)
    context = b"\x00" + psk_id_hash + info_hash
    secret = _labeled_extract(shared_secret, b"secret", b"")
    return (
        _labeled_expand(secret, b"key", context, 32),
        _labeled_expand(secret, b"base_nonce", context, 12),
    )


def _decode_key(text: str, hrp: str, size: int, error_key: str) -> bytes:
    """The key bytes of a Bech32 string with part ``hrp`` (the text is never echoed)."""
    try:
        found, data = bech32.decode(text.strip())
    except bech32.Bech32Error as exc:
        raise AgeKeyError(error_key) from exc
    if found != hrp or len(data) != size:
        raise AgeKeyError(error_key)
    return data


@functools.lru_cache(maxsize=64)
def _recipient_key(text: str) -> bytes:
    """The public key of an ``age1pq1…`` string, checked (cached: a command meets the same
    few recipients in every agreement it reads, and each is some 2,000 characters)."""
    key = _decode_key(text, _RECIPIENT_HRP, PUBLIC_SIZE, "age.key_recipient")
    try:
        MLKEM768PublicKey.from_public_bytes(key[:_MLKEM_PUBLIC])
    except ValueError as exc:
        raise AgeKeyError("age.key_recipient") from exc
    return key


@functools.lru_cache(maxsize=64)
def _recipient_text(public_key: bytes) -> str:
    return bech32.encode(_RECIPIENT_HRP, public_key)


@dataclass(frozen=True)
class HybridRecipient:
    """An ML-KEM-768 + X25519 public key that files can be encrypted to."""

    public_key: bytes

    def __post_init__(self) -> None:
        if len(self.public_key) != PUBLIC_SIZE:
            raise ValueError(f"an mlkem768x25519 public key is {PUBLIC_SIZE} bytes")

    @classmethod
    def from_str(cls, text: str) -> HybridRecipient:
        """Parse an ``age1pq1…`` recipient string.

        Raises:
            AgeKeyError: if the string is not a valid hybrid recipient (or its ML-KEM key
                is not well formed).
        """
        return cls(_recipient_key(text))

    def __str__(self) -> str:
        return _recipient_text(self.public_key)

    def wrap(self, file_key: bytes, *, random: Callable[[int], bytes] = os.urandom) -> list[Stanza]:
        """Seal ``file_key`` to this key; ``random`` supplies the X25519 ephemeral secret.

        Raises:
            AgeKeyError: if the X25519 half is a low-order point or the ML-KEM half is
                malformed.
        """
        pk_pq, pk_t = self.public_key[:_MLKEM_PUBLIC], self.public_key[_MLKEM_PUBLIC:]
        try:
            ss_pq, ct_pq = MLKEM768PublicKey.from_public_bytes(pk_pq).encapsulate()
        except ValueError as exc:
            raise AgeKeyError("age.key_recipient") from exc
        ephemeral = random(_X25519_SIZE)
        ct_t = _x25519_public(ephemeral)
        try:
            ss_t = _x25519(ephemeral, pk_t)
        except AgeHeaderError as exc:
            raise AgeKeyError("age.key_recipient") from exc
        key, nonce = _key_schedule(_combine(ss_pq, ss_t, ct_t, pk_t))
        body = ChaCha20Poly1305(key).encrypt(nonce, file_key, None)
        return [Stanza(STANZA_TYPE, (b64encode(ct_pq + ct_t),), body)]


def _stanza_enc(stanza: Stanza) -> bytes:
    """Check a hybrid stanza's shape and return its encapsulated key."""
    if len(stanza.args) != 1:
        raise AgeHeaderError()
    try:
        enc = b64decode(stanza.args[0])
    except ValueError as exc:
        raise AgeHeaderError() from exc
    if len(enc) != ENC_SIZE or len(stanza.body) != _BODY_SIZE:
        raise AgeHeaderError()
    return enc


@dataclass(frozen=True)
class HybridIdentity:
    """An ML-KEM-768 + X25519 secret key (its 32-byte seed); ``repr`` never shows it."""

    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.seed) != _SEED_SIZE:
            raise ValueError("an mlkem768x25519 identity is a 32-byte seed")

    @classmethod
    def generate(cls) -> HybridIdentity:
        """Create a new random identity."""
        return cls(os.urandom(_SEED_SIZE))

    @classmethod
    def from_str(cls, text: str) -> HybridIdentity:
        """Parse an ``AGE-SECRET-KEY-PQ-1…`` identity string.

        Raises:
            AgeKeyError: if the string is not a valid hybrid identity (never echoed).
        """
        return cls(_decode_key(text, _IDENTITY_HRP, _SEED_SIZE, "age.key_identity"))

    def __str__(self) -> str:
        return bech32.encode(_IDENTITY_HRP, self.seed).upper()

    def __repr__(self) -> str:
        return "HybridIdentity(…)"

    def recipient(self) -> HybridRecipient:
        """The public key matching this identity."""
        mlkem, x25519_secret = _expand(self.seed)
        return HybridRecipient(
            mlkem.public_key().public_bytes_raw() + _x25519_public(x25519_secret)
        )

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        """Return the file key from the first hybrid stanza sealed to this identity.

        Returns:
            The 16-byte file key, or ``None`` if no stanza is for this identity.

        Raises:
            AgeHeaderError: if a hybrid stanza is malformed or carries a low-order share.
        """
        ours = [s for s in stanzas if s.type == STANZA_TYPE]
        encs = [_stanza_enc(s) for s in ours]  # validate them all before any crypto
        if not ours:
            return None
        mlkem, x25519_secret = _expand(self.seed)
        pk_t = _x25519_public(x25519_secret)
        for stanza, enc in zip(ours, encs, strict=True):
            ct_pq, ct_t = enc[:_MLKEM_CIPHERTEXT], enc[_MLKEM_CIPHERTEXT:]
            ss_pq = mlkem.decapsulate(ct_pq)  # implicit rejection: a wrong key opens nothing
            ss_t = _x25519(x25519_secret, ct_t)
            key, nonce = _key_schedule(_combine(ss_pq, ss_t, ct_t, pk_t))
            try:
                return ChaCha20Poly1305(key).decrypt(nonce, stanza.body, None)
            except InvalidTag:
                continue
        return None
