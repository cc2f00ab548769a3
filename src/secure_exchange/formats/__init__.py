"""The formats layer: standard formats, each its own face, importing nothing above them.

``age`` (age v1 encryption), ``minisign`` (keys and signatures), ``note`` (C2SP signed
notes and cosignatures), ``merkle`` (RFC 6962), ``sha256sums`` (``sha256sum`` lists),
``canonjson`` (canonical JSON, strict reading, UTC timestamps). Each raises its own
``errors.FormatError`` (a message key and its parameters); the layers above wrap it with
context.
"""
