"""Ledger intake plus pseudonymisation against a plain ``pyarrow.csv.read_csv``, same run.

Usage: ``.venv/bin/python bench/bench_ledger.py [--rows 1000000] [--repeat 3]
[--encoding utf-8-sig|gb18030] [--no-seal]``. The ledger is invented
(``secure_exchange.ledger.write_csv_ledger``), about 1.3 evaluation records per resident.

Times are the best of ``--repeat`` runs, the paths taking turns so machine load touches
them alike. Peak memory is measured per path in a fresh process each (the peak of a process
never goes down), and so is the end-to-end ``seal_ledger`` (check, pseudonymise, encrypt,
write, read back and verify) onto a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow.csv as pacsv

from scoring import AgeWindow
from scoring.policy import load_policy
from secure_exchange.ledger import (
    EVALUATIONS,
    RESIDENTS,
    LedgerScan,
    check_ledger,
    read_ledger,
    write_csv_ledger,
)
from secure_exchange.pseudonym import Splitter, pseudonymise, token_key

AS_OF = date(2022, 7, 1)
KEY = token_key(os.urandom(32), "00" * 32)
WINDOW = AgeWindow(date(2022, 1, 1), date(2022, 12, 31), 18, 60)  # a one-year agreement


def best_of(repeat: int, *runs: Callable[[], object]) -> list[float]:
    """Best time of each run; runs alternate so machine load affects them alike."""
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for index, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def plain(folder: Path) -> None:
    """The baseline: pyarrow reads both files, nothing else."""
    pacsv.read_csv(folder / "residents.csv")
    pacsv.read_csv(folder / "evaluations.csv")


def whole(folder: Path) -> None:
    """Both tables read whole and checked, then split whole (the way of session 1)."""
    checked = read_ledger(folder, as_of=AS_OF, policy=load_policy())
    pseudonymise(checked.residents, checked.evaluations, KEY, WINDOW)


def stream_check(folder: Path) -> None:
    """``sx ledger check``: one streaming pass, findings only."""
    check_ledger(folder, as_of=AS_OF, policy=load_policy())


def stream(folder: Path) -> None:
    """What ``sx seal`` does before encryption: check and split block by block."""
    splitter = Splitter(KEY, WINDOW)
    with LedgerScan(folder, as_of=AS_OF, policy=load_policy()) as scan:
        for block in scan.blocks(
            EVALUATIONS, lambda b: splitter.split_evaluations(b.table, b.keys)
        ):
            splitter.keep(block.derived[1])  # type: ignore[index]
        for _ in scan.blocks(RESIDENTS, lambda b: splitter.residents(b.table, b.keys)):
            pass
        assert scan.finish().ok


def seal(folder: Path) -> None:
    """``seal_ledger`` end to end onto a temporary folder, demo stations and keys."""
    from secure_exchange.demo import DEMO_PASSPHRASE, NUMBER, prepare_stations
    from secure_exchange.station import Station, seal_ledger

    with tempfile.TemporaryDirectory(prefix="sx-bench-seal-") as tmp:
        homes = prepare_stations(Path(tmp) / "stations")
        start = time.perf_counter()
        seal_ledger(
            Station(homes["community"]),
            folder,
            NUMBER,
            ["jx-officer", "jx-seal"],
            Path(tmp) / "stick",
            lambda _n: DEMO_PASSPHRASE,
            allow_unenrolled=True,
        )
        print(json.dumps({"seconds": time.perf_counter() - start}))


MODES: dict[str, Callable[[Path], None]] = {
    "plain": plain,
    "whole": whole,
    "check": stream_check,
    "stream": stream,
    "seal": seal,
}


def _peak_mib() -> float:
    """This process's peak RSS. ``VmHWM`` is per address space, so unlike ``ru_maxrss``
    (kept across exec on Linux) it does not include the parent's peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_of(mode: str, folder: Path) -> dict[str, float]:
    """Run one mode in a fresh process; its peak RSS (MiB) and what it printed."""
    out = subprocess.run(
        [sys.executable, __file__, "--only", mode, "--folder", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    """Generate the ledger, time each path, then measure peaks in separate processes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--encoding", default="utf-8-sig", choices=["utf-8-sig", "gb18030"])
    parser.add_argument("--no-seal", action="store_true", help="skip the end-to-end seal")
    parser.add_argument("--only", choices=sorted(MODES), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        MODES[args.only](args.folder)
        print(json.dumps({"peak_mib": _peak_mib()}))
        return
    with tempfile.TemporaryDirectory(prefix="sx-bench-ledger-") as tmp:
        folder = write_csv_ledger(
            Path(tmp) / "ledger",
            args.rows,
            seed=1,
            records_per_resident=1.3,
            encoding=args.encoding,
        )
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        checked = check_ledger(folder, as_of=AS_OF)
        names = ["plain", "whole", "check", "stream"]
        times = best_of(args.repeat, *[lambda m=m: MODES[m](folder) for m in names])
        peaks = {m: peak_of(m, folder)["peak_mib"] for m in names}
        seal_run = None if args.no_seal else _seal_run(folder)
    print(
        f"residents {checked.residents:,}, evaluations {checked.evaluations:,}; "
        f"{size:.0f} MB of CSV ({args.encoding}); errors {len(checked.report.errors)}"
    )
    labels = {
        "plain": "pyarrow.csv.read_csv, both files (baseline)",
        "whole": "whole tables: read_ledger + pseudonymise",
        "check": "streaming check (sx ledger check)",
        "stream": "streaming intake + pseudonymisation",
    }
    print(f"{'':46}{'time':>9}  {'vs plain':>8}  {'peak RSS':>9}")
    for mode, seconds in zip(names, times, strict=True):
        print(
            f"{labels[mode]:46}{seconds:8.3f}s  {seconds / times[0]:7.2f}x  {peaks[mode]:6.0f} MiB"
        )
    print("target: streaming intake + pseudonymisation within 3x of the plain read")
    if seal_run is not None:
        print(
            f"{'seal_ledger end to end (encrypt, write, verify)':46}"
            f"{seal_run['seconds']:8.3f}s  {seal_run['seconds'] / times[0]:7.2f}x"
            f"  {seal_run['peak_mib']:6.0f} MiB  (one run)"
        )


def _seal_run(folder: Path) -> dict[str, float]:
    out = (
        subprocess.run(
            [sys.executable, __file__, "--only", "seal", "--folder", str(folder)],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()
    )
    return {**json.loads(out[-2]), **json.loads(out[-1])}


if __name__ == "__main__":
    main()
