"""``sx ledger check`` and ``sx ledger template``: parse arguments, call the library, render."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import click

from secure_exchange.cli._common import home_path
from secure_exchange.i18n import current_language, t
from secure_exchange.ledger.scan import CheckReport, Finding
from secure_exchange.ledger.schema import column_label
from secure_exchange.ledger.template import write_template
from secure_exchange.station import workflow

__all__ = ["register"]


def register(root: click.Group) -> None:
    """Add the ``ledger`` group (``check``, ``template``) to the ``sx`` root group."""
    root.add_command(_ledger_group())


def _ledger_group() -> click.Group:
    @click.group("ledger", help=t("ledger.help.group"))
    def ledger() -> None:
        """Ledger commands (help text comes from the catalogue)."""

    ledger.add_command(_check_command())
    ledger.add_command(_template_command())
    return ledger


def _check_command() -> click.Command:
    @click.command("check", help=t("ledger.help.check"))
    @click.argument("path", metavar="LEDGER", type=click.Path(path_type=Path))
    @click.option("--json", "as_json", is_flag=True, help=t("ledger.help.json"))
    @click.option(
        "--drop-unknown-columns", "drop_unknown", is_flag=True, help=t("ledger.help.drop_unknown")
    )
    @click.option(
        "--as-of",
        "as_of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        metavar="YYYY-MM-DD",
        help=t("ledger.help.as_of"),
    )
    @click.pass_context
    def check(
        ctx: click.Context, path: Path, as_json: bool, drop_unknown: bool, as_of: datetime | None
    ) -> None:
        progress = _progress()
        report = check_ledger(
            path,
            as_of=as_of.date() if as_of else None,
            drop_unknown=drop_unknown,
            progress=progress,
        )
        if progress is not None:
            click.echo("", err=True)
        if as_json:
            click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            _render(report)
        ctx.exit(0 if report.ok else 1)

    return check


def check_ledger(
    path: Path,
    *,
    as_of: date | None,
    drop_unknown: bool,
    progress: Callable[[int], None] | None = None,
) -> CheckReport:
    """Read and check the ledger at ``path`` (the check is logged); return its report."""
    ledger = workflow.check_ledger(
        home_path(), path, as_of=as_of, drop_unknown=drop_unknown, progress=progress
    )
    return ledger.report


def _template_command() -> click.Command:
    @click.command("template", help=t("ledger.help.template"))
    @click.option(
        "--out",
        "out",
        required=True,
        metavar="FILE.xlsx",
        type=click.Path(dir_okay=False, path_type=Path),
        help=t("ledger.help.out"),
    )
    def template(out: Path) -> None:
        written = write_template(out)
        click.echo(t("ledger.template.written", path=written))

    return template


def _progress() -> Callable[[int], None] | None:
    if not sys.stderr.isatty():
        return None

    done = [0]

    def show(rows: int) -> None:
        done[0] += rows
        click.echo("\r" + t("ledger.check.progress", rows=f"{done[0]:,}"), err=True, nl=False)

    return show


def _render(report: CheckReport) -> None:
    for heading, findings in (
        (t("ledger.check.errors"), report.errors),
        (t("ledger.check.warnings"), report.warnings),
    ):
        if not findings:
            continue
        click.echo(heading)
        sheet = None
        for item in findings:
            if item.sheet != sheet:
                sheet = item.sheet
                click.echo("  " + t("ledger.check.sheet", sheet=sheet))
            click.echo("    " + _line(item))
    if report.ok:
        click.echo(t("ledger.check.summary_ok", warnings=len(report.warnings)))
    else:
        click.echo(
            t("ledger.check.summary_fail", errors=len(report.errors), warnings=len(report.warnings))
        )


def _line(item: Finding) -> str:
    where = t("ledger.check.row", row=item.row) if item.row else t("ledger.check.file")
    if item.column:
        where += " · " + column_label(item.sheet, item.column)
    separator = "：" if current_language() == "zh" else ": "
    return where + separator + item.message
