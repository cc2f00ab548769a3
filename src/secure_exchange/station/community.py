"""Party A's operations (the community): check and seal the ledger, preview, read results.

Each takes the command's :class:`~secure_exchange.station.station.Station` and is audited
first (fail closed); the ledger, pseudonym and package layers do the work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

import pyarrow as pa

from scoring import AgeWindow, Policy, ScoreResult, load_policy, score
from secure_exchange.audit import Operation
from secure_exchange.errors import PackageError, SecureExchangeError
from secure_exchange.ledger import (
    EVALUATIONS,
    PANEL,
    RESIDENTS,
    CheckReport,
    Ledger,
    LedgerBlock,
    LedgerCheck,
    LedgerInvalidError,
    LedgerScan,
    read_ledger,
)
from secure_exchange.ledger import check_ledger as ledger_check
from secure_exchange.package import (
    GroupBatches,
    VerifiedPackage,
    open_group_batches,
    read_manifest_unverified,
)
from secure_exchange.pseudonym import Kept, Splitter, token_key
from secure_exchange.reports import (
    EXCEL_ROWS,
    Notice,
    lists_from_results,
    write_output,
    write_output_chunks,
    write_public_lists,
)
from secure_exchange.station.common import PassphraseFn, Stage, quiet, unlock, unlock_all
from secure_exchange.station.exchange import (
    WITNESS_FILE,
    seal_groups,
    verify_imported,
    witness_bundle,
)
from secure_exchange.station.lifecycle import check_use
from secure_exchange.station.media import check_media
from secure_exchange.station.outputs import register_output
from secure_exchange.station.results import (
    masked_subjects,
    names_for_rows,
    preview_tables,
)
from secure_exchange.station.returned import Residents, ResultsJoin
from secure_exchange.station.scored import file_sha256
from secure_exchange.station.station import Station, key_actor
from secure_exchange.trust import UnlockedIdentity

__all__ = [
    "SealOutcome",
    "check_ledger",
    "load_checked_ledger",
    "read_results",
    "score_ledger",
    "seal_ledger",
]


@dataclass(frozen=True)
class SealOutcome:
    """What ``seal_ledger`` did: the package, rows per group, dropped columns, warnings."""

    package: VerifiedPackage
    dropped_columns: tuple[str, ...]
    warnings: int


def _file_detail(path: Path) -> dict[str, str]:
    return {"file": path.name[-60:]}


def check_ledger(
    station: Station,
    path: Path,
    *,
    as_of: date | None = None,
    drop_unknown: bool = False,
    progress: Callable[[int], None] | None = None,
) -> LedgerCheck:
    """Check a ledger in one streaming pass, logging the check (counts only)."""
    with station.audited("ledger.checked", detail=_file_detail(path)) as op:
        checked = ledger_check(path, as_of=as_of, drop_unknown=drop_unknown, progress=progress)
        _count_check(op, checked.report, checked.residents, checked.evaluations)
    return checked


def load_checked_ledger(
    station: Station,
    path: Path,
    *,
    as_of: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Ledger:
    """Read a ledger whole (the preview, the results), refusing one with errors; logged."""
    with station.audited("ledger.checked", detail=_file_detail(path)) as op:
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


def seal_ledger(
    station: Station,
    path: Path,
    agreement_number: str,
    signer_names: Sequence[str],
    out_dir: Path,
    passphrase: PassphraseFn,
    *,
    drop_unknown: bool = False,
    allow_unenrolled: bool = False,
    progress: Callable[[int], None] | None = None,
    stage: Stage = quiet,
    check_first: bool = True,
) -> SealOutcome:
    """Check, pseudonymise and seal a ledger for the bank (party A's side of the exchange).

    Streaming, so memory stays bounded however large the ledger. With ``check_first``
    (people type the passphrases), two passes: first the check alone (stage ``check``), so
    a ledger with errors is refused before anyone is asked for a passphrase (stage
    ``unlock``); then (stage ``seal``) each block is checked again, pseudonymised and
    written as it is read. Without it (the passphrases come from a file or the
    environment: nobody is called to type them), the keys are unlocked first and that
    second pass is the only one. Either way the package is written under a hidden
    temporary name; if the sealing pass finds any error (in one pass: any; in two: the
    file changed in between), nothing is sealed, the temporary folder is removed and
    ``LedgerInvalidError`` carries the full report.
    """
    if station.info.party != "A":
        raise PackageError("package.ledger_needs_community", role=station.info.role)
    agreement = station.trust.get(agreement_number)
    agreement.check_in_force(datetime.now(UTC).date())
    check_use(station, agreement)  # its end, before any passphrase is asked (lifecycle-v1 §5.1)
    media_detail = check_media(station, out_dir, allow_unenrolled=allow_unenrolled)
    roster: pa.Table | None = None
    if check_first:
        stage("check")
        checked = check_ledger(station, path, drop_unknown=drop_unknown, progress=progress)
        if not checked.report.ok:
            raise LedgerInvalidError(checked.report)
        roster = checked.panel
    stage("unlock")
    signers = unlock_all(station, signer_names, passphrase, age_for=("seal",))
    seal_key = next((s for s in signers if s.public.purpose == "seal"), None)
    if seal_key is None:
        raise PackageError("package.seal_key_needed")
    base = load_policy().base  # the age facts hold for the built-in policy's age range
    window = AgeWindow(agreement.valid_from, agreement.valid_until, base.min_age, base.max_age)
    key = token_key(seal_key.pseudonym_secret(), agreement.sha256)
    witness = witness_bundle(station, signers, agreement)
    stage("seal")
    with (
        station.audited("ledger.checked", detail={**_file_detail(path), "pass": "seal"}) as op,
        LedgerScan(path, drop_unknown=drop_unknown, progress=progress) as scan,
    ):
        if roster is None:  # one pass: the roster (small) first, for the residents' rows
            for _ in scan.blocks(PANEL):
                pass
            roster = scan.panel
        # the roster of the check pass, or read just now: the sittings each row carries
        splitter = Splitter(key, window, panel=roster)
        sealed = seal_groups(
            station,
            GroupBatches(splitter.schemas, _split_blocks(scan, splitter, op)),
            splitter.categories,
            agreement.number,
            signers,
            out_dir,
            risk=splitter.risk,
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
            batch, kept = cast("tuple[pa.Table, Kept]", block.derived)
            splitter.keep(kept)
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


def score_ledger(
    station: Station,
    path: Path,
    as_of: date,
    policy: Policy,
    out: Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> ScoreResult:
    """The community's preview: score a checked ledger, keyed by source row and masked ID."""
    ledger = load_checked_ledger(station, path, as_of=as_of, progress=progress)
    residents, evaluations = preview_tables(ledger)
    detail = {"input": "ledger", "policy": policy.ref[:60]}
    with station.audited("scored", detail=detail) as op:
        result = score(residents, evaluations, policy, as_of)
        decisions = masked_subjects(result.decisions)
        names = {"name": names_for_rows(decisions, ledger.residents)}  # its own residents
        write_output(decisions, out, "preview", people_only=names)
        op.set_count("subjects", decisions.num_rows)
    return ScoreResult(decisions, result.warnings, result.warning_keys)


def read_results(
    station: Station,
    path: Path,
    ledger_path: Path,
    key_name: str,
    passphrase: PassphraseFn,
    out: Path,
    publish: tuple[Path, Notice] | None = None,
    *,
    force: bool = False,
) -> int:
    """Party A reads the bank's decisions keyed back to its own residents (row, masked ID).

    In bounded memory however large the ledger: the package is verified again first; the
    ledger is read once and checked, keeping per resident only what the results show
    (``station.returned``); the decisions are decrypted a row group at a time and joined as
    they come; the results are written in ledger order, chunk by chunk, to a temporary file
    renamed once complete. An ``.xlsx`` output is refused before any of that when the
    decisions hold more rows than an Excel sheet does.

    ``publish``: a folder and the notice's text, to write there the 公示 lists (one per
    community: masked names and IDs, outcome, points and line, never the reasons), replacing
    existing lists only with ``force``.
    """
    to_book = out.suffix.lower() == ".xlsx"
    if to_book:  # before a passphrase is asked; the verified count is checked again below
        _check_sheet_rows(_unverified_rows(path))
    identity = unlock(station, key_name, passphrase, "age")
    if identity.public.purpose != "seal":
        raise PackageError("package.results_need_seal")
    verified = verify_imported(station, path, identity, ["decisions"])
    if to_book:
        _check_sheet_rows(verified.rows("decisions"))
    key = token_key(identity.pseudonym_secret(), verified.agreement.sha256)
    residents = _results_ledger(
        station,
        ledger_path,
        key,
        names=to_book or publish is not None,
        community=publish is not None,
    )
    with station.audited(
        "results.read", actor=key_actor(identity.public), package=verified.package_id
    ) as op:
        joined = _joined(verified, identity, residents)
        if publish is not None:  # first: it refuses existing lists before anything is written
            lists = lists_from_results(joined.chunks(names=True, community=True), "community_")
            write_public_lists(lists, publish[0], publish[1], force=force)
            op.set_count("published", len(lists))
        names = ("name",) if to_book else ()  # the community's own data, in its workbook only
        chunks = joined.chunks(names=to_book)
        write_output_chunks(chunks, out, "results", rows=joined.rows, people_only=names)
        register_output(
            station,
            out,
            "results",
            verified.agreement.sha256,
            file_sha256(out),
            package=verified.package_id,
        )
        op.set_count("rows", joined.rows)
    return joined.rows


def _unverified_rows(path: Path) -> int:
    """The decisions' rows as the package's manifest says, before it is verified (only
    ever to refuse early)."""
    try:
        group = read_manifest_unverified(path).group("decisions")
    except SecureExchangeError:
        return 0  # verification says what is wrong
    return 0 if group is None else group.rows


def _check_sheet_rows(rows: int) -> None:
    if rows > EXCEL_ROWS:
        raise PackageError("package.results_sheet_rows", rows=f"{rows:,}", limit=f"{EXCEL_ROWS:,}")


def _results_ledger(
    station: Station, path: Path, key: bytes, *, names: bool, community: bool
) -> Residents:
    """Read and check the ledger once (logged), keeping of each resident only its ID key and
    row (which the check keeps anyway) and the columns asked for; a ledger with errors is
    refused (``LedgerInvalidError``). The tokens are made once the check's memory is freed."""
    wanted = [c for c, asked in (("community", community), ("name", names)) if asked]

    def keep(block: LedgerBlock) -> pa.Table:
        return block.table.select(wanted)

    kept: list[pa.Table] = []
    with (
        station.audited("ledger.checked", detail=_file_detail(path)) as op,
        LedgerScan(path) as scan,
    ):
        for block in scan.blocks(RESIDENTS, keep if wanted else None):
            if wanted and scan.clean and block.derived is not None:
                kept.append(cast("pa.Table", block.derived))
        report = scan.finish()
        _count_check(op, report, scan.count(RESIDENTS), scan.count(EVALUATIONS))
        keys, rows = scan.kept(RESIDENTS)
    del scan  # the evaluations' keys and the rest of the check, let go
    if not report.ok:
        raise LedgerInvalidError(report)
    columns = (
        pa.concat_tables(kept) if kept else pa.table({c: pa.array([], pa.string()) for c in wanted})
    )
    return Residents(
        keys,
        rows,
        key,
        community=columns.column("community") if community else None,
        name=columns.column("name") if names else None,
    )


def _joined(
    verified: VerifiedPackage, identity: UnlockedIdentity, residents: Residents
) -> ResultsJoin:
    """The decisions, decrypted a row group at a time, keyed to the residents."""
    batches = open_group_batches(verified, identity.age_identities, "decisions")
    first = next(batches)  # a group always has a part: an empty one gives its schema
    joined = ResultsJoin(first.schema, residents)
    joined.add(first)
    for batch in batches:
        joined.add(batch)
    return joined
