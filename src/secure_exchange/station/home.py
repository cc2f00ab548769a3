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
from secure_exchange.layout import HomeLayout

__all__ = ["ROLES", "HomeLayout", "StationInfo", "init_station", "load_station", "station_home"]

ROLES = ("community", "bank", "compliance")


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
    org = record.get("org") if isinstance(record, dict) else None
    role = record.get("role") if isinstance(record, dict) else None
    if not isinstance(org, str) or not org.strip() or role not in ROLES:
        raise SecureExchangeError("home.unreadable", path=path, error="station")
    return StationInfo(org=org, role=str(role), home=home)
