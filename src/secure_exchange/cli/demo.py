"""``sx demo``: the whole story on invented data."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import click

from secure_exchange.cli.common import DATE, force_option
from secure_exchange.demo import run_demo
from secure_exchange.errors import SecureExchangeError
from secure_exchange.i18n import t

__all__ = ["register"]


def register(root: click.Group) -> None:
    """Add ``demo`` to ``root``."""

    @root.command("demo", help=t("cli.help.demo"))
    @click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("demo-out"),
        show_default=True,
    )
    @click.option(
        "--residents",
        type=click.IntRange(24, 2_000_000),
        default=10_000,
        show_default=True,
        help=t("cli.help.demo_residents"),
    )
    @click.option(
        "--as-of",
        type=DATE,
        default="2022-07-01",
        show_default=True,
        help=t("cli.help.as_of"),
    )
    @force_option
    def demo(out: Path, residents: int, as_of: datetime, force: bool) -> None:
        if out.is_dir() and any(out.iterdir()) and not force:
            raise SecureExchangeError("fs.output_exists", path=out)
        start = time.perf_counter()
        result = run_demo(
            out, residents=residents, as_of=as_of.date(), say=lambda line: click.echo("• " + line)
        )
        click.echo("")
        click.echo(
            t(
                "demo.summary",
                subjects=result.subjects,
                approved=result.approved,
                credit=f"{result.credit_yuan:,}",
                notified=result.notified,
                seconds=f"{time.perf_counter() - start:.1f}",
            )
        )
        for key, path in result.files.items():
            click.echo(f"  {t('demo.file.' + key)}: {path}")
