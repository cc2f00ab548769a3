"""``python -m secure_exchange`` is the same as ``sx``."""

from secure_exchange.cli import run

run()
