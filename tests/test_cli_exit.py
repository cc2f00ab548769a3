"""``sx`` as a program: ``run`` leaves without the interpreter's teardown, keeping the
exit status and every byte written to standard output and error."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from secure_exchange.cli.app import _exit_status


def _sx(*args: str, home: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "SX_LANG": "en", "SX_HOME": home}
    return subprocess.run(
        [sys.executable, "-m", "secure_exchange", *args], env=env, capture_output=True, check=False
    )


@pytest.mark.parametrize(
    ("code", "status"), [(None, 0), (0, 0), (1, 1), (2, 2), (130, 130), (256 + 3, 3)]
)
def test_exit_status_of_numbers(code: int | None, status: int) -> None:
    assert _exit_status(code) == status


def test_exit_status_of_a_message_is_one_and_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_status("stopped") == 1
    assert capsys.readouterr().err == "stopped\n"


def test_program_keeps_output_and_status(tmp_path: os.PathLike[str]) -> None:
    home = str(tmp_path)
    done = _sx("--help", home=home)
    assert done.returncode == 0
    assert done.stdout.startswith(b"Usage: sx")
    assert done.stdout.endswith(b"\n")  # flushed whole before leaving
    usage = _sx("no-such-verb", home=home)
    assert usage.returncode == 2
    assert b"no-such-verb" in usage.stderr
    refused = _sx("ledger", "check", str(tmp_path / "absent.csv"), home=home)
    assert refused.returncode == 1
    assert refused.stderr.decode().strip().splitlines() == [
        f"Error: Ledger not found: {tmp_path / 'absent.csv'}"
    ]


def test_program_output_to_a_closed_pipe_does_not_hang(tmp_path: os.PathLike[str]) -> None:
    env = {**os.environ, "SX_LANG": "en", "SX_HOME": str(tmp_path)}
    cmd = f"{sys.executable} -m secure_exchange --help | head -c 5"
    done = subprocess.run(cmd, shell=True, env=env, capture_output=True, check=False, timeout=60)  # noqa: S602
    assert done.stdout == b"Usage"


def _allocator(**env: str) -> str:
    code = "from secure_exchange.cli.app import arrow_allocator; print(arrow_allocator())"
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, check=True
    )
    assert done.stderr == b""  # no warning from Arrow on any terminal
    return done.stdout.decode().strip()


def test_program_gives_arrow_jemalloc_where_the_build_has_it() -> None:
    import pyarrow as pa

    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        expected = pa.default_memory_pool().backend_name  # Arrow's own default stays
    else:
        expected = "jemalloc"
    assert _allocator() == expected


def test_program_keeps_the_users_arrow_pool() -> None:
    assert _allocator(ARROW_DEFAULT_MEMORY_POOL="system") == "system"
