"""Witnessing over the USB stick: make, receive and check bundles (protocols/witnessing-v1.md).

A bundle carries a fresh signed checkpoint of the sender's log, consistency proofs from
every size the peer may hold, and the sender's cosignature of the peer's newest
checkpoint. The receiver refuses a fork, a rollback or an unproven jump, and keeps the
peer's cosignature of its own log, so cutting records the peer saw is caught.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from secure_exchange.audit import store
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

__all__ = ["BUNDLE_FORMAT", "Witness", "WitnessResult", "check_consistent"]

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
    """This station's side of witnessing: its home, its log's origin and tree, its clock."""

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

    # --- sending (§3) --------------------------------------------------------------------

    def bundle(
        self, folder: Path, peer: str, note: bytes, head: Checkpoint, signer: NoteSigner
    ) -> tuple[bytes, int]:
        """The bundle for ``peer`` around our signed ``note`` of ``head``; and its proof count.

        Records the sizes sent in ``sent.json`` (§3 step 4).
        """
        acked = max((c.size for c in store.stored_heads(folder / "ours")), default=0)
        sent_state = store.read_json(folder / "sent.json").get("sizes", [])
        sent = {s for s in sent_state if isinstance(s, int)}
        starts = sorted(s for s in sent | {acked} if acked <= s < head.size and s > 0)
        proofs = [
            {"size": m, "proof": [_b64(h) for h in self.tree.consistency_proof(m, head.size)]}
            for m in starts
        ]
        fields = {
            "format": BUNDLE_FORMAT,
            "checkpoint": note.decode(),
            "proofs": proofs,
            "cosigned": self._cosign_peer_head(folder, signer),
        }
        state = {"peer": peer, "sizes": sorted(s for s in sent | {head.size} if s >= acked)}
        self._write(folder / "sent.json", canonical_json(state))
        return canonical_json(fields) + b"\n", len(proofs)

    def _cosign_peer_head(self, folder: Path, signer: NoteSigner) -> str | None:
        """This station's cosignature of the peer's newest checkpoint, as a note."""
        paths = store.notes(folder / "theirs")
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
        sig = cosign(note.text, signer, self._now())
        return Note(note.text, (sig,)).to_bytes().decode()

    # --- receiving (§4) ------------------------------------------------------------------

    def accept(
        self, bundle: bytes, peer: str, peer_key: NoteVerifier, my_signer: NoteSigner | None
    ) -> WitnessResult:
        """Check a peer's bundle (§4 steps 1–4) and keep it (step 5).

        Raises:
            WitnessError: the bundle does not verify, or shows a fork or a rollback.
            AuditUnavailableError: it cannot be stored.
        """
        fields = _parse_bundle(bundle)
        try:
            note = open_note(fields["checkpoint"].encode(), [peer_key])
        except NoteError as exc:
            raise WitnessError("audit.witness.bad_signature", peer=peer) from exc
        head = _parse_head(note.text, peer)
        folder = store.peer_dir(self.home, peer)
        pinned = store.read_json(folder / "peer.json").get("origin")
        if pinned not in (None, head.origin) or head.origin == self.origin:
            raise WitnessError("audit.witness.origin_changed", peer=peer)
        previous = max(store.stored_heads(folder / "theirs"), key=lambda c: c.size, default=None)
        check_consistent(previous, head, fields["proofs"], peer)
        ours = self._check_cosigned(fields["cosigned"], peer, peer_key)
        if my_signer is not None:
            note = Note(note.text, (*note.signatures, cosign(note.text, my_signer, self._now())))
        self._store(folder, peer, peer_key, head, note, ours)
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
        peer: str,
        peer_key: NoteVerifier,
        head: Checkpoint,
        note: Note,
        ours: tuple[Checkpoint, bytes] | None,
    ) -> None:
        """§4 step 5: the peer's note, its pinned origin and key, our cosigned head."""
        info = {"peer": peer, "origin": head.origin, "key": str(peer_key)}
        self._write(folder / "theirs" / store.note_name(head.size), note.to_bytes())
        self._write(folder / "peer.json", canonical_json(info))
        if ours is not None:
            self._write(folder / "ours" / store.note_name(ours[0].size), ours[1])
            sent = store.read_json(folder / "sent.json").get("sizes", [])
            kept = [s for s in sent if isinstance(s, int) and s >= ours[0].size]
            self._write(folder / "sent.json", canonical_json({"peer": peer, "sizes": kept}))


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
