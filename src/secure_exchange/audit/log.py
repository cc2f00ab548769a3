"""The station's tamper-evident, fail-closed access log (``SX_HOME/audit/``).

Every touch of personal data is logged *before* it happens: ``AuditLog.operation`` makes
the ``begin`` event durable or refuses to start the work. Events hold only tokens, package
ids, counts, key names, actions, outcomes and message keys. The records form an RFC 6962
Merkle tree; signed checkpoints and the peer's cosignatures, carried across the USB stick
in witness bundles, make a rewritten or shortened log evident. Formats:
protocols/audit-log-v1.md and protocols/witnessing-v1.md.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from secure_exchange.audit import store
from secure_exchange.errors import (
    AgreementError,
    AuditError,
    IdentityError,
    LedgerError,
    MediaError,
    SecureExchangeError,
    VerificationError,
)
from secure_exchange.formats import merkle as _merkle
from secure_exchange.formats.note import (
    Checkpoint,
    Note,
    NoteError,
    NoteSigner,
    NoteVerifier,
    cosign,
    open_note,
    parse_note,
    sign_note,
    verify_cosignature,
)
from secure_exchange.i18n import t

__all__ = [
    "PHASES",
    "Actor",
    "AuditLog",
    "AuditUnavailableError",
    "AuditVerifyReport",
    "CheckpointCheck",
    "Event",
    "EventDraft",
    "NoteSigner",
    "NoteVerifier",
    "Operation",
    "Problem",
    "WitnessCheck",
    "WitnessError",
    "WitnessResult",
    "canonical_json",
    "check_no_personal_data",
    "read_events",
    "station_name",
    "to_ocsf",
]

PHASES = ("begin", "end", "event")
OUTCOMES = ("ok", "failed", "refused")
_ACTION = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
# Digits inside a longer letters-and-digits token (a hash, a package id) are not personal
# data; a run standing on its own, or among Chinese text, is.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
_MAX_TEXT = 256
_MAX_ITEMS = 32
_ORIGIN_PREFIX = "sx.audit/"


class AuditUnavailableError(AuditError):
    """The log cannot take the event, so the operation must not run (fail closed)."""


class WitnessError(AuditError):
    """A peer's witness bundle shows a fork, a rollback or a truncated log."""


# Errors that mean "the software said no" (outcome ``refused``) rather than "it broke".
_REFUSING = (
    VerificationError,
    AgreementError,
    IdentityError,
    MediaError,
    WitnessError,
    LedgerError,
)


def canonical_json(value: object) -> bytes:
    """Sorted keys, compact separators, UTF-8: the bytes that are hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check_no_personal_data(text: str) -> str:
    """Return ``text``; raise ``ValueError`` if it looks like an ID number or a mobile."""
    if _ID_NUMBER.search(text) or _MOBILE.search(text):
        raise ValueError("audit values must not hold an ID number or a phone number")
    return text


def _short_text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string")
    if len(value) > _MAX_TEXT:
        raise ValueError(f"{what} is longer than {_MAX_TEXT} characters")
    return check_no_personal_data(value)


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError("audit counts/detail keys are short ASCII names")
    return key


def _check_counts(counts: Mapping[str, int]) -> dict[str, int]:
    if len(counts) > _MAX_ITEMS:
        raise ValueError("too many counts")
    out = {}
    for key, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("audit counts are integers")
        out[_check_key(key)] = value
    return out


def _check_detail(detail: Mapping[str, str]) -> dict[str, str]:
    if len(detail) > _MAX_ITEMS:
        raise ValueError("too many detail entries")
    return {_check_key(k): _short_text(v, "a detail value") for k, v in detail.items()}


@dataclass(frozen=True)
class Actor:
    """Who acted: a key name and its fingerprint (never a person's real name)."""

    name: str
    fingerprint: str

    def __post_init__(self) -> None:
        _short_text(self.name, "actor name")
        _short_text(self.fingerprint, "actor fingerprint")

    def to_dict(self) -> dict[str, str]:
        """The JSON form."""
        return {"fingerprint": self.fingerprint, "name": self.name}


@dataclass(frozen=True)
class EventDraft:
    """An event before the log gives it a ``seq``, a ``time`` and the station."""

    action: str
    phase: str = "event"
    outcome: str | None = "ok"
    actor: Actor | None = None
    package: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    detail: Mapping[str, str] = field(default_factory=dict)
    op: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.action, str) or len(self.action) > 64:
            raise ValueError("invalid action name")
        if not _ACTION.fullmatch(self.action):
            raise ValueError("an action is a dotted lower-case name")
        if self.phase not in PHASES:
            raise ValueError("phase must be begin, end or event")
        if (self.outcome is None) != (self.phase == "begin"):
            raise ValueError("begin has no outcome; end and event have one")
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise ValueError("outcome must be ok, failed or refused")
        if self.package is not None:
            _short_text(self.package, "package id")
        object.__setattr__(self, "counts", _check_counts(self.counts))
        object.__setattr__(self, "detail", _check_detail(self.detail))


@dataclass(frozen=True)
class Event:
    """One log record as stored (see protocols/audit-log-v1.md §2)."""

    seq: int
    time: str
    station: str
    action: str
    phase: str
    outcome: str | None
    actor: Actor | None
    package: str | None
    counts: Mapping[str, int]
    detail: Mapping[str, str]
    op: int | None

    @classmethod
    def from_draft(cls, draft: EventDraft, seq: int, time: str, station: str) -> Event:
        """Give a checked draft its place in the log (a begin is its own ``op``)."""
        op = seq if draft.phase == "begin" else draft.op
        return cls(
            seq,
            time,
            station,
            draft.action,
            draft.phase,
            draft.outcome,
            draft.actor,
            draft.package,
            dict(draft.counts),
            dict(draft.detail),
            op,
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON object (canonical field set)."""
        return {
            "action": self.action,
            "actor": self.actor.to_dict() if self.actor else None,
            "counts": dict(self.counts),
            "detail": dict(self.detail),
            "op": self.op,
            "outcome": self.outcome,
            "package": self.package,
            "phase": self.phase,
            "seq": self.seq,
            "station": self.station,
            "time": self.time,
        }

    def to_json(self) -> bytes:
        """The canonical bytes that are stored and hashed."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, obj: Mapping[str, object]) -> Event:
        """Rebuild an event from its JSON object (ValueError/TypeError if malformed)."""
        actor = obj.get("actor")
        draft = EventDraft(
            action=str(obj["action"]),
            phase=str(obj["phase"]),
            outcome=None if obj.get("outcome") is None else str(obj["outcome"]),
            actor=Actor(str(actor["name"]), str(actor["fingerprint"]))
            if isinstance(actor, dict)
            else None,
            package=None if obj.get("package") is None else str(obj["package"]),
            counts=_mapping(obj.get("counts")),
            detail=_mapping(obj.get("detail")),
            op=_opt_int(obj.get("op")),
        )
        seq = obj["seq"]
        if not isinstance(seq, int):
            raise TypeError("seq must be an integer")
        return cls.from_draft(draft, seq, str(obj["time"]), str(obj["station"]))

    @property
    def when(self) -> datetime:
        """The event time as an aware UTC datetime."""
        return datetime.fromisoformat(self.time.replace("Z", "+00:00"))


def _mapping(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    return value


def _opt_int(value: object) -> int | None:
    if value is None or isinstance(value, int):
        return value
    raise TypeError("expected an integer or null")


def _format_time(now: datetime) -> str:
    now = now.astimezone(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def station_name(home: Path) -> str:
    """The station's name: ``org`` from ``station.json``, else the home folder's name."""
    try:
        record = json.loads((home / "station.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = None
    if isinstance(record, dict):
        for key in ("org", "role"):
            value = record.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return home.resolve().name or "station"


def _origin_for(station: str) -> str:
    return _ORIGIN_PREFIX + re.sub(r"[\s+\x00-\x1f]", "-", station)


def _os_error_key(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "audit.unavailable.disk_full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "audit.unavailable.read_only"
    return "audit.unavailable.write_failed"


def _unavailable(exc: OSError, home: Path) -> AuditUnavailableError:
    return AuditUnavailableError(_os_error_key(exc), path=home / "audit")


class Operation:
    """Handle yielded by ``AuditLog.operation``: set counts, detail, package, outcome."""

    def __init__(self, package: str | None, counts: Mapping[str, int], detail: Mapping[str, str]):
        self.package = package
        self.counts: dict[str, int] = _check_counts(counts)
        self.detail: dict[str, str] = _check_detail(detail)
        self.outcome = "ok"

    def set_count(self, name: str, value: int) -> None:
        """Set a count (checked now, so a bad value fails inside the operation)."""
        self.counts.update(_check_counts({name: value}))

    def add_count(self, name: str, value: int = 1) -> None:
        """Add to a count."""
        self.set_count(name, self.counts.get(name, 0) + value)

    def set_detail(self, name: str, value: str) -> None:
        """Set a detail entry (refuses ID-number- or phone-like values)."""
        self.detail.update(_check_detail({name: value}))

    def set_package(self, package: str) -> None:
        """Name the package the operation turned out to concern."""
        self.package = _short_text(package, "package id")

    def refuse(self, reason_key: str) -> None:
        """End with outcome ``refused`` (without raising), citing a message key."""
        self.outcome = "refused"
        self.set_detail("error", reason_key)


def _error_outcome(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, SecureExchangeError):
        return ("refused" if isinstance(exc, _REFUSING) else "failed"), exc.key
    if isinstance(exc, KeyboardInterrupt):
        return "failed", "audit.interrupted"
    return "failed", "internal.bug"


# --- verification results -----------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One finding: a message key, its parameters and, where known, the record's seq."""

    key: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    seq: int | None = None

    @property
    def message(self) -> str:
        """The translated sentence."""
        return t(self.key, **self.params)

    def to_dict(self) -> dict[str, object]:
        """JSON form: seq, problem (message key), message, and the parameters."""
        return {**self.params, "seq": self.seq, "problem": self.key, "message": self.message}


@dataclass(frozen=True)
class CheckpointCheck:
    """One of this station's signed checkpoints checked against the log."""

    file: str
    size: int
    root: str
    signers: tuple[str, ...]
    problem: Problem | None

    @property
    def ok(self) -> bool:
        """Whether it verifies and matches the log."""
        return self.problem is None


@dataclass(frozen=True)
class WitnessCheck:
    """One checkpoint of this log that a peer cosigned, checked against the log."""

    peer: str
    size: int
    root: str
    cosigned_at: int | None
    problem: Problem | None

    @property
    def ok(self) -> bool:
        """Whether the cosignature verifies and the log still has that tree head."""
        return self.problem is None


@dataclass(frozen=True)
class AuditVerifyReport:
    """Outcome of ``AuditLog.verify``; ``first_bad`` names the first bad record."""

    ok: bool
    size: int
    root: str
    first_bad: Problem | None
    torn_tail: Problem | None
    checkpoints: tuple[CheckpointCheck, ...]
    witnessed: tuple[WitnessCheck, ...]
    warnings: tuple[Problem, ...]

    def to_dict(self) -> dict[str, object]:
        """The ``sx audit verify --json`` document."""
        return {
            "ok": self.ok,
            "size": self.size,
            "root": self.root,
            "first_bad": self.first_bad.to_dict() if self.first_bad else None,
            "torn_tail": self.torn_tail.to_dict() if self.torn_tail else None,
            "checkpoints": [
                _check_dict(c.size, c.root, c.problem) | {"signers": list(c.signers)}
                for c in self.checkpoints
            ],
            "witnessed": [
                _check_dict(w.size, w.root, w.problem) | {"peer": w.peer} for w in self.witnessed
            ],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def _check_dict(size: int, root: str, problem: Problem | None) -> dict[str, object]:
    return {
        "size": size,
        "root": root,
        "ok": problem is None,
        "problem": problem.to_dict() if problem else None,
    }


@dataclass(frozen=True)
class WitnessResult:
    """What ``receive_witness_bundle`` accepted."""

    peer: str
    origin: str
    size: int
    root: str
    previous_size: int | None
    cosigned_size: int | None


# --- files under SX_HOME/audit ----------------------------------------------------------

_SAFE_PEER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _audit_dir(home: Path) -> Path:
    return home / "audit"


def _checkpoint_dir(home: Path) -> Path:
    return _audit_dir(home) / "checkpoints"


def _peer_dir(home: Path, peer: str) -> Path:
    if not peer or len(peer) > 128:
        raise ValueError("invalid peer name")
    if _SAFE_PEER.fullmatch(peer):
        return _audit_dir(home) / "witness" / peer
    name = "h-" + _merkle.leaf_hash(peer.encode()).hex()[:24]
    return _audit_dir(home) / "witness" / name


def _note_name(size: int) -> str:
    return f"{size:012d}.note"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _read_keys(path: Path) -> list[NoteVerifier]:
    try:
        lines = path.read_text(encoding="utf-8").split()
    except OSError:
        return []
    keys = []
    for line in lines:
        with contextlib.suppress(NoteError):
            keys.append(NoteVerifier.from_str(line))
    return keys


def _notes(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == ".note")
    except OSError:
        return []


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


# --- the log ----------------------------------------------------------------------------


class AuditLog:
    """An open, structurally verified access log of one station (use ``AuditLog.open``)."""

    def __init__(self, home: Path, result: store.ScanResult, clock: Callable[[], datetime]) -> None:
        self.home = home
        self.station = station_name(home)
        self.origin = _origin_for(self.station)
        self._path = _audit_dir(home) / store.LOG_NAME
        self._file = store.LogFile(self._path)
        self._tree = _merkle.MerkleTree(result.leaves)
        self._end = result.end
        self._last_start = result.last_start
        self._last_time = result.last_time
        self._clock = clock
        self._signature: tuple[int, ...] = ()  # the file as last verified or written

    def __repr__(self) -> str:
        return f"AuditLog({self.origin!r}, size={self.size})"

    @classmethod
    def open(cls, home: Path, *, clock: Callable[[], datetime] | None = None) -> AuditLog:
        """Open (creating if needed) the log of ``home``; refuse one that does not verify.

        Raises:
            AuditUnavailableError: the log cannot be created, is torn, or does not verify
                structurally or against its checkpoints (fail closed).
        """
        path = _audit_dir(home) / store.LOG_NAME
        try:
            if not path.exists():
                store.create_dirs(_audit_dir(home))
                store.LogFile.create(path)
            signature = _signature(os.stat(path))
        except OSError as exc:
            raise _unavailable(exc, home) from exc
        cached = _OPENED.pop(path.absolute(), None) if clock is None else None
        if cached is not None and cached._signature == signature and cached.home == home:
            log = cached  # unchanged since this process verified or wrote it
        else:
            result = store.scan(path)
            log = cls(home, result, clock or _utc_now)
            log._signature = signature
            problem = _structure_problem(result)
            if problem is not None:
                raise AuditUnavailableError(
                    "audit.unavailable.broken", path=path, problem=problem.message
                )
        problem = log._anchor_problem()
        if problem is not None:
            raise AuditUnavailableError(
                "audit.unavailable.broken", path=path, problem=problem.message
            )
        if clock is None:
            _OPENED[path.absolute()] = log
        return log

    @property
    def size(self) -> int:
        """Number of events."""
        return self._tree.size

    def root(self, size: int | None = None) -> bytes:
        """The RFC 6962 root hash of the first ``size`` events (all by default)."""
        return self._tree.root(size)

    # --- appending ---------------------------------------------------------------------

    def append(self, draft: EventDraft) -> Event:
        """Append one event durably (fsync) and return it."""
        return self.append_many([draft])[0]

    def append_many(self, drafts: Sequence[EventDraft]) -> list[Event]:
        """Append events with one write and one fsync.

        Raises:
            AuditUnavailableError: nothing was appended (full disk, read-only folder, or
                a log that changed under us and no longer verifies).
        """
        try:
            with self._file.locked() as fd:
                self._catch_up(fd)
                events, data = self._frame(drafts)
                end = store.LogFile.append(fd, data, self._end)
                self._advance(events, end - len(data), data)
                self._signature = _signature(os.fstat(fd))
        except OSError as exc:
            raise _unavailable(exc, self.home) from exc
        return events

    def _frame(self, drafts: Sequence[EventDraft]) -> tuple[list[Event], bytes]:
        now = _format_time(self._clock())
        events = [
            Event.from_draft(d, self.size + i, now, self.station) for i, d in enumerate(drafts)
        ]
        return events, b"".join(store.encode_record(e.to_json()) for e in events)

    def _advance(self, events: list[Event], start: int, data: bytes) -> None:
        for line in data.split(b"\n")[:-1]:
            self._tree.append(bytes.fromhex(line[:64].decode()))
            self._last_start = start
            start += len(line) + 1
        self._end = start
        if events:
            self._last_time = events[-1].time

    def _catch_up(self, fd: int) -> None:
        """Take in records other processes appended; refuse if the file was cut or edited."""
        file_size = os.fstat(fd).st_size
        if file_size < self._end or not self._last_record_intact(fd):
            raise AuditUnavailableError("audit.unavailable.changed", path=self._path)
        if file_size == self._end:
            return
        result = store.scan(
            self._path, start=self._end, first_index=self.size, last_time=self._last_time
        )
        if result.problem is not None or result.torn_offset is not None:
            raise AuditUnavailableError("audit.unavailable.changed", path=self._path)
        self._tree.extend(result.leaves)
        self._end, self._last_start, self._last_time = (
            result.end,
            result.last_start,
            result.last_time,
        )

    def _last_record_intact(self, fd: int) -> bool:
        if self.size == 0:
            return os.pread(fd, len(store.HEADER), 0) == store.HEADER
        line = os.pread(fd, self._end - self._last_start, self._last_start)
        return line.endswith(b"\n") and line[:64] == self._tree.leaf(self.size - 1).hex().encode()

    def record(
        self,
        action: str,
        *,
        actor: Actor | None,
        outcome: str = "ok",
        package: str | None = None,
        counts: Mapping[str, int] | None = None,
        detail: Mapping[str, str] | None = None,
    ) -> Event:
        """Append a one-shot event (phase ``event``)."""
        draft = EventDraft(action, "event", outcome, actor, package, counts or {}, detail or {})
        return self.append(draft)

    @contextlib.contextmanager
    def operation(
        self,
        action: str,
        *,
        actor: Actor | None,
        package: str | None = None,
        counts: Mapping[str, int] | None = None,
        detail: Mapping[str, str] | None = None,
    ) -> Iterator[Operation]:
        """Bracket an operation with durable ``begin`` and ``end`` events (fail closed).

        The ``begin`` event is fsynced before the body runs; if it cannot be written,
        ``AuditUnavailableError`` is raised and the body never starts. An exception in
        the body ends the operation as ``failed`` or ``refused`` with its message key,
        and is re-raised.
        """
        handle = Operation(package, counts or {}, detail or {})
        begin = self.append(
            EventDraft(action, "begin", None, actor, package, handle.counts, handle.detail)
        )
        try:
            yield handle
        except BaseException as exc:
            outcome, key = _error_outcome(exc)
            with contextlib.suppress(AuditError, ValueError):
                self._end_operation(begin, handle, outcome, {"error": key})
            raise
        self._end_operation(begin, handle, handle.outcome, {})

    def _end_operation(
        self, begin: Event, handle: Operation, outcome: str, extra: Mapping[str, str]
    ) -> None:
        draft = EventDraft(
            begin.action,
            "end",
            outcome,
            begin.actor,
            handle.package,
            handle.counts,
            {**handle.detail, **extra},
            begin.seq,
        )
        self.append(draft)

    # --- reading -----------------------------------------------------------------------

    def events(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        actor: str | None = None,
        action: str | None = None,
        package: str | None = None,
    ) -> list[Event]:
        """The events up to the current size, filtered (dates are local calendar days)."""
        out = []
        for event in _read_events(self._path, self.size):
            day = event.when.astimezone().date()
            if (since and day < since) or (until and day > until):
                continue
            if actor and (event.actor is None or event.actor.name != actor):
                continue
            if action and not (event.action == action or event.action.startswith(action + ".")):
                continue
            if package and event.package != package:
                continue
            out.append(event)
        return out

    # --- checkpoints -------------------------------------------------------------------

    def _anchor_problem(self) -> Problem | None:
        """Cheap check on open: every stored and witnessed tree head is still in the log."""
        heads = [(c.size, c.root_hash, "") for c in _stored_heads(_checkpoint_dir(self.home))]
        for folder in _peer_dirs(self.home):
            peer = str(_read_json(folder / "peer.json").get("peer", folder.name))
            heads += [(c.size, c.root_hash, peer) for c in _stored_heads(folder / "ours")]
        for size, root_b64, peer in sorted(heads):
            problem = _head_problem(self._tree, size, root_b64, peer)
            if problem is not None:
                return problem
        return None

    def _signed_checkpoint(self, signer: NoteSigner) -> tuple[Checkpoint, bytes]:
        """Sign the current tree head and store it under ``audit/checkpoints``."""
        head = Checkpoint(self.origin, self.size, self.root())
        text = head.text()
        signatures = parse_note(sign_note(text, [signer])).signatures
        folder = _checkpoint_dir(self.home)
        path = folder / _note_name(head.size)
        try:
            with contextlib.suppress(FileNotFoundError, NoteError):
                existing = parse_note(path.read_bytes())
                if existing.text == text:  # another signer of the same head: keep both
                    signatures = tuple(dict.fromkeys((*existing.signatures, *signatures)))
            note = Note(text, signatures).to_bytes()
            store.write_atomic(path, note)
            self._remember_key(folder / "keys.txt", NoteVerifier.from_signer(signer))
        except OSError as exc:
            raise _unavailable(exc, self.home) from exc
        return head, note

    @staticmethod
    def _remember_key(path: Path, verifier: NoteVerifier) -> None:
        keys = _read_keys(path)
        if verifier not in keys:
            text = "".join(f"{k}\n" for k in [*keys, verifier])
            store.write_atomic(path, text.encode())

    def checkpoint(self, signer: NoteSigner, *, actor: Actor | None = None) -> bytes:
        """Sign, store and log a checkpoint of the log as it is now; return the note."""
        head, note = self._signed_checkpoint(signer)
        self.record(
            "log.checkpoint",
            actor=actor or _signer_actor(signer),
            counts={"size": head.size},
            detail={"root": _b64(head.root_hash)},
        )
        return note

    # --- witnessing (protocols/witnessing-v1.md) ----------------------------------------

    def witness_bundle(self, signer: NoteSigner, peer: str) -> bytes:
        """Make the witness file for a package going to ``peer`` (witnessing-v1 §3).

        It holds a fresh signed checkpoint of this log, consistency proofs from every
        size the peer may hold, and this station's cosignature of the peer's newest
        checkpoint. ``signer`` must be the key the peer knows this station by.
        """
        folder = _peer_dir(self.home, peer)
        head, note = self._signed_checkpoint(signer)
        acked = max((c.size for c in _stored_heads(folder / "ours")), default=0)
        sent = {s for s in _read_json(folder / "sent.json").get("sizes", []) if isinstance(s, int)}
        starts = sorted(s for s in sent | {acked} if acked <= s < head.size and s > 0)
        proofs = [
            {"size": m, "proof": [_b64(h) for h in self._tree.consistency_proof(m, head.size)]}
            for m in starts
        ]
        cosigned = self._cosign_peer_head(folder, signer)
        bundle = (
            canonical_json(
                {
                    "format": _BUNDLE_FORMAT,
                    "checkpoint": note.decode(),
                    "proofs": proofs,
                    "cosigned": cosigned,
                }
            )
            + b"\n"
        )
        state = {"peer": peer, "sizes": sorted(s for s in sent | {head.size} if s >= acked)}
        try:
            store.write_atomic(folder / "sent.json", canonical_json(state))
        except OSError as exc:
            raise _unavailable(exc, self.home) from exc
        self.record(
            "witness.sent",
            actor=_signer_actor(signer),
            counts={"size": head.size, "proofs": len(proofs)},
            detail={"peer": peer},
        )
        return bundle

    def _cosign_peer_head(self, folder: Path, signer: NoteSigner) -> str | None:
        """This station's cosignature of the peer's newest checkpoint, as a note."""
        paths = _notes(folder / "theirs")
        if not paths:
            return None
        try:
            note = parse_note(paths[-1].read_bytes())
        except (OSError, NoteError):
            return None
        verifier = NoteVerifier.from_signer(signer)
        for sig in note.signatures:
            if verify_cosignature(note.text, sig, verifier) is not None:
                return Note(note.text, (sig,)).to_bytes().decode()
        sig = cosign(note.text, signer, int(self._clock().timestamp()))
        return Note(note.text, (sig,)).to_bytes().decode()

    def receive_witness_bundle(
        self,
        bundle: bytes,
        peer: str,
        peer_key: NoteVerifier,
        my_signer: NoteSigner | None = None,
    ) -> WitnessResult:
        """Check and keep a peer's witness file (witnessing-v1 §4); logs ``witness.received``.

        Raises:
            WitnessError: bad signature, or the peer's log forked, rolled back or was
                truncated since the last bundle, or it witnessed a log of ours that
                differs from ours.
            AuditUnavailableError: the log cannot record the receipt.
        """
        actor = _signer_actor(my_signer) if my_signer else None
        with self.operation("witness.received", actor=actor, detail={"peer": peer}) as op:
            result = self._accept_bundle(bundle, peer, peer_key, my_signer)
            op.set_count("size", result.size)
            if result.cosigned_size is not None:
                op.set_count("cosigned_size", result.cosigned_size)
        return result

    def _accept_bundle(
        self, bundle: bytes, peer: str, peer_key: NoteVerifier, my_signer: NoteSigner | None
    ) -> WitnessResult:
        fields = _parse_bundle(bundle)
        note_bytes = fields["checkpoint"].encode()
        try:
            note = open_note(note_bytes, [peer_key])
        except NoteError:
            raise WitnessError("audit.witness.bad_signature", peer=peer) from None
        head = _parse_head(note.text, peer)
        folder = _peer_dir(self.home, peer)
        pinned = _read_json(folder / "peer.json").get("origin")
        if pinned not in (None, head.origin) or head.origin == self.origin:
            raise WitnessError("audit.witness.origin_changed", peer=peer)
        previous = max(_stored_heads(folder / "theirs"), key=lambda c: c.size, default=None)
        _check_consistent(previous, head, fields["proofs"], peer)
        ours = self._check_cosigned(fields["cosigned"], peer, peer_key)
        if my_signer is not None:
            note = Note(
                note.text,
                (*note.signatures, cosign(note.text, my_signer, int(self._clock().timestamp()))),
            )
        self._store_witness(folder, peer, peer_key, head, note, ours)
        return WitnessResult(
            peer,
            head.origin,
            head.size,
            head.root_hash.hex(),
            previous.size if previous else None,
            ours[0].size if ours else None,
        )

    def _check_cosigned(
        self, text: str | None, peer: str, peer_key: NoteVerifier
    ) -> tuple[Checkpoint, bytes] | None:
        """Verify the peer's cosignature of one of our checkpoints (witnessing-v1 §4.5)."""
        if text is None:
            return None
        try:
            note = parse_note(text.encode())
        except NoteError:
            raise WitnessError("audit.witness.malformed", peer=peer) from None
        head = _parse_head(note.text, peer)
        if not any(verify_cosignature(note.text, s, peer_key) is not None for s in note.signatures):
            raise WitnessError("audit.witness.bad_cosignature", peer=peer)
        if head.origin != self.origin:
            raise WitnessError("audit.witness.not_ours", peer=peer)
        if head.size > self.size or self.root(head.size) != head.root_hash:
            raise WitnessError("audit.witness.ours_differs", peer=peer, size=head.size)
        return head, note.to_bytes()

    def _store_witness(
        self,
        folder: Path,
        peer: str,
        peer_key: NoteVerifier,
        head: Checkpoint,
        note: Note,
        ours: tuple[Checkpoint, bytes] | None,
    ) -> None:
        info = {"peer": peer, "origin": head.origin, "key": str(peer_key)}
        try:
            store.write_atomic(folder / "theirs" / _note_name(head.size), note.to_bytes())
            store.write_atomic(folder / "peer.json", canonical_json(info))
            if ours is not None:
                store.write_atomic(folder / "ours" / _note_name(ours[0].size), ours[1])
                sent = _read_json(folder / "sent.json").get("sizes", [])
                kept = [s for s in sent if isinstance(s, int) and s >= ours[0].size]
                state = canonical_json({"peer": peer, "sizes": kept})
                store.write_atomic(folder / "sent.json", state)
        except OSError as exc:
            raise _unavailable(exc, self.home) from exc

    # --- whole-log checks and maintenance ------------------------------------------------

    @staticmethod
    def verify(home: Path) -> AuditVerifyReport:
        """Check the log files of ``home`` without changing anything (audit-log-v1 §6).

        Checks every record's framing and leaf hash, contiguous ``seq``, times (warn
        only), every stored checkpoint (signature and root at its size) and every
        checkpoint a peer cosigned. ``first_bad`` names the first bad record.
        """
        return _verify(home)

    @classmethod
    def verify_and_record(
        cls, home: Path, *, actor: Actor | None = None, clock: Callable[[], datetime] | None = None
    ) -> AuditVerifyReport:
        """``verify``, then log ``log.verified`` when the log can still take events."""
        report = _verify(home)
        detail = {"error": report.first_bad.key} if report.first_bad else {}
        with contextlib.suppress(AuditError):
            cls.open(home, clock=clock).record(
                "log.verified",
                actor=actor,
                outcome="ok" if report.ok else "failed",
                counts={"size": report.size},
                detail=detail,
            )
        return report

    @classmethod
    def repair_torn_tail(
        cls, home: Path, *, actor: Actor | None, clock: Callable[[], datetime] | None = None
    ) -> int:
        """Cut a torn last record after a crash (compliance only); return bytes removed.

        The fragment is kept under ``audit/torn/`` and the repair is logged as
        ``log.repaired``. A log with any other fault is not repaired.
        """
        path = _audit_dir(home) / store.LOG_NAME
        result = store.scan(path)
        if result.problem is not None:
            raise AuditError("audit.repair.not_torn", seq=result.problem.index)
        if result.torn_offset is None:
            return 0
        keep = _audit_dir(home) / "torn" / f"{result.torn_offset:012d}.bin"
        try:
            _cut_tail(path, keep, result.torn_offset)
        except OSError as exc:
            raise _unavailable(exc, home) from exc
        log = cls.open(home, clock=clock)
        log.record(
            "log.repaired",
            actor=actor,
            counts={"torn_bytes": result.torn_bytes, "size": log.size},
            detail={"kept": f"torn/{keep.name}"},
        )
        return result.torn_bytes

    # --- show / export -------------------------------------------------------------------

    def read(
        self,
        *,
        actor: Actor | None = None,
        since: date | None = None,
        until: date | None = None,
        who: str | None = None,
        action: str | None = None,
        package: str | None = None,
    ) -> list[Event]:
        """Return filtered events; the reading itself is logged as ``log.read`` first."""
        filters = {
            k: str(v)
            for k, v in (
                ("since", since),
                ("until", until),
                ("actor", who),
                ("action", action),
                ("package", package),
            )
            if v
        }
        with self.operation("log.read", actor=actor, detail=filters) as op:
            found = self.events(since=since, until=until, actor=who, action=action, package=package)
            op.set_count("events", len(found))
        return found

    def export(self, out: Path, fmt: str, *, actor: Actor | None = None) -> int:
        """Write every event as JSON lines (``jsonl``) or OCSF events; logged first."""
        if fmt not in ("jsonl", "ocsf"):
            raise ValueError("format must be jsonl or ocsf")
        with self.operation("log.exported", actor=actor, detail={"format": fmt}) as op:
            events = self.events()
            convert = to_ocsf if fmt == "ocsf" else Event.to_dict
            data = b"".join(canonical_json(convert(e)) + b"\n" for e in events)
            try:
                store.write_atomic(out, data)
            except OSError as exc:
                raise AuditError("audit.export.write_failed", path=out) from exc
            op.set_count("events", len(events))
        return len(events)


_BUNDLE_FORMAT = "sx-witness/v1"
_MAX_BUNDLE = 1 << 20


def _signer_actor(signer: NoteSigner) -> Actor:
    verifier = NoteVerifier.from_signer(signer)
    return Actor(signer.name, "note:" + verifier.key_hash().hex())


def read_events(home: Path, limit: int) -> Iterator[Event]:
    """The first ``limit`` events of ``home``'s log, unchecked: call ``verify`` first.

    For compliance reading a log that no longer opens (the verified prefix).
    """
    return _read_events(_audit_dir(home) / store.LOG_NAME, limit)


def _read_events(path: Path, limit: int) -> Iterator[Event]:
    for index, payload in enumerate(store.iter_payloads(path)):
        if index >= limit:
            return
        try:
            yield Event.from_dict(json.loads(payload))
        except (ValueError, TypeError, KeyError):
            raise AuditError("audit.bad.event_json", seq=index) from None


# Per process, the log of each station as last opened: ``AuditLog.open`` hands it out again
# (skipping the full scan) only while the file's device, inode, size, modification and
# change times are exactly as this process last verified or wrote them; any other write,
# even one that keeps the size, changes the change time, which no one can set back.
_OPENED: dict[Path, AuditLog] = {}


def _signature(stat: os.stat_result) -> tuple[int, ...]:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _structure_problem(result: store.ScanResult) -> Problem | None:
    if result.problem is not None:
        index = result.problem.index
        return Problem(result.problem.key, {"seq": index, "offset": result.problem.offset}, index)
    if result.torn_offset is not None:
        params = {"offset": result.torn_offset, "bytes": result.torn_bytes, "size": result.size}
        return Problem("audit.bad.torn", params, result.size)
    return None


def _stored_heads(folder: Path) -> list[Checkpoint]:
    heads = []
    for path in _notes(folder):
        with contextlib.suppress(OSError, NoteError):
            heads.append(Checkpoint.parse(parse_note(path.read_bytes()).text))
    return heads


def _peer_dirs(home: Path) -> list[Path]:
    try:
        return sorted(p for p in (_audit_dir(home) / "witness").iterdir() if p.is_dir())
    except OSError:
        return []


def _head_problem(
    tree: _merkle.MerkleTree, size: int, root_hash: bytes, peer: str
) -> Problem | None:
    """Whether the log still has the tree head (size, root) a checkpoint recorded."""
    if size > tree.size:
        if peer:
            params: dict[str, str | int] = {"peer": peer, "size": size, "actual": tree.size}
            return Problem("audit.bad.shorter_than_witnessed", params, tree.size)
        return Problem("audit.bad.shorter", {"size": size, "actual": tree.size}, tree.size)
    if tree.root(size) != root_hash:
        return Problem("audit.bad.rewritten", {"first": 0, "last": size - 1, "size": size}, 0)
    return None


def _parse_bundle(bundle: bytes) -> dict[str, Any]:
    try:
        if len(bundle) > _MAX_BUNDLE:
            raise ValueError("too large")
        fields = json.loads(bundle)
        if not isinstance(fields, dict) or fields.get("format") != _BUNDLE_FORMAT:
            raise ValueError("not a witness bundle")
        if not isinstance(fields.get("checkpoint"), str):
            raise ValueError("no checkpoint")
        if not isinstance(fields.get("cosigned"), str | None):
            raise ValueError("bad cosigned")
        proofs = {}
        for item in fields.get("proofs", []):
            hashes = [base64.b64decode(h, validate=True) for h in item["proof"]]
            proofs[int(item["size"])] = hashes
    except (ValueError, TypeError, KeyError):
        raise WitnessError("audit.witness.malformed", peer="?") from None
    fields["proofs"] = proofs
    return fields


def _parse_head(text: str, peer: str) -> Checkpoint:
    try:
        head = Checkpoint.parse(text)
    except NoteError:
        raise WitnessError("audit.witness.malformed", peer=peer) from None
    if not head.origin.startswith(_ORIGIN_PREFIX):
        raise WitnessError("audit.witness.malformed", peer=peer)
    return head


def _check_consistent(
    previous: Checkpoint | None, head: Checkpoint, proofs: Mapping[int, list[bytes]], peer: str
) -> None:
    """Refuse a rollback, a fork or an unproven jump from the last head we kept."""
    if previous is None:
        return  # first contact: trust on first use (witnessing-v1 §4.3)
    params: dict[str, str | int] = {"peer": peer, "size": head.size, "seen": previous.size}
    if head.size < previous.size:
        raise WitnessError("audit.witness.rollback", **params)
    if head.size == previous.size:
        if head.root_hash != previous.root_hash:
            raise WitnessError("audit.witness.fork", **params)
        return
    proof = proofs.get(previous.size)
    if proof is None:
        raise WitnessError("audit.witness.no_proof", **params)
    if not _merkle.verify_consistency(
        previous.size, head.size, previous.root_hash, head.root_hash, proof
    ):
        raise WitnessError("audit.witness.fork", **params)


def _cut_tail(path: Path, keep: Path, offset: int) -> None:
    with path.open("r+b") as fh:
        fh.seek(offset)
        store.write_atomic(keep, fh.read())
        fh.truncate(offset)
        if offset == 0:
            fh.seek(0)
            fh.write(store.HEADER)
        fh.flush()
        os.fsync(fh.fileno())


# --- verify -----------------------------------------------------------------------------


def _verify(home: Path) -> AuditVerifyReport:
    path = _audit_dir(home) / store.LOG_NAME
    if not path.is_file():
        missing = Problem("audit.bad.missing", {"path": str(path)})
        return AuditVerifyReport(False, 0, _merkle.EMPTY_ROOT.hex(), missing, None, (), (), ())
    result = store.scan(path)
    tree = _merkle.MerkleTree(result.leaves)
    structure = _structure_problem(result)
    first_bad = structure if result.problem is not None else None
    torn = structure if result.problem is None else None
    limit = tree.size if result.problem is not None else None
    origin = _origin_for(station_name(home))
    checkpoints = _check_checkpoints(home, tree, origin, limit)
    witnessed = _check_witnessed(home, tree, origin, limit)
    if first_bad is None:
        first_bad = _first_head_problem(checkpoints, witnessed)
    warnings = tuple(Problem("audit.warn.time", {"seq": i}, i) for i in result.time_regressions)
    ok = (
        first_bad is None
        and torn is None
        and all(c.ok for c in checkpoints)
        and all(w.ok for w in witnessed)
    )
    return AuditVerifyReport(
        ok, tree.size, tree.root().hex(), first_bad, torn, checkpoints, witnessed, warnings
    )


def _beyond(limit: int | None, size: int) -> Problem | None:
    if limit is not None and size > limit:
        return Problem("audit.check.beyond_bad_record", {"size": size, "seq": limit}, limit)
    return None


def _check_checkpoints(
    home: Path, tree: _merkle.MerkleTree, origin: str, limit: int | None
) -> tuple[CheckpointCheck, ...]:
    folder = _checkpoint_dir(home)
    keys = _read_keys(folder / "keys.txt")
    checks = []
    for path in _notes(folder):
        try:
            note = open_note(path.read_bytes(), keys)
            head = Checkpoint.parse(note.text)
        except (OSError, NoteError) as exc:
            key = exc.key if isinstance(exc, NoteError) else "audit.check.unreadable"
            checks.append(CheckpointCheck(path.name, -1, "", (), Problem(key, {"file": path.name})))
            continue
        problem = _beyond(limit, head.size) or (
            Problem("audit.check.origin", {"origin": head.origin})
            if head.origin != origin
            else _head_problem(tree, head.size, head.root_hash, "")
        )
        signers = tuple(s.name for s in note.signatures)
        checks.append(CheckpointCheck(path.name, head.size, _b64(head.root_hash), signers, problem))
    return tuple(checks)


def _check_witnessed(
    home: Path, tree: _merkle.MerkleTree, origin: str, limit: int | None
) -> tuple[WitnessCheck, ...]:
    checks = []
    for folder in _peer_dirs(home):
        info = _read_json(folder / "peer.json")
        peer = str(info.get("peer", folder.name))
        try:
            key: NoteVerifier | None = NoteVerifier.from_str(str(info.get("key", "")))
        except NoteError:
            key = None
        checks += [
            _check_one_witnessed(p, peer, key, tree, origin, limit) for p in _notes(folder / "ours")
        ]
    return tuple(checks)


def _check_one_witnessed(
    path: Path,
    peer: str,
    key: NoteVerifier | None,
    tree: _merkle.MerkleTree,
    origin: str,
    limit: int | None,
) -> WitnessCheck:
    try:
        note = parse_note(path.read_bytes())
        head = Checkpoint.parse(note.text)
    except (OSError, NoteError):
        return WitnessCheck(
            peer, -1, "", None, Problem("audit.check.unreadable", {"file": path.name})
        )
    stamps = [verify_cosignature(note.text, s, key) for s in note.signatures] if key else []
    stamp = next((s for s in stamps if s is not None), None)
    problem = _beyond(limit, head.size)
    if problem is None and stamp is None:
        problem = Problem("audit.check.bad_cosignature", {"peer": peer, "size": head.size})
    if problem is None and head.origin != origin:
        problem = Problem("audit.check.origin", {"origin": head.origin})
    if problem is None:
        problem = _head_problem(tree, head.size, head.root_hash, peer)
    return WitnessCheck(peer, head.size, _b64(head.root_hash), stamp, problem)


def _first_head_problem(
    checkpoints: Sequence[CheckpointCheck], witnessed: Sequence[WitnessCheck]
) -> Problem | None:
    """Name the first bad record from the tree heads that no longer match.

    A rewritten record lies between the largest matching head below the first
    mismatching one and that head's size, so more checkpoints narrow it down.
    """
    heads = [(c.size, c.problem) for c in checkpoints] + [(w.size, w.problem) for w in witnessed]
    good = [size for size, problem in heads if problem is None]
    bad = sorted((size, p) for size, p in heads if p is not None and p.key == "audit.bad.rewritten")
    if bad:
        size = bad[0][0]
        first = max((g for g in good if g < size), default=0)
        params = {"first": first, "last": size - 1, "size": size}
        return Problem("audit.bad.rewritten", params, first)
    others = [p for _, p in heads if p is not None]
    shorter = [p for p in others if p.key.startswith("audit.bad.shorter")]
    found = shorter or others
    return found[0] if found else None


# --- OCSF export (protocols/audit-log-v1.md §8) -----------------------------------------

_OCSF_VERSION = "1.1.0"
_ENTITY_PREFIXES = ("key.", "agreement.", "media.", "init")
_ACTIVITY = {
    "created": 1,
    "enrolled": 1,
    "sealed": 1,
    "init": 1,
    "checkpoint": 1,
    "sent": 1,
    "read": 2,
    "verified": 2,
    "checked": 2,
    "opened": 2,
    "exported": 2,
    "scored": 2,
    "reidentified": 2,
    "inspected": 2,
    "signed": 3,
    "imported": 3,
    "received": 3,
    "repaired": 3,
    "deleted": 4,
    "revoked": 4,
}


def to_ocsf(event: Event) -> dict[str, object]:
    """Map an event to an OCSF 1.1 API Activity (6003) or Entity Management (3004) event."""
    entity = event.action.startswith(_ENTITY_PREFIXES)
    class_uid, category_uid = (3004, 3) if entity else (6003, 6)
    activity_id = _ACTIVITY.get(event.action.rsplit(".", 1)[-1], 99)
    status_id = {"ok": 1, "failed": 2, "refused": 2}.get(event.outcome or "", 0)
    out: dict[str, object] = {
        "class_uid": class_uid,
        "category_uid": category_uid,
        "activity_id": activity_id,
        "type_uid": class_uid * 100 + activity_id,
        "time": int(event.when.timestamp() * 1000),
        "severity_id": 1 if status_id != 2 else 3,
        "status_id": status_id,
        "status": {0: "Unknown", 1: "Success", 2: "Failure"}[status_id],
        "message": event.action,
        "metadata": {
            "version": _OCSF_VERSION,
            "product": {"name": "secure-exchange", "vendor_name": "secure-exchange"},
            "log_name": event.station,
            "sequence": event.seq,
            "uid": f"{event.station}#{event.seq}",
        },
        "actor": {"user": _ocsf_user(event.actor)},
        "api": {"operation": event.action},
        "unmapped": {
            "phase": event.phase,
            "outcome": event.outcome,
            "op": event.op,
            "package": event.package,
            "counts": dict(event.counts),
            "detail": dict(event.detail),
        },
    }
    if event.outcome in ("failed", "refused"):
        out["status_detail"] = event.detail.get("error", event.outcome)
    return out


def _ocsf_user(actor: Actor | None) -> dict[str, str]:
    if actor is None:
        return {"name": "station", "type": "System"}
    return {"name": actor.name, "uid": actor.fingerprint}
