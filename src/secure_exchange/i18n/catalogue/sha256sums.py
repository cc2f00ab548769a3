"""Messages of the SHA256SUMS reader (formats.sha256sums): why a list was refused."""

__all__ = ["MESSAGES"]

MESSAGES: dict[str, tuple[str, str]] = {
    "sha256sums.malformed": (
        "校验清单 SHA256SUMS 第 {line} 行格式错误。",
        "SHA256SUMS is malformed at line {line}.",
    ),
}
