"""Hybrid (mlkem768x25519) interop with an independent age implementation: the npm package
``age-encryption`` (typage, by age's author), run under node.

The package is installed from the npm registry on first use into a cache folder
(``$XDG_CACHE_HOME/sx-tests/``, else ``~/.cache/sx-tests/``); only a machine without node
and npm skips these tests. X25519 interop with the stock ``age`` tool stays in
tests/test_age_interop.py.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from secure_exchange.formats.age import (
    AgeNoIdentityMatchError,
    HybridIdentity,
    HybridRecipient,
    decrypt_bytes,
    encrypt_bytes,
)

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        shutil.which("node") is None or shutil.which("npm") is None,
        reason="node and npm are not installed (Debian: apt-get install nodejs npm)",
    ),
]

PACKAGE = "age-encryption@0.3.1"  # pinned: a version known to read and write age1pq1 keys
SCRIPT = Path(__file__).parent / "interop" / "typage.mjs"
SIZES = [0, 1, 64 * 1024, 64 * 1024 + 1, 1024 * 1024 + 7]


def _cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sx-tests" / PACKAGE.replace("@", "-")


@pytest.fixture(scope="module")
def typage() -> Path:
    """A folder holding the installed package and the driver script."""
    folder = _cache()
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "node_modules" / "age-encryption" / "package.json").is_file():
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder), PACKAGE],
            capture_output=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, "npm install failed: " + done.stderr.decode(errors="replace")
    shutil.copyfile(SCRIPT, folder / SCRIPT.name)
    return folder


def _node(folder: Path, request: dict[str, object]) -> dict[str, str]:
    done = subprocess.run(
        ["node", SCRIPT.name],
        cwd=folder,
        input=json.dumps(request).encode(),
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    answer: dict[str, str] = json.loads(done.stdout)
    return answer


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_typage_keys_parse_and_match(typage: Path) -> None:
    keys = _node(typage, {"op": "keygen"})
    identity = HybridIdentity.from_str(keys["identity"])
    assert str(identity) == keys["identity"]
    assert str(identity.recipient()) == keys["recipient"]
    assert str(HybridRecipient.from_str(keys["recipient"])) == keys["recipient"]


@pytest.mark.parametrize("size", SIZES)
def test_typage_encrypts_we_decrypt(typage: Path, size: int) -> None:
    keys = _node(typage, {"op": "keygen"})
    data = os.urandom(size)
    sealed = _node(typage, {"op": "encrypt", "recipients": [keys["recipient"]], "data": _b64(data)})
    ciphertext = base64.b64decode(sealed["data"])
    assert b"-> mlkem768x25519 " in ciphertext
    assert decrypt_bytes(ciphertext, [HybridIdentity.from_str(keys["identity"])]) == data
    with pytest.raises(AgeNoIdentityMatchError):
        decrypt_bytes(ciphertext, [HybridIdentity.generate()])


@pytest.mark.parametrize("size", SIZES)
def test_we_encrypt_typage_decrypts(typage: Path, size: int) -> None:
    ours = HybridIdentity.generate()
    data = os.urandom(size)
    ciphertext = encrypt_bytes(data, [ours.recipient()])
    opened = _node(typage, {"op": "decrypt", "identities": [str(ours)], "data": _b64(ciphertext)})
    assert base64.b64decode(opened["data"]) == data


def test_two_hybrid_recipients_each_opens_with_typage(typage: Path) -> None:
    first, second = HybridIdentity.generate(), HybridIdentity.generate()
    ciphertext = encrypt_bytes(b"both", [first.recipient(), second.recipient()])
    for identity in (first, second):
        opened = _node(
            typage, {"op": "decrypt", "identities": [str(identity)], "data": _b64(ciphertext)}
        )
        assert base64.b64decode(opened["data"]) == b"both"
