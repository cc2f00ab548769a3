"""Witnessing across the USB stick: two stations swap bundles; forks and cuts are caught."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secure_exchange.audit import Actor, AuditLog, EventDraft, WitnessError, WitnessResult
from secure_exchange.audit import store as _auditstore
from secure_exchange.formats.note import Ed25519NoteSigner, NoteVerifier
from secure_exchange.i18n import set_language

ACTOR = Actor("officer", "fp")


class Clock:
    """A fake clock advancing one minute per reading."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


class Station:
    """One station: its home, its log and its note key."""

    def __init__(self, root: Path, name: str) -> None:
        self.home = root / name
        self.home.mkdir()
        (self.home / "station.json").write_text(json.dumps({"org": name, "role": "x"}))
        self.signer = Ed25519NoteSigner(f"{name}-seal")
        self.key = NoteVerifier.from_signer(self.signer)
        self.clock = Clock()

    @property
    def log(self) -> AuditLog:
        return AuditLog.open(self.home, clock=self.clock)

    def work(self, n: int) -> None:
        drafts = [EventDraft("scored", actor=ACTOR, counts={"i": i}) for i in range(n)]
        self.log.append_many(drafts)

    def send(self, peer: Station) -> bytes:
        return self.log.witness_bundle(self.signer, peer.home.name)

    def receive(self, bundle: bytes, sender: Station) -> WitnessResult:
        return self.log.receive_witness_bundle(bundle, sender.home.name, sender.key, self.signer)


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Station, Station]:
    return Station(tmp_path, "village"), Station(tmp_path, "bank")


def _cut(station: Station, keep: int) -> None:
    """Delete the newest records, keeping the first ``keep``."""
    path = station.home / "audit" / _auditstore.LOG_NAME
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([*lines[: keep + 1], b""]))


def _last_end(station: Station) -> tuple[str | None, str | None]:
    end = station.log.events()[-1]
    return end.outcome, end.detail.get("error")


def test_round_trip_both_ways(pair: tuple[Station, Station]) -> None:
    village, bank = pair
    village.work(5)
    first = bank.receive(village.send(bank), village)
    assert first.previous_size is None
    assert first.size == 5
    bank.work(4)  # bank log: 2 witness.received events + 4 = 6
    back = village.receive(bank.send(village), bank)
    assert back.cosigned_size == 5
    village.work(4)
    again = bank.receive(village.send(bank), village)
    assert again.previous_size == 5
    assert again.cosigned_size == 6
    for station, peer in ((village, "bank"), (bank, "village")):
        report = AuditLog.verify(station.home)
        assert report.ok, report.first_bad
        assert [w.peer for w in report.witnessed] == [peer]
    events = [e.action for e in bank.log.events()]
    assert events.count("witness.received") == 4  # begin + end, twice


def test_bundles_before_any_reply_carry_proofs(pair: tuple[Station, Station]) -> None:
    village, bank = pair
    sizes = []
    for n in (3, 5, 1, 8):
        village.work(n)
        sizes.append(bank.receive(village.send(bank), village).size)
    assert sizes == sorted(sizes)
    # A bundle the bank never got does not break the next one.
    village.work(2)
    village.send(bank)
    village.work(2)
    bank.receive(village.send(bank), village)


def test_deleting_records_the_peer_saw_is_caught(pair: tuple[Station, Station]) -> None:
    village, bank = pair
    village.work(10)
    bank.receive(village.send(bank), village)
    village.receive(bank.send(village), bank)
    shutil.rmtree(village.home / "audit" / "checkpoints")  # hide the local evidence too
    _cut(village, 6)
    report = AuditLog.verify(village.home)
    assert not report.ok
    assert report.first_bad is not None
    assert report.first_bad.key == "audit.bad.shorter_than_witnessed"
    assert report.first_bad.message().startswith(
        "The log is shorter than the checkpoint the bank witnessed at size 10"
    )
    assert report.first_bad.where.seq == 6
    with pytest.raises(Exception, match="witnessed at size 10"):
        village.log.record("scored", actor=ACTOR)


def test_truncated_then_regrown_log_is_a_fork(pair: tuple[Station, Station]) -> None:
    village, bank = pair
    village.work(10)
    bank.receive(village.send(bank), village)
    for sub in ("checkpoints", "witness"):
        shutil.rmtree(village.home / "audit" / sub)
    _cut(village, 4)
    village.work(20)  # longer than before, but a different history
    with pytest.raises(WitnessError, match="lacks the consistency proof from size 10"):
        bank.receive(village.send(bank), village)
    assert _last_end(bank) == ("refused", "audit.witness.no_proof")
    # Forging the proof does not help: any proof from 10 fails against the old root.
    bundle = json.loads(village.send(bank))
    bundle["proofs"] = [
        {"size": 10, "proof": [p for item in bundle["proofs"] for p in item["proof"]][:5]}
    ]
    with pytest.raises(WitnessError, match="does not extend"):
        bank.receive(json.dumps(bundle).encode(), village)
    assert _last_end(bank) == ("refused", "audit.witness.fork")


def test_rollback_to_an_older_bundle_is_refused(pair: tuple[Station, Station]) -> None:
    village, bank = pair
    village.work(3)
    old = village.send(bank)
    village.work(3)
    bank.receive(village.send(bank), village)
    with pytest.raises(WitnessError, match="went backwards"):
        bank.receive(old, village)
    assert _last_end(bank) == ("refused", "audit.witness.rollback")


def test_same_size_other_root_is_a_fork(tmp_path: Path) -> None:
    village, bank = Station(tmp_path, "village"), Station(tmp_path, "bank")
    village.work(4)
    bank.receive(village.send(bank), village)
    twin_root = tmp_path / "twin"
    twin_root.mkdir()
    twin = Station(twin_root, "village")  # same origin, same key, another history
    twin.signer, twin.key = village.signer, village.key
    twin.work(3)
    twin.log.record("key.created", actor=ACTOR)
    with pytest.raises(WitnessError, match="does not extend"):
        bank.receive(twin.send(bank), village)


def test_a_rewrite_below_a_head_both_signed_and_witnessed(pair: tuple[Station, Station]) -> None:
    """Our checkpoint and the peer's cosignature of it name the same size: one finding."""
    village, bank = pair
    village.work(6)
    bank.receive(village.send(bank), village)
    village.receive(bank.send(village), bank)
    path = village.home / "audit" / _auditstore.LOG_NAME
    lines = path.read_bytes().split(b"\n")
    payload = lines[3][65:].replace(b'"i":2', b'"i":5')
    lines[3] = _auditstore.encode_record(payload)[:-1]
    path.write_bytes(b"\n".join(lines))
    report = AuditLog.verify(village.home)
    assert [c.size for c in report.checkpoints] == [w.size for w in report.witnessed] == [6]
    assert report.first_bad is not None
    assert report.first_bad.key == "audit.bad.rewritten"
    assert (report.first_bad.params["first"], report.first_bad.params["last"]) == (0, 5)


def test_duplicate_keys_make_a_bundle_malformed(pair: tuple[Station, Station]) -> None:
    village, bank = pair
    village.work(2)
    bundle = village.send(bank)
    twice = bundle.replace(b'{"checkpoint":', b'{"checkpoint":"x","checkpoint":', 1)
    with pytest.raises(WitnessError, match="malformed"):
        bank.receive(twice, village)
    assert _last_end(bank) == ("refused", "audit.witness.malformed")
    assert bank.receive(bundle, village).size == 2


def test_missing_proof_and_bad_signature_refused(pair: tuple[Station, Station]) -> None:
    village, bank = pair
    village.work(3)
    bank.receive(village.send(bank), village)
    village.work(3)
    bundle = json.loads(village.send(bank))
    bundle["proofs"] = []
    with pytest.raises(WitnessError, match="lacks the consistency proof"):
        bank.receive(json.dumps(bundle).encode(), village)
    impostor = Ed25519NoteSigner("village-seal")
    forged = village.log.witness_bundle(impostor, "bank")
    with pytest.raises(WitnessError, match="no valid signature"):
        bank.receive(forged, village)
    with pytest.raises(WitnessError, match="malformed"):
        bank.receive(b"not json", village)


def test_bad_cosignature_refused(pair: tuple[Station, Station]) -> None:
    village, bank = pair
    village.work(3)
    bank.receive(village.send(bank), village)
    bundle = json.loads(bank.send(village))
    bundle["cosigned"] = bundle["cosigned"].replace("\n3\n", "\n2\n")
    with pytest.raises(WitnessError, match="cosignature"):
        village.receive(json.dumps(bundle).encode(), bank)


def test_peer_witnessed_a_different_log_of_ours(pair: tuple[Station, Station]) -> None:
    village, bank = pair
    village.work(3)
    bank.receive(village.send(bank), village)
    reply = bank.send(village)
    # Meanwhile the village's log is rewritten from scratch (and its checkpoints dropped).
    shutil.rmtree(village.home / "audit")
    village.work(9)
    with pytest.raises(WitnessError, match="differs"):
        village.receive(reply, bank)


def test_verify_reports_cosignature_forgery(pair: tuple[Station, Station]) -> None:
    village, bank = pair
    village.work(3)
    bank.receive(village.send(bank), village)
    village.receive(bank.send(village), bank)
    peer_json = village.home / "audit" / "witness" / "bank" / "peer.json"
    info = json.loads(peer_json.read_text())
    info["key"] = str(NoteVerifier.from_signer(Ed25519NoteSigner("bank-seal")))
    peer_json.write_text(json.dumps(info))
    report = AuditLog.verify(village.home)
    assert not report.ok
    assert report.witnessed[0].problem is not None
    assert report.witnessed[0].problem.key == "audit.check.bad_cosignature"


def test_unsafe_peer_names_get_hashed_folders(tmp_path: Path) -> None:
    village = Station(tmp_path, "village")
    village.work(1)
    village.log.witness_bundle(village.signer, "金乡农商银行/../x")
    names = [p.name for p in (village.home / "audit" / "witness").iterdir()]
    assert len(names) == 1
    assert names[0].startswith("h-")
