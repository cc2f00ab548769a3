"""Where everything of a station lives under its home folder (``SX_HOME``), named once.

A bottom-layer module so that every area (keys, agreements, the access log, the station's
state) finds its folder here instead of building the path by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["HomeLayout"]


@dataclass(frozen=True)
class HomeLayout:
    """Every path of a station's home folder, defined once.

    Each area keeps its own files under the folder named here for it: the keyring
    (``trust``) under ``keys/``, the trust store under ``agreements/``, the access log with
    its checkpoints, witnessed heads and torn fragments (``audit``, laid out in
    audit-log-v1 §3) under ``audit/``; the station's own state under ``state/`` and
    ``media/``.
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
    def scored(self) -> Path:
        """What ``sx score PACKAGE`` approved, one signed record per package (pseudonyms
        only), which ``sx reidentify`` is bound to."""
        return self.state / "scored"

    @property
    def log_marker(self) -> Path:
        """Written when the access log is started: a missing log was there (audit-log-v1 §5)."""
        return self.state / "audit-log.json"

    @property
    def media_register(self) -> Path:
        """The sticks this station enrolled, with their labels' digests."""
        return self.media / "register.json"

    @property
    def lifecycle(self) -> Path:
        """Signed statements about agreements' ends: revocations, destruction certificates,
        incidents (protocols/lifecycle-v1.md §5), issued here or received, one file each."""
        return self.state / "lifecycle"

    @property
    def outputs(self) -> Path:
        """Outputs ``sx`` wrote and packages it imported, per agreement: what ``sx destroy``
        shreds (paths and digests only)."""
        return self.state / "outputs.json"

    def folders(self) -> tuple[Path, ...]:
        """The folders ``sx init`` creates."""
        return (self.keys, self.agreements, self.audit, self.state, self.media)
