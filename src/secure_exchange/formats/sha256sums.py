"""``SHA256SUMS`` lists as ``sha256sum`` writes them and ``sha256sum -c`` reads them.

One line per file, sorted by name: 64 lower-case hex digits, two spaces (text mode), the
name, a line feed. ``parse`` accepts exactly what ``render`` writes: no binary-mode ``*``,
no escaped names, no blank lines, no duplicate names, a line feed after every line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Protocol

from secure_exchange.formats.errors import FormatError

__all__ = ["SumsError", "parse", "render", "sha256_stream"]

_LINE = re.compile(r"([0-9a-f]{64})  ([^\\\n\r]+)")
_CHUNK = 1 << 20


class SumsError(FormatError):
    """A ``SHA256SUMS`` list is not in the canonical form (``line`` counts from 1)."""


class Readable(Protocol):
    """A binary stream: ``read(size)`` returns bytes, ``b""`` at the end."""

    def read(self, size: int = -1, /) -> bytes:
        """Read up to ``size`` bytes."""
        ...


def render(digests: Mapping[str, str]) -> bytes:
    """The list of ``name → hex SHA-256``, sorted by name, as ASCII/UTF-8 bytes.

    Raises:
        ValueError: a digest is not 64 lower-case hex digits or a name cannot be listed.
    """
    lines = []
    for name in sorted(digests):
        line = f"{digests[name]}  {name}"
        if not _LINE.fullmatch(line):
            raise ValueError(f"cannot list {name!r} in SHA256SUMS")
        lines.append(line + "\n")
    return "".join(lines).encode("utf-8")


def parse(data: bytes) -> dict[str, str]:
    """Read a list back as ``name → hex SHA-256``, in file order.

    Raises:
        SumsError: not UTF-8, a line out of form, a name listed twice, or no final line feed.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SumsError("sha256sums.malformed", line=0) from None
    if text and not text.endswith("\n"):
        raise SumsError("sha256sums.malformed", line=text.count("\n") + 1)
    listed: dict[str, str] = {}
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        match = _LINE.fullmatch(line)
        if match is None or match.group(2) in listed:
            raise SumsError("sha256sums.malformed", line=number)
        listed[match.group(2)] = match.group(1)
    return listed


def sha256_stream(stream: Readable) -> tuple[str, int]:
    """The hex SHA-256 and the length of everything left in ``stream``, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
