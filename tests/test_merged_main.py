"""Findings from trying the merged main as outside testers would (helper "rev"): each test
pins one mechanism that was wrong where two of the morning's features met."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from scoring.adjust import read_adjustments
from secure_exchange.cli import build_cli
from secure_exchange.i18n.catalogue import CATALOGUE
from secure_exchange.station import Station
from secure_exchange.trust import Statement, statement_file_name
from tests.support import CLI_PASS, NUMBER, World, build_world, make_ready, shared_path


def _sx(home: Path, *args: str, lang: str = "zh") -> tuple[int, str, str]:
    env = {"SX_HOME": str(home), "SX_LANG": lang}
    result = CliRunner().invoke(build_cli(), list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_scoring_warning_carries_the_prefix_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _sx(home, "init", "--org", "测试社区", "--role", "community")[0] == 0
    ledger = str(shared_path("samples", "ledger-sample.xlsx"))
    out = str(tmp_path / "预览.xlsx")
    # The policy's newest LPR entry is far older than this day: the stale-table warning.
    code, _out, err = _sx(home, "score", ledger, "--as-of", "2026-12-01", "--out", out)
    assert code == 0
    assert "LPR" in err
    assert CATALOGUE["cli.warning_prefix"][0] in err
    assert "提示：提示：" not in err


def test_scoring_warnings_leave_the_prefix_to_the_cli() -> None:
    prefixes = CATALOGUE["cli.warning_prefix"]
    for key in ("score.lpr.stale", "score.level.outside"):
        for text in CATALOGUE[key]:
            assert not text.startswith(prefixes), key


def test_a_rate_excel_shows_as_a_percentage_is_read_as_one(tmp_path: Path) -> None:
    # Typing 4.5% in Excel or WPS stores 0.045 under a percentage format.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["主体", "调整项", "调整值", "原因代码"])
    sheet.append(["a", "利率", 0.045, "PANEL"])
    sheet.append(["b", "额度", 45000, "VERIFY"])
    sheet.append(["c", "利率", 0.0655, "PANEL"])
    for cell in ("C2", "C4"):
        sheet[cell].number_format = "0.00%"
    path = tmp_path / "调整.xlsx"
    book.save(path)
    found = read_adjustments(path)
    assert [(a.subject, a.what, a.value) for a in found] == [
        ("a", "rate", 450),
        ("b", "limit", 45000),
        ("c", "rate", 655),
    ]


def test_the_demo_in_chinese_names_the_stations_in_chinese(tmp_path: Path) -> None:
    out = CliRunner().invoke(
        build_cli(),
        ["demo", "--out", str(tmp_path / "d"), "--residents", "60"],
        env={"SX_LANG": "zh"},
    )
    assert out.exit_code == 0, out.output
    assert "合规核查 社区 访问日志" in out.output
    assert "合规核查 银行 访问日志" in out.output
    steps = [line for line in out.output.splitlines() if line.startswith("•")]
    assert not [line for line in steps if "community" in line or " bank " in line]


# --- a peer with its own valid keys -----------------------------------------------------


def _bank_revokes(w: World, victim: str) -> Path:
    """The bank's own seal signs a ``key.revoked`` naming ``victim``, a community key."""
    bank = Station(w.bank)
    agreement = bank.trust.get(NUMBER)
    seal = bank.keyring.unlock("bank-seal", CLI_PASS.encode())
    target = Station(w.community).keyring.get(victim)
    pinned = agreement.key(target.key_id)
    assert pinned is not None
    fields = {
        "reason": "compromised",
        "key": {
            "key_id": target.key_id,
            "fingerprint": target.fingerprint,
            "name": target.name,
            "role": pinned.role,
        },
    }
    statement = Statement.issue("key.revoked", agreement, seal, fields)
    path = w.root / statement_file_name(statement.statement_id)
    path.write_bytes(statement.to_bytes())
    return path


def test_a_party_cannot_revoke_the_other_partys_key(tmp_path: Path) -> None:
    w = build_world(tmp_path)
    forged = _bank_revokes(w, "zw-officer")
    refused = w.sx(w.community, "import", str(forged), ok=False)
    assert refused.exit_code == 1
    assert "Refused" in refused.output
    assert not list(Station(w.community).layout.lifecycle.glob("*.json"))
    # The community's officer still signs: the bank could not switch its key off.
    ledger = str(shared_path("samples", "ledger-sample.xlsx"))
    w.sx(w.community, "seal", ledger, "--agreement", NUMBER, "--out", str(w.stick))


# --- an insider with admin rights on a station ------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("path", 5), ("path", "."), ("kind", "ledger"), ("sha256", None), ("extra", "x")],
)
def test_an_edited_output_register_fails_closed(tmp_path: Path, field: str, value: object) -> None:
    w = build_world(tmp_path)
    ledger = tmp_path / "台账.xlsx"
    w.sx(w.community, "ledger", "template", "--out", str(ledger))
    register = Station(w.community).layout.outputs
    entry = {
        "agreement_sha256": Station(w.community).trust.get(NUMBER).sha256,
        "kind": "results",
        "package": "",
        "path": str(ledger),
        "sha256": hashlib.sha256(ledger.read_bytes()).hexdigest(),
        "written": "2026-12-01T00:00:00Z",
    }
    entry[field] = value
    register.write_text(json.dumps({"format": "sx-outputs-v1", "outputs": [entry]}), "utf-8")
    done = w.sx(w.community, "destroy", "--agreement", NUMBER, ok=False)
    assert done.exit_code == 1
    assert str(register) in done.output
    assert "internal error" not in done.output.lower()
    assert ledger.is_file()


@pytest.mark.parametrize(
    ("edit", "value"),
    [
        (("senders",), 5),
        (("legacy",), []),
        (("senders", "*", "last_sequence"), "x"),
        (("senders", "*", "last_sequence"), True),
        (("senders", "*", "packages", "*"), None),
        (("senders", "*", "packages", "*", "sequence"), "1"),
    ],
)
def test_an_edited_replay_register_fails_closed(
    tmp_path: Path, edit: tuple[str, ...], value: object
) -> None:
    w = build_world(tmp_path)
    ledger = str(shared_path("samples", "ledger-sample.xlsx"))
    sealed = w.sx(w.community, "seal", ledger, "--agreement", NUMBER, "--out", str(w.stick))
    package = sealed.output.strip().splitlines()[-1]
    w.sx(w.bank, "import", package)
    path = Station(w.bank).layout.replay_register
    doc = json.loads(path.read_text("utf-8"))
    where = doc
    for step in edit[:-1]:
        where = where[next(iter(where)) if step == "*" else step]
    where[next(iter(where)) if edit[-1] == "*" else edit[-1]] = value
    path.write_text(json.dumps(doc), "utf-8")
    for verb in ("verify", "import"):
        done = w.sx(w.bank, verb, package, ok=False)
        assert done.exit_code == 1, done.output
        assert str(path) in done.output


def test_an_edited_sequence_counter_fails_closed(tmp_path: Path) -> None:
    w = build_world(tmp_path)
    path = Station(w.community).layout.sequence_counter
    agreement = Station(w.community).trust.get(NUMBER).sha256
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({agreement: "7"}), "utf-8")
    ledger = str(shared_path("samples", "ledger-sample.xlsx"))
    done = w.sx(w.community, "seal", ledger, "--agreement", NUMBER, "--out", str(w.stick), ok=False)
    assert done.exit_code == 1, done.output
    assert str(path) in done.output


# --- a Chinese officer with Excel and WPS -----------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("ledger", "template", "--out", "台账.csv"),
        ("report", "授信结果.xlsx", "--out", "报告.csv"),
        ("audit", "report", "--out", "访问日志.xlsx"),
        ("audit", "export", "--format", "xlsx", "--out", "访问日志.csv"),
        ("audit", "export", "--format", "csv", "--out", "访问日志.xlsx"),
        ("agreement", "show", NUMBER, "--html", "协议.pdf"),
    ],
)
def test_an_output_named_as_another_format_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "授信结果.xlsx").write_bytes(b"")
    code, _out, err = _sx(tmp_path / "home", *args)
    assert code == 1
    assert "扩展名不对" in err
    out = Path(args[args.index("--html" if "--html" in args else "--out") + 1])
    assert not (tmp_path / out).exists()


# --- the end of an agreement, then the compliance check ----------------------------------


def test_the_access_log_still_verifies_after_destroy(tmp_path: Path) -> None:
    ready = make_ready(build_world(tmp_path))
    w = ready.world
    w.sx(w.bank, "destroy", "--agreement", NUMBER)
    seal = Station(w.bank).layout.keys / ".destroyed-bank-seal"
    assert (seal / "identity.card").is_file()
    assert list((Station(w.bank).layout.audit / "checkpoints").glob("*.note"))
    checked = w.sx(w.bank, "audit", "verify", ok=False)
    assert checked.exit_code == 0, checked.output
    # A copy handed to the reviewer checks the same way.
    copy = tmp_path / "bank-copy"
    shutil.copytree(w.bank, copy)
    reviewer = tmp_path / "compliance"
    w.sx(reviewer, "init", "--org", "金乡县合规审查", "--role", "compliance")
    assert w.sx(reviewer, "audit", "verify", "--home", str(copy), ok=False).exit_code == 0


@pytest.mark.parametrize("value", [5, None, [], {}])
def test_an_edited_media_register_fails_closed(tmp_path: Path, value: object) -> None:
    w = build_world(tmp_path)
    path = Station(w.community).layout.media_register
    doc = json.loads(path.read_text("utf-8"))
    next(iter(doc["media"].values()))["enrolled_by"] = value
    path.write_text(json.dumps(doc), "utf-8")
    ledger = str(shared_path("samples", "ledger-sample.xlsx"))
    for args in (("media", "list"), ("seal", ledger, "--agreement", NUMBER, "--out", str(w.stick))):
        done = w.sx(w.community, *args, ok=False)
        assert done.exit_code == 1, done.output
        assert str(path) in done.output


@pytest.mark.parametrize("record", [5, [], {"org": "x"}, {"org": 5, "role": "bank"}])
def test_an_edited_station_file_fails_closed(tmp_path: Path, record: object) -> None:
    w = build_world(tmp_path)
    path = Station(w.bank).layout.station_file
    path.write_text(json.dumps(record), "utf-8")
    for args in (("incident", "list"), ("agreement", "list")):
        done = w.sx(w.bank, *args, ok=False)
        assert done.exit_code == 1, done.output
        assert str(path) in done.output


def test_a_station_importing_its_own_package_is_told_to_hand_it_over(tmp_path: Path) -> None:
    w = build_world(tmp_path)
    ledger = str(shared_path("samples", "ledger-sample.xlsx"))
    sealed = w.sx(w.community, "seal", ledger, "--agreement", NUMBER, "--out", str(w.stick))
    package = sealed.output.strip().splitlines()[-1]
    done = w.sx(w.community, "import", package, ok=False, env={"SX_LANG": "zh"})
    assert done.exit_code == 1
    assert "本工作站自己发出的" in done.output
    assert "换成了另一份日志" not in done.output  # not a swapped log: the wrong station
    w.sx(w.bank, "import", package)  # the package itself is fine at the other party


def test_a_compliance_station_that_cannot_seal_names_its_role_in_chinese(tmp_path: Path) -> None:
    home = tmp_path / "compliance"
    assert _sx(home, "init", "--org", "金乡县合规审查", "--role", "compliance")[0] == 0
    ledger = str(shared_path("samples", "ledger-sample.xlsx"))
    code, _out, err = _sx(home, "seal", ledger, "--agreement", NUMBER, "--out", str(tmp_path))
    assert code == 1
    assert "合规" in err
    assert "compliance" not in err


def test_adjustments_started_from_a_copy_of_the_decisions_workbook(tmp_path: Path) -> None:
    # The officer copies 授信结果.xlsx, keeps its subject column and adds the others; WPS
    # saves it as a GBK CSV with the rate as Excel shows it.
    path = tmp_path / "调整.csv"
    text = "主体编号（假名）,调整项,调整值,原因代码,备注\r\nabc,利率,4.50%,PANEL,小组建议\r\n"
    path.write_bytes(text.encode("gbk"))
    (found,) = read_adjustments(path)
    assert (found.subject, found.what, found.value, found.reason) == ("abc", "rate", 450, "PANEL")


def test_every_action_the_log_records_has_words_in_chinese() -> None:
    # The lifecycle actions of issue 13 showed as codes in the Chinese access-log report.
    source = Path(__file__).resolve().parents[1] / "src" / "secure_exchange"
    found = set()
    for path in source.rglob("*.py"):
        text = path.read_text("utf-8")
        found |= set(re.findall(r"(?:audited|\.record)\(\s*\"([a-z][a-z._-]*)\"", text))
    assert {"agreement.destroyed", "statement.received", "scored"} <= found
    missing = sorted(a for a in found if f"audit.action.{a}" not in CATALOGUE)
    assert missing == []


def test_the_other_party_cannot_close_this_partys_incident(tmp_path: Path) -> None:
    w = build_world(tmp_path)
    notices = tmp_path / "notices"
    notices.mkdir()
    w.sx(
        w.community,
        "incident",
        "open",
        "--agreement",
        NUMBER,
        "--what",
        "leak",
        "--as",
        "zw-officer",
    )
    w.sx(w.community, "incident", "list")
    (opened,) = [
        s
        for s in (
            Statement.from_bytes(p.read_bytes())
            for p in Station(w.community).layout.lifecycle.glob("*.json")
        )
        if s.kind == "incident.opened"
    ]
    bank = Station(w.bank)
    seal = bank.keyring.unlock("bank-seal", CLI_PASS.encode())
    closing = Statement.issue(
        "incident.closed", bank.trust.get(NUMBER), seal, {"incident": opened.text("incident")}
    )
    path = notices / statement_file_name(closing.statement_id)
    path.write_bytes(closing.to_bytes())
    w.sx(w.community, "import", str(path), ok=False)
    ledger = str(shared_path("samples", "ledger-sample.xlsx"))
    frozen = w.sx(
        w.community, "seal", ledger, "--agreement", NUMBER, "--out", str(w.stick), ok=False
    )
    assert frozen.exit_code == 1
    assert "frozen" in frozen.output
    # Only the community's own seal thaws it.
    w.sx(w.community, "incident", "close", opened.text("incident")[:8], "--as", "zw-seal")
    w.sx(w.community, "seal", ledger, "--agreement", NUMBER, "--out", str(w.stick))
