"""The station's home folder (``SX_HOME``): where each of its files lives, and who it is.

Everything a station keeps lives under one folder so tests and scripts can run several
stations side by side; :class:`HomeLayout` names every path in it once. Nothing here ever
holds a resident's personal data.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from secure_exchange import fsio as _fsio
from secure_exchange.errors import SecureExchangeError

__all__ = ["ROLES", "HomeLayout", "StationInfo", "init_station", "load_station", "station_home"]

ROLES = ("community", "bank", "compliance")


@dataclass(frozen=True)
class HomeLayout:
    """Every path of a station's home folder, defined once.

    The lower layers keep their own files under the folders named here: the keyring under
    ``keys/``, the trust store under ``agreements/``, the access log (its checkpoints,
    witnessed heads and torn fragments) under ``audit/``.
    """

    root: Path

    @property
    def station_file(self) -> Path:
        """``station.json``: the organisation's name and the station's role."""
        return self.root / "station.json"

    @property
    def keys(self) -> Path:
        """The keyring: one folder per identity."""
        return self.root / "keys"

    @property
    def agreements(self) -> Path:
        """The trust store: one file per trusted agreement."""
        return self.root / "agreements"

    @property
    def audit(self) -> Path:
        """The access log and everything that anchors it."""
        return self.root / "audit"

    @property
    def state(self) -> Path:
        """Small state files: the replay register and the sequence counter."""
        return self.root / "state"

    @property
    def media(self) -> Path:
        """What the station knows about its dedicated media."""
        return self.root / "media"

    @property
    def replay_register(self) -> Path:
        """Packages imported here, and the newest sequence number per sender."""
        return self.state / "replay.json"

    @property
    def sequence_counter(self) -> Path:
        """This station's own sequence numbers, one series per agreement."""
        return self.state / "sequence.json"

    @property
    def media_register(self) -> Path:
        """The sticks this station enrolled, with their labels' digests."""
        return self.media / "register.json"

    def folders(self) -> tuple[Path, ...]:
        """The folders ``sx init`` creates."""
        return (self.keys, self.agreements, self.audit, self.state, self.media)


@dataclass(frozen=True)
class StationInfo:
    """Who this station is: the organisation's name and its role in the exchange."""

    org: str
    role: str
    home: Path

    @property
    def party(self) -> str | None:
        """``"A"`` for a community, ``"B"`` for the bank, ``None`` for compliance."""
        return {"community": "A", "bank": "B"}.get(self.role)


def station_home(env: dict[str, str] | None = None) -> Path:
    """Return ``SX_HOME``, or the platform's per-user data folder."""
    env = dict(os.environ) if env is None else env
    value = env.get("SX_HOME", "").strip()
    if value:
        return Path(value).expanduser()
    return Path(platformdirs.user_data_dir("secure-exchange", appauthor=False))


def init_station(home: Path, org: str, role: str) -> StationInfo:
    """Create the home folder layout and record the station's organisation and role."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if not org.strip():
        raise SecureExchangeError("home.org_empty")
    layout = HomeLayout(home)
    path = layout.station_file
    if path.exists():
        raise SecureExchangeError("home.already_initialised", path=path)
    for folder in layout.folders():
        folder.mkdir(parents=True, exist_ok=True)
    _fsio.private_dir(home)
    info = StationInfo(org=org.strip(), role=role, home=home)
    record = {"org": info.org, "role": info.role}
    _fsio.atomic_write(path, json.dumps(record, ensure_ascii=False, indent=2).encode() + b"\n")
    return info


def load_station(home: Path) -> StationInfo:
    """Read ``station.json``; a clear error tells the user to run ``sx init`` first."""
    path = HomeLayout(home).station_file
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SecureExchangeError("home.not_initialised", home=home) from None
    except (OSError, ValueError) as exc:
        raise SecureExchangeError("home.unreadable", path=path, error=type(exc).__name__) from None
    return StationInfo(org=str(record["org"]), role=str(record["role"]), home=home)
