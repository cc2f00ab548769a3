"""Annex 2 scoring: a versioned policy and a vectorised, explained engine."""

from __future__ import annotations

from scoring.errors import LprError, OutputFormatError, PolicyError, ScoringError
from scoring.policy import Item, Policy, load_policy

__all__ = [
    "Item",
    "LprError",
    "OutputFormatError",
    "Policy",
    "PolicyError",
    "ScoringError",
    "load_policy",
]
