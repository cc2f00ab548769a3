"""Verifying a log from its files (protocols/audit-log-v1.md §5–6 and 9, witnessing-v1 §5).

``verify_log`` changes nothing: it scans every record, checks every signed checkpoint and
every checkpoint a peer cosigned against the tree, with keys pinned outside ``audit/``
(``Anchors``), checks the station's replay register and sequence counter against the
events, and names the first bad record. Findings are ``secure_exchange.errors.Problem``
values, rendered at the edge.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from secure_exchange.audit import store
from secure_exchange.audit.anchors import Anchors, PeerKey, StationState
from secure_exchange.errors import Problem, Where
from secure_exchange.formats.canonjson import JsonError, as_obj, loads
from secure_exchange.formats.merkle import EMPTY_ROOT, MerkleTree
from secure_exchange.formats.note import (
    Checkpoint,
    Note,
    NoteError,
    NoteVerifier,
    open_note,
    parse_note,
    verify_cosignature,
)

__all__ = [
    "AuditVerifyReport",
    "CheckpointCheck",
    "WitnessCheck",
    "anchor_problem",
    "problem_dict",
    "state_problems",
    "structure_problem",
    "verify_log",
]


def problem_dict(problem: Problem) -> dict[str, object]:
    """JSON form: the parameters, ``seq``, ``problem`` (message key) and ``message``."""
    return {
        **problem.params,
        "seq": problem.where.seq,
        "problem": problem.key,
        "message": problem.message(),
    }


class _HeadCheck:
    """A signed tree head checked against the log."""

    problem: Problem | None

    @property
    def ok(self) -> bool:
        """Whether its signature verifies and the log still has that tree head."""
        return self.problem is None


@dataclass(frozen=True)
class CheckpointCheck(_HeadCheck):
    """One of this station's signed checkpoints checked against the log."""

    file: str
    size: int
    root: str
    signers: tuple[str, ...]
    problem: Problem | None


@dataclass(frozen=True)
class WitnessCheck(_HeadCheck):
    """One checkpoint of this log that a peer cosigned, checked against the log."""

    peer: str
    size: int
    root: str
    cosigned_at: int | None
    problem: Problem | None


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
    state: tuple[Problem, ...] = ()
    pinned: tuple[dict[str, str], ...] = ()

    def problems(self) -> list[Problem]:
        """Every finding once, the first bad record first (what the CLI shows)."""
        found = [p for p in (self.first_bad, self.torn_tail) if p is not None]
        heads = [c.problem for c in self.checkpoints] + [w.problem for w in self.witnessed]
        for problem in [*heads, *self.state]:
            if problem is not None and problem not in found:
                found.append(problem)
        return found

    def to_dict(self) -> dict[str, object]:
        """The ``sx audit verify --json`` document (§6)."""
        return {
            "ok": self.ok,
            "size": self.size,
            "root": self.root,
            "first_bad": problem_dict(self.first_bad) if self.first_bad else None,
            "torn_tail": problem_dict(self.torn_tail) if self.torn_tail else None,
            "checkpoints": [
                _check_dict(c.size, c.root, c.problem) | {"signers": list(c.signers)}
                for c in self.checkpoints
            ],
            "witnessed": [
                _check_dict(w.size, w.root, w.problem) | {"peer": w.peer} for w in self.witnessed
            ],
            "warnings": [problem_dict(w) for w in self.warnings],
            "state": [problem_dict(p) for p in self.state],
            "pinned_keys": list(self.pinned),
        }


def _check_dict(size: int, root: str, problem: Problem | None) -> dict[str, object]:
    return {
        "size": size,
        "root": root,
        "ok": problem is None,
        "problem": problem_dict(problem) if problem else None,
    }


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def structure_problem(result: store.ScanResult) -> Problem | None:
    """The scan's first structural fault, else its torn tail (§6 steps 1–3)."""
    if result.problem is not None:
        return result.problem
    if result.torn_offset is not None:
        params = {"offset": result.torn_offset, "bytes": result.torn_bytes, "size": result.size}
        return Problem("audit.bad.torn", params, Where(seq=result.size, offset=result.torn_offset))
    return None


def _head_problem(tree: MerkleTree, size: int, root_hash: bytes, peer: str) -> Problem | None:
    """Whether the log still has the tree head (size, root) a checkpoint recorded."""
    if size > tree.size:
        where = Where(seq=tree.size)
        if peer:
            params = {"peer": peer, "size": size, "actual": tree.size}
            return Problem("audit.bad.shorter_than_witnessed", params, where)
        return Problem("audit.bad.shorter", {"size": size, "actual": tree.size}, where)
    if tree.root(size) != root_hash:
        params = {"first": 0, "last": size - 1, "size": size}
        return Problem("audit.bad.rewritten", params, Where(seq=0))
    return None


def anchor_problem(home: Path, tree: MerkleTree) -> Problem | None:
    """Cheap check on open (§5): every stored and witnessed tree head is still in the log."""
    heads = [(c.size, c.root_hash, "") for c in store.stored_heads(store.checkpoint_dir(home))]
    for folder in [*store.peer_dirs(home), *store.peer_dirs(home, legacy=True)]:
        peer = _label(folder)
        heads += [(c.size, c.root_hash, peer) for c in store.stored_heads(folder / "ours")]
    for size, root_hash, peer in sorted(heads):
        problem = _head_problem(tree, size, root_hash, peer)
        if problem is not None:
            return problem
    return None


def _label(folder: Path) -> str:
    """The peer's name for messages: the organisation its folder was written for."""
    info = store.read_json(folder / "peer.json")
    name = info.get("org", info.get("peer"))
    return name if isinstance(name, str) and name else folder.name[:16]


def verify_log(home: Path, anchors: Anchors) -> AuditVerifyReport:
    """Check the log files of ``home`` against the pinned ``anchors``, changing nothing (§6)."""
    path = store.log_path(home)
    pinned = anchors.describe()
    if not path.is_file():
        missing = Problem("audit.bad.missing", {"path": str(path)})
        state = state_problems(home, 0, anchors)
        return AuditVerifyReport(
            False, 0, EMPTY_ROOT.hex(), missing, None, (), (), (), state, pinned
        )
    result = store.scan(path)
    tree = MerkleTree(result.leaves)
    structure = structure_problem(result)
    first_bad = structure if result.problem is not None else None
    torn = structure if result.problem is None else None
    limit = tree.size if result.problem is not None else None
    origin = store.origin_for(store.station_name(home))
    checkpoints = _check_checkpoints(home, tree, origin, limit, anchors.own)
    witnessed = _check_witnessed(home, tree, origin, limit, anchors)
    state = state_problems(home, result.end, anchors) if result.problem is None else ()
    if first_bad is None:
        first_bad = _first_head_problem(checkpoints, witnessed)
    warnings = tuple(
        Problem("audit.warn.time", {"seq": i}, Where(seq=i), "warning")
        for i in result.time_regressions
    )
    ok = (
        first_bad is None
        and torn is None
        and all(c.ok for c in checkpoints)
        and all(w.ok for w in witnessed)
        and not state
    )
    return AuditVerifyReport(
        ok,
        tree.size,
        tree.root().hex(),
        first_bad,
        torn,
        checkpoints,
        witnessed,
        warnings,
        state,
        pinned,
    )


def _beyond(limit: int | None, size: int) -> Problem | None:
    if limit is not None and size > limit:
        params = {"size": size, "seq": limit}
        return Problem("audit.check.beyond_bad_record", params, Where(seq=limit))
    return None


def _unreadable(path: Path, error: NoteError | None = None) -> Problem:
    """A checkpoint file that cannot be read, or whose note does not open (§6 step 5)."""
    if error is None:
        return Problem("audit.check.unreadable", {"file": path.name}, Where(file=path.name))
    return Problem(error.key, {**error.params, "file": path.name}, Where(file=path.name))


def _head_mismatch(
    tree: MerkleTree, head: Checkpoint, origin: str, limit: int | None, peer: str
) -> Problem | None:
    """A checkpoint of ours (signed here, or cosigned by ``peer``) against the tree."""
    if (beyond := _beyond(limit, head.size)) is not None:
        return beyond
    if head.origin != origin:
        return Problem("audit.check.origin", {"origin": head.origin})
    return _head_problem(tree, head.size, head.root_hash, peer)


def _check_checkpoints(
    home: Path, tree: MerkleTree, origin: str, limit: int | None, keys: Sequence[NoteVerifier]
) -> tuple[CheckpointCheck, ...]:
    """§6 step 5: each checkpoint must carry a signature by one of the pinned ``keys``."""
    checks = []
    for path in store.notes(store.checkpoint_dir(home)):
        try:
            data = path.read_bytes()
            note = open_note(data, keys) if keys else None
            head = Checkpoint.parse(note.text if note else parse_note(data).text)
        except OSError:
            checks.append(CheckpointCheck(path.name, -1, "", (), _unreadable(path)))
            continue
        except NoteError as exc:
            checks.append(CheckpointCheck(path.name, -1, "", (), _unreadable(path, exc)))
            continue
        if note is None:
            problem: Problem | None = Problem("audit.check.no_station_key", {"file": path.name})
            signers: tuple[str, ...] = ()
        else:
            problem = _head_mismatch(tree, head, origin, limit, "")
            signers = tuple(s.name for s in note.signatures)
        checks.append(CheckpointCheck(path.name, head.size, _b64(head.root_hash), signers, problem))
    return tuple(checks)


def _check_witnessed(
    home: Path, tree: MerkleTree, origin: str, limit: int | None, anchors: Anchors
) -> tuple[WitnessCheck, ...]:
    """§6 step 6: our checkpoints a peer cosigned, each with that peer's pinned key."""
    checks = []
    for folder in [*store.peer_dirs(home), *store.peer_dirs(home, legacy=True)]:
        peer = _pinned_peer(folder, anchors)
        label = peer.org if peer else _label(folder)
        checks += [
            _check_one_witnessed(p, label, peer.key if peer else None, tree, origin, limit)
            for p in store.notes(folder / "ours")
        ]
    return tuple(checks)


def _pinned_peer(folder: Path, anchors: Anchors) -> PeerKey | None:
    """The peer a witness folder belongs to, as a trusted agreement pins its key.

    A folder of this version is named after the peer; an older one's ``peer.json`` only
    selects among the pinned keys (witnessing-v1 §7). No key is ever taken from the file.
    """
    peer = anchors.peer(folder.name)
    if peer is not None:
        return peer
    named = store.read_json(folder / "peer.json").get("key")
    return next((p for p in anchors.peers if str(p.key) == named), None)


def _check_one_witnessed(
    path: Path,
    peer: str,
    key: NoteVerifier | None,
    tree: MerkleTree,
    origin: str,
    limit: int | None,
) -> WitnessCheck:
    try:
        note = parse_note(path.read_bytes())
        head = Checkpoint.parse(note.text)
    except (OSError, NoteError):
        return WitnessCheck(peer, -1, "", None, _unreadable(path))
    stamp = _cosigned_at(note, key)
    problem = _beyond(limit, head.size)
    if problem is None and key is None:
        problem = Problem("audit.check.unpinned_peer", {"peer": peer, "size": head.size})
    if problem is None and stamp is None:
        problem = Problem("audit.check.bad_cosignature", {"peer": peer, "size": head.size})
    if problem is None:
        problem = _head_mismatch(tree, head, origin, None, peer)
    return WitnessCheck(peer, head.size, _b64(head.root_hash), stamp, problem)


def _cosigned_at(note: Note, key: NoteVerifier | None) -> int | None:
    """The time of the first valid cosignature by ``key`` on ``note``, if any."""
    stamps = [verify_cosignature(note.text, s, key) for s in note.signatures] if key else []
    return next((s for s in stamps if s is not None), None)


def _first_head_problem(
    checkpoints: Sequence[CheckpointCheck], witnessed: Sequence[WitnessCheck]
) -> Problem | None:
    """Name the first bad record from the tree heads that no longer match (§6 step 5).

    A rewritten record lies between the largest matching head below the first
    mismatching one and that head's size, so more checkpoints narrow it down.
    """
    heads = [(c.size, c.problem) for c in checkpoints] + [(w.size, w.problem) for w in witnessed]
    good = [size for size, problem in heads if problem is None]
    bad = [size for size, p in heads if p is not None and p.key == "audit.bad.rewritten"]
    if bad:
        size = min(bad)
        first = max((g for g in good if g < size), default=0)
        params = {"first": first, "last": size - 1, "size": size}
        return Problem("audit.bad.rewritten", params, Where(seq=first))
    others = [p for _, p in heads if p is not None]
    shorter = [p for p in others if p.key.startswith("audit.bad.shorter")]
    found = shorter or others
    return found[0] if found else None


# --- the station's state against the log (§9) ------------------------------------------

# The events the cross-check reads; found with one regular-expression pass per block, so
# only these few records are parsed (quotes inside JSON strings are escaped: no false hit).
_STATE_EVENT = re.compile(
    rb'"action":"(?:package\.(?:imported|registered|sealed)|agreement\.(?:imported|registered)'
    rb'|statement\.(?:issued|received))"'
)
_BLOCK = 1 << 24
# An agreement's import, or the one-shot event written just before it is trusted.
_AGREEMENT_ACTIONS = ("agreement.imported", "agreement.registered")
# A signed statement issued here (logged before it is kept) or received and kept.
_STATEMENT_ACTIONS = ("statement.issued", "statement.received")


@dataclass
class _Logged:
    """What the log's events say was imported, sealed and trusted."""

    imports: set[str]
    seals: dict[str, int]
    agreements: set[str]
    statements: set[str]


def _logged(home: Path, end: int) -> _Logged:
    """The imports, seal operations and trusted agreements in the log's first ``end`` bytes
    (the records that verified)."""
    found = _Logged(set(), {}, set(), set())
    with contextlib.suppress(OSError), store.log_path(home).open("rb") as fh:
        carry, left = b"", end
        while left > 0 and (chunk := fh.read(min(_BLOCK, left))):
            left -= len(chunk)
            block = carry + chunk
            cut = block.rfind(b"\n") + 1
            _tally_block(found, block[:cut])
            carry = block[cut:]
    return found


def _tally_block(found: _Logged, block: bytes) -> None:
    last = -1
    for match in _STATE_EVENT.finditer(block):
        start = block.rfind(b"\n", 0, match.start()) + 1
        if start == last:
            continue
        last = start
        stop = block.find(b"\n", match.end())
        try:
            event = as_obj(loads(block[start + 65 : stop]))
        except (JsonError, TypeError):
            continue
        _tally(found, event)


def _tally(found: _Logged, event: dict[str, object]) -> None:
    action, phase, outcome = event.get("action"), event.get("phase"), event.get("outcome")
    detail = event.get("detail")
    detail = detail if isinstance(detail, dict) else {}
    package = event.get("package")
    if action in ("package.imported", "package.registered") and outcome == "ok" and package:
        found.imports.add(str(package))
    elif action == "package.sealed" and phase == "begin":
        for name in {detail.get("agreement_sha256"), detail.get("agreement")} - {None}:
            found.seals[str(name)] = found.seals.get(str(name), 0) + 1
    elif action in _AGREEMENT_ACTIONS and outcome == "ok" and "sha256" in detail:
        found.agreements.add(str(detail["sha256"]))
    elif action in _STATEMENT_ACTIONS and outcome == "ok" and "statement.digest" in detail:
        found.statements.add(str(detail["statement.digest"]))


def logged_statements(home: Path) -> frozenset[str]:
    """SHA-256 of every signed statement the access log at ``home`` says was issued or
    received there (whole records only; an unreadable log gives none: its own check says
    so)."""
    try:
        size = store.log_path(home).stat().st_size
    except OSError:
        return frozenset()
    return frozenset(_logged(home, size).statements)


def state_problems(home: Path, end: int, anchors: Anchors) -> tuple[Problem, ...]:
    """§9: the replay register, the sequence counter and the trust store against the log.

    Every package in the replay register has its import in the log; every agreement the
    sequence counter handed out ``n`` numbers under has at least ``n`` seal operations;
    every trusted agreement has its import; every signed statement the log says was
    issued or received here is still held (a deleted revocation would otherwise end a
    refusal unseen). A cut or a fresh log shows here even when the checkpoints were deleted
    with it.
    """
    state = StationState.from_home(home)
    problems = [Problem("audit.state.unreadable", {"file": f}) for f in state.unreadable]
    logged = _logged(home, end)
    missing = sorted(state.imported - logged.imports)
    if missing:
        params = {"count": len(missing), "package": missing[0]}
        problems.append(Problem("audit.state.unlogged_import", params))
    for sha, count in sorted(state.sequences.items()):
        number = anchors.agreements.get(sha, sha[:16])
        seals = max(logged.seals.get(sha, 0), logged.seals.get(number, 0))
        if seals < count:
            params = {"number": number, "count": count, "logged": seals}
            problems.append(Problem("audit.state.unlogged_sequence", params))
    for sha, number in sorted(anchors.agreements.items()):
        if sha[:16] not in logged.agreements:
            problems.append(Problem("audit.state.unlogged_agreement", {"number": number}))
    gone = sorted(
        d for d in logged.statements if not any(s.startswith(d) for s in state.statements)
    )
    if gone:
        params = {"count": len(gone), "statement": gone[0][:16]}
        problems.append(Problem("audit.state.missing_statement", params))
    return tuple(problems)
