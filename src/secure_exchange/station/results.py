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
    "masked_ids",
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
    return decisions.set_column(0, "subject", masked_ids(decisions.column("subject")))


_PLAIN_ID = r"^[0-9A-Za-z]{15,}$"  # nothing for ``mask_id`` to strip, long enough to show


def masked_ids(ids: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``mask_id`` of every value: by pyarrow when all are plain ID numbers (the checked
    ledger's), else value by value."""
    text = ids.cast(pa.string())
    if len(text) and not text.null_count and pc.all(pc.match_substring_regex(text, _PLAIN_ID)):
        stars = pa.scalar("*" * 8, pa.string())
        head = pc.utf8_slice_codeunits(text, 0, 6)
        tail = pc.utf8_slice_codeunits(text, -4)
        return pc.binary_join_element_wise(head, stars, tail, "")
    return pa.array([mask_id(v) for v in text.to_pylist()], pa.string())


def results_for_residents(decisions: pa.Table, residents: pa.Table, key: bytes) -> pa.Table:
    """Replace tokens by the resident's source row and masked ID (pure)."""
    mine = pseudonym.tokens(key, residents.column("id_number"))
    index = pc.index_in(decisions.column("subject"), value_set=mine)
    known = pc.is_valid(index)
    decisions, index = decisions.filter(known), index.filter(known)
    rows = residents.column("source_row").take(index)
    masked = masked_ids(residents.column("id_number").take(index))
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
