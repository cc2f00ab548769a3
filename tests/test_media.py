"""Dedicated USB media: enrolment, target checks, the listing and the CLI."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from secure_exchange import i18n
from secure_exchange.audit import AuditLog
from secure_exchange.cli import build_cli, main
from secure_exchange.errors import MediaError
from secure_exchange.station import Station, init_station, media
from secure_exchange.station.media import (
    LABEL_NAME,
    SIGNATURE_NAME,
    MediaForgedError,
    MediaNotEnrolledError,
    MediaNotRegisteredError,
    MediaOtherUnitError,
)
from secure_exchange.trust.keys import UnlockedIdentity
from tests.support import PASS, make_key

ORG = "金乡街道真武社区"
OTHER_ORG = "金乡街道西关社区"
NOW = datetime(2022, 7, 1, 9, 0, tzinfo=UTC)


def station(
    root: Path, name: str, org: str = ORG, key: str = "zw-officer"
) -> tuple[Path, UnlockedIdentity]:
    home = root / name
    init_station(home, org, "community")
    return home, make_key(home, key, org, "officer")


@pytest.fixture
def enrolled(tmp_path: Path) -> tuple[Path, UnlockedIdentity, Path, media.MediaLabel]:
    home, officer = station(tmp_path, "home")
    stick = tmp_path / "stick"
    stick.mkdir()
    label = media.enroll_media(Station(home), stick, officer, now=NOW)
    return home, officer, stick, label


def _actions(home: Path) -> list[tuple[str, str, str | None]]:
    return [(e.action, e.phase, e.outcome) for e in AuditLog.open(home).events()]


# --------------------------------------------------------------------------- library


def test_enrol_writes_signed_label_and_register(enrolled) -> None:
    home, officer, stick, label = enrolled
    doc = json.loads((stick / LABEL_NAME).read_text(encoding="utf-8"))
    assert doc == {
        "format": "sx-media-v1",
        "media_id": label.media_id,
        "unit": ORG,
        "party": "A",
        "enrolled_by": "zw-officer",
        "fingerprint": officer.public.fingerprint,
        "key_id": officer.public.key_id,
        "enrolled": "2022-07-01T09:00:00Z",
        "volume": label.volume,  # the stick's filesystem UUID or serial; None if the OS hides it
    }
    assert len(label.media_id) == 32
    assert int(label.media_id, 16) >= 0
    sig = (stick / SIGNATURE_NAME).read_text(encoding="ascii")
    assert officer.public.minisign.verify((stick / LABEL_NAME).read_bytes(), sig).endswith(
        label.media_id
    )
    register = json.loads((home / "media" / "register.json").read_text(encoding="utf-8"))
    entry = register["media"][label.media_id]
    assert entry["enrolled_by"] == "zw-officer"
    assert entry["enrolled"] == "2022-07-01T09:00:00Z"
    assert len(entry["label_sha256"]) == 64
    assert ("media.enrolled", "end", "ok") in _actions(home)


def test_check_target_at_root_and_in_subfolder(enrolled) -> None:
    home, _, stick, label = enrolled
    assert media.check_target(Station(home), stick).media_id == label.media_id
    sub = stick / "2022" / "july"
    sub.mkdir(parents=True)
    found = media.check_target(Station(home), sub)
    assert found.root == stick.resolve() or found.root == stick
    assert found.detail() == {
        "media": label.media_id,
        "media.enrolled_by": "zw-officer",
        "media.enrolled": "2022-07-01T09:00:00Z",
        "media.volume": label.volume or "unavailable",
    }


def test_folder_without_label_is_not_enrolled(tmp_path: Path) -> None:
    home, _ = station(tmp_path, "home")
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(MediaNotEnrolledError, match="not on dedicated media") as info:
        media.check_target(Station(home), plain)
    assert info.value.reason == "no_label"


def test_edited_label_is_forged(enrolled) -> None:
    home, _, stick, _ = enrolled
    path = stick / LABEL_NAME
    path.write_text(path.read_text(encoding="utf-8").replace("09:00:00", "10:00:00"), "utf-8")
    with pytest.raises(MediaForgedError, match="changed after enrolment") as info:
        media.check_target(Station(home), stick)
    assert info.value.reason == "forged"


def test_swapped_signature_is_forged(enrolled, tmp_path: Path) -> None:
    home, officer, stick, label = enrolled
    comment = f"sx-media-v1 media:{label.media_id}"
    sig = officer.signing_key.sign(b"something else", trusted_comment=comment)
    (stick / SIGNATURE_NAME).write_text(sig, encoding="ascii")
    with pytest.raises(MediaForgedError):
        media.check_target(Station(home), stick)
    (stick / SIGNATURE_NAME).unlink()
    with pytest.raises(MediaForgedError):
        media.check_target(Station(home), stick)


def test_garbage_label_is_refused_as_damaged(enrolled) -> None:
    home, _, stick, _ = enrolled
    (stick / LABEL_NAME).write_bytes(b"\xff not json")
    with pytest.raises(MediaForgedError, match="damaged"):
        media.check_target(Station(home), stick)


def test_label_of_another_unit_is_refused(enrolled, tmp_path: Path) -> None:
    home, *_ = enrolled
    other_home, other_officer = station(tmp_path, "other", OTHER_ORG, "xg-officer")
    stick = tmp_path / "their-stick"
    stick.mkdir()
    media.enroll_media(Station(other_home), stick, other_officer, now=NOW)
    with pytest.raises(MediaOtherUnitError, match=f"dedicated media of {OTHER_ORG}") as info:
        media.check_target(Station(home), stick)
    assert info.value.reason == "other_unit"
    # The owning station accepts it, and nobody else can take it over.
    assert media.check_target(Station(other_home), stick).label.unit == OTHER_ORG
    officer = make_key(home, "zw-officer-2", ORG, "officer")
    with pytest.raises(MediaOtherUnitError, match="cannot be taken over"):
        media.enroll_media(Station(home), stick, officer)
    assert ("media.enrolled", "end", "refused") in _actions(home)


def test_label_from_another_station_of_same_unit_is_not_registered(
    enrolled, tmp_path: Path
) -> None:
    home, *_ = enrolled
    second_home, second_officer = station(tmp_path, "second", ORG, "zw-officer")
    stick = tmp_path / "second-stick"
    stick.mkdir()
    media.enroll_media(Station(second_home), stick, second_officer, now=NOW)
    copy = tmp_path / "copy"
    shutil.copytree(stick, copy)
    with pytest.raises(MediaNotRegisteredError, match="not enrolled at this station") as info:
        media.check_target(Station(home), copy)
    assert info.value.reason == "not_registered"


def test_label_dropped_from_register_is_not_registered(enrolled) -> None:
    home, _, stick, _ = enrolled
    path = home / "media" / "register.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["media"] = {}
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(MediaNotRegisteredError):
        media.check_target(Station(home), stick)


def test_reenrol_same_unit_replaces_label(enrolled) -> None:
    home, officer, stick, first = enrolled
    second = media.enroll_media(Station(home), stick, officer)
    assert second.media_id != first.media_id
    register = json.loads((home / "media" / "register.json").read_text(encoding="utf-8"))
    assert list(register["media"]) == [second.media_id]
    assert media.check_target(Station(home), stick).media_id == second.media_id
    events = AuditLog.open(home).events(action="media.enrolled")
    ends = [e for e in events if e.phase == "end"]
    assert ends[-1].detail["replaced"] == first.media_id
    assert ends[-1].detail["media"] == second.media_id


def test_only_officer_or_seal_keys_of_this_station_enrol(tmp_path: Path) -> None:
    home, _ = station(tmp_path, "home")
    stick = tmp_path / "stick"
    stick.mkdir()
    scoring = make_key(home, "zw-scoring", ORG, "scoring")
    with pytest.raises(MediaError, match="only an officer or seal key"):
        media.enroll_media(Station(home), stick, scoring)
    stranger = make_key(tmp_path / "elsewhere", "zw-officer", ORG, "officer")
    with pytest.raises(MediaError, match="only an officer or seal key"):
        media.enroll_media(Station(home), stick, stranger)
    seal = make_key(home, "zw-seal", ORG, "seal")
    assert media.enroll_media(Station(home), stick, seal).enrolled_by == "zw-seal"
    with pytest.raises(MediaError, match="not a folder"):
        media.enroll_media(Station(home), stick / LABEL_NAME, seal)


def test_list_shows_present_absent_and_altered(tmp_path: Path) -> None:
    home, officer = station(tmp_path, "home")
    mounts = tmp_path / "media" / "clerk"
    sticks = [mounts / n for n in ("A", "B", "C")]
    for stick in sticks:
        stick.mkdir(parents=True)
    labels = [
        media.enroll_media(Station(home), s, officer, now=NOW.replace(hour=9 + i))
        for i, s in enumerate(sticks)
    ]
    shutil.rmtree(sticks[1])
    label_c = sticks[2] / LABEL_NAME
    label_c.write_text(label_c.read_text(encoding="utf-8").replace("11:00", "11:01"), "utf-8")
    (mounts / "D").mkdir()  # an unlabelled stick is ignored
    found = media.list_media(
        Station(home), roots=media.mount_roots([str(mounts / "*")], windows=False)
    )
    assert [s.media_id for s in found] == [lab.media_id for lab in labels]
    assert [s.state for s in found] == ["present", "absent", "altered"]
    assert [s.present for s in found] == [True, False, False]
    assert found[0].where == sticks[0]
    assert found[1].where is None
    assert found[0].enrolled_by == "zw-officer"
    assert ("media.listed", "end", "ok") in _actions(home)


def test_list_extra_roots_and_empty_register(tmp_path: Path) -> None:
    home, officer = station(tmp_path, "home")
    assert media.list_media(Station(home), roots=[]) == []
    stick = tmp_path / "odd-place"
    stick.mkdir()
    media.enroll_media(Station(home), stick, officer)
    (status,) = media.list_media(Station(home), roots=[], extra_roots=[stick])
    assert status.present
    assert status.where == stick
    (status,) = media.list_media(Station(home), roots=[])
    assert status.state == "absent"


def test_mount_roots_windows_drive_letters() -> None:
    roots = media.mount_roots([], windows=True)
    assert [str(r) for r in roots][:2] == ["D:\\", "E:\\"]
    assert len(roots) == 23


# --------------------------------------------------------------------------- CLI


def _sx(home: Path, *args: str, lang: str = "en") -> Result:
    env = {"SX_HOME": str(home), "SX_PASSPHRASE": PASS.decode(), "SX_LANG": lang}
    return CliRunner().invoke(build_cli(), list(args), env=env)


def _cli_station(tmp_path: Path, *keys: tuple[str, str]) -> Path:
    home = tmp_path / "cli-home"
    assert _sx(home, "init", "--org", ORG, "--role", "community").exit_code == 0
    for name, purpose in keys:
        result = _sx(home, "keys", "new", name, "--purpose", purpose, "--kdf", "fast")
        assert result.exit_code == 0, result.output
    return home


def test_cli_enrol_and_list(tmp_path: Path) -> None:
    home = _cli_station(tmp_path, ("zw-officer", "officer"), ("zw-seal", "seal"))
    stick = tmp_path / "stick"
    stick.mkdir()
    result = _sx(home, "media", "enroll", str(stick))
    assert result.exit_code == 0, result.output
    media_id = json.loads((stick / LABEL_NAME).read_text(encoding="utf-8"))["media_id"]
    assert f"Enrolled as dedicated media: id {media_id}, unit {ORG}." in result.output
    listing = _sx(home, "media", "list", "--root", str(stick))
    assert listing.exit_code == 0, listing.output
    assert media_id[:8] in listing.output
    assert "zw-officer" in listing.output
    assert f"present ({stick})" in listing.output
    doc = json.loads(_sx(home, "media", "list", "--json").output)
    assert doc["media"][0]["media_id"] == media_id
    assert doc["media"][0]["state"] in ("absent", "present")
    actions = _actions(home)
    assert ("media.enrolled", "end", "ok") in actions
    assert ("media.listed", "end", "ok") in actions
    assert ("key.unlocked", "end", "ok") in actions


def test_cli_enrol_with_explicit_key_and_json(tmp_path: Path) -> None:
    home = _cli_station(tmp_path, ("zw-officer", "officer"), ("zw-officer-2", "officer"))
    stick = tmp_path / "stick"
    stick.mkdir()
    refused = _sx(home, "media", "enroll", str(stick))
    assert refused.exit_code == 1
    assert "--as" in refused.output
    assert "zw-officer-2" in refused.output
    result = _sx(home, "media", "enroll", str(stick), "--as", "zw-officer-2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["unit"] == ORG
    assert _sx(home, "media", "enroll", str(tmp_path / "missing")).exit_code == 2


def test_cli_list_empty(tmp_path: Path) -> None:
    home = _cli_station(tmp_path)
    result = _sx(home, "media", "list")
    assert result.exit_code == 0
    assert "has not enrolled any dedicated media" in result.output


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return int(exit_info.value.code or 0), capsys.readouterr().err


def test_cli_refusal_in_both_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = _cli_station(tmp_path, ("zw-officer", "officer"))
    other_home, other_officer = station(tmp_path, "other", OTHER_ORG, "xg-officer")
    stick = tmp_path / "theirs"
    stick.mkdir()
    media.enroll_media(Station(other_home), stick, other_officer)
    monkeypatch.setenv("SX_HOME", str(home))
    monkeypatch.setenv("SX_PASSPHRASE", PASS.decode())
    monkeypatch.setenv("SX_LANG", "en")
    code, err = _main(capsys, "media", "enroll", str(stick))
    assert code == 1
    assert err.strip() == (
        f"Error: {stick} is already enrolled as dedicated media of {OTHER_ORG} and cannot be "
        "taken over by this unit; return it, or use another stick."
    )
    monkeypatch.setenv("SX_LANG", "zh_CN.UTF-8")
    code, err = _main(capsys, "media", "enroll", str(stick))
    assert code == 1
    assert err.strip() == (
        f"错误：{stick} 已登记为“{OTHER_ORG}”的专用U盘，不能改登记到本单位；"
        "请归还对方单位，或换一个U盘。"
    )


def test_check_target_messages_in_chinese(enrolled, tmp_path: Path) -> None:
    home, *_ = enrolled
    plain = tmp_path / "plain"
    plain.mkdir()
    i18n.set_language("zh")
    with pytest.raises(MediaNotEnrolledError) as info:
        media.check_target(Station(home), plain)
    assert str(info.value).startswith(f"{plain} 不在专用U盘上")


def test_help_is_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SX_LANG", "zh")
    result = CliRunner().invoke(build_cli(), ["media", "--help"])
    assert result.exit_code == 0
    assert "专用U盘：登记本单位的U盘" in result.output
    monkeypatch.setenv("SX_LANG", "en")
    result = CliRunner().invoke(build_cli(), ["media", "enroll", "--help"])
    assert "Enrol the stick whose root is PATH" in result.output
