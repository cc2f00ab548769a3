"""The reports layer: the management report on scoring decisions, as one HTML page.

``write_report`` reads a decisions file and writes the page; ``build_report`` renders a
decisions table. The page holds aggregates only, drawn as inline SVG (``svg``).
"""

from secure_exchange.reports.decisions import TARGETS, build_report, write_report
from secure_exchange.reports.facts import READ_SUFFIXES, ReportError

__all__ = ["READ_SUFFIXES", "TARGETS", "ReportError", "build_report", "write_report"]
