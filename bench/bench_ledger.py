"""Ledger intake plus pseudonymisation against a plain ``pyarrow.csv.read_csv``, same run.

Usage: ``.venv/bin/python bench/bench_ledger.py [--rows 1000000] [--repeat 3]
[--encoding utf-8-sig|gb18030]``. The ledger is invented (``secure_exchange.synthetic``),
about 1.3 evaluation records per resident.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow.csv as pacsv

from scoring.policy import load_policy
from secure_exchange.ledger import read_ledger
from secure_exchange.pseudonym import pseudonymise, token_key
from secure_exchange.synthetic import write_csv_ledger

AS_OF = date(2022, 7, 1)


def best_of(repeat: int, *runs: Callable[[], object]) -> list[float]:
    """Best time of each run; runs alternate so machine load affects them alike."""
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for index, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def main() -> None:
    """Generate the ledger, time the plain read, intake, and intake + pseudonymisation."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--encoding", default="utf-8-sig", choices=["utf-8-sig", "gb18030"])
    args = parser.parse_args()
    policy = load_policy()
    key = token_key(os.urandom(32), "00" * 32)
    with tempfile.TemporaryDirectory(prefix="sx-bench-ledger-") as tmp:
        folder = write_csv_ledger(Path(tmp) / "ledger", args.rows, seed=1,
                                  records_per_resident=1.3, encoding=args.encoding)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        ledger = read_ledger(folder, as_of=AS_OF, policy=policy)

        def plain() -> None:
            pacsv.read_csv(folder / "residents.csv")
            pacsv.read_csv(folder / "evaluations.csv")

        def intake() -> None:
            read_ledger(folder, as_of=AS_OF, policy=policy)

        def intake_and_split() -> None:
            checked = read_ledger(folder, as_of=AS_OF, policy=policy)
            pseudonymise(checked.residents, checked.evaluations, key)

        t_plain, t_intake, t_all = best_of(args.repeat, plain, intake, intake_and_split)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"residents {ledger.residents.num_rows:,}, evaluations {ledger.evaluations.num_rows:,}"
          f"; {size:.0f} MB of CSV ({args.encoding}); errors {len(ledger.report.errors)}")
    print(f"pyarrow.csv.read_csv, both files      {t_plain:7.3f} s   1.00x")
    print(f"read_ledger (intake + every check)    {t_intake:7.3f} s   {t_intake / t_plain:.2f}x")
    print(f"intake + pseudonymisation             {t_all:7.3f} s   {t_all / t_plain:.2f}x"
          "  (target <= 3x)")
    print(f"peak RSS {peak:.0f} MiB (best of {args.repeat})")


if __name__ == "__main__":
    main()
