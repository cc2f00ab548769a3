"""The station's home folder (``SX_HOME``) and its small state files.

Everything a station keeps lives under one folder so tests and scripts can run several
stations side by side. Nothing here ever holds a resident's personal data.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

from secure_exchange import fsio as _fsio
from secure_exchange.errors import SecureExchangeError

__all__ = ["ROLES", "Station", "init_station", "load_station", "station_home"]

ROLES = ("community", "bank", "compliance")


@dataclass(frozen=True)
class Station:
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


def init_station(home: Path, org: str, role: str) -> Station:
    """Create the home folder layout and record the station's organisation and role."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if not org.strip():
        raise SecureExchangeError("home.org_empty")
    path = home / "station.json"
    if path.exists():
        raise SecureExchangeError("home.already_initialised", path=path)
    for sub in ("keys", "agreements", "audit", "state", "media"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    _fsio.private_dir(home)
    station = Station(org=org.strip(), role=role, home=home)
    record = {k: v for k, v in asdict(station).items() if k != "home"}
    _fsio.atomic_write(path, json.dumps(record, ensure_ascii=False, indent=2).encode() + b"\n")
    return station


def load_station(home: Path) -> Station:
    """Read ``station.json``; a clear error tells the user to run ``sx init`` first."""
    path = home / "station.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SecureExchangeError("home.not_initialised", home=home) from None
    except (OSError, ValueError) as exc:
        raise SecureExchangeError("home.unreadable", path=path, error=type(exc).__name__) from None
    return Station(org=str(record["org"]), role=str(record["role"]), home=home)
