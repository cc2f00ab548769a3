"""Party B's operations (the bank): score a package, re-identify, seal the decisions back.

Each takes the command's :class:`~secure_exchange.station.station.Station`, verifies the
imported package again before anything is decrypted, and is audited first (fail closed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from scoring import Policy, ScoreResult, score, write_decisions
from scoring.output import read_decisions
from secure_exchange.errors import PackageError
from secure_exchange.package import VerifiedPackage
from secure_exchange.station.common import PassphraseFn, Stage, quiet, unlock, unlock_all
from secure_exchange.station.exchange import (
    WITNESS_FILE,
    open_imported,
    seal_groups,
    witness_bundle,
)
from secure_exchange.station.notify import notification_list
from secure_exchange.station.station import Station, key_actor

__all__ = ["reidentify", "score_package", "seal_decisions"]


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
) -> ScoreResult:
    """The bank's scoring: verify, decrypt scoring + evaluations in memory, score, write."""
    identity = unlock(station, key_name, passphrase)
    verified, tables = open_imported(
        station, path, identity, ["scoring", "evaluations"], stage=stage
    )
    with station.audited(
        "scored",
        actor=key_actor(identity.public),
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
    station: Station,
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
    identity = unlock(station, key_name, passphrase)
    verified, tables = open_imported(station, path, identity, ["identity"], reason=reason[:200])
    with station.audited(
        "reidentified",
        actor=key_actor(identity.public),
        package=verified.package_id,
        detail={"reason": reason[:200]},
        counts={"rows": decisions.num_rows},
    ):
        listing = notification_list(decisions, tables["identity"])
        write_decisions(listing, out)
    return int(listing.num_rows)


def seal_decisions(
    station: Station,
    decisions_path: Path,
    agreement_number: str,
    signer_names: Sequence[str],
    out_dir: Path,
    passphrase: PassphraseFn,
) -> VerifiedPackage:
    """The bank seals its decisions back to party A (signed by B, encrypted to A's keys)."""
    if station.info.party != "B":
        raise PackageError("package.decisions_need_bank", role=station.info.role)
    agreement = station.trust.get(agreement_number)
    decisions = read_decisions(decisions_path)
    if "source_row" in decisions.column_names:
        raise PackageError("package.decisions_from_ledger")
    signers = unlock_all(station, signer_names, passphrase)
    witness = witness_bundle(station, signers, agreement.party_org("A"))
    return seal_groups(
        station,
        {"decisions": decisions},
        {"decisions": ["身份证号码"]},
        agreement.number,
        signers,
        out_dir,
        extra_files={WITNESS_FILE: witness},
    )
