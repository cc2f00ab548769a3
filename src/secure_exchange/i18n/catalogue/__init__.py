"""Message tables, one module per key prefix, merged into one catalogue (see ``i18n``)."""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["CATALOGUE"]


def _load() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        table: dict[str, tuple[str, str]] = module.MESSAGES
        clash = merged.keys() & table.keys()
        if clash:
            raise RuntimeError(f"message keys defined twice: {sorted(clash)}")
        merged.update(table)
    return merged


CATALOGUE: dict[str, tuple[str, str]] = _load()
