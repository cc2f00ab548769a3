"""Run every benchmark in turn (``make bench``); each prints its own figures and baseline.

``BENCH_10M=1 make bench`` adds the 10-million-resident exchange to ``bench_cli.py`` (about
2.6 GB of CSV, some 15 GB of free space under ``TMPDIR``, half an hour or more)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = (
    "bench_package.py",
    "bench_age.py",
    "bench_ledger.py",
    "bench_score.py",
    "bench_audit.py",
    "bench_cli.py",  # the sx commands end to end; BENCH_10M=1 adds the 10M run
)


def main() -> int:
    """Run each benchmark with its defaults; stop at the first that fails."""
    for name in BENCHES:
        print(f"\n=== {name}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / name)], check=False)
        if done.returncode != 0:
            return done.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
