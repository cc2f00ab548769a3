"""audit layer."""

from secure_exchange.audit.log import *  # noqa: F403
