"""Run ``sx`` and SIGKILL it at its Nth file-system event (tests/test_kill_safety.py).

Usage: ``python tests/killer.py SX-ARGS...`` with, in the environment,

- ``SX_KILL_ROOT``: only paths under this folder count (``__pycache__`` and the like never);
- ``SX_KILL_AT``: the 1-based event at which the process kills itself (0 or unset: never);
- ``SX_KILL_TEAR``: ``1`` to write half of the bytes of that event's ``os.write`` first
  (only ``os.write`` calls count then; the access log is the one writer using it);
- ``SX_KILL_TRACE``: a file (outside the root) that receives one line per counted event,
  written when the command ends or right before the kill, the kill point last (an
  unkilled run measures the count and names the events).

An audit hook (``sys.addaudithook``) sees each event *before* it happens, so a kill at
event N leaves events 1..N-1 done and N not. Writes through an open file are not audited;
the next event (a rename, the next open) comes after them.
Nothing here is imported by the code under test.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys

# Events that change the file system. ``open`` counts only when it opens for writing (the
# access log's append opens the file, locks it, writes each record with one ``write``: a
# kill at its ``open`` is a kill before the append, the next event comes after it).
_CHANGES = {
    "os.rename",
    "os.replace",
    "os.remove",
    "os.rmdir",
    "os.mkdir",
    "os.truncate",
    "os.chmod",
    "os.link",
    "os.symlink",
    "shutil.copyfile",
    "shutil.rmtree",
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

_ROOT = os.path.realpath(os.environ.get("SX_KILL_ROOT", "/nonexistent-root"))
_AT = int(os.environ.get("SX_KILL_AT", "0") or 0)
_TEAR = os.environ.get("SX_KILL_TEAR") == "1"
_TRACE = os.environ.get("SX_KILL_TRACE")
_seen: list[str] = []


def _die() -> None:
    _write_trace()  # the events so far, the kill point last
    os.kill(os.getpid(), signal.SIGKILL)


def _under_root(path: object) -> str | None:
    if isinstance(path, int):
        return f"fd:{path}"
    if not isinstance(path, (str, bytes, os.PathLike)):
        return None
    text = os.path.realpath(os.fsdecode(path))
    if text == _ROOT or text.startswith(_ROOT + os.sep):
        return os.path.relpath(text, _ROOT)
    return None


def _describe(event: str, args: tuple[object, ...]) -> str | None:
    """A short description of an event of interest, or None for one that does not count."""
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        where = _under_root(path) if writing else None
        return None if where is None or where.startswith("fd:") else f"open {where}"
    if event not in _CHANGES:
        return None
    where = _under_root(args[0]) if args else None
    return None if where is None else f"{event} {where}"


def _count(text: str) -> None:
    _seen.append(text)
    if len(_seen) == _AT:
        _die()


def _hook(event: str, args: tuple[object, ...]) -> None:
    text = _describe(event, args)
    if text is not None:
        _count(text)


def _torn_writes() -> None:
    """Count ``os.write`` calls instead; at the chosen one write half, then die."""
    real_write = os.write

    def write(fd: int, data: bytes | memoryview) -> int:
        _seen.append(f"os.write fd:{fd} {len(data)} bytes")
        if len(_seen) == _AT:
            real_write(fd, bytes(data)[: max(1, len(data) // 2)])
            _die()
        return real_write(fd, data)

    os.write = write


def _write_trace() -> None:
    if _TRACE:
        with open(_TRACE, "w", encoding="utf-8") as fh:  # after the last counted event
            fh.write("".join(f"{line}\n" for line in _seen))


def main() -> None:
    if _TEAR:
        _torn_writes()
    else:
        sys.addaudithook(_hook)
    atexit.register(_write_trace)
    from secure_exchange.cli import main as sx_main  # after the hook: imports are seen too

    sys.argv = ["sx", *sys.argv[1:]]
    sx_main()


if __name__ == "__main__":
    main()
