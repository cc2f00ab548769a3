"""``sx seal`` as one streaming pass: blocks checked, pseudonymised and written as they come."""

from __future__ import annotations

import csv
import os
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from secure_exchange import package as pkg
from secure_exchange.audit import AuditLog
from secure_exchange.cli.common import PassphraseSource
from secure_exchange.ledger import LedgerInvalidError, read_ledger
from secure_exchange.ledger import source as ledger_source
from secure_exchange.pseudonym import Splitter, pseudonymise, token_key
from secure_exchange.station import SealOutcome, Station, community, seal_ledger, unlock
from tests.support import CLI_PASS, NUMBER, World, age_window, shared_path

PEOPLE = ("samples", "ledger-sample-utf8", "residents.csv")


def _passphrase(_name: str) -> bytes:
    return CLI_PASS.encode()


@pytest.fixture
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_source, "BLOCK_BYTES", 300)
    monkeypatch.setattr(ledger_source, "BLOCK_ROWS", 3)


def _seal(world: World, ledger: Path, out: Path) -> SealOutcome:
    out.mkdir(exist_ok=True)
    return seal_ledger(
        Station(world.community),
        ledger,
        NUMBER,
        ["zw-officer", "zw-seal"],
        out,
        _passphrase,
        allow_unenrolled=True,
    )


def test_streamed_package_holds_exactly_the_whole_table_split(
    world: World, tiny_blocks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sealed in blocks of three rows, the package opens to what the whole-table split gives."""
    sizes: list[int] = []
    original = Splitter.residents

    def watched(self: Splitter, table: pa.Table, keys: object = None) -> tuple[pa.Table, pa.Table]:
        sizes.append(table.num_rows)
        return original(self, table, keys)  # type: ignore[arg-type]

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("sealing must not load the ledger whole")

    monkeypatch.setattr(Splitter, "residents", watched)
    monkeypatch.setattr(community, "read_ledger", refuse)
    source = shared_path("samples", "ledger-sample.xlsx")
    outcome = _seal(world, source, world.root / "stream-out")
    assert len(sizes) > 5
    assert max(sizes) <= 3
    monkeypatch.undo()

    seal_key = unlock(Station(world.community), "zw-seal", _passphrase)
    verified = pkg.verify(outcome.package.path, [outcome.package.agreement])
    key = token_key(seal_key.pseudonym_secret(), verified.agreement.sha256)
    ledger = read_ledger(source)
    window = age_window(verified.agreement)
    expected = pseudonymise(ledger.residents, ledger.evaluations, key, window).groups
    readers = [
        identity
        for name in ("bank-scoring", "bank-reid")
        for identity in unlock(Station(world.bank), name, _passphrase).age_identities
    ]
    opened = pkg.open_package(verified, readers)
    for group, table in expected.items():
        assert opened[group].equals(table), group
    notes = [
        n for row in opened["identity"].column("evaluation_notes").to_pylist() if row for n in row
    ]
    assert notes


def _add_late_duplicate(folder: Path) -> None:
    with (folder / "residents.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows.append(list(rows[1]))  # the first resident again, on the last row
    with (folder / "residents.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _with_late_duplicate(tmp_path: Path, *, now: bool = True) -> Path:
    folder = tmp_path / "late-duplicate"
    shutil.copytree(shared_path("samples", "ledger-sample-utf8"), folder)
    if now:
        _add_late_duplicate(folder)
    return folder


def test_an_invalid_ledger_is_refused_before_any_passphrase(
    world: World, tiny_blocks: None, tmp_path: Path
) -> None:
    asked: list[str] = []

    def passphrase(name: str) -> bytes:
        asked.append(name)
        return CLI_PASS.encode()

    out = tmp_path / "stick"
    out.mkdir()
    before = AuditLog.open(world.community).size
    with pytest.raises(LedgerInvalidError) as caught:
        seal_ledger(
            Station(world.community),
            _with_late_duplicate(tmp_path),
            NUMBER,
            ["zw-officer", "zw-seal"],
            out,
            passphrase,
            allow_unenrolled=True,
        )
    assert asked == []
    duplicates = [f for f in caught.value.report.errors if f.key == "ledger.id.duplicate"]
    assert duplicates[0].where.row == 2
    assert duplicates[-1].where.row > 2
    assert list(out.iterdir()) == []
    events = AuditLog.open(world.community).events()[before:]
    assert [(e.action, e.outcome) for e in events if e.phase == "end"][-1] == (
        "ledger.checked",
        "refused",
    )
    assert not [e for e in events if e.action in ("package.sealed", "key.unlocked")]


def test_a_ledger_changed_after_the_check_leaves_nothing(
    world: World, tiny_blocks: None, tmp_path: Path
) -> None:
    """The sealing pass checks again: an error found only at its end removes everything."""
    folder = _with_late_duplicate(tmp_path, now=False)

    def passphrase(_name: str) -> bytes:
        if not (folder / "changed").exists():
            (folder / "changed").write_text("", encoding="utf-8")
            _add_late_duplicate(folder)  # edited while the officers type their passphrases
        return CLI_PASS.encode()

    out = tmp_path / "stick"
    out.mkdir()
    with pytest.raises(LedgerInvalidError) as caught:
        seal_ledger(
            Station(world.community),
            folder,
            NUMBER,
            ["zw-officer", "zw-seal"],
            out,
            passphrase,
            allow_unenrolled=True,
        )
    assert any(f.key == "ledger.id.duplicate" for f in caught.value.report.errors)
    assert list(out.iterdir()) == []  # no package, no hidden partial folder
    log = AuditLog.open(world.community)
    assert log.events(action="ledger.checked")[-1].outcome == "refused"
    assert log.events(action="package.sealed")[-1].outcome == "refused"


def test_seal_command_refuses_with_the_count(world: World, tmp_path: Path) -> None:
    out = tmp_path / "stick2"
    out.mkdir()
    result = world.sx(
        world.community,
        "seal",
        str(_with_late_duplicate(tmp_path)),
        "--agreement",
        NUMBER,
        "--out",
        str(out),
        "--allow-unenrolled",
        ok=False,
    )
    assert result.exit_code == 1
    assert "2 error(s)" in result.output
    assert list(out.iterdir()) == []


def test_no_plaintext_on_the_stick(world: World, tiny_blocks: None, tmp_path: Path) -> None:
    outcome = _seal(world, shared_path("samples", "ledger-sample-gb18030"), tmp_path / "s")
    with shared_path(*PEOPLE).open(encoding="utf-8-sig", newline="") as fh:
        people = list(csv.DictReader(fh))
    secrets = [p["身份证号"] for p in people] + [p["姓名"] for p in people if len(p["姓名"]) > 1]
    blobs = b"".join(p.read_bytes() for p in outcome.package.path.iterdir())
    for secret in secrets:
        assert secret.encode("utf-8") not in blobs
        assert secret.encode("gb18030") not in blobs


def test_one_pass_refuses_an_invalid_ledger_leaving_nothing(
    world: World, tiny_blocks: None, tmp_path: Path
) -> None:
    """Without the check first (passphrases from a file or the environment), the keys are
    unlocked first and the sealing pass alone finds the late error: no package, no partial
    folder, the refusal logged once."""
    asked: list[str] = []

    def passphrase(name: str) -> bytes:
        asked.append(name)
        return CLI_PASS.encode()

    out = tmp_path / "stick"
    out.mkdir()
    before = AuditLog.open(world.community).size
    with pytest.raises(LedgerInvalidError) as caught:
        seal_ledger(
            Station(world.community),
            _with_late_duplicate(tmp_path),
            NUMBER,
            ["zw-officer", "zw-seal"],
            out,
            passphrase,
            allow_unenrolled=True,
            check_first=False,
        )
    assert asked == ["zw-officer", "zw-seal"]
    duplicates = [f for f in caught.value.report.errors if f.key == "ledger.id.duplicate"]
    assert duplicates[0].where.row == 2
    assert duplicates[-1].where.row > 2
    assert list(out.iterdir()) == []
    events = AuditLog.open(world.community).events()[before:]
    ends = [(e.action, e.outcome) for e in events if e.phase == "end"]
    assert ends.count(("ledger.checked", "refused")) == 1
    assert ("package.sealed", "refused") in ends
    assert not [e for e in ends if e[1] == "ok" and e[0] not in ("key.unlocked", "media.checked")]


def _rostered(tmp_path: Path) -> Path:
    """The UTF-8 sample with a 评议小组 roster (panel.csv) listing each of its sittings."""
    folder = tmp_path / "rostered"
    shutil.copytree(shared_path("samples", "ledger-sample-utf8"), folder)
    ledger = read_ledger(folder)
    where = dict(
        zip(
            ledger.residents["id_number"].to_pylist(),
            ledger.residents["community"].to_pylist(),
            strict=True,
        )
    )
    sittings = {
        (where[i], str(d))
        for i, d in zip(
            ledger.evaluations["id_number"].to_pylist(),
            ledger.evaluations["panel_date"].to_pylist(),
            strict=True,
        )
        if i in where and d is not None
    }
    roles = ["支书/主任", "妇女主席", "党员", "乡贤", "农商银行人员"]
    with (folder / "panel.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["所属社区", "评议日期", "姓名", "角色"])
        for community_name, day in sorted(sittings):
            writer.writerows([community_name, day, f"评议员{i}", r] for i, r in enumerate(roles))
    return folder


def test_one_pass_seals_what_two_passes_seal(
    world: World, tiny_blocks: None, tmp_path: Path
) -> None:
    """The roster read first in the one pass gives the very tables of the check-first path."""
    ledger = _rostered(tmp_path)
    opened = []
    for check_first in (True, False):
        out = tmp_path / f"stick-{check_first}"
        out.mkdir()
        outcome = seal_ledger(
            Station(world.community),
            ledger,
            NUMBER,
            ["zw-officer", "zw-seal"],
            out,
            _passphrase,
            allow_unenrolled=True,
            check_first=check_first,
        )
        readers = [
            identity
            for name in ("bank-scoring", "bank-reid")
            for identity in unlock(Station(world.bank), name, _passphrase).age_identities
        ]
        opened.append(pkg.open_package(outcome.package, readers))
        assert outcome.package.manifest.group("scoring").risk is not None
    assert "panel_sittings" in opened[0]["scoring"].column_names
    for group, table in opened[0].items():
        assert opened[1][group].equals(table), group


def test_the_check_comes_first_when_people_type_the_passphrases(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``sx seal`` checks first exactly when a passphrase would be prompted for."""
    for name in [n for n in os.environ if n.startswith("SX_PASSPHRASE")]:
        monkeypatch.delenv(name)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    assert PassphraseSource(None).prompts
    secret = tmp_path / "pass.txt"
    secret.write_text(CLI_PASS, encoding="utf-8")
    assert not PassphraseSource(secret).prompts
    monkeypatch.setenv("SX_PASSPHRASE_ZW_SEAL", CLI_PASS)
    assert not PassphraseSource(None).prompts
    monkeypatch.delenv("SX_PASSPHRASE_ZW_SEAL")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert not PassphraseSource(None).prompts
