"""A real FAT32 file system: an enrolled label and a sealed package survive a round trip.

The image is made with ``mkfs.vfat -F 32`` (dosfstools) and filled and emptied with mtools,
so no mount (and no root) is needed. ``.ci/run`` installs both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from secure_exchange import package as pkg
from secure_exchange.package import Sender
from secure_exchange.station import Station, init_station, media
from tests.support import CATS, NOW, Parties, groups, make_parties

ORG_A = "金乡街道真武社区"
IMAGE_BYTES = 64 * 1024 * 1024


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt-get install dosfstools mtools; .ci/run does)")
    return path


def _run(*args: str) -> str:
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, f"{args[0]} failed: {done.stderr}"
    return done.stdout


def _tree(root: Path) -> dict[str, int]:
    """Relative path → size of every file under ``root``."""
    return {
        p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*") if p.is_file()
    }


@pytest.fixture
def stick(tmp_path: Path) -> tuple[Parties, Path, media.MediaLabel, pkg.VerifiedPackage]:
    """A folder laid out like a stick: enrolled label at the root plus one sealed package."""
    parties = make_parties(tmp_path / "parties")
    init_station(parties.home_a, ORG_A, "community")
    root = tmp_path / "src"
    root.mkdir()
    label = media.enroll_media(Station(parties.home_a), root, parties.officer, now=NOW)
    sealed = pkg.seal(
        groups(),
        parties.agreement,
        [parties.officer, parties.seal_a],
        out_dir=root,
        sender=Sender("A", ORG_A),
        sequence=1,
        categories=CATS,
        now=NOW,
    )
    return parties, root, label, sealed


def test_label_and_package_survive_fat32(stick, tmp_path: Path) -> None:
    mkfs, mcopy, mdir = _tool("mkfs.vfat"), _tool("mcopy"), _tool("mdir")
    parties, root, label, sealed = stick
    image = tmp_path / "stick.img"
    with image.open("wb") as fh:
        fh.truncate(IMAGE_BYTES)
    _run(mkfs, "-F", "32", "-n", "SXSTICK", str(image))
    assert image.read_bytes()[82:90] == b"FAT32   "  # the FAT32 boot sector's type field

    entries = sorted(str(p) for p in root.iterdir())
    _run(mcopy, "-s", "-i", str(image), *entries, "::/")
    listing = _run(mdir, "-/", "-b", "-i", str(image), "::/").split()
    sent = _tree(root)
    assert sorted(n.removeprefix("::/") for n in listing if not n.endswith("/")) == sorted(sent)

    back = tmp_path / "back"
    back.mkdir()
    _run(mcopy, "-s", "-i", str(image), "::/*", str(back))
    assert _tree(back) == sent  # every name kept exactly (no 8.3 mangling), sizes equal

    assert (
        media.check_target(Station(parties.home_a), back / sealed.path.name).media_id
        == label.media_id
    )
    checked = pkg.verify(back / sealed.path.name, [parties.agreement], now=NOW)
    assert checked.package_id == sealed.package_id
    opened = pkg.open_package(checked, [parties.scoring.age_identity])
    assert opened["scoring"].equals(groups()["scoring"])
    assert opened["evaluations"].equals(groups()["evaluations"])
