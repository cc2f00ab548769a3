"""Run the coverage-guided fuzzer (atheris, libFuzzer) over the targets in ``targets.py``.

    python fuzz/run.py --seconds 3 --random-seed 1   # every target, 3 s each (make test)
    python fuzz/run.py --seconds 300 --keep     # make fuzz: crashes kept as regressions
    python fuzz/run.py --seed                   # rewrite the seed corpus fuzz/corpus/

Each target runs in a process of its own over a scratch copy of its seed corpus (the
committed seeds never change). A crash is an input on which the target raised something
other than our typed errors, or hung, or ran out of memory; with ``--keep`` it is copied to
``tests/vectors/fuzz/<target>/`` where ``tests/test_fuzz.py`` replays it for ever after.
The figures (executions, time, crashes) are printed per target and in total. ``make test``
fixes libFuzzer's seed, so its short run replays a prefix of one input sequence that longer
runs with the same seed have already explored: it checks that nothing regressed without
turning CI into a lottery. ``make fuzz`` draws a new seed each run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "corpus"
REGRESSIONS = ROOT / "tests" / "vectors" / "fuzz"
_RUNS = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
_DONE = re.compile(r"Done (\d+) runs in")


def _child(name: str, args: list[str]) -> None:
    """Inside the fuzzing process: instrument our code, then hand over to libFuzzer."""
    import atheris

    with atheris.instrument_imports(include=["secure_exchange", "scoring"]):
        sys.path.insert(0, str(HERE))
        import targets

    target = targets.TARGETS[name]

    def one_input(data: bytes) -> None:
        try:
            target.run(data)
        except target.expected:
            pass

    atheris.Setup([sys.argv[0], *args], one_input)
    atheris.Fuzz()


def write_seeds() -> None:
    """Regenerate ``fuzz/corpus/<target>/`` from each target's seed builder."""
    sys.path.insert(0, str(HERE))
    import targets

    for name, target in targets.TARGETS.items():
        folder = CORPUS / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for data in target.seeds():
            (folder / hashlib.sha256(data).hexdigest()[:16]).write_bytes(data)
        print(f"{name}: {len(list(folder.iterdir()))} seeds")


def fuzz_one(
    name: str, seconds: int, keep: bool, seed: int | None = None
) -> tuple[int, float, list[Path]]:
    """Fuzz ``name`` for ``seconds``; return executions, wall time and crash files."""
    with tempfile.TemporaryDirectory(prefix=f"sx-fuzz-{name}-") as scratch:
        work = Path(scratch) / "corpus"
        shutil.copytree(CORPUS / name, work)
        crashes = Path(scratch) / "crashes"
        crashes.mkdir()
        args = [
            f"-max_total_time={seconds}",
            "-timeout=10",
            "-rss_limit_mb=3072",
            "-max_len=65536",
            "-print_final_stats=1",
            f"-artifact_prefix={crashes}/",
            *([f"-seed={seed}"] if seed is not None else []),
            str(work),
        ]
        start = time.monotonic()
        done = subprocess.run(
            [sys.executable, __file__, "--child", name, "--", *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=seconds + 120,
        )
        elapsed = time.monotonic() - start
        runs = _RUNS.search(done.stderr) or _DONE.search(done.stderr)
        found = sorted(crashes.iterdir())
        if done.returncode != 0 and not found:
            sys.stderr.write(done.stderr[-4000:])
            raise SystemExit(f"{name}: the fuzzer failed without a crash file")
        kept = []
        for crash in found:
            data = crash.read_bytes()
            where = REGRESSIONS / name if keep else Path(tempfile.gettempdir()) / "sx-fuzz"
            where.mkdir(parents=True, exist_ok=True)
            path = where / f"crash-{hashlib.sha256(data).hexdigest()[:16]}"
            path.write_bytes(data)
            kept.append(path)
            sys.stderr.write(done.stderr[-3000:])
        return (int(runs.group(1)) if runs else 0), elapsed, kept


def main() -> int:
    """Parse the arguments and fuzz every chosen target in turn."""
    if sys.argv[1:2] == ["--child"]:  # inside the fuzzing process: libFuzzer's flags follow
        _child(sys.argv[2], sys.argv[4:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", help="target names (default: all)")
    parser.add_argument("--seconds", type=int, default=3, help="time per target")
    parser.add_argument("--keep", action="store_true", help="keep crashes as regressions")
    parser.add_argument("--seed", action="store_true", help="rewrite the seed corpus")
    parser.add_argument(
        "--random-seed",
        type=int,
        help="libFuzzer's seed: the same inputs in the same order on every run (make test)",
    )
    args = parser.parse_args()
    if args.seed:
        write_seeds()
        return 0
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("fuzz: atheris is not installed (pip install atheris; Linux x86-64); skipped")
        return 0
    names = args.targets or sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    total_runs, total_time, total_crashes = 0, 0.0, 0
    print(f"{'target':<22} {'executions':>11} {'seconds':>8} {'exec/s':>8} {'crashes':>8}")
    for name in names:
        runs, elapsed, crashes = fuzz_one(name, args.seconds, args.keep, args.random_seed)
        total_runs, total_time, total_crashes = (
            total_runs + runs,
            total_time + elapsed,
            total_crashes + len(crashes),
        )
        rate = runs / elapsed if elapsed else 0.0
        print(f"{name:<22} {runs:>11,} {elapsed:>8.1f} {rate:>8,.0f} {len(crashes):>8}")
        for crash in crashes:
            print(f"  crash input: {crash}")
    print(f"{'total':<22} {total_runs:>11,} {total_time:>8.1f} {'':>8} {total_crashes:>8}")
    return 1 if total_crashes else 0


if __name__ == "__main__":
    os.environ.setdefault("SX_LANG", "en")
    raise SystemExit(main())
