"""``sx audit``: verify, show, export and report on the station's access log."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import date, datetime
from pathlib import Path

import click

from secure_exchange.audit import (
    TABLE_COLUMNS,
    AuditLog,
    AuditVerifyReport,
    Event,
    action_label,
    outcome_label,
    write_report,
)
from secure_exchange.cli.click_zh import display_width
from secure_exchange.cli.common import (
    DATE,
    check_out,
    check_suffix,
    force_option,
    out_option,
    station,
)
from secure_exchange.errors import AuditError
from secure_exchange.i18n import printable, t
from secure_exchange.station import user_actor

__all__ = ["register"]


def register(root: click.Group) -> None:
    """Add the ``audit`` group to ``root``."""

    @root.group("audit", help=t("audit.help.group"))
    def audit() -> None:
        """Access-log commands."""

    audit.add_command(_verify_cmd())
    audit.add_command(_show_cmd())
    audit.add_command(_export_cmd())
    audit.add_command(_report_cmd())
    audit.add_command(_repair_cmd())


def _repair_cmd() -> click.Command:
    @click.command("repair", help=t("audit.help.repair"))
    def repair() -> None:
        removed = AuditLog.repair_torn_tail(station().home, actor=user_actor())
        if removed:
            click.echo(t("audit.cli.repaired", bytes=removed))
        else:
            click.echo(t("audit.cli.nothing_to_repair"))

    return repair


def _verify_cmd() -> click.Command:
    @click.command("verify", help=t("audit.help.verify"))
    @click.option("--json", "as_json", is_flag=True, help=t("audit.help.json"))
    @click.option(
        "--home",
        "copy",
        type=click.Path(path_type=Path, exists=True, file_okay=False),
        default=None,
        help=t("audit.help.home"),
    )
    def verify(as_json: bool, copy: Path | None) -> None:
        report = AuditLog.verify_and_record(station().home, actor=user_actor(), copy=copy)
        if as_json:
            click.echo(json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True))
        else:
            _render_verify(report, pinned=copy is not None)
        if not report.ok:  # exit 1 through the root handler, with one line on stderr
            raise AuditError("audit.cli.verify_failed", size=report.size)

    return verify


def _render_verify(report: AuditVerifyReport, *, pinned: bool = False) -> None:
    for warning in report.warnings[:5]:
        click.echo(t("audit.cli.warning") + warning.message(), err=True)
    for problem in report.problems():
        where = f"{printable(problem.where.file)}: " if problem.where.file else ""
        click.echo(t("audit.cli.problem") + where + problem.message(), err=True)
    if report.ok:
        click.echo(
            t(
                "audit.cli.verify_ok",
                size=report.size,
                root=report.root[:16],
                checkpoints=len(report.checkpoints),
                witnessed=len(report.witnessed),
            )
        )
    for key in report.pinned if pinned else ():
        click.echo(t("audit.cli.pinned", **key))


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _show_cmd() -> click.Command:
    @click.command("show", help=t("audit.help.show"))
    @click.option("--since", type=DATE, default=None, help=t("audit.help.since"))
    @click.option("--until", type=DATE, default=None, help=t("audit.help.until"))
    @click.option("--actor", default=None, help=t("audit.help.actor"))
    @click.option("--action", default=None, help=t("audit.help.action"))
    @click.option("--package", default=None, help=t("audit.help.package"))
    @click.option("--json", "as_json", is_flag=True, help=t("audit.help.json_lines"))
    def show(
        since: datetime | None,
        until: datetime | None,
        actor: str | None,
        action: str | None,
        package: str | None,
        as_json: bool,
    ) -> None:
        events = station().log.read(
            actor=user_actor(),
            since=_day(since),
            until=_day(until),
            who=actor,
            action=action,
            package=package,
        )
        if as_json:
            for event in events:
                click.echo(event.to_json().decode())
            return
        _render_table(events)

    return show


_COLUMNS = ("seq", "time", "actor", "action", "outcome", "package", "detail")
# Widest each column may be (terminal columns); the last takes what is left of _WIDTH.
_LIMITS = (6, 16, 14, 16, 8, 29)
_WIDTH = 100


def _row(event: Event) -> list[str]:
    local = event.when.astimezone().strftime("%Y-%m-%d %H:%M")
    counts = " ".join(f"{k}={v}" for k, v in sorted(event.counts.items()))
    detail = " ".join(f"{k}={v}" for k, v in sorted(event.detail.items()))
    state = t("audit.cli.begin") if event.phase == "begin" else outcome_label(event.outcome)
    return [
        str(event.seq),
        local,
        event.actor.name if event.actor else "-",
        action_label(event.action),
        state,
        event.package or "-",
        " ".join(part for part in (counts, detail) if part) or "-",
    ]


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns (CJK characters take two), with "…"."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = display_width(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…"


def _render_table(events: list[Event]) -> None:
    """About 100 columns wide (more on a wider console), aligned by display width (a CJK
    console gives 中 two columns)."""
    header = [t(f"audit.col.{c}") for c in _COLUMNS]
    rows = [[printable(cell) for cell in _row(e)] for e in events]
    cut = [[_fit(c, w) for c, w in zip(r, _LIMITS, strict=False)] + r[len(_LIMITS) :] for r in rows]
    widths = [max(display_width(r[i]) for r in [header, *cut]) for i in range(len(_LIMITS))]
    width = _WIDTH
    if sys.stdout.isatty():  # a wider console shows more of the last column
        width = max(_WIDTH, shutil.get_terminal_size((_WIDTH, 24)).columns - 1)
    rest = max(10, width - sum(widths) - 2 * len(widths))
    for row in [header, *cut]:
        cells = [c + " " * (w - display_width(c)) for c, w in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, _fit(row[-1], rest)]).rstrip())
    click.echo(t("audit.cli.shown", count=len(events)))


_EXPORT_SUFFIXES = {
    "jsonl": (".jsonl", ".json"),
    "ocsf": (".jsonl", ".json"),
    "csv": (".csv",),
    "xlsx": (".xlsx",),
}


def _export_cmd() -> click.Command:
    @click.command("export", help=t("audit.help.export"))
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["jsonl", "ocsf", "csv", "xlsx"]),
        required=True,
        help=t("audit.help.format"),
    )
    @out_option("audit.help.out")
    @force_option
    def export(fmt: str, out: Path, force: bool) -> None:
        check_suffix(out, *_EXPORT_SUFFIXES[fmt])
        check_out(out, force=force)
        headers = [t(f"audit.export.col.{c}") for c in TABLE_COLUMNS]
        count = station().log.export(out, fmt, actor=user_actor(), headers=headers)
        click.echo(t("audit.cli.exported", count=count, path=out))

    return export


def _report_cmd() -> click.Command:
    @click.command("report", help=t("audit.help.report"))
    @out_option("audit.help.report_out")
    @force_option
    def report(out: Path, force: bool) -> None:
        check_suffix(out, ".html", ".htm")
        check_out(out, force=force)
        count = write_report(station().home, out, actor=user_actor())
        click.echo(t("audit.cli.reported", count=count, path=out))

    return report
