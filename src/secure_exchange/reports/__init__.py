"""The reports layer: the management report on scoring decisions, as one HTML page.

``write_report`` reads a decisions file and writes the page; ``build_report`` renders a
decisions table. The page holds aggregates only, drawn as inline SVG (``svg``).
"""

from secure_exchange.reports.decisions import TARGETS, build_report, write_report
from secure_exchange.reports.facts import READ_SUFFIXES, ReportError
from secure_exchange.reports.paper import agreement_lines, agreement_page, role_name
from secure_exchange.reports.people import read_output, reason_words, write_output

__all__ = [
    "READ_SUFFIXES",
    "TARGETS",
    "ReportError",
    "agreement_lines",
    "agreement_page",
    "build_report",
    "read_output",
    "reason_words",
    "role_name",
    "write_output",
    "write_report",
]
