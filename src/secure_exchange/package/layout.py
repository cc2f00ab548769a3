"""The folder of a sealed package (protocols/sealed-package-v1.md §1): its names and limits."""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = [
    "CLOCK_SKEW",
    "FORMAT",
    "MANIFEST",
    "MAX_FILE",
    "MAX_LIFETIME",
    "MAX_PART_BYTES",
    "MAX_SEQUENCE",
    "MAX_SMALL_FILE",
    "ROW_GROUP_ROWS",
    "SEQUENCE_WINDOW",
    "SIG_COMMENT",
    "SIG_SUFFIX",
    "SUMS",
    "folder_name",
    "is_valid_name",
    "part_name",
    "signature_name",
    "trusted_comment",
]

FORMAT = "sx-package-v2"  # v2: minimal scoring groups, risk records (sealed-package-v1.md §8)
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
SIG_SUFFIX = ".minisig"
SIG_COMMENT = f"{FORMAT} signature over {SUMS}"
MAX_PART_BYTES = 1_900_000_000  # plaintext per part; keeps every file well under 2 GiB
MAX_FILE = 2 * 1024 * 1024 * 1024  # no file of a package is larger (§1)
MAX_SMALL_FILE = 4 * 1024 * 1024  # manifest, sums, signatures, extra files: read whole
ROW_GROUP_ROWS = 65_536  # rows per Parquet row group at most (§1): what one decoding step holds
MAX_SEQUENCE = 2**31 - 1  # no sender ever counts this far (§3)
SEQUENCE_WINDOW = 1_000  # how far a sequence may run ahead of the last one imported (§4.8)
MAX_LIFETIME = timedelta(days=366)  # from created to expires, at most (§4.7)
CLOCK_SKEW = timedelta(days=1)  # how far ahead of the receiver's clock ``created`` may be
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}")


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is a plain ASCII file name a package may hold (§1)."""
    return _NAME_RE.fullmatch(name) is not None


def folder_name(package_id: str) -> str:
    """The name of the folder that holds package ``package_id`` (§1)."""
    return f"sx-{package_id}"


def part_name(group: str, number: int) -> str:
    """The file of part ``number`` (from 1) of column group ``group`` (§1)."""
    return f"{group}-{number:04d}.parquet.age"


def signature_name(key_id: str) -> str:
    """The signature file of the signer with minisign key id ``key_id`` (§1)."""
    return f"{SUMS}.{key_id}{SIG_SUFFIX}"


def trusted_comment(package_id: str, agreement_sha256: str) -> str:
    """The trusted comment every signature of a package carries (§1)."""
    return f"{FORMAT} {package_id} agreement:{agreement_sha256}"
