"""A process killed with SIGKILL while appending leaves a log that verifies up to the tear."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from secure_exchange.audit import AuditLog, AuditUnavailableError

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")

_LOOP = """
import sys
from pathlib import Path
from secure_exchange.audit import AuditLog, EventDraft
log = AuditLog.open(Path(sys.argv[1]))
print("ready", flush=True)
i = 0
while True:
    log.append_many([EventDraft("scored", counts={"i": i + k}) for k in range(7)])
    i += 7
"""

_TEAR = """
import os, signal, sys
from pathlib import Path
from secure_exchange.audit import AuditLog
from secure_exchange.audit import store as _auditstore
log = AuditLog.open(Path(sys.argv[1]))
for i in range(5):
    log.record("scored", actor=None, counts={"i": i})
real_write = os.write
def half_then_die(fd, data):
    real_write(fd, bytes(data)[: len(data) // 2])
    os.kill(os.getpid(), signal.SIGKILL)
_auditstore.os.write = half_then_die
log.record("scored", actor=None, counts={"i": 5})
"""


def _python(code: str, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), str(home)],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_killed_mid_write_reports_torn_tail(tmp_path: Path) -> None:
    proc = _python(_TEAR, tmp_path)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    report = AuditLog.verify(tmp_path)
    assert report.first_bad is None
    assert report.size == 5
    assert report.torn_tail is not None
    assert report.torn_tail.params["bytes"] > 0
    with pytest.raises(AuditUnavailableError, match="never finished"):
        AuditLog.open(tmp_path)


@pytest.mark.slow
def test_killed_during_a_stream_of_appends(tmp_path: Path) -> None:
    proc = _python(_LOOP, tmp_path)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.4)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    report = AuditLog.verify(tmp_path)
    assert report.first_bad is None  # every complete record verifies
    assert report.size > 0
    if report.torn_tail is None:
        assert report.ok
    else:
        AuditLog.repair_torn_tail(tmp_path, actor=None)
        assert AuditLog.verify(tmp_path).ok
    events = AuditLog.open(tmp_path).events()
    assert [e.counts.get("i") for e in events if e.action == "scored"] == list(
        range(len([e for e in events if e.action == "scored"]))
    )
