"""Annex 2 scoring: a versioned policy and a vectorised, explained engine."""

from __future__ import annotations

__all__: list[str] = []
