"""No command writes over its input or replaces an existing output without ``--force``.

Every command that writes a file is walked through the CLI: an existing output is refused
(and left as it was) unless ``--force``; an input is never written over, whatever it is
called (the same path, a hard link, another spelling, a file inside an input folder);
outputs about people are owner-only from the start.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from openpyxl.worksheet import _writer as openpyxl_writer

from secure_exchange import fsio
from secure_exchange.cli import build_cli
from secure_exchange.errors import SecureExchangeError
from tests.support import NUMBER, Ready, World, make_ready, shared_path


def _ledger() -> Path:
    """The shared sample workbook (the test is skipped, with its reason, without ../shared)."""
    return shared_path("samples", "ledger-sample.xlsx")


def _ledger_csv() -> Path:
    return shared_path("samples", "ledger-sample-utf8")


@pytest.fixture(scope="module")
def ready(world: World) -> Ready:
    return make_ready(world)


@dataclass(frozen=True)
class Case:
    """A command that writes ``out``: where it runs, its arguments, its inputs."""

    name: str
    home: Callable[[Ready], Path]
    args: Callable[[Ready, Path], list[str]]
    inputs: Callable[[Ready], list[Path]]
    suffix: str
    personal: bool = False


def _cards(r: Ready) -> list[Path]:
    return [r.world.root / f"{n}.card" for n in ("zw-officer", "zw-seal")] + [
        r.world.root / f"{n}.card" for n in ("bank-scoring", "bank-reid", "bank-seal")
    ]


def _agreement_args(r: Ready, out: Path) -> list[str]:
    cards = _cards(r)
    return [
        *("agreement", "new", "--number", "测试协议", "--valid-from", "2022-01-01"),
        *("--valid-until", "2030-01-01", "--party-a", str(cards[0]), "--party-a", str(cards[1])),
        *(arg for card in cards[2:] for arg in ("--party-b", str(card))),
        *("--out", str(out)),
    ]


def _community(r: Ready) -> Path:
    return r.world.community


def _bank(r: Ready) -> Path:
    return r.world.bank


CASES = [
    Case(
        "ledger template",
        _community,
        lambda r, o: ["ledger", "template", "--out", str(o)],
        lambda r: [],
        ".xlsx",
    ),
    Case(
        "keys export",
        _community,
        lambda r, o: ["keys", "export", "zw-officer", "--out", str(o)],
        lambda r: [],
        ".card",
    ),
    Case("agreement new", _community, _agreement_args, _cards, ".json"),
    Case(
        "score ledger",
        _community,
        lambda r, o: ["score", str(_ledger()), "--as-of", "2022-07-01", "--out", str(o)],
        lambda r: [_ledger()],
        ".csv",
        personal=True,
    ),
    Case(
        "score package",
        _bank,
        lambda r, o: ["score", str(r.package), "--as-of", "2022-07-01", "--out", str(o)],
        lambda r: [r.package],
        ".xlsx",
        personal=True,
    ),
    Case(
        "reidentify",
        _bank,
        lambda r, o: [
            *("reidentify", str(r.decisions), "--package", str(r.package)),
            *("--reason", "notify", "--out", str(o)),
        ],
        lambda r: [r.decisions, r.package],
        ".csv",
        personal=True,
    ),
    Case(
        "results",
        _community,
        lambda r, o: ["results", str(r.back), "--ledger", str(_ledger_csv()), "--out", str(o)],
        lambda r: [r.back],
        ".csv",
        personal=True,
    ),
    Case(
        "report",
        _bank,
        lambda r, o: ["report", str(r.decisions), "--out", str(o)],
        lambda r: [r.decisions],
        ".html",
    ),
    Case(
        "audit export",
        _bank,
        lambda r, o: ["audit", "export", "--format", "jsonl", "--out", str(o)],
        lambda r: [],
        ".jsonl",
    ),
    Case(
        "audit report",
        _bank,
        lambda r, o: ["audit", "report", "--out", str(o)],
        lambda r: [],
        ".html",
    ),
]
IDS = [c.name for c in CASES]


def _run(r: Ready, case: Case, out: Path, *extra: str, ok: bool = True) -> str:
    result = r.world.sx(case.home(r), *case.args(r, out), *extra, ok=ok)
    if not ok:
        assert result.exit_code == 1, result.output
        assert "Internal error" not in result.output
    return result.output


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_an_existing_output_is_kept_unless_forced(ready: Ready, case: Case, tmp_path: Path) -> None:
    out = tmp_path / f"out{case.suffix}"
    out.write_bytes(b"earlier work")
    said = _run(ready, case, out, ok=False)
    assert "already exists" in said
    assert "--force" in said
    assert out.read_bytes() == b"earlier work"
    _run(ready, case, out, "--force")
    assert out.read_bytes() != b"earlier work"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


@pytest.mark.parametrize("case", [c for c in CASES if c.personal], ids=lambda c: c.name)
def test_outputs_about_people_are_owner_only(ready: Ready, case: Case, tmp_path: Path) -> None:
    out = tmp_path / f"people{case.suffix}"
    _run(ready, case, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


WITH_INPUTS = [
    c
    for c in CASES
    if c.name not in ("ledger template", "keys export", "audit export", "audit report")
]


@pytest.mark.parametrize("case", WITH_INPUTS, ids=lambda c: c.name)
def test_an_input_is_never_written_over(ready: Ready, case: Case, tmp_path: Path) -> None:
    for given in case.inputs(ready):
        if given.is_dir():
            target = given / f"inside{case.suffix}"
            said = _run(ready, case, target, "--force", ok=False)
            assert not target.exists()
        else:
            before = given.read_bytes()
            said = _run(ready, case, given, "--force", ok=False)
            assert given.read_bytes() == before
            link = tmp_path / f"link{case.suffix}"
            os.link(given, link)
            said = _run(ready, case, link, "--force", ok=False)
            assert given.read_bytes() == before
            link.unlink()
        assert "input" in said


def test_output_checks_compare_the_files_themselves(tmp_path: Path) -> None:
    source = tmp_path / "台账.xlsx"
    source.write_bytes(b"ledger")
    (tmp_path / "sub").mkdir()
    for same in (source, tmp_path / "sub" / ".." / "台账.xlsx"):
        with pytest.raises(SecureExchangeError, match="input"):
            fsio.check_output(same, [source], force=True)
    alias = tmp_path / "alias.xlsx"
    alias.symlink_to(source)
    with pytest.raises(SecureExchangeError, match="input"):
        fsio.check_output(alias, [source], force=True)
    upper = tmp_path / "台账.XLSX"
    if upper.exists():  # a case-insensitive disk: another spelling of the same file
        with pytest.raises(SecureExchangeError, match="input"):
            fsio.check_output(upper, [source], force=True)
    fsio.check_output(tmp_path / "new.xlsx", [source])
    with pytest.raises(SecureExchangeError, match="folder"):
        fsio.check_output(tmp_path / "sub", [], force=True)


def test_keys_export_refuses_a_spreadsheet_name(ready: Ready, tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    result = ready.world.sx(
        ready.world.community, "keys", "export", "zw-officer", "--out", str(out), ok=False
    )
    assert result.exit_code == 1
    assert ".card" in result.output
    assert not out.exists()


def test_seal_does_not_put_a_package_inside_its_ledger(ready: Ready, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger"
    ledger.mkdir()
    for name in ("residents.csv", "evaluations.csv"):
        (ledger / name).write_bytes((_ledger_csv() / name).read_bytes())
    w = ready.world
    result = w.sx(
        w.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(ledger), ok=False
    )
    assert result.exit_code == 1
    assert sorted(p.name for p in ledger.iterdir()) == ["evaluations.csv", "residents.csv"]


def test_demo_keeps_a_folder_that_holds_something(tmp_path: Path, world: World) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    result = world.sx(world.community, "demo", "--out", str(out), "--residents", "24", ok=False)
    assert result.exit_code == 1
    assert "--force" in result.output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_no_personal_data_is_staged_in_the_temporary_folder(
    ready: Ready, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl stages each sheet in a temporary file: those go beside the output."""
    scratch = tmp_path / "system-tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr("tempfile.tempdir", None)
    staged: list[Path] = []
    original = openpyxl_writer.create_temporary_file

    def recording(suffix: str = "") -> str:
        name = original(suffix)
        staged.append(Path(name))
        return name

    monkeypatch.setattr(openpyxl_writer, "create_temporary_file", recording)
    out = tmp_path / "out" / "decisions.xlsx"
    out.parent.mkdir()
    _run(ready, CASES[4], out)
    assert staged  # openpyxl did stage the sheet…
    assert all(p.parent.parent == out.parent for p in staged)  # …in a folder beside it
    assert list(scratch.iterdir()) == []
    assert [p.name for p in out.parent.iterdir()] == ["decisions.xlsx"]


def _commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        yield " ".join((*prefix, name)), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


# --out names a folder; the file written there is named by the package's or the statement's
# random id, and never replaces another file.
FOLDER_OUTPUTS = {
    "seal",
    "agreement revoke",
    "keys revoke",
    "destroy",
    "incident open",
    "incident close",
}


def test_every_command_with_an_output_has_force() -> None:
    """A new command that writes a file joins the mechanism (check_out + --force)."""
    for name, command in _commands(build_cli()):
        options = {p.name for p in command.params}
        if "out" in options and name not in FOLDER_OUTPUTS:
            assert "force" in options, f"sx {name} writes --out but has no --force"
