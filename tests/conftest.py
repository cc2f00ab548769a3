"""Shared fixtures: English and a throw-away station home by default, the parties to an
agreement, two stations driven through the CLI. Shared helpers live in ``support.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from secure_exchange import i18n
from tests.support import Parties, World, build_world, make_parties

# Property tests stay quick: at most 100 examples each unless a test asks for fewer or more,
# and a deadline generous enough for a noisy shared machine.
settings.register_profile("sx", max_examples=100, deadline=1000)
settings.load_profile("sx")


@pytest.fixture(autouse=True)
def _english_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Tests see English unless they ask otherwise; no passphrase leaks in from the shell;
    a station home of their own, never the user's real one."""
    for var in ("SX_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "SX_PASSPHRASE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SX_HOME", str(tmp_path / "sx-home-default"))
    i18n.set_language(None)
    yield
    i18n.set_language(None)


@pytest.fixture(scope="session")
def parties(tmp_path_factory: pytest.TempPathFactory) -> Parties:
    """One set of parties for the whole session (read-only use)."""
    return make_parties(tmp_path_factory.mktemp("parties"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Two stations with keys, a signed agreement and an enrolled stick (one per module)."""
    return build_world(tmp_path_factory.mktemp("flow"))
