"""The folder of a sealed package (protocols/sealed-package-v1.md §1): its names and limits."""

from __future__ import annotations

import re

__all__ = [
    "FORMAT",
    "MANIFEST",
    "MAX_FILE",
    "MAX_PART_BYTES",
    "MAX_SMALL_FILE",
    "SIG_COMMENT",
    "SIG_SUFFIX",
    "SUMS",
    "is_valid_name",
    "signature_name",
    "trusted_comment",
]

FORMAT = "sx-package-v1"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
SIG_SUFFIX = ".minisig"
SIG_COMMENT = f"{FORMAT} signature over {SUMS}"
MAX_PART_BYTES = 1_900_000_000  # plaintext per part; keeps every file well under 2 GiB
MAX_FILE = 2 * 1024 * 1024 * 1024  # no file of a package is larger (§1)
MAX_SMALL_FILE = 4 * 1024 * 1024  # manifest, sums, signatures: read whole, so bounded
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}")


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is a plain ASCII file name a package may hold (§1)."""
    return _NAME_RE.fullmatch(name) is not None


def signature_name(key_id: str) -> str:
    """The signature file of the signer with minisign key id ``key_id`` (§1)."""
    return f"{SUMS}.{key_id}{SIG_SUFFIX}"


def trusted_comment(package_id: str, agreement_sha256: str) -> str:
    """The trusted comment every signature of a package carries (§1)."""
    return f"{FORMAT} {package_id} agreement:{agreement_sha256}"
