"""Passphrases and Ctrl-C at a real terminal (a pseudo-terminal; POSIX only).

A new passphrase is asked twice under a prompt that says it is new and needs 12
characters; an unlock may be retried up to 3 times; Ctrl-C exits 130 with one line.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
GOOD = "a sentence I remember"


class Terminal:
    """``sx`` run on a pseudo-terminal: what it prints, what is typed."""

    def __init__(self, home: Path, *args: str, lang: str = "en") -> None:
        import pty

        self.master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SX_PASSPHRASE")}
        env.update(SX_HOME=str(home), SX_LANG=lang, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "secure_exchange", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
        )
        os.close(slave)
        self.seen = ""
        self.read_to = 0

    def expect(self, text: str, timeout: float = 60) -> str:
        """Wait until ``text`` is shown after what was expected before."""
        end = time.monotonic() + timeout
        while text not in self.seen[self.read_to :]:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not shown; got {self.seen!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.master, 4096).decode("utf-8", "replace")
                except OSError:  # the child closed the terminal
                    time.sleep(0.05)
        self.read_to = self.seen.index(text, self.read_to) + len(text)
        return self.seen

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def finish(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout)
        while True:  # what is left on the terminal
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if not ready:
                break
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk.decode("utf-8", "replace")
        os.close(self.master)
        return code


@pytest.fixture
def home(tmp_path: Path) -> Path:
    station = tmp_path / "home"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "secure_exchange",
            "init",
            "--org",
            "测试社区",
            "--role",
            "community",
        ],
        env={**os.environ, "SX_HOME": str(station), "SX_LANG": "en"},
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return station


def _new_key(home: Path, name: str = "k1") -> None:
    term = Terminal(home, "keys", "new", name, "--kdf", "fast")
    term.expect("New passphrase for key k1")
    term.type("abc")
    term.expect("Repeat the new passphrase")
    term.type("abc")
    term.expect("too short")
    term.expect("New passphrase for key k1", timeout=10)
    term.type(GOOD)
    term.expect("Repeat the new passphrase")
    term.type(GOOD)
    assert term.finish() == 0, term.seen
    assert "Key k1 created" in term.seen


def test_a_new_passphrase_is_asked_twice_and_needs_twelve_characters(home: Path) -> None:
    _new_key(home)


def test_an_unlock_may_be_retried_three_times(home: Path) -> None:
    _new_key(home)
    term = Terminal(home, "keys", "export-age-identity", "k1")
    term.expect("Passphrase for key k1")
    term.type("not it")
    term.expect("2 tries left")
    term.expect("Passphrase for key k1")  # typed before the prompt, getpass would drop it
    term.type("not it either")
    term.expect("1 tries left")
    term.expect("Passphrase for key k1")
    term.type(GOOD)
    assert term.finish() == 0, term.seen
    assert "AGE-SECRET-KEY-" in term.seen

    term = Terminal(home, "keys", "export-age-identity", "k1")
    for _ in range(3):
        term.expect("Passphrase for key k1")
        term.type("wrong")
        time.sleep(0.2)
    assert term.finish() == 1
    assert "Wrong passphrase" in term.seen
    assert "Traceback" not in term.seen


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ctrl_c_exits_130_with_one_line(home: Path, lang: str) -> None:
    term = Terminal(home, "keys", "new", "k2", "--kdf", "fast", lang=lang)
    term.expect("k2")
    time.sleep(0.3)
    term.proc.send_signal(signal.SIGINT)
    assert term.finish() == 130, term.seen
    assert "Traceback" not in term.seen
    assert ("Interrupted" if lang == "en" else "已中断") in term.seen
    assert "Aborted" not in term.seen


def test_ctrl_c_in_the_middle_of_work_exits_130(home: Path, tmp_path: Path) -> None:
    """Not only at a prompt: while the demo builds its stations and ledger."""
    out = tmp_path / "demo"
    term = Terminal(home, "demo", "--out", str(out), "--residents", "2000000", lang="zh")
    term.expect("•")  # the first step is under way
    time.sleep(1.0)
    term.proc.send_signal(signal.SIGINT)
    assert term.finish() == 130, term.seen
    assert "Traceback" not in term.seen
    assert "已中断" in term.seen
    assert "内部错误" not in term.seen
