"""pseudonym layer."""

from secure_exchange.pseudonym.core import *  # noqa: F403
