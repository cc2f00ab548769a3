"""Fuzz targets: one function for each reader of bytes that can come from the other party.

A target takes arbitrary bytes and must either return or raise one of our typed errors
(``SecureExchangeError`` in the application, ``FormatError`` in the formats layer): that
is a clear refusal. Anything else (``ValueError``, ``KeyError``, ``MemoryError``, a hang) is
a finding. The same functions replay the seed corpus and every kept crash in
``tests/test_fuzz.py``, so this module needs no fuzzer to import.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from secure_exchange.errors import SecureExchangeError
from secure_exchange.formats import age, canonjson, minisign, note
from secure_exchange.formats.errors import FormatError

__all__ = ["EXPECTED", "TARGETS", "Target"]

EXPECTED: tuple[type[BaseException], ...] = (SecureExchangeError, FormatError)

# Fixed, public test keys: fuzzing needs a key to get past the first check, not a secret.
_X25519 = age.X25519Identity(bytes(range(32)))
_SIGNER = minisign.SecretKey.from_seed(bytes(range(32, 64)), bytes(range(8)))
_NOTE_SIGNER = note.Ed25519NoteSigner(
    "sx.fuzz/log", Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
)


@dataclass(frozen=True)
class Target:
    """A reader under test: its name, the call, and how to make its seed inputs."""

    name: str
    run: Callable[[bytes], object]
    seeds: Callable[[], list[bytes]]


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


# --- canonical JSON -------------------------------------------------------------------


def _json(data: bytes) -> object:
    return canonjson.loads(data)


def _json_seeds() -> list[bytes]:
    return [
        canonjson.canonical_json({"format": "sx-package-v1", "sequence": 3, "parts": [1, 2]}),
        b'{"a":{"b":[1,2,{"c":null}]},"d":"\\u738b"}',
        b"[" * 20 + b"]" * 20,
    ]


# --- age --------------------------------------------------------------------------------


def _age(data: bytes) -> object:
    return age.decrypt(io.BytesIO(data), [_X25519]).read()


def _age_seeds() -> list[bytes]:
    recipient = _X25519.recipient()
    plain = b"sx fuzz seed " * 100
    return [
        age.encrypt_bytes(plain, [recipient]),
        age.encrypt_bytes(b"", [recipient]),
        age.encrypt_bytes(plain * 700, [recipient]),  # more than one 64 KiB chunk
        age.encrypt_bytes(plain, [recipient], armor=True),
    ]


# --- minisign -------------------------------------------------------------------------


def _minisign_signature(data: bytes) -> object:
    public = _SIGNER.public_key
    return public.verify(b"SHA256SUMS body\n", _text(data))


def _minisign_seeds() -> list[bytes]:
    return [
        _SIGNER.sign(b"SHA256SUMS body\n", trusted_comment="sx-package-v1 fuzz").encode(),
        _SIGNER.sign(b"other\n", trusted_comment="x").encode(),
    ]


def _minisign_key(data: bytes) -> object:
    return minisign.PublicKey.from_str(_text(data))


def _minisign_key_seeds() -> list[bytes]:
    return [_SIGNER.public_key.to_file_text("minisign public key").encode()]


# --- signed notes and checkpoints ------------------------------------------------------


def _note(data: bytes) -> object:
    opened = note.open_note(data, [note.NoteVerifier.from_signer(_NOTE_SIGNER)])
    return note.Checkpoint.parse(opened.text)


def _note_seeds() -> list[bytes]:
    checkpoint = note.Checkpoint("sx.fuzz/log", 7, bytes(32))
    return [note.sign_note(checkpoint.text(), [_NOTE_SIGNER])]


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("json", _json, _json_seeds),
        Target("age", _age, _age_seeds),
        Target("minisign-signature", _minisign_signature, _minisign_seeds),
        Target("minisign-key", _minisign_key, _minisign_key_seeds),
        Target("note", _note, _note_seeds),
    )
}
