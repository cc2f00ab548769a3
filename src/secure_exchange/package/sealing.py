"""Sealing a package (protocols/sealed-package-v1.md §1, §3, §6): write, sign, read back, rename."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa

from secure_exchange import fsio as _fsio
from secure_exchange.errors import AgreementError
from secure_exchange.formats import sha256sums
from secure_exchange.package import parts as _parts
from secure_exchange.package.columns import risk_problem
from secure_exchange.package.layout import (
    MANIFEST,
    MAX_LIFETIME,
    MAX_PART_BYTES,
    SIG_COMMENT,
    SIG_SUFFIX,
    SUMS,
    is_valid_name,
    signature_name,
    trusted_comment,
)
from secure_exchange.package.manifest import (
    AgreementRef,
    GroupInfo,
    GroupRisk,
    Manifest,
    PartInfo,
    Sender,
)
from secure_exchange.package.parts import GroupStream
from secure_exchange.package.reader import DirectoryReader, digest
from secure_exchange.package.scope import check_schemas, column_categories, unlisted_categories
from secure_exchange.package.verification import VerifiedPackage, check_threshold, verify
from secure_exchange.trust import Agreement, UnlockedIdentity

__all__ = ["Categories", "GroupBatches", "Groups", "Risks", "remove_stale_partials", "seal"]


@dataclass(frozen=True)
class GroupBatches:
    """Column groups filled together from one pass over their source.

    ``batches`` yields ``(group, batch)`` pairs in any order, each group's batches in row
    order; every group's parts are written as its batches arrive, so no group is ever whole
    in memory. ``schemas`` names the groups, in the order the manifest lists them.
    """

    schemas: Mapping[str, pa.Schema]
    batches: Iterable[tuple[str, pa.Table]]


Groups = Mapping[str, pa.Table | GroupStream] | GroupBatches
Categories = Mapping[str, Sequence[str]]
Risks = Mapping[str, GroupRisk]


@dataclass
class _SealPlan:
    agreement: Agreement
    signers: Sequence[UnlockedIdentity]
    sender: Sender
    created: datetime
    expires: datetime
    package_id: str
    parts: list[PartInfo] = field(default_factory=list)


def _schemas(groups: Groups) -> dict[str, pa.Schema]:
    if isinstance(groups, GroupBatches):
        return dict(groups.schemas)
    return {name: table.schema for name, table in groups.items()}


def seal(
    groups: Groups,
    agreement: Agreement,
    signers: Sequence[UnlockedIdentity],
    *,
    out_dir: Path,
    sender: Sender,
    sequence: int,
    categories: Categories | Callable[[], Categories],
    risk: Risks | Callable[[], Risks] | None = None,
    extra_files: Mapping[str, bytes] | None = None,
    now: datetime | None = None,
    valid_for: timedelta = timedelta(days=30),
    max_part_bytes: int = MAX_PART_BYTES,
    progress: Callable[[int], None] | None = None,
    _random: Callable[[int], bytes] = os.urandom,
) -> VerifiedPackage:
    """Write a signed, encrypted package as a new folder inside ``out_dir``.

    The package is written under a hidden temporary name, synced, read back and verified,
    and only then renamed; on any failure the temporary folder is removed. While it is
    written, the temporary folder is held (``fsio.hold_folder``), so that
    ``remove_stale_partials`` leaves it alone.

    Args:
        groups: column group name → table, or ``GroupStream`` of batches for a group too
            large to hold whole (``scoring``, ``evaluations``, ``identity``, …); or
            ``GroupBatches`` for groups filled together from one pass over a source.
        agreement: the trusted agreement in force; it names each group's readers.
        signers: unlocked identities of the sending party meeting the agreement's threshold.
        out_dir: where the package folder goes (the dedicated stick's root, say).
        sender: the sending party and station.
        sequence: the sender's next sequence number under this agreement.
        categories: group name → the Annex 3 categories its columns carry; or a function
            giving them once every batch has been written (for streamed groups, whose
            columns are known to carry data only then). Checked against the agreement
            before anything is written and again before the manifest.
        risk: group name → its re-identification risk as measured while it was written
            (``pseudonym.Splitter.risk``), or a function giving it once every batch has
            been written; recorded in the manifest, and held to the agreement's limits
            before the manifest is written.
        extra_files: small additional files (e.g. the audit witness bundle) to include.
        now: creation time (injected for vectors).
        valid_for: how long the package may be imported.
        max_part_bytes: split a group into parts beyond this many bytes.
        progress: called with the number of rows written, for progress bars.

    Returns:
        The verification result of the package as written.
    """
    now = now or datetime.now(UTC)
    schemas = _schemas(groups)
    known = categories if not callable(categories) else {}
    plan = _plan(schemas, agreement, signers, sender, known, now, valid_for, _random(12))
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"sx-{plan.package_id}"
    tmp = out_dir / f".sx-{plan.package_id}.partial"
    held: list[int] = []
    try:
        tmp.mkdir()
        held += _fsio.hold_folder(tmp)  # not stale while written
        readers = {
            group: _parts.recipients_of(agreement.group_recipients(group)) for group in schemas
        }
        if isinstance(groups, GroupBatches):
            batches: Iterable[tuple[str, pa.Table]] = groups.batches
        else:
            batches = _each_group(groups)
        written: dict[str, str] = {}
        plan.parts += _parts.write_groups(
            tmp,
            schemas,
            batches,
            readers,
            max_part_bytes=max_part_bytes,
            progress=progress,
            random=_random,
            sums=written,
        )
        if callable(categories):
            categories = categories()
            _check_categories(agreement, categories)
        risks = dict((risk() if callable(risk) else risk) or {})
        extras = dict(extra_files or {})
        manifest = _manifest(plan, schemas, sequence, categories, sorted(extras), risks)
        _check_risk(agreement, manifest)
        _write_small(tmp / MANIFEST, manifest.to_bytes())
        for name, data in extras.items():
            _write_small(tmp / _checked_name(name), data)
        sums = _sums_text(tmp, written)
        _write_small(tmp / SUMS, sums)
        for signer in signers:
            sig = signer.signing_key.sign(
                sums,
                trusted_comment=trusted_comment(plan.package_id, agreement.sha256),
                untrusted_comment=SIG_COMMENT,
            )
            _write_small(tmp / signature_name(signer.public.key_id), sig.encode("ascii"))
        _fsio.fsync_dir(tmp)
        # read back before its final name, checked under that name
        checked = verify(DirectoryReader(tmp, name=final.name), [agreement], now=now)
        tmp.rename(final)
        _fsio.fsync_dir(out_dir)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        _fsio.raise_for_os_error(exc, tmp)
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        for fd in held:
            os.close(fd)
    return dataclasses.replace(checked, path=final, reader=DirectoryReader(final))


# --- partial folders a killed seal left (§6) ------------------------------------------------

_PARTIAL_RE = re.compile(r"\.sx-[0-9]{8}-[a-z]{20}\.partial")


def remove_stale_partials(out_dir: Path) -> int:
    """Remove the partial folders killed seals left in ``out_dir`` (§6); return how many.

    Only what a seal writes: a real folder (never a link) named ``.sx-<package_id>.partial``
    holding nothing but plain files a package may hold, that no running seal is writing (a
    seal holds its partial folder; where the OS has no locks, one untouched for an hour).
    Anything else is left as it is.
    """
    try:
        names = sorted(n for n in os.listdir(out_dir) if _PARTIAL_RE.fullmatch(n))
    except OSError:
        return 0
    return sum(_fsio.remove_stale_folder(out_dir / name, _ours) for name in names)


def _ours(name: str, mode: int) -> bool:
    """Whether a partial folder's entry is a plain file a seal writes."""
    return stat.S_ISREG(mode) and is_valid_name(name)


def _plan(
    schemas: Mapping[str, pa.Schema],
    agreement: Agreement,
    signers: Sequence[UnlockedIdentity],
    sender: Sender,
    categories: Categories,
    now: datetime,
    valid_for: timedelta,
    nonce: bytes,
) -> _SealPlan:
    agreement.check_in_force(now.date())
    keys = []
    for signer in signers:
        key = agreement.key(signer.public.key_id)
        if key is None or key.party != sender.party:
            raise AgreementError("package.signer_not_in_agreement", name=signer.public.name)
        keys.append(key)
    check_threshold(agreement, sender.party, keys)
    for group in schemas:
        agreement.group_recipients(group)
    check_schemas(schemas, sender.party)  # what the receiver would refuse (§4.6)
    for column, category in unlisted_categories(
        agreement, {g: s.names for g, s in schemas.items()}
    ):
        raise AgreementError(
            "package.column_category", column=column, category=category, number=agreement.number
        )
    _check_categories(agreement, categories)
    package_id = f"{now:%Y%m%d}-{_letters(nonce)}"
    end = datetime.combine(agreement.valid_until + timedelta(days=1), time(), UTC)
    expires = min(now + valid_for, now + MAX_LIFETIME, end)  # §4.7 within the agreement
    return _SealPlan(agreement, signers, sender, now, expires, package_id)


def _check_categories(agreement: Agreement, categories: Categories) -> None:
    """Refuse data categories the agreement does not list."""
    allowed = set(agreement.categories)
    extra = {c for listed in categories.values() for c in listed} - allowed
    if extra:
        raise AgreementError(
            "package.category_not_allowed",
            category="、".join(sorted(extra)),
            number=agreement.number,
        )


def _check_risk(agreement: Agreement, manifest: Manifest) -> None:
    """Refuse a group whose measured risk is over the agreement's limit (or unmeasured)."""
    limits = agreement.risk_limits
    for group in manifest.groups:
        problem = risk_problem(group, group.risk, limits.get(group.name))
        if problem is not None:
            raise AgreementError(
                problem,
                group=group.name,
                share=f"{(group.risk.unique_share if group.risk else 1.0) * 100:.1f}",
                limit=f"{limits.get(group.name, 0) / 100:.1f}",
                number=agreement.number,
            )


def _each_group(groups: Mapping[str, pa.Table | GroupStream]) -> Iterator[tuple[str, pa.Table]]:
    """The batches of independent groups, one group after the other."""
    for name, source in groups.items():
        for item in _parts.batches_of(source):
            yield name, item


_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz"  # no digits: an id never looks like a phone number


def _letters(nonce: bytes) -> str:
    """20 letters (about 90 bits) from 12 random bytes."""
    value = int.from_bytes(nonce, "big")
    out = []
    for _ in range(20):
        value, digit = divmod(value, len(_ID_ALPHABET))
        out.append(_ID_ALPHABET[digit])
    return "".join(out)


def _manifest(
    plan: _SealPlan,
    schemas: Mapping[str, pa.Schema],
    sequence: int,
    categories: Categories,
    extras: list[str],
    risks: Risks,
) -> Manifest:
    agreement = plan.agreement
    return Manifest(
        package_id=plan.package_id,
        agreement=AgreementRef(agreement.number, agreement.sha256),
        purpose=agreement.purpose,
        sender=plan.sender,
        sequence=sequence,
        created=plan.created,
        expires=plan.expires,
        signers=tuple(s.public.name for s in plan.signers),
        groups=tuple(
            GroupInfo(
                name=g,
                recipients=agreement.group_recipients(g),
                categories=tuple(
                    sorted({*categories.get(g, ()), *column_categories(g, schemas[g].names)})
                ),
                rows=sum(p.rows for p in plan.parts if p.group == g),
                schema=_parts.schema_fields(schemas[g]),
                risk=risks.get(g),
            )
            for g in schemas
        ),
        parts=tuple(plan.parts),
        extra_files=tuple(extras),
    )


def _checked_name(name: str) -> str:
    if not is_valid_name(name) or name in (MANIFEST, SUMS) or name.endswith(SIG_SUFFIX):
        raise ValueError(f"bad package file name {name!r}")
    return name


def _write_small(path: Path, data: bytes) -> None:
    with path.open("xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _sums_text(folder: Path, written: Mapping[str, str]) -> bytes:
    """``SHA256SUMS`` of every file written so far (§1): the parts as hashed while they
    were written (the read-back verification then proves the disk holds those bytes),
    the small files read back here."""
    reader = DirectoryReader(folder)
    return sha256sums.render(
        {
            name: written.get(name) or digest(reader, name, (folder / name).stat().st_size).sha256
            for name in reader.names()
        }
    )
