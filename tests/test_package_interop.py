"""An auditor checks our packages with stock tools alone: minisign, sha256sum, age, pyarrow."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from secure_exchange.package import Sender, seal
from tests.support import CATS, Parties, groups

pytestmark = pytest.mark.interop
NOW = datetime(2022, 7, 1, tzinfo=UTC)


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"stock tool {tool!r} is not installed (.ci/run installs it)")
    return path


def test_stock_tools_check_and_open_a_package(parties: Parties, tmp_path: Path) -> None:
    minisign, age, sha256sum = _need("minisign"), _need("age"), _need("sha256sum")
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
    folder = sealed.path
    for signer in (parties.officer, parties.seal_a):
        pub = tmp_path / f"{signer.public.name}.pub"
        pub.write_text(signer.public.minisign.to_file_text())
        sig = folder / f"SHA256SUMS.{signer.public.key_id}.minisig"
        subprocess.run(
            [minisign, "-Vm", "SHA256SUMS", "-p", str(pub), "-x", str(sig)],
            cwd=folder,
            check=True,
            capture_output=True,
        )
    subprocess.run([sha256sum, "-c", "SHA256SUMS"], cwd=folder, check=True, capture_output=True)
    identity = tmp_path / "scoring.key"
    identity.write_text(str(parties.scoring.age_identity) + "\n")
    part = next(folder.glob("scoring-*.parquet.age"))
    out = tmp_path / "scoring.parquet"
    subprocess.run([age, "-d", "-i", str(identity), "-o", str(out), str(part)], check=True)
    assert pq.read_table(out).equals(groups()["scoring"])
    failed = subprocess.run(
        [
            age,
            "-d",
            "-i",
            str(identity),
            "-o",
            str(tmp_path / "no"),
            str(next(folder.glob("identity-*.parquet.age"))),
        ],
        capture_output=True,
    )
    assert failed.returncode != 0


def test_stock_minisign_signs_with_our_key_file(parties: Parties, tmp_path: Path) -> None:
    minisign = _need("minisign")
    from tests.support import PASS

    key = parties.home_a / "keys" / "zw-officer" / "minisign.key"
    data = tmp_path / "doc.txt"
    data.write_text("agreement text")
    subprocess.run(
        [minisign, "-S", "-s", str(key), "-m", str(data)],
        input=PASS + b"\n",
        check=True,
        capture_output=True,
    )
    text = (tmp_path / "doc.txt.minisig").read_text()
    parties.officer.public.minisign.verify(data.read_bytes(), text)


def _run_on_tty(argv: list[str], answer: bytes, timeout: float = 20.0) -> tuple[int, bytes]:
    """Run ``argv`` on a pseudo-terminal, typing ``answer`` at its passphrase prompt."""
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execv(argv[0], argv)  # noqa: S606 - the stock tool under test
    output = b""
    deadline = time.monotonic() + timeout
    sent = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if not sent and b"assphrase" in output:
                os.write(fd, answer + b"\r")
                sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output


def test_stock_age_opens_our_identity_file(parties: Parties, tmp_path: Path) -> None:
    age = _need("age")
    from tests.support import PASS

    key_file = parties.home_b / "keys" / "bank-scoring" / "age.key.age"
    out = tmp_path / "identity.txt"
    code, _ = _run_on_tty([age, "-d", "-o", str(out), str(key_file)], PASS)
    assert code == 0
    lines = out.read_text().split()  # the X25519 line, then (a v2 card) the hybrid one
    assert lines[0] == str(parties.scoring.age_identity)
    hybrid = parties.scoring.hybrid_identity
    assert lines[1:] == ([] if hybrid is None else [str(hybrid)])
