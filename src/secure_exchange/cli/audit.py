"""``sx audit``: verify, show, export and report on the station's access log."""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime
from pathlib import Path

import click

from secure_exchange.audit import report as audit_report
from secure_exchange.audit.log import Actor, AuditLog, AuditVerifyReport, Event
from secure_exchange.errors import AuditError
from secure_exchange.i18n import t

__all__ = ["register"]


def _home() -> Path:
    """The station home: the lead's ``station_home`` where present, else ``SX_HOME``."""
    try:
        from secure_exchange.cli._common import home_path
    except ImportError:  # pragma: no cover - before the shared CLI helpers existed
        import os

        value = os.environ.get("SX_HOME", "").strip()
        if not value:
            raise AuditError("audit.cli.no_home") from None
        return Path(value).expanduser()
    return home_path()


def _reader() -> Actor:
    """The OS user who reads the log (no key is unlocked for reading)."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return Actor(f"user:{user}", "")


def register(root: click.Group) -> None:
    """Add the ``audit`` group to ``root``."""

    @root.group("audit", help=t("audit.help.group"))
    def audit() -> None:
        """Access-log commands."""

    audit.add_command(_verify_cmd())
    audit.add_command(_show_cmd())
    audit.add_command(_export_cmd())
    audit.add_command(_report_cmd())


def _verify_cmd() -> click.Command:
    @click.command("verify", help=t("audit.help.verify"))
    @click.option("--json", "as_json", is_flag=True, help=t("audit.help.json"))
    def verify(as_json: bool) -> None:
        report = AuditLog.verify_and_record(_home(), actor=_reader())
        if as_json:
            click.echo(json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True))
        else:
            _render_verify(report)
        if not report.ok:  # exit 1 through the root handler, with one line on stderr
            raise AuditError("audit.cli.verify_failed", size=report.size)

    return verify


def _render_verify(report: AuditVerifyReport) -> None:
    for warning in report.warnings[:5]:
        click.echo(t("audit.cli.warning") + warning.message, err=True)
    problems = [p for p in (report.first_bad, report.torn_tail) if p is not None]
    heads = [c.problem for c in report.checkpoints] + [w.problem for w in report.witnessed]
    problems += [p for p in heads if p is not None and p not in problems]
    for problem in problems:
        click.echo(t("audit.cli.problem") + problem.message, err=True)
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


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _show_cmd() -> click.Command:
    day = click.DateTime(formats=["%Y-%m-%d"])

    @click.command("show", help=t("audit.help.show"))
    @click.option("--since", type=day, default=None, help=t("audit.help.since"))
    @click.option("--until", type=day, default=None, help=t("audit.help.until"))
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
        log = AuditLog.open(_home())
        events = log.read(
            actor=_reader(),
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


_COLUMNS = ("seq", "time", "actor", "action", "phase", "outcome", "package", "counts", "detail")


def _row(event: Event) -> list[str]:
    local = event.when.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    counts = " ".join(f"{k}={v}" for k, v in sorted(event.counts.items()))
    detail = " ".join(f"{k}={v}" for k, v in sorted(event.detail.items()))
    return [
        str(event.seq),
        local,
        event.actor.name if event.actor else "-",
        event.action,
        event.phase,
        event.outcome or "-",
        event.package or "-",
        counts,
        detail,
    ]


def _render_table(events: list[Event]) -> None:
    header = [t(f"audit.col.{c}") for c in _COLUMNS]
    rows = [_row(e) for e in events]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())
    click.echo(t("audit.cli.shown", count=len(events)))


def _export_cmd() -> click.Command:
    @click.command("export", help=t("audit.help.export"))
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["jsonl", "ocsf"]),
        required=True,
        help=t("audit.help.format"),
    )
    @click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help=t("audit.help.out"),
    )
    def export(fmt: str, out: Path) -> None:
        count = AuditLog.open(_home()).export(out, fmt, actor=_reader())
        click.echo(t("audit.cli.exported", count=count, path=out))

    return export


def _report_cmd() -> click.Command:
    @click.command("report", help=t("audit.help.report"))
    @click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help=t("audit.help.report_out"),
    )
    def report(out: Path) -> None:
        count = audit_report.write_report(_home(), out, actor=_reader())
        click.echo(t("audit.cli.reported", count=count, path=out))

    return report
