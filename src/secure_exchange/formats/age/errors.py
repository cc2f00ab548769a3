"""Typed errors of the age implementation; integrity failures stay deliberately opaque.

They are format errors (``FormatError``: a message key and its parameters); the layers
above wrap them with context (a package part, a key file).
"""

from __future__ import annotations

from secure_exchange.formats.errors import FormatError

__all__ = [
    "AgeArmorError",
    "AgeError",
    "AgeHeaderError",
    "AgeHeaderMacError",
    "AgeKeyError",
    "AgeNoIdentityMatchError",
    "AgePayloadError",
    "AgeWorkFactorError",
]


class AgeError(FormatError):
    """Base of every error raised while reading or writing an age file."""


class AgeHeaderError(AgeError):
    """The header is malformed, unsupported or refers to a forbidden value."""

    def __init__(self, key: str = "age.header", /, **params: object) -> None:
        super().__init__(key, **params)


class AgeHeaderMacError(AgeHeaderError):
    """The header MAC does not verify: the header was altered."""

    def __init__(self) -> None:
        super().__init__("age.header_mac")


class AgeWorkFactorError(AgeHeaderError):
    """An scrypt stanza asks for more work than the identity allows."""

    def __init__(self, work_factor: int, maximum: int) -> None:
        super().__init__("age.work_factor", work_factor=work_factor, maximum=maximum)


class AgeNoIdentityMatchError(AgeError):
    """None of the identities could unwrap the file key."""

    def __init__(self) -> None:
        super().__init__("age.no_match")


class AgePayloadError(AgeError):
    """The payload is truncated, altered or followed by trailing data."""

    def __init__(self) -> None:
        super().__init__("age.payload")


class AgeArmorError(AgeError):
    """The ASCII armor around the file is malformed."""

    def __init__(self) -> None:
        super().__init__("age.armor")


class AgeKeyError(AgeError):
    """A recipient or identity string is malformed (never echoes the secret)."""
