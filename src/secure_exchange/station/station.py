"""One command's view of a station: its layout, log, keyring, trust store and replay state.

A :class:`Station` is made once per command (``with Station.open(home) as station:``) and
handed to every operation the command runs. Each part is opened on first use only, and the
access log is scanned and verified once per command however many operations it runs.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from secure_exchange.audit import Actor, AuditLog, Operation, logged_statements
from secure_exchange.errors import Problem
from secure_exchange.station.home import HomeLayout, StationInfo, load_station
from secure_exchange.station.register import ReplayRegister, SequenceCounter
from secure_exchange.trust import Keyring, PublicIdentity, TrustStore

__all__ = ["Station", "key_actor", "user_actor"]


def user_actor() -> Actor:
    """The OS user, for operations that use no key."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return Actor(name=f"user:{user}", fingerprint="")


def key_actor(identity: PublicIdentity | None = None) -> Actor:
    """The key that acts, or the OS user for operations without a key."""
    if identity is None:
        return user_actor()
    return Actor(name=identity.name, fingerprint=identity.fingerprint)


class Station:
    """The station at ``home`` for the length of one command; every part opens lazily."""

    def __init__(self, home: Path) -> None:
        self.layout = HomeLayout(home)
        self._info: StationInfo | None = None
        self.notices: list[Problem] = []  # warnings for the command's user (retention end…)

    def __repr__(self) -> str:
        return f"Station({self.home!s})"

    @classmethod
    @contextmanager
    def open(cls, home: Path) -> Iterator[Station]:
        """The station at ``home`` for one command: ``with Station.open(home) as station``."""
        yield cls(home)

    @cached_property
    def logged_statements(self) -> frozenset[str]:
        """SHA-256 of the signed statements the access log says were issued or received
        here (read once a command: a statement issued since is held anyway)."""
        return logged_statements(self.home)

    @property
    def home(self) -> Path:
        """The home folder (``SX_HOME``)."""
        return self.layout.root

    @property
    def info(self) -> StationInfo:
        """Who the station is (``station.json``, read once)."""
        if self._info is None:
            self._info = load_station(self.home)
        return self._info

    def initialised(self, info: StationInfo) -> None:
        """Take the record ``init_station`` just wrote instead of reading it back."""
        self._info = info

    @cached_property
    def log(self) -> AuditLog:
        """The access log, opened (scanned and verified) on first use only."""
        return AuditLog.open(self.home)

    @cached_property
    def keyring(self) -> Keyring:
        """The station's identities."""
        return Keyring(self.home)

    @cached_property
    def trust(self) -> TrustStore:
        """The agreements the station trusts."""
        return TrustStore(self.home)

    @cached_property
    def register(self) -> ReplayRegister:
        """Packages imported here (the replay register)."""
        return ReplayRegister(self.layout.replay_register)

    @cached_property
    def sequence(self) -> SequenceCounter:
        """This station's own sequence numbers."""
        return SequenceCounter(self.layout.sequence_counter)

    @contextmanager
    def audited(
        self,
        action: str,
        *,
        actor: Actor | None = None,
        package: str | None = None,
        counts: Mapping[str, int] | None = None,
        detail: Mapping[str, str] | None = None,
    ) -> Iterator[Operation]:
        """Write the begin event durably, run the body, write the end event (fail closed)."""
        with self.log.operation(
            action,
            actor=actor if actor is not None else user_actor(),
            package=package,
            counts=counts,
            detail=detail,
        ) as op:
            yield op
