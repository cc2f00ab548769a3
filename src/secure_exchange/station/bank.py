"""Party B's operations (the bank): score a package, re-identify, seal the decisions back.

Each takes the command's :class:`~secure_exchange.station.station.Station`, verifies the
imported package again before anything is decrypted, and is audited first (fail closed).
Scoring a package records, signed by the scoring key, which subjects it approved
(``station.scored``); re-identification reveals only those, whatever the decisions file
handed to it says.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from scoring import (
    Policy,
    adjustment_counts,
    read_adjustments,
)
from secure_exchange.errors import PackageError
from secure_exchange.package import GROUP_COLUMNS, GroupStream, VerifiedPackage
from secure_exchange.reports import (
    OutputBatches,
    null_like,
    read_output_batches,
    write_output,
    writing_output,
)
from secure_exchange.station.bucketed import (
    PackageScore,
    Tally,
    check_output_rows,
    scored_buckets,
    write_buckets,
)
from secure_exchange.station.common import PassphraseFn, Stage, quiet, unlock, unlock_all
from secure_exchange.station.exchange import (
    WITNESS_FILE,
    open_imported,
    seal_groups,
    verify_imported,
    witness_bundle,
)
from secure_exchange.station.lifecycle import check_use
from secure_exchange.station.listing import read_listed_subjects
from secure_exchange.station.notify import (
    ReidentifyError,
    check_listed,
    check_reason,
    count_unknown,
    notification_list,
    select_approved,
)
from secure_exchange.station.outputs import register_output
from secure_exchange.station.scored import (
    ScoringRecord,
    file_sha256,
    load_record,
    recording_approved,
    sums_digest,
    write_record,
)
from secure_exchange.station.station import Station, key_actor

__all__ = ["PackageScore", "Reidentification", "reidentify", "score_package", "seal_decisions"]


def score_package(
    station: Station,
    path: Path,
    as_of: date,
    policy: Policy,
    out: Path,
    key_name: str,
    passphrase: PassphraseFn,
    *,
    stage: Stage = quiet,
    adjust: Path | None = None,
) -> PackageScore:
    """The bank's scoring: verify, decrypt scoring + evaluations in memory bucket by
    bucket, score, write the decisions as they come, and record (signed) which subjects
    were approved: both parts of the scoring key.

    ``adjust``: the bank's adjustments file (rule 11), read and checked before any key is
    unlocked, applied after scoring within its bounds and counted in the access log (its
    notes are never logged). Decisions an .xlsx cannot hold are refused once the package
    is verified, before anything is decrypted.
    """
    adjustments = read_adjustments(adjust) if adjust is not None else ()
    identity = unlock(station, key_name, passphrase, "both")
    groups = ["scoring", "evaluations"]
    verified = verify_imported(station, path, identity, groups, stage=stage)
    check_output_rows(out.suffix, verified.rows("scoring"))
    with station.audited(
        "scored",
        actor=key_actor(identity.public),
        package=verified.package_id,
        detail={"input": "package", "policy": policy.ref[:60], "as_of": as_of.isoformat()},
    ) as op:
        for name, count in adjustment_counts(adjustments).items():
            op.set_count(name, count)
        stage("score")  # decrypting, scoring and writing, bucket by bucket
        tally = Tally(policy, as_of)
        with (
            recording_approved(station, verified.sums_sha256) as approved,
            writing_output(out, "decisions") as sink,  # xlsx in words, CSV canonical
        ):
            buckets = scored_buckets(
                verified,
                identity.age_identities,
                policy,
                as_of,
                adjustments,
                source=adjust.name if adjust is not None else "<adjustments>",
            )
            write_buckets(buckets, sink, approved, tally)
            stage("write")
        digest = sink.sha256
        register_output(
            station,
            out,
            "decisions",
            verified.agreement.sha256,
            digest,
            package=verified.package_id,
        )
        record = ScoringRecord.of(verified, policy.ref, as_of, approved, digest)
        write_record(station, record, identity)
        op.set_detail("decisions_sha256", digest)
        op.set_count("subjects", sum(record.statuses.values()))
        for status, count in sorted(record.statuses.items()):
            op.set_count(f"status.{status}", count)
    return tally.outcome()


@dataclass(frozen=True)
class Reidentification:
    """What ``reidentify`` revealed and refused, and the scoring it followed."""

    rows: int
    listed: int
    reason: str
    package: str
    as_of: str
    policy: str

    @property
    def not_approved(self) -> int:
        """Rows of the file this station's scoring had not approved (not revealed)."""
        return self.listed - self.rows


def reidentify(
    station: Station,
    decisions_path: Path,
    path: Path,
    reason: str,
    out: Path,
    key_name: str,
    passphrase: PassphraseFn,
    *,
    ticket: str | None = None,
) -> Reidentification:
    """Write name, phone, community, limit and rate of the listed subjects that this
    station's scoring of the package approved; the file's own statuses are not read.

    ``reason`` is a code of ``notify.REASONS``; ``ticket`` an optional short reference.
    Refused (:class:`~secure_exchange.station.notify.ReidentifyError`): a reason or ticket
    that is not one, a package never scored here or whose scoring record does not verify,
    a listed subject the package does not hold, and a file with no approved subject.
    """
    code, ticket = check_reason(reason, ticket)
    listed = read_listed_subjects(decisions_path)
    check_listed(listed)
    digest = sums_digest(path)
    identity = unlock(station, key_name, passphrase, "age")  # the record: by public key
    detail = {"reason": code, **({"ticket": ticket} if ticket else {})}
    with station.audited("reidentified", actor=key_actor(identity.public), detail=detail) as op:
        op.set_count("listed", len(listed))
        op.set_count("rows", 0)
        record = load_record(station, digest, path.name, listed)
        op.set_package(record.package)
        op.set_detail("as_of", record.as_of)
        op.set_detail("policy", record.policy[:60])
        same = file_sha256(decisions_path) == record.decisions_sha256
        op.set_detail("decisions", "as_scored" if same else "other")
        verified, tables = open_imported(station, path, identity, ["identity"], reason=code)
        if not record.matches(verified):
            raise ReidentifyError("reid.record_invalid", folder=path.name)
        selection = select_approved(listed, record.approved)
        unknown = count_unknown(listed, tables["identity"])
        op.set_count("unknown", unknown)
        op.set_count("not_approved", selection.refused - unknown)
        if unknown:
            raise ReidentifyError("reid.unknown_subjects", count=unknown)
        if not selection.rows.num_rows:
            raise ReidentifyError(
                "reid.none_approved", count=len(listed), package=record.package, as_of=record.as_of
            )
        listing = notification_list(selection.rows, tables["identity"])
        write_output(listing, out, "calllist")
        register_output(
            station,
            out,
            "call-list",
            verified.agreement.sha256,
            file_sha256(out),
            package=verified.package_id,
        )
        op.set_count("rows", listing.num_rows)
    return Reidentification(
        int(listing.num_rows), len(listed), code, record.package, record.as_of, record.policy
    )


def seal_decisions(
    station: Station,
    decisions_path: Path,
    agreement_number: str,
    signer_names: Sequence[str],
    out_dir: Path,
    passphrase: PassphraseFn,
) -> VerifiedPackage:
    """The bank seals its decisions back to party A (signed by B, encrypted to A's keys).

    The file is read a batch at a time (a workbook whole: Excel's rows at most), each
    batch's columns converted to the types the group gives them as it is sealed, so a
    decisions file of any size is sealed in bounded memory. Its columns are checked before
    any passphrase is asked; a value that cannot be converted stops the seal (nothing is
    left of the package).
    """
    if station.info.party != "B":
        raise PackageError("package.decisions_need_bank", role=station.info.role)
    agreement = station.trust.get(agreement_number)
    check_use(station, agreement)  # its end, before any passphrase is asked (lifecycle-v1 §5.1)
    source = _decisions_source(decisions_path)
    if "source_row" in source.schema.names:
        raise PackageError("package.decisions_from_ledger")
    schema = _conformed(source.schema.empty_table(), source.as_text).schema  # no other column
    signers = unlock_all(station, signer_names, passphrase)
    witness = witness_bundle(station, signers, agreement)
    read = _read_guarded(decisions_path, source.batches)
    batches = (_conformed(batch, source.as_text) for batch in read)
    return seal_groups(
        station,
        {"decisions": GroupStream(schema, batches)},
        {"decisions": ["身份证号码"]},
        agreement.number,
        signers,
        out_dir,
        extra_files={WITNESS_FILE: witness},
    )


def _decisions_source(path: Path) -> OutputBatches:
    try:
        return read_output_batches(path)
    except pa.ArrowException:
        raise PackageError("package.decisions_unreadable", file=path.name[-60:]) from None


def _read_guarded(path: Path, batches: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """The batches, a file that turns out unreadable part-way refused by name only."""
    try:
        yield from batches
    except pa.ArrowException:
        raise PackageError("package.decisions_unreadable", file=path.name[-60:]) from None


def _conformed(batch: pa.Table, as_text: bool) -> pa.Table:
    """A batch with the decisions group's column types; ``as_text`` (a CSV file's): text
    where the group has numbers or dates is read with its empty values (``NA``…) as none,
    as a whole CSV read does."""
    group = GROUP_COLUMNS["decisions"]
    for index, field in enumerate(batch.schema if as_text else ()):
        wanted = group.type_of(field.name)
        if wanted is not None and pa.types.is_string(field.type) and wanted != field.type:
            column = batch.column(index)
            nulls = pa.nulls(len(column), field.type)
            batch = batch.set_column(index, field, pc.if_else(null_like(column), nulls, column))
    return group.conform(batch)
