"""``sx report DECISIONS --out FILE.html``: the management report on scoring decisions."""

from __future__ import annotations

from pathlib import Path

import click

from secure_exchange.cli.common import (
    check_out,
    check_suffix,
    force_option,
    out_option,
    station,
)
from secure_exchange.i18n import t
from secure_exchange.reports import write_report
from secure_exchange.station import package_risk

__all__ = ["register"]


def register(root: click.Group) -> None:
    """Add the ``report`` command to ``root``."""
    root.add_command(_report_cmd())


def _report_cmd() -> click.Command:
    @click.command("report", help=t("report.help.command"))
    @click.argument("decisions", type=click.Path(dir_okay=False, path_type=Path))
    @out_option("report.help.out")
    @click.option("--policy", "policy_ref", default=None, help=t("report.help.policy"))
    @click.option(
        "--package",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=None,
        help=t("report.help.package"),
    )
    @force_option
    def report(
        decisions: Path, out: Path, policy_ref: str | None, package: Path | None, force: bool
    ) -> None:
        check_suffix(out, ".html", ".htm")
        check_out(out, decisions, force=force)
        risk = package_risk(station(), package) if package is not None else None
        written = write_report(decisions, out, policy=policy_ref, risk=risk)
        click.echo(t("report.cli.written", path=written))

    return report
