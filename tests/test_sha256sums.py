"""SHA256SUMS lists: what we write ``sha256sum -c`` reads, and we read only that form back."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from secure_exchange import i18n
from secure_exchange.formats import sha256sums
from secure_exchange.formats.errors import FormatError

A = hashlib.sha256(b"a").hexdigest()
B = hashlib.sha256(b"b").hexdigest()


def test_render_sorts_by_name_and_parse_reads_it_back() -> None:
    text = sha256sums.render({"b.txt": B, "a.txt": A})
    assert text == f"{A}  a.txt\n{B}  b.txt\n".encode()
    assert sha256sums.parse(text) == {"a.txt": A, "b.txt": B}
    assert sha256sums.render({}) == b""
    assert sha256sums.parse(b"") == {}


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (f"{A}  a.txt".encode(), 1),  # no final line feed
        (f"{A} *a.txt\n".encode(), 1),  # binary mode
        (f"{A.upper()}  a.txt\n".encode(), 1),
        (f"{A}  a.txt\n\n".encode(), 2),  # blank line
        (f"{A}  a.txt\r\n".encode(), 1),
        (f"{A}  a.txt\n{B}  a.txt\n".encode(), 2),  # listed twice
        (f"\\{A}  a\\\\b\n".encode(), 1),  # escaped name
        (f"{A[:-1]}  a.txt\n".encode(), 1),
        (b"\xff\n", 0),
    ],
)
def test_parse_refuses_anything_else(data: bytes, line: int) -> None:
    with pytest.raises(sha256sums.SumsError) as caught:
        sha256sums.parse(data)
    assert caught.value.key == "sha256sums.malformed"
    assert caught.value.params == {"line": line}
    assert isinstance(caught.value, FormatError)
    assert str(line) in i18n.t(caught.value.key, **caught.value.params)


@pytest.mark.parametrize("name", ["", "a\nb", "a\\b"])
def test_render_refuses_names_it_cannot_list(name: str) -> None:
    with pytest.raises(ValueError, match="cannot list"):
        sha256sums.render({name: A})


def test_stream_digest_and_size() -> None:
    data = bytes(range(256)) * 10_000  # several 1 MiB chunks
    assert sha256sums.sha256_stream(io.BytesIO(data)) == (
        hashlib.sha256(data).hexdigest(),
        len(data),
    )


def test_stock_sha256sum_checks_what_we_render(tmp_path: Path) -> None:
    tool = shutil.which("sha256sum")
    if tool is None:
        pytest.skip("stock tool 'sha256sum' is not installed (.ci/run installs it)")
    (tmp_path / "a.txt").write_bytes(b"a")
    (tmp_path / "b.txt").write_bytes(b"b")
    (tmp_path / "SHA256SUMS").write_bytes(sha256sums.render({"a.txt": A, "b.txt": B}))
    subprocess.run([tool, "-c", "--strict", "SHA256SUMS"], cwd=tmp_path, check=True)
    stock = subprocess.run(
        [tool, "a.txt", "b.txt"], cwd=tmp_path, check=True, capture_output=True
    ).stdout
    assert sha256sums.parse(stock) == {"a.txt": A, "b.txt": B}
