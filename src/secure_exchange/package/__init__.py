"""package layer."""

from secure_exchange.package.core import *  # noqa: F403
