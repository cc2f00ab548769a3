"""``sx audit``: exit codes, JSON, filters, export and the HTML report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secure_exchange.audit import Actor, Anchors, AuditLog, AuditVerifyReport, EventDraft
from secure_exchange.audit import store as _auditstore
from secure_exchange.audit.report import find_flags, render_report
from secure_exchange.cli import main
from secure_exchange.formats.note import Ed25519NoteSigner, NoteVerifier
from secure_exchange.i18n import set_language

OFFICER = Actor("bank-officer", "fp-1")


class Clock:
    """Fake clock from a start time, one minute per reading."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SX_LANG", "en")
    monkeypatch.setenv("TZ", "UTC")
    set_language(None)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    station = tmp_path / "bank"
    station.mkdir()
    (station / "station.json").write_text(json.dumps({"org": "Rural Bank", "role": "bank"}))
    monkeypatch.setenv("SX_HOME", str(station))
    log = AuditLog.open(station, clock=Clock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC)))
    log.record("package.imported", actor=OFFICER, package="pkg-a", counts={"rows": 40})
    with log.operation(
        "reidentified", actor=OFFICER, package="pkg-a", detail={"reason": "loan review"}
    ) as op:
        op.set_count("rows", 150)
    log.record(
        "package.refused",
        actor=OFFICER,
        outcome="refused",
        package="pkg-b",
        detail={"error": "package.replay"},
    )
    seal = Ed25519NoteSigner("bank-seal")
    log.checkpoint(seal)
    # The seal key as the keyring card and a trusted agreement pin it (test_trust_anchors.py).
    pinned = Anchors(own=(NoteVerifier.from_signer(seal),))
    monkeypatch.setattr(Anchors, "from_home", classmethod(lambda _cls, _home: pinned))
    return station


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_verify_ok_text_and_json(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "audit", "verify")
    assert code == 0
    assert "The access log verifies: 5 events" in out
    code, out, _ = _run(capsys, "audit", "verify", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True
    assert doc["first_bad"] is None
    assert doc["size"] == 6  # the first verify was logged as log.verified
    assert [c["size"] for c in doc["checkpoints"]] == [4]
    assert doc["witnessed"] == []
    assert len(doc["root"]) == 64
    actions = [e.action for e in AuditLog.open(home).events()]
    assert actions[-2:] == ["log.verified", "log.verified"]


def test_verify_names_the_bad_record(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = home / "audit" / _auditstore.LOG_NAME
    path.write_bytes(path.read_bytes().replace(b'"rows":40', b'"rows":41'))
    code, out, _ = _run(capsys, "audit", "verify", "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False
    assert doc["first_bad"]["seq"] == 0
    assert doc["first_bad"]["problem"] == "audit.bad.hash"
    code, out, err = _run(capsys, "audit", "verify")
    assert code == 1
    assert "Record 0 was changed" in err
    assert "does NOT verify" in err
    assert out == ""


def test_torn_tail_is_reported_not_repaired(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = home / "audit" / _auditstore.LOG_NAME
    path.write_bytes(path.read_bytes() + b"0123abc")
    code, out, _ = _run(capsys, "audit", "verify", "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["torn_tail"]["bytes"] == 7
    assert doc["size"] == 5
    assert path.read_bytes().endswith(b"0123abc")
    code, _, err = _run(capsys, "audit", "show")
    assert code == 1
    assert "never finished" in err


def test_show_filters_and_json_lines(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "audit", "show", "--package", "pkg-b")
    assert code == 0
    assert "package.refused" in out
    assert "pkg-a" not in out
    assert out.strip().endswith("1 events.")
    code, out, _ = _run(capsys, "audit", "show", "--action", "reidentified", "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(e["phase"], e["counts"]) for e in lines] == [("begin", {}), ("end", {"rows": 150})]
    code, out, _ = _run(capsys, "audit", "show", "--until", "2025-02-28", "--json")
    assert out == ""
    code, out, _ = _run(
        capsys, "audit", "show", "--actor", "bank-officer", "--until", "2025-03-01", "--json"
    )
    assert len(out.splitlines()) == 4
    code, _, _err = _run(capsys, "audit", "show", "--since", "March")
    assert code == 2
    reads = [e for e in AuditLog.open(home).events() if e.action == "log.read"]
    assert len(reads) == 8  # four readings, begin and end each


def test_export_formats(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "out.jsonl"
    code, out, _ = _run(capsys, "audit", "export", "--format", "ocsf", "--out", str(out_file))
    assert code == 0
    assert "Exported 6 events" in out
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert {r["metadata"]["product"]["name"] for r in rows} == {"secure-exchange"}
    code, _, _ = _run(capsys, "audit", "export", "--format", "pdf", "--out", str(out_file))
    assert code == 2


def test_unwritable_export_target(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = _run(
        capsys, "audit", "export", "--format", "jsonl", "--out", str(blocker / "sub" / "out.jsonl")
    )
    assert code == 1
    assert "Cannot write the export file" in err
    end = AuditLog.open(home).events()[-1]
    assert (end.action, end.outcome) == ("log.exported", "failed")


def test_report_html(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page_path = tmp_path / "report.html"
    code, _out, _ = _run(capsys, "audit", "report", "--out", str(page_path))
    assert code == 0
    page = page_path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html><html lang='en'>")
    assert "<script" not in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert page.count("<svg") == 3
    assert "loan review" in page
    assert "re-identified 150 rows in one go" in page
    assert "package.replay" in page
    last = AuditLog.open(home).events()[-1]
    assert (last.action, last.detail["format"]) == ("log.exported", "html")


def test_report_in_chinese(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SX_LANG", "zh_CN.UTF-8")
    page_path = tmp_path / "r.html"
    code, out, _ = _run(capsys, "audit", "report", "--out", str(page_path))
    assert code == 0
    assert "报告已写入" in out
    page = page_path.read_text(encoding="utf-8")
    assert "lang='zh-CN'" in page
    assert "身份还原" in page


def test_report_of_a_broken_log_still_renders(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = home / "audit" / _auditstore.LOG_NAME
    lines = path.read_bytes().split(b"\n")
    del lines[3]
    path.write_bytes(b"\n".join(lines))
    page_path = tmp_path / "r.html"
    code, _, _ = _run(capsys, "audit", "report", "--out", str(page_path))
    assert code == 0
    page = page_path.read_text(encoding="utf-8")
    assert "A gap in the log" in page
    assert "FAILED" in page


def test_night_work_flag(tmp_path: Path) -> None:
    set_language("en")
    log = AuditLog.open(tmp_path, clock=Clock(datetime(2025, 3, 1, 22, 30, tzinfo=UTC)))
    with log.operation("package.opened", actor=OFFICER):
        pass
    log.append(EventDraft("log.verified", outcome="failed"))
    events = log.events()
    report = AuditLog.verify(tmp_path)
    keys = [f.key for f in find_flags(events, report)]
    assert keys == ["audit.flag.night", "audit.flag.verify_failed"]
    assert "<svg" in render_report("x", events, report)
    empty = AuditVerifyReport(True, 0, "00", None, None, (), (), ())
    assert "None." in render_report("x", [], empty)
