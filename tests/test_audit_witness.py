"""Witnessing across the USB stick: two stations swap bundles; forks and cuts are caught.

Peers are known as the agreement pins them (``PeerKey``: agreement, party, seal key); here
the keys are plain note keys, pinned by hand (tests/test_trust_anchors.py drives stations
with real agreements).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secure_exchange.audit import (
    Actor,
    Anchors,
    AuditLog,
    EventDraft,
    PeerKey,
    WitnessError,
    WitnessResult,
)
from secure_exchange.audit import store as _auditstore
from secure_exchange.formats.note import (
    Checkpoint,
    Ed25519NoteSigner,
    Note,
    NoteVerifier,
    cosign,
    parse_note,
    sign_note,
)
from secure_exchange.i18n import set_language

ACTOR = Actor("officer", "fp")
AGREEMENT = hashlib.sha256(b"agreement 1").hexdigest()


class Clock:
    """A fake clock advancing one minute per reading."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


class Station:
    """One station: its home, its log, its note key and its party in the agreement."""

    def __init__(self, root: Path, name: str, party: str = "A") -> None:
        self.home = root / name
        self.home.mkdir()
        (self.home / "station.json").write_text(json.dumps({"org": name, "role": "x"}))
        self.party = party
        self.signer = Ed25519NoteSigner(f"{name}-seal")
        self.key = NoteVerifier.from_signer(self.signer)
        self.clock = Clock()

    def me(self, agreement: str = AGREEMENT) -> PeerKey:
        """This station as the agreement pins it: party and seal key."""
        fingerprint = hashlib.sha256(self.key.public_key).hexdigest()[:32]
        return PeerKey(agreement, "N-1", self.party, self.home.name, fingerprint, self.key)

    def anchors(self, peer: Station) -> Anchors:
        return Anchors(own=(self.key,), peers=(peer.me(),))

    @property
    def log(self) -> AuditLog:
        return AuditLog.open(self.home, clock=self.clock)

    def work(self, n: int) -> None:
        drafts = [EventDraft("scored", actor=ACTOR, counts={"i": i}) for i in range(n)]
        self.log.append_many(drafts)

    def send(self, peer: Station, agreement: str = AGREEMENT) -> bytes:
        return self.log.witness_bundle(self.signer, peer.me(agreement))

    def receive(self, bundle: bytes, sender: Station, agreement: str = AGREEMENT) -> WitnessResult:
        return self.log.receive_witness_bundle(bundle, sender.me(agreement), self.signer)


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Station, Station]:
    return Station(tmp_path, "village"), Station(tmp_path, "bank", "B")


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
    for station, peer in ((village, bank), (bank, village)):
        report = AuditLog.verify(station.home, station.anchors(peer))
        assert report.ok, report.first_bad
        assert [w.peer for w in report.witnessed] == [peer.home.name]
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
    report = AuditLog.verify(village.home, village.anchors(bank))
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
    village, bank = Station(tmp_path, "village"), Station(tmp_path, "bank", "B")
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
    report = AuditLog.verify(village.home, village.anchors(bank))
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
    forged = village.log.witness_bundle(impostor, bank.me())
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
    # Meanwhile the village's log is rewritten from scratch (checkpoints and the marker that
    # says there was a log dropped too, so the station itself no longer refuses).
    shutil.rmtree(village.home / "audit")
    shutil.rmtree(village.home / "state")
    village.work(9)
    with pytest.raises(WitnessError, match="differs"):
        village.receive(reply, bank)


def test_verify_takes_the_peer_key_from_the_agreement_not_peer_json(
    pair: tuple[Station, Station],
) -> None:
    village, bank = pair
    village.work(3)
    bank.receive(village.send(bank), village)
    village.receive(bank.send(village), bank)
    folder = village.home / "audit" / "witness" / bank.me().folder
    forger = Ed25519NoteSigner("bank-seal")
    info = json.loads((folder / "peer.json").read_text())
    info["key"] = str(NoteVerifier.from_signer(forger))
    (folder / "peer.json").write_text(json.dumps(info))
    assert AuditLog.verify(village.home, village.anchors(bank)).ok  # the file is no key
    for path in (folder / "ours").glob("*.note"):
        text = parse_note(path.read_bytes()).text
        path.write_bytes(Note(text, (cosign(text, forger, 1_700_000_000),)).to_bytes())
    report = AuditLog.verify(village.home, village.anchors(bank))
    assert not report.ok
    assert report.witnessed[0].problem is not None
    assert report.witnessed[0].problem.key == "audit.check.bad_cosignature"
    unpinned = AuditLog.verify(village.home, Anchors(own=(village.key,)))
    assert unpinned.witnessed[0].problem is not None
    assert unpinned.witnessed[0].problem.key == "audit.check.unpinned_peer"


def test_witness_folders_are_named_by_agreement_party_and_seal_key(tmp_path: Path) -> None:
    village, bank = Station(tmp_path, "village"), Station(tmp_path, "bank", "B")
    village.work(1)
    village.send(bank)
    names = [p.name for p in (village.home / "audit" / "witness").iterdir()]
    assert names == [f"{AGREEMENT}.B.{bank.me().fingerprint}"]
    with pytest.raises(ValueError, match="invalid peer folder"):
        _auditstore.peer_dir(village.home, "金乡农商银行/../x")


def test_a_known_seal_key_with_another_log_origin_is_refused(
    pair: tuple[Station, Station],
) -> None:
    """Renaming the station changes its log's origin: the pinned key keeps the old one."""
    village, bank = pair
    village.work(3)
    bank.receive(village.send(bank), village)
    (village.home / "station.json").write_text(json.dumps({"org": "village\u200b"}))
    with pytest.raises(WitnessError, match="different log"):
        bank.receive(village.send(bank), village)
    assert _last_end(bank) == ("refused", "audit.witness.origin_changed")


def test_the_same_seal_key_under_another_agreement_is_the_same_log(
    pair: tuple[Station, Station],
) -> None:
    """A new agreement with the same seal key does not start the peer afresh (no TOFU)."""
    village, bank = pair
    village.work(6)
    bank.receive(village.send(bank), village)
    second = hashlib.sha256(b"agreement 2").hexdigest()
    village.work(2)
    assert bank.receive(village.send(bank, second), village, second).previous_size == 6
    shutil.rmtree(village.home / "audit" / "checkpoints")
    shutil.rmtree(village.home / "audit" / "witness")
    _cut(village, 4)
    third = hashlib.sha256(b"agreement 3").hexdigest()
    with pytest.raises(WitnessError, match="went backwards"):
        bank.receive(village.send(bank, third), village, third)


def test_legacy_name_keyed_state_moves_to_the_pinned_peer(
    pair: tuple[Station, Station], monkeypatch: pytest.MonkeyPatch
) -> None:
    """State an older version kept under the peer's name moves where its pinned key says."""
    village, bank = pair
    village.work(3)
    bank.receive(village.send(bank), village)
    witness = bank.home / "audit" / "witness"
    folder = witness / village.me().folder
    legacy = witness / "village"
    folder.rename(legacy)
    info = {"peer": "village", "origin": "sx.audit/village", "key": str(village.key)}
    (legacy / "peer.json").write_text(json.dumps(info))
    pinned = Anchors(own=(bank.key,), peers=(village.me(),))
    monkeypatch.setattr(Anchors, "from_home", classmethod(lambda _cls, _home: pinned))
    for sub in ("checkpoints", "witness"):
        shutil.rmtree(village.home / "audit" / sub)
    _cut(village, 2)
    _ = bank.log  # opening the log moves the state
    assert [p.name for p in witness.iterdir()] == [village.me().folder]
    assert (bank.home / "audit" / "witness-legacy" / "village" / "peer.json").is_file()
    with pytest.raises(WitnessError, match="went backwards"):
        bank.receive(village.send(bank), village)


def test_checkpoint_keys_are_never_read_from_keys_txt(pair: tuple[Station, Station]) -> None:
    village, bank = pair
    village.work(3)
    bank.receive(village.send(bank), village)
    folder = village.home / "audit" / "checkpoints"
    forger = Ed25519NoteSigner("village-seal")
    for path in folder.glob("*.note"):
        head = Checkpoint.parse(parse_note(path.read_bytes()).text)
        path.write_bytes(sign_note(head.text(), [forger]))
    (folder / "keys.txt").write_text(f"{NoteVerifier.from_signer(forger)}\n")
    report = AuditLog.verify(village.home, village.anchors(bank))
    assert not report.ok
    assert report.checkpoints[0].problem is not None
    assert report.checkpoints[0].problem.key == "audit.note.unverified"
