"""CLI verbs of the exchange itself: seal, score, reidentify."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import click

from scoring import Summary, load_policy, summarise
from secure_exchange.cli.common import (
    DATE,
    PassphraseSource,
    check_out,
    echo_risk,
    force_option,
    out_option,
    passphrase_option,
    progress_bar,
    stage_printer,
    staged_counter,
    station,
)
from secure_exchange.errors import IdentityError
from secure_exchange.i18n import label, printable, t
from secure_exchange.reports import Notice
from secure_exchange.station import (
    read_results,
    reason_labels,
    reasons_text,
    reidentify,
    score_ledger,
    score_package,
    seal_decisions,
    seal_ledger,
)

__all__ = ["register"]


def register(root: click.Group) -> None:
    """Add seal, score and reidentify to ``root``."""
    root.add_command(_seal_cmd())
    root.add_command(_score_cmd())
    root.add_command(_reidentify_cmd())
    root.add_command(_results_cmd())


# Which kind of station holds keys of each purpose (the agreement's parties A and B).
_KEY_HOME = {"officer": "community", "scoring": "bank", "reidentify": "bank"}


def _default_key(purpose: str) -> str:
    """The station's only key of ``purpose``; ask for ``--as`` when there are several.

    None at all: a step of the other kind of station (a bank verb at a community) says
    which station this is and where to go; a key not made yet says how to make it.
    """
    names = [k.name for k in station().keyring.list() if k.purpose == purpose]
    if len(names) == 1:
        return names[0]
    if names:
        raise IdentityError("cli.key_choice", purpose=label("purpose", purpose), count=len(names))
    info = station().info
    home = _KEY_HOME.get(purpose)
    if home is not None and home != info.role:
        raise IdentityError(
            "cli.wrong_station",
            org=info.org,
            role=label("role", info.role),
            other=label("role", home),
            purpose=label("purpose", purpose),
        )
    raise IdentityError("cli.no_key_yet", purpose=label("purpose", purpose), code=purpose)


def _seal_cmd() -> click.Command:
    @click.command("seal", help=t("cli.help.seal"))
    @click.argument("ledger", type=click.Path(exists=True, path_type=Path))
    @click.option("--agreement", "number", required=True, help=t("cli.help.agreement_no"))
    @out_option("cli.help.seal_out", folder=True)
    @click.option("--as", "names", multiple=True, metavar="NAME", help=t("cli.help.seal_as"))
    @click.option("--drop-unknown-columns", is_flag=True, help=t("cli.help.drop_unknown"))
    @click.option("--allow-unenrolled", is_flag=True, help=t("cli.help.allow_unenrolled"))
    @passphrase_option
    def seal(
        ledger: Path,
        number: str,
        out: Path,
        names: tuple[str, ...],
        drop_unknown_columns: bool,
        allow_unenrolled: bool,
        passphrase_file: Path | None,
    ) -> None:
        check_out(out, ledger, folder=True)
        if station().info.party == "B":
            _seal_back(ledger, number, out, list(names), passphrase_file)
            return
        signers = list(names) or [_default_key("officer"), _default_key("seal")]
        source = PassphraseSource(passphrase_file)
        with staged_counter() as (stage, progress):
            outcome = seal_ledger(
                station(),
                ledger,
                number,
                signers,
                out,
                source,
                drop_unknown=drop_unknown_columns,
                allow_unenrolled=allow_unenrolled,
                progress=progress,
                stage=stage,
                check_first=source.prompts,  # people are not called for a bad ledger
            )
        for column in outcome.dropped_columns:
            click.echo(t("cli.column_dropped", column=column))
        sealed = outcome.package
        for group in sealed.groups():
            click.echo(t("cli.group_rows", group=label("group", group), rows=sealed.rows(group)))
            echo_risk(sealed.manifest.group(group))
        click.echo(t("cli.sealed", package=sealed.package_id, number=sealed.agreement.number))
        click.echo(str(sealed.path))

    return seal


def _seal_back(
    decisions: Path, number: str, out: Path, names: list[str], passphrase_file: Path | None
) -> None:
    """At the bank, ``sx seal DECISIONS`` seals the decisions back to party A."""
    sealed = seal_decisions(
        station(),
        decisions,
        number,
        names or [_default_key("seal")],
        out,
        PassphraseSource(passphrase_file),
    )
    rows = sealed.rows("decisions")
    click.echo(t("cli.group_rows", group=label("group", "decisions"), rows=rows))
    click.echo(t("cli.sealed", package=sealed.package_id, number=sealed.agreement.number))
    click.echo(str(sealed.path))


def _results_cmd() -> click.Command:
    @click.command("results", help=t("cli.help.results"))
    @click.argument("package", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--ledger", type=click.Path(exists=True, path_type=Path), required=True)
    @out_option()
    @click.option("--as", "name", default=None, metavar="NAME")
    @click.option(
        "--publish",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=t("cli.help.publish"),
    )
    @click.option(
        "--objection-days",
        type=click.IntRange(1, 60),
        default=7,
        show_default=True,
        help=t("cli.help.objection_days"),
    )
    @click.option("--contact", default="村（居）委会信用评议小组", help=t("cli.help.contact"))
    @passphrase_option
    @force_option
    def results(
        package: Path,
        ledger: Path,
        out: Path,
        name: str | None,
        publish: Path | None,
        objection_days: int,
        contact: str,
        passphrase_file: Path | None,
        force: bool,
    ) -> None:
        check_out(out, package, ledger, force=force)
        today = date.today()
        notice = Notice(today + timedelta(days=objection_days), contact, today)
        count = read_results(
            station(),
            package,
            ledger,
            name or _default_key("seal"),
            PassphraseSource(passphrase_file),
            out,
            publish=None if publish is None else (publish, notice),
            force=force,
        )
        click.echo(t("cli.results_read", count=count, path=out))
        if publish is not None:
            click.echo(t("cli.published", path=publish))

    return results


def _score_cmd() -> click.Command:
    @click.command("score", help=t("cli.help.score"))
    @click.argument("source", type=click.Path(exists=True, path_type=Path))
    @click.option("--as-of", type=DATE, required=True, help=t("cli.help.as_of"))
    @click.option(
        "--policy",
        "policy_ref",
        default="jinxiang-2022",
        show_default=True,
        help=t("cli.help.policy"),
    )
    @out_option("cli.help.score_out")
    @click.option("--as", "name", default=None, metavar="NAME", help=t("cli.help.score_as"))
    @click.option(
        "--adjust",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help=t("cli.help.score_adjust"),
    )
    @passphrase_option
    @force_option
    def score(
        source: Path,
        as_of: datetime,
        policy_ref: str,
        out: Path,
        name: str | None,
        adjust: Path | None,
        passphrase_file: Path | None,
        force: bool,
    ) -> None:
        check_out(out, source, *([adjust] if adjust is not None else []), force=force)
        policy = load_policy(policy_ref)
        day = as_of.date()
        if adjust is not None and not _is_package(source):
            raise click.UsageError(t("cli.score_adjust_package_only"))
        if _is_package(source):
            scored = score_package(
                station(),
                source,
                day,
                policy,
                out,
                name or _default_key("scoring"),
                PassphraseSource(passphrase_file),
                stage=stage_printer(),
                adjust=adjust,
            )
            summary, warnings = scored.summary, scored.warnings
        else:
            with progress_bar(0, "cli.progress.read") as progress:
                result = score_ledger(station(), source, day, policy, out, progress=progress)
            summary, warnings = summarise(result.decisions), result.warnings
        _render_summary(summary, warnings, day)
        click.echo(t("cli.written", path=out))

    return score


def _is_package(path: Path) -> bool:
    return path.is_dir() and (path / "SHA256SUMS").exists()


def _render_summary(summary: Summary, warnings: tuple[str, ...], day: date) -> None:
    """The warnings, then the counts by status and credit, overall and per community."""
    for warning in warnings:
        click.echo(t("cli.warning_prefix") + warning, err=True)
    click.echo(
        t(
            "cli.score_total",
            subjects=summary.subjects,
            day=day.isoformat(),
            credit=f"{summary.credit_yuan:,}",
        )
    )
    statuses = ("approved", "declined", "ineligible", "vetoed")
    header = [
        t("cli.col.community"),
        t("cli.col.subjects"),
        *(t(f"status.{s}") for s in statuses),
        t("cli.col.credit"),
    ]
    rows = [
        [
            t("cli.col.total"),
            str(summary.subjects),
            *(str(summary.counts.get(s, 0)) for s in statuses),
            f"{summary.credit_yuan:,}",
        ]
    ]
    rows += [
        [
            printable(c.community),
            str(c.subjects),
            *(str(c.counts.get(s, 0)) for s in statuses),
            f"{c.credit_yuan:,}",
        ]
        for c in summary.communities
    ]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [_pad(row[0], widths[0], left=True)]
        cells += [_pad(cell, width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        click.echo("  " + "  ".join(cells))


def _width(text: str) -> int:
    """Columns a terminal gives ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, left: bool = False) -> str:
    fill = " " * (width - _width(text))
    return text + fill if left else fill + text


def _reidentify_cmd() -> click.Command:
    @click.command("reidentify", help=t("cli.help.reidentify"))
    @click.argument("decisions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--package", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True
    )
    @click.option(
        "--reason", required=True, metavar="CODE", help=t("reid.help.reason", codes=reasons_text())
    )
    @click.option("--ticket", default=None, help=t("reid.help.ticket"))
    @out_option()
    @click.option("--as", "name", default=None, metavar="NAME")
    @passphrase_option
    @force_option
    def reidentify_(
        decisions: Path,
        package: Path,
        reason: str,
        ticket: str | None,
        out: Path,
        name: str | None,
        passphrase_file: Path | None,
        force: bool,
    ) -> None:
        check_out(out, decisions, package, force=force)
        done = reidentify(
            station(),
            decisions,
            package,
            reason,
            out,
            name or _default_key("reidentify"),
            PassphraseSource(passphrase_file),
            ticket=ticket,
        )
        if done.not_approved:
            message = t(
                "reid.rows_not_approved",
                count=done.not_approved,
                package=done.package,
                as_of=done.as_of,
            )
            click.echo(t("cli.warning_prefix") + message, err=True)
        label = reason_labels()[done.reason]
        click.echo(t("reid.done", count=done.rows, label=label, path=out))

    return reidentify_
