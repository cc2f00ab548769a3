"""What a station's log is checked against, read from outside ``audit/`` (audit-log-v1 §9).

Keys are pinned by the trust root, never by files beside the log: the station's own
checkpoints verify only with its seal keys that a trusted agreement names, a peer's
cosignatures only with that peer's seal key from its card in a trusted agreement
(witnessing-v1 §2). ``keys.txt`` and ``peer.json`` under ``audit/`` are never keys. The
station's state says what the log must hold: every package in the replay register was
imported, every number the sequence counter handed out was sealed; and whether the station
had a log at all, so a deleted ``audit/`` is not silently started afresh.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secure_exchange.errors import SecureExchangeError
from secure_exchange.formats.note import NoteVerifier
from secure_exchange.layout import HomeLayout
from secure_exchange.trust import Agreement, AgreementKey, Keyring, PublicIdentity, Statement

__all__ = [
    "Anchors",
    "PeerKey",
    "StationState",
    "paper_fingerprint",
    "prior_use",
    "seal_fingerprint",
]


def seal_fingerprint(identity: PublicIdentity) -> str:
    """A key card's fingerprint as 32 lower-case hex digits (for folder and register keys)."""
    return identity.fingerprint.replace(" ", "").lower()


def paper_fingerprint(compact: str) -> str:
    """The fingerprint as the key card and the paper agreement print it."""
    upper = compact.upper()
    return " ".join(upper[i : i + 4] for i in range(0, len(upper), 4))


@dataclass(frozen=True)
class PeerKey:
    """A peer as the trust root knows it: an agreement, a party and that party's seal key.

    Witness state is kept per ``PeerKey`` (folder ``folder``), never per station name.
    ``org`` is the agreement's name for the party, for messages only.
    """

    agreement: str
    number: str
    party: str
    org: str
    fingerprint: str
    key: NoteVerifier

    @classmethod
    def of(cls, agreement: Agreement, key: AgreementKey) -> PeerKey:
        """The peer whose seal key is ``key`` in ``agreement``."""
        identity = key.identity
        return cls(
            agreement.sha256,
            agreement.number,
            key.party,
            agreement.party_org(key.party),
            seal_fingerprint(identity),
            NoteVerifier(identity.name, identity.minisign.key),
        )

    @property
    def folder(self) -> str:
        """``<agreement sha256>.<party>.<seal key fingerprint>`` (witnessing-v1 §4)."""
        return f"{self.agreement}.{self.party}.{self.fingerprint}"

    @property
    def same_key(self) -> str:
        """The folder-name suffix shared by this seal key under every agreement."""
        return f".{self.party}.{self.fingerprint}"


@dataclass(frozen=True)
class Anchors:
    """The keys pinned for a station's log: its own seal keys and every peer's.

    ``own``: the station's seal keys (keyring public cards) that a trusted agreement
    names; ``peers``: every seal key of every trusted agreement; ``agreements``: number by
    SHA-256, for older log events that name an agreement by number.
    """

    own: tuple[NoteVerifier, ...] = ()
    peers: tuple[PeerKey, ...] = ()
    agreements: Mapping[str, str] = field(default_factory=dict)

    def peer(self, folder: str) -> PeerKey | None:
        """The pinned peer whose witness folder is named ``folder``, if any."""
        return next((p for p in self.peers if p.folder == folder), None)

    def describe(self) -> tuple[dict[str, str], ...]:
        """Every pinned seal key as people check it against the paper agreement."""
        own = set(self.own)
        return tuple(
            {
                "agreement": p.number,
                "party": p.party,
                "org": p.org,
                "name": p.key.name,
                "fingerprint": paper_fingerprint(p.fingerprint),
                "station": "own" if p.key in own else "peer",
            }
            for p in self.peers
        )

    @classmethod
    def from_home(cls, home: Path) -> Anchors:
        """Read the pinned keys from ``home``'s keyring cards and trusted agreements.

        A folder copied from another station (``sx audit verify --home``) gives its own
        public cards and agreements: they are only as trustworthy as the copy, so compare
        the fingerprints with the paper agreement.
        """
        agreements = _trusted(home)
        mine = {(i.name, i.minisign.key) for i in _seal_cards(home)}
        own: dict[str, NoteVerifier] = {}
        peers = []
        for agreement in agreements:
            for key in agreement.keys:
                if key.role != "seal":
                    continue
                peer = PeerKey.of(agreement, key)
                peers.append(peer)
                if (key.identity.name, key.identity.minisign.key) in mine:
                    own[str(peer.key)] = peer.key
        numbers = {a.sha256: a.number for a in agreements}
        return cls(tuple(own.values()), tuple(peers), numbers)


def _trusted(home: Path) -> list[Agreement]:
    """The agreements of the trust store that parse and carry both seals (others skipped)."""
    found = []
    for path in sorted(HomeLayout(home).agreements.glob("*.json")):
        with contextlib.suppress(OSError, SecureExchangeError):
            agreement = Agreement.from_bytes(path.read_bytes())
            agreement.check_sealed()
            found.append(agreement)
    return found


_DESTROYED = ".destroyed-"


def _seal_cards(home: Path) -> list[PublicIdentity]:
    """The station's seal keys: public cards only, no secret is read. A seal ``sx destroy``
    shredded keeps its card under ``keys/.destroyed-<name>/``: the checkpoints it signed
    still verify (it counts only where a trusted agreement pins it, like any other)."""
    ring = Keyring(home)
    cards = []
    with contextlib.suppress(OSError):
        for folder in sorted(ring.root.iterdir()):
            with contextlib.suppress(OSError, SecureExchangeError):
                if not folder.is_dir():
                    continue
                if folder.name.startswith(_DESTROYED):
                    text = (folder / "identity.card").read_text(encoding="utf-8")
                    card = PublicIdentity.from_card(text)
                elif folder.name.startswith("."):
                    continue
                else:
                    card = ring.get(folder.name)
                if card.purpose == "seal":
                    cards.append(card)
    return cards


# --- what the station's state says the log holds ---------------------------------------


@dataclass(frozen=True)
class StationState:
    """The replay register's package ids, the sequence counter and the signed statements
    held, read for the cross-check.

    ``unreadable`` names a state file that exists but cannot be read as JSON.
    """

    imported: frozenset[str] = frozenset()
    sequences: Mapping[str, int] = field(default_factory=dict)
    unreadable: tuple[str, ...] = ()
    statements: frozenset[str] = frozenset()  # SHA-256 of each signed statement held here

    @classmethod
    def from_home(cls, home: Path) -> StationState:
        """Read ``state/replay.json`` (both register formats) and ``state/sequence.json``."""
        layout = HomeLayout(home)
        bad = []
        register = _read_object(layout.replay_register)
        if register is None:
            bad.append(_relative(layout, layout.replay_register))
        counter = _read_object(layout.sequence_counter)
        if counter is None:
            bad.append(_relative(layout, layout.sequence_counter))
        sequences = {str(k): v for k, v in (counter or {}).items() if isinstance(v, int) and v > 0}
        statements = set()
        for path in sorted(layout.lifecycle.glob("*.json")) if layout.lifecycle.is_dir() else []:
            try:
                statements.add(Statement.from_bytes(path.read_bytes()).sha256)
            except (OSError, SecureExchangeError):
                bad.append(_relative(layout, path))
        return cls(
            frozenset(_package_ids(register or {})), sequences, tuple(bad), frozenset(statements)
        )


def _package_ids(register: Mapping[str, Any]) -> set[str]:
    """Package ids of every sender's entry; ``sx-replay/v2`` or the older flat form."""
    if "format" in register:
        sections = [register.get("senders"), register.get("legacy")]
        entries = [e for s in sections if isinstance(s, dict) for e in s.values()]
    else:
        entries = list(register.values())
    ids: set[str] = set()
    for entry in entries:
        packages = entry.get("packages") if isinstance(entry, dict) else None
        if isinstance(packages, dict):
            ids.update(str(p) for p in packages)
    return ids


def _read_object(path: Path) -> dict[str, Any] | None:
    """A JSON object, ``{}`` when the file is missing, ``None`` when it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _relative(layout: HomeLayout, path: Path) -> str:
    return path.relative_to(layout.root).as_posix()


def prior_use(home: Path) -> str | None:
    """The file that shows this station kept a log before, if any (audit-log-v1 §5).

    The log marker (written when the log is started), a replay register or a sequence
    counter that holds anything, or a trusted agreement (importing one is logged).
    """
    layout = HomeLayout(home)
    for path in (layout.log_marker, layout.replay_register, layout.sequence_counter):
        data = _read_object(path)
        if data is None or data:  # unreadable, or holds something
            return _relative(layout, path)
    with contextlib.suppress(OSError):
        if any(layout.agreements.glob("*.json")):
            return _relative(layout, layout.agreements) + "/"
    return None
