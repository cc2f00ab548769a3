"""Witnessing over the USB stick: make, receive and check bundles (protocols/witnessing-v1.md).

A bundle carries a fresh signed checkpoint of the sender's log, consistency proofs from
every size the peer may hold, and the sender's cosignature of the peer's newest
checkpoint. The receiver refuses a fork, a rollback or an unproven jump, and keeps the
peer's cosignature of its own log, so cutting records the peer saw is caught. Peers are
known by the agreement's pinned seal key (``PeerKey``), never by a station name.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from secure_exchange.audit import store
from secure_exchange.audit.anchors import Anchors, PeerKey
from secure_exchange.audit.errors import WitnessError, unavailable
from secure_exchange.errors import SecureExchangeError
from secure_exchange.formats.canonjson import JsonError, as_list, as_obj, canonical_json, loads
from secure_exchange.formats.merkle import MerkleTree, verify_consistency
from secure_exchange.formats.note import (
    Checkpoint,
    Note,
    NoteError,
    NoteSigner,
    NoteVerifier,
    cosign,
    open_note,
    parse_note,
    verify_cosignature,
)

__all__ = ["BUNDLE_FORMAT", "Witness", "WitnessResult", "check_consistent", "migrate_legacy"]

BUNDLE_FORMAT = "sx-witness/v1"
_MAX_BUNDLE = 1 << 20


@dataclass(frozen=True)
class WitnessResult:
    """What ``receive_witness_bundle`` accepted."""

    peer: str
    origin: str
    size: int
    root: str
    previous_size: int | None
    cosigned_size: int | None


@dataclass(frozen=True)
class Witness:
    """This station's side of witnessing: its home, its log's origin and tree, its clock.

    State is kept per peer as the trust root names it (``PeerKey``: agreement, party, seal
    key), in ``audit/witness/<PeerKey.folder>/``; the same seal key under other agreements
    (sibling folders) is the same peer's log, so its heads count there too.
    """

    home: Path
    origin: str
    tree: MerkleTree
    clock: Callable[[], datetime]

    def _now(self) -> int:
        return int(self.clock().timestamp())

    def _write(self, path: Path, data: bytes) -> None:
        try:
            store.write_file(path, data)
        except SecureExchangeError as exc:
            raise unavailable(exc, self.home) from exc

    def _siblings(self, peer: PeerKey) -> list[Path]:
        """This peer's folders under every agreement (its own first)."""
        own = store.peer_dir(self.home, peer.folder)
        others = [
            p for p in store.peer_dirs(self.home) if p.name.endswith(peer.same_key) and p != own
        ]
        return [own, *others]

    def knows(self, peer: PeerKey) -> bool:
        """Whether a checkpoint of this peer's log was ever kept (under any agreement)."""
        return any(store.notes(folder / "theirs") for folder in self._siblings(peer))

    # --- sending (§3) --------------------------------------------------------------------

    def bundle(
        self, peer: PeerKey, note: bytes, head: Checkpoint, signer: NoteSigner
    ) -> tuple[bytes, int]:
        """The bundle for ``peer`` around our signed ``note`` of ``head``; and its proof count.

        Records the sizes sent in ``sent.json`` (§3 step 4).
        """
        folders = self._siblings(peer)
        acked = max((c.size for f in folders for c in store.stored_heads(f / "ours")), default=0)
        mine = _sent_sizes(folders[0])
        sent = mine.union(*(_sent_sizes(f) for f in folders[1:]))
        starts = sorted(s for s in sent | {acked} if acked <= s < head.size and s > 0)
        proofs = [
            {"size": m, "proof": [_b64(h) for h in self.tree.consistency_proof(m, head.size)]}
            for m in starts
        ]
        fields = {
            "format": BUNDLE_FORMAT,
            "checkpoint": note.decode(),
            "proofs": proofs,
            "cosigned": self._cosign_peer_head(folders, signer),
        }
        state = {"sizes": sorted(s for s in mine | {head.size} if s >= acked)}
        self._write(folders[0] / "sent.json", canonical_json(_describe(peer) | state))
        return canonical_json(fields) + b"\n", len(proofs)

    def _cosign_peer_head(self, folders: list[Path], signer: NoteSigner) -> str | None:
        """This station's cosignature of the peer's newest checkpoint, as a note."""
        paths = [p for f in folders for p in store.notes(f / "theirs")]
        if not paths:
            return None
        try:
            notes = [parse_note(p.read_bytes()) for p in paths]
            note = max(notes, key=lambda n: Checkpoint.parse(n.text).size)
        except (OSError, NoteError):
            return None
        verifier = NoteVerifier.from_signer(signer)
        for sig in note.signatures:
            if verify_cosignature(note.text, sig, verifier) is not None:
                return Note(note.text, (sig,)).to_bytes().decode()
        sig = cosign(note.text, signer, self._now())
        return Note(note.text, (sig,)).to_bytes().decode()

    # --- receiving (§4) ------------------------------------------------------------------

    def accept(self, bundle: bytes, peer: PeerKey, my_signer: NoteSigner | None) -> WitnessResult:
        """Check a peer's bundle (§4 steps 1–4) and keep it (step 5).

        Raises:
            WitnessError: the bundle does not verify, or shows a fork or a rollback, or
                a log origin other than the one pinned for this peer's seal key.
            AuditUnavailableError: it cannot be stored.
        """
        label = peer.org
        fields = _parse_bundle(bundle)
        try:
            note = open_note(fields["checkpoint"].encode(), [peer.key])
        except NoteError as exc:
            raise WitnessError("audit.witness.bad_signature", peer=label) from exc
        head = _parse_head(note.text, label)
        folders = self._siblings(peer)
        pinned = {_pinned_origin(f) for f in folders} - {None}
        if pinned - {head.origin} or head.origin == self.origin:
            raise WitnessError("audit.witness.origin_changed", peer=label)
        heads = [c for f in folders for c in store.stored_heads(f / "theirs")]
        previous = max(heads, key=lambda c: c.size, default=None)
        check_consistent(previous, head, fields["proofs"], label)
        ours = self._check_cosigned(fields["cosigned"], label, peer.key)
        if my_signer is not None:
            note = Note(note.text, (*note.signatures, cosign(note.text, my_signer, self._now())))
        self._store(folders[0], peer, head, note, ours)
        return WitnessResult(
            label,
            head.origin,
            head.size,
            head.root_hash.hex(),
            previous.size if previous else None,
            ours[0].size if ours else None,
        )

    def _check_cosigned(
        self, text: str | None, peer: str, peer_key: NoteVerifier
    ) -> tuple[Checkpoint, bytes] | None:
        """Verify the peer's cosignature of one of our checkpoints (§4 step 4)."""
        if text is None:
            return None
        try:
            note = parse_note(text.encode())
        except NoteError as exc:
            raise WitnessError("audit.witness.malformed", peer=peer) from exc
        head = _parse_head(note.text, peer)
        if not any(verify_cosignature(note.text, s, peer_key) is not None for s in note.signatures):
            raise WitnessError("audit.witness.bad_cosignature", peer=peer)
        if head.origin != self.origin:
            raise WitnessError("audit.witness.not_ours", peer=peer)
        if head.size > self.tree.size or self.tree.root(head.size) != head.root_hash:
            raise WitnessError("audit.witness.ours_differs", peer=peer, size=head.size)
        return head, note.to_bytes()

    def _store(
        self,
        folder: Path,
        peer: PeerKey,
        head: Checkpoint,
        note: Note,
        ours: tuple[Checkpoint, bytes] | None,
    ) -> None:
        """§4 step 5: the peer's note, its pinned origin, our cosigned head."""
        self._write(folder / "theirs" / store.note_name(head.size), note.to_bytes())
        self._write(folder / "peer.json", canonical_json(_describe(peer) | {"origin": head.origin}))
        if ours is not None:
            self._write(folder / "ours" / store.note_name(ours[0].size), ours[1])
            kept = sorted(s for s in _sent_sizes(folder) if s >= ours[0].size)
            self._write(folder / "sent.json", canonical_json(_describe(peer) | {"sizes": kept}))


def _describe(peer: PeerKey) -> dict[str, str]:
    """Who the folder is about, for people reading it; never read back as a key."""
    return {
        "agreement": peer.agreement,
        "number": peer.number,
        "party": peer.party,
        "org": peer.org,
        "seal_fingerprint": peer.fingerprint,
    }


def _pinned_origin(folder: Path) -> str | None:
    """The log origin kept for the peer in ``folder`` (§4 step 2); a malformed one pins
    nothing it could match, so it refuses every origin."""
    info = store.read_json(folder / "peer.json")
    if "origin" not in info:
        return None
    origin = info["origin"]
    return origin if isinstance(origin, str) else "?"


def _sent_sizes(folder: Path) -> set[int]:
    sizes = store.read_json(folder / "sent.json").get("sizes", [])
    return {s for s in sizes if isinstance(s, int)} if isinstance(sizes, list) else set()


def migrate_legacy(home: Path) -> None:
    """Move witness state kept per station name by older versions (witnessing-v1 §7).

    A legacy folder moves when the key its ``peer.json`` names is a seal key of a trusted
    agreement (the file only selects; the agreement pins the key): its heads are copied to
    that pinned peer's folder under each such agreement that has none yet, and the old
    folder is kept under ``audit/witness-legacy/``. A folder whose key no trusted agreement
    names stays, and ``verify`` reports it. Best effort: a failure changes nothing.
    """
    legacy = store.peer_dirs(home, legacy=True)
    if not legacy:
        return
    peers = Anchors.from_home(home).peers
    for folder in legacy:
        info = store.read_json(folder / "peer.json")
        matches = [p for p in peers if str(p.key) == info.get("key")]
        origin = info.get("origin")
        if not matches or not isinstance(origin, str):
            continue
        with contextlib.suppress(OSError, SecureExchangeError):
            for peer in matches:
                target = store.peer_dir(home, peer.folder)
                if not target.exists():
                    shutil.copytree(folder, target)
                    described = canonical_json(_describe(peer) | {"origin": origin})
                    store.write_file(target / "peer.json", described)
            keep = store.audit_dir(home) / "witness-legacy" / folder.name
            keep.parent.mkdir(mode=0o700, exist_ok=True)
            folder.rename(keep)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _parse_bundle(bundle: bytes) -> dict[str, Any]:
    """§4 step 1: the format, the checkpoint, the cosigned note and the proofs."""
    try:
        if len(bundle) > _MAX_BUNDLE:
            raise ValueError("too large")
        fields = as_obj(loads(bundle))
        if fields.get("format") != BUNDLE_FORMAT:
            raise ValueError("not a witness bundle")
        if not isinstance(fields.get("checkpoint"), str):
            raise ValueError("no checkpoint")
        if not isinstance(fields.get("cosigned"), str | None):
            raise ValueError("bad cosigned")
        proofs = {}
        for item in as_list(fields.get("proofs", [])):
            hashes = [base64.b64decode(h, validate=True) for h in item["proof"]]
            proofs[int(item["size"])] = hashes
    except (JsonError, ValueError, TypeError, KeyError) as exc:
        raise WitnessError("audit.witness.malformed", peer="?") from exc
    fields["proofs"] = proofs
    return fields


def _parse_head(text: str, peer: str) -> Checkpoint:
    try:
        head = Checkpoint.parse(text)
    except NoteError as exc:
        raise WitnessError("audit.witness.malformed", peer=peer) from exc
    if not head.origin.startswith(store.ORIGIN_PREFIX):
        raise WitnessError("audit.witness.malformed", peer=peer)
    return head


def check_consistent(
    previous: Checkpoint | None, head: Checkpoint, proofs: Mapping[int, list[bytes]], peer: str
) -> None:
    """Refuse a rollback, a fork or an unproven jump from the last head we kept (§4 step 3)."""
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
    if not verify_consistency(previous.size, head.size, previous.root_hash, head.root_hash, proof):
        raise WitnessError("audit.witness.fork", **params)
