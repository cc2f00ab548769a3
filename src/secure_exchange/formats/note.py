"""C2SP signed notes, tlog checkpoints and tlog cosignatures, with Ed25519 keys.

A note is UTF-8 text ending in a newline, a blank line, then one line per signature:
``— <key name> <base64(4-byte key hash || signature)>``. The key hash is the first four
bytes of SHA-256(name || 0x0A || type || public key), type 0x01 for an Ed25519 note
signature and 0x04 for a ``cosignature/v1`` (whose signature bytes are an 8-byte
big-endian timestamp followed by the Ed25519 signature of
``cosignature/v1\\ntime <timestamp>\\n`` + the checkpoint text). See
protocols/audit-log-v1.md §4 and protocols/witnessing-v1.md §2.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from secure_exchange.formats.errors import FormatError

__all__ = [
    "COSIGNATURE_V1",
    "ED25519",
    "Checkpoint",
    "Ed25519NoteSigner",
    "Note",
    "NoteError",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "add_signatures",
    "cosign",
    "key_hash",
    "open_note",
    "parse_note",
    "sign_note",
    "verify_cosignature",
]

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
_DASH = "\u2014 "
_MAX_SIGNATURES = 100
_NAME = re.compile(r"[^\s+]+")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class NoteError(FormatError):
    """A signed note or checkpoint is malformed or its signature does not verify.

    The audit layer wraps it with context (which file, which peer) at its boundary.
    """


@runtime_checkable
class NoteSigner(Protocol):
    """Anything that signs with Ed25519 under a note key name (an unlocked identity)."""

    @property
    def name(self) -> str:
        """The key name written on signature lines."""
        ...

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        ...

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``message``."""
        ...


def _from_base64(text: str, key: str) -> bytes:
    """Strict standard base64; anything else (non-ASCII text too) is ``NoteError(key)``."""
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, or a non-ASCII character
        raise NoteError(key) from None


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ValueError("a note key name is non-empty, without spaces or '+'")


def key_hash(name: str, public_key: bytes, key_type: int = ED25519) -> bytes:
    """Return the 4-byte key hash that identifies a key on signature lines."""
    _check_name(name)
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    data = name.encode() + b"\n" + bytes([key_type]) + public_key
    return hashlib.sha256(data).digest()[:4]


@dataclass(frozen=True)
class NoteVerifier:
    """A named Ed25519 public key that checks note signatures and cosignatures."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        key_hash(self.name, self.public_key)  # validates name and key length

    @classmethod
    def from_signer(cls, signer: NoteSigner) -> NoteVerifier:
        """The verifier matching ``signer``."""
        return cls(signer.name, bytes(signer.public_key))

    @classmethod
    def from_str(cls, text: str) -> NoteVerifier:
        """Parse the C2SP verifier key form ``<name>+<hash hex>+<base64(0x01||key)>``."""
        try:
            name, hash_hex, b64 = text.strip().split("+", 2)
        except ValueError:
            raise NoteError("audit.note.bad_key") from None
        raw = _from_base64(b64, "audit.note.bad_key")
        if len(raw) != 33 or raw[0] != ED25519 or not _NAME.fullmatch(name):
            raise NoteError("audit.note.bad_key")
        verifier = cls(name, raw[1:])
        if verifier.key_hash().hex() != hash_hex:
            raise NoteError("audit.note.bad_key")
        return verifier

    def __str__(self) -> str:
        b64 = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_hash().hex()}+{b64}"

    def key_hash(self, key_type: int = ED25519) -> bytes:
        """The 4-byte key hash for note signatures (or cosignatures)."""
        return key_hash(self.name, self.public_key, key_type)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


class Ed25519NoteSigner:
    """A ``NoteSigner`` over a ``cryptography`` Ed25519 private key (tests, demos)."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey | None = None) -> None:
        _check_name(name)
        self._name = name
        self._key = private_key or Ed25519PrivateKey.generate()

    def __repr__(self) -> str:
        return f"Ed25519NoteSigner({self._name!r})"

    @property
    def name(self) -> str:
        """The key name."""
        return self._name

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key."""
        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        """Sign ``message``."""
        return self._key.sign(message)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key hash and the signature bytes."""

    name: str
    key_hash: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line, newline included."""
        b64 = base64.b64encode(self.key_hash + self.signature).decode()
        return f"{_DASH}{self.name} {b64}\n"


@dataclass(frozen=True)
class Note:
    """A note's text (ending in a newline) and its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def to_bytes(self) -> bytes:
        """Serialise as text, blank line, signature lines."""
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()


def _check_text(text: str) -> None:
    if len(text) < 2 or not text.endswith("\n") or _CONTROL.search(text) or "\n\n" in text:
        raise NoteError("audit.note.malformed")


def sign_note(text: str, signers: Sequence[NoteSigner]) -> bytes:
    """Sign ``text`` with each signer and return the note bytes."""
    _check_text(text)
    sigs = []
    for signer in signers:
        signature = signer.sign(text.encode())
        if len(signature) != 64:
            raise ValueError("an Ed25519 signature is 64 bytes")
        sigs.append(NoteSignature(signer.name, key_hash(signer.name, signer.public_key), signature))
    return Note(text, tuple(sigs)).to_bytes()


def _parse_signature(line: str) -> NoteSignature:
    if not line.startswith(_DASH):
        raise NoteError("audit.note.malformed")
    name, _, b64 = line[len(_DASH) :].partition(" ")
    raw = _from_base64(b64, "audit.note.malformed")
    if not _NAME.fullmatch(name) or len(raw) < 5:
        raise NoteError("audit.note.malformed")
    return NoteSignature(name, raw[:4], raw[4:])


def parse_note(data: bytes) -> Note:
    """Split a note into text and signature lines without checking signatures."""
    try:
        whole = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("audit.note.malformed") from None
    split = whole.rfind("\n\n")
    if split < 0 or not whole.endswith("\n"):
        raise NoteError("audit.note.malformed")
    text, sig_block = whole[: split + 1], whole[split + 2 :]
    _check_text(text)
    lines = sig_block.splitlines()
    if not lines or len(lines) > _MAX_SIGNATURES:
        raise NoteError("audit.note.malformed")
    return Note(text, tuple(_parse_signature(line) for line in lines))


def open_note(data: bytes, verifiers: Iterable[NoteVerifier]) -> Note:
    """Parse a note and require a valid signature from at least one known verifier.

    A signature line that names a known key but does not verify is an error, as the
    signed-note spec asks; lines from unknown keys are ignored.
    """
    note = parse_note(data)
    known = {(v.name, v.key_hash()): v for v in verifiers}
    verified = False
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_hash))
        if verifier is None:
            continue
        if not verifier.verify(note.text.encode(), sig.signature):
            raise NoteError("audit.note.bad_signature", name=sig.name)
        verified = True
    if not verified:
        raise NoteError("audit.note.unverified")
    return note


def add_signatures(data: bytes, extra: Iterable[NoteSignature]) -> bytes:
    """Return the note with ``extra`` signature lines added (duplicates skipped)."""
    note = parse_note(data)
    sigs = list(note.signatures)
    for sig in extra:
        if sig not in sigs:
            sigs.append(sig)
    if len(sigs) > _MAX_SIGNATURES:
        raise NoteError("audit.note.malformed")
    return Note(note.text, tuple(sigs)).to_bytes()


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def cosign(text: str, signer: NoteSigner, timestamp: int) -> NoteSignature:
    """Make a ``cosignature/v1`` of checkpoint ``text`` at ``timestamp`` (Unix seconds)."""
    _check_text(text)
    if not 0 <= timestamp < 1 << 63:
        raise ValueError("timestamp out of range")
    signature = signer.sign(_cosigned_message(text, timestamp))
    ident = key_hash(signer.name, signer.public_key, COSIGNATURE_V1)
    return NoteSignature(signer.name, ident, timestamp.to_bytes(8, "big") + signature)


def verify_cosignature(text: str, sig: NoteSignature, verifier: NoteVerifier) -> int | None:
    """Return the cosignature's timestamp if it is ``verifier``'s, valid, over ``text``."""
    if sig.name != verifier.name or sig.key_hash != verifier.key_hash(COSIGNATURE_V1):
        return None
    if len(sig.signature) != 72:
        return None
    timestamp = int.from_bytes(sig.signature[:8], "big")
    if not verifier.verify(_cosigned_message(text, timestamp), sig.signature[8:]):
        return None
    return timestamp


_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog checkpoint body: origin, tree size, root hash (and extension lines)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The checkpoint body as note text."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body; raises ``NoteError`` when it is malformed."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not lines[0] or not _SIZE.fullmatch(lines[1]):
            raise NoteError("audit.note.bad_checkpoint")
        root_hash = _from_base64(lines[2], "audit.note.bad_checkpoint")
        if len(root_hash) != 32 or any(not line for line in lines[3:-1]):
            raise NoteError("audit.note.bad_checkpoint")
        return cls(lines[0], int(lines[1]), root_hash, tuple(lines[3:-1]))
