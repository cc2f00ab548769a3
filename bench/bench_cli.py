"""The ``sx`` commands officers and the bank run, each against its stock baseline, same run.

Every figure is one real ``sx`` process (wall time and its peak RSS from ``wait4``), so
start-up, passphrase KDFs and file writes all count. "Marginal" is t(large) - t(1,000
residents): what the ledger's size costs, without start-up or KDFs.

Rows (issue 16):

* ``sx ledger check`` of 100,000 residents as .xlsx against the same data as a CSV folder;
* ``sx seal`` marginal per 1M against the stock pipeline (pyarrow CSV -> Parquet, ``age
  -r``, ``sha256sum``, ``minisign -S``) on the same ledgers;
* ``sx score PACKAGE`` marginal per 1M against stock ``age -d`` of the package's scoring
  and evaluations files plus a pyarrow read of both;
* fixed costs: ``sx seal`` / ``sx score`` of a 1,000-resident ledger with standard-cost keys
  against the passphrase KDFs each needs (timed alone, in this process);
* ``sx ledger check`` of the 1M ledger saved as GB18030 against the same as UTF-8;
* the exchange end to end (seal, verify, import, score, results) at 1M and, with
  ``BENCH_10M=1`` (or ``--big 10000000``), at 10M residents: time and peak RSS per step.

Usage: ``.venv/bin/python bench/bench_cli.py [--rows 1000000] [--xlsx-rows 100000]
[--big N] [--keep DIR]``. Needs ``age``, ``minisign`` and ``sha256sum`` on PATH. The 10M
run writes about 2.6 GB of CSV plus packages: keep 15 GB free where ``TMPDIR`` points.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.csv as pacsv

from secure_exchange.demo import DEMO_PASSPHRASE, NUMBER, prepare_stations
from secure_exchange.formats import minisign as _minisign
from secure_exchange.ledger import write_csv_ledger
from secure_exchange.trust import Keyring

AS_OF = "2022-07-01"
SX = [sys.executable, "-m", "secure_exchange"]


@dataclass(frozen=True, order=True)
class Run:
    """One process: wall seconds, peak RSS (MiB) and its standard output (in that order,
    so the quickest of several compares first)."""

    seconds: float
    peak_mib: float
    out: str


TIME = Path("/usr/bin/time")


def run(cmd: list[str], home: Path | None = None) -> Run:
    """Run ``cmd`` (with ``SX_HOME`` = ``home``), fail loudly, measure time and peak RSS.

    The peak is GNU time's ``%M`` where it is installed: a child forked by this (large)
    process would otherwise start its ``ru_maxrss`` at this process's size.
    """
    env = {**os.environ, "SX_LANG": "en", "SX_PASSPHRASE": DEMO_PASSPHRASE.decode()}
    if home is not None:
        env["SX_HOME"] = str(home)
    with tempfile.TemporaryDirectory(prefix="sx-bench-run-") as tmp:
        peak_file = Path(tmp) / "peak"
        wrapped = [str(TIME), "-f", "%M", "-o", str(peak_file), *cmd] if TIME.exists() else cmd
        start = time.perf_counter()
        done = subprocess.run(wrapped, env=env, capture_output=True, check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(
                f"{' '.join(cmd)} failed:\n{done.stdout.decode()}{done.stderr.decode()}"
            )
        if TIME.exists():
            peak_kib = int(peak_file.read_text().split()[-1])
        else:
            peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Run(seconds, peak_kib / 1024, done.stdout.decode("utf-8", "replace"))


def sx(home: Path, *args: str) -> Run:
    """One ``sx`` command at the station ``home``."""
    return run([*SX, *map(str, args)], home)


# --------------------------------------------------------------------------- the exchange


@dataclass
class Exchange:
    """Demo stations (community, bank) of one key cost, and where packages go."""

    root: Path
    homes: dict[str, Path]

    @classmethod
    def make(cls, root: Path, cost: str) -> Exchange:
        homes = prepare_stations(root / "stations", cost=cost)
        return cls(root, homes)

    def seal(self, ledger: Path, tag: str) -> tuple[Run, Path]:
        out = self.root / f"stick-{tag}"
        home = self.homes["community"]
        done = sx(home, "seal", ledger, "--agreement", NUMBER, "--out", out, "--allow-unenrolled")
        return done, Path(done.out.strip().splitlines()[-1])

    def score(self, package: Path, tag: str) -> tuple[Run, Path]:
        decisions = self.root / f"decisions-{tag}.csv"
        done = sx(self.homes["bank"], "score", package, "--as-of", AS_OF, "--out", decisions)
        return done, decisions

    def chain(self, ledger: Path, tag: str) -> dict[str, Run]:
        """Seal, verify, import, score, and the results back at the community."""
        community, bank = self.homes["community"], self.homes["bank"]
        steps: dict[str, Run] = {}
        steps["seal"], package = self.seal(ledger, tag)
        steps["verify"] = sx(bank, "verify", package)
        steps["import"] = sx(bank, "import", package)
        steps["score"], decisions = self.score(package, tag)
        back = self.root / f"back-{tag}"
        sealed_back = sx(bank, "seal", decisions, "--agreement", NUMBER, "--out", back)
        steps["seal decisions back"] = sealed_back
        returned = Path(sealed_back.out.strip().splitlines()[-1])
        steps["import decisions"] = sx(community, "import", returned)
        results = self.root / f"results-{tag}.csv"
        steps["results"] = sx(community, "results", returned, "--ledger", ledger, "--out", results)
        return steps


# --------------------------------------------------------------------------- stock tools


@dataclass
class Stock:
    """The stock tools' keys: an age identity file and an unencrypted minisign key."""

    root: Path
    recipient: str
    identity: Path
    minisign_key: Path

    @classmethod
    def make(cls, root: Path, exchange: Exchange) -> Stock:
        root.mkdir(parents=True, exist_ok=True)
        identity = root / "age.key"
        text = sx(exchange.homes["bank"], "keys", "export-age-identity", "bank-scoring").out
        identity.write_text(text)
        recipient = Keyring(exchange.homes["bank"]).get("bank-scoring").age_recipient
        key = root / "minisign.key"
        subprocess.run(
            ["minisign", "-G", "-W", "-f", "-p", str(root / "minisign.pub"), "-s", str(key)],
            check=True,
            capture_output=True,
        )
        return cls(root, recipient, identity, key)

    def seal(self, ledger: Path, tag: str) -> float:
        """pyarrow CSV -> Parquet of both files, ``age -r``, ``sha256sum``, ``minisign -S``."""
        out = self.root / f"seal-{tag}"
        out.mkdir()
        start = time.perf_counter()
        to_parquet = (
            "import sys, pyarrow.csv as c, pyarrow.parquet as q\n"
            "for name in ('residents', 'evaluations'):\n"
            "    q.write_table(c.read_csv(f'{sys.argv[1]}/{name}.csv'),"
            " f'{sys.argv[2]}/{name}.parquet')\n"
        )
        run([sys.executable, "-c", to_parquet, str(ledger), str(out)])
        for name in ("residents", "evaluations"):
            plain = out / f"{name}.parquet"
            run(["age", "-r", self.recipient, "-o", f"{plain}.age", str(plain)])
            plain.unlink()
        sums = out / "SHA256SUMS"
        ages = sorted(p.name for p in out.glob("*.age"))
        with sums.open("wb") as fh:
            subprocess.run(["sha256sum", *ages], cwd=out, check=True, stdout=fh)
        run(["minisign", "-S", "-s", str(self.minisign_key), "-m", str(sums)])
        seconds = time.perf_counter() - start
        shutil.rmtree(out)
        return seconds

    def score(self, package: Path, tag: str) -> float:
        """``age -d`` of the package's scoring and evaluations files, a pyarrow read of both."""
        out = self.root / f"open-{tag}"
        out.mkdir()
        start = time.perf_counter()
        plains = []
        for group in ("scoring", "evaluations"):
            sealed = next(package.glob(f"{group}*.age"))
            plain = out / f"{group}.parquet"
            run(["age", "-d", "-i", str(self.identity), "-o", str(plain), str(sealed)])
            plains.append(str(plain))
        read = "import sys, pyarrow.parquet as q\nfor p in sys.argv[1:]: q.read_table(p)\n"
        run([sys.executable, "-c", read, *plains])
        seconds = time.perf_counter() - start
        shutil.rmtree(out)
        return seconds


# --------------------------------------------------------------------------- ledgers


def ledger(root: Path, rows: int, encoding: str = "utf-8-sig") -> Path:
    """The synthetic ledger of ``rows`` residents (about 1.3 records each), as CSV."""
    tag = "gb" if encoding == "gb18030" else "utf8"
    return write_csv_ledger(
        root / f"ledger-{rows}-{tag}", rows, seed=1, records_per_resident=1.3, encoding=encoding
    )


def xlsx_copy(folder: Path, target: Path) -> Path:
    """The CSV ledger ``folder`` as an officer's workbook (sheets 居民 and 评议, all text)."""
    book = openpyxl.Workbook(write_only=True)
    for title, name in (("居民", "residents"), ("评议", "evaluations")):
        options = pacsv.ConvertOptions(strings_can_be_null=False)
        table = pacsv.read_csv(folder / f"{name}.csv", convert_options=options)
        sheet = book.create_sheet(title)
        sheet.append(table.column_names)
        columns = [c.cast(pa.string()).to_pylist() for c in table.columns]
        for row in zip(*columns, strict=True):
            sheet.append(list(row))
    book.save(target)
    return target


# --------------------------------------------------------------------------- KDFs


def kdf_seconds(home: Path, name: str, parts: str) -> float:
    """The passphrase KDFs ``parts`` of key ``name`` need, timed alone (best of two)."""
    ring = Keyring(home)
    folder = ring.root / name
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        if parts in ("signing", "both"):
            text = (folder / "minisign.key").read_text(encoding="ascii")
            _minisign.SecretKey.from_file_text(text, DEMO_PASSPHRASE)
        if parts in ("age", "both"):
            ring.export_age_identity(name, DEMO_PASSPHRASE)
        best = min(best, time.perf_counter() - start)
    return best


# --------------------------------------------------------------------------- report


def row(what: str, ours: float, base: float, base_what: str, target: str) -> dict[str, object]:
    """One line of the table, printed as it is measured."""
    ratio = ours / base if base > 0 else float("nan")
    line = {"what": what, "sx": ours, "baseline": base, "of": base_what, "ratio": ratio}
    print(
        f"{what:58} {ours:8.2f} s   {base_what}: {base:7.2f} s   ratio {ratio:5.2f}   "
        f"target {target}",
        flush=True,
    )
    return {**line, "target": target}


def steps_table(figures: dict[int, dict[str, Run]]) -> None:
    """The end-to-end steps, every size side by side (seconds, peak RSS)."""
    sizes = sorted(figures)
    print(f"\n{'step':24}" + "".join(f"{f'{n:,} residents':>28}" for n in sizes))
    for step in figures[sizes[0]]:
        cells = "".join(
            f"{figures[n][step].seconds:12.2f} s {figures[n][step].peak_mib:9.0f} MiB"
            for n in sizes
        )
        print(f"{step:24}{cells}")
    print("target: peak RSS under 2,048 MiB at every step", flush=True)


def main() -> None:
    """Generate the ledgers, run each row's pair in turn, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    big = 10_000_000 if os.environ.get("BENCH_10M") == "1" else 0
    parser.add_argument("--big", type=int, default=big, help="end to end at this size too")
    parser.add_argument("--keep", type=Path, help="work here (kept) instead of a temp folder")
    parser.add_argument("--only", choices=["xlsx", "seal", "score", "fixed", "gb", "chain"])
    args = parser.parse_args()
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        measure(args, args.keep)
        return
    with tempfile.TemporaryDirectory(prefix="sx-bench-cli-") as tmp:
        measure(args, Path(tmp))


def measure(args: argparse.Namespace, root: Path) -> None:
    """Every row (or ``--only`` one of them) in ``root``."""
    wanted = {args.only} if args.only else {"xlsx", "seal", "score", "fixed", "gb", "chain"}
    rows: list[dict[str, object]] = []
    small, large = ledger(root, args.small), ledger(root, args.rows)
    fast = Exchange.make(root / "fast", "fast")
    stock = Stock.make(root / "stock", fast)
    per = 1_000_000 / (args.rows - args.small)
    print(f"machine: {os.cpu_count()} cores, shared with other work; one run of each", flush=True)
    if "xlsx" in wanted:
        folder = ledger(root, args.xlsx_rows)
        book = xlsx_copy(folder, root / f"ledger-{args.xlsx_rows}.xlsx")
        csv_run = sx(fast.homes["community"], "ledger", "check", folder)
        xlsx_run = sx(fast.homes["community"], "ledger", "check", book)
        rows.append(
            row(
                f"sx ledger check, {args.xlsx_rows:,} residents .xlsx",
                xlsx_run.seconds,
                csv_run.seconds,
                "same as CSV",
                "<= 2",
            )
        )
    if wanted & {"seal", "score"}:
        seal_small, pkg_small = min(fast.seal(small, f"small{i}") for i in range(2))
        seal_large, pkg_large = fast.seal(large, "large")
        stock_small = min(stock.seal(small, f"small{i}") for i in range(2))
        stock_large = stock.seal(large, "large")
        ours = (seal_large.seconds - seal_small.seconds) * per
        base = (stock_large - stock_small) * per
        rows.append(row("sx seal, marginal per 1M residents", ours, base, "stock", "<= 1.2"))
        if "score" in wanted:
            for package in (pkg_small, pkg_large):
                sx(fast.homes["bank"], "import", package)
            score_small = min(fast.score(pkg_small, f"small{i}")[0] for i in range(2))
            score_large, _ = fast.score(pkg_large, "large")
            base_small = min(stock.score(pkg_small, f"s{i}") for i in range(2))
            base_large = stock.score(pkg_large, "l")
            ours = (score_large.seconds - score_small.seconds) * per
            base = (base_large - base_small) * per
            rows.append(row("sx score PACKAGE, marginal per 1M", ours, base, "stock", "<= 2"))
    if "fixed" in wanted:
        rows.extend(fixed_costs(root, small))
    if "gb" in wanted:
        gb = ledger(root, args.rows, "gb18030")
        utf8_run = sx(fast.homes["community"], "ledger", "check", large)
        gb_run = sx(fast.homes["community"], "ledger", "check", gb)
        what = f"sx ledger check, {args.rows:,} residents GB18030"
        rows.append(row(what, gb_run.seconds, utf8_run.seconds, "UTF-8", "<= 2.5"))
        shutil.rmtree(gb)
    if "chain" in wanted:
        figures = {args.rows: fast.chain(large, "chain-large")}
        if args.big:
            huge = ledger(root, args.big)
            size = sum(p.stat().st_size for p in huge.iterdir()) / 1e9
            print(f"{args.big:,} residents: {size:.2f} GB of CSV", flush=True)
            figures[args.big] = fast.chain(huge, "chain-big")
        steps_table(figures)
    (root / "bench_cli.json").write_text(json.dumps(rows, indent=1))


def fixed_costs(root: Path, small: Path) -> list[dict[str, object]]:
    """``sx seal`` and ``sx score`` of the small ledger with standard-cost keys, beside the
    KDFs each needs and a bare start-up of the command line."""
    standard = Exchange.make(root / "standard", "standard")
    community, bank = standard.homes["community"], standard.homes["bank"]
    seal_run, package = standard.seal(small, "fixed")
    sx(bank, "import", package)
    score_run, _ = standard.score(package, "fixed")
    startup = min(run([*SX, "--help"]).seconds for _ in range(3))
    seal_kdfs = kdf_seconds(community, "jx-officer", "signing") + kdf_seconds(
        community, "jx-seal", "both"
    )
    score_kdfs = kdf_seconds(bank, "bank-scoring", "both")
    print(f"  (start-up of sx --help: {startup:.2f} s)")
    return [
        row("fixed: sx seal, 1,000 residents", seal_run.seconds, seal_kdfs, "its KDFs", "KDFs"),
        row("fixed: sx score, same package", score_run.seconds, score_kdfs, "its KDFs", "KDFs"),
    ]


if __name__ == "__main__":
    main()
