"""age v1 file encryption (age-encryption.org/v1), pure Python over ``cryptography``.

Private to secure_exchange: X25519, ML-KEM-768 + X25519 hybrid and scrypt recipients,
STREAM payload, ASCII armor.
"""

from __future__ import annotations

from secure_exchange.formats.age.age import (
    Identity,
    Reader,
    Recipient,
    Writer,
    decrypt,
    decrypt_bytes,
    encrypt,
    encrypt_bytes,
)
from secure_exchange.formats.age.errors import (
    AgeArmorError,
    AgeError,
    AgeHeaderError,
    AgeHeaderMacError,
    AgeKeyError,
    AgeNoIdentityMatchError,
    AgePayloadError,
    AgeWorkFactorError,
)
from secure_exchange.formats.age.mlkem768x25519 import HybridIdentity, HybridRecipient
from secure_exchange.formats.age.scrypt import ScryptIdentity, ScryptRecipient
from secure_exchange.formats.age.x25519 import X25519Identity, X25519Recipient

__all__ = [
    "AgeArmorError",
    "AgeError",
    "AgeHeaderError",
    "AgeHeaderMacError",
    "AgeKeyError",
    "AgeNoIdentityMatchError",
    "AgePayloadError",
    "AgeWorkFactorError",
    "HybridIdentity",
    "HybridRecipient",
    "Identity",
    "Reader",
    "Recipient",
    "ScryptIdentity",
    "ScryptRecipient",
    "Writer",
    "X25519Identity",
    "X25519Recipient",
    "decrypt",
    "decrypt_bytes",
    "encrypt",
    "encrypt_bytes",
]
