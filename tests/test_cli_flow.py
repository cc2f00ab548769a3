"""The whole exchange through the ``sx`` command line, as the three kinds of users run it."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import pytest

from tests.support import DECISION_KEYS, NUMBER, World, shared_path


def _sample_people() -> tuple[list[str], list[str], list[str]]:
    rows = list(
        csv.DictReader(
            shared_path("samples", "ledger-sample-utf8", "residents.csv").open(encoding="utf-8-sig")
        )
    )
    return [r["身份证号"] for r in rows], [r["姓名"] for r in rows], [r["联系电话"] for r in rows]


@pytest.fixture(scope="module")
def sealed(world: World) -> Path:
    ledger = shared_path("samples", "ledger-sample.xlsx")
    result = world.sx(
        world.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(world.stick)
    )
    path = Path(result.output.strip().splitlines()[-1])
    assert path.parent == world.stick
    assert path.is_dir()
    return path


def test_seal_refuses_a_folder_that_is_not_enrolled_media(world: World) -> None:
    other = world.root / "not-a-stick"
    other.mkdir(exist_ok=True)
    ledger = str(shared_path("samples", "ledger-sample.xlsx"))
    refused = world.sx(
        world.community, "seal", ledger, "--agreement", NUMBER, "--out", str(other), ok=False
    )
    assert refused.exit_code == 1
    assert list(other.iterdir()) == []
    allowed = world.sx(
        world.community,
        "seal",
        ledger,
        "--agreement",
        NUMBER,
        "--out",
        str(other),
        "--allow-unenrolled",
    )
    assert Path(allowed.output.strip().splitlines()[-1]).parent == other
    shown = world.sx(world.community, "audit", "show", "--action", "media.checked", "--json")
    assert "unenrolled" in shown.output


def test_bank_verifies_imports_and_refuses_replay(world: World, sealed: Path) -> None:
    out = world.sx(world.bank, "verify", str(sealed), "--json")
    doc = json.loads(out.output)
    assert doc["ok"] is True
    assert doc["groups"] == {"scoring": 24, "evaluations": 34, "identity": 24}
    world.sx(world.bank, "import", str(sealed))
    again = world.sx(world.bank, "import", str(sealed), "--json", ok=False)
    assert again.exit_code == 1
    assert json.loads(again.output)["check"] == "replay"


def test_package_scores_equal_ledger_preview(world: World, sealed: Path) -> None:
    if not (world.root / "bank-decisions.csv").exists():
        world.sx(world.bank, "import", str(sealed), ok=False)
    world.sx(
        world.bank,
        "score",
        str(sealed),
        "--as-of",
        "2022-07-01",
        "--out",
        str(world.root / "bank-decisions.csv"),
    )
    world.sx(
        world.community,
        "score",
        str(shared_path("samples", "ledger-sample.xlsx")),
        "--as-of",
        "2022-07-01",
        "--out",
        str(world.root / "preview.csv"),
    )

    def outcomes(path: Path) -> list[tuple[str, ...]]:
        rows = csv.DictReader(path.open(encoding="utf-8-sig"))
        keys = ("community", "status", "total_points", *DECISION_KEYS[-3:])
        return sorted(tuple(r[k] for k in keys) for r in rows)

    assert outcomes(world.root / "bank-decisions.csv") == outcomes(world.root / "preview.csv")
    expected = list(
        csv.DictReader(
            shared_path("samples", "ledger-sample.expected-2022-07-01.r2.csv").open(
                encoding="utf-8-sig"
            )
        )
    )
    preview = {
        r["source_row"]: r
        for r in csv.DictReader((world.root / "preview.csv").open(encoding="utf-8-sig"))
    }
    for row in expected:
        got = preview[row["source_row"]]
        assert got["subject"] == row["masked_id"]
        for key in DECISION_KEYS:
            assert got[key] == row[key], (row["source_row"], key)


def test_reidentify_needs_reason_and_lists_approved_only(world: World, sealed: Path) -> None:
    decisions = world.root / "bank-decisions.csv"
    if not decisions.exists():
        test_package_scores_equal_ledger_preview(world, sealed)
    bad = world.sx(
        world.bank,
        "reidentify",
        str(decisions),
        "--package",
        str(sealed),
        "--reason",
        "",
        "--out",
        str(world.root / "x.csv"),
        ok=False,
    )
    assert bad.exit_code == 1
    world.sx(
        world.bank,
        "reidentify",
        str(decisions),
        "--package",
        str(sealed),
        "--reason",
        "notify",
        "--ticket",
        "TS-2022-07",
        "--out",
        str(world.root / "notify.csv"),
        "--force",
    )
    rows = list(csv.DictReader((world.root / "notify.csv").open(encoding="utf-8-sig")))
    _, names, _ = _sample_people()
    assert len(rows) == 14
    assert {r["name"] for r in rows} <= set(names)


def test_wrong_passphrase_is_a_clear_error(world: World, sealed: Path) -> None:
    result = world.sx(
        world.bank,
        "score",
        str(sealed),
        "--as-of",
        "2022-07-01",
        "--out",
        str(world.root / "never.csv"),
        env={"SX_PASSPHRASE": "wrong"},
        ok=False,
    )
    assert result.exit_code == 1
    assert "passphrase" in result.output.lower()
    assert "Traceback" not in result.output
    assert not (world.root / "never.csv").exists()


def test_no_personal_data_under_either_home(world: World, sealed: Path) -> None:
    test_reidentify_needs_reason_and_lists_approved_only(world, sealed)
    ids, names, phones = _sample_people()
    needles = [s.encode() for s in ids + names + phones if s]
    for home in (world.community, world.bank):
        for path in home.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                leaked = [n.decode() for n in needles if n in data]
                assert leaked == [], f"{path} holds personal data"


def test_audit_logs_verify_on_both_sides(world: World, sealed: Path) -> None:
    for home in (world.community, world.bank):
        doc = json.loads(world.sx(home, "audit", "verify", "--json").output)
        assert doc["ok"] is True


# --- nothing but the output and the access log is written while a package is scored -------

_WRITES: list[str] = []
_GUARD = {"on": False}
_WRITE_EVENTS = (
    "os.rename",
    "os.replace",
    "os.mkdir",
    "shutil.copyfile",
    "os.link",
    "os.symlink",
    "tempfile.mkstemp",
    "tempfile.mkdtemp",
    "os.truncate",
)


def _audit_hook(event: str, args: tuple[object, ...]) -> None:
    if not _GUARD["on"]:
        return
    if event == "open":
        path, mode, flags = args
        if isinstance(path, int):
            return
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            mode is None
            and isinstance(flags, int)
            and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND)
        )
        if writing:
            _WRITES.append(os.fsdecode(path))  # type: ignore[arg-type]
    elif event in _WRITE_EVENTS:
        _WRITES.append(
            os.fsdecode(args[0])
            if isinstance(args[0], (str, bytes, os.PathLike))
            else f"{event}:{args[0]!r}"
        )


sys.addaudithook(_audit_hook)


def test_scoring_a_package_writes_only_output_and_log(
    world: World, sealed: Path, tmp_path: Path, monkeypatch
) -> None:
    if not list((world.bank / "state").glob("replay.json")):
        world.sx(world.bank, "import", str(sealed))
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    out = tmp_path / "decisions.parquet"
    _WRITES.clear()
    _GUARD["on"] = True
    try:
        world.sx(world.bank, "score", str(sealed), "--as-of", "2022-07-01", "--out", str(out))
    finally:
        _GUARD["on"] = False
    audit_dir = str(world.bank / "audit")
    scored_dir = str(world.bank / "state" / "scored")  # what was approved: tokens, signed
    tmp_out = out.with_name(f".{out.name}.tmp-{os.getpid()}")  # fsio.replacing
    allowed = {str(out), str(tmp_out), str(tmp_out) + ".d"}  # .d: openpyxl's scratch
    outputs = world.bank / "state" / "outputs.json"  # the output register: paths and digests
    allowed |= {str(world.bank / "state"), str(outputs)}
    outputs_tmp = str(outputs.with_name(f".{outputs.name}.tmp-{os.getpid()}"))
    allowed |= {outputs_tmp, outputs_tmp + ".d"}
    unexpected = [
        w
        for w in _WRITES
        if w not in allowed and not w.startswith(audit_dir) and not w.startswith(scored_dir)
    ]
    assert unexpected == []
    assert any(w.startswith(audit_dir) for w in _WRITES)  # the hook does see writes
    assert list(tmp.iterdir()) == []


def test_return_trip_keyed_back_to_residents(world: World, sealed: Path) -> None:
    decisions = world.root / "bank-decisions.csv"
    if not decisions.exists():
        test_package_scores_equal_ledger_preview(world, sealed)
    back = world.root / "stick-back"
    back.mkdir(exist_ok=True)
    result = world.sx(world.bank, "seal", str(decisions), "--agreement", NUMBER, "--out", str(back))
    package = Path(result.output.strip().splitlines()[-1])
    world.sx(world.community, "import", str(package))
    out = world.root / "results.csv"
    world.sx(
        world.community,
        "results",
        str(package),
        "--ledger",
        str(shared_path("samples", "ledger-sample-utf8")),
        "--out",
        str(out),
    )
    rows = {r["source_row"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    expected = csv.DictReader(
        shared_path("samples", "ledger-sample.expected-2022-07-01.r2.csv").open(
            encoding="utf-8-sig"
        )
    )
    for row in expected:
        assert rows[row["source_row"]]["subject"] == row["masked_id"]
        for key in ("initial_limit_yuan", "credit_limit_yuan"):
            assert rows[row["source_row"]][key] == row[key]
    for home in (world.community, world.bank):
        shown = world.sx(home, "audit", "show", "--action", "witness.received", "--json")
        assert "witness.received" in shown.output


def test_broken_log_stops_every_command(tmp_path: Path) -> None:
    """Fail closed: with a log that no longer verifies, nothing touching keys runs."""
    w = World(tmp_path, tmp_path / "c", tmp_path / "b", tmp_path / "s")
    w.sx(w.community, "init", "--org", "某社区", "--role", "community")
    log = next((w.community / "audit").glob("*.sxl"))
    data = bytearray(log.read_bytes())
    data[-5] ^= 0x01  # flip a byte inside the last record
    log.write_bytes(bytes(data))
    refused = w.sx(w.community, "keys", "new", "k1", "--kdf", "fast", ok=False)
    assert refused.exit_code == 1
    assert not (w.community / "keys" / "k1").exists()
    assert (
        json.loads(w.sx(w.community, "audit", "verify", "--json", ok=False).stdout)["ok"] is False
    )


def test_reidentify_refuses_wrong_key_and_foreign_subjects(world: World, sealed: Path) -> None:
    decisions = world.root / "bank-decisions.csv"
    if not decisions.exists():
        test_package_scores_equal_ledger_preview(world, sealed)
    reason = ("--reason", "notify")
    wrong_key = world.sx(
        world.bank,
        "reidentify",
        str(decisions),
        "--package",
        str(sealed),
        *reason,
        "--out",
        str(world.root / "w.csv"),
        "--as",
        "bank-scoring",
        ok=False,
    )
    assert wrong_key.exit_code == 1
    assert "may not read column group identity" in wrong_key.output
    rows = list(csv.DictReader(decisions.open(encoding="utf-8-sig")))
    approved = next(r for r in rows if r["status"] == "approved")
    forged = world.root / "forged.csv"
    with forged.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(approved))
        writer.writeheader()
        writer.writerow({**approved, "subject": "f" * 32})
    foreign = world.sx(
        world.bank,
        "reidentify",
        str(forged),
        "--package",
        str(sealed),
        *reason,
        "--out",
        str(world.root / "f.csv"),
        ok=False,
    )
    assert foreign.exit_code == 1
    assert "not in this package" in foreign.output
    assert not (world.root / "w.csv").exists()
    assert not (world.root / "f.csv").exists()


def test_z_truncating_a_witnessed_log_is_caught(world: World, sealed: Path) -> None:
    """Runs last: deleting the community's newest records, which the bank witnessed."""
    if (
        not list((world.community / "audit").rglob("*cosig*"))
        and not (world.root / "results.csv").exists()
    ):
        test_return_trip_keyed_back_to_residents(world, sealed)
    before = json.loads(world.sx(world.community, "audit", "verify", "--json").stdout)
    assert before["ok"] is True
    assert before["witnessed"], "the bank's cosignature was not kept"
    log = next((world.community / "audit").glob("*.sxl"))
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[: len(lines) // 2]))
    after = world.sx(world.community, "audit", "verify", "--json", ok=False)
    assert after.exit_code == 1
    assert json.loads(after.stdout)["ok"] is False
