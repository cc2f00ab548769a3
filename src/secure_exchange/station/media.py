"""Dedicated USB media (专用U盘): enrol a stick with a signed label, check a target, list sticks.

An enrolled stick holds two plain files at its root, ``SX-MEDIA.json`` (who enrolled it, for
which unit) and ``SX-MEDIA.json.minisig`` (a minisign signature by an officer or seal key of
the enrolling station). The station remembers each label's SHA-256 in its media register
(``HomeLayout.media_register``), so a stick counts as dedicated media only at the station that
enrolled it. Nothing here relies on file permissions or timestamps, which FAT does not keep.

The label also records the volume it was written to (``station.volume``: the filesystem
UUID on Linux, the volume serial on Windows), so the two files copied onto another stick
are refused there. Where the OS gave no volume id at enrolment the label says ``null`` and
the check's audit detail says ``unavailable``; a byte-for-byte image of the stick copies
the id too (protocols/THREAT-MODEL.md).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from secure_exchange import fsio as _fsio
from secure_exchange.errors import MediaError, SecureExchangeError
from secure_exchange.formats.canonjson import JsonError, as_obj, loads, utc_timestamp
from secure_exchange.station.common import PassphraseFn, unlock
from secure_exchange.station.station import Station, key_actor
from secure_exchange.station.volume import volume_id
from secure_exchange.trust import PublicIdentity, UnlockedIdentity

__all__ = [
    "FORMAT",
    "LABEL_NAME",
    "MOUNT_PATTERNS",
    "SIGNATURE_NAME",
    "MediaCheck",
    "MediaForgedError",
    "MediaLabel",
    "MediaNotEnrolledError",
    "MediaNotRegisteredError",
    "MediaOtherUnitError",
    "MediaStatus",
    "MediaVolumeError",
    "check_media",
    "check_target",
    "default_enrolling_key",
    "enroll",
    "enroll_media",
    "list_media",
    "mount_roots",
]

FORMAT = "sx-media-v1"
LABEL_NAME = "SX-MEDIA.json"
SIGNATURE_NAME = "SX-MEDIA.json.minisig"
MOUNT_PATTERNS = ("/media/*/*", "/media/*", "/mnt/*", "/run/media/*/*")
SIGNING_PURPOSES = ("officer", "seal")
_REGISTER_FORMAT = "sx-media-register-v1"
_MAX_LABEL_BYTES = 64 * 1024
_ID_RE = re.compile(r"^[0-9a-f]{32}$")
# A media id goes into audit events, which refuse long digit runs (they look like ID numbers
# or phone numbers); ids holding one are drawn again.
_DIGIT_RUN = re.compile(r"[0-9]{11,}")
_LABEL_FIELDS = (
    "format",
    "media_id",
    "unit",
    "party",
    "enrolled_by",
    "fingerprint",
    "key_id",
    "enrolled",
    "volume",
)


class MediaNotEnrolledError(MediaError):
    """The target is not on enrolled media: no label at the stick's root."""

    reason = "no_label"


class MediaForgedError(MediaError):
    """The label was changed after enrolment, or its signature does not verify."""

    reason = "forged"


class MediaOtherUnitError(MediaError):
    """The label names another unit (organisation)."""

    reason = "other_unit"


class MediaNotRegisteredError(MediaError):
    """The label names this unit but this station never enrolled the stick."""

    reason = "not_registered"


class MediaVolumeError(MediaError):
    """The label was enrolled on another volume: its two files were copied to this one."""

    reason = "other_volume"


@dataclass(frozen=True)
class MediaLabel:
    """The signed label at the root of a dedicated stick."""

    media_id: str
    unit: str
    party: str | None
    enrolled_by: str
    fingerprint: str
    key_id: str
    enrolled: str
    volume: str | None = None

    @property
    def short_id(self) -> str:
        """The first 8 hex digits, as printed in listings."""
        return self.media_id[:8]

    def to_bytes(self) -> bytes:
        """The label file's bytes (sorted keys, UTF-8, one trailing newline)."""
        doc = {"format": FORMAT, **{k: getattr(self, k) for k in _LABEL_FIELDS[1:]}}
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> MediaLabel:
        """Parse a label strictly (duplicate keys, depth); a malformed one is ``ValueError``.

        A label enrolled before volumes were recorded has no ``volume`` field.
        """
        try:
            doc = as_obj(loads(data))
        except (JsonError, TypeError) as exc:
            raise ValueError("not a media label") from exc
        doc.setdefault("volume", None)
        if set(doc) != set(_LABEL_FIELDS) or doc["format"] != FORMAT:
            raise ValueError("not a media label")
        optional = ("party", "volume")
        values = [doc[k] for k in _LABEL_FIELDS[1:] if k not in optional]
        if not all(isinstance(v, str) for v in values) or not all(
            isinstance(doc[k], str | None) for k in optional
        ):
            raise ValueError("not a media label")
        if not _ID_RE.match(doc["media_id"]):
            raise ValueError("not a media label")
        return cls(**{k: doc[k] for k in _LABEL_FIELDS[1:]})


@dataclass(frozen=True)
class MediaCheck:
    """A target folder that is on this station's enrolled media."""

    media_id: str
    root: Path
    label: MediaLabel

    def detail(self) -> dict[str, str]:
        """Audit event detail naming the stick and its volume (no personal data)."""
        return {
            "media": self.media_id,
            "media.enrolled_by": self.label.enrolled_by,
            "media.enrolled": self.label.enrolled,
            "media.volume": self.label.volume or "unavailable",
        }


@dataclass(frozen=True)
class MediaStatus:
    """One stick of this station's register, and whether it is plugged in now."""

    media_id: str
    enrolled_by: str
    fingerprint: str
    enrolled: str
    label_sha256: str
    state: str  # "present", "absent", or "altered" (found, but changed or on another volume)
    where: Path | None

    @property
    def short_id(self) -> str:
        """The first 8 hex digits, as printed in listings."""
        return self.media_id[:8]

    @property
    def present(self) -> bool:
        """Whether the stick was found with its label intact."""
        return self.state == "present"


# --------------------------------------------------------------------------- register


@dataclass(frozen=True)
class _Record:
    media_id: str
    label_sha256: str
    enrolled_by: str
    fingerprint: str
    enrolled: str


class _Register:
    """The media register (``HomeLayout.media_register``): the sticks this station enrolled."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, _Record]:
        try:
            doc = as_obj(loads(self.path.read_bytes()))
            records = {k: _Record(k, **as_obj(v)) for k, v in as_obj(doc["media"]).items()}
            if not all(isinstance(f, str) for r in records.values() for f in vars(r).values()):
                raise TypeError("field")  # an edited register fails closed, by its name
            return records
        except FileNotFoundError:
            return {}
        except (OSError, JsonError, ValueError, TypeError, KeyError) as exc:
            raise SecureExchangeError(
                "home.unreadable", path=self.path, error=type(exc).__name__
            ) from exc

    def save(self, records: dict[str, _Record]) -> None:
        entries = {
            r.media_id: {k: v for k, v in vars(r).items() if k != "media_id"}
            for r in records.values()
        }
        doc = {"format": _REGISTER_FORMAT, "media": entries}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"
        _fsio.atomic_write(self.path, data)


# --------------------------------------------------------------------------- enrolment


def _new_media_id() -> str:
    while True:
        candidate = secrets.token_hex(16)
        if not _DIGIT_RUN.search(candidate):
            return candidate


def _trusted_comment(media_id: str) -> str:
    return f"{FORMAT} media:{media_id}"


def _read_bounded(path: Path) -> bytes | None:
    """A label-sized file's bytes, ``None`` if absent; oversize counts as damaged."""
    try:
        with path.open("rb") as fh:
            data = fh.read(_MAX_LABEL_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError:
        return b""
    return data if len(data) <= _MAX_LABEL_BYTES else b""


def _shown(text: str) -> str:
    """A label's unit as shown in a message: printable, at most 60 characters, no long numbers."""
    clean = "".join(c for c in text if c.isprintable())[:60]
    return _DIGIT_RUN.sub(lambda m: "*" * len(m.group()), clean)


def _check_signer(station: Station, signer: UnlockedIdentity) -> None:
    public = signer.public
    if public.purpose not in SIGNING_PURPOSES or public.org != station.info.org:
        raise MediaError("media.key_not_allowed", name=public.name)
    try:
        stored = station.keyring.get(public.name)
    except SecureExchangeError:
        raise MediaError("media.key_not_allowed", name=public.name) from None
    if stored.fingerprint != public.fingerprint:
        raise MediaError("media.key_not_allowed", name=public.name)


def _existing_label(root: Path, org: str) -> str | None:
    """The media id of a label already on the stick (``"damaged"`` if unreadable).

    Raises:
        MediaOtherUnitError: the stick carries another unit's label.
    """
    data = _read_bounded(root / LABEL_NAME)
    if data is None:
        return None
    try:
        old = MediaLabel.from_bytes(data)
    except ValueError:
        return "damaged"
    if old.unit != org:
        raise MediaOtherUnitError("media.enroll_other_unit", path=root, unit=_shown(old.unit))
    return old.media_id


def _write_label(root: Path, label: MediaLabel, signer: UnlockedIdentity) -> bytes:
    """Write label and signature (each synced), read them back and verify; return the bytes."""
    data = label.to_bytes()
    signature = signer.signing_key.sign(
        data,
        trusted_comment=_trusted_comment(label.media_id),
        untrusted_comment=f"{FORMAT} label signed by {signer.public.key_id}",
    )
    _fsio.atomic_write(root / SIGNATURE_NAME, signature.encode("ascii"))
    _fsio.atomic_write(root / LABEL_NAME, data)
    back, back_sig = _read_bounded(root / LABEL_NAME), _read_bounded(root / SIGNATURE_NAME)
    if back != data or back_sig is None:
        raise MediaError("media.write_unverified", path=root)
    signer.public.verify_signature(back, back_sig.decode("ascii"))
    return data


def enroll_media(
    station: Station, path: Path, signer: UnlockedIdentity, *, now: datetime | None = None
) -> MediaLabel:
    """Mark the stick at ``path`` as this station's dedicated media (audited ``media.enrolled``).

    Re-enrolling a stick of this unit writes a fresh label with a new id; the old id is
    dropped from this station's register and named in the audit event.

    Raises:
        MediaOtherUnitError: the stick already carries another unit's label.
        MediaError: ``path`` is not a folder, or ``signer`` may not enrol media here.
    """
    info = station.info
    with station.audited("media.enrolled", actor=key_actor(signer.public)) as op:
        _check_signer(station, signer)
        if not path.is_dir():
            raise MediaError("media.not_a_folder", path=path)
        replaced = _existing_label(path, info.org)
        label = MediaLabel(
            media_id=_new_media_id(),
            unit=info.org,
            party=info.party,
            enrolled_by=signer.public.name,
            fingerprint=signer.public.fingerprint,
            key_id=signer.public.key_id,
            enrolled=utc_timestamp(now),
            volume=volume_id(path),
        )
        op.set_detail("media", label.media_id)
        if replaced is not None:
            op.set_detail("replaced", replaced)
        data = _write_label(path, label, signer)
        _record(station, label, data, replaced)
    return label


def _record(station: Station, label: MediaLabel, data: bytes, replaced: str | None) -> None:
    register = _Register(station.layout.media_register)
    records = register.load()
    if replaced is not None:
        records.pop(replaced, None)
    records[label.media_id] = _Record(
        label.media_id,
        hashlib.sha256(data).hexdigest(),
        label.enrolled_by,
        label.fingerprint,
        label.enrolled,
    )
    register.save(records)


def revoke_media(station: Station, wanted: str) -> str:
    """Drop a lost stick from the register (lifecycle-v1 §3.4): its label is refused from
    now on. ``wanted``: the media id or its first digits, as ``sx media list`` shows it."""
    register = _Register(station.layout.media_register)
    records = register.load()
    found = [m for m in records if len(wanted) >= 8 and m.startswith(wanted.lower())]
    if len(found) != 1:
        raise MediaNotRegisteredError("media.not_registered", id=_shown(wanted[:32]))
    records.pop(found[0])
    register.save(records)
    return found[0]


def default_enrolling_key(station: Station) -> str:
    """The station's only officer key; otherwise the user must name one with ``--as``."""
    keys = station.keyring.list()
    officers = [k.name for k in keys if k.purpose == "officer"]
    if len(officers) == 1:
        return officers[0]
    allowed = [k.name for k in keys if k.purpose in SIGNING_PURPOSES]
    if not allowed:
        raise MediaError("media.no_officer_key")
    raise MediaError("media.choose_key", names=", ".join(allowed))


def enroll(
    station: Station,
    path: Path,
    passphrase: PassphraseFn,
    *,
    key_name: str | None = None,
    now: datetime | None = None,
) -> MediaLabel:
    """Unlock ``key_name`` (default: the only officer key) and enrol the stick at ``path``."""
    name = key_name if key_name is not None else default_enrolling_key(station)
    public = station.keyring.get(name)
    if public.purpose not in SIGNING_PURPOSES:
        raise MediaError("media.key_not_allowed", name=name)
    signer = unlock(station, name, passphrase, "signing")
    return enroll_media(station, path, signer, now=now)


# --------------------------------------------------------------------------- checking


def _find_label_root(start: Path) -> Path | None:
    """Walk from ``start`` up to the stick's root (its mount point) looking for the label."""
    folder = Path(os.path.abspath(start))
    while True:
        if _is_file(folder / LABEL_NAME):
            return folder
        if folder.parent == folder or os.path.ismount(folder):
            return None
        folder = folder.parent


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _signer_key(station: Station, record: _Record, label: MediaLabel) -> PublicIdentity:
    try:
        key = station.keyring.get(record.enrolled_by)
    except SecureExchangeError:
        raise MediaForgedError("media.forged", id=label.short_id) from None
    if not (key.fingerprint == record.fingerprint == label.fingerprint):
        raise MediaForgedError("media.forged", id=label.short_id)
    return key


def check_target(station: Station, out_dir: Path) -> MediaCheck:
    """Check that ``out_dir`` lies on a stick this station enrolled, and say which one.

    Raises:
        MediaNotEnrolledError: no label at the stick's root.
        MediaForgedError: the label changed since enrolment, or its signature is bad.
        MediaOtherUnitError: the label belongs to another unit.
        MediaNotRegisteredError: this unit's label, but not enrolled at this station.
        MediaVolumeError: the label was enrolled on another volume (copied here).
    """
    org = station.info.org
    root = _find_label_root(out_dir)
    if root is None:
        raise MediaNotEnrolledError("media.no_label", path=out_dir)
    data = _read_bounded(root / LABEL_NAME) or b""
    try:
        label = MediaLabel.from_bytes(data)
    except ValueError:
        raise MediaForgedError("media.label_damaged", path=root) from None
    if label.unit != org:
        raise MediaOtherUnitError("media.other_unit", unit=_shown(label.unit), org=org)
    record = _Register(station.layout.media_register).load().get(label.media_id)
    if record is None:
        raise MediaNotRegisteredError("media.not_registered", id=label.short_id)
    if hashlib.sha256(data).hexdigest() != record.label_sha256:
        raise MediaForgedError("media.forged", id=label.short_id)
    _verify_signature(root, label, data, _signer_key(station, record, label))
    _check_volume(root, label)
    return MediaCheck(label.media_id, root, label)


def _check_volume(root: Path, label: MediaLabel) -> None:
    """A label that recorded its volume must be on that volume now (fail closed)."""
    if label.volume is None:
        return  # enrolled where the OS named no volume: the detail says "unavailable"
    found = volume_id(root)
    if found is None:
        raise MediaVolumeError("media.volume_unknown", id=label.short_id, volume=label.volume)
    if found != label.volume:
        raise MediaVolumeError(
            "media.volume_mismatch", id=label.short_id, volume=label.volume, found=found
        )


def check_media(station: Station, out_dir: Path, *, allow_unenrolled: bool) -> dict[str, str]:
    """Is ``out_dir`` on this unit's enrolled dedicated media? Logged either way.

    Returns the audit detail naming the stick; with ``allow_unenrolled``, a target that is
    not on enrolled media is allowed and the reason is named instead.
    """
    with station.audited("media.checked", detail={"allow_unenrolled": str(allow_unenrolled)}) as op:
        try:
            detail = check_target(station, out_dir).detail()
        except MediaError as exc:
            if not allow_unenrolled:
                raise
            detail = {"media": "unenrolled", "media.reason": str(getattr(exc, "reason", exc.key))}
        for key, value in detail.items():
            op.set_detail(key, value)
    return detail


def _verify_signature(root: Path, label: MediaLabel, data: bytes, key: PublicIdentity) -> None:
    sig = _read_bounded(root / SIGNATURE_NAME)
    try:
        text = (sig or b"").decode("ascii")
        comment = key.verify_signature(data, text)
    except (UnicodeDecodeError, SecureExchangeError):
        raise MediaForgedError("media.forged", id=label.short_id) from None
    if comment != _trusted_comment(label.media_id):
        raise MediaForgedError("media.forged", id=label.short_id)


# --------------------------------------------------------------------------- listing


def mount_roots(
    patterns: Sequence[str] = MOUNT_PATTERNS, *, windows: bool | None = None
) -> list[Path]:
    """Folders where a USB stick is usually mounted now (drive letters D:–Z: on Windows)."""
    found: list[Path] = []
    for pattern in patterns:
        found.extend(Path(p) for p in sorted(glob.glob(pattern)))
    if windows is None:
        windows = os.name == "nt"
    if windows:
        found.extend(Path(f"{letter}:\\") for letter in string.ascii_uppercase[3:])
    return found


def _labels_at(roots: Sequence[Path]) -> dict[str, tuple[Path, str]]:
    """media id → (root, label SHA-256) for every readable label at the given roots."""
    seen: dict[str, tuple[Path, str]] = {}
    for root in roots:
        data = _read_bounded(root / LABEL_NAME)
        if not data:
            continue
        try:
            label = MediaLabel.from_bytes(data)
        except ValueError:
            continue
        moved = label.volume is not None and volume_id(root) != label.volume
        digest = "" if moved else hashlib.sha256(data).hexdigest()  # a copy counts as altered
        seen.setdefault(label.media_id, (root, digest))
    return seen


def _status(record: _Record, seen: dict[str, tuple[Path, str]]) -> MediaStatus:
    where, digest = seen.get(record.media_id, (None, None))
    if where is None:
        state = "absent"
    else:
        state = "present" if digest == record.label_sha256 else "altered"
    return MediaStatus(
        record.media_id,
        record.enrolled_by,
        record.fingerprint,
        record.enrolled,
        record.label_sha256,
        state,
        where,
    )


def list_media(
    station: Station, *, roots: Sequence[Path] | None = None, extra_roots: Sequence[Path] = ()
) -> list[MediaStatus]:
    """This station's enrolled sticks, oldest first, each present or absent now (audited).

    Args:
        station: the station.
        roots: where to look for plugged-in sticks; default :func:`mount_roots`.
        extra_roots: more folders to look at (a stick mounted somewhere unusual).
    """
    register = _Register(station.layout.media_register)
    _ = station.info  # an uninitialised home is an error before anything is logged
    with station.audited("media.listed") as op:
        records = sorted(register.load().values(), key=lambda r: (r.enrolled, r.media_id))
        where = [*(mount_roots() if roots is None else roots), *extra_roots]
        seen = _labels_at(where)
        result = [_status(r, seen) for r in records]
        op.set_count("enrolled", len(result))
        op.set_count("present", sum(s.present for s in result))
    return result
