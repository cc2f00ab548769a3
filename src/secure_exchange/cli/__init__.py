"""The ``sx`` command line: parsing and rendering only; the library does the work."""

from __future__ import annotations

from secure_exchange.cli.app import build_cli, main, run

__all__ = ["build_cli", "main", "run"]
