"""The root of every error the formats layer raises.

Formats know nothing of the application: an error carries a message key and its
parameters, and the layer above (package, keys, audit) wraps it with context.
"""

from __future__ import annotations

__all__ = ["FormatError"]


class FormatError(Exception):
    """A standard format (age, minisign, signed note, RFC 6962, SHA256SUMS, JSON) refused bytes.

    ``key`` names the fault in the application's message catalogue; ``params`` holds
    its values (never a secret, never personal data).
    """

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def __str__(self) -> str:
        if not self.params:
            return self.key
        shown = ", ".join(f"{name}={value}" for name, value in sorted(self.params.items()))
        return f"{self.key} ({shown})"
