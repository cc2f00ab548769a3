"""``fsio.replacing`` and ``atomic_write``: what a write leaves beside its target."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from secure_exchange import fsio


def _beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p != path)


def test_atomic_write_makes_no_scratch_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    real = os.mkdir

    def mkdir(path: str | os.PathLike[str], *args: object, **kwargs: object) -> None:
        made.append(os.fspath(path))
        real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "mkdir", mkdir)
    target = tmp_path / "card.json"
    fsio.atomic_write(target, b"{}")
    assert target.read_bytes() == b"{}"
    assert made == []
    assert _beside(target) == []


def test_replacing_sends_temporary_files_beside_the_target(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    with fsio.replacing(target) as fh:
        staged = Path(tempfile.gettempdir())
        assert staged.parent == tmp_path
        assert staged.name == f".out.xlsx.tmp-{os.getpid()}.d"
        fh.write(b"x")
    assert target.read_bytes() == b"x"
    assert _beside(target) == []  # the scratch folder is gone


def test_stale_temporaries_and_their_scratch_folders_are_cleared(tmp_path: Path) -> None:
    target = tmp_path / "minisign.pub"
    stale = tmp_path / ".minisign.pub.tmp-4194305"
    stale.write_bytes(b"half")
    (tmp_path / ".minisign.pub.tmp-4194305.d").mkdir(mode=0o700)
    fsio.atomic_write(target, b"whole")
    assert _beside(target) == []
