"""The access log: events, fail-closed operations, tamper evidence, verify, checkpoints."""

from __future__ import annotations

import base64
import errno
import json
import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from secure_exchange.audit import Actor, Anchors, AuditLog, AuditUnavailableError, EventDraft
from secure_exchange.audit import store as _auditstore
from secure_exchange.audit.export import to_ocsf
from secure_exchange.errors import AuditError, LedgerError, PackageError, VerificationError
from secure_exchange.formats import merkle as _merkle
from secure_exchange.formats.canonjson import canonical_json
from secure_exchange.formats.note import Ed25519NoteSigner, NoteVerifier, open_note, parse_note
from secure_exchange.i18n import set_language

OFFICER = Actor("officer", "RWQfingerprint")


class Clock:
    """A fake clock advancing one minute per reading."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


# The station's seal key, pinned as its keyring card and a trusted agreement would pin it
# (tests/test_trust_anchors.py drives the real thing).
SEAL = Ed25519NoteSigner("village-seal")
PINNED = Anchors(own=(NoteVerifier.from_signer(SEAL),))


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    station = tmp_path / "village"
    station.mkdir()
    record = {"org": "Jinxiang village", "role": "community"}
    (station / "station.json").write_text(json.dumps(record))
    return station


def _log(home: Path) -> AuditLog:
    return AuditLog.open(home, clock=Clock())


def _log_path(home: Path) -> Path:
    return home / "audit" / _auditstore.LOG_NAME


def _fill(log: AuditLog, n: int) -> None:
    drafts = [EventDraft("package.verified", actor=OFFICER, counts={"i": i}) for i in range(n)]
    log.append_many(drafts)


def _lines(home: Path) -> list[bytes]:
    return _log_path(home).read_bytes().split(b"\n")


def _write_lines(home: Path, lines: list[bytes]) -> None:
    _log_path(home).write_bytes(b"\n".join(lines))


# --- events --------------------------------------------------------------------------


def test_events_written_and_read_back(home: Path) -> None:
    log = _log(home)
    first = log.record("init", actor=OFFICER, detail={"role": "community"})
    with log.operation("package.sealed", actor=OFFICER, package="pkg-1") as op:
        op.set_count("rows", 120)
        op.set_detail("groups", "scoring,evaluations")
    events = AuditLog.open(home).events()
    assert [e.seq for e in events] == [0, 1, 2]
    assert events[0] == first
    assert events[0].station == "Jinxiang village"
    assert events[0].time == "2025-03-01T08:01:00.000Z"
    begin, end = events[1], events[2]
    assert (begin.phase, begin.outcome, begin.op) == ("begin", None, 1)
    assert (end.phase, end.outcome, end.op, end.package) == ("end", "ok", 1, "pkg-1")
    assert end.counts == {"rows": 120}
    assert end.detail == {"groups": "scoring,evaluations"}
    assert log.origin == "sx.audit/Jinxiang-village"


def test_record_line_is_leaf_hash_and_canonical_json(home: Path) -> None:
    log = _log(home)
    event = log.record("key.created", actor=OFFICER, counts={"b": 2, "a": 1})
    raw = _log_path(home).read_bytes()
    assert raw.startswith(_auditstore.HEADER)
    line = raw[len(_auditstore.HEADER) :]
    payload = canonical_json(event.to_dict())
    assert payload == event.to_json()
    assert b'"counts":{"a":1,"b":2}' in payload
    assert line == _merkle.leaf_hash(payload).hex().encode() + b" " + payload + b"\n"
    assert log.root() == _merkle.leaf_hash(payload)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"detail": {"reason": "check 370828199001011234 please"}},
        {"detail": {"note": "11010519491231002X"}},
        {"detail": {"phone": "call 13912345678"}},
        {"package": "pkg-13912345678"},
        {"actor": Actor("x", "y"), "detail": {"k" * 70: "v"}},
        {"counts": {"rows": True}},
        {"detail": {"reason": "x" * 300}},
    ],
)
def test_personal_data_and_bad_values_refused(home: Path, kwargs: dict[str, object]) -> None:
    log = _log(home)
    kwargs.setdefault("actor", OFFICER)
    with pytest.raises((ValueError, TypeError), match=r"ID number|phone|keys|integers|longer"):
        log.record("scored", **kwargs)  # type: ignore[arg-type]
    assert log.size == 0
    with pytest.raises(ValueError, match="ID number"):
        Actor("370828199001011234", "fp")


def test_masked_ids_and_tokens_are_fine(home: Path) -> None:
    log = _log(home)
    log.record(
        "reidentified",
        actor=OFFICER,
        detail={"subject": "370828********123X", "token": "tk_8f3a9c0d1e2b"},
    )
    assert log.size == 1


@pytest.mark.parametrize(
    "action", ["Package.sealed", "package..sealed", "package sealed", "", "1x"]
)
def test_action_names_must_be_dotted_lower_case(home: Path, action: str) -> None:
    with pytest.raises(ValueError, match="action"):
        _log(home).record(action, actor=None)


def test_other_areas_can_add_actions(home: Path) -> None:
    event = _log(home).record("media.stick_enrolled.v2", actor=None)
    assert event.action == "media.stick_enrolled.v2"


def test_phase_and_outcome_rules() -> None:
    with pytest.raises(ValueError, match="begin has no outcome"):
        EventDraft("x", phase="begin", outcome="ok")
    with pytest.raises(ValueError, match="outcome must be"):
        EventDraft("x", outcome="maybe")
    with pytest.raises(ValueError, match="phase"):
        EventDraft("x", phase="middle")


# --- fail closed ------------------------------------------------------------------------


def test_operation_body_runs_after_begin_is_durable(home: Path) -> None:
    log = _log(home)
    with log.operation("package.opened", actor=OFFICER, package="p") as op:
        assert b'"phase":"begin"' in _log_path(home).read_bytes()
        op.add_count("rows", 3)
        op.add_count("rows")
    assert log.events()[-1].counts == {"rows": 4}


def test_operation_records_failure_and_reraises(home: Path) -> None:
    log = _log(home)
    with pytest.raises(PackageError), log.operation("package.sealed", actor=OFFICER):
        raise PackageError("internal.bug", path="x")
    with pytest.raises(LedgerError), log.operation("ledger.checked", actor=OFFICER):
        raise LedgerError("internal.bug", path="x")
    with pytest.raises(VerificationError), log.operation("package.verified", actor=OFFICER):
        raise VerificationError("hash", "internal.bug", path="x")
    with pytest.raises(RuntimeError), log.operation("scored", actor=OFFICER):
        raise RuntimeError("boom")
    ends = [e for e in log.events() if e.phase == "end"]
    assert [(e.outcome, e.detail["error"]) for e in ends] == [
        ("failed", "internal.bug"),
        ("refused", "internal.bug"),
        ("refused", "internal.bug"),
        ("failed", "internal.bug"),
    ]


def test_operation_refuse_without_raising(home: Path) -> None:
    log = _log(home)
    with log.operation("package.imported", actor=OFFICER) as op:
        op.refuse("package.replay")
    end = log.events()[-1]
    assert (end.outcome, end.detail) == ("refused", {"error": "package.replay"})


def _failing(err: int) -> Callable[..., int]:
    def fail(*_args: object) -> int:
        raise OSError(err, os.strerror(err))

    return fail


@pytest.mark.parametrize(
    ("target", "err", "message"),
    [
        ("write", errno.ENOSPC, "disk is full"),
        ("write", errno.EROFS, "cannot be written to"),
        ("fsync", errno.ENOSPC, "disk is full"),
        ("fsync", errno.EIO, "Writing the access log"),
    ],
)
def test_unwritable_log_stops_the_operation(
    home: Path, monkeypatch: pytest.MonkeyPatch, target: str, err: int, message: str
) -> None:
    log = _log(home)
    log.record("init", actor=OFFICER)
    before = _log_path(home).read_bytes()
    monkeypatch.setattr(_auditstore.os, target, _failing(err))
    ran = []
    with (
        pytest.raises(AuditUnavailableError, match=message),
        log.operation("package.opened", actor=OFFICER),
    ):
        ran.append(True)
    assert ran == []
    monkeypatch.undo()
    assert _log_path(home).read_bytes() == before  # a partial record is rolled back
    assert AuditLog.verify(home).ok


def test_partial_write_is_rolled_back(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _log(home)
    log.record("init", actor=OFFICER)
    before = _log_path(home).read_bytes()
    real_write = os.write
    calls = []

    def half_then_full(fd: int, data: bytes) -> int:
        if calls:
            raise OSError(errno.ENOSPC, "full")
        calls.append(1)
        return real_write(fd, bytes(data)[:10])

    monkeypatch.setattr(_auditstore.os, "write", half_then_full)
    with pytest.raises(AuditUnavailableError, match="disk is full"):
        log.record("scored", actor=OFFICER)
    monkeypatch.undo()
    assert _log_path(home).read_bytes() == before
    assert log.record("scored", actor=OFFICER).seq == 1


def test_log_folder_that_cannot_be_created(tmp_path: Path) -> None:
    home = tmp_path / "h"
    home.mkdir()
    (home / "audit").write_text("a file where the folder should be")
    with pytest.raises(AuditUnavailableError):
        AuditLog.open(home)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores chmod")
def test_read_only_folder_without_root(home: Path) -> None:
    log = _log(home)
    log.record("init", actor=OFFICER)
    _log_path(home).chmod(0o444)
    try:
        with pytest.raises(AuditUnavailableError), log.operation("scored", actor=OFFICER):
            pytest.fail("body must not run")
    finally:
        _log_path(home).chmod(0o600)


def test_log_changed_under_an_open_log_refuses(home: Path) -> None:
    log = _log(home)
    _fill(log, 5)
    lines = _lines(home)
    _write_lines(home, [*lines[:-2], b""])  # drop the last record
    with (
        pytest.raises(AuditUnavailableError, match="cut short or changed"),
        log.operation("scored", actor=OFFICER),
    ):
        pytest.fail("body must not run")
    # Without a checkpoint a cut-off end is invisible to a fresh open (that is what
    # checkpoints and witnesses are for); an edited middle record is not.
    lines = _lines(home)
    lines[2] = lines[2].replace(b'"i":1', b'"i":2')
    _write_lines(home, lines)
    with pytest.raises(AuditUnavailableError, match="does not verify"):
        AuditLog.open(home)


def test_two_handles_interleave_without_gaps(home: Path) -> None:
    a, b = _log(home), _log(home)
    for i in range(6):
        (a if i % 2 else b).record("scored", actor=OFFICER, counts={"i": i})
    assert [e.counts["i"] for e in AuditLog.open(home).events()] == list(range(6))
    assert AuditLog.verify(home).ok


def test_append_many_uses_one_fsync(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _log(home)
    calls = []
    real = os.fsync
    monkeypatch.setattr(_auditstore.os, "fsync", lambda fd: calls.append(fd) or real(fd))
    events = log.append_many([EventDraft("scored", counts={"i": i}) for i in range(100)])
    assert len(calls) == 1
    assert [e.seq for e in events] == list(range(100))


# --- tamper evidence ----------------------------------------------------------------------


def test_clean_log_verifies(home: Path) -> None:
    log = _log(home)
    _fill(log, 10)
    report = AuditLog.verify(home)
    assert report.ok
    assert report.first_bad is None
    assert report.size == 10
    assert report.root == log.root().hex()


def test_changed_record_is_named(home: Path) -> None:
    _fill(_log(home), 10)
    lines = _lines(home)
    lines[4] = lines[4].replace(b'"i":3', b'"i":9')
    _write_lines(home, lines)
    report = AuditLog.verify(home)
    assert not report.ok
    assert report.first_bad is not None
    assert (report.first_bad.where.seq, report.first_bad.key) == (3, "audit.bad.hash")
    assert "Record 3 was changed" in report.first_bad.message()


def test_deleted_record_is_named(home: Path) -> None:
    _fill(_log(home), 10)
    lines = _lines(home)
    del lines[6]  # seq 5
    _write_lines(home, lines)
    bad = AuditLog.verify(home).first_bad
    assert bad is not None
    assert (bad.where.seq, bad.key) == (5, "audit.bad.seq")


def test_reordered_records_are_named(home: Path) -> None:
    _fill(_log(home), 10)
    lines = _lines(home)
    lines[3], lines[4] = lines[4], lines[3]
    _write_lines(home, lines)
    bad = AuditLog.verify(home).first_bad
    assert bad is not None
    assert (bad.where.seq, bad.key) == (2, "audit.bad.seq")


def _rewrite_with_fresh_hash(home: Path, index: int, old: bytes, new: bytes) -> None:
    lines = _lines(home)
    payload = lines[index + 1][65:].replace(old, new)
    lines[index + 1] = _auditstore.encode_record(payload)[:-1]
    _write_lines(home, lines)


def test_rewritten_record_with_recomputed_hash_caught_by_checkpoints(home: Path) -> None:
    log = _log(home)
    signer = SEAL
    _fill(log, 8)
    log.checkpoint(signer)  # size 8
    _fill(log, 8)
    log.checkpoint(signer)  # size 17
    _rewrite_with_fresh_hash(home, 12, b'"i":3', b'"i":7')
    report = AuditLog.verify(home, PINNED)
    assert not report.ok
    bad = report.first_bad
    assert bad is not None
    assert bad.key == "audit.bad.rewritten"
    assert (bad.params["first"], bad.params["last"]) == (8, 16)
    assert "between 8 and 16" in bad.message()
    with pytest.raises(AuditUnavailableError, match="rewritten"):
        AuditLog.open(home)


def test_truncated_log_caught_by_own_checkpoint(home: Path) -> None:
    log = _log(home)
    _fill(log, 6)
    log.checkpoint(SEAL)
    _write_lines(home, [*_lines(home)[:4], b""])
    report = AuditLog.verify(home, PINNED)
    assert not report.ok
    assert report.first_bad is not None
    assert report.first_bad.key == "audit.bad.shorter"
    assert report.first_bad.where.seq == 3


def test_torn_tail_detected_reported_and_repaired(home: Path) -> None:
    log = _log(home)
    _fill(log, 5)
    good = _log_path(home).read_bytes()
    partial = _auditstore.encode_record(b'{"action":"scored","seq":5}')[:40]
    _log_path(home).write_bytes(good + partial)
    report = AuditLog.verify(home)
    assert not report.ok
    assert report.first_bad is None
    assert report.size == 5
    assert report.root == log.root().hex()
    assert report.torn_tail is not None
    assert report.torn_tail.params["bytes"] == 40
    with pytest.raises(AuditUnavailableError, match="never finished"):
        AuditLog.open(home)
    with pytest.raises(AuditUnavailableError):
        log.record("scored", actor=OFFICER)
    assert AuditLog.repair_torn_tail(home, actor=OFFICER) == 40
    assert (home / "audit" / "torn").is_dir()
    repaired = AuditLog.open(home).events()
    assert repaired[-1].action == "log.repaired"
    assert repaired[-1].counts["torn_bytes"] == 40
    assert AuditLog.verify(home).ok
    assert AuditLog.repair_torn_tail(home, actor=OFFICER) == 0


def test_repair_refuses_a_tampered_log(home: Path) -> None:
    _fill(_log(home), 4)
    lines = _lines(home)
    del lines[2]
    _write_lines(home, lines)
    with pytest.raises(AuditError, match="cannot be repaired"):
        AuditLog.repair_torn_tail(home, actor=OFFICER)


def test_time_going_backwards_is_a_warning(home: Path) -> None:
    clock = Clock()
    log = AuditLog.open(home, clock=clock)
    log.record("scored", actor=None)
    clock.now -= timedelta(hours=2)
    log.record("scored", actor=None)
    report = AuditLog.verify(home)
    assert report.ok
    assert [(w.where.seq, w.level) for w in report.warnings] == [(1, "warning")]


def test_missing_log_does_not_verify(tmp_path: Path) -> None:
    report = AuditLog.verify(tmp_path)
    assert not report.ok
    assert report.first_bad is not None
    assert report.first_bad.key == "audit.bad.missing"


# --- checkpoints ---------------------------------------------------------------------------


def test_checkpoint_is_a_signed_c2sp_note(home: Path) -> None:
    log = _log(home)
    _fill(log, 3)
    signer = SEAL
    root = log.root()
    data = log.checkpoint(signer)
    note = open_note(data, [NoteVerifier.from_signer(signer)])
    assert note.text.split("\n")[:2] == ["sx.audit/Jinxiang-village", "3"]
    stored = home / "audit" / "checkpoints" / "000000000003.note"
    assert stored.read_bytes() == data
    assert note.text.split("\n")[2] == base64.b64encode(root).decode()
    last = log.events()[-1]
    assert (last.action, last.counts) == ("log.checkpoint", {"size": 3})
    report = AuditLog.verify(home, PINNED)
    assert report.ok
    assert [c.size for c in report.checkpoints] == [3]
    assert report.checkpoints[0].signers == ("village-seal",)


def test_two_signers_on_one_checkpoint(home: Path) -> None:
    log = _log(home)
    a, b = Ed25519NoteSigner("a"), Ed25519NoteSigner("b")
    head, _ = log._signed_checkpoint(a)
    log._signed_checkpoint(b)
    stored = (home / "audit" / "checkpoints" / "000000000000.note").read_bytes()
    assert [s.name for s in parse_note(stored).signatures] == ["a", "b"]
    assert head.size == 0


def test_forged_checkpoint_signature_detected(home: Path) -> None:
    log = _log(home)
    log.checkpoint(SEAL)
    path = home / "audit" / "checkpoints" / "000000000000.note"
    forged = path.read_bytes().replace(b"\n0\n", b"\n1\n", 1)
    path.write_bytes(forged)
    report = AuditLog.verify(home, PINNED)
    assert not report.ok
    assert report.checkpoints[0].problem is not None
    assert report.checkpoints[0].problem.key == "audit.note.bad_signature"
    assert report.checkpoints[0].problem.params["name"] == "village-seal"
    assert "village-seal" in report.checkpoints[0].problem.message()
    assert report.checkpoints[0].problem.where.file == "000000000000.note"


# --- reading and export ------------------------------------------------------------------


def test_read_filters_and_is_logged(home: Path) -> None:
    log = _log(home)
    log.record("package.sealed", actor=OFFICER, package="p1")
    log.record("package.opened", actor=Actor("bank", "fp"), package="p2")
    log.record("scored", actor=OFFICER)
    found = log.read(who="officer", action="package")
    assert [e.package for e in found] == ["p1"]
    assert [e.seq for e in log.read(package="p2")] == [1]
    assert log.read(since=date(2030, 1, 1)) == []
    reads = [e for e in log.events() if e.action == "log.read" and e.phase == "end"]
    assert [e.counts["events"] for e in reads] == [1, 1, 0]
    assert reads[0].detail == {"actor": "officer", "action": "package"}


def test_export_jsonl_and_ocsf(home: Path, tmp_path: Path) -> None:
    log = _log(home)
    log.record("key.created", actor=OFFICER)
    with pytest.raises(VerificationError), log.operation("package.verified", actor=None):
        raise VerificationError("sig", "internal.bug", path="x")
    out = tmp_path / "log.jsonl"
    assert log.export(out, "jsonl") == 4  # 3 events + the export's own begin
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["seq"] for r in rows] == [0, 1, 2, 3]
    assert rows[3]["action"] == "log.exported"
    ocsf_out = tmp_path / "log.ocsf.jsonl"
    log.export(ocsf_out, "ocsf")
    ocsf = [json.loads(line) for line in ocsf_out.read_text().splitlines()]
    assert ocsf[0]["class_uid"] == 3004
    assert ocsf[0]["activity_id"] == 1
    assert ocsf[0]["type_uid"] == 300401
    assert ocsf[0]["actor"]["user"] == {"name": "officer", "uid": "RWQfingerprint"}
    assert ocsf[0]["metadata"]["product"]["name"] == "secure-exchange"
    assert ocsf[0]["time"] == int(datetime(2025, 3, 1, 8, 1, tzinfo=UTC).timestamp() * 1000)
    assert ocsf[2]["class_uid"] == 6003
    assert ocsf[2]["status"] == "Failure"
    assert ocsf[2]["status_detail"] == "internal.bug"
    assert to_ocsf(log.events()[1])["status_id"] == 0  # a begin has no outcome yet
    with pytest.raises(ValueError, match="format"):
        log.export(out, "pdf")


def test_an_ambiguous_record_is_refused_when_read(home: Path) -> None:
    """A record with a duplicate key (two readers could see two events) is not read."""
    log = _log(home)
    _fill(log, 3)
    _rewrite_with_fresh_hash(home, 1, b'{"action":', b'{"action":"scored","action":')
    assert AuditLog.verify(home).ok  # the framing, hashes and seq are all in order
    with pytest.raises(AuditError, match="Record 1 cannot be read"):
        AuditLog.open(home).events()


def test_open_scans_the_file_every_time(home: Path) -> None:
    """No per-process cache: the command's station keeps its one open log instead."""
    log = _log(home)
    _fill(log, 2)
    again = AuditLog.open(home)
    assert again is not log
    assert again.size == log.size == 2


def test_a_same_size_edit_is_caught_by_the_next_open(home: Path) -> None:
    log = AuditLog.open(home)
    _fill(log, 5)
    path = _log_path(home)
    data = bytearray(path.read_bytes())
    where = data.index(b'"i":2')
    data[where + 4] = ord("7")  # same length, one record changed
    path.write_bytes(bytes(data))
    with pytest.raises(AuditUnavailableError):
        AuditLog.open(home)


def test_windows_lock_brackets_the_append(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where there is no fcntl (Windows), msvcrt locks the header byte around each append."""
    import sys
    import types

    calls: list[tuple[int, int]] = []
    fake = types.ModuleType("msvcrt")
    fake.LK_LOCK, fake.LK_UNLCK = 1, 0  # type: ignore[attr-defined]
    fake.locking = lambda fd, mode, n: calls.append((mode, os.lseek(fd, 0, os.SEEK_CUR)))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.setattr(_auditstore, "fcntl", None)
    log = _log(home)
    _fill(log, 2)
    assert calls == [(1, 0), (0, 0)]
    assert _log(home).size == 2
