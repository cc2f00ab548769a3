"""Minisign-compatible keys and signatures, byte for byte as minisign 0.11 writes them.

Formats (all binary fields base64-encoded, one per line, after an ``untrusted comment:`` line):

* public key: ``"Ed" || key id (8) || Ed25519 public key (32)``;
* secret key: ``"Ed" || kdf ("Sc" or 0x0000) || "B2" || salt (32) || opslimit (u64 LE) ||
  memlimit (u64 LE) || keynum_sk``, where ``keynum_sk = key id (8) || Ed25519 secret key
  (64) || BLAKE2b-256(sig_alg || key id || secret key)`` XOR-ed with 104 bytes of
  scrypt(passphrase, salt) chosen by libsodium's ``pickparams`` from opslimit/memlimit;
* signature: ``"ED"`` (Ed25519 over BLAKE2b-512 of the data) or legacy ``"Ed"`` (over the
  data itself) ``|| key id || signature (64)``, then ``trusted comment: …`` and the global
  signature, Ed25519 over ``signature || trusted comment``.

Key ids print as minisign 0.11 does: the 8 bytes read as a little-endian integer, printed
``%" PRIX64`` (upper-case hex, leading zeros dropped: id ``01 02 … 07 00`` is ``7060504030201``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
import time
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from nacl.pwhash import scrypt as _scrypt

from secure_exchange.formats.errors import FormatError

__all__ = [
    "DEFAULT_MEMLIMIT",
    "DEFAULT_OPSLIMIT",
    "MEMLIMIT_INTERACTIVE",
    "MEMLIMIT_SENSITIVE",
    "OPSLIMIT_INTERACTIVE",
    "OPSLIMIT_SENSITIVE",
    "KeyFormatError",
    "KeyPassphraseError",
    "MinisignError",
    "PublicKey",
    "SecretKey",
    "Signature",
    "SignatureError",
    "default_trusted_comment",
]

OPSLIMIT_SENSITIVE = 33554432
MEMLIMIT_SENSITIVE = 1073741824
OPSLIMIT_INTERACTIVE = 524288
MEMLIMIT_INTERACTIVE = 16777216
# minisign's own default; see SecretKey.to_file_text for why.
DEFAULT_OPSLIMIT = OPSLIMIT_SENSITIVE
DEFAULT_MEMLIMIT = MEMLIMIT_SENSITIVE
# Refuse key files asking for more than this (a damaged or hostile file could ask for 64 GiB).
_MAX_OPSLIMIT = 1 << 34
_MAX_MEMLIMIT = 1 << 33

_SIG_ALG = b"Ed"
_SIG_ALG_PREHASHED = b"ED"
_KDF_SCRYPT = b"Sc"
_KDF_NONE = b"\x00\x00"
_CHK_ALG = b"B2"
_KEY_ID_LEN = 8
_PK_LEN = 32
_SEED_LEN = 32
_SK_LEN = 64
_SIG_LEN = 64
_CHK_LEN = 32
_SALT_LEN = 32
_KEYNUM_SK_LEN = _KEY_ID_LEN + _SK_LEN + _CHK_LEN
_PUBKEY_BLOB_LEN = 2 + _KEY_ID_LEN + _PK_LEN
_SECKEY_BLOB_LEN = 6 + _SALT_LEN + 16 + _KEYNUM_SK_LEN
_SIG_BLOB_LEN = 2 + _KEY_ID_LEN + _SIG_LEN

_UNTRUSTED = "untrusted comment: "
_TRUSTED = "trusted comment: "
_MAX_UNTRUSTED_BYTES = 1000
_MAX_TRUSTED_BYTES = 8000
_CHUNK = 1 << 20

DEFAULT_SIGNATURE_COMMENT = "signature from minisign secret key"


class Readable(Protocol):
    """A binary stream: ``read(size)`` returns bytes, ``b""`` at the end."""

    def read(self, size: int = -1, /) -> bytes:
        """Read up to ``size`` bytes."""
        ...


class MinisignError(FormatError):
    """Base of every error about minisign keys and signatures."""


class KeyFormatError(MinisignError):
    """A minisign key is malformed, damaged, of an unsupported kind or too costly to open."""


class KeyPassphraseError(MinisignError):
    """A secret key's passphrase is wrong, missing, or refused (empty, or none without consent)."""


class SignatureError(MinisignError):
    """A minisign signature is malformed or does not verify."""


def default_trusted_comment(file_name: str | None = None, *, now: int | None = None) -> str:
    """Return minisign's default trusted comment, ``timestamp:<unix>\\tfile:<name>\\thashed``."""
    stamp = int(time.time()) if now is None else now
    if file_name is None:
        return f"timestamp:{stamp}\thashed"
    return f"timestamp:{stamp}\tfile:{file_name}\thashed"


def _key_id_hex(key_id: bytes) -> str:
    # minisign 0.11 prints "%" PRIX64 of the little-endian id: upper case, no zero padding.
    return f"{int.from_bytes(key_id, 'little'):X}"


def _blob_lines(text: str) -> list[str]:
    """Non-empty lines of a key file, trailing ``\\r`` and blanks removed."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _b64(line: str, size: int) -> bytes | None:
    """Strictly decode one base64 line of exactly ``size`` bytes, else ``None``."""
    try:
        blob = base64.b64decode(line.strip().encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return blob if len(blob) == size else None


def _key_blob_line(text: str) -> str | None:
    """The base64 line of a key file (whole file, or just the line); ``None`` if neither."""
    lines = _blob_lines(text)
    if len(lines) == 1:
        return lines[0]
    if len(lines) == 2 and lines[0].startswith(_UNTRUSTED.rstrip()):
        return lines[1]
    return None


def _check_comment(comment: str, limit: int) -> None:
    if "\n" in comment or "\r" in comment:
        raise ValueError("a minisign comment must be a single line")
    if len(comment.encode("utf-8")) > limit:
        raise ValueError(f"a minisign comment must be at most {limit} bytes")


def _prehash_stream(fileobj: Readable) -> bytes:
    digest = hashlib.blake2b(digest_size=64)
    while chunk := fileobj.read(_CHUNK):
        digest.update(chunk)
    return digest.digest()


def _ed25519_ok(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Signature:
    """A parsed ``.minisig`` file; ``str()`` gives the file text back."""

    algorithm: bytes
    key_id: bytes
    signature: bytes
    trusted_comment: str
    global_signature: bytes
    untrusted_comment: str = DEFAULT_SIGNATURE_COMMENT

    @property
    def prehashed(self) -> bool:
        """Whether the data was hashed with BLAKE2b-512 before signing (``ED``)."""
        return self.algorithm == _SIG_ALG_PREHASHED

    @property
    def key_id_hex(self) -> str:
        """The signer's key id as minisign prints it."""
        return _key_id_hex(self.key_id)

    @classmethod
    def from_str(cls, text: str) -> Signature:
        """Parse signature file text.

        Raises:
            SignatureError: the text is not a well-formed minisign signature.
        """
        lines = [line.rstrip("\r") for line in text.split("\n")]
        while lines and not lines[-1].strip():
            lines.pop()
        if len(lines) != 4:
            raise SignatureError("minisign.signature.malformed")
        head, blob_line, trusted_line, global_line = lines
        if not head.startswith(_UNTRUSTED) or not trusted_line.startswith(_TRUSTED):
            raise SignatureError("minisign.signature.malformed")
        blob = _b64(blob_line, _SIG_BLOB_LEN)
        global_sig = _b64(global_line, _SIG_LEN)
        if blob is None or global_sig is None:
            raise SignatureError("minisign.signature.malformed")
        if blob[:2] not in (_SIG_ALG, _SIG_ALG_PREHASHED):
            raise SignatureError("minisign.signature.unsupported")
        return cls(
            algorithm=blob[:2],
            key_id=blob[2 : 2 + _KEY_ID_LEN],
            signature=blob[2 + _KEY_ID_LEN :],
            trusted_comment=trusted_line[len(_TRUSTED) :],
            global_signature=global_sig,
            untrusted_comment=head[len(_UNTRUSTED) :],
        )

    def __str__(self) -> str:
        blob = base64.b64encode(self.algorithm + self.key_id + self.signature).decode()
        return (
            f"{_UNTRUSTED}{self.untrusted_comment}\n{blob}\n"
            f"{_TRUSTED}{self.trusted_comment}\n"
            f"{base64.b64encode(self.global_signature).decode()}\n"
        )


@dataclass(frozen=True)
class PublicKey:
    """A minisign public key: 8-byte key id and 32-byte Ed25519 key."""

    key_id: bytes
    key: bytes

    def __post_init__(self) -> None:
        if len(self.key_id) != _KEY_ID_LEN or len(self.key) != _PK_LEN:
            raise ValueError("a minisign public key is an 8-byte id and a 32-byte key")

    @classmethod
    def from_str(cls, text: str) -> PublicKey:
        """Read a ``.pub`` file's text, or just its base64 line (as given to ``minisign -P``).

        Raises:
            KeyFormatError: the text is not a minisign Ed25519 public key.
        """
        line = _key_blob_line(text)
        blob = None if line is None else _b64(line, _PUBKEY_BLOB_LEN)
        if blob is None or blob[:2] != _SIG_ALG:
            raise KeyFormatError("minisign.pubkey.malformed")
        return cls(key_id=blob[2 : 2 + _KEY_ID_LEN], key=blob[2 + _KEY_ID_LEN :])

    @property
    def key_id_hex(self) -> str:
        """The key id as minisign prints it (little-endian integer, upper-case hex)."""
        return _key_id_hex(self.key_id)

    def base64(self) -> str:
        """The single base64 line, as used with ``minisign -P``."""
        return base64.b64encode(_SIG_ALG + self.key_id + self.key).decode("ascii")

    def __str__(self) -> str:
        return self.base64()

    def to_file_text(self, comment: str | None = None) -> str:
        """The ``.pub`` file text; the comment defaults to ``minisign public key <KEYID>``."""
        text = f"minisign public key {self.key_id_hex}" if comment is None else comment
        _check_comment(text, _MAX_UNTRUSTED_BYTES)
        return f"{_UNTRUSTED}{text}\n{self.base64()}\n"

    def verify(self, data: bytes, signature_text: str, *, prehashed_only: bool = False) -> str:
        """Verify ``data`` against a signature file's text; return the trusted comment.

        Args:
            data: the signed bytes.
            signature_text: the ``.minisig`` text.
            prehashed_only: refuse legacy ``Ed`` signatures (``minisign -V -H``).

        Raises:
            SignatureError: malformed, other key, bad signature or altered trusted comment.
        """
        sig = self._parse_for_me(signature_text)
        if prehashed_only and not sig.prehashed:
            raise SignatureError("minisign.signature.legacy_refused")
        message = hashlib.blake2b(data, digest_size=64).digest() if sig.prehashed else data
        return self._check(sig, message)

    def verify_stream(self, fileobj: Readable, signature_text: str) -> str:
        """Like :meth:`verify` for a big file read in chunks; prehashed signatures only."""
        sig = self._parse_for_me(signature_text)
        if not sig.prehashed:
            raise SignatureError("minisign.signature.legacy_refused")
        return self._check(sig, _prehash_stream(fileobj))

    def _parse_for_me(self, signature_text: str) -> Signature:
        sig = Signature.from_str(signature_text)
        if sig.key_id != self.key_id:
            raise SignatureError(
                "minisign.signature.key_mismatch",
                signed_by=sig.key_id_hex,
                expected=self.key_id_hex,
            )
        return sig

    def _check(self, sig: Signature, message: bytes) -> str:
        if not _ed25519_ok(self.key, sig.signature, message):
            raise SignatureError("minisign.signature.bad")
        signed_comment = sig.signature + sig.trusted_comment.encode("utf-8")
        if not _ed25519_ok(self.key, sig.global_signature, signed_comment):
            raise SignatureError("minisign.signature.bad_global")
        return sig.trusted_comment


def _checksum(key_id: bytes, secret: bytes) -> bytes:
    return hashlib.blake2b(_SIG_ALG + key_id + secret, digest_size=_CHK_LEN).digest()


def _keystream(passphrase: bytes, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    """scrypt keystream for ``keynum_sk``, parameters picked as libsodium does."""
    if not (0 <= opslimit <= _MAX_OPSLIMIT and 0 <= memlimit <= _MAX_MEMLIMIT):
        raise KeyFormatError("minisign.seckey.kdf_limits")
    try:
        stream = _scrypt.kdf(_KEYNUM_SK_LEN, passphrase, salt, opslimit, memlimit)
    except MemoryError as exc:
        raise KeyFormatError("minisign.seckey.out_of_memory", mib=memlimit >> 20) from exc
    return bytes(stream)


def _xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right, strict=True))


class SecretKey:
    """A minisign secret key (Ed25519 seed and key id); ``repr`` shows only the key id."""

    __slots__ = ("_key_id", "_private", "_public", "_seed")

    def __init__(self, seed: bytes, key_id: bytes) -> None:
        """Build from a 32-byte Ed25519 seed and an 8-byte key id (prefer the classmethods)."""
        if len(seed) != _SEED_LEN or len(key_id) != _KEY_ID_LEN:
            raise ValueError("a minisign secret key is a 32-byte seed and an 8-byte id")
        self._seed = bytes(seed)
        self._key_id = bytes(key_id)
        self._private = Ed25519PrivateKey.from_private_bytes(self._seed)
        self._public = self._private.public_key().public_bytes_raw()

    @classmethod
    def generate(cls) -> SecretKey:
        """A fresh random key pair with a random key id, like ``minisign -G``."""
        return cls(os.urandom(_SEED_LEN), os.urandom(_KEY_ID_LEN))

    @classmethod
    def from_seed(cls, seed: bytes, key_id: bytes) -> SecretKey:
        """A key from a fixed seed and key id (for test vectors)."""
        return cls(seed, key_id)

    def __repr__(self) -> str:
        return f"SecretKey(key_id={self.key_id_hex})"

    @property
    def key_id(self) -> bytes:
        """The 8-byte key id."""
        return self._key_id

    @property
    def key_id_hex(self) -> str:
        """The key id as minisign prints it."""
        return _key_id_hex(self._key_id)

    @property
    def ed25519_public_bytes(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self._public

    @property
    def public_key(self) -> PublicKey:
        """The matching minisign public key."""
        return PublicKey(key_id=self._key_id, key=self._public)

    def to_file_text(
        self,
        passphrase: bytes | None,
        *,
        opslimit: int = DEFAULT_OPSLIMIT,
        memlimit: int = DEFAULT_MEMLIMIT,
        comment: str | None = None,
        allow_unencrypted: bool = False,
    ) -> str:
        """The secret key file text, encrypted with ``passphrase`` (scrypt, as minisign).

        The default strength is minisign's own (``OPSLIMIT_SENSITIVE`` /
        ``MEMLIMIT_SENSITIVE``: scrypt N=2^20, r=8, 1 GiB, a few seconds). A key is
        unlocked only to sign an agreement or a package, so the wait is rare, and the
        officers' PCs (4 GiB and up) can spare 1 GiB briefly; a stolen key file then
        costs an attacker as much per guess as one made by ``minisign -G``. Pass the
        ``*_INTERACTIVE`` values only for tests or throw-away keys.

        Args:
            passphrase: non-empty passphrase, or ``None`` with ``allow_unencrypted``.
            opslimit: scrypt operations limit (libsodium meaning).
            memlimit: scrypt memory limit in bytes.
            comment: the untrusted comment line.
            allow_unencrypted: write the key in clear when ``passphrase`` is ``None``.

        Raises:
            KeyPassphraseError: no passphrase without ``allow_unencrypted``, or an empty one.
        """
        if passphrase is None and not allow_unencrypted:
            raise KeyPassphraseError("minisign.passphrase.unencrypted_refused")
        if passphrase is not None and not passphrase:
            raise KeyPassphraseError("minisign.passphrase.empty")
        if passphrase is None:
            text = "minisign unencrypted secret key" if comment is None else comment
            blob = self._blob(None, b"\x00" * _SALT_LEN, 0, 0)
        else:
            text = "minisign encrypted secret key" if comment is None else comment
            blob = self._blob(passphrase, os.urandom(_SALT_LEN), opslimit, memlimit)
        _check_comment(text, _MAX_UNTRUSTED_BYTES)
        return f"{_UNTRUSTED}{text}\n{base64.b64encode(blob).decode('ascii')}\n"

    def _blob(self, passphrase: bytes | None, salt: bytes, opslimit: int, memlimit: int) -> bytes:
        """The binary secret key file body (salt and limits injected for vectors)."""
        secret = self._seed + self._public
        keynum_sk = self._key_id + secret + _checksum(self._key_id, secret)
        kdf = _KDF_NONE
        if passphrase is not None:
            if not (_scrypt.OPSLIMIT_MIN <= opslimit <= _MAX_OPSLIMIT):
                raise ValueError("opslimit out of range")
            if not (_scrypt.MEMLIMIT_MIN <= memlimit <= _MAX_MEMLIMIT):
                raise ValueError("memlimit out of range")
            kdf = _KDF_SCRYPT
            keynum_sk = _xor(keynum_sk, _keystream(passphrase, salt, opslimit, memlimit))
        limits = struct.pack("<QQ", opslimit, memlimit)
        return _SIG_ALG + kdf + _CHK_ALG + salt + limits + keynum_sk

    @classmethod
    def from_file_text(cls, text: str, passphrase: bytes | None) -> SecretKey:
        """Read a minisign secret key file (encrypted, or unencrypted as ``minisign -W``).

        Raises:
            KeyPassphraseError: the key is encrypted and the passphrase is missing or wrong.
            KeyFormatError: the file is malformed, damaged or unsupported.
        """
        line = _key_blob_line(text)
        blob = None if line is None else _b64(line, _SECKEY_BLOB_LEN)
        if blob is None:
            raise KeyFormatError("minisign.seckey.malformed")
        kdf = blob[2:4]
        if blob[:2] != _SIG_ALG or blob[4:6] != _CHK_ALG or kdf not in (_KDF_SCRYPT, _KDF_NONE):
            raise KeyFormatError("minisign.seckey.unsupported")
        keynum_sk = blob[6 + _SALT_LEN + 16 :]
        if kdf == _KDF_SCRYPT:
            keynum_sk = _xor(keynum_sk, _unlock_stream(blob, passphrase))
        return cls._from_keynum_sk(keynum_sk, encrypted=kdf == _KDF_SCRYPT)

    @classmethod
    def _from_keynum_sk(cls, keynum_sk: bytes, *, encrypted: bool) -> SecretKey:
        key_id = keynum_sk[:_KEY_ID_LEN]
        secret = keynum_sk[_KEY_ID_LEN : _KEY_ID_LEN + _SK_LEN]
        stored = keynum_sk[_KEY_ID_LEN + _SK_LEN :]
        if stored != _checksum(key_id, secret):
            if encrypted:
                raise KeyPassphraseError("minisign.passphrase.wrong")
            # minisign -W (0.11) leaves the checksum zeroed and never checks it.
            if stored != b"\x00" * _CHK_LEN:
                raise KeyFormatError("minisign.seckey.corrupt")
        key = cls(secret[:_SEED_LEN], key_id)
        if key.ed25519_public_bytes != secret[_SEED_LEN:]:
            raise KeyFormatError("minisign.seckey.corrupt")
        return key

    def sign(
        self,
        data: bytes,
        *,
        trusted_comment: str | None = None,
        untrusted_comment: str = DEFAULT_SIGNATURE_COMMENT,
        file_name: str | None = None,
    ) -> str:
        """Sign ``data`` (prehashed ``ED``, as minisign 0.11 does by default).

        Args:
            data: the bytes to sign.
            trusted_comment: signed comment; default ``default_trusted_comment(file_name)``.
            untrusted_comment: the unsigned first line.
            file_name: the file name put in the default trusted comment.

        Returns:
            The ``.minisig`` file text.
        """
        digest = hashlib.blake2b(data, digest_size=64).digest()
        return self._signature(digest, trusted_comment, untrusted_comment, file_name)

    def sign_stream(
        self,
        fileobj: Readable,
        *,
        trusted_comment: str | None = None,
        untrusted_comment: str = DEFAULT_SIGNATURE_COMMENT,
        file_name: str | None = None,
    ) -> str:
        """Like :meth:`sign` for a big file read in chunks."""
        digest = _prehash_stream(fileobj)
        return self._signature(digest, trusted_comment, untrusted_comment, file_name)

    def sign_raw(self, message: bytes) -> bytes:
        """A plain 64-byte Ed25519 signature of ``message`` (no minisign framing)."""
        return self._private.sign(message)

    def _signature(
        self, digest: bytes, trusted: str | None, untrusted: str, file_name: str | None
    ) -> str:
        trusted = default_trusted_comment(file_name) if trusted is None else trusted
        _check_comment(trusted, _MAX_TRUSTED_BYTES)
        _check_comment(untrusted, _MAX_UNTRUSTED_BYTES)
        return str(self._signature_record(_SIG_ALG_PREHASHED, digest, trusted, untrusted))

    def _signature_record(
        self, algorithm: bytes, message: bytes, trusted: str, untrusted: str
    ) -> Signature:
        """Sign ``message`` as is (prehashed digest, or the data for legacy ``Ed``)."""
        signature = self._private.sign(message)
        global_sig = self._private.sign(signature + trusted.encode("utf-8"))
        return Signature(algorithm, self._key_id, signature, trusted, global_sig, untrusted)


def _unlock_stream(blob: bytes, passphrase: bytes | None) -> bytes:
    """The scrypt keystream of an encrypted secret key file body."""
    if passphrase is None:
        raise KeyPassphraseError("minisign.passphrase.required")
    salt = blob[6 : 6 + _SALT_LEN]
    opslimit, memlimit = struct.unpack("<QQ", blob[6 + _SALT_LEN : 6 + _SALT_LEN + 16])
    return _keystream(passphrase, salt, int(opslimit), int(memlimit))
