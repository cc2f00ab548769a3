"""ledger layer."""

from secure_exchange.ledger.scan import *  # noqa: F403
