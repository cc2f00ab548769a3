"""Narrowing parsed JSON values, so malformed documents fail as TypeError, not later."""

from __future__ import annotations

from typing import Any

__all__ = ["as_list", "as_obj"]


def as_obj(value: object) -> dict[str, Any]:
    """``value`` as a JSON object, else TypeError."""
    if not isinstance(value, dict):
        raise TypeError("expected a JSON object")
    return value


def as_list(value: object) -> list[Any]:
    """``value`` as a JSON array, else TypeError."""
    if not isinstance(value, list):
        raise TypeError("expected a JSON array")
    return value
