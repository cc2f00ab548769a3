"""Trust comes from the agreement's pinned keys, never from names or files beside the log.

Issue 11, findings 1 and 2: an insider with admin rights at a station edits what sits in its
home folder (the organisation's name, the log, its checkpoints, witness folders and key
files, or the whole ``audit/`` folder); the peer and ``sx audit verify`` must refuse.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from scoring.output import read_decisions
from secure_exchange.audit import AuditLog, AuditUnavailableError
from secure_exchange.audit import store as _auditstore
from secure_exchange.formats.merkle import MerkleTree
from secure_exchange.formats.note import (
    Checkpoint,
    Ed25519NoteSigner,
    Note,
    NoteVerifier,
    cosign,
    parse_note,
    sign_note,
)
from secure_exchange.package import GROUP_COLUMNS, Sender, seal, verify
from secure_exchange.station import Station
from secure_exchange.station import exchange as _exchange
from secure_exchange.trust import Keyring, TrustStore
from tests.support import CLI_PASS, NUMBER, World, build_world, shared_path

ZWSP = "\u200b"  # ZERO WIDTH SPACE: invisible in a terminal, a different name to a program
AS_OF = "2022-07-01"


def _last_line(text: str) -> Path:
    return Path(text.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def exchanged(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Community -> bank -> community: both logs witnessed by the other side once."""
    w = build_world(tmp_path_factory.mktemp("anchors"))
    ledger = shared_path("samples", "ledger-sample.xlsx")
    sent = w.sx(w.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(w.stick))
    package = _last_line(sent.output)
    w.sx(w.bank, "import", str(package))
    decisions = w.root / "decisions.csv"
    w.sx(w.bank, "score", str(package), "--as-of", AS_OF, "--out", str(decisions))
    # Records the insider will want gone: the bank opening the residents' data again.
    w.sx(w.bank, "score", str(package), "--as-of", AS_OF, "--out", str(w.root / "again.csv"))
    back = w.root / "back"
    back.mkdir()
    returned = w.sx(w.bank, "seal", str(decisions), "--agreement", NUMBER, "--out", str(back))
    w.sx(w.community, "import", str(_last_line(returned.output)))
    again = w.sx(w.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(w.stick))
    w.sx(w.bank, "import", str(_last_line(again.output)))
    (w.root / "package.txt").write_text(str(package.relative_to(w.root)))
    return w


@pytest.fixture
def world(exchanged: World, tmp_path: Path) -> World:
    """A private copy of the exchanged stations, for an insider to tamper with."""
    root = tmp_path / "copy"
    shutil.copytree(exchanged.root, root, symlinks=True)
    return World(root, root / "community", root / "bank", root / "stick")


def _package(world: World) -> Path:
    return world.root / (world.root / "package.txt").read_text()


def _log(home: Path) -> Path:
    return home / "audit" / _auditstore.LOG_NAME


def _records(home: Path) -> list[bytes]:
    return _log(home).read_bytes().splitlines(keepends=True)[1:]


def _cut(home: Path, keep: int) -> None:
    """Keep the header and the first ``keep`` records (a clean cut at a line end)."""
    lines = _log(home).read_bytes().splitlines(keepends=True)
    _log(home).write_bytes(b"".join(lines[: keep + 1]))


def _first(home: Path, action: str) -> int:
    return next(i for i, r in enumerate(_records(home)) if f'"action":"{action}"'.encode() in r)


def _hide_anchors(home: Path) -> None:
    """What the insider deletes so the station's own checks see nothing."""
    for sub in ("checkpoints", "witness"):
        shutil.rmtree(home / "audit" / sub, ignore_errors=True)


def _rename(home: Path, org: str) -> None:
    path = home / "station.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["org"] = org
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def _seal_return(world: World) -> Path:
    decisions = world.root / "decisions.csv"
    out = world.root / "back2"
    out.mkdir(exist_ok=True)
    result = world.sx(world.bank, "seal", str(decisions), "--agreement", NUMBER, "--out", str(out))
    return _last_line(result.output)


@pytest.fixture
def patched_bank(monkeypatch: pytest.MonkeyPatch) -> None:
    """The insider's copy of sx, with the sealing side's own name check taken out."""
    monkeypatch.setattr(_exchange, "check_own_name", lambda *_args: None)


# --- finding 1: witness and replay state keyed by the agreement's pinned seal key -------------


def test_renamed_bank_with_a_cut_log_is_refused(world: World, patched_bank: None) -> None:
    """The insider's attack: cut the records the community witnessed, hide the local
    evidence, add an invisible character to the organisation's name, seal again."""
    _cut(world.bank, _first(world.bank, "scored"))
    _hide_anchors(world.bank)
    _rename(world.bank, "金乡农商银行" + ZWSP)
    package = _seal_return(world)
    refused = world.sx(world.community, "import", str(package), ok=False)
    assert refused.exit_code == 1
    assert "is not the organisation the agreement names for party B" in refused.output
    assert "\\u200b" in refused.output  # the invisible character is shown, escaped
    assert len(refused.output.strip().splitlines()) == 1


def test_cut_log_under_the_right_name_is_refused_as_a_rollback(world: World) -> None:
    _cut(world.bank, _first(world.bank, "scored"))
    _hide_anchors(world.bank)
    package = _seal_return(world)
    refused = world.sx(world.community, "import", str(package), ok=False)
    assert refused.exit_code == 1
    assert "went backwards" in refused.output


def test_witness_state_is_keyed_by_agreement_party_and_seal_key(world: World) -> None:
    agreement = TrustStore(world.community).get(NUMBER)
    seal_b = agreement.keys_for("B:seal")[0].identity.fingerprint.replace(" ", "").lower()
    folders = [p.name for p in (world.community / "audit" / "witness").iterdir()]
    assert folders == [f"{agreement.sha256}.B.{seal_b}"]
    info = json.loads(
        (world.community / "audit" / "witness" / folders[0] / "peer.json").read_text()
    )
    assert info["origin"] == "sx.audit/金乡农商银行"
    assert "key" not in info  # the key comes from the agreement, never from this file
    replay = json.loads((world.community / "state" / "replay.json").read_text())
    assert list(replay["senders"]) == [f"{agreement.sha256}/B/{seal_b}"]


def test_a_renamed_sender_is_still_a_rollback_in_the_replay_register(world: World) -> None:
    """Defence in depth: the package layer's replay check does not read the name either."""
    station = Station(world.bank)
    agreement = station.trust.get(NUMBER)
    ring = Keyring(world.bank)
    seal_key = ring.unlock("bank-seal", CLI_PASS.encode())
    out = world.root / "forged"
    out.mkdir()
    renamed = seal(
        {"decisions": _decisions_table(world)},
        agreement,
        [seal_key],
        out_dir=out,
        sender=Sender("B", "金乡农商银行" + ZWSP),
        sequence=1,  # the sequence the community already saw from the bank
        categories={"decisions": ["身份证号码"]},
    )
    community = Station(world.community)
    with pytest.raises(Exception, match="not newer than"):
        verify(renamed.path, community.trust.all(), replay=community.register.check())


def test_known_peer_without_a_witness_file_is_refused(world: World) -> None:
    station = Station(world.bank)
    agreement = station.trust.get(NUMBER)
    seal_key = Keyring(world.bank).unlock("bank-seal", CLI_PASS.encode())
    out = world.root / "bare"
    out.mkdir()
    bare = seal(
        {"decisions": _decisions_table(world)},
        agreement,
        [seal_key],
        out_dir=out,
        sender=Sender("B", "金乡农商银行"),
        sequence=7,
        categories={"decisions": ["身份证号码"]},
    )
    refused = world.sx(world.community, "import", str(bare.path), ok=False)
    assert refused.exit_code == 1
    assert "carries no witness file" in refused.output


def test_honest_station_with_another_name_cannot_seal(world: World) -> None:
    _rename(world.bank, "金乡农商银行" + ZWSP)
    decisions = world.root / "decisions.csv"
    refused = world.sx(
        world.bank, "seal", str(decisions), "--agreement", NUMBER, "--out", str(world.root),
        ok=False,
    )  # fmt: skip
    assert refused.exit_code == 1
    assert "station.json" in refused.output
    assert "\\u200b" in refused.output


def _decisions_table(world: World) -> pa.Table:
    """The decisions as ``sx seal`` would send them back (the profile's columns only)."""
    return GROUP_COLUMNS["decisions"].conform(read_decisions(world.root / "decisions.csv"))


# --- finding 2: the log is checked against keys pinned outside audit/ -------------------------


def _tree(home: Path) -> MerkleTree:
    return MerkleTree([bytes.fromhex(r[:64].decode()) for r in _records(home)])


def _rewrite_record(home: Path, index: int, old: bytes, new: bytes) -> None:
    lines = _log(home).read_bytes().splitlines(keepends=True)
    payload = lines[index + 1][65:-1]
    assert old in payload
    lines[index + 1] = _auditstore.encode_record(payload.replace(old, new, 1))
    _log(home).write_bytes(b"".join(lines))


def _resign_everything(home: Path) -> None:
    """Re-sign every checkpoint and forge every peer cosignature with fresh keys, written into
    the key files beside the log (keys.txt, peer.json), as an insider would."""
    tree = _tree(home)
    checkpoints = home / "audit" / "checkpoints"
    for path in checkpoints.glob("*.note"):
        head = Checkpoint.parse(parse_note(path.read_bytes()).text)
        fresh = Ed25519NoteSigner("bank-seal")
        body = Checkpoint(head.origin, head.size, tree.root(head.size)).text()
        path.write_bytes(sign_note(body, [fresh]))
        (checkpoints / "keys.txt").write_text(f"{NoteVerifier.from_signer(fresh)}\n")
    for path in (home / "audit" / "witness").glob("*/ours/*.note"):
        note = parse_note(path.read_bytes())
        head = Checkpoint.parse(note.text)
        forger = Ed25519NoteSigner(note.signatures[0].name)
        body = Checkpoint(head.origin, head.size, tree.root(head.size)).text()
        path.write_bytes(Note(body, (cosign(body, forger, 1_700_000_000),)).to_bytes())
        peer_json = path.parent.parent / "peer.json"
        info = json.loads(peer_json.read_text())
        info["key"] = str(NoteVerifier.from_signer(forger))
        peer_json.write_text(json.dumps(info))


def test_honest_logs_verify_against_pinned_keys(world: World) -> None:
    for home in (world.community, world.bank):
        doc = json.loads(world.sx(home, "audit", "verify", "--json").stdout)
        assert doc["ok"] is True, doc
        assert doc["checkpoints"]
        assert all(c["ok"] for c in doc["checkpoints"])
        assert doc["witnessed"]
        assert all(w["ok"] for w in doc["witnessed"])
    signers = json.loads(world.sx(world.bank, "audit", "verify", "--json").stdout)
    assert {s for c in signers["checkpoints"] for s in c["signers"]} == {"bank-seal"}


def test_resigned_checkpoints_and_forged_cosignatures_fail(world: World) -> None:
    scored = _first(world.bank, "scored")
    _rewrite_record(world.bank, scored, b'"phase":"begin"', b'"phase":"event"')
    _resign_everything(world.bank)
    result = world.sx(world.bank, "audit", "verify", "--json", ok=False)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    assert doc["checkpoints"]
    assert not any(c["ok"] for c in doc["checkpoints"])
    assert doc["witnessed"]
    assert not any(w["ok"] for w in doc["witnessed"])
    assert {w["problem"]["problem"] for w in doc["witnessed"]} == {"audit.check.bad_cosignature"}


def test_deleting_the_audit_folder_stops_the_next_command(world: World) -> None:
    shutil.rmtree(world.bank / "audit")
    package = _package(world)
    out = world.root / "after.csv"
    refused = world.sx(
        world.bank, "score", str(package), "--as-of", AS_OF, "--out", str(out), ok=False
    )
    assert refused.exit_code == 1
    assert "restore" in refused.output
    assert "compliance" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert not out.exists()
    verified = world.sx(world.bank, "audit", "verify", "--json", ok=False)
    assert json.loads(verified.stdout)["ok"] is False
    assert not _log(world.bank).exists()  # verifying did not start a fresh log either


def test_a_fresh_log_is_refused_where_the_station_kept_state(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "state").mkdir(parents=True)
    (home / "state" / "sequence.json").write_text('{"ab": 3}')
    with pytest.raises(AuditUnavailableError, match="restore") as info:
        AuditLog.open(home)
    assert info.value.key == "audit.unavailable.log_missing"
    assert not _log(home).exists()


def test_verify_cross_checks_the_register_and_the_sequence(world: World) -> None:
    """A cut the checkpoints no longer show: the replay register and the sequence counter
    still say what the log must hold."""
    _hide_anchors(world.bank)
    _cut(world.bank, _first(world.bank, "package.imported"))
    result = world.sx(world.bank, "audit", "verify", "--json", ok=False)
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    keys = {p["problem"] for p in doc["state"]}
    assert keys == {"audit.state.unlogged_import", "audit.state.unlogged_sequence"}
    text = world.sx(world.bank, "audit", "verify", ok=False)
    assert "replay register" in text.output


def test_compliance_verifies_a_copied_folder_without_its_secret_keys(
    world: World, tmp_path: Path
) -> None:
    """``sx audit verify --home DIR``: the keys come from the copy's cards and agreements,
    and are printed for comparison with the paper agreement; the copy is not written."""
    copy = tmp_path / "bank-copy"
    shutil.copytree(world.bank, copy)
    for secret in [*copy.glob("keys/*/minisign.key"), *copy.glob("keys/*/*.age")]:
        secret.unlink()
    before = _log(copy).read_bytes()
    compliance = tmp_path / "compliance"
    world.sx(compliance, "init", "--org", "合规", "--role", "compliance")
    doc = json.loads(world.sx(compliance, "audit", "verify", "--home", str(copy), "--json").stdout)
    assert doc["ok"] is True, doc
    own = [k for k in doc["pinned_keys"] if k["station"] == "own"]
    assert [(k["name"], k["party"]) for k in own] == [("bank-seal", "B")]
    text = world.sx(compliance, "audit", "verify", "--home", str(copy)).output
    assert own[0]["fingerprint"] in text
    assert _log(copy).read_bytes() == before
    copied = [e for e in AuditLog.open(compliance).events() if e.action == "log.verified"]
    assert copied[-1].detail["folder"] == "bank-copy"
    _rewrite_record(copy, _first(copy, "scored"), b'"phase":"begin"', b'"phase":"event"')
    _resign_everything(copy)
    forged = world.sx(compliance, "audit", "verify", "--home", str(copy), "--json", ok=False)
    assert json.loads(forged.stdout)["ok"] is False
