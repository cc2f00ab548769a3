"""The station: its home layout, and one ``Station`` per command that opens each part once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from secure_exchange.audit import AuditLog
from secure_exchange.errors import SecureExchangeError
from secure_exchange.station import HomeLayout, Station, init, init_station
from tests.support import NUMBER, World, shared_path


def test_init_creates_every_folder_of_the_layout(tmp_path: Path) -> None:
    home = tmp_path / "home"
    info = init_station(home, " 金乡街道真武社区 ", "community")
    layout = HomeLayout(home)
    assert (info.org, info.party) == ("金乡街道真武社区", "A")
    assert layout.station_file.is_file()
    assert all(folder.is_dir() for folder in layout.folders())
    assert layout.replay_register.parent == layout.state
    assert layout.media_register.parent == layout.media


def test_a_station_touches_nothing_before_it_is_used(tmp_path: Path) -> None:
    home = tmp_path / "nowhere"
    station = Station(home)
    assert station.home == home
    assert not home.exists()
    with pytest.raises(SecureExchangeError, match="sx init"):
        _ = station.info
    assert not home.exists()


def test_init_writes_the_first_event_through_the_station(tmp_path: Path) -> None:
    with Station.open(tmp_path / "home") as station:
        info = init(station, "金乡农商银行", "bank")
        assert station.info is info
        events = station.log.events()
    assert [(e.action, e.phase) for e in events] == [("init", "begin"), ("init", "end")]


@pytest.fixture
def log_opens(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every ``AuditLog.open`` (each one reads and verifies the whole log), by home."""
    opened: list[Path] = []
    real: Callable[..., AuditLog] = AuditLog.open.__func__  # type: ignore[attr-defined]

    def counting(cls: type[AuditLog], home: Path, **kwargs: object) -> AuditLog:
        opened.append(home)
        return real(cls, home, **kwargs)

    monkeypatch.setattr(AuditLog, "open", classmethod(counting))
    return opened


def test_one_command_opens_and_verifies_the_log_once(world: World, log_opens: list[Path]) -> None:
    """``sx seal`` logs eight operations (media, check, two unlocks, witness, seal...) and
    ``sx score PACKAGE`` four, each through the one log its ``Station`` opened."""
    ledger = shared_path("samples", "ledger-sample.xlsx")
    out = world.sx(
        world.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(world.stick)
    )
    assert log_opens == [world.community]
    package = out.output.strip().splitlines()[-1]
    log_opens.clear()
    world.sx(world.bank, "import", package)
    assert log_opens == [world.bank]
    log_opens.clear()
    decisions = world.root / "station-decisions.csv"
    world.sx(world.bank, "score", package, "--as-of", "2022-07-01", "--out", str(decisions))
    assert log_opens == [world.bank]
    assert AuditLog.open(world.bank).events(action="scored")[-1].outcome == "ok"
