"""The station's tamper-evident, fail-closed access log (``SX_HOME/audit/``).

Every touch of personal data is logged *before* it happens: ``AuditLog.operation`` makes
the ``begin`` event durable or refuses to start the work. The records form an RFC 6962
Merkle tree; signed checkpoints and the peer's cosignatures, carried across the USB stick
in witness bundles, make a rewritten or shortened log evident. Formats:
protocols/audit-log-v1.md and protocols/witnessing-v1.md.
"""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from secure_exchange.audit import store
from secure_exchange.audit.anchors import Anchors, PeerKey, prior_use
from secure_exchange.audit.errors import (
    AuditUnavailableError,
    CheckpointError,
    unavailable,
)
from secure_exchange.audit.events import (
    Actor,
    Event,
    EventDraft,
    Operation,
    error_outcome,
    format_time,
)
from secure_exchange.audit.export import check_format, encode_events, write_export
from secure_exchange.audit.verify import (
    AuditVerifyReport,
    anchor_problem,
    structure_problem,
    verify_log,
)
from secure_exchange.audit.witness import Witness, WitnessResult, migrate_legacy
from secure_exchange.errors import AuditError, SecureExchangeError
from secure_exchange.formats.canonjson import canonical_json
from secure_exchange.formats.merkle import MerkleTree
from secure_exchange.formats.note import (
    Checkpoint,
    Note,
    NoteError,
    NoteSigner,
    NoteVerifier,
    parse_note,
    sign_note,
)

__all__ = ["AuditLog"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _signer_actor(signer: NoteSigner) -> Actor:
    verifier = NoteVerifier.from_signer(signer)
    return Actor(signer.name, "note:" + verifier.key_hash().hex())


class AuditLog:
    """An open, structurally verified access log of one station (use ``AuditLog.open``)."""

    def __init__(self, home: Path, result: store.ScanResult, clock: Callable[[], datetime]) -> None:
        self.home = home
        self.station = store.station_name(home)
        self.origin = store.origin_for(self.station)
        self._path = store.log_path(home)
        self._file = store.LogFile(self._path)
        self._tree = MerkleTree(result.leaves)
        self._end = result.end
        self._last_start = result.last_start
        self._last_time = result.last_time
        self._clock = clock

    def __repr__(self) -> str:
        return f"AuditLog({self.origin!r}, size={self.size})"

    @classmethod
    def open(cls, home: Path, *, clock: Callable[[], datetime] | None = None) -> AuditLog:
        """Open (creating if needed) the log of ``home``; refuse one that does not verify.

        Scans the whole file and checks the stored and witnessed tree heads (§5); keep
        the returned log for the rest of the command rather than opening it again. A
        missing log is started only where nothing shows the station kept one before.

        Raises:
            AuditUnavailableError: the log cannot be created, is missing where the station
                had one, is torn, or does not verify structurally or against its
                checkpoints (fail closed).
        """
        path = store.log_path(home)
        clock = clock or _utc_now
        if not path.exists():
            cls._start(home, path)
        result = store.scan(path)
        log = cls(home, result, clock)
        log._keep_marker()
        migrate_legacy(home)
        problem = structure_problem(result)
        if problem is None:
            problem = anchor_problem(home, log._tree)
        if problem is not None:
            raise AuditUnavailableError(
                "audit.unavailable.broken", path=path, problem=problem.message()
            )
        return log

    @staticmethod
    def _start(home: Path, path: Path) -> None:
        """Create the log, unless the station shows it had one (then fail closed, §5)."""
        evidence = prior_use(home)
        if evidence is not None:
            raise AuditUnavailableError("audit.unavailable.log_missing", path=path, file=evidence)
        try:
            store.create_dirs(store.audit_dir(home))
            store.LogFile.create(path)
            store.write_file(store.marker_path(home), _marker(home))
        except (OSError, SecureExchangeError) as exc:
            raise unavailable(exc, home) from exc

    def _keep_marker(self) -> None:
        """Leave the log marker beside a log started by an older version (best effort)."""
        marker = store.marker_path(self.home)
        if not marker.exists():
            with contextlib.suppress(OSError, SecureExchangeError):
                store.write_file(marker, _marker(self.home))

    @property
    def size(self) -> int:
        """Number of events."""
        return self._tree.size

    def root(self, size: int | None = None) -> bytes:
        """The RFC 6962 root hash of the first ``size`` events (all by default)."""
        return self._tree.root(size)

    # --- appending (§3) ------------------------------------------------------------------

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
        except OSError as exc:
            raise unavailable(exc, self.home) from exc
        return events

    def _frame(self, drafts: Sequence[EventDraft]) -> tuple[list[Event], bytes]:
        now = format_time(self._clock())
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
        the body ends the operation with the error's ``outcome`` (``failed`` or
        ``refused``) and its message key, and is re-raised.
        """
        handle = Operation(package, counts or {}, detail or {})
        begin = self.append(
            EventDraft(action, "begin", None, actor, package, handle.counts, handle.detail)
        )
        try:
            yield handle
        except BaseException as exc:
            outcome, key = error_outcome(exc)
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

    # --- reading (§7) --------------------------------------------------------------------

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
        for event in store.read_events(self.home, self.size):
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

    def export(
        self,
        out: Path,
        fmt: str,
        *,
        actor: Actor | None = None,
        headers: Sequence[str] | None = None,
    ) -> int:
        """Write every event as JSON lines (``jsonl``), OCSF events, or a ``csv``/``xlsx``
        table (``headers``: the xlsx column names); logged first (§8)."""
        check_format(fmt)
        with self.operation("log.exported", actor=actor, detail={"format": fmt}) as op:
            events = self.events()
            write_export(out, encode_events(events, fmt, headers=headers))
            op.set_count("events", len(events))
        return len(events)

    # --- checkpoints (§4) ----------------------------------------------------------------

    def _signed_checkpoint(self, signer: NoteSigner) -> tuple[Checkpoint, bytes]:
        """Sign the current tree head and store it under ``audit/checkpoints``."""
        head = Checkpoint(self.origin, self.size, self.root())
        text = head.text()
        try:
            signatures = parse_note(sign_note(text, [signer])).signatures
        except NoteError as exc:
            raise CheckpointError.wrapping(exc) from exc
        folder = store.checkpoint_dir(self.home)
        path = folder / store.note_name(head.size)
        try:
            with contextlib.suppress(FileNotFoundError, NoteError):
                existing = parse_note(path.read_bytes())
                if existing.text == text:  # another signer of the same head: keep both
                    signatures = tuple(dict.fromkeys((*existing.signatures, *signatures)))
            note = Note(text, signatures).to_bytes()
            store.write_file(path, note)
        except (OSError, SecureExchangeError) as exc:
            raise unavailable(exc, self.home) from exc
        return head, note

    def checkpoint(self, signer: NoteSigner, *, actor: Actor | None = None) -> bytes:
        """Sign, store and log a checkpoint of the log as it is now; return the note."""
        head, note = self._signed_checkpoint(signer)
        self.record(
            "log.checkpoint",
            actor=actor or _signer_actor(signer),
            counts={"size": head.size},
            detail={"root": base64.b64encode(head.root_hash).decode()},
        )
        return note

    # --- witnessing (protocols/witnessing-v1.md) -----------------------------------------

    def _witness(self) -> Witness:
        return Witness(self.home, self.origin, self._tree, self._clock)

    def witness_bundle(self, signer: NoteSigner, peer: PeerKey) -> bytes:
        """Make the witness file for a package going to ``peer`` (witnessing-v1 §3).

        It holds a fresh signed checkpoint of this log, consistency proofs from every
        size the peer may hold, and this station's cosignature of the peer's newest
        checkpoint. ``signer`` must be this station's seal key that the agreement names:
        the key the peer checks the checkpoint with, and ``verify`` checks it with here.
        """
        head, note = self._signed_checkpoint(signer)
        bundle, proofs = self._witness().bundle(peer, note, head, signer)
        self.record(
            "witness.sent",
            actor=_signer_actor(signer),
            counts={"size": head.size, "proofs": proofs},
            detail=_peer_detail(peer),
        )
        return bundle

    def knows_peer(self, peer: PeerKey) -> bool:
        """Whether this station kept a checkpoint of ``peer``'s log before (witnessing-v1 §4)."""
        return self._witness().knows(peer)

    def receive_witness_bundle(
        self,
        bundle: bytes,
        peer: PeerKey,
        my_signer: NoteSigner | None = None,
        *,
        package: str | None = None,
    ) -> WitnessResult:
        """Check and keep a peer's witness file (witnessing-v1 §4); logs ``witness.received``.

        ``peer`` is the sender as the agreement pins it: the checkpoint must verify with
        its seal key, and its log must extend the one kept for that key.

        Raises:
            WitnessError: bad signature, a log origin other than the one pinned for the
                peer, or the peer's log forked, rolled back or was truncated since the
                last bundle, or it witnessed a log of ours that differs from ours.
            AuditUnavailableError: the log cannot record the receipt.
        """
        actor = _signer_actor(my_signer) if my_signer else None
        detail = _peer_detail(peer)
        with self.operation("witness.received", actor=actor, package=package, detail=detail) as op:
            result = self._witness().accept(bundle, peer, my_signer)
            op.set_count("size", result.size)
            if result.cosigned_size is not None:
                op.set_count("cosigned_size", result.cosigned_size)
        return result

    # --- whole-log checks and maintenance (§3, §6) ---------------------------------------

    @staticmethod
    def verify(home: Path, anchors: Anchors | None = None) -> AuditVerifyReport:
        """Check the log files of ``home`` without changing anything (audit-log-v1 §6).

        Checks every record's framing and leaf hash, contiguous ``seq``, times (warn
        only), every stored checkpoint (signature by a pinned key, root at its size),
        every checkpoint a peer cosigned (the peer's pinned key), and the station's state
        against the log. ``anchors``: the pinned keys, by default read from ``home``'s
        keyring cards and trusted agreements (never from files under ``audit/``).
        ``first_bad`` names the first bad record.
        """
        return verify_log(home, anchors if anchors is not None else Anchors.from_home(home))

    @classmethod
    def verify_and_record(
        cls,
        home: Path,
        *,
        actor: Actor | None = None,
        clock: Callable[[], datetime] | None = None,
        anchors: Anchors | None = None,
        copy: Path | None = None,
    ) -> AuditVerifyReport:
        """``verify``, then log ``log.verified`` when the log can still take events.

        ``copy``: verify that station folder instead (``sx audit verify --home``, a copy
        brought to compliance) with the keys pinned by its own cards and agreements, and
        log the verification in ``home``'s log; the copy is not written to.
        """
        report = cls.verify(copy if copy is not None else home, anchors)
        problems = report.problems()
        detail = {"error": problems[0].key} if problems else {}
        if copy is not None:
            detail["folder"] = copy.name
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
        path = store.log_path(home)
        result = store.scan(path)
        if result.problem is not None:
            raise AuditError("audit.repair.not_torn", seq=result.problem.where.seq)
        if result.torn_offset is None:
            return 0
        keep = store.audit_dir(home) / "torn" / f"{result.torn_offset:012d}.bin"
        try:
            _cut_tail(path, keep, result.torn_offset)
        except (OSError, SecureExchangeError) as exc:
            raise unavailable(exc, home) from exc
        log = cls.open(home, clock=clock)
        log.record(
            "log.repaired",
            actor=actor,
            counts={"torn_bytes": result.torn_bytes, "size": log.size},
            detail={"kept": f"torn/{keep.name}"},
        )
        return result.torn_bytes


def _peer_detail(peer: PeerKey) -> dict[str, str]:
    return {"peer": peer.org, "agreement": peer.number, "party": peer.party}


def _marker(home: Path) -> bytes:
    """The log marker: this station started an access log (audit-log-v1 §5)."""
    fields = {
        "format": "sx-audit-marker/v1",
        "origin": store.origin_for(store.station_name(home)),
        "started": format_time(_utc_now()),
    }
    return canonical_json(fields) + b"\n"


def _cut_tail(path: Path, keep: Path, offset: int) -> None:
    with path.open("r+b") as fh:
        fh.seek(offset)
        store.write_file(keep, fh.read())
        fh.truncate(offset)
        if offset == 0:
            fh.seek(0)
            fh.write(store.HEADER)
        fh.flush()
        os.fsync(fh.fileno())
