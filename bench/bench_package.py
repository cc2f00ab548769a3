"""Seal and open throughput against the stock pipeline, measured in the same run.

Stock seal: pyarrow writes the Parquet file, ``age -r`` encrypts it, ``sha256sum`` lists it,
``minisign -S`` signs the list. Stock open: ``age -d`` then a pyarrow read.
Usage: ``.venv/bin/python bench/bench_package.py [--rows 1000000]``.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support import make_parties

from secure_exchange import package as pkg


def table(rows: int) -> pa.Table:
    """A scoring-like group of ``rows`` invented subjects."""
    rng = np.random.default_rng(7)
    tokens = rng.integers(0, 2**63, size=(rows, 2), dtype=np.int64)
    subject = pa.array([f"{a:016x}{b:016x}" for a, b in tokens])
    births = pa.array(
        (np.datetime64("1950-01-01") + rng.integers(0, 25000, rows)).astype("datetime64[D]")
    ).cast(pa.date32())
    communities = np.array(["真武社区", "高尚社区", "金山社区", "金府社区", "金西社区"])
    return pa.table(
        {
            "subject": subject,
            "birth_date": births,
            "sex": pa.array(np.where(rng.random(rows) < 0.5, "M", "F")),
            "community": pa.array(communities[rng.integers(0, 5, rows)]),
            "subject_type": pa.array(np.full(rows, "农户")),
            "full_civil_capacity": pa.array(rng.random(rows) < 0.98),
            "fixed_residence": pa.array(rng.random(rows) < 0.95),
            "fixed_income": pa.array(rng.random(rows) < 0.9),
            "major_bad_credit": pa.array(rng.random(rows) < 0.03),
        }
    )


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    return min(timed(fn) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for tool in ("age", "minisign", "sha256sum"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed")
    work = Path(tempfile.mkdtemp(prefix="sx-bench-"))
    try:
        run(work, args.rows, args.runs)
    finally:
        shutil.rmtree(work)


def run(work: Path, rows: int, runs: int) -> None:
    data = table(rows)
    parties = make_parties(work / "keys")
    now = datetime.now(UTC)
    recipient = parties.scoring.public.age_recipient
    cats = {"scoring": ["身份证号码"]}
    subprocess.run(
        ["minisign", "-G", "-W", "-p", str(work / "m.pub"), "-s", str(work / "m.key")],
        check=True,
        capture_output=True,
    )

    def stock_seal() -> None:
        out = work / "stock"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        pq.write_table(data, out / "scoring.parquet", compression="zstd")
        subprocess.run(
            [
                "age",
                "-r",
                recipient,
                "-o",
                str(out / "scoring.parquet.age"),
                str(out / "scoring.parquet"),
            ],
            check=True,
        )
        (out / "scoring.parquet").unlink()
        sums = subprocess.run(
            ["sha256sum", "scoring.parquet.age"], cwd=out, check=True, capture_output=True
        ).stdout
        (out / "SHA256SUMS").write_bytes(sums)
        subprocess.run(
            ["minisign", "-S", "-s", str(work / "m.key"), "-m", str(out / "SHA256SUMS")],
            check=True,
            capture_output=True,
        )

    sealed: list[pkg.VerifiedPackage] = []

    def our_seal() -> None:
        out = work / "ours"
        shutil.rmtree(out, ignore_errors=True)
        sealed.append(
            pkg.seal(
                {"scoring": data},
                parties.agreement,
                [parties.officer, parties.seal_a],
                out_dir=out,
                sender=pkg.Sender("A", "bench"),
                sequence=1,
                categories=cats,
                now=now,
                valid_for=timedelta(days=1),
            )
        )

    t_stock_seal = best(stock_seal, runs)
    t_our_seal = best(our_seal, runs)
    ident = work / "scoring.key"
    ident.write_text(str(parties.scoring.age_identity) + "\n")

    def stock_open() -> None:
        subprocess.run(
            [
                "age",
                "-d",
                "-i",
                str(ident),
                "-o",
                str(work / "plain.parquet"),
                str(work / "stock" / "scoring.parquet.age"),
            ],
            check=True,
        )
        pq.read_table(work / "plain.parquet")
        (work / "plain.parquet").unlink()

    def our_open() -> None:
        checked = pkg.verify(sealed[-1].path, [parties.agreement], now=now, keep_groups=["scoring"])
        opened = pkg.open_package(checked, [parties.scoring.age_identity])
        assert opened["scoring"].num_rows == rows

    t_stock_open = best(stock_open, runs)
    t_our_open = best(our_open, runs)
    size = sum(p.stat().st_size for p in sealed[-1].path.iterdir()) / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows: {rows:,}   package size: {size:.1f} MB   best of {runs}   {date.today()}")
    print(f"{'':24}{'sx':>10}{'stock':>10}{'ratio':>8}")
    print(f"{'seal':24}{t_our_seal:>9.2f}s{t_stock_seal:>9.2f}s{t_our_seal / t_stock_seal:>8.2f}")
    print(
        f"{'open (verify+decrypt+read)':24}{t_our_open:>9.2f}s{t_stock_open:>9.2f}s"
        f"{t_our_open / t_stock_open:>8.2f}"
    )
    print(f"peak RSS of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
