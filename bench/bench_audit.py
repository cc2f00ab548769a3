"""Access log: durable appends per second and ``verify`` time, each beside a raw baseline.

Usage: .venv/bin/python bench/bench_audit.py [--rows 1000000] [--appends 2000] [--dir DIR]

1. Durable appends, one fsync per event, through ``AuditLog.record``; baseline: raw
   ``os.write`` + ``os.fsync`` of the same record bytes to another file.
2. Batched appends, 100 events per fsync, through ``append_many``; same baseline batched.
3. ``AuditLog.verify`` over a log of ``--rows`` events (written directly, unsynced, for
   speed); baseline: reading the same file and SHA-256 hashing each record's bytes.
Peak RSS is printed at the end (resource.getrusage).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from secure_exchange.audit import Actor, AuditLog, Event, EventDraft, store

ACTOR = Actor("bank-officer", "RWQ3A0B1C2D3E4F5")
DETAIL = {"groups": "scoring,evaluations", "reason": "monthly review"}


def _draft(i: int) -> EventDraft:
    return EventDraft(
        "package.opened", "event", "ok", ACTOR, f"pkg-2025-{i % 97:04d}", {"rows": i % 5000}, DETAIL
    )


def _records(n: int, station: str = "bench") -> list[bytes]:
    start = "2025-03-01T08:00:00.000Z"
    return [
        store.encode_record(Event.from_draft(_draft(i), i, start, station).to_json())
        for i in range(n)
    ]


def _raw_baseline(path: Path, chunks: list[bytes]) -> float:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        t0 = time.perf_counter()
        for chunk in chunks:
            os.write(fd, chunk)
            os.fsync(fd)
        return time.perf_counter() - t0
    finally:
        os.close(fd)


def bench_appends(work: Path, n: int, batch: int) -> None:
    home = work / f"appends-{batch}"
    home.mkdir()
    log = AuditLog.open(home)
    drafts = [_draft(i) for i in range(n)]
    t0 = time.perf_counter()
    if batch == 1:
        for draft in drafts:
            log.append(draft)
    else:
        for i in range(0, n, batch):
            log.append_many(drafts[i : i + batch])
    ours = time.perf_counter() - t0
    records = _records(n)
    chunks = (
        records if batch == 1 else [b"".join(records[i : i + batch]) for i in range(0, n, batch)]
    )
    raw = _raw_baseline(work / f"raw-{batch}.bin", chunks)
    label = "1 fsync/event" if batch == 1 else f"{batch} events/fsync"
    print(
        f"durable appends ({label:>15}): AuditLog {n / ours:10,.0f} ev/s   "
        f"raw write+fsync {n / raw:10,.0f} ev/s   ratio {raw / ours:5.2f}"
    )


def _write_big_log(home: Path, rows: int) -> int:
    (home / "audit").mkdir(parents=True)
    path = home / "audit" / store.LOG_NAME
    step = 100_000
    with path.open("wb") as fh:
        fh.write(store.HEADER)
        for first in range(0, rows, step):
            count = min(step, rows - first)
            lines = [
                store.encode_record(
                    Event.from_draft(_draft(i), i, "2025-03-01T08:00:00.000Z", home.name).to_json()
                )
                for i in range(first, first + count)
            ]
            fh.write(b"".join(lines))
    return path.stat().st_size


def _hash_baseline(path: Path) -> float:
    t0 = time.perf_counter()
    sha = hashlib.sha256
    with path.open("rb") as fh:
        fh.readline()
        carry = b""
        while chunk := fh.read(1 << 24):
            block = carry + chunk
            cut = block.rfind(b"\n") + 1
            for line in block[:cut].split(b"\n")[:-1]:
                sha(line[65:]).digest()
            carry = block[cut:]
    return time.perf_counter() - t0


def bench_verify(work: Path, rows: int) -> None:
    home = work / "big"
    size = _write_big_log(home, rows)
    path = home / "audit" / store.LOG_NAME
    _hash_baseline(path)  # warm the page cache for both runs
    base = _hash_baseline(path)
    t0 = time.perf_counter()
    report = AuditLog.verify(home)
    ours = time.perf_counter() - t0
    assert report.ok, report.first_bad
    assert report.size == rows
    t0 = time.perf_counter()
    AuditLog.open(home)  # once per command: the station keeps the open log
    opened = time.perf_counter() - t0
    print(
        f"verify {rows:,} events ({size / 2**20:,.0f} MiB): AuditLog.verify {ours:6.2f} s   "
        f"plain SHA-256 of the records {base:6.2f} s   ratio {ours / base:5.2f}   "
        f"(AuditLog.open {opened:5.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="events for verify")
    parser.add_argument("--appends", type=int, default=2000, help="events per append test")
    parser.add_argument("--dir", type=Path, default=None, help="where to write (a real disk)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sx-bench-audit-", dir=args.dir))
    try:
        bench_appends(work, args.appends, 1)
        bench_appends(work, args.appends * 5, 100)
        bench_verify(work, args.rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
