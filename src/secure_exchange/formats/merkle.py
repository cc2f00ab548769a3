"""RFC 6962 Merkle trees: tree hash, inclusion and consistency proofs (RFC 9162 checks).

Leaf hash = SHA-256(0x00 || data), node hash = SHA-256(0x01 || left || right); the tree
of ``n`` leaves splits at the largest power of two smaller than ``n`` (RFC 6962 §2.1).
``MerkleTree`` keeps every complete aligned subtree hash, so roots and proofs for any
earlier size cost O(log n) hashes after an O(n) build; the module functions take a plain
sequence of leaf hashes for one-off use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "MerkleTree",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 hash of one leaf's data."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 hash of an interior node."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """An append-only tree over leaf hashes with every complete subtree hash cached.

    ``levels[k][i]`` is the hash of leaves ``[i * 2**k, (i + 1) * 2**k)``.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self.levels[0])

    def leaf(self, index: int) -> bytes:
        """Return the hash of leaf ``index``."""
        return self.levels[0][index]

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash, completing parent subtrees as they fill up."""
        if len(leaf) != 32:
            raise ValueError("a leaf hash is 32 bytes")
        levels = self.levels
        levels[0].append(leaf)
        k = 0
        while len(levels[k]) % 2 == 0:
            if len(levels) == k + 1:
                levels.append([])
            row = levels[k]
            levels[k + 1].append(_sha256(b"\x01" + row[-2] + row[-1]).digest())
            k += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add many leaf hashes; builds level by level when the tree is empty."""
        if self.size:
            for leaf in leaves:
                self.append(leaf)
            return
        row = list(leaves)
        if any(len(leaf) != 32 for leaf in row):
            raise ValueError("a leaf hash is 32 bytes")
        self.levels = [row]
        while len(row) > 1:
            row = [
                _sha256(b"\x01" + row[i] + row[i + 1]).digest() for i in range(0, len(row) - 1, 2)
            ]
            self.levels.append(row)

    def subtree(self, start: int, end: int) -> bytes:
        """Return MTH(D[start:end]) for a range that the RFC 6962 recursion produces."""
        n = end - start
        if n <= 0 or end > self.size:
            raise ValueError("empty or out-of-range subtree")
        if n & (n - 1) == 0 and start % n == 0:
            return self.levels[n.bit_length() - 1][start // n]
        k = _split(n)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        """Return the tree head hash for the first ``size`` leaves (all by default)."""
        size = self.size if size is None else size
        if size < 0 or size > self.size:
            raise ValueError("size out of range")
        return EMPTY_ROOT if size == 0 else self.subtree(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Return PATH(index, D[0:size]) per RFC 6962 §2.1.1."""
        if not 0 <= index < size <= self.size:
            raise ValueError("need 0 <= index < size <= tree size")
        return self._path(index, 0, size)

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*self._path(m, start, start + k), self.subtree(start + k, end)]
        return [*self._path(m - k, start + k, end), self.subtree(start, start + k)]

    def consistency_proof(self, m: int, n: int) -> list[bytes]:
        """Return PROOF(m, D[0:n]) per RFC 6962 §2.1.2 (empty when m is 0 or n)."""
        if not 0 <= m <= n <= self.size:
            raise ValueError("need 0 <= m <= n <= tree size")
        if m in (0, n):
            return []
        return self._subproof(m, 0, n, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self.subtree(start, end)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, whole), self.subtree(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self.subtree(start, start + k)]


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return MTH over ``leaf_hashes`` in O(n), hashing level by level."""
    row = list(leaf_hashes)
    if not row:
        return EMPTY_ROOT
    while len(row) > 1:
        nxt = [_sha256(b"\x01" + row[i] + row[i + 1]).digest() for i in range(0, len(row) - 1, 2)]
        if len(row) % 2:
            nxt.append(row[-1])
        row = nxt
    return row[0]


def inclusion_proof(index: int, size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return the audit path of leaf ``index`` in the tree of the first ``size`` leaves."""
    return MerkleTree(leaf_hashes[:size]).inclusion_proof(index, size)


def consistency_proof(m: int, n: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return the proof that the tree of size ``m`` is a prefix of the tree of size ``n``."""
    return MerkleTree(leaf_hashes[:n]).consistency_proof(m, n)


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    while fn and not fn & 1:
        fn >>= 1
        sn >>= 1
    return fn, sn


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """Check an inclusion proof per RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                fn, sn = _shift_while_even(fn, sn)
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> bool:
    """Check a consistency proof per RFC 9162 §2.1.4.2.

    Size 0 is consistent with anything (empty proof); equal sizes need equal roots.
    """
    if not 0 <= m <= n:
        return False
    if m == 0 or m == n:
        return not proof and (m != n or root_m == root_n)
    path = list(proof)
    if not path:
        return False
    if m & (m - 1) == 0:  # step 2: a power of two, the old root starts the path
        path.insert(0, root_m)
    fn, sn = m - 1, n - 1
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                fn, sn = _shift_while_even(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root_m and sr == root_n and sn == 0
