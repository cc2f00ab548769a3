"""RFC 6962 Merkle tree: shared vectors, proofs for every small size, tampering."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secure_exchange.formats import merkle as mk
from secure_exchange.formats.errors import FormatError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "vectors"


def _ref_mth(leaves: list[bytes]) -> bytes:
    """Textbook recursive MTH over leaf hashes (reference only)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return mk.node_hash(_ref_mth(leaves[:k]), _ref_mth(leaves[k:]))


def _leaves(n: int) -> list[bytes]:
    return [mk.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def _vectors() -> dict[str, list[str]]:
    path = SHARED / "rfc6962-merkle.json"
    if not path.is_file():
        pytest.skip(f"../shared is absent: {path} not found")
    data: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_rfc6962_vectors_roots() -> None:
    data = _vectors()
    leaves = [mk.leaf_hash(bytes.fromhex(h)) for h in data["leaves_hex"]]
    for n, want in enumerate(data["roots_hex"]):
        assert mk.root(leaves[:n]).hex() == want
        assert mk.MerkleTree(leaves[:n]).root().hex() == want


def test_rfc6962_vectors_incremental_tree_matches() -> None:
    data = _vectors()
    tree = mk.MerkleTree()
    for n, raw in enumerate(data["leaves_hex"], start=1):
        tree.append(mk.leaf_hash(bytes.fromhex(raw)))
        assert tree.root().hex() == data["roots_hex"][n]
    for n, want in enumerate(data["roots_hex"]):
        assert tree.root(n).hex() == want


@pytest.mark.parametrize("n", range(0, 70))
def test_root_matches_reference(n: int) -> None:
    leaves = _leaves(n)
    want = _ref_mth(leaves)
    assert mk.root(leaves) == want
    assert mk.MerkleTree(leaves).root() == want
    grown = mk.MerkleTree()
    for leaf in leaves:
        grown.append(leaf)
    assert grown.root() == want


def test_inclusion_all_sizes_up_to_64() -> None:
    tree = mk.MerkleTree(_leaves(64))
    for size in range(1, 65):
        head = tree.root(size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert proof == mk.inclusion_proof(index, size, tree.levels[0])
            assert mk.verify_inclusion(index, size, tree.leaf(index), proof, head)
            assert not mk.verify_inclusion(index, size, tree.leaf((index + 1) % 64), proof, head)
            if proof:
                bad = list(proof)
                bad[-1] = bytes(32)
                assert not mk.verify_inclusion(index, size, tree.leaf(index), bad, head)
                assert not mk.verify_inclusion(index, size, tree.leaf(index), proof[:-1], head)
            assert not mk.verify_inclusion(index, size, tree.leaf(index), [*proof, bytes(32)], head)


def test_consistency_all_pairs_up_to_64() -> None:
    tree = mk.MerkleTree(_leaves(64))
    for n in range(1, 65):
        for m in range(0, n + 1):
            proof = tree.consistency_proof(m, n)
            assert proof == mk.consistency_proof(m, n, tree.levels[0])
            assert mk.verify_consistency(m, n, tree.root(m), tree.root(n), proof)
            if 0 < m < n:
                assert not mk.verify_consistency(m, n, tree.root(m), tree.root(n), proof[:-1])
                assert not mk.verify_consistency(m, n, tree.root(m - 1), tree.root(n), proof)
                assert not mk.verify_consistency(m, n, tree.root(m), bytes(32), proof)
                for i in range(len(proof)):
                    bad = list(proof)
                    bad[i] = bytes(32)
                    assert not mk.verify_consistency(m, n, tree.root(m), tree.root(n), bad)


def test_consistency_random_large_sizes() -> None:
    rng = random.Random(6962)  # noqa: S311 - reproducible sizes, not crypto
    tree = mk.MerkleTree(_leaves(5000))
    for _ in range(300):
        n = rng.randint(1, 5000)
        m = rng.randint(1, n)
        proof = tree.consistency_proof(m, n)
        assert mk.verify_consistency(m, n, tree.root(m), tree.root(n), proof)
        index = rng.randrange(n)
        path = tree.inclusion_proof(index, n)
        assert mk.verify_inclusion(index, n, tree.leaf(index), path, tree.root(n))
        assert tree.root(n) == mk.root(tree.levels[0][:n])


def test_edge_cases_rejected() -> None:
    tree = mk.MerkleTree(_leaves(8))
    assert not mk.verify_consistency(5, 4, tree.root(5), tree.root(4), [])
    assert not mk.verify_consistency(4, 4, tree.root(4), tree.root(5), [])
    assert mk.verify_consistency(0, 8, mk.EMPTY_ROOT, tree.root(8), [])
    assert not mk.verify_consistency(3, 8, tree.root(3), tree.root(8), [])
    assert not mk.verify_inclusion(8, 8, tree.leaf(0), [], tree.root(8))
    with pytest.raises(ValueError, match="size"):
        tree.consistency_proof(3, 9)
    with pytest.raises(ValueError, match="index"):
        tree.inclusion_proof(8, 8)
    with pytest.raises(ValueError, match="32 bytes"):
        tree.append(b"short")


# --- properties (hypothesis): random sizes and indices, every alteration refused ------------

TREE = mk.MerkleTree(_leaves(300))
PROPERTY = settings(max_examples=150)


def _accepts(verify: Callable[..., bool], *args: object) -> bool:
    """Whether a proof check accepts; a typed refusal counts as a no like ``False`` does."""
    try:
        return verify(*args) is True
    except (ValueError, FormatError):
        return False


def _flip_bit(value: bytes, bit: int) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


def _flip(proof: list[bytes], at: int, bit: int) -> list[bytes]:
    return [_flip_bit(h, bit) if i == at else h for i, h in enumerate(proof)]


@st.composite
def _leaf_in_tree(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, TREE.size))
    return draw(st.integers(0, size - 1)), size


@st.composite
def _two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(2, TREE.size))
    return draw(st.integers(1, n - 1)), n


@PROPERTY
@given(_leaf_in_tree())
def test_inclusion_proof_verifies(case: tuple[int, int]) -> None:
    index, size = case
    proof = TREE.inclusion_proof(index, size)
    assert _accepts(mk.verify_inclusion, index, size, TREE.leaf(index), proof, TREE.root(size))


@PROPERTY
@given(_leaf_in_tree(), st.data())
def test_altered_inclusion_proof_is_refused(case: tuple[int, int], data: st.DataObject) -> None:
    index, size = case
    proof, head, leaf = TREE.inclusion_proof(index, size), TREE.root(size), TREE.leaf(index)
    altered = [(index, leaf, [*proof, bytes(32)], head)]  # one hash too many
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 7), label="bit")
        altered += [
            (index, leaf, _flip(proof, at, bit), head),
            (index, leaf, proof[:at] + proof[at + 1 :], head),  # one hash missing
        ]
    other = data.draw(st.integers(0, size - 1), label="other index")
    if other != index:
        altered += [(other, leaf, proof, head), (index, TREE.leaf(other), proof, head)]
    altered.append((index, leaf, proof, _flip_bit(head, data.draw(st.integers(0, 7)))))
    for args in altered:
        assert not _accepts(mk.verify_inclusion, args[0], size, *args[1:])


@PROPERTY
@given(_two_sizes())
def test_consistency_proof_verifies(sizes: tuple[int, int]) -> None:
    m, n = sizes
    proof = TREE.consistency_proof(m, n)
    assert _accepts(mk.verify_consistency, m, n, TREE.root(m), TREE.root(n), proof)
    assert TREE.root(n) == mk.root(TREE.levels[0][:n])


@PROPERTY
@given(_two_sizes(), st.data())
def test_altered_consistency_proof_is_refused(sizes: tuple[int, int], data: st.DataObject) -> None:
    m, n = sizes
    proof, old, new = TREE.consistency_proof(m, n), TREE.root(m), TREE.root(n)
    at = data.draw(st.integers(0, len(proof) - 1), label="element")
    bit = data.draw(st.integers(0, 7), label="bit")
    altered = [
        (old, new, _flip(proof, at, bit)),
        (old, new, proof[:at] + proof[at + 1 :]),
        (old, new, [*proof, bytes(32)]),
        (_flip_bit(old, bit), new, proof),
        (old, _flip_bit(new, bit), proof),
    ]
    for old_root, new_root, bad in altered:
        assert not _accepts(mk.verify_consistency, m, n, old_root, new_root, bad)


@PROPERTY
@given(st.lists(st.binary(max_size=40), max_size=80), st.integers(0, 80))
def test_any_leaves_grown_or_built_give_the_textbook_root(leaves: list[bytes], cut: int) -> None:
    hashes = [mk.leaf_hash(data) for data in leaves]
    grown = mk.MerkleTree(hashes[:cut])
    for leaf in hashes[cut:]:
        grown.append(leaf)
    assert grown.root() == mk.MerkleTree(hashes).root() == mk.root(hashes) == _ref_mth(hashes)
