"""Fuzz targets: one function for each reader of bytes that can come from the other party.

A target takes arbitrary bytes and must either return or raise one of our typed errors
(``SecureExchangeError`` in the application, ``FormatError`` in the formats layer): that
is a clear refusal. Anything else (``ValueError``, ``KeyError``, ``MemoryError``, a hang) is
a finding. The same functions replay the seed corpus and every kept crash in
``tests/test_fuzz.py``, so this module needs no fuzzer to import.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import io
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from secure_exchange.audit import AuditLog, PeerKey
from secure_exchange.errors import SecureExchangeError
from secure_exchange.formats import age, canonjson, minisign, note, sha256sums
from secure_exchange.formats.errors import FormatError
from secure_exchange.ledger import RESIDENTS, check_ledger, write_csv_ledger
from secure_exchange.ledger.synthetic import synthetic_ledger
from secure_exchange.package import (
    Manifest,
    MemoryReader,
    Sender,
    VerifiedPackage,
    open_package,
    seal,
    verify,
)
from secure_exchange.package.layout import SIG_COMMENT, SUMS, signature_name, trusted_comment
from secure_exchange.station import MediaLabel
from secure_exchange.trust import Agreement, Statement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import (  # noqa: E402
    CATS,
    NOW,
    Parties,
    groups,
    make_parties,
    shared_strings_xlsx,
    xlsx_blocks,
)

__all__ = ["EXPECTED", "TARGETS", "Target"]

EXPECTED: tuple[type[BaseException], ...] = (SecureExchangeError, FormatError)

# Fixed, public test keys: fuzzing needs a key to get past the first check, not a secret.
_X25519 = age.X25519Identity(bytes(range(32)))
_SIGNER = minisign.SecretKey.from_seed(bytes(range(32, 64)), bytes(range(8)))
_NOTE_SIGNER = note.Ed25519NoteSigner(
    "sx.fuzz/log", Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
)


@dataclass(frozen=True)
class Target:
    """A reader under test: its name, the call, and how to make its seed inputs."""

    name: str
    run: Callable[[bytes], object]
    seeds: Callable[[], list[bytes]]
    expected: tuple[type[BaseException], ...] = EXPECTED


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


# --- canonical JSON -------------------------------------------------------------------


def _json(data: bytes) -> object:
    return canonjson.loads(data)


def _json_seeds() -> list[bytes]:
    return [
        canonjson.canonical_json({"format": "sx-package-v1", "sequence": 3, "parts": [1, 2]}),
        b'{"a":{"b":[1,2,{"c":null}]},"d":"\\u738b"}',
        b"[" * 20 + b"]" * 20,
    ]


# --- age --------------------------------------------------------------------------------


def _age(data: bytes) -> object:
    return age.decrypt(io.BytesIO(data), [_X25519]).read()


def _age_seeds() -> list[bytes]:
    recipient = _X25519.recipient()
    plain = b"sx fuzz seed " * 100
    return [
        age.encrypt_bytes(plain, [recipient]),
        age.encrypt_bytes(b"", [recipient]),
        age.encrypt_bytes(plain * 700, [recipient]),  # more than one 64 KiB chunk
        age.encrypt_bytes(plain, [recipient], armor=True),
    ]


# --- minisign -------------------------------------------------------------------------


def _minisign_signature(data: bytes) -> object:
    public = _SIGNER.public_key
    return public.verify(b"SHA256SUMS body\n", _text(data))


def _minisign_seeds() -> list[bytes]:
    return [
        _SIGNER.sign(b"SHA256SUMS body\n", trusted_comment="sx-package-v1 fuzz").encode(),
        _SIGNER.sign(b"other\n", trusted_comment="x").encode(),
    ]


def _minisign_key(data: bytes) -> object:
    return minisign.PublicKey.from_str(_text(data))


def _minisign_key_seeds() -> list[bytes]:
    return [_SIGNER.public_key.to_file_text("minisign public key").encode()]


# --- signed notes and checkpoints ------------------------------------------------------


def _note(data: bytes) -> object:
    opened = note.open_note(data, [note.NoteVerifier.from_signer(_NOTE_SIGNER)])
    return note.Checkpoint.parse(opened.text)


def _note_seeds() -> list[bytes]:
    checkpoint = note.Checkpoint("sx.fuzz/log", 7, bytes(32))
    return [note.sign_note(checkpoint.text(), [_NOTE_SIGNER])]


# --- SHA256SUMS ---------------------------------------------------------------------------


def _sums(data: bytes) -> object:
    return sha256sums.parse(data)


def _sums_seeds() -> list[bytes]:
    return [sha256sums.render({"manifest.json": "0" * 64, "scoring-000.parquet.age": "f" * 64})]


# --- agreements -----------------------------------------------------------------------------


def _agreement(data: bytes) -> object:
    agreement = Agreement.from_bytes(data)
    agreement.check_sealed()
    return agreement


def _agreement_seeds() -> list[bytes]:
    return [_world().parties.agreement.to_bytes()]


# --- statements: revocations, certificates, incident notices (lifecycle-v1) ----------------


def _statement(data: bytes) -> object:
    """A statement from the other party's stick, checked against the pinned keys (§4)."""
    statement = Statement.from_bytes(data)
    statement.signer(_world().parties.agreement)
    return statement


def _statement_seeds() -> list[bytes]:
    parties = _world().parties
    revoked = Statement.issue(
        "agreement.revoked", parties.agreement, parties.seal_a, {"reason": "ended"}, now=NOW
    )
    notice = {
        "incident": "ab" * 16,
        "what": "lost-media",
        "when": "2022-07-01",
        "packages": ["20220701-abcdefghjkmnpqrstuvw"],
        "media": ["cd" * 16],
    }
    opened = Statement.issue("incident.opened", parties.agreement, parties.officer, notice, now=NOW)
    return [revoked.to_bytes(), opened.to_bytes()]


# --- packages: the stick's holder, and a peer holding its own valid keys ---------------------


@dataclass(frozen=True)
class _World:
    """Keys, an agreement and one genuine package, made once per process in a scratch folder."""

    parties: Parties
    package_id: str
    files: dict[str, bytes]


@functools.cache
def _world() -> _World:
    scratch = Path(tempfile.mkdtemp(prefix="sx-fuzz-world-"))
    atexit.register(shutil.rmtree, scratch, True)
    parties = make_parties(scratch)
    stick = scratch / "stick"
    stick.mkdir()
    sealed = seal(
        groups(),
        parties.agreement,
        [parties.officer, parties.seal_a],
        out_dir=stick,
        sender=Sender(station=parties.agreement.party_org("A"), party="A"),
        sequence=1,
        categories=CATS,
        now=NOW,
    )
    files = {p.name: p.read_bytes() for p in sorted(sealed.path.iterdir())}
    shutil.rmtree(scratch / "community", ignore_errors=True)
    return _World(parties, sealed.package_id, files)


def _verify_and_open(files: dict[str, bytes]) -> VerifiedPackage:
    world = _world()
    reader = MemoryReader(files, path=Path(world.package_id))
    package = verify(reader, [world.parties.agreement], now=NOW, keep_groups=("scoring",))
    open_package(package, [world.parties.scoring.age_identity], groups=["scoring"])
    return package


def _stick(data: bytes) -> object:
    """The thief or the postman: any one file of a genuine package replaced, nothing re-signed."""
    files = dict(_world().files)
    if not data:
        return _verify_and_open(files)
    names = sorted(files)
    files[names[data[0] % len(names)]] = data[1:]
    return _verify_and_open(files)


def _stick_seeds() -> list[bytes]:
    files = _world().files
    return [bytes([i]) + files[name] for i, name in enumerate(sorted(files))]


def _resign(files: dict[str, bytes]) -> dict[str, bytes]:
    """New SHA256SUMS and signatures by party A's own valid keys, as a malicious peer would."""
    world = _world()
    body = {n: d for n, d in files.items() if n != SUMS and not n.endswith(".minisig")}
    sums = sha256sums.render(
        {n: sha256sums.sha256_stream(io.BytesIO(d))[0] for n, d in body.items()}
    )
    body[SUMS] = sums
    comment = trusted_comment(world.package_id, world.parties.agreement.sha256)
    for signer in (world.parties.officer, world.parties.seal_a):
        sig = signer.signing_key.sign(sums, trusted_comment=comment, untrusted_comment=SIG_COMMENT)
        body[signature_name(signer.public.key_id)] = sig.encode("ascii")
    return body


def _peer_manifest(data: bytes) -> object:
    """A peer with valid keys signs a manifest of its own making."""
    files = dict(_world().files)
    files["manifest.json"] = data
    return _verify_and_open(_resign(files))


def _peer_manifest_seeds() -> list[bytes]:
    return [_world().files["manifest.json"]]


def _peer_part(data: bytes) -> object:
    """A peer with valid keys encrypts Parquet bytes of its own making as the scoring part."""
    world = _world()
    files = dict(world.files)
    manifest = Manifest.from_bytes(files["manifest.json"])
    part = next(p for p in manifest.parts if p.group == "scoring")
    info = manifest.group("scoring")
    if info is None:
        raise LookupError("the genuine package has no scoring group")
    recipients = [age.X25519Recipient.from_str(r) for r in info.recipients]
    files[part.file] = age.encrypt_bytes(data, recipients)
    parts = tuple(
        dataclasses.replace(p, size=len(files[part.file])) if p.file == part.file else p
        for p in manifest.parts
    )
    files["manifest.json"] = dataclasses.replace(manifest, parts=parts).to_bytes()
    return _verify_and_open(_resign(files))


def _peer_part_seeds() -> list[bytes]:
    sink = io.BytesIO()
    pq.write_table(groups()["scoring"], sink)
    table = pa.table(
        {"subject": ["0" * 32], "community": [None]}, schema=groups()["scoring"].schema
    )
    other = io.BytesIO()
    pq.write_table(table, other)
    return [sink.getvalue(), other.getvalue()]


# --- witness bundles (witnessing-v1 §4) -------------------------------------------------------


@functools.cache
def _bank_bundle() -> bytes:
    world = _world()
    agreement = world.parties.agreement
    home = Path(tempfile.mkdtemp(prefix="sx-fuzz-bank-", dir=_ram()))
    atexit.register(shutil.rmtree, home, True)
    log = AuditLog.open(home)
    log.record("fuzz.seed", actor=None)
    to_a = PeerKey.of(agreement, agreement.keys_for("A:seal")[0])
    return log.witness_bundle(world.parties.seal_b, to_a)


def _witness(data: bytes) -> object:
    """The community receives a witness file from the bank: bytes the bank (or a thief) chose."""
    world = _world()
    agreement = world.parties.agreement
    home = Path(tempfile.mkdtemp(prefix="sx-fuzz-community-", dir=_ram()))
    try:
        log = AuditLog.open(home)
        from_b = PeerKey.of(agreement, agreement.keys_for("B:seal")[0])
        return log.receive_witness_bundle(data, from_b, world.parties.seal_a)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _witness_seeds() -> list[bytes]:
    return [_bank_bundle()]


# --- media labels -----------------------------------------------------------------------------


def _media_label(data: bytes) -> object:
    return MediaLabel.from_bytes(data)


def _media_label_seeds() -> list[bytes]:
    label = {
        "format": "sx-media-v1",
        "media_id": "0" * 32,
        "unit": "金乡街道真武社区",
        "party": "A",
        "enrolled_by": "zw-seal",
        "fingerprint": "f" * 64,
        "key_id": "0123456789ABCDEF",
        "enrolled": "2022-07-01T09:00:00Z",
        "volume": "0F2A-77C1",
    }
    return [canonjson.canonical_json(label)]


# --- ledgers (CSV and xlsx, as an officer's PC may hold them) --------------------------------

_LEDGER_FILES = ("residents.csv", "evaluations.csv")


@functools.cache
def _genuine_ledger() -> dict[str, bytes]:
    scratch = Path(tempfile.mkdtemp(prefix="sx-fuzz-ledger-"))
    try:
        folder = write_csv_ledger(scratch / "ledger", 5)
        return {name: (folder / name).read_bytes() for name in _LEDGER_FILES}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _ledger(data: bytes) -> object:
    """One file of a small genuine ledger replaced (first byte: which), then checked."""
    files = dict(_genuine_ledger())
    if data:
        files[_LEDGER_FILES[data[0] % 2]] = data[1:]
    folder = Path(tempfile.mkdtemp(prefix="sx-fuzz-ledger-", dir=_ram()))
    try:
        for name, content in files.items():
            (folder / name).write_bytes(content)
        return check_ledger(folder, as_of=date(2022, 7, 1))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _ledger_seeds() -> list[bytes]:
    files = _genuine_ledger()
    return [bytes([i]) + files[name] for i, name in enumerate(_LEDGER_FILES)]


# --- xlsx ledgers: where the fast text path reads a sheet, it reads what calamine reads ---

_XLSX_PARTS = ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml")


@functools.cache
def _genuine_workbook() -> dict[str, bytes]:
    scratch = Path(tempfile.mkdtemp(prefix="sx-fuzz-xlsx-"))
    try:
        residents, evaluations = synthetic_ledger(5, 1, records_per_resident=1.3)
        sheets = {
            "居民": [residents.column_names, *_table_rows(residents)],
            "评议": [evaluations.column_names, *_table_rows(evaluations)],
        }
        with zipfile.ZipFile(shared_strings_xlsx(scratch / "l.xlsx", sheets)) as book:
            return {name: book.read(name) for name in book.namelist()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _table_rows(table: pa.Table) -> list[list[str | None]]:
    columns = [column.cast(pa.string()).to_pylist() for column in table.columns]
    return [list(row) for row in zip(*columns, strict=True)]


def _xlsx(data: bytes) -> object:
    """The residents sheet or the shared strings of a small workbook replaced (first
    byte: which); both readers compared, then the ledger checked."""
    parts = dict(_genuine_workbook())
    if data:
        parts[_XLSX_PARTS[data[0] % 2]] = data[1:]
    folder = Path(tempfile.mkdtemp(prefix="sx-fuzz-xlsx-", dir=_ram()))
    try:
        path = folder / "l.xlsx"
        with zipfile.ZipFile(path, "w") as book:
            for name, content in parts.items():
                book.writestr(name, content)
        fast = xlsx_blocks(path, RESIDENTS, fast=True)
        by_cells = xlsx_blocks(path, RESIDENTS, fast=False)
        if fast != by_cells:
            raise AssertionError("the fast text path read the sheet otherwise than calamine")
        return check_ledger(path, as_of=date(2022, 7, 1))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _xlsx_seeds() -> list[bytes]:
    parts = _genuine_workbook()
    return [bytes([i]) + parts[name] for i, name in enumerate(_XLSX_PARTS)]


def _ram() -> str | None:
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() else None


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("json", _json, _json_seeds),
        Target("age", _age, _age_seeds),
        Target("minisign-signature", _minisign_signature, _minisign_seeds),
        Target("minisign-key", _minisign_key, _minisign_key_seeds),
        Target("note", _note, _note_seeds),
        Target("sha256sums", _sums, _sums_seeds),
        Target("agreement", _agreement, _agreement_seeds),
        Target("statement", _statement, _statement_seeds),
        Target("package-stick", _stick, _stick_seeds),
        Target("package-peer-manifest", _peer_manifest, _peer_manifest_seeds),
        Target("package-peer-part", _peer_part, _peer_part_seeds),
        Target("ledger-csv", _ledger, _ledger_seeds),
        Target("ledger-xlsx", _xlsx, _xlsx_seeds),
        Target("witness-bundle", _witness, _witness_seeds),
        # a label's reader answers ValueError for "not a label" (its callers turn that into
        # MediaError with the file named), so ValueError is a clean refusal here
        Target(
            "media-label",
            _media_label,
            _media_label_seeds,
            (*EXPECTED, ValueError),
        ),
    )
}
