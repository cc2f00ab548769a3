"""Annex 2 scoring: a versioned policy and a vectorised, explained engine."""

from __future__ import annotations

from scoring._records import subject_keys
from scoring.adjust import REASONS as ADJUSTMENT_REASONS
from scoring.adjust import (
    Adjustment,
    adjustment_counts,
    apply_adjustments,
    read_adjustments,
)
from scoring.age_facts import AGE_COLUMNS, AgeWindow, age_facts
from scoring.engine import DECISION_SCHEMA, ScoreResult, score, score_warnings
from scoring.errors import AdjustmentError, LprError, OutputFormatError, PolicyError, ScoringError
from scoring.locate import SubjectLocator
from scoring.output import DecisionsWriter, read_decisions, write_decisions, writing_decisions
from scoring.policy import Item, Policy, load_policy
from scoring.summary import CommunitySummary, Summary, merge_summaries, summarise

__all__ = [
    "ADJUSTMENT_REASONS",
    "AGE_COLUMNS",
    "DECISION_SCHEMA",
    "Adjustment",
    "AdjustmentError",
    "AgeWindow",
    "CommunitySummary",
    "DecisionsWriter",
    "Item",
    "LprError",
    "OutputFormatError",
    "Policy",
    "PolicyError",
    "ScoreResult",
    "ScoringError",
    "SubjectLocator",
    "Summary",
    "adjustment_counts",
    "age_facts",
    "apply_adjustments",
    "load_policy",
    "merge_summaries",
    "read_adjustments",
    "read_decisions",
    "score",
    "score_warnings",
    "subject_keys",
    "summarise",
    "write_decisions",
    "writing_decisions",
]
