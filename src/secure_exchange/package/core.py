"""Sealed packages, format v1 (protocols/sealed-package-v1.md): seal, verify, open.

A package is a folder of plain files that a FAT32 stick holds: the column groups as Parquet
encrypted with age to the keys the agreement names, ``manifest.json``, ``SHA256SUMS`` over
every other file, and one minisign signature per signer over ``SHA256SUMS``. ``verify`` is
pure over the folder's bytes and checks, in order: layout, signatures and threshold, hashes,
manifest, agreement force and scope, expiry, replay. Nothing is decrypted or parsed before.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from secure_exchange import fsio as _fsio
from secure_exchange.errors import (
    AgreementError,
    PackageError,
    SecureExchangeError,
    VerificationError,
)
from secure_exchange.formats import age as _age
from secure_exchange.formats import minisign as _minisign
from secure_exchange.formats.canonjson import as_list, as_obj
from secure_exchange.package import parts as _parts
from secure_exchange.package.parts import GroupStream
from secure_exchange.trust.agreement import Agreement, AgreementKey
from secure_exchange.trust.keys import UnlockedIdentity

__all__ = [
    "CHECKS",
    "FORMAT",
    "GroupBatches",
    "GroupStream",
    "Sender",
    "VerifiedPackage",
    "open_package",
    "read_manifest_unverified",
    "seal",
    "verify",
]

FORMAT = "sx-package-v1"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
SIG_SUFFIX = ".minisig"
MAX_PART_BYTES = 1_900_000_000  # plaintext per part; keeps every file well under 2 GiB
SIG_COMMENT = f"{FORMAT} signature over {SUMS}"
MAX_SMALL_FILE = 4 * 1024 * 1024  # manifest, sums, signatures: read whole, so bounded
CHECKS = (
    "layout",
    "signatures",
    "threshold",
    "hashes",
    "manifest",
    "agreement",
    "scope",
    "expiry",
    "replay",
)
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")
_SUM_LINE = re.compile(r"^([0-9a-f]{64})  ([A-Za-z0-9][A-Za-z0-9._-]{0,100})$")


@dataclass(frozen=True)
class Sender:
    """Who sends a package: the agreement party (``A``/``B``) and the station's organisation."""

    party: str
    station: str


@dataclass(frozen=True)
class VerifiedPackage:
    """The result of a successful verification: what may now be opened."""

    path: Path
    package_id: str
    agreement: Agreement
    manifest: Mapping[str, object]
    signers: tuple[AgreementKey, ...]
    hashes: Mapping[str, str]
    sums_sha256: str
    sender: Sender
    sequence: int
    blobs: Mapping[str, bytes] = field(default_factory=dict, repr=False, compare=False)

    @property
    def parts(self) -> list[dict[str, object]]:
        """The manifest's part entries."""
        parts = as_list(self.manifest["parts"])
        return parts

    def groups(self) -> tuple[str, ...]:
        """Column groups in the package, in manifest order."""
        seen: dict[str, None] = {}
        for part in self.parts:
            seen[str(part["group"])] = None
        return tuple(seen)

    def rows(self, group: str) -> int:
        """Row count of ``group`` across its parts."""
        return sum(int(str(p["rows"])) for p in self.parts if p["group"] == group)


class ReplayCheck:
    """Replay policy for ``verify``: refuse what was imported, or require that it was."""

    def __init__(
        self,
        seen: Callable[[str, str, str], tuple[bool, int | None]],
        *,
        require_imported: bool = False,
    ) -> None:
        self.seen = seen
        self.require_imported = require_imported


# --------------------------------------------------------------------------- sealing


@dataclass
class _SealPlan:
    agreement: Agreement
    signers: Sequence[UnlockedIdentity]
    sender: Sender
    created: datetime
    expires: datetime
    package_id: str
    parts: list[_parts.PartInfo] = field(default_factory=list)


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
    extra_files: Mapping[str, bytes] | None = None,
    now: datetime | None = None,
    valid_for: timedelta = timedelta(days=30),
    max_part_bytes: int = MAX_PART_BYTES,
    progress: Callable[[int], None] | None = None,
    _random: Callable[[int], bytes] = os.urandom,
) -> VerifiedPackage:
    """Write a signed, encrypted package as a new folder inside ``out_dir``.

    The package is written under a hidden temporary name, synced, read back and verified,
    and only then renamed; on any failure the temporary folder is removed.

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
    try:
        tmp.mkdir()
        readers = {
            group: [_age.X25519Recipient.from_str(r) for r in agreement.group_recipients(group)]
            for group in schemas
        }
        if isinstance(groups, GroupBatches):
            batches: Iterable[tuple[str, pa.Table]] = groups.batches
        else:
            batches = _each_group(groups)
        plan.parts += _parts.write_groups(
            tmp,
            schemas,
            batches,
            readers,
            max_part_bytes=max_part_bytes,
            progress=progress,
            random=_random,
        )
        if callable(categories):
            categories = categories()
            _check_categories(agreement, categories)
        extras = dict(extra_files or {})
        manifest = _manifest(plan, schemas, sequence, categories, sorted(extras))
        _write_small(tmp / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode())
        for name, data in extras.items():
            _write_small(tmp / _checked_name(name), data)
        sums = _sums_text(tmp)
        _write_small(tmp / SUMS, sums)
        for signer in signers:
            sig = signer.signing_key.sign(
                sums,
                trusted_comment=_trusted_comment(plan.package_id, agreement),
                untrusted_comment=SIG_COMMENT,
            )
            _write_small(tmp / f"{SUMS}.{signer.public.key_id}{SIG_SUFFIX}", sig.encode("ascii"))
        _fsio.fsync_dir(tmp)
        checked = verify(tmp, [agreement], now=now)  # read back before its final name
        tmp.rename(final)
        _fsio.fsync_dir(out_dir)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        _fsio.raise_for_os_error(exc, tmp)
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dataclasses.replace(checked, path=final)


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
    _check_threshold(agreement, sender.party, keys)
    for group in schemas:
        agreement.group_recipients(group)
    _check_categories(agreement, categories)
    package_id = f"{now:%Y%m%d}-{_letters(nonce)}"
    return _SealPlan(agreement, signers, sender, now, now + valid_for, package_id)


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
) -> dict[str, object]:
    agreement = plan.agreement
    return {
        "format": FORMAT,
        "package_id": plan.package_id,
        "agreement": {"number": agreement.number, "sha256": agreement.sha256},
        "purpose": agreement.purpose,
        "sender": {"party": plan.sender.party, "station": plan.sender.station},
        "sequence": sequence,
        "created": _iso(plan.created),
        "expires": _iso(plan.expires),
        "signers": [s.public.name for s in plan.signers],
        "groups": {
            g: {
                "recipients": list(agreement.group_recipients(g)),
                "categories": sorted(categories.get(g, ())),
                "rows": sum(p.rows for p in plan.parts if p.group == g),
                "schema": _parts.schema_fields(schemas[g]),
            }
            for g in schemas
        },
        "parts": [
            {"file": p.file, "group": p.group, "rows": p.rows, "size": p.size} for p in plan.parts
        ],
        "extra_files": extras,
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _checked_name(name: str) -> str:
    if not _NAME_RE.match(name) or name in (MANIFEST, SUMS) or name.endswith(SIG_SUFFIX):
        raise ValueError(f"bad package file name {name!r}")
    return name


def _write_small(path: Path, data: bytes) -> None:
    with path.open("xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _sums_text(folder: Path) -> bytes:
    lines = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        lines.append(f"{_sha256_file(path)}  {path.name}\n")
    return "".join(lines).encode("ascii")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- verifying


def _fail(check: str, key: str, **params: object) -> VerificationError:
    return VerificationError(check, key, **params)


def verify(
    path: Path,
    trusted: Iterable[Agreement],
    *,
    now: datetime | None = None,
    replay: ReplayCheck | None = None,
    check_expiry: bool = True,
    keep_groups: Iterable[str] = (),
) -> VerifiedPackage:
    """Verify a package folder without any secret key; raise naming the first failed check.

    ``keep_groups`` names column groups whose parts the caller will open next: their bytes
    are kept in memory as they are hashed, so opening needs no second read (and so cannot
    see a file swapped after verification).
    """
    now = now or datetime.now(UTC)
    files = _layout(path)
    sums = _read_small(path / SUMS, "layout")
    candidates = _signatures(path, files, sums, list(trusted))
    prefixes = tuple(f"{g}-" for g in keep_groups)
    blobs: dict[str, bytes] = {}
    hashes = _hashes(path, files, sums, prefixes, blobs)
    manifest = _manifest_checked(path, hashes)
    signed = _pick_agreement(manifest, candidates)
    agreement, signers = signed.agreement, signed.keys
    sender = _sender(manifest, signers)
    _agreement_and_scope(manifest, agreement, now)
    if check_expiry and _parse_time(str(manifest["expires"])) < now:
        raise _fail("expiry", "verify.expired", expires=manifest["expires"])
    package_id = str(manifest["package_id"])
    sequence = _int(manifest["sequence"], "manifest")
    if replay is not None:
        _replay(replay, agreement, sender, package_id, sequence)
    return VerifiedPackage(
        path=path,
        package_id=package_id,
        agreement=agreement,
        manifest=manifest,
        signers=signers,
        hashes=hashes,
        sums_sha256=hashlib.sha256(sums).hexdigest(),
        sender=sender,
        sequence=sequence,
        blobs=blobs,
    )


def _layout(path: Path) -> list[str]:
    if not path.is_dir():
        raise _fail("layout", "verify.not_a_package", path=path)
    names = []
    for entry in sorted(path.iterdir(), key=lambda p: p.name):
        if entry.is_symlink() or not entry.is_file() or not _NAME_RE.match(entry.name):
            raise _fail("layout", "verify.unexpected_entry", name=entry.name)
        names.append(entry.name)
    if SUMS not in names or not any(n.endswith(SIG_SUFFIX) for n in names):
        raise _fail("layout", "verify.incomplete", path=path)
    return names


def _read_small(path: Path, check: str) -> bytes:
    with path.open("rb") as fh:
        data = fh.read(MAX_SMALL_FILE + 1)
    if len(data) > MAX_SMALL_FILE:
        raise _fail(check, "verify.file_too_large", name=path.name)
    return data


@dataclass(frozen=True)
class _Signed:
    """Signatures found valid under one candidate agreement, with their trusted comments."""

    agreement: Agreement
    keys: tuple[AgreementKey, ...]
    comments: tuple[str, ...]


def _signature_texts(path: Path, files: list[str]) -> list[_minisign.Signature]:
    """Parse every signature file; its bytes must be exactly our canonical form."""
    parsed = []
    for name in files:
        if not name.endswith(SIG_SUFFIX):
            continue
        raw = _read_small(path / name, "signatures")
        try:
            sig = _minisign.Signature.from_str(raw.decode("ascii"))
        except (UnicodeDecodeError, SecureExchangeError):
            raise _fail("signatures", "verify.bad_signature", name=name) from None
        if (
            str(sig).encode("ascii") != raw
            or sig.untrusted_comment != SIG_COMMENT
            or name != f"{SUMS}.{sig.key_id_hex}{SIG_SUFFIX}"
        ):
            raise _fail("signatures", "verify.bad_signature", name=name)
        parsed.append(sig)
    return parsed


def _signatures(
    path: Path, files: list[str], sums: bytes, trusted: list[Agreement]
) -> list[_Signed]:
    """Agreements under which every signature verifies and the threshold is met."""
    sigs = _signature_texts(path, files)
    candidates = []
    for agreement in trusted:
        found = [_signer_of(agreement, sums, s) for s in sigs]
        if all(f is not None for f in found):
            pairs = [f for f in found if f is not None]
            candidates.append(
                _Signed(agreement, tuple(k for k, _ in pairs), tuple(c for _, c in pairs))
            )
    if not candidates:
        raise _fail("signatures", "verify.unknown_signer")
    good = []
    for cand in candidates:
        try:
            _check_threshold(cand.agreement, cand.keys[0].party, cand.keys)
        except AgreementError:
            continue
        good.append(cand)
    if not good:
        raise _fail("threshold", "verify.threshold")
    return good


def _signer_of(
    agreement: Agreement, sums: bytes, sig: _minisign.Signature
) -> tuple[AgreementKey, str] | None:
    key = agreement.key(sig.key_id_hex)
    if key is None:
        return None
    try:
        return key, key.identity.minisign.verify(sums, str(sig), prehashed_only=True)
    except SecureExchangeError:
        return None


def _check_threshold(agreement: Agreement, party: str, keys: Sequence[AgreementKey]) -> None:
    if any(k.party != party for k in keys):
        raise AgreementError("package.mixed_parties")
    for role, count in agreement.thresholds(party).items():
        if sum(1 for k in keys if k.role == role) < count:
            raise AgreementError("package.threshold", role=role, count=count)


def _hashes(
    path: Path, files: list[str], sums: bytes, keep: tuple[str, ...], blobs: dict[str, bytes]
) -> dict[str, str]:
    try:
        lines = sums.decode("ascii").splitlines()
    except UnicodeDecodeError:
        raise _fail("hashes", "verify.sums_malformed") from None
    listed: dict[str, str] = {}
    for line in lines:
        match = _SUM_LINE.match(line)
        if match is None or match.group(2) in listed:
            raise _fail("hashes", "verify.sums_malformed")
        listed[match.group(2)] = match.group(1)
    payload = {n for n in files if n != SUMS and not n.endswith(SIG_SUFFIX)}
    for name in sorted(payload - listed.keys()):
        raise _fail("hashes", "verify.unlisted_file", name=name)
    for name in sorted(listed.keys() - payload):
        raise _fail("hashes", "verify.missing_file", name=name)
    for name, expected in sorted(listed.items()):
        if keep and name.startswith(keep):
            data = (path / name).read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            blobs[name] = data
        else:
            digest = _sha256_file(path / name)
        if digest != expected:
            raise _fail("hashes", "verify.hash_mismatch", name=name)
    return listed


def _manifest_checked(path: Path, hashes: Mapping[str, str]) -> dict[str, object]:
    if MANIFEST not in hashes:
        raise _fail("manifest", "verify.manifest_missing")
    try:
        manifest = json.loads(_read_small(path / MANIFEST, "manifest").decode("utf-8"))
        if manifest["format"] != FORMAT:
            raise _fail("manifest", "verify.format", found=str(manifest["format"])[:40])
        parts = manifest["parts"]
        extras = list(manifest.get("extra_files", []))
        described = {str(p["file"]) for p in parts} | set(extras) | {MANIFEST}
        for name in described ^ set(hashes):
            raise _fail("manifest", "verify.manifest_files", name=name)
        for part in parts:
            if int(part["size"]) != (path / str(part["file"])).stat().st_size:
                raise _fail("manifest", "verify.part_size", name=part["file"])
            if str(part["group"]) not in manifest["groups"]:
                raise _fail("manifest", "verify.manifest_files", name=part["file"])
        for group, info in manifest["groups"].items():
            counted = sum(int(p["rows"]) for p in parts if p["group"] == group)
            if int(info["rows"]) != counted or not any(p["group"] == group for p in parts):
                raise _fail("manifest", "verify.rows", name=group)
    except VerificationError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise _fail("manifest", "verify.manifest_malformed", error=type(exc).__name__) from exc
    return as_obj(manifest)


def _pick_agreement(manifest: Mapping[str, object], candidates: list[_Signed]) -> _Signed:
    named = as_obj(manifest["agreement"])
    for cand in candidates:
        agreement = cand.agreement
        if agreement.sha256 == named.get("sha256") and agreement.number == named.get("number"):
            expected = _trusted_comment(str(manifest["package_id"]), agreement)
            if any(c != expected for c in cand.comments):
                raise _fail("signatures", "verify.comment_mismatch")
            return cand
    raise _fail("agreement", "verify.agreement_mismatch", number=str(named.get("number")))


def _trusted_comment(package_id: str, agreement: Agreement) -> str:
    return f"{FORMAT} {package_id} agreement:{agreement.sha256}"


def _sender(manifest: Mapping[str, object], signers: tuple[AgreementKey, ...]) -> Sender:
    sender = as_obj(manifest["sender"])
    party = str(sender["party"])
    if any(k.party != party for k in signers):
        raise _fail("manifest", "verify.sender_mismatch")
    return Sender(party=party, station=str(sender["station"]))


def _agreement_and_scope(
    manifest: Mapping[str, object], agreement: Agreement, now: datetime
) -> None:
    try:
        agreement.check_in_force(now.date())
    except AgreementError as exc:
        raise _fail("agreement", exc.key, **exc.params) from exc
    if manifest.get("purpose") != agreement.purpose:
        raise _fail("scope", "verify.purpose")
    groups = as_obj(manifest["groups"])
    allowed = set(agreement.categories)
    for group, info in groups.items():
        extra = set(info["categories"]) - allowed
        if extra:
            raise _fail("scope", "verify.category", category="、".join(sorted(extra)))
        try:
            readers = agreement.group_recipients(group)
        except AgreementError as exc:
            raise _fail("scope", exc.key, **exc.params) from exc
        if tuple(sorted(info["recipients"])) != readers:
            raise _fail("scope", "verify.recipients", group=group)


def _replay(
    replay: ReplayCheck, agreement: Agreement, sender: Sender, package_id: str, sequence: int
) -> None:
    imported, last = replay.seen(agreement.sha256, sender.station, package_id)
    if replay.require_imported:
        if not imported:
            raise _fail("replay", "verify.not_imported", package=package_id)
        return
    if imported:
        raise _fail("replay", "verify.replayed", package=package_id)
    if last is not None and sequence <= last:
        raise _fail("replay", "verify.rollback", sequence=sequence, last=last)


def _parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _int(value: object, check: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail(check, "verify.manifest_malformed", error="sequence")
    return value


def read_manifest_unverified(path: Path) -> dict[str, object]:
    """The manifest as it stands, for ``inspect`` of a package that does not verify."""
    data = as_obj(json.loads(_read_small(path / MANIFEST, "manifest").decode("utf-8")))
    return data


# --------------------------------------------------------------------------- opening


def open_package(
    package: VerifiedPackage,
    identities: Sequence[_age.X25519Identity],
    groups: Iterable[str] | None = None,
) -> dict[str, pa.Table]:
    """Decrypt the groups these identities may read, in memory only.

    Each part's bytes are read once, checked again against the verified hash (so a file
    swapped after verification is refused), decrypted and parsed from memory.
    """
    mine = {str(i.recipient()) for i in identities}
    wanted = set(groups) if groups is not None else None
    info = as_obj(package.manifest["groups"])
    tables: dict[str, list[pa.Table]] = {}
    for group in package.groups():
        readers = set(info[group]["recipients"])
        if wanted is not None and group not in wanted:
            continue
        if not readers & mine:
            if wanted is not None:
                raise PackageError("package.not_a_reader", group=group)
            continue
        tables[group] = [
            _open_part(package, p, identities) for p in package.parts if p["group"] == group
        ]
    if wanted is not None and wanted - tables.keys():
        missing = "、".join(sorted(wanted - tables.keys()))
        raise PackageError("package.group_missing", group=missing)
    return {g: _concat(g, ts, info[g]) for g, ts in tables.items()}


def _open_part(
    package: VerifiedPackage, part: Mapping[str, object], identities: Sequence[_age.X25519Identity]
) -> pa.Table:
    name = str(part["file"])
    data = package.blobs.get(name)
    if data is None:  # not kept at verification: read again and check again
        data = (package.path / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != package.hashes[name]:
            raise _fail("hashes", "verify.hash_mismatch", name=name)
    table = _parts.read_part(data, identities)
    if table.num_rows != part["rows"]:
        raise _fail("manifest", "verify.rows", name=name)
    return table


def _concat(group: str, tables: list[pa.Table], info: Mapping[str, object]) -> pa.Table:
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    if _parts.schema_fields(table.schema) != info["schema"]:
        raise _fail("manifest", "verify.schema", group=group)
    return table
