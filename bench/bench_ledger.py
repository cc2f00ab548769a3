"""Benchmark: ``read_ledger`` on a synthetic CSV ledger vs a plain ``pyarrow.csv.read_csv``.

Usage: ``.venv/bin/python bench/bench_ledger.py [--rows 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synth import write_synthetic_csv_ledger

from secure_exchange.ledger import read_ledger


def _best(repeat: int, *runs: Callable[[], object]) -> list[float]:
    """Best time of each run; runs alternate so machine load affects them alike."""
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for index, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def _plain(folder: Path) -> tuple[pa.Table, pa.Table]:
    return (pacsv.read_csv(folder / "residents.csv"), pacsv.read_csv(folder / "evaluations.csv"))


def main() -> None:
    """Generate the ledger, time both readers, print times, ratio and peak RSS."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--encoding", default="utf-8", choices=["utf-8", "gb18030"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sx-bench-ledger-") as tmp:
        folder = Path(tmp) / "ledger"
        start = time.perf_counter()
        write_synthetic_csv_ledger(folder, args.rows, seed=1, encoding=args.encoding)
        made = time.perf_counter() - start
        sizes = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        from scoring.policy import load_policy

        policy = load_policy()
        ledger = read_ledger(folder, as_of=date(2022, 7, 1), policy=policy)
        plain, ours = _best(
            args.repeat, lambda: _plain(folder),
            lambda: read_ledger(folder, as_of=date(2022, 7, 1), policy=policy))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows: residents {ledger.residents.num_rows:,}, evaluations "
          f"{ledger.evaluations.num_rows:,}; {sizes:.0f} MB CSV ({args.encoding}); "
          f"generated in {made:.1f} s; report ok={ledger.report.ok} "
          f"errors={len(ledger.report.errors)}")
    print(f"pyarrow.csv.read_csv (both files, best of {args.repeat}): {plain:8.3f} s")
    print(f"read_ledger          (both files, best of {args.repeat}): {ours:8.3f} s")
    print(f"ratio read_ledger / read_csv: {ours / plain:.2f}x (target <= 3x)")
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
