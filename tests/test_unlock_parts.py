"""Unlocking only what a command needs: each key part on its own, each KDF once a command."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from secure_exchange.errors import PassphraseError
from secure_exchange.formats import minisign as _minisign
from secure_exchange.trust import Keyring
from tests.support import NUMBER, PASS, World, build_world, shared_path


@pytest.fixture
def ring(tmp_path: Path) -> Keyring:
    ring = Keyring(tmp_path)
    ring.create("zw-seal", "金乡街道真武社区", "seal", PASS, cost="fast")
    return ring


def test_signing_only_never_reads_the_age_secret(ring: Keyring) -> None:
    (ring.root / "zw-seal" / "age.key.age").write_bytes(b"damaged")
    unlocked = ring.unlock("zw-seal", PASS, "signing")
    signature = unlocked.signing_key.sign(b"data", trusted_comment="t")
    assert unlocked.public.verify_signature(b"data", signature) == "t"
    with pytest.raises(ValueError, match="without its age identity"):
        _ = unlocked.age_identity


def test_age_only_never_reads_the_signing_key(ring: Keyring) -> None:
    (ring.root / "zw-seal" / "minisign.key").write_text("damaged")
    unlocked = ring.unlock("zw-seal", PASS, "age")
    assert len(unlocked.pseudonym_secret()) == 32
    with pytest.raises(ValueError, match="without its signing key"):
        _ = unlocked.signing_key


def test_both_by_default_and_a_wrong_passphrase_either_way(ring: Keyring) -> None:
    both = ring.unlock("zw-seal", PASS)
    assert both.signing is not None
    assert both.age is not None
    for parts in ("signing", "age", "both"):
        with pytest.raises(PassphraseError):
            ring.unlock("zw-seal", b"wrong", parts)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown key parts"):
        ring.unlock("zw-seal", PASS, "all")  # type: ignore[arg-type]


@pytest.fixture
def kdfs(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the passphrase KDFs run: minisign's (scrypt) and age's (scrypt recipient)."""
    seen: Counter[str] = Counter()
    minisign_kdf = _minisign.SecretKey.from_file_text
    age_kdf = Keyring._age_secret

    def count_minisign(text: str, passphrase: bytes) -> _minisign.SecretKey:
        seen["minisign"] += 1
        return minisign_kdf(text, passphrase)

    def count_age(folder: Path, passphrase: bytes) -> tuple[str, str | None]:
        seen["age"] += 1
        return age_kdf(folder, passphrase)

    monkeypatch.setattr(_minisign.SecretKey, "from_file_text", staticmethod(count_minisign))
    monkeypatch.setattr(Keyring, "_age_secret", staticmethod(count_age))
    return seen


def test_each_command_runs_only_the_kdfs_it_needs(
    tmp_path_factory: pytest.TempPathFactory, kdfs: Counter[str]
) -> None:
    w: World = build_world(tmp_path_factory.mktemp("kdfs"))
    ledger = shared_path("samples", "ledger-sample.xlsx")

    def run(home: Path, *args: str) -> Counter[str]:
        kdfs.clear()
        result = w.sx(home, *args)
        assert result.exit_code == 0
        return Counter(kdfs)

    # Seal: the officer signs; the seal key signs and opens its pseudonym secret.
    sealed = run(w.community, "seal", str(ledger), "--agreement", NUMBER, "--out", str(w.stick))
    assert sealed == Counter({"minisign": 2, "age": 1})
    package = next(p for p in w.stick.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert run(w.bank, "import", str(package)) == Counter()
    decisions = w.root / "decisions.csv"
    # Score: decrypts with the scoring key and signs the record re-identification trusts.
    scored = run(w.bank, "score", str(package), "--as-of", "2022-07-01", "--out", str(decisions))
    assert scored == Counter({"minisign": 1, "age": 1})
    reid = w.root / "notify.csv"
    args = ("--package", str(package), "--reason", "notify", "--out", str(reid))
    assert run(w.bank, "reidentify", str(decisions), *args) == Counter({"age": 1})
