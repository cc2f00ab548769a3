"""Verification of a sealed package (protocols/sealed-package-v1.md §4), a function over bytes.

``verify`` sees the package only through a ``PackageReader`` and runs the checks of
§4 in their fixed order (``CHECKS``); the first that fails raises a ``VerificationError``
naming it. Nothing is decrypted, and the manifest is parsed only after its hash matched,
from the very bytes that were hashed. Each check cites its step of §4.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from secure_exchange.errors import AgreementError, VerificationError
from secure_exchange.formats import minisign as _minisign
from secure_exchange.formats import sha256sums
from secure_exchange.formats.canonjson import utc_timestamp
from secure_exchange.package.columns import risk_problem
from secure_exchange.package.layout import (
    MANIFEST,
    MAX_FILE,
    MAX_SMALL_FILE,
    SEQUENCE_WINDOW,
    SIG_COMMENT,
    SIG_SUFFIX,
    SUMS,
    folder_name,
    is_valid_name,
    part_name,
    signature_name,
    trusted_comment,
)
from secure_exchange.package.manifest import Manifest, PartInfo, Sender
from secure_exchange.package.reader import (
    Digest,
    DirectoryReader,
    HashedStream,
    PackageReader,
    digest,
)
from secure_exchange.package.scope import check_columns, check_lifetime, unlisted_categories
from secure_exchange.trust import Agreement, AgreementKey

__all__ = [
    "CHECKS",
    "ReplayCheck",
    "VerifiedPackage",
    "check_hash",
    "check_threshold",
    "read_manifest_unverified",
    "sender_seal",
    "verify",
]

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

KEEP_BUDGET = 512 * 1024 * 1024
"""Bytes of parts ``verify(keep_groups=…)`` keeps in memory at most; past it, parts are
opened by reading them again, hashed as they are decrypted (§5)."""


@dataclass(frozen=True)
class VerifiedPackage:
    """The result of a successful verification: what may now be opened."""

    path: Path
    package_id: str
    agreement: Agreement
    manifest: Manifest
    signers: tuple[AgreementKey, ...]
    hashes: Mapping[str, str]
    sums_sha256: str
    sender: Sender
    sequence: int
    reader: PackageReader = field(repr=False, compare=False)
    blobs: Mapping[str, bytes] = field(default_factory=dict, repr=False, compare=False)

    @property
    def parts(self) -> tuple[PartInfo, ...]:
        """The manifest's parts, group by group."""
        return self.manifest.parts

    def groups(self) -> tuple[str, ...]:
        """Column groups in the package, in manifest order."""
        return tuple(dict.fromkeys(part.group for part in self.parts))

    def rows(self, group: str) -> int:
        """Row count of ``group`` across its parts."""
        return sum(part.rows for part in self.parts if part.group == group)

    @property
    def sender_seal(self) -> AgreementKey:
        """The sending party's seal key as the agreement pins it (§4.8, ``sender_seal``)."""
        return sender_seal(self.agreement, self.sender.party, self.signers)

    def read(self, name: str) -> bytes:
        """The bytes of listed file ``name`` exactly as verified (§5).

        Bytes kept at verification come from memory; any other file is read again (never
        more than its size) and hashed again, so a file swapped since is refused (check
        ``hashes``).
        """
        data = self.blobs.get(name)
        if data is None:
            data = self.reader.read(name, self._size(name))
            check_hash(name, hashlib.sha256(data).hexdigest(), self.hashes[name])
        return data

    def stream(self, name: str) -> HashedStream:
        """Listed file ``name`` to be read once, hashed as it is read (§5): call ``check``
        on it before using what was read."""
        return HashedStream(self.reader.open(name), name, self._size(name), self.hashes[name])

    def _size(self, name: str) -> int:
        part = next((p for p in self.parts if p.file == name), None)
        return part.size if part is not None else MAX_SMALL_FILE


def sender_seal(agreement: Agreement, party: str, signers: Iterable[AgreementKey]) -> AgreementKey:
    """Who sent a package, in the agreement's terms: ``party``'s seal key (§4.8).

    The first of the party's seal keys, in agreement order, among ``signers``; else the
    party's first seal key. Replay and witness state are keyed by it (with the agreement),
    never by the station name the manifest gives, which the sender chooses.
    """
    seals = agreement.keys_for(f"{party}:seal")
    if not seals:
        raise _fail("agreement", "verify.no_seal_key", party=party)
    signed = {k.key_id for k in signers}
    return next((k for k in seals if k.key_id in signed), seals[0])


class ReplayCheck:
    """Replay policy for ``verify``: refuse what was imported, or require that it was.

    ``seen(agreement_sha256, sender_seal, package_id)`` answers whether the package was
    imported and the newest sequence imported from that sender (``sender_seal``).
    """

    def __init__(
        self,
        seen: Callable[[str, AgreementKey, str], tuple[bool, int | None]],
        *,
        require_imported: bool = False,
    ) -> None:
        self.seen = seen
        self.require_imported = require_imported


def _fail(check: str, key: str, **params: object) -> VerificationError:
    return VerificationError(check, key, **params)


def check_hash(name: str, found: str, expected: str) -> None:
    """Refuse file ``name`` unless its SHA-256 ``found`` is the one listed (§4.4, §5)."""
    if found != expected:
        raise _fail("hashes", "verify.hash_mismatch", name=name)


def verify(
    package: Path | PackageReader,
    trusted: Iterable[Agreement],
    *,
    now: datetime | None = None,
    replay: ReplayCheck | None = None,
    check_expiry: bool = True,
    keep_groups: Iterable[str] = (),
) -> VerifiedPackage:
    """Verify a package without any secret key; raise naming the first failed check.

    Args:
        package: the package folder, or a reader of the package's files.
        trusted: the agreements this station trusts.
        now: the time to check validity and expiry against (injected for vectors).
        replay: the station's replay policy, or ``None`` to skip §4.8.
        check_expiry: ``False`` when re-opening an imported package (§4.7).
        keep_groups: column groups whose parts the caller opens next: their bytes are
            kept in memory as they are hashed, so opening needs no second read (and so
            cannot see a file swapped after verification).

    Raises:
        VerificationError: ``check`` names the failed step, one of ``CHECKS``.
    """
    reader = DirectoryReader(package) if isinstance(package, Path) else package
    now = now or datetime.now(UTC)
    names = _layout(reader)  # §4.1 layout
    sums = _read_small(reader, SUMS, "layout")
    candidates = _signatures(reader, names, sums, list(trusted))  # §4.2 and §4.3
    listed = _listing(names, sums)  # §4.4 SHA256SUMS lists every other file, nothing else
    manifest, entry = _manifest(reader, listed)  # §4.4 its hash; §4.5 parsed from those bytes
    digests = _hashes(reader, manifest, listed, set(keep_groups))  # §4.4 sizes, then hashes
    digests[MANIFEST] = entry
    signed = _pick_agreement(manifest, candidates)  # §4.5
    _check_sender(manifest, signed.keys)  # §4.5
    _agreement_and_scope(manifest, signed.agreement, now)  # §4.6 agreement and scope
    check_lifetime(manifest, signed.agreement, now)  # §4.7 created, expires within bounds
    if check_expiry and manifest.expires < now:  # §4.7 expiry
        raise _fail("expiry", "verify.expired", expires=utc_timestamp(manifest.expires))
    if replay is not None:
        _replay(replay, signed, manifest)  # §4.8 replay
    return VerifiedPackage(
        path=reader.path,
        package_id=manifest.package_id,
        agreement=signed.agreement,
        manifest=manifest,
        signers=signed.keys,
        hashes={name: found.sha256 for name, found in digests.items()},
        sums_sha256=hashlib.sha256(sums).hexdigest(),
        sender=manifest.sender,
        sequence=manifest.sequence,
        reader=reader,
        blobs={n: d.data for n, d in digests.items() if n != MANIFEST and d.data is not None},
    )


def _layout(reader: PackageReader) -> list[str]:
    try:
        names = reader.names()
    except OSError:
        raise _fail("layout", "verify.not_a_package", path=reader.path) from None
    for name in names:  # §4.1 only allowed names and regular files
        if not is_valid_name(name) or not reader.is_file(name):
            raise _fail("layout", "verify.unexpected_entry", name=name)
    if SUMS not in names or not any(n.endswith(SIG_SUFFIX) for n in names):
        raise _fail("layout", "verify.incomplete", path=reader.path)  # §4.1, §6
    return names


def _read_small(reader: PackageReader, name: str, check: str) -> bytes:
    data = reader.read(name, MAX_SMALL_FILE)
    if len(data) > MAX_SMALL_FILE:
        raise _fail(check, "verify.file_too_large", name=name)
    return data


@dataclass(frozen=True)
class _Signed:
    """Signatures found valid under one candidate agreement, with their trusted comments."""

    agreement: Agreement
    keys: tuple[AgreementKey, ...]
    comments: tuple[str, ...]


def _signature_files(reader: PackageReader, names: list[str]) -> list[_minisign.Signature]:
    """Parse every signature file; its bytes must be exactly the canonical form (§1)."""
    parsed = []
    for name in names:
        if not name.endswith(SIG_SUFFIX):
            continue
        raw = _read_small(reader, name, "signatures")
        try:
            sig = _minisign.Signature.from_str(raw.decode("ascii"))
        except (UnicodeDecodeError, _minisign.SignatureError):
            raise _fail("signatures", "verify.bad_signature", name=name) from None
        if (  # §4.2 each signature file is canonical
            str(sig).encode("ascii") != raw
            or sig.untrusted_comment != SIG_COMMENT
            or name != signature_name(sig.key_id_hex)
        ):
            raise _fail("signatures", "verify.bad_signature", name=name)
        parsed.append(sig)
    return parsed


def _signatures(
    reader: PackageReader, names: list[str], sums: bytes, trusted: list[Agreement]
) -> list[_Signed]:
    """Agreements under which every signature verifies and the threshold is met."""
    sigs = _signature_files(reader, names)
    candidates = []
    for agreement in trusted:
        found = [_signer_of(agreement, sums, s) for s in sigs]
        pairs = [f for f in found if f is not None]
        if len(pairs) == len(found):
            keys = tuple(k for k, _ in pairs)
            candidates.append(_Signed(agreement, keys, tuple(c for _, c in pairs)))
    if not candidates:  # §4.2 every signature verifies with a key of a trusted agreement
        raise _fail("signatures", "verify.unknown_signer")
    good = []
    for cand in candidates:
        try:  # §4.3 threshold: the signers are of one party and meet its threshold
            check_threshold(cand.agreement, cand.keys[0].party, cand.keys)
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
        return key, key.identity.verify_signature(sums, str(sig), prehashed_only=True)
    except VerificationError:
        return None


def check_threshold(agreement: Agreement, party: str, keys: Sequence[AgreementKey]) -> None:
    """Refuse signers of mixed parties, or too few of a role ``party``'s threshold names."""
    if any(k.party != party for k in keys):
        raise AgreementError("package.mixed_parties")
    for role, count in agreement.thresholds(party).items():
        if sum(1 for k in keys if k.role == role) < count:
            raise AgreementError("package.threshold", role=role, count=count)


def _listing(names: list[str], sums: bytes) -> dict[str, str]:
    try:
        listed = sha256sums.parse(sums)
    except sha256sums.SumsError:
        raise _fail("hashes", "verify.sums_malformed") from None
    if not all(is_valid_name(name) for name in listed):  # §4.4 SHA256SUMS is well formed
        raise _fail("hashes", "verify.sums_malformed")
    payload = {n for n in names if n != SUMS and not n.endswith(SIG_SUFFIX)}
    for name in sorted(payload - listed.keys()):  # §4.4 it lists every other file ...
        raise _fail("hashes", "verify.unlisted_file", name=name)
    for name in sorted(listed.keys() - payload):  # ... and nothing else
        raise _fail("hashes", "verify.missing_file", name=name)
    return listed


def _hashes(
    reader: PackageReader, manifest: Manifest, listed: Mapping[str, str], keep: set[str]
) -> dict[str, Digest]:
    """Hash every file but the manifest: a part only once its size is the manifest's (a
    file of another size is never read), streamed, and kept in memory only for the groups
    in ``keep`` and within ``KEEP_BUDGET``; an extra file is small and read whole."""
    parts = {p.file: p for p in manifest.parts}
    budget = KEEP_BUDGET
    digests = {}
    for name, expected in sorted(listed.items()):
        if name == MANIFEST:
            continue
        part = parts.get(name)
        if part is None:
            data = _read_small(reader, name, "hashes")
            found = Digest(hashlib.sha256(data).hexdigest(), len(data), data)
        else:
            kept = part.group in keep and part.size <= budget
            budget -= part.size if kept else 0
            found = digest(reader, name, part.size, keep=kept)  # §4.4, §4.5 size first
        check_hash(name, found.sha256, expected)  # §4.4 every hash matches
        digests[name] = found
    return digests


def _manifest(reader: PackageReader, listed: Mapping[str, str]) -> tuple[Manifest, Digest]:
    expected = listed.get(MANIFEST)
    if expected is None:
        raise _fail("manifest", "verify.manifest_missing")
    data = _read_small(reader, MANIFEST, "manifest")
    sha256 = hashlib.sha256(data).hexdigest()
    check_hash(MANIFEST, sha256, expected)  # §4.4 its hash matches
    manifest = Manifest.from_bytes(data)  # §4.5 format, parsed from the very bytes hashed
    if reader.name is not None and reader.name != folder_name(manifest.package_id):
        raise _fail(  # §4.5 the folder is the package's own
            "manifest", "verify.folder_name", folder=reader.name, package=manifest.package_id
        )
    described = [p.file for p in manifest.parts] + [*manifest.extra_files, MANIFEST]
    for name in sorted(set(described) ^ listed.keys()):  # §4.5 files agree with the folder
        raise _fail("manifest", "verify.manifest_files", name=name)
    for name in sorted({n for n in described if described.count(n) > 1}):  # each once
        raise _fail("manifest", "verify.manifest_files", name=name)
    numbers: dict[str, int] = {}
    for part in manifest.parts:
        numbers[part.group] = numbers.get(part.group, 0) + 1
        if part.size > MAX_FILE:  # §1 no file is larger
            raise _fail("manifest", "verify.file_too_large", name=part.file)
        if manifest.group(part.group) is None or part.file != part_name(
            part.group, numbers[part.group]
        ):  # §1 <group>-NNNN.parquet.age, from 0001
            raise _fail("manifest", "verify.manifest_files", name=part.file)
    for group in manifest.groups:
        parts = [p for p in manifest.parts if p.group == group.name]
        if not parts or group.rows != sum(p.rows for p in parts):
            raise _fail("manifest", "verify.rows", name=group.name)
    return manifest, Digest(sha256, len(data), data)


def _pick_agreement(manifest: Manifest, candidates: list[_Signed]) -> _Signed:
    named = manifest.agreement
    for cand in candidates:
        agreement = cand.agreement
        if agreement.sha256 == named.sha256 and agreement.number == named.number:
            # §4.5 every trusted comment names this package id and that agreement's hash
            expected = trusted_comment(manifest.package_id, agreement.sha256)
            if any(c != expected for c in cand.comments):
                raise _fail("signatures", "verify.comment_mismatch")
            return cand
    # §4.5 the agreement the manifest names is the one the signers belong to
    raise _fail("agreement", "verify.agreement_mismatch", number=named.number)


def _check_sender(manifest: Manifest, signers: tuple[AgreementKey, ...]) -> None:
    if any(k.party != manifest.sender.party for k in signers):  # §4.5 the signers' party
        raise _fail("manifest", "verify.sender_mismatch")


def _agreement_and_scope(manifest: Manifest, agreement: Agreement, now: datetime) -> None:
    try:  # §4.6 the agreement is in force today
        agreement.check_in_force(now.date())
    except AgreementError as exc:
        raise _fail("agreement", exc.key, **exc.params) from exc
    if manifest.purpose != agreement.purpose:  # §4.6 the purpose is the agreement's
        raise _fail("scope", "verify.purpose")
    allowed = set(agreement.categories)
    for group in manifest.groups:
        extra = set(group.categories) - allowed  # §4.6 every category is permitted
        if extra:
            raise _fail("scope", "verify.category", category="、".join(sorted(extra)))
        try:
            readers = agreement.group_recipients(group.name)
        except AgreementError as exc:
            raise _fail("scope", exc.key, **exc.params) from exc
        if tuple(sorted(group.recipients)) != readers:  # §4.6 exactly the agreement's keys
            raise _fail("scope", "verify.recipients", group=group.name)
        limit = agreement.risk_limits.get(group.name)  # §4.6 the risk record, its limit
        problem = risk_problem(group, group.risk, limit)
        if problem is not None:
            share = group.risk.unique_share * 100 if group.risk else 100.0
            raise _fail(
                "scope",
                problem,
                group=group.name,
                share=f"{share:.1f}",
                limit=f"{(limit or 0) / 100:.1f}",
                number=agreement.number,
            )
    check_columns(manifest)  # §4.6 every group carries only the columns the profile allows
    columns = {g.name: [f.name for f in g.schema] for g in manifest.groups}
    for column, category in unlisted_categories(agreement, columns):  # §4.6 each column's
        raise _fail("scope", "verify.column_category", column=column, category=category)


def _replay(replay: ReplayCheck, signed: _Signed, manifest: Manifest) -> None:
    package_id, sequence = manifest.package_id, manifest.sequence
    sender = sender_seal(signed.agreement, manifest.sender.party, signed.keys)  # not the name
    imported, last = replay.seen(signed.agreement.sha256, sender, package_id)
    if replay.require_imported:  # §4.8 score and reidentify need an imported package
        if not imported:
            raise _fail("replay", "verify.not_imported", package=package_id)
        return
    if imported:  # §4.8 a package id seen before is refused ...
        raise _fail("replay", "verify.replayed", package=package_id)
    if last is not None and sequence <= last:  # ... and so is a sequence not above the last
        raise _fail("replay", "verify.rollback", sequence=sequence, last=last)
    if sequence > (last or 0) + SEQUENCE_WINDOW:  # ... or far beyond it: never recorded
        raise _fail("replay", "verify.sequence_jump", sequence=sequence, last=last or 0)


def read_manifest_unverified(path: Path) -> Manifest:
    """The manifest as it stands, for ``inspect`` of a package that does not verify: read
    bounded from a regular file only, and strictly (§3), so a malformed one is a refusal.

    Raises:
        VerificationError: check ``layout`` (no regular manifest file) or ``manifest``.
    """
    reader = DirectoryReader(path)
    try:
        names = reader.names()
    except OSError:
        raise _fail("layout", "verify.not_a_package", path=path) from None
    if MANIFEST not in names:
        raise _fail("manifest", "verify.manifest_missing")
    return Manifest.from_bytes(_read_small(reader, MANIFEST, "manifest"))
