"""Subject tokens: keyed AES-CMAC of the ID number under a per-agreement key.

As protocols/pseudonymisation-v1.md defines them::

    k_agreement = HKDF-SHA256(ikm=station secret, salt=agreement SHA-256 (32 bytes),
                              info="sx/subject-token/v1", length=32)
    token       = hex(AES-256-CMAC(k_agreement, the 18 ASCII bytes of the ID number))

so tokens are stable under one agreement (the bank links a person across monthly packages),
differ between agreements (a leaked table shows whose copy leaked) and cannot be recomputed
or reversed without the secret, which never leaves party A. An unkeyed hash would not do:
an 18-digit ID has about 2^37 plausible values nationwide and is brute-forced in seconds.
"""

from __future__ import annotations

import binascii
from typing import NewType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["Token", "token_key", "tokens"]

Token = NewType("Token", str)
_INFO = b"sx/subject-token/v1"
_ID_LEN = 18


def token_key(secret: bytes, agreement_sha256: str) -> bytes:
    """Derive the per-agreement token key from the station's secret."""
    if len(secret) < 32:
        raise ValueError("the tokenisation secret must be at least 32 bytes")
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=bytes.fromhex(agreement_sha256), info=_INFO
    )
    return hkdf.derive(secret)


def _aes_ecb(key: bytes, blocks: bytes) -> np.ndarray:
    """AES applied to each 16-byte block on its own (the batch form of the block cipher)."""
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - see below
    out = encryptor.update(blocks) + encryptor.finalize()
    return np.frombuffer(out, dtype=np.uint8).reshape(-1, 16)


def _double(block: bytes) -> bytes:
    """Multiplication by x in GF(2^128), RFC 4493 §2.3."""
    value = int.from_bytes(block, "big") << 1
    if value >> 128:
        value = (value & ((1 << 128) - 1)) ^ 0x87
    return value.to_bytes(16, "big")


def tokens(key: bytes, id_numbers: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Tokens for a column of normalised 18-character ID numbers: hex(AES-CMAC(key, id)).

    AES-CMAC (RFC 4493) is computed for all IDs at once: an 18-byte message is two blocks,
    so the tag is E(E(M1) xor pad(M2) xor K2). Each AES call here enciphers independent
    single blocks, which is what CMAC itself does; ``tests/test_pseudonym.py`` checks the
    result against ``cryptography``'s CMAC.
    """
    ids = id_numbers.combine_chunks() if isinstance(id_numbers, pa.ChunkedArray) else id_numbers
    count = len(ids)
    if count == 0:
        return pa.array([], type=pa.string())
    ids = ids.cast(pa.binary())
    lengths = pc.binary_length(ids)
    if ids.null_count or pc.min(lengths).as_py() != _ID_LEN or pc.max(lengths).as_py() != _ID_LEN:
        raise ValueError("tokens need normalised 18-character ID numbers")
    start = int(np.frombuffer(ids.buffers()[1], dtype=np.int32)[ids.offset])
    raw = np.frombuffer(ids.buffers()[2], dtype=np.uint8)[start : start + _ID_LEN * count]
    message = raw.reshape(count, _ID_LEN)
    first = _aes_ecb(key, np.ascontiguousarray(message[:, :16]).tobytes())
    last = np.zeros((count, 16), dtype=np.uint8)
    last[:, : _ID_LEN - 16] = message[:, 16:]
    last[:, _ID_LEN - 16] = 0x80  # padding of an incomplete last block
    k2 = np.frombuffer(_double(_double(_aes_ecb(key, bytes(16)).tobytes())), dtype=np.uint8)
    tags = _aes_ecb(key, (first ^ last ^ k2).tobytes())
    text = pa.py_buffer(binascii.hexlify(tags.tobytes()))
    offsets = pa.py_buffer(np.arange(0, 32 * (count + 1), 32, dtype=np.int32).tobytes())
    return pa.Array.from_buffers(pa.string(), count, [None, offsets, text])
