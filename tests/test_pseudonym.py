"""Pseudonymisation: keyed tokens (AES-CMAC), column groups, categories, profile coverage."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from secure_exchange.ledger import LEDGER_COLUMNS, read_ledger
from secure_exchange.pseudonym import load_profile, pseudonymise, token_key, tokens
from tests.support import AGE_WINDOW, age_window, shared_path

IDS = ["370828198705220258", "37082819881213657X", "370828200503234272", "110105194912310021"]
REPO = Path(__file__).resolve().parents[1]


def _reference(key: bytes, value: str) -> str:
    mac = CMAC(algorithms.AES(key))
    mac.update(value.encode("ascii"))
    return mac.finalize().hex()


def test_tokens_are_aes_cmac_of_the_id() -> None:
    key = os.urandom(32)
    got = tokens(key, pa.array(IDS)).to_pylist()
    assert got == [_reference(key, v) for v in IDS]


def test_tokens_on_sliced_and_chunked_arrays() -> None:
    key = os.urandom(32)
    chunked = pa.chunked_array([pa.array(IDS[:1]), pa.array(IDS[1:])])
    assert tokens(key, chunked).to_pylist() == [_reference(key, v) for v in IDS]
    sliced = pa.array(IDS).slice(1, 2)
    assert tokens(key, sliced).to_pylist() == [_reference(key, v) for v in IDS[1:3]]


def test_token_vector() -> None:
    """Known answers (protocols/pseudonymisation-v1.md §4): secret 00..1f, agreement ab…ab."""
    key = token_key(bytes(range(32)), "ab" * 32)
    assert key.hex() == "c69794ce0c3a7cd2290c5c874f57506ee912209deeaf061f671d079e725d872d"
    assert tokens(key, pa.array(IDS[:2])).to_pylist() == [
        "4d3708c17dc186ffc7549dbaee7419b6",
        "53ac5ab7ed04bcf69937daff99f57e6a",
    ]


def test_stable_under_one_agreement_different_under_another() -> None:
    secret = os.urandom(32)
    one = tokens(token_key(secret, "11" * 32), pa.array(IDS)).to_pylist()
    again = tokens(token_key(secret, "11" * 32), pa.array(IDS)).to_pylist()
    other = tokens(token_key(secret, "22" * 32), pa.array(IDS)).to_pylist()
    assert one == again
    assert not set(one) & set(other)


# --- properties (hypothesis): random keys and ID numbers ----------------------------------

PROPERTY = settings(max_examples=60, deadline=timedelta(seconds=5), database=None)
_KEY = st.binary(min_size=32, max_size=32)
_ID = st.text(alphabet="0123456789X", min_size=18, max_size=18)
_IDS = st.lists(_ID, min_size=1, max_size=40)


@PROPERTY
@given(_KEY, _IDS)
def test_tokens_are_deterministic_per_key_and_per_id(key: bytes, ids: list[str]) -> None:
    batch = tokens(key, pa.array(ids)).to_pylist()
    assert batch == tokens(key, pa.array(ids)).to_pylist()
    assert batch == [tokens(key, pa.array([one])).to_pylist()[0] for one in ids]
    assert batch == [_reference(key, one) for one in ids]
    assert len(set(batch)) == len(set(ids))  # distinct IDs, distinct tokens


@PROPERTY
@given(_KEY, _KEY, _IDS)
def test_distinct_keys_give_distinct_tokens(one: bytes, other: bytes, ids: list[str]) -> None:
    assume(one != other)
    assert not set(tokens(one, pa.array(ids)).to_pylist()) & set(
        tokens(other, pa.array(ids)).to_pylist()
    )


@PROPERTY
@given(_KEY, _IDS)
def test_a_token_never_shows_the_id(key: bytes, ids: list[str]) -> None:
    for id_number, token in zip(ids, tokens(key, pa.array(ids)).to_pylist(), strict=True):
        assert len(token) == 32
        assert set(token) <= set("0123456789abcdef")
        assert id_number not in token


@PROPERTY
@given(st.binary(min_size=32, max_size=64), st.binary(min_size=32, max_size=32))
def test_token_keys_differ_per_agreement(secret: bytes, agreement: bytes) -> None:
    other = bytes([agreement[0] ^ 1, *agreement[1:]])
    key = token_key(secret, agreement.hex())
    assert key == token_key(secret, agreement.hex())
    assert key != token_key(secret, other.hex())
    assert len(key) == 32


def test_malformed_ids_refused() -> None:
    with pytest.raises(ValueError, match="18-character"):
        tokens(os.urandom(32), pa.array(["123"]))
    with pytest.raises(ValueError, match="18-character"):
        tokens(os.urandom(32), pa.array([IDS[0], None]))


def test_groups_from_the_sample() -> None:
    ledger = read_ledger(shared_path("samples", "ledger-sample-utf8"))
    split = pseudonymise(ledger.residents, ledger.evaluations, os.urandom(32), AGE_WINDOW)
    scoring, evals, identity = (split.groups[g] for g in ("scoring", "evaluations", "identity"))
    assert "name" not in scoring.column_names
    assert "id_number" not in scoring.column_names + evals.column_names
    assert "note" not in evals.column_names
    assert set(identity.column_names) >= {
        "subject",
        "id_number",
        "name",
        "phone",
        "address",
        "evaluation_notes",
    }
    assert scoring.num_rows == 24
    assert evals.num_rows == 34
    assert set(evals.column("subject").to_pylist()) <= set(scoring.column("subject").to_pylist())
    assert "居民姓名" in split.categories["identity"]
    assert "居民姓名" not in split.categories["scoring"]
    notes = [n for row in identity.column("evaluation_notes").to_pylist() if row for n in row]
    assert {n["note"] for n in notes} >= {"金乡好人", "抗洪救灾"}


def test_profile_in_protocols_is_the_shipped_one() -> None:
    for name in ("ledger-v1.toml", "ledger-v2.toml"):
        shipped = REPO / "src" / "secure_exchange" / "pseudonym" / "profiles" / name
        documented = REPO / "protocols" / "profiles" / name
        assert shipped.read_bytes() == documented.read_bytes()


def test_profile_covers_every_ledger_column() -> None:
    profile = load_profile()
    for sheet, table in (("居民", "residents"), ("评议", "evaluations")):
        for column in LEDGER_COLUMNS[sheet]:
            profile.rule(table, column)


SAMPLES = ("ledger-sample.xlsx", "ledger-sample-utf8", "ledger-sample-gb18030")


def test_three_sample_formats_give_identical_groups() -> None:
    key = os.urandom(32)
    splits = [
        pseudonymise(*_tables(read_ledger(shared_path("samples", name))), key, AGE_WINDOW)
        for name in SAMPLES
    ]
    for group in ("scoring", "evaluations", "identity"):
        first = splits[0].groups[group]
        for other in splits[1:]:
            assert other.groups[group].equals(first), group
    assert splits[0].categories == splits[1].categories == splits[2].categories


def _tables(ledger):  # type: ignore[no-untyped-def]
    return ledger.residents, ledger.evaluations


def test_sealed_sample_opens_to_exactly_what_went_in(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from secure_exchange.package import Sender, open_package, seal, verify
    from tests.support import make_parties

    parties = make_parties(tmp_path / "keys")
    ledger = read_ledger(shared_path("samples", "ledger-sample.xlsx"))
    split = pseudonymise(
        ledger.residents, ledger.evaluations, os.urandom(32), age_window(parties.agreement)
    )
    now = datetime(2022, 7, 1, tzinfo=UTC)
    sealed = seal(
        split.groups,
        parties.agreement,
        [parties.officer, parties.seal_a],
        out_dir=tmp_path / "stick",
        sender=Sender("A", "x"),
        sequence=1,
        categories=split.categories,
        risk=split.risk,
        now=now,
    )
    checked = verify(sealed.path, [parties.agreement], now=now)
    opened = open_package(
        checked, [parties.scoring.age_identity, *parties.reidentify.age_identities]
    )
    assert set(opened) == {"scoring", "evaluations", "identity"}
    for group, table in split.groups.items():
        assert opened[group].equals(table), group
    with pytest.raises(Exception, match="may not read"):
        open_package(checked, [parties.scoring.age_identity], ["identity"])
