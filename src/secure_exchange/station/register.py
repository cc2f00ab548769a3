"""The station's replay register and its own per-agreement sequence counter.

The replay register (``HomeLayout.replay_register``) remembers every package this station
imported and the newest sequence number per (agreement, sender), so a replayed or older
package is refused. The sequence counter (``HomeLayout.sequence_counter``) hands out this
station's own sequence numbers.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from secure_exchange import fsio as _fsio
from secure_exchange.errors import SecureExchangeError
from secure_exchange.formats.canonjson import as_obj, utc_timestamp
from secure_exchange.package import ReplayCheck, VerifiedPackage

__all__ = ["ReplayRegister", "SequenceCounter"]


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SecureExchangeError("home.unreadable", path=path, error=type(exc).__name__) from exc
    if not isinstance(data, dict):
        raise SecureExchangeError("home.unreadable", path=path, error="not an object")
    return data


class ReplayRegister:
    """Packages imported at this station, by agreement and sender station."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def _key(agreement_sha: str, station: str) -> str:
        return f"{agreement_sha}/{station}"

    def seen(self, agreement_sha: str, station: str, package_id: str) -> tuple[bool, int | None]:
        """Whether ``package_id`` was imported, and the newest sequence seen from the sender."""
        entry = _load(self.path).get(self._key(agreement_sha, station))
        if entry is None:
            return False, None
        packages = as_obj(entry.get("packages", {}))
        last = entry.get("last_sequence")
        return package_id in packages, int(str(last)) if last is not None else None

    def check(self, *, require_imported: bool = False) -> ReplayCheck:
        """A replay policy for ``package.verify`` backed by this register."""
        return ReplayCheck(self.seen, require_imported=require_imported)

    def record(self, package: VerifiedPackage, *, now: datetime | None = None) -> None:
        """Remember an imported package (atomic, durable)."""
        data = _load(self.path)
        key = self._key(package.agreement.sha256, package.sender.station)
        entry = data.setdefault(key, {"last_sequence": None, "packages": {}})
        packages = as_obj(entry["packages"])
        packages[package.package_id] = {
            "sequence": package.sequence,
            "imported": utc_timestamp(now),
            "sums_sha256": package.sums_sha256,
        }
        last = entry.get("last_sequence")
        entry["last_sequence"] = max(package.sequence, int(str(last)) if last is not None else -1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _fsio.atomic_write(self.path, json.dumps(data, indent=2, sort_keys=True).encode())

    def imported_digest(self, agreement_sha: str, station: str, package_id: str) -> str | None:
        """SHA-256 of the SHA256SUMS recorded at import, to spot a swapped package later."""
        entry = _load(self.path).get(self._key(agreement_sha, station), {})
        packages = as_obj(entry.get("packages", {}))
        info = packages.get(package_id)
        return None if info is None else str(info["sums_sha256"])


class SequenceCounter:
    """This station's own sequence numbers, one series per agreement."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def next(self, agreement_sha: str) -> int:
        """Reserve and return the next number (durably, before the package is written)."""
        data = _load(self.path)
        value = int(str(data.get(agreement_sha, 0))) + 1
        data[agreement_sha] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _fsio.atomic_write(self.path, json.dumps(data, indent=2, sort_keys=True).encode())
        return value
