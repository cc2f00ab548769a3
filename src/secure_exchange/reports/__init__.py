"""The reports layer: the management report on scoring decisions, as one HTML page.

``write_report`` reads a decisions file and writes the page; ``build_report`` renders a
decisions table. The page holds aggregates only, drawn as inline SVG (``svg``).
``public_lists``/``write_public_lists`` make the 公示 lists a community posts (``publish``).
"""

from secure_exchange.reports.chunked import (
    EXCEL_ROWS,
    OutputBatches,
    null_like,
    read_output_batches,
    write_output_chunks,
)
from secure_exchange.reports.decisions import TARGETS, build_report, write_report
from secure_exchange.reports.facts import READ_SUFFIXES, ReportError
from secure_exchange.reports.paper import agreement_lines, agreement_page, role_name
from secure_exchange.reports.people import (
    TableSink,
    read_output,
    reason_words,
    write_output,
    writing_output,
)
from secure_exchange.reports.publish import (
    Notice,
    PublicList,
    lists_from_results,
    mask_name,
    public_lists,
    write_public_lists,
)

__all__ = [
    "EXCEL_ROWS",
    "READ_SUFFIXES",
    "TARGETS",
    "Notice",
    "OutputBatches",
    "PublicList",
    "ReportError",
    "TableSink",
    "agreement_lines",
    "agreement_page",
    "build_report",
    "lists_from_results",
    "mask_name",
    "null_like",
    "public_lists",
    "read_output",
    "read_output_batches",
    "reason_words",
    "role_name",
    "write_output",
    "write_output_chunks",
    "write_public_lists",
    "write_report",
    "writing_output",
]
