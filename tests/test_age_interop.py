"""Interoperability of secure_exchange.formats.age with the stock ``age`` / ``age-keygen`` tools.

scrypt is not covered here: stock ``age -p`` reads the passphrase from a TTY only and
cannot be driven from a test, so the scrypt path is checked against the CCTV vectors
(tests/test_age_cctv.py, including a byte-exact re-encryption) instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from secure_exchange.formats.age import (
    X25519Identity,
    X25519Recipient,
    decrypt_bytes,
    encrypt_bytes,
)

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        shutil.which("age") is None or shutil.which("age-keygen") is None,
        reason="the stock age and age-keygen tools are not installed",
    ),
]

CHUNK = 64 * 1024
SIZES = [0, 1, CHUNK, CHUNK + 1, 3 * 1024 * 1024 + 17]


def _data(size: int) -> bytes:
    return os.urandom(size)


def _run(*args: str, data: bytes = b"") -> bytes:
    done = subprocess.run(args, input=data, capture_output=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


@pytest.fixture(scope="module")
def stock_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A key made by age-keygen: (key file, secret string, public string)."""
    path = tmp_path_factory.mktemp("age") / "key.txt"
    _run("age-keygen", "-o", str(path))
    lines = path.read_text().splitlines()
    secret = next(line for line in lines if line.startswith("AGE-SECRET-KEY-1"))
    public = next(line for line in lines if line.startswith("# public key: ")).split(": ")[1]
    return path, secret, public


def test_stock_keygen_identity_parses(stock_key: tuple[Path, str, str]) -> None:
    _, secret, public = stock_key
    identity = X25519Identity.from_str(secret)
    assert str(identity) == secret
    assert str(identity.recipient()) == public
    assert _run("age-keygen", "-y", str(stock_key[0])).decode().strip() == public


@pytest.mark.parametrize("armor", [False, True])
@pytest.mark.parametrize("size", SIZES)
def test_ours_decrypted_by_stock(stock_key: tuple[Path, str, str], size: int, armor: bool) -> None:
    data = _data(size)
    sealed = encrypt_bytes(data, [X25519Recipient.from_str(stock_key[2])], armor=armor)
    assert _run("age", "-d", "-i", str(stock_key[0]), data=sealed) == data


@pytest.mark.parametrize("armor", [False, True])
@pytest.mark.parametrize("size", SIZES)
def test_stock_decrypted_by_us(stock_key: tuple[Path, str, str], size: int, armor: bool) -> None:
    data = _data(size)
    sealed = _run("age", *(["-a"] if armor else []), "-r", stock_key[2], data=data)
    assert decrypt_bytes(sealed, [X25519Identity.from_str(stock_key[1])]) == data


def test_our_identity_used_by_stock(tmp_path: Path) -> None:
    identity = X25519Identity.generate()
    key_file = tmp_path / "ours.txt"
    key_file.write_text(f"# public key: {identity.recipient()}\n{identity}\n")
    key_file.chmod(0o600)
    assert _run("age-keygen", "-y", str(key_file)).decode().strip() == str(identity.recipient())
    data = _data(CHUNK + 1)
    sealed = _run("age", "-r", str(identity.recipient()), data=data)
    assert _run("age", "-d", "-i", str(key_file), data=sealed) == data
    assert decrypt_bytes(sealed, [identity]) == data


def test_multiple_recipients_with_stock(stock_key: tuple[Path, str, str]) -> None:
    ours = X25519Identity.generate()
    recipients = [ours.recipient(), X25519Recipient.from_str(stock_key[2])]
    sealed = encrypt_bytes(b"both", recipients)
    assert _run("age", "-d", "-i", str(stock_key[0]), data=sealed) == b"both"
    sealed = _run("age", "-r", str(ours.recipient()), "-r", stock_key[2], data=b"both")
    assert decrypt_bytes(sealed, [ours]) == b"both"
