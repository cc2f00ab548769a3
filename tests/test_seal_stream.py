"""``sx seal`` as one streaming pass: blocks checked, pseudonymised and written as they come."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from secure_exchange import package as pkg
from secure_exchange.audit import AuditLog
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
