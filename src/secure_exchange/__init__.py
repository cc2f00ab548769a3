"""secure-exchange: seal residents' ledgers for the bank, verify before parsing, log every touch."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
