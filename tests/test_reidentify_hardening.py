"""Re-identification is bound to this station's scoring, and no personal data reaches the log.

Findings 3 and 4 of the hardening issue. 3: a free-text reason carried a prefixed, spaced
or full-width ID number, a name and an address into the append-only log (and a caught one
showed "internal error"); now ``--reason`` takes a code, ``--ticket`` a short reference,
and the log's guard normalises and refuses disguised numbers and text where a code belongs.
4: with every status of the decisions file edited to ``approved``, every resident was
re-identified; now ``sx score`` records (signed by the scoring key) which subjects it
approved, and ``sx reidentify`` reveals only those.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from secure_exchange.audit import Actor, AuditLog, Event, EventDraft
from secure_exchange.errors import SecureExchangeError
from tests.support import NUMBER, World, shared_path

OFFICER = Actor("officer", "RWQfingerprint")
WIDE = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _sample() -> list[dict[str, str]]:
    path = shared_path("samples", "ledger-sample-utf8", "residents.csv")
    with path.open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _first() -> dict[str, str]:
    return _sample()[0]


# --- the log's guard (audit/events.py) ------------------------------------------------------


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    home = tmp_path / "station"
    home.mkdir()
    (home / "station.json").write_text(json.dumps({"org": "bank", "role": "bank"}))
    return AuditLog.open(home)


DISGUISED_NUMBERS = [
    "ID370828198705220258",  # a prefix glued to the number
    "sfz370828198705220258x",
    "370828 19870522 0258",  # spaced
    "370828-1987-0522-025X",
    "３７０８２８１９８７０５２２０２５８",  # full-width digits
    "370828\u200b198705220258",  # a zero-width space inside
    "tel18255304093",
    "182 5530 4093",
    "+86 182-5530-4093",
    "１８２５５３０４０９３",
    "call:18255304093",
]


@pytest.mark.parametrize("value", DISGUISED_NUMBERS)
def test_guard_refuses_disguised_id_and_phone_numbers(log: AuditLog, value: str) -> None:
    with pytest.raises(SecureExchangeError, match="ID number or a phone number") as caught:
        log.record("reidentified", actor=OFFICER, detail={"reason": value})
    assert isinstance(caught.value, ValueError)  # still what the log's callers expect
    assert caught.value.outcome == "refused"
    assert log.size == 0
    with pytest.raises(SecureExchangeError, match="ID number or a phone number"):
        log.record("package.verified", actor=OFFICER, detail={"folder": value})


@pytest.mark.parametrize(
    "value", ["乔华然", "山东省济宁市金乡县金乡街道春秋社区160号", "Ｑｉａｏ", "notify 乔"]
)
def test_guard_refuses_text_where_a_code_belongs(log: AuditLog, value: str) -> None:
    with pytest.raises(SecureExchangeError, match="not a name or an address"):
        log.record("reidentified", actor=OFFICER, detail={"reason": value})
    with pytest.raises(SecureExchangeError, match="not a name or an address"):
        log.record("reidentified", actor=OFFICER, detail={"ticket": value})
    assert log.size == 0


def test_guard_keeps_what_the_log_needs(log: AuditLog) -> None:
    digest = "1234567890123456789012345678901234567890abcdefabcdefabcdef123456"
    log.record(
        "package.sealed",
        actor=Actor("zw-seal", "1234 5678 9012 3456 7890 1234 5678 9012"),
        package="20220701-abcdefgh",
        detail={
            "agreement": NUMBER,
            "file": "真武社区台账 2022-07-01.xlsx",
            "folder": "sx-20220701-abcdefgh",
            "decisions_sha256": digest,
            "agreement_sha256": digest,
            "replaced": "ab13912345678901234567890123456c",  # a media id: hex
            "media.volume": "12345678-1391-2345-6781-234567890123",
            "as_of": "2022-07-01",
            "subject": "370828********025X",
            "reason": "notify",
            "ticket": "TS-2022-0701-001",
        },
    )
    assert log.size == 1


def test_older_records_with_text_still_read(log: AuditLog) -> None:
    """Records written before codes (a free-text reason) still read back and verify."""
    event = Event.from_draft(
        EventDraft("reidentified", actor=OFFICER, detail={"reason": "x"}), 0, "2022", "bank"
    ).to_dict()
    event["detail"] = {"reason": "用户告知：2022年7月授信"}
    assert Event.from_dict(event).detail["reason"] == "用户告知：2022年7月授信"
    event["detail"] = {"reason": "370828198705220258"}
    with pytest.raises(ValueError, match="ID number"):
        Event.from_dict(event)


# --- the CLI: codes, tickets, and re-identification bound to the scoring --------------------


@pytest.fixture(scope="module")
def scored(world: World) -> tuple[Path, Path]:
    """The sample sealed, imported and scored at the bank: (package, decisions.csv)."""
    ledger = shared_path("samples", "ledger-sample.xlsx")
    result = world.sx(
        world.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(world.stick)
    )
    package = Path(result.output.strip().splitlines()[-1])
    world.sx(world.bank, "import", str(package))
    decisions = world.root / "decisions.csv"
    world.sx(world.bank, "score", str(package), "--as-of", "2022-07-01", "--out", str(decisions))
    return package, decisions


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]], fields: list[str], **kw: str) -> Path:
    with path.open("w", encoding=kw.get("encoding", "utf-8-sig"), newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _reid(world: World, scored: tuple[Path, Path], decisions: Path, out: str, *args: str, ok=True):  # type: ignore[no-untyped-def]
    package, _ = scored
    return world.sx(
        world.bank,
        "reidentify",
        str(decisions),
        "--package",
        str(package),
        *args,
        "--out",
        str(world.root / out),
        ok=ok,
    )


def _home_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file())


def _last_reidentified(world: World) -> Event:
    shown = world.sx(world.bank, "audit", "show", "--action", "reidentified", "--json")
    events = [json.loads(line) for line in shown.output.splitlines() if line.startswith("{")]
    ends = [e for e in events if e["phase"] == "end"]
    return Event.from_dict(ends[-1])


def _attacks() -> list[tuple[str, list[bytes]]]:
    person = _first()
    pid, name, phone, address = (
        person["身份证号"],
        person["姓名"],
        person["联系电话"],
        person["家庭住址"],
    )
    wide = pid.translate(WIDE)
    spaced = f"{pid[:6]} {pid[6:14]} {pid[14:]}"
    return [
        (f"用户告知 ID{pid}", [pid.encode()]),
        (f"notify {spaced}", [spaced.encode(), pid.encode()]),
        (f"用户告知{wide}", [wide.encode(), pid.encode()]),
        (f"用户告知：{name}", [name.encode()]),
        (f"上门告知：{address}", [address.encode()]),
        (f"notify tel{phone}", [phone.encode()]),
    ]


@pytest.mark.parametrize("case", range(6))
def test_reason_with_personal_data_is_refused_plainly(
    world: World, scored: tuple[Path, Path], case: int
) -> None:
    reason, needles = _attacks()[case]
    _, decisions = scored
    result = _reid(world, scored, decisions, "never.csv", "--reason", reason, ok=False)
    assert result.exit_code == 1
    assert "internal error" not in result.output.lower()
    assert "notify" in result.output  # the message names the codes to use
    assert not (world.root / "never.csv").exists()
    data = _home_bytes(world.bank)
    for needle in needles:
        assert needle not in data


@pytest.mark.parametrize(
    "ticket",
    [
        "370828198705220258",
        "37082819870522025X",
        "ID370828198705220258",
        "18255304093",
        "TS18255304093",
        "TS-182-5530-4093",
        "乔华然",
        "TS 001",
        "x" * 33,
        "１２３",
    ],
)
def test_ticket_that_could_hold_personal_data_is_refused(
    world: World, scored: tuple[Path, Path], ticket: str
) -> None:
    _, decisions = scored
    result = _reid(
        world, scored, decisions, "never.csv", "--reason", "notify", "--ticket", ticket, ok=False
    )
    assert result.exit_code == 1
    assert "internal error" not in result.output.lower()
    assert "ticket" in result.output.lower()
    assert not (world.root / "never.csv").exists()
    assert ticket.encode() not in _home_bytes(world.bank)


def test_log_holds_only_the_code_and_the_ticket(world: World, scored: tuple[Path, Path]) -> None:
    _, decisions = scored
    _reid(world, scored, decisions, "coded.csv", "--reason", "complaint", "--ticket", "TS-2022-07")
    event = _last_reidentified(world)
    assert event.outcome == "ok"
    assert event.detail["reason"] == "complaint"
    assert event.detail["ticket"] == "TS-2022-07"
    assert event.counts["rows"] == 14


def test_statuses_edited_to_approved_reveal_only_the_approved(
    world: World, scored: tuple[Path, Path]
) -> None:
    _, decisions = scored
    rows = _rows(decisions)
    truly = {r["subject"] for r in rows if r["status"] == "approved"}
    assert 0 < len(truly) < len(rows)
    forged = [{**r, "status": "approved", "credit_limit_yuan": "300000"} for r in rows]
    edited = _write(world.root / "all-approved.csv", forged, list(rows[0]))
    result = _reid(world, scored, edited, "edited-out.csv", "--reason", "notify")
    out = _rows(world.root / "edited-out.csv")
    assert {r["subject"] for r in out} == truly
    assert {r["credit_limit_yuan"] for r in out} != {"300000"}  # the scoring's own limits
    refused = len(rows) - len(truly)
    assert f"{refused} row(s)" in result.output
    assert "not approved" in result.output
    event = _last_reidentified(world)
    assert event.counts["rows"] == len(truly)
    assert event.counts["not_approved"] == refused
    assert event.counts["unknown"] == 0
    assert event.detail["decisions"] == "other"


def test_a_file_filtered_in_excel_still_works(world: World, scored: tuple[Path, Path]) -> None:
    _, decisions = scored
    rows = _rows(decisions)
    approved = [r for r in rows if r["status"] == "approved"][:3]
    declined = [r for r in rows if r["status"] != "approved"][:2]
    subject_only = _write(world.root / "only-subjects.csv", approved, ["subject"])
    result = _reid(world, scored, subject_only, "a.csv", "--reason", "notify")
    assert [r["subject"] for r in _rows(world.root / "a.csv")] == [r["subject"] for r in approved]
    assert "not approved" not in result.output
    shuffled = list(reversed(list(rows[0])))
    mixed = _write(world.root / "mixed.csv", approved + declined, shuffled)
    result = _reid(world, scored, mixed, "b.csv", "--reason", "notify")
    assert len(_rows(world.root / "b.csv")) == 3
    assert "2 row(s)" in result.output
    ansi = _write(world.root / "ansi.csv", approved, list(rows[0]), encoding="gb18030")
    _reid(world, scored, ansi, "c.csv", "--reason", "notify")
    assert len(_rows(world.root / "c.csv")) == 3


def test_nothing_approved_is_refused(world: World, scored: tuple[Path, Path]) -> None:
    _, decisions = scored
    rows = _rows(decisions)
    declined = [{**r, "status": "approved"} for r in rows if r["status"] != "approved"]
    path = _write(world.root / "declined.csv", declined, list(rows[0]))
    result = _reid(world, scored, path, "none.csv", "--reason", "notify", ok=False)
    assert result.exit_code == 1
    assert f"{len(declined)} row(s)" in result.output
    assert not (world.root / "none.csv").exists()
    event = _last_reidentified(world)
    assert event.outcome == "refused"
    assert event.counts["rows"] == 0
    assert event.counts["not_approved"] == len(declined)


def test_scoring_record_is_private_and_signed(world: World, scored: tuple[Path, Path]) -> None:
    _, decisions = scored
    records = list((world.bank / "state" / "scored").glob("*.json"))
    assert len(records) == 1
    approved_file = records[0].with_name(records[0].stem + ".approved.parquet")
    if os.name == "posix":
        assert stat.S_IMODE(records[0].stat().st_mode) == 0o600
        assert stat.S_IMODE(approved_file.stat().st_mode) == 0o600
    record = json.loads(records[0].read_text(encoding="utf-8"))
    assert record["format"] == "sx-scored/v2"
    rows = _rows(decisions)
    approved = pq.read_table(approved_file)
    assert sorted(approved.column("subject").to_pylist()) == sorted(
        r["subject"] for r in rows if r["status"] == "approved"
    )
    assert record["approved_rows"] == approved.num_rows
    assert record["approved_sha256"] == hashlib.sha256(approved_file.read_bytes()).hexdigest()
    assert record["as_of"] == "2022-07-01"
    # An insider approving everyone in the approved file: it no longer hashes to what the
    # signed record says; naming the new file's hash in the record breaks its signature.
    saved, saved_approved = records[0].read_bytes(), approved_file.read_bytes()
    try:
        everyone = pa.table(
            {
                "subject": [r["subject"] for r in rows],
                "community": [r["community"] for r in rows],
                "credit_limit_yuan": pa.array([100000] * len(rows), pa.int64()),
                "rate_bp": pa.array([500] * len(rows), pa.int32()),
            }
        )
        pq.write_table(everyone, approved_file)
        for forged_record in (False, True):
            if forged_record:
                record["approved_sha256"] = hashlib.sha256(approved_file.read_bytes()).hexdigest()
                record["approved_rows"] = len(rows)
                records[0].write_text(json.dumps(record), encoding="utf-8")
            result = _reid(world, scored, decisions, "forged.csv", "--reason", "notify", ok=False)
            assert result.exit_code == 1
            assert "scoring record" in result.output
            assert not (world.root / "forged.csv").exists()
    finally:
        records[0].write_bytes(saved)
        approved_file.write_bytes(saved_approved)


def test_a_package_never_scored_here_is_refused(world: World, scored: tuple[Path, Path]) -> None:
    _, decisions = scored
    ledger = shared_path("samples", "ledger-sample.xlsx")
    result = world.sx(
        world.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(world.stick)
    )
    second = Path(result.output.strip().splitlines()[-1])
    world.sx(world.bank, "import", str(second))
    refused = world.sx(
        world.bank,
        "reidentify",
        str(decisions),
        "--package",
        str(second),
        "--reason",
        "notify",
        "--out",
        str(world.root / "unscored.csv"),
        ok=False,
    )
    assert refused.exit_code == 1
    assert "never scored" in refused.output
    assert not (world.root / "unscored.csv").exists()
