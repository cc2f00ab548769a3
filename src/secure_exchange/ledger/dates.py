"""Dates as officers type them, beyond the two shapes the fast path reads.

``2022-06-28`` and ``2022/6/28`` are read on the byte matrix (``rules``); what is left —
``2022年6月28日``, ``2022.6.28``, ``2022-6-28``, spaces around the parts — is matched here,
row by row in pyarrow's regex engine, which costs nothing when no such row exists.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["loose_dates"]

_LOOSE = (
    r"^(?P<y>[0-9]{4})\s*(?:年|\.|-|/|－|．)\s*(?P<m>[0-9]{1,2})\s*(?:月|\.|-|/|－|．)\s*"
    r"(?P<d>[0-9]{1,2})\s*日?$"
)


def loose_dates(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of each cell of ``text`` in a looser shape, and where it matched."""
    found = pc.extract_regex(text, pattern=_LOOSE)
    matched = np.asarray(found.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    parts = []
    for name in ("y", "m", "d"):
        field = pc.struct_field(found, name).fill_null("0")
        parts.append(np.asarray(pc.cast(field, pa.int32()).to_numpy(zero_copy_only=False)))
    return parts[0], parts[1], parts[2], matched
