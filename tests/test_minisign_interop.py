"""Interoperability of our minisign keys and signatures with the stock ``minisign`` tool.

minisign 0.11 reads passphrases from standard input when it is not a terminal, so they are
fed with ``input=``. Stock ``-G`` always uses the sensitive KDF limits (1 GiB), hence the
``slow`` marks on the tests that create or unlock such a key.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from secure_exchange import i18n
from secure_exchange.formats.minisign import (
    MEMLIMIT_INTERACTIVE,
    OPSLIMIT_INTERACTIVE,
    PublicKey,
    SecretKey,
    SignatureError,
)

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(shutil.which("minisign") is None, reason="minisign is not installed"),
]

DATA = b"package manifest\n" * 100
PASS = b"village-officer pass"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language(None)


def _minisign(*args: str | Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["minisign", *map(str, args)], input=stdin, capture_output=True, timeout=120, check=False
    )


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    return path


@pytest.fixture
def ours(tmp_path: Path) -> tuple[SecretKey, Path, Path]:
    key = SecretKey.generate()
    sec = tmp_path / "ours.key"
    sec.write_text(
        key.to_file_text(PASS, opslimit=OPSLIMIT_INTERACTIVE, memlimit=MEMLIMIT_INTERACTIVE)
    )
    pub = tmp_path / "ours.pub"
    pub.write_text(key.public_key.to_file_text())
    return key, sec, pub


def test_minisign_signs_with_our_encrypted_key(
    ours: tuple[SecretKey, Path, Path], data_file: Path
) -> None:
    key, sec, _ = ours
    sig = data_file.with_suffix(".minisig")
    done = _minisign(
        "-S", "-s", sec, "-m", data_file, "-x", sig, "-t", "by stock", stdin=PASS + b"\n"
    )
    assert done.returncode == 0, done.stderr
    assert key.public_key.verify(DATA, sig.read_text(), prehashed_only=True) == "by stock"


def test_minisign_refuses_our_key_with_wrong_passphrase(
    ours: tuple[SecretKey, Path, Path], data_file: Path
) -> None:
    _, sec, _ = ours
    done = _minisign("-S", "-s", sec, "-m", data_file, stdin=b"wrong\n")
    assert done.returncode != 0
    assert b"Wrong password" in done.stderr


def test_minisign_verifies_our_signature(
    ours: tuple[SecretKey, Path, Path], data_file: Path
) -> None:
    key, _, pub = ours
    sig = data_file.with_suffix(".minisig")
    sig.write_text(key.sign(DATA, trusted_comment="sx package 1"))
    by_file = _minisign("-V", "-H", "-m", data_file, "-x", sig, "-p", pub)
    assert by_file.returncode == 0, by_file.stderr
    assert b"Trusted comment: sx package 1" in by_file.stdout
    by_line = _minisign("-V", "-m", data_file, "-x", sig, "-P", key.public_key.base64())
    assert by_line.returncode == 0, by_line.stderr


def test_minisign_rejects_our_tampered_signature(
    ours: tuple[SecretKey, Path, Path], data_file: Path
) -> None:
    key, _, pub = ours
    sig = data_file.with_suffix(".minisig")
    sig.write_text(
        key.sign(DATA, trusted_comment="a").replace("trusted comment: a", "trusted comment: b")
    )
    assert _minisign("-V", "-m", data_file, "-x", sig, "-p", pub).returncode != 0


def test_minisign_recreates_our_public_key(
    ours: tuple[SecretKey, Path, Path], tmp_path: Path
) -> None:
    key, sec, _ = ours
    pub = tmp_path / "recreated.pub"
    done = _minisign("-R", "-s", sec, "-p", pub, stdin=PASS + b"\n")
    assert done.returncode == 0, done.stderr
    assert PublicKey.from_str(pub.read_text()) == key.public_key


def test_minisign_uses_our_unencrypted_key(tmp_path: Path, data_file: Path) -> None:
    key = SecretKey.generate()
    sec = tmp_path / "clear.key"
    sec.write_text(key.to_file_text(None, allow_unencrypted=True))
    sig = tmp_path / "clear.minisig"
    done = _minisign("-S", "-W", "-s", sec, "-m", data_file, "-x", sig)
    assert done.returncode == 0, done.stderr
    assert key.public_key.verify(DATA, sig.read_text()).endswith("file:data.bin\thashed")


@pytest.fixture
def stock_clear(tmp_path: Path) -> tuple[Path, Path]:
    sec, pub = tmp_path / "stock.key", tmp_path / "stock.pub"
    done = _minisign("-G", "-W", "-s", sec, "-p", pub)
    assert done.returncode == 0, done.stderr
    return sec, pub


def test_we_read_stock_unencrypted_key(stock_clear: tuple[Path, Path]) -> None:
    sec, pub = stock_clear
    key = SecretKey.from_file_text(sec.read_text(), None)
    assert key.public_key == PublicKey.from_str(pub.read_text())
    assert pub.read_text().startswith(f"untrusted comment: minisign public key {key.key_id_hex}\n")


@pytest.mark.parametrize("legacy", [False, True])
def test_we_verify_stock_signatures(
    stock_clear: tuple[Path, Path], data_file: Path, *, legacy: bool
) -> None:
    sec, pub = stock_clear
    sig = data_file.with_suffix(".minisig")
    flags = ["-l"] if legacy else []
    done = _minisign("-S", *flags, "-W", "-s", sec, "-m", data_file, "-x", sig, "-t", "stock")
    assert done.returncode == 0, done.stderr
    public = PublicKey.from_str(pub.read_text())
    assert public.verify(DATA, sig.read_text()) == "stock"
    with pytest.raises(SignatureError, match=r"minisign\.signature\.bad\b"):
        public.verify(DATA + b"x", sig.read_text())


def test_stock_key_mismatch_detected(
    stock_clear: tuple[Path, Path], data_file: Path, ours: tuple[SecretKey, Path, Path]
) -> None:
    sec, _ = stock_clear
    sig = data_file.with_suffix(".minisig")
    assert _minisign("-S", "-W", "-s", sec, "-m", data_file, "-x", sig).returncode == 0
    with pytest.raises(SignatureError, match=r"minisign\.signature\.key_mismatch"):
        ours[0].public_key.verify(DATA, sig.read_text())


@pytest.mark.slow
def test_we_read_stock_encrypted_key(tmp_path: Path, data_file: Path) -> None:
    sec, pub = tmp_path / "enc.key", tmp_path / "enc.pub"
    done = _minisign("-G", "-s", sec, "-p", pub, stdin=PASS + b"\n" + PASS + b"\n")
    assert done.returncode == 0, done.stderr
    key = SecretKey.from_file_text(sec.read_text(), PASS)
    assert key.public_key == PublicKey.from_str(pub.read_text())
    sig = data_file.with_suffix(".minisig")
    sig.write_text(key.sign(DATA, trusted_comment="ours"))
    assert _minisign("-V", "-m", data_file, "-x", sig, "-p", pub).returncode == 0
