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


def test_typage_opens_the_hybrid_identity_part_of_a_package(typage: Path, tmp_path: Path) -> None:
    """A package under a new agreement seals its identity group to hybrid recipients only;
    an auditor's independent age implementation opens that part with the reidentify key."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from secure_exchange.package import Sender, seal
    from tests.support import CATS, NOW, groups, make_parties

    parties = make_parties(tmp_path / "keys")
    sealed = seal(
        groups(),
        parties.agreement,
        [parties.officer, parties.seal_a],
        out_dir=tmp_path / "stick",
        sender=Sender("A", "x"),
        sequence=1,
        categories=CATS,
        now=NOW,
    )
    part = next(sealed.path.glob("identity-*.parquet.age")).read_bytes()
    assert b"-> mlkem768x25519 " in part
    assert b"-> X25519 " not in part
    assert parties.reidentify.hybrid_identity is not None
    secret = str(parties.reidentify.hybrid_identity)
    opened = _node(typage, {"op": "decrypt", "identities": [secret], "data": _b64(part)})
    table = pq.read_table(pa.BufferReader(base64.b64decode(opened["data"])))
    assert table.equals(groups()["identity"])
