"""RFC 6962 Merkle tree: shared vectors, proofs for every small size, tampering."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from secure_exchange.formats import merkle as mk

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
