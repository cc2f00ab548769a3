"""Party A's tables keyed to its own residents: pure, over Arrow tables.

The preview scores the ledger keyed by ID number and shows masked IDs only; the bank's
returned decisions, keyed by subject token, are turned back into the ledger's source rows
and masked IDs with the seal key's token key.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from secure_exchange import pseudonym  # its ``tokens`` shares a name with a module of its own
from secure_exchange.ledger import Ledger, mask_id

__all__ = [
    "SCORING_INPUT",
    "masked_subjects",
    "names_for_rows",
    "preview_tables",
    "results_for_residents",
]

# Columns of the residents table the scoring engine reads (besides the subject key).
SCORING_INPUT = [
    "birth_date",
    "community",
    "subject_type",
    "full_civil_capacity",
    "fixed_residence",
    "fixed_income",
    "major_bad_credit",
]


def preview_tables(ledger: Ledger) -> tuple[pa.Table, pa.Table]:
    """The scoring engine's residents and evaluations, keyed by ID number (the preview)."""
    residents = ledger.residents
    scoring = (
        residents.select(SCORING_INPUT)
        .append_column("subject", residents.column("id_number"))
        .append_column("source_row", residents.column("source_row"))
    )
    evaluations = ledger.evaluations.append_column(
        "subject", ledger.evaluations.column("id_number")
    )
    return scoring, evaluations


def masked_subjects(decisions: pa.Table) -> pa.Table:
    """The decisions with each subject's ID number masked (the first column)."""
    masked = pa.array([mask_id(v) for v in decisions.column("subject").to_pylist()])
    return decisions.set_column(0, "subject", masked)


def results_for_residents(decisions: pa.Table, residents: pa.Table, key: bytes) -> pa.Table:
    """Replace tokens by the resident's source row and masked ID (pure)."""
    mine = pseudonym.tokens(key, residents.column("id_number"))
    index = pc.index_in(decisions.column("subject"), value_set=mine)
    known = pc.is_valid(index)
    decisions, index = decisions.filter(known), index.filter(known)
    rows = residents.column("source_row").take(index)
    masked = pa.array([mask_id(v) for v in residents.column("id_number").take(index).to_pylist()])
    body = decisions.drop_columns(["subject"])
    return (
        body.add_column(0, "source_row", rows)
        .add_column(0, "subject", masked)
        .sort_by("source_row")
    )


def names_for_rows(keyed: pa.Table, residents: pa.Table) -> pa.Array:
    """The resident's name of each row of ``keyed`` (by its ledger ``source_row``)."""
    index = pc.index_in(keyed.column("source_row"), value_set=residents.column("source_row"))
    return residents.column("name").take(index)
