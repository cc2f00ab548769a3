"""Root ``sx`` group, the shared context, and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from secure_exchange import fsio
from secure_exchange.cli import (
    audit,
    click_zh,
    core,
    demo,
    exchange,
    ledger,
    lifecycle,
    media,
    report,
)
from secure_exchange.errors import SecureExchangeError
from secure_exchange.i18n import t

__all__ = ["arrow_allocator", "build_cli", "main", "run"]

# Each area adds its commands to the root group, in this order.
_AREAS = (
    core.register,
    lifecycle.register,  # joins the agreement and keys groups of core
    ledger.register,
    exchange.register,
    audit.register,
    media.register,
    report.register,
    demo.register,
)


class _Root(click.Group):
    """The ``sx`` group: the one place where errors become messages and exit codes."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run as click does, but Ctrl-C is one line and exit 130 (128 + SIGINT)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            done = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.Abort as exc:
            interrupted = isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt)
            click.echo(t("cli.interrupted" if interrupted else "cli.cancelled"), err=True)
            sys.exit(130 if interrupted else 1)
        except KeyboardInterrupt:
            click.echo("", err=True)
            click.echo(t("cli.interrupted"), err=True)
            sys.exit(130)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        sys.exit(done if isinstance(done, int) else 0)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SecureExchangeError as exc:
            click.echo(t("cli.error_prefix") + str(exc), err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # the reader went away (``sx … | head``): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except OSError as exc:  # a file open in Excel, gone, or not ours to read
            click.echo(t("cli.error_prefix") + _file_problem(exc), err=True)
            ctx.exit(1)
        except Exception as exc:  # the one handler for bugs: no traceback, no data
            path = _write_crash_report(exc)
            click.echo(t("internal.bug", path=path), err=True)
            ctx.exit(1)
        return None


def _file_problem(exc: OSError) -> str:
    """An ``OSError`` a library call let through, as one plain line (no internal error)."""
    path = Path(os.fsdecode(exc.filename)) if exc.filename is not None else Path("?")
    try:
        fsio.raise_for_read_error(exc, path)
    except SecureExchangeError as said:
        return str(said)
    return str(exc.strerror)  # pragma: no cover - raise_for_read_error always raises


def build_cli() -> click.Group:
    """Build a fresh ``sx`` group with help texts in the current language."""
    click_zh.install()

    @click.group(
        cls=_Root,
        help=t("cli.help.root"),
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    @click.version_option(package_name="secure-exchange")
    def root() -> None:
        """Root group (help text comes from the catalogue)."""

    for register in _AREAS:
        register(root)
    return root


def _write_crash_report(exc: BaseException) -> Path:
    """Write the exception type and code locations only (no values, no message text)."""
    lines = [f"{type(exc).__name__}"]
    for frame in traceback.extract_tb(exc.__traceback__):
        lines.append(f"  {frame.filename}:{frame.lineno} in {frame.name}")
    fd, name = tempfile.mkstemp(prefix="sx-crash-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return Path(name)


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``sx`` (exit 0 done, 1 refused or failed, 2 usage)."""
    build_cli().main(args=list(argv) if argv is not None else None, prog_name="sx")


def run() -> NoReturn:
    """The ``sx`` program (``python -m secure_exchange`` too): ``main``, then leave at once.

    Every command has closed, synced and renamed what it wrote before ``main`` returns, so
    once the output streams are flushed nothing is left for the interpreter's teardown
    but freeing memory: hundreds of milliseconds after a large package (each module and
    table freed one by one), and the moment a native library's threads can still abort
    the process (apache/arrow#34314). An exception other than an exit leaves as usual.
    """
    arrow_allocator()
    try:
        main()
    except SystemExit as exc:
        code = _exit_status(exc.code)
    else:
        code = 0
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach the reader
            code = code or 1
    os._exit(code)


def arrow_allocator() -> str:
    """Give Arrow's buffers jemalloc where this build of pyarrow has it (its Linux wheels)
    and the user chose no pool (``ARROW_DEFAULT_MEMORY_POOL``); the pool's name.

    mimalloc, Arrow's default, hands the pages of a freed buffer back to the kernel soon,
    so the next block's buffers are fresh pages that the kernel zeroes first: sealing a
    million residents spent about half a second of system time on that (``perf``: the
    kernel's ``clear_page``), scoring up to a second. jemalloc keeps freed pages for reuse
    a little longer. Only for the program: a library caller keeps its own choice.
    """
    import pyarrow as pa

    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except NotImplementedError:  # a build without it (Windows): Arrow's default stays
            pass
    return str(pa.default_memory_pool().backend_name)


def _exit_status(code: object) -> int:
    """The process status of ``sys.exit(code)``: a message is printed, status 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write(f"{code}\n")  # as the interpreter would
    return 1
