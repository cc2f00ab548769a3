"""The ledger layer: read a resident ledger (xlsx, CSV or Parquet) block by block and check it.

``read_ledger``/``check_ledger``/``load_ledger`` and ``LedgerScan`` are the entry points;
findings are ``secure_exchange.errors.Problem`` values gathered in a ``CheckReport``.
"""

from secure_exchange.ledger.ids import id_keys
from secure_exchange.ledger.panel import PANEL_SCHEMA, Sitting, sittings
from secure_exchange.ledger.rules import EVALUATION_SCHEMA, RESIDENT_SCHEMA
from secure_exchange.ledger.scan import (
    Ledger,
    LedgerBlock,
    LedgerCheck,
    LedgerInvalidError,
    LedgerScan,
    ScanOptions,
    check_ledger,
    load_ledger,
    read_ledger,
)
from secure_exchange.ledger.schema import (
    EVALUATIONS,
    LEDGER_COLUMNS,
    PANEL,
    PANEL_ROLES,
    RESIDENTS,
    CheckReport,
    ColumnSpec,
    PolicyItemLike,
    PolicyLike,
    column_label,
    mask_id,
)
from secure_exchange.ledger.spans import expand_ranges
from secure_exchange.ledger.synthetic import write_csv_ledger
from secure_exchange.ledger.template import write_template

__all__ = [
    "EVALUATIONS",
    "EVALUATION_SCHEMA",
    "LEDGER_COLUMNS",
    "PANEL",
    "PANEL_ROLES",
    "PANEL_SCHEMA",
    "RESIDENTS",
    "RESIDENT_SCHEMA",
    "CheckReport",
    "ColumnSpec",
    "Ledger",
    "LedgerBlock",
    "LedgerCheck",
    "LedgerInvalidError",
    "LedgerScan",
    "PolicyItemLike",
    "PolicyLike",
    "ScanOptions",
    "Sitting",
    "check_ledger",
    "column_label",
    "expand_ranges",
    "id_keys",
    "load_ledger",
    "mask_id",
    "read_ledger",
    "sittings",
    "write_csv_ledger",
    "write_template",
]
