"""Station operations as the CLI runs them: each one audited first, then carried out.

Every function here takes the station's home folder and plain values, writes its audit event
before it touches keys, agreements or personal data (fail closed: no event, no operation),
and returns values for the CLI to render. Pure work lives in ``package``, ``agreement``,
``pseudonym``, ``ledger`` and ``scoring``.
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from scoring import Policy, ScoreResult, score, write_decisions
from scoring.output import read_decisions
from secure_exchange.audit.log import Actor, AuditLog, Operation
from secure_exchange.errors import MediaError, PackageError, VerificationError
from secure_exchange.formats.note import NoteVerifier
from secure_exchange.ledger.scan import (
    EVALUATIONS,
    RESIDENTS,
    CheckReport,
    Ledger,
    LedgerBlock,
    LedgerCheck,
    LedgerInvalidError,
    LedgerScan,
    mask_id,
    read_ledger,
)
from secure_exchange.ledger.scan import check_ledger as ledger_check
from secure_exchange.package import core as pkg
from secure_exchange.pseudonym.core import Splitter, token_key, tokens
from secure_exchange.station.home import Station, init_station, load_station
from secure_exchange.station.register import ReplayRegister, SequenceCounter
from secure_exchange.station.reidentify import notification_list
from secure_exchange.trust.agreement import Agreement, TrustStore, new_agreement
from secure_exchange.trust.keys import Keyring, PublicIdentity, UnlockedIdentity

__all__ = [
    "PassphraseFn",
    "SealOutcome",
    "agreement_import",
    "agreement_new",
    "agreement_sign",
    "audited",
    "check_ledger",
    "check_media",
    "create_key",
    "export_age_identity",
    "export_public",
    "import_package",
    "init",
    "open_imported",
    "read_results",
    "reidentify",
    "results_for_residents",
    "score_ledger",
    "score_package",
    "seal_decisions",
    "seal_groups",
    "seal_ledger",
    "unlock",
    "verify_package",
]

PassphraseFn = Callable[[str], bytes]
Stage = Callable[[str], None]  # told "verify", "decrypt", "score", "write" as work moves on


def _quiet(_stage: str) -> None:
    """The default stage callback: say nothing."""


WITNESS_FILE = "witness.json"
# Columns of the residents table the scoring engine reads (besides the subject key).
SCORING_INPUT = [
    "birth_date",
    "community",
    "subject_type",
    "full_civil_capacity",
    "fixed_residence",
    "fixed_income",
    "major_bad_credit",
]


def _actor(identity: PublicIdentity | None = None) -> Actor:
    """The key that acts, or the OS user for operations without a key."""
    if identity is None:
        return Actor(name=f"user:{_os_user()}", fingerprint="")
    return Actor(name=identity.name, fingerprint=identity.fingerprint)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


@contextmanager
def audited(
    home: Path,
    action: str,
    *,
    actor: Actor | None = None,
    package: str | None = None,
    counts: Mapping[str, int] | None = None,
    detail: Mapping[str, str] | None = None,
) -> Iterator[Operation]:
    """Write the begin event durably, run the body, write the end event (fail closed)."""
    log = AuditLog.open(home)
    with log.operation(
        action,
        actor=actor if actor is not None else _actor(),
        package=package,
        counts=counts,
        detail=detail,
    ) as op:
        yield op


def init(home: Path, org: str, role: str) -> Station:
    """Create the station and write the first event of its log."""
    station = init_station(home, org, role)
    with audited(home, "init", detail={"role": role}):
        pass
    return station


def create_key(
    home: Path, name: str, purpose: str, passphrase: bytes, *, cost: str = "standard"
) -> PublicIdentity:
    """Create an identity at this station."""
    station = load_station(home)
    with audited(home, "key.created", detail={"key": name, "purpose": purpose}):
        return Keyring(home).create(name, station.org, purpose, passphrase, cost=cost)


def unlock(home: Path, name: str, passphrase: PassphraseFn) -> UnlockedIdentity:
    """Unlock an identity; a wrong passphrase is logged as a failure."""
    ring = Keyring(home)
    public = ring.get(name)
    with audited(home, "key.unlocked", actor=_actor(public)):
        return ring.unlock(name, passphrase(name))


def export_public(home: Path, name: str, fmt: str) -> PublicIdentity:
    """A public key for export (logged, though it holds no secret)."""
    ring = Keyring(home)
    ident = ring.get(name)
    with audited(home, "key.exported", actor=_actor(ident), detail={"format": fmt}):
        return ident


def export_age_identity(home: Path, name: str, passphrase: bytes) -> str:
    """The secret age identity, for an auditor's stock-tool check (logged)."""
    ring = Keyring(home)
    with audited(home, "key.exported", actor=_actor(ring.get(name)), detail={"secret": "age"}):
        return ring.export_age_identity(name, passphrase)


def agreement_new(
    home: Path,
    number: str,
    cards_a: Sequence[Path],
    cards_b: Sequence[Path],
    valid_from: date,
    valid_until: date,
    out: Path,
) -> Agreement:
    """Draft an agreement from both parties' key cards and write it to ``out``."""
    from secure_exchange import fsio as _fsio

    a = [PublicIdentity.from_card(p.read_text(encoding="utf-8")) for p in cards_a]
    b = [PublicIdentity.from_card(p.read_text(encoding="utf-8")) for p in cards_b]
    with audited(home, "agreement.created", detail={"number": number}):
        agreement = new_agreement(number, a, b, valid_from, valid_until)
        _fsio.atomic_write(out, agreement.to_bytes())
    return agreement


def agreement_sign(home: Path, path: Path, name: str, passphrase: PassphraseFn) -> Agreement:
    """Add this station's signature by key ``name`` to the agreement file in place."""
    from secure_exchange import fsio as _fsio

    agreement = Agreement.from_bytes(path.read_bytes())
    signer = unlock(home, name, passphrase)
    with audited(
        home,
        "agreement.signed",
        actor=_actor(signer.public),
        detail={"number": agreement.number, "sha256": agreement.sha256[:16]},
    ):
        signed = agreement.sign(signer)
        _fsio.atomic_write(path, signed.to_bytes())
    return signed


def agreement_import(home: Path, path: Path) -> Agreement:
    """Trust an agreement that both parties' seals signed."""
    agreement = Agreement.from_bytes(path.read_bytes())
    with audited(
        home,
        "agreement.imported",
        detail={"number": agreement.number, "sha256": agreement.sha256[:16]},
    ):
        TrustStore(home).add(agreement)
    return agreement


def seal_groups(
    home: Path,
    groups: pkg.Groups,
    categories: pkg.Categories | Callable[[], pkg.Categories],
    agreement_number: str,
    signers: Sequence[UnlockedIdentity],
    out_dir: Path,
    *,
    extra_files: Mapping[str, bytes] | None = None,
    detail: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> pkg.VerifiedPackage:
    """Seal column groups into a package under the named agreement (audited)."""
    station = load_station(home)
    if station.party is None:
        raise PackageError("package.station_cannot_seal", role=station.role)
    agreement = TrustStore(home).get(agreement_number)
    with audited(
        home,
        "package.sealed",
        actor=_actor(signers[0].public if signers else None),
        detail={"agreement": agreement.number, **(detail or {})},
    ) as op:
        agreement.check_in_force(datetime.now(UTC).date())
        sequence = SequenceCounter(home).next(agreement.sha256)
        result = pkg.seal(
            groups,
            agreement,
            signers,
            out_dir=out_dir,
            sender=pkg.Sender(station.party, station.org),
            sequence=sequence,
            categories=categories,
            extra_files=extra_files,
            progress=progress,
        )
        op.set_package(result.package_id)
        for group in result.groups():
            op.set_count(f"rows.{group}", result.rows(group))
    return result


def verify_package(home: Path, path: Path) -> pkg.VerifiedPackage:
    """Verify a package against this station's trusted agreements and replay register."""
    trusted = TrustStore(home).all()
    with audited(home, "package.verified", detail={"folder": path.name}) as op:
        result = pkg.verify(path, trusted, replay=ReplayRegister(home).check())
        op.set_package(result.package_id)
    return result


def import_package(home: Path, path: Path) -> pkg.VerifiedPackage:
    """Verify and record a package so a replay or an older one is refused next time."""
    trusted = TrustStore(home).all()
    register = ReplayRegister(home)
    with audited(home, "package.imported", detail={"folder": path.name}) as op:
        result = pkg.verify(path, trusted, replay=register.check())
        op.set_package(result.package_id)
        witnessed = _receive_witness(home, result)
        op.set_detail("witnessed", "yes" if witnessed else "no")
        register.record(result)
    return result


def _receive_witness(home: Path, package: pkg.VerifiedPackage) -> bool:
    """Check and keep the sender's log checkpoint carried by the package (witnessing-v1)."""
    if WITNESS_FILE not in package.hashes:
        return False
    data = (package.path / WITNESS_FILE).read_bytes()
    if hashlib.sha256(data).hexdigest() != package.hashes[WITNESS_FILE]:
        raise VerificationError("hashes", "verify.hash_mismatch", name=WITNESS_FILE)
    seal = next(k for k in package.signers if k.role == "seal")
    verifier = NoteVerifier(seal.identity.name, seal.identity.minisign.key)
    AuditLog.open(home).receive_witness_bundle(data, package.sender.station, verifier)
    return True


def open_imported(
    home: Path,
    path: Path,
    identity: UnlockedIdentity,
    groups: Sequence[str],
    *,
    action: str = "package.opened",
    reason: str | None = None,
    stage: Stage = _quiet,
) -> tuple[pkg.VerifiedPackage, dict[str, pa.Table]]:
    """Verify an imported package again and decrypt the named groups in memory (audited)."""
    trusted = TrustStore(home).all()
    register = ReplayRegister(home)
    detail = {"groups": ",".join(groups)}
    if reason is not None:
        detail["reason"] = reason
    with audited(home, action, actor=_actor(identity.public), detail=detail) as op:
        stage("verify")
        verified = pkg.verify(
            path,
            trusted,
            replay=register.check(require_imported=True),
            check_expiry=False,
            keep_groups=groups,
        )
        op.set_package(verified.package_id)
        recorded = register.imported_digest(
            verified.agreement.sha256, verified.sender.station, verified.package_id
        )
        if recorded != verified.sums_sha256:
            raise VerificationError("replay", "verify.changed_since_import")
        stage("decrypt")
        tables = pkg.open_package(verified, [identity.age_identity], groups)
    return verified, tables


# --------------------------------------------------------------------------- community


@dataclass(frozen=True)
class SealOutcome:
    """What ``seal_ledger`` did: the package, rows per group, dropped columns, warnings."""

    package: pkg.VerifiedPackage
    dropped_columns: tuple[str, ...]
    warnings: int


def check_ledger(
    home: Path,
    path: Path,
    *,
    as_of: date | None = None,
    drop_unknown: bool = False,
    progress: Callable[[int], None] | None = None,
) -> LedgerCheck:
    """Check a ledger in one streaming pass, logging the check (counts only)."""
    with audited(home, "ledger.checked", detail={"file": path.name[-60:]}) as op:
        checked = ledger_check(path, as_of=as_of, drop_unknown=drop_unknown, progress=progress)
        _count_check(op, checked.report, checked.residents, checked.evaluations)
    return checked


def load_checked_ledger(
    home: Path,
    path: Path,
    *,
    as_of: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Ledger:
    """Read a ledger whole (the preview, the results), refusing one with errors; logged."""
    with audited(home, "ledger.checked", detail={"file": path.name[-60:]}) as op:
        ledger = read_ledger(path, as_of=as_of, progress=progress)
        _count_check(op, ledger.report, ledger.residents.num_rows, ledger.evaluations.num_rows)
    if not ledger.report.ok:
        raise LedgerInvalidError(ledger.report)
    return ledger


def _count_check(op: Operation, report: CheckReport, residents: int, evaluations: int) -> None:
    op.set_count("residents", residents)
    op.set_count("evaluations", evaluations)
    op.set_count("errors", len(report.errors))
    op.set_count("warnings", len(report.warnings))
    if not report.ok:
        op.refuse("ledger.invalid")


def check_media(home: Path, out_dir: Path, *, allow_unenrolled: bool) -> dict[str, str]:
    """Is ``out_dir`` on this unit's enrolled dedicated media? Logged either way."""
    from secure_exchange.station.media import check_target

    with audited(home, "media.checked", detail={"allow_unenrolled": str(allow_unenrolled)}) as op:
        try:
            detail = check_target(home, out_dir).detail()
        except MediaError as exc:
            if not allow_unenrolled:
                raise
            detail = {"media": "unenrolled", "media.reason": str(getattr(exc, "reason", exc.key))}
        for key, value in detail.items():
            op.set_detail(key, value)
    return detail


def seal_ledger(
    home: Path,
    path: Path,
    agreement_number: str,
    signer_names: Sequence[str],
    out_dir: Path,
    passphrase: PassphraseFn,
    *,
    drop_unknown: bool = False,
    allow_unenrolled: bool = False,
    progress: Callable[[int], None] | None = None,
    stage: Stage = _quiet,
) -> SealOutcome:
    """Check, pseudonymise and seal a ledger for the bank (party A's side of the exchange).

    Two streaming passes, so memory stays bounded however large the ledger: first the
    check alone (stage ``check``), so a ledger with errors is refused before anyone is
    asked for a passphrase (stage ``unlock``); then (stage ``seal``) each block is checked again,
    pseudonymised and written as it is read. The package is written under a hidden
    temporary name; if the second pass finds any error (the file changed in between),
    nothing is sealed, the temporary folder is removed and ``LedgerInvalidError`` carries
    the full report.
    """
    station = load_station(home)
    if station.party != "A":
        raise PackageError("package.ledger_needs_community", role=station.role)
    agreement = TrustStore(home).get(agreement_number)
    agreement.check_in_force(datetime.now(UTC).date())
    media_detail = check_media(home, out_dir, allow_unenrolled=allow_unenrolled)
    stage("check")
    checked = check_ledger(home, path, drop_unknown=drop_unknown, progress=progress)
    if not checked.report.ok:
        raise LedgerInvalidError(checked.report)
    stage("unlock")
    signers = [unlock(home, name, passphrase) for name in signer_names]
    seal_key = next((s for s in signers if s.public.purpose == "seal"), None)
    if seal_key is None:
        raise PackageError("package.seal_key_needed")
    splitter = Splitter(token_key(seal_key.pseudonym_secret(), agreement.sha256))
    witness = AuditLog.open(home).witness_bundle(seal_key, agreement.party_org("B"))
    stage("seal")
    with (
        audited(
            home, "ledger.checked", detail={"file": path.name[-60:], "pass": "seal"}
        ) as check_op,
        LedgerScan(path, drop_unknown=drop_unknown, progress=progress) as scan,
    ):
        sealed = seal_groups(
            home,
            pkg.GroupBatches(splitter.schemas, _split_blocks(scan, splitter, check_op)),
            splitter.categories,
            agreement.number,
            signers,
            out_dir,
            extra_files={WITNESS_FILE: witness},
            detail=media_detail,
        )
    return SealOutcome(sealed, tuple(scan.dropped), len(scan.finish().warnings))


def _split_blocks(
    scan: LedgerScan, splitter: Splitter, op: Operation
) -> Iterator[tuple[str, pa.Table]]:
    """The groups' batches, block by block, while the ledger is clean; at the end, the
    ledger's report decides (an error raises ``LedgerInvalidError``).

    Blocks are split in the scan's workers, right after their checks; the evaluations'
    notes are kept here, in ledger order, before any resident is split.
    """
    for block in scan.blocks(EVALUATIONS, _split_evaluations(splitter)):
        if scan.clean and block.derived is not None:
            batch, notes = cast("tuple[pa.Table, pa.Table | None]", block.derived)
            splitter.keep(notes)
            yield "evaluations", batch
    for block in scan.blocks(RESIDENTS, _split_residents(splitter)):
        if scan.clean and block.derived is not None:
            scoring, identity = cast("tuple[pa.Table, pa.Table]", block.derived)
            yield "scoring", scoring
            yield "identity", identity
    report = scan.finish()
    _count_check(op, report, scan.count(RESIDENTS), scan.count(EVALUATIONS))
    if not report.ok:
        raise LedgerInvalidError(report)


def _split_evaluations(splitter: Splitter) -> Callable[[LedgerBlock], object]:
    return lambda block: splitter.split_evaluations(block.table, block.keys)


def _split_residents(splitter: Splitter) -> Callable[[LedgerBlock], object]:
    return lambda block: splitter.residents(block.table, block.keys)


# --------------------------------------------------------------------------- scoring


def score_ledger(
    home: Path,
    path: Path,
    as_of: date,
    policy: Policy,
    out: Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> ScoreResult:
    """The community's preview: score a checked ledger, keyed by source row and masked ID."""
    ledger = load_checked_ledger(home, path, as_of=as_of, progress=progress)
    residents = ledger.residents
    scoring_table = (
        residents.select(SCORING_INPUT)
        .append_column("subject", residents.column("id_number"))
        .append_column("source_row", residents.column("source_row"))
    )
    evaluations = ledger.evaluations.append_column(
        "subject", ledger.evaluations.column("id_number")
    )
    with audited(home, "scored", detail={"input": "ledger", "policy": policy.ref[:60]}) as op:
        result = score(scoring_table, evaluations, policy, as_of)
        masked = pa.array([mask_id(v) for v in result.decisions.column("subject").to_pylist()])
        decisions = result.decisions.set_column(0, "subject", masked)
        write_decisions(decisions, out)
        op.set_count("subjects", decisions.num_rows)
    return ScoreResult(decisions, result.warnings, result.warning_keys)


def score_package(
    home: Path,
    path: Path,
    as_of: date,
    policy: Policy,
    out: Path,
    key_name: str,
    passphrase: PassphraseFn,
    *,
    stage: Stage = _quiet,
) -> ScoreResult:
    """The bank's scoring: verify, decrypt scoring + evaluations in memory, score, write."""
    identity = unlock(home, key_name, passphrase)
    verified, tables = open_imported(home, path, identity, ["scoring", "evaluations"], stage=stage)
    with audited(
        home,
        "scored",
        actor=_actor(identity.public),
        package=verified.package_id,
        detail={"input": "package", "policy": policy.ref[:60]},
    ) as op:
        stage("score")
        result = score(tables["scoring"], tables["evaluations"], policy, as_of)
        stage("write")
        write_decisions(result.decisions, out)
        op.set_count("subjects", result.decisions.num_rows)
    return result


def reidentify(
    home: Path,
    decisions_path: Path,
    path: Path,
    reason: str,
    out: Path,
    key_name: str,
    passphrase: PassphraseFn,
    *,
    statuses: Sequence[str] = ("approved",),
) -> int:
    """Write name, phone, community, limit and rate for the listed subjects only."""
    reason = reason.strip()
    if len(reason) < 4:
        raise PackageError("reid.reason_needed")
    decisions = read_decisions(decisions_path)
    if statuses:
        keep = pc.is_in(decisions.column("status"), value_set=pa.array(list(statuses)))
        decisions = decisions.filter(keep)
    identity = unlock(home, key_name, passphrase)
    verified, tables = open_imported(home, path, identity, ["identity"], reason=reason[:200])
    with audited(
        home,
        "reidentified",
        actor=_actor(identity.public),
        package=verified.package_id,
        detail={"reason": reason[:200]},
        counts={"rows": decisions.num_rows},
    ):
        listing = notification_list(decisions, tables["identity"])
        write_decisions(listing, out)
    return int(listing.num_rows)


# --------------------------------------------------------------------------- return trip


def seal_decisions(
    home: Path,
    decisions_path: Path,
    agreement_number: str,
    signer_names: Sequence[str],
    out_dir: Path,
    passphrase: PassphraseFn,
) -> pkg.VerifiedPackage:
    """The bank seals its decisions back to party A (signed by B, encrypted to A's keys)."""
    station = load_station(home)
    if station.party != "B":
        raise PackageError("package.decisions_need_bank", role=station.role)
    agreement = TrustStore(home).get(agreement_number)
    decisions = read_decisions(decisions_path)
    if "source_row" in decisions.column_names:
        raise PackageError("package.decisions_from_ledger")
    signers = [unlock(home, name, passphrase) for name in signer_names]
    seal_key = next((s for s in signers if s.public.purpose == "seal"), signers[0])
    witness = AuditLog.open(home).witness_bundle(seal_key, agreement.party_org("A"))
    return seal_groups(
        home,
        {"decisions": decisions},
        {"decisions": ["身份证号码"]},
        agreement.number,
        signers,
        out_dir,
        extra_files={WITNESS_FILE: witness},
    )


def read_results(
    home: Path,
    path: Path,
    ledger_path: Path,
    key_name: str,
    passphrase: PassphraseFn,
    out: Path,
) -> int:
    """Party A reads the bank's decisions keyed back to its own residents (row, masked ID)."""
    identity = unlock(home, key_name, passphrase)
    if identity.public.purpose != "seal":
        raise PackageError("package.results_need_seal")
    verified, tables = open_imported(home, path, identity, ["decisions"])
    ledger = load_checked_ledger(home, ledger_path)
    key = token_key(identity.pseudonym_secret(), verified.agreement.sha256)
    with audited(
        home, "results.read", actor=_actor(identity.public), package=verified.package_id
    ) as op:
        keyed = results_for_residents(tables["decisions"], ledger.residents, key)
        write_decisions(keyed, out)
        op.set_count("rows", keyed.num_rows)
    return int(keyed.num_rows)


def results_for_residents(decisions: pa.Table, residents: pa.Table, key: bytes) -> pa.Table:
    """Replace tokens by the resident's source row and masked ID (pure)."""
    mine = tokens(key, residents.column("id_number"))
    index = pc.index_in(decisions.column("subject"), value_set=mine)
    known = pc.is_valid(index)
    decisions, index = decisions.filter(known), index.filter(known)
    rows = residents.column("source_row").take(index)
    masked = pa.array([mask_id(v) for v in residents.column("id_number").take(index).to_pylist()])
    body = decisions.drop_columns(["subject"])
    return (
        body.add_column(0, "source_row", rows)
        .add_column(0, "subject", masked)
        .sort_by("source_row")
    )
