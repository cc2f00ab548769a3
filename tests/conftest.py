"""Shared fixtures: stations with fast-KDF keys and an agreement signed by both seals."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from secure_exchange import i18n
from secure_exchange.trust.agreement import Agreement, new_agreement
from secure_exchange.trust.keys import Keyring, UnlockedIdentity

SHARED = Path(__file__).resolve().parents[2] / "shared"
PASS = b"correct horse battery staple"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with the reason."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared is absent ({path} not found): shared samples/vectors unavailable")
    return path


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


@dataclass
class Parties:
    """Keys of both parties and the agreement between them (library level, no CLI)."""

    home_a: Path
    home_b: Path
    officer: UnlockedIdentity
    seal_a: UnlockedIdentity
    scoring: UnlockedIdentity
    reidentify: UnlockedIdentity
    seal_b: UnlockedIdentity
    agreement: Agreement


def make_key(home: Path, name: str, org: str, purpose: str) -> UnlockedIdentity:
    """Create a fast-KDF identity and unlock it."""
    ring = Keyring(home)
    ring.create(name, org, purpose, PASS, cost="fast")
    return ring.unlock(name, PASS)


def make_parties(
    root: Path, number: str = "金街办协〔2022〕1号", valid: tuple[date, date] | None = None
) -> Parties:
    """Party A (officer + seal) and party B (scoring, reidentify, seal), agreement signed."""
    home_a, home_b = root / "community", root / "bank"
    org_a, org_b = "金乡街道真武社区", "金乡农商银行"
    officer = make_key(home_a, "zw-officer", org_a, "officer")
    seal_a = make_key(home_a, "zw-seal", org_a, "seal")
    scoring = make_key(home_b, "bank-scoring", org_b, "scoring")
    reident = make_key(home_b, "bank-reid", org_b, "reidentify")
    seal_b = make_key(home_b, "bank-seal", org_b, "seal")
    start, end = valid or (date(2020, 1, 1), date(2099, 12, 31))
    draft = new_agreement(
        number,
        [officer.public, seal_a.public],
        [scoring.public, reident.public, seal_b.public],
        start,
        end,
    )
    agreement = draft.sign(seal_a).sign(seal_b)
    return Parties(home_a, home_b, officer, seal_a, scoring, reident, seal_b, agreement)


@pytest.fixture(scope="session")
def parties(tmp_path_factory: pytest.TempPathFactory) -> Parties:
    """One set of parties for the whole session (read-only use)."""
    return make_parties(tmp_path_factory.mktemp("parties"))
