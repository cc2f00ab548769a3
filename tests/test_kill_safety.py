"""Kill-safety (issue 11): ``sx`` killed with SIGKILL at its file-system events.

Each command runs as the real CLI in a subprocess (``tests/killer.py``), whose audit hook
kills the process at its Nth file-system event (open for writing, mkdir, rename, chmod,
remove, …; N from 1 up to the count an unkilled run measures). In ``tear`` mode it kills in
the middle of the Nth ``os.write`` instead (only the access log writes that way), leaving
half a record. After each kill:

(a) the stick holds complete packages that ``sx verify`` accepts, hidden partial folders
    and the media label, nothing else; the next ``sx seal`` removes the stale partial
    folders and nothing else;
(b) ``sx audit verify`` passes (a torn record is repaired first, as audit-log-v1 §3 says);
(c) the replay register and the sequence counter read and agree with the log: every
    package in the register has an import event naming it, every number the counter
    handed out has its ``package.sealed`` operation, and no complete package carries a
    number the counter has not handed out;
(d) re-running the command succeeds, or refuses plainly where it must (an import the
    killed run recorded is a replay; a key or a station that was made exists); the
    station takes the next command, and (a)–(c) hold again, with no temporary file left
    beside what the re-run wrote.

By default a sample of kill points per command (the last event and those right after a
rename, where state changed and the log has not said so yet) and one torn record each for
seal and import; ``pytest -m slow`` runs every event of every command, in both modes.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from secure_exchange import fsio
from secure_exchange.audit import AuditLog
from tests.support import (
    CLI_PASS,
    ID_A,
    ID_B,
    NUMBER,
    World,
    build_world,
    evaluation,
    resident,
    write_ledger,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL and flock")

KILLER = Path(__file__).with_name("killer.py")
SRC = Path(__file__).resolve().parents[1] / "src"
AS_OF = "2022-07-01"
REASON = "notify"  # a reason code (issue 11, finding 3); free text before
NUMBER_2 = "金街办协〔2022〕8号"
NAME_B = "测试乙"  # a resident's name: it must never sit anywhere but in the call list


# --- the stages a command starts from ------------------------------------------------------


def _world(root: Path) -> World:
    return World(root, root / "community", root / "bank", root / "stick")


@dataclass(frozen=True)
class Lab:
    """Template worlds, one per stage of the exchange; each command's events in an
    unkilled run (and its ``os.write`` calls, for ``tear``); the media label's files."""

    stages: dict[str, Path]
    traces: dict[tuple[str, bool], list[str]]
    label: set[str]


def _build_lab(root: Path) -> Lab:
    """The stages, built once through the CLI in this process; then every command
    measured under the killer, unkilled, two at a time."""
    base = root / "base"
    base.mkdir()
    w = build_world(base)
    write_ledger(
        base / "ledger",
        [resident(ID_A), resident(ID_B, 姓名=NAME_B, 联系电话="13912345678")],
        [evaluation(ID_A), evaluation(ID_B, code="B1", level="县级")],
    )
    _second_agreement(w)
    stages = {"base": base}
    for name, stage in (("seal", "sealed"), ("import", "imported"), ("score", "scored")):
        cmd = _command(name)
        w = _copy(stages[cmd.stage], root / stage)
        w.sx(cmd.home(w), *cmd.args(w))
        stages[stage] = w.root
    jobs = [(c, False) for c in COMMANDS] + [(_command(n), True) for n in TEAR]
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = pool.map(lambda job: _measure(job[0], stages, root, job[1]), jobs)
        traces = {(c.name, tear): events for (c, tear), events in zip(jobs, found, strict=True)}
    return Lab(stages, traces, {p.name for p in (base / "stick").iterdir()})


def _second_agreement(w: World) -> None:
    """``agreement-2.json``: a second agreement both seals signed, for the bank to import."""
    path = w.root / "agreement-2.json"
    cards = [("--party-a", "zw-officer"), ("--party-a", "zw-seal")] + [
        ("--party-b", name) for name in ("bank-scoring", "bank-reid", "bank-seal")
    ]
    options = [x for flag, name in cards for x in (flag, str(w.root / f"{name}.card"))]
    w.sx(
        w.community,
        *("agreement", "new", "--number", NUMBER_2, *options),
        *("--valid-from", "2022-01-01", "--valid-until", "2099-12-31", "--out", str(path)),
    )
    w.sx(w.community, "agreement", "sign", str(path), "--as", "zw-seal", "--yes")
    w.sx(w.bank, "agreement", "sign", str(path), "--as", "bank-seal", "--yes")


def _manifest(package: Path) -> dict[str, object]:
    return json.loads((package / "manifest.json").read_bytes())


def _complete(w: World) -> list[Path]:
    return sorted(p for p in w.stick.iterdir() if p.name.startswith("sx-"))


def _package(w: World, party: str = "A") -> Path:
    """The first complete package on the stick sent by ``party``."""
    found = [p for p in _complete(w) if _manifest(p)["sender"]["party"] == party]  # type: ignore[index]
    assert found, "no package on the stick"
    return min(found, key=lambda p: _manifest(p)["sequence"])  # type: ignore[arg-type,return-value]


def _seal_args(w: World) -> list[str]:
    return ["seal", str(w.root / "ledger"), "--agreement", NUMBER, "--out", str(w.stick)]


def _import_args(w: World) -> list[str]:
    return ["import", str(_package(w))]


def _score_args(w: World) -> list[str]:
    out = w.root / "decisions.csv"
    return ["score", str(_package(w)), "--as-of", AS_OF, "--out", str(out), "--force"]


def _reidentify_args(w: World) -> list[str]:
    decisions, out = str(w.root / "decisions.csv"), str(w.root / "call-list.csv")
    return [
        "reidentify",
        decisions,
        "--package",
        str(_package(w)),
        "--reason",
        REASON,
        "--out",
        out,
        "--force",  # run again after a kill: what it wrote before may be complete
    ]


def _seal_back_args(w: World) -> list[str]:
    return ["seal", str(w.root / "decisions.csv"), "--agreement", NUMBER, "--out", str(w.stick)]


@dataclass(frozen=True)
class Command:
    """A command to kill: the stage it starts from, the station that runs it, its
    arguments, how many kill points the default run samples, and what may refuse a re-run
    after a kill (a regular expression of the message)."""

    name: str
    stage: str
    station: str
    args: Callable[[World], list[str]]
    sample: int
    refusal: str | None = None

    def home(self, w: World) -> Path:
        return _homes(w)[self.station]


def _homes(w: World) -> dict[str, Path]:
    """The stations of a world: community, bank and a compliance PC made by ``init``."""
    return {"community": w.community, "bank": w.bank, "third": w.root / "third"}


COMMANDS = [
    Command("seal", "base", "community", _seal_args, 6),
    Command("import", "sealed", "bank", _import_args, 4, r"imported before"),
    Command("score", "imported", "bank", _score_args, 2),
    Command("reidentify", "scored", "bank", _reidentify_args, 2),
    Command("seal-back", "scored", "bank", _seal_back_args, 3),
    Command("keys-new", "base", "community", lambda w: [*_KEY_K9], 2, r"exists already"),
    Command(
        "agreement-import",
        "base",
        "bank",
        lambda w: ["agreement", "import", str(w.root / "agreement-2.json"), "--yes"],
        2,
    ),
    Command("audit-show", "base", "bank", lambda w: ["audit", "show"], 1),
    Command("init", "base", "third", lambda w: [*_INIT], 2, r"already initialised"),
]
_KEY_K9 = ("keys", "new", "k9", "--kdf", "fast")
_INIT = ("init", "--org", "金乡街道合规室", "--role", "compliance")
TEAR = ("seal", "import")  # torn log records in the default run (every command with -m slow)


def _command(name: str) -> Command:
    return next(c for c in COMMANDS if c.name == name)


# --- running the real command under the killer ---------------------------------------------


@dataclass(frozen=True)
class Run:
    """One run of a command under the killer."""

    returncode: int
    events: list[str]  # the events counted, the kill point last when killed
    output: str


def _run(cmd: Command, w: World, at: int, *, tear: bool = False) -> Run:
    trace = w.root.with_name(w.root.name + ".trace")
    env = {
        **os.environ,
        "SX_HOME": str(cmd.home(w)),
        "SX_PASSPHRASE": CLI_PASS,
        "SX_LANG": "en",
        "SX_KILL_ROOT": str(w.root),
        "SX_KILL_AT": str(at),
        "SX_KILL_TEAR": "1" if tear else "",
        "SX_KILL_TRACE": str(trace),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, str(KILLER), *cmd.args(w)],
        env=env,
        cwd=w.root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    events = trace.read_text(encoding="utf-8").splitlines() if trace.exists() else []
    return Run(proc.returncode, events, proc.stdout + proc.stderr)


def _copy(template: Path, target: Path) -> World:
    shutil.copytree(template, target, symlinks=True)
    return _world(target)


def _measure(cmd: Command, stages: dict[str, Path], scratch: Path, tear: bool) -> list[str]:
    """The events of an unkilled run of ``cmd`` from its stage."""
    w = _copy(stages[cmd.stage], scratch / f"measure-{cmd.name}{'-tear' if tear else ''}")
    run = _run(cmd, w, 0, tear=tear)
    assert run.returncode == 0, run.output
    assert run.events, f"{cmd.name}: no event seen"
    shutil.rmtree(w.root)
    return run.events


def _sample(events: list[str], size: int) -> list[int]:
    """``size`` kill points: the last event and each one right after a rename (where state
    changed and the log has not said so yet), thinned or filled evenly."""
    count = len(events)
    after = {i + 1 for i, e in enumerate(events, 1) if e.startswith(("os.rename", "os.replace"))}
    picks = sorted({i for i in after if i < count} | {count})
    if len(picks) > size:
        picks = [picks[round(k * (len(picks) - 1) / max(size - 1, 1))] for k in range(size)]
    for k in range(size):
        if len(set(picks)) >= min(size, count):
            break
        picks.append(1 + round(k * (count - 1) / max(size - 1, 1)))
    return sorted(set(picks))


# --- what must hold after a kill ------------------------------------------------------------

_PARTIAL = re.compile(r"\.sx-[0-9]{8}-[a-z]{20}\.partial")


def check_stick(w: World, label: set[str]) -> list[Path]:
    """(a): packages that verify at their sender, partial folders, the media label only.
    Returns the partial folders."""
    partial = []
    for entry in sorted(w.stick.iterdir()):
        if _PARTIAL.fullmatch(entry.name):
            assert entry.is_dir()
            assert not entry.is_symlink()
            partial.append(entry)
        elif entry.name not in label:
            assert entry.name.startswith("sx-"), f"unexpected {entry.name} on the stick"
            party = _manifest(entry)["sender"]["party"]  # type: ignore[index]
            w.sx(w.community if party == "A" else w.bank, "verify", str(entry))
    return partial


def _events(home: Path) -> list[dict[str, object]]:
    return [json.loads(e.to_json()) for e in AuditLog.open(home).events()]


def _read_state(home: Path, name: str) -> dict[str, object]:
    path = home / "state" / name
    return json.loads(path.read_bytes()) if path.exists() else {}


def _register_entries(data: dict[str, object]) -> list[tuple[str, dict[str, Any]]]:
    """(sender, entry) of a replay register: ``sx-replay/v2`` (senders, legacy) or flat."""
    if data.get("format"):
        sections = [data.get("senders", {}), data.get("legacy", {})]
    else:
        sections = [data]
    return [(k, v) for section in sections for k, v in section.items()]  # type: ignore[attr-defined]


def check_log(home: Path) -> None:
    """(b): the log verifies."""
    report = AuditLog.verify(home)
    assert report.first_bad is None, report.to_dict()
    assert report.torn_tail is None, "a torn record where no write was torn"
    assert report.ok, report.to_dict()


def repair(w: World, home: Path) -> None:
    """A torn last record, repaired as audit-log-v1 §3 says (``sx audit repair``)."""
    report = AuditLog.verify(home)
    assert report.first_bad is None, report.to_dict()
    if report.torn_tail is not None:
        assert "Repaired" in w.sx(home, "audit", "repair").output


def check_state(w: World, home: Path) -> None:
    """(c): the replay register and the sequence counter agree with the log."""
    events = _events(home)
    logged = {
        e["package"]
        for e in events
        if e["action"] in ("package.imported", "package.registered") and e["package"]
    }
    for key, entry in _register_entries(_read_state(home, "replay.json")):
        packages = entry["packages"]
        for package_id in packages:
            assert package_id in logged, f"{package_id} is in the register, not in the log"
        newest = max(i["sequence"] for i in packages.values())
        assert entry["last_sequence"] == newest, key
    sealed = [e for e in events if e["action"] == "package.sealed" and e["phase"] == "begin"]
    for agreement_sha, value in _read_state(home, "sequence.json").items():
        assert isinstance(value, int)
        assert value <= len(sealed), f"number {value} handed out without its seal operation"
        for package in _complete(w):
            manifest = _manifest(package)
            ours = (manifest["sender"]["party"] == "A") == (home == w.community)  # type: ignore[index]
            if ours and manifest["agreement"]["sha256"] == agreement_sha:  # type: ignore[index]
                assert manifest["sequence"] <= value, f"{package.name} is beyond the counter"  # type: ignore[operator]


def _temporaries(folder: Path) -> list[str]:
    """Temporary files of ``fsio.replacing`` in ``folder`` (``.<name>.tmp-<pid>``)."""
    return sorted(p.name for p in folder.glob(".*.tmp-*") if p.is_file())


def _written_folders(w: World) -> list[Path]:
    """Where the commands write files of fixed names: outputs, station, state, keys, trust."""
    subs = (".", "state", "agreements", "keys")
    return [w.root, *(h / sub for h in _homes(w).values() for sub in subs)]


# --- the checks around one kill -------------------------------------------------------------


def _after_kill(cmd: Command, w: World, run: Run, label: set[str], *, tear: bool) -> None:
    where = (
        f"{cmd.name} killed at event {len(run.events)} ({run.events[-1] if run.events else '-'})"
    )
    assert run.returncode == -signal.SIGKILL, f"{where}: not killed\n{run.output}"
    home = cmd.home(w)
    try:
        if tear and home in _stations(w):
            repair(w, home)
        for station in _stations(w):
            check_log(station)
            check_state(w, station)
        check_stick(w, label)
        _rerun(cmd, w, home)
        partial = check_stick(w, label)
        if cmd.name.startswith("seal"):
            assert partial == [], "a stale partial folder survived the next seal"
        for station in _stations(w):
            check_log(station)
            check_state(w, station)
        for folder in _written_folders(w):
            assert _temporaries(folder) == [], f"left in {folder}"
    except AssertionError as exc:
        raise AssertionError(f"{where}: {exc}") from exc


def _stations(w: World) -> list[Path]:
    """The stations whose log must verify: those with a log. A station ``init`` killed
    before its log was started has none yet, and nothing that shows it had one."""
    found = []
    for home in _homes(w).values():
        if (home / "audit" / "log.sxl").exists():
            found.append(home)
        else:
            assert not (home / "state").is_dir() or not any((home / "state").iterdir())
    return found


def _rerun(cmd: Command, w: World, home: Path) -> None:
    """(d): the command again, in this process: it succeeds or refuses as it must; then
    the station takes the next command (a station ``init`` made starts its log)."""
    result = w.sx(home, *cmd.args(w), ok=False)
    if not (result.exit_code != 0 and cmd.refusal and re.search(cmd.refusal, result.output)):
        assert result.exit_code == 0, result.output
    w.sx(home, "audit", "show")


# --- the tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    return _build_lab(tmp_path_factory.mktemp("kill-lab"))


def _kill_all(
    cmd: Command, template: Path, scratch: Path, points: list[int], *, tear: bool
) -> Iterator[tuple[World, Run]]:
    """Copy the stage and kill the command at each point, two at a time."""

    def one(at: int) -> tuple[World, Run]:
        w = _copy(template, scratch / f"{cmd.name}-{'tear-' if tear else ''}{at:03d}")
        return w, _run(cmd, w, at, tear=tear)

    with ThreadPoolExecutor(max_workers=2) as pool:
        yield from pool.map(one, points)


def _check_command(
    cmd: Command, lab: Lab, points: list[int], scratch: Path, *, tear: bool = False
) -> None:
    for w, run in _kill_all(cmd, lab.stages[cmd.stage], scratch, points, tear=tear):
        _after_kill(cmd, w, run, lab.label, tear=tear)
        shutil.rmtree(w.root)


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.name)
def test_killed_command_leaves_consistent_state(cmd: Command, lab: Lab, tmp_path: Path) -> None:
    _check_command(cmd, lab, _sample(lab.traces[cmd.name, False], cmd.sample), tmp_path)


@pytest.mark.parametrize("name", TEAR)
def test_torn_log_record_is_repaired_and_consistent(name: str, lab: Lab, tmp_path: Path) -> None:
    """Half of the last record written (the operation's end) torn off, then repaired."""
    writes = lab.traces[name, True]
    _check_command(_command(name), lab, [len(writes)], tmp_path, tear=True)


@pytest.mark.slow
@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.name)
def test_every_kill_point(
    cmd: Command, lab: Lab, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Every event of every command, killed, and every log write torn (``-m slow``)."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("every kill point: run with -m slow")
    for tear in (False, True):
        events = lab.traces.get((cmd.name, tear)) or _measure(cmd, lab.stages, tmp_path, tear)
        _check_command(cmd, lab, list(range(1, len(events) + 1)), tmp_path, tear=tear)


# --- the defects kills exposed, one test each ------------------------------------------------


def _kill_at(cmd: Command, lab: Lab, scratch: Path, pattern: str, *, after: str = "") -> World:
    """Kill ``cmd`` at the first event matching ``pattern`` (after the first one matching
    ``after``, if given); the world it left."""
    events = lab.traces[cmd.name, False]
    start = next(i for i, e in enumerate(events, 1) if re.search(after, e)) if after else 0
    at = next(i for i, e in enumerate(events, 1) if i > start and re.search(pattern, e))
    w = _copy(lab.stages[cmd.stage], scratch / f"{cmd.name}-at-{at:03d}")
    run = _run(cmd, w, at)
    assert run.returncode == -signal.SIGKILL, run.output
    assert re.search(pattern, run.events[-1])
    return w


def test_next_seal_removes_stale_partial_folders_and_nothing_else(lab: Lab, tmp_path: Path) -> None:
    w = _kill_at(_command("seal"), lab, tmp_path, r"\.partial/manifest\.json$")
    (stale,) = check_stick(w, lab.label)
    assert sorted(p.name for p in stale.iterdir()) == [
        "evaluations-0001.parquet.age",
        "identity-0001.parquet.age",
        "scoring-0001.parquet.age",
    ]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "manifest.json").write_text("not the stick's")
    decoys = {
        ".sx-20220701-abcdefghjkmnpqrstuvw.partial": "file",  # a file, not a folder
        ".sx-20220701-bbcdefghjkmnpqrstuvw.partial": "link",  # a link to a folder elsewhere
        ".sx-20220701-cbcdefghjkmnpqrstuvw.partial": "nested",  # holds what seal never writes
        ".sx-20220701-dbcdefghjkmnpqrstuvw.partial": "live",  # another seal is writing it
        ".sx-notapackage.partial": "name",
        "sx-20220701-ebcdefghjkmnpqrstuvw.partial": "visible",
    }
    for name, kind in decoys.items():
        path = w.stick / name
        if kind == "file":
            path.write_text("x")
        elif kind == "link":
            path.symlink_to(outside, target_is_directory=True)
        else:
            path.mkdir()
            (path / "scoring-0001.parquet.age").write_bytes(b"x")
            if kind == "nested":
                (path / "nested").mkdir()
    live = os.open(w.stick / ".sx-20220701-dbcdefghjkmnpqrstuvw.partial", os.O_RDONLY)
    try:
        fcntl.flock(live, fcntl.LOCK_EX | fcntl.LOCK_NB)
        w.sx(w.community, *_seal_args(w))
    finally:
        os.close(live)
    assert not stale.exists()
    assert sorted(p.name for p in w.stick.iterdir() if p.name in decoys) == sorted(decoys)
    assert (outside / "manifest.json").read_text() == "not the stick's"
    for name, kind in decoys.items():
        if kind not in ("file", "link"):
            assert (w.stick / name / "scoring-0001.parquet.age").exists()
    ends = [e for e in _events(w.community) if e["action"] == "package.sealed"]
    assert ends[-1]["counts"]["stale_partials_removed"] == 1  # type: ignore[index]


def test_killed_while_storing_the_first_checkpoint(lab: Lab, tmp_path: Path) -> None:
    """The bank's first checkpoint (sealing the decisions back): a kill on either side of
    each file written under ``audit/checkpoints`` leaves a log that verifies (the note
    was stored before the key that checks it)."""
    cmd = _command("seal-back")
    events = lab.traces[cmd.name, False]
    window = [i for i, e in enumerate(events, 1) if "bank/audit/checkpoints" in e]
    assert window
    points = list(range(window[0], window[-1] + 2))
    for w, run in _kill_all(cmd, lab.stages[cmd.stage], tmp_path, points, tear=False):
        assert run.returncode == -signal.SIGKILL
        check_log(w.bank)


def test_killed_key_creation_can_be_run_again(lab: Lab, tmp_path: Path) -> None:
    cmd = _command("keys-new")
    w = _kill_at(cmd, lab, tmp_path, r"^os.rename .*/\.k9\.creating$")
    assert (w.community / "keys" / ".k9.creating").is_dir()
    w.sx(w.community, *_KEY_K9)
    assert not (w.community / "keys" / ".k9.creating").exists()
    assert "k9" in w.sx(w.community, "keys", "list").output


def test_key_creation_killed_while_writing_a_public_file_can_be_run_again(
    lab: Lab, tmp_path: Path
) -> None:
    """Killed while ``minisign.pub`` goes through its temporary file, the ``.creating``
    folder holds that temporary (and, left by an earlier version, its scratch folder);
    the re-run clears both."""
    cmd = _command("keys-new")
    w = _kill_at(cmd, lab, tmp_path, r"^open .*/\.k9\.creating/\.minisign\.pub\.tmp-[0-9]+$")
    creating = w.community / "keys" / ".k9.creating"
    temporary = creating / ".minisign.pub.tmp-4194305"  # as the kill a moment later leaves it
    temporary.write_bytes(b"untrusted comment: half")
    temporary.with_name(temporary.name + ".d").mkdir(mode=0o700)
    w.sx(w.community, *_KEY_K9)
    assert not creating.exists()
    assert "k9" in w.sx(w.community, "keys", "list").output


def test_killed_reidentify_leaves_no_copy_of_the_call_list(lab: Lab, tmp_path: Path) -> None:
    """Killed before its output's rename, ``reidentify`` leaves the whole call list in a
    hidden temporary file; the re-run removes it."""
    cmd = _command("reidentify")
    w = _kill_at(cmd, lab, tmp_path, r"^os.rename \.call-list\.csv\.tmp-")
    (left,) = w.root.glob(".call-list.csv.tmp-*")
    assert NAME_B.encode() in left.read_bytes()  # names and phones, in plain text
    w.sx(w.bank, *_reidentify_args(w))
    holding = [
        p.relative_to(w.root)
        for p in w.root.rglob("*")
        if p.is_file() and p.parent.name != "ledger" and NAME_B.encode() in p.read_bytes()
    ]
    assert holding == [Path("call-list.csv")]


def test_killed_agreement_import_leaves_a_log_that_verifies(lab: Lab, tmp_path: Path) -> None:
    """Killed once the agreement is in the trust store but before the operation's end:
    the log holds ``agreement.registered`` (written before the store), so ``audit verify``
    does not take the trusted agreement for one put in place without sx."""
    cmd = _command("agreement-import")
    w = _kill_at(cmd, lab, tmp_path, r"^open bank/audit/log\.sxl$", after=r"^os.rename")
    assert len(list((w.bank / "agreements").glob("*.json"))) == 2
    check_log(w.bank)


def test_next_write_removes_stale_temporaries_only(tmp_path: Path) -> None:
    """``fsio.replacing``: the temporary files killed writers of the same file left go;
    a running writer's (it holds its lock), links and other names stay."""
    target = tmp_path / "call-list.csv"
    stale = tmp_path / ".call-list.csv.tmp-999999"
    stale.write_text(NAME_B)
    running = tmp_path / ".call-list.csv.tmp-999998"
    running.write_text("being written")
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not a temporary file")
    link = tmp_path / ".call-list.csv.tmp-999997"
    link.symlink_to(elsewhere)
    others = [tmp_path / ".other.csv.tmp-999999", tmp_path / ".call-list.csv.tmp-x"]
    for path in others:
        path.write_text("x")
    held = os.open(running, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fsio.atomic_write(target, b"done")
    finally:
        os.close(held)
    assert target.read_bytes() == b"done"
    assert not stale.exists()
    assert running.exists()
    assert link.is_symlink()
    assert elsewhere.read_text() == "not a temporary file"
    assert all(p.exists() for p in others)


def test_sx_audit_repair_cuts_a_torn_record(lab: Lab, tmp_path: Path) -> None:
    """A torn record stops the station until compliance repairs it, with ``sx``."""
    cmd = _command("seal")
    writes = lab.traces[cmd.name, True]
    w = _copy(lab.stages[cmd.stage], tmp_path / "torn")
    assert _run(cmd, w, len(writes), tear=True).returncode == -signal.SIGKILL
    refused = w.sx(w.community, *_seal_args(w), ok=False)
    assert refused.exit_code == 1
    assert "sx audit repair" in refused.output
    done = w.sx(w.community, "audit", "repair")
    assert "Repaired: the unfinished last record" in done.output
    assert [p.suffix for p in (w.community / "audit" / "torn").iterdir()] == [".bin"]
    check_log(w.community)
    assert "nothing to repair" in w.sx(w.community, "audit", "repair").output
    w.sx(w.community, *_seal_args(w))
    repaired = [e for e in _events(w.community) if e["action"] == "log.repaired"]
    assert repaired[0]["counts"]["torn_bytes"] > 0  # type: ignore[index]
