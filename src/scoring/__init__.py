"""Annex 2 scoring: a versioned policy and a vectorised, explained engine."""

from __future__ import annotations

from scoring.age_facts import AGE_COLUMNS, AgeWindow, age_facts
from scoring.engine import DECISION_SCHEMA, ScoreResult, score
from scoring.errors import LprError, OutputFormatError, PolicyError, ScoringError
from scoring.output import write_decisions
from scoring.policy import Item, Policy, load_policy
from scoring.summary import CommunitySummary, Summary, summarise

__all__ = [
    "AGE_COLUMNS",
    "DECISION_SCHEMA",
    "AgeWindow",
    "CommunitySummary",
    "Item",
    "LprError",
    "OutputFormatError",
    "Policy",
    "PolicyError",
    "ScoreResult",
    "ScoringError",
    "Summary",
    "age_facts",
    "load_policy",
    "score",
    "summarise",
    "write_decisions",
]
