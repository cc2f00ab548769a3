"""Verifying a log from its files (protocols/audit-log-v1.md §5–6, witnessing-v1 §5).

``verify_log`` changes nothing: it scans every record, checks every signed checkpoint and
every checkpoint a peer cosigned against the tree, and names the first bad record.
Findings are ``secure_exchange.errors.Problem`` values, rendered at the edge.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from secure_exchange.audit import store
from secure_exchange.errors import Problem, Where
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
    for folder in store.peer_dirs(home):
        peer = str(store.read_json(folder / "peer.json").get("peer", folder.name))
        heads += [(c.size, c.root_hash, peer) for c in store.stored_heads(folder / "ours")]
    for size, root_hash, peer in sorted(heads):
        problem = _head_problem(tree, size, root_hash, peer)
        if problem is not None:
            return problem
    return None


def verify_log(home: Path) -> AuditVerifyReport:
    """Check the log files of ``home`` without changing anything (§6)."""
    path = store.log_path(home)
    if not path.is_file():
        missing = Problem("audit.bad.missing", {"path": str(path)})
        return AuditVerifyReport(False, 0, EMPTY_ROOT.hex(), missing, None, (), (), ())
    result = store.scan(path)
    tree = MerkleTree(result.leaves)
    structure = structure_problem(result)
    first_bad = structure if result.problem is not None else None
    torn = structure if result.problem is None else None
    limit = tree.size if result.problem is not None else None
    origin = store.origin_for(store.station_name(home))
    checkpoints = _check_checkpoints(home, tree, origin, limit)
    witnessed = _check_witnessed(home, tree, origin, limit)
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
    )
    return AuditVerifyReport(
        ok, tree.size, tree.root().hex(), first_bad, torn, checkpoints, witnessed, warnings
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
    home: Path, tree: MerkleTree, origin: str, limit: int | None
) -> tuple[CheckpointCheck, ...]:
    folder = store.checkpoint_dir(home)
    keys = store.read_keys(folder / "keys.txt")
    checks = []
    for path in store.notes(folder):
        try:
            note = open_note(path.read_bytes(), keys)
            head = Checkpoint.parse(note.text)
        except OSError:
            checks.append(CheckpointCheck(path.name, -1, "", (), _unreadable(path)))
            continue
        except NoteError as exc:
            checks.append(CheckpointCheck(path.name, -1, "", (), _unreadable(path, exc)))
            continue
        problem = _head_mismatch(tree, head, origin, limit, "")
        signers = tuple(s.name for s in note.signatures)
        checks.append(CheckpointCheck(path.name, head.size, _b64(head.root_hash), signers, problem))
    return tuple(checks)


def _check_witnessed(
    home: Path, tree: MerkleTree, origin: str, limit: int | None
) -> tuple[WitnessCheck, ...]:
    checks = []
    for folder in store.peer_dirs(home):
        info = store.read_json(folder / "peer.json")
        peer = str(info.get("peer", folder.name))
        try:
            key: NoteVerifier | None = NoteVerifier.from_str(str(info.get("key", "")))
        except NoteError:
            key = None
        checks += [
            _check_one_witnessed(p, peer, key, tree, origin, limit)
            for p in store.notes(folder / "ours")
        ]
    return tuple(checks)


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
