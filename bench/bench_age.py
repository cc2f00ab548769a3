"""Throughput of secure_exchange.formats.age against the stock ``age`` binary on the same data.

Usage: .venv/bin/python bench/bench_age.py [--mb 200]

Encrypts and decrypts one file of random bytes, file to file, with our streaming
implementation and with ``age -r`` / ``age -d``; prints MB/s side by side and peak RSS
(ours: this process; stock: the largest child).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from secure_exchange.formats.age import X25519Identity, decrypt, encrypt

_BLOCK = 1024 * 1024


def _make_input(path: Path, megabytes: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(megabytes):
            block = os.urandom(_BLOCK)
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while block := src.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _ours_encrypt(src: Path, dst: Path, identity: X25519Identity) -> None:
    with src.open("rb") as fin, dst.open("wb") as fout, encrypt(fout, [identity.recipient()]) as w:
        shutil.copyfileobj(fin, w, _BLOCK)


def _ours_encrypt_armor(src: Path, dst: Path, identity: X25519Identity) -> None:
    with src.open("rb") as fin, dst.open("wb") as fout:
        with encrypt(fout, [identity.recipient()], armor=True) as w:
            shutil.copyfileobj(fin, w, _BLOCK)


def _ours_decrypt(src: Path, dst: Path, identity: X25519Identity) -> None:
    with src.open("rb") as fin, dst.open("wb") as fout:
        shutil.copyfileobj(decrypt(fin, [identity]), fout, _BLOCK)


def _vm_hwm_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _stock(*args: str) -> int:
    """Run stock age; return its peak RSS in KiB, polled from /proc while it runs.

    (getrusage of children would count the pre-exec RSS of this Python process.)
    """
    proc = subprocess.Popen(["age", *args], stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _vm_hwm_kib(proc.pid))
        time.sleep(0.005)
    if proc.returncode:
        raise SystemExit(f"age failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    _STOCK_PEAK.append(peak)
    return peak


_STOCK_PEAK: list[int] = []


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _best(repeat: int, action: Callable[[], object]) -> float:
    return min(_timed(action) for _ in range(repeat))


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=200, help="size of the test file in MiB")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; best is kept")
    args = parser.parse_args()
    if shutil.which("age") is None:
        raise SystemExit("the stock age binary is needed as the baseline")
    identity = X25519Identity.generate()
    with tempfile.TemporaryDirectory(prefix="bench-age-") as tmp:
        d = Path(tmp)
        key = d / "key.txt"
        key.write_text(f"{identity}\n")
        expected = _make_input(d / "plain", args.mb)
        base_rss = _rss_mb()
        n = args.repeat
        t_enc = _best(n, lambda: _ours_encrypt(d / "plain", d / "ours.age", identity))
        t_dec = _best(n, lambda: _ours_decrypt(d / "ours.age", d / "ours.out", identity))
        ours_rss = _rss_mb()
        recipient = str(identity.recipient())
        s_enc = _best(n, lambda: _stock("-r", recipient, "-o", str(d / "s.age"), str(d / "plain")))
        s_dec = _best(
            n, lambda: _stock("-d", "-i", str(key), "-o", str(d / "s.out"), str(d / "s.age"))
        )
        stock_rss = max(_STOCK_PEAK) / 1024
        cross = _best(n, lambda: _ours_decrypt(d / "s.age", d / "cross.out", identity))
        a_enc = _best(n, lambda: _ours_encrypt_armor(d / "plain", d / "ours.asc", identity))
        a_dec = _best(n, lambda: _ours_decrypt(d / "ours.asc", d / "ours.out", identity))
        sa_enc = _best(
            n, lambda: _stock("-a", "-r", recipient, "-o", str(d / "s.asc"), str(d / "plain"))
        )
        sa_dec = _best(
            n, lambda: _stock("-d", "-i", str(key), "-o", str(d / "s.out"), str(d / "s.asc"))
        )
        for name in ("ours.out", "s.out", "cross.out"):
            assert _sha256(d / name) == expected, f"{name} differs from the input"
    mb = float(args.mb)
    print(f"age v1 X25519, {args.mb} MiB of random data, file to file")
    print(f"{'':24}{'ours (Python)':>16}{'stock age':>16}{'ours/stock':>12}")
    print(f"{'encrypt MB/s':24}{mb / t_enc:16.0f}{mb / s_enc:16.0f}{s_enc / t_enc:12.2f}")
    print(f"{'decrypt MB/s':24}{mb / t_dec:16.0f}{mb / s_dec:16.0f}{s_dec / t_dec:12.2f}")
    print(f"{'decrypt of stock output':24}{mb / cross:16.0f}")
    print(f"{'armored encrypt MB/s':24}{mb / a_enc:16.0f}{mb / sa_enc:16.0f}{sa_enc / a_enc:12.2f}")
    print(f"{'armored decrypt MB/s':24}{mb / a_dec:16.0f}{mb / sa_dec:16.0f}{sa_dec / a_dec:12.2f}")
    print(f"{'peak RSS MiB':24}{ours_rss:16.1f}{stock_rss:16.1f}")
    print(f"(ours: this process, {base_rss:.1f} MiB before the runs; best of {args.repeat} runs)")


if __name__ == "__main__":
    main()
