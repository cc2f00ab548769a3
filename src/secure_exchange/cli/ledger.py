"""``sx ledger check`` and ``sx ledger template``: parse arguments, call the library, render."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from secure_exchange.cli.common import (
    DATE,
    check_out,
    check_suffix,
    force_option,
    out_option,
    station,
)
from secure_exchange.errors import Problem
from secure_exchange.i18n import current_language, printable, t
from secure_exchange.ledger import CheckReport, column_label, write_template
from secure_exchange.station import check_ledger

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
        type=DATE,
        metavar="YYYY-MM-DD",
        help=t("ledger.help.as_of"),
    )
    @click.pass_context
    def check(
        ctx: click.Context, path: Path, as_json: bool, drop_unknown: bool, as_of: datetime | None
    ) -> None:
        progress = _progress()
        checked = check_ledger(
            station(),
            path,
            as_of=as_of.date() if as_of else None,
            drop_unknown=drop_unknown,
            progress=progress,
        )
        report = checked.report
        if progress is not None:
            click.echo("", err=True)
        if as_json:
            click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            _render(report)
            if report.ok:
                counts = {"residents": checked.residents, "evaluations": checked.evaluations}
                click.echo(t("ledger.check.counts", **counts))
        ctx.exit(0 if report.ok else 1)

    return check


def _template_command() -> click.Command:
    @click.command("template", help=t("ledger.help.template"))
    @out_option("ledger.help.out", metavar="FILE.xlsx")
    @force_option
    def template(out: Path, force: bool) -> None:
        check_suffix(out, ".xlsx")
        check_out(out, force=force)
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
            if item.where.sheet != sheet:
                sheet = item.where.sheet
                click.echo("  " + t("ledger.check.sheet", sheet=sheet))
            click.echo("    " + _line(item))
    if report.ok:
        click.echo(t("ledger.check.summary_ok", warnings=len(report.warnings)))
    else:
        click.echo(
            t("ledger.check.summary_fail", errors=len(report.errors), warnings=len(report.warnings))
        )


def _line(item: Problem) -> str:
    at = item.where
    where = t("ledger.check.row", row=at.row) if at.row else t("ledger.check.file")
    if at.column:
        where += " · " + printable(column_label(at.sheet or "", at.column))
    separator = "：" if current_language() == "zh" else ": "
    return where + separator + item.message()
