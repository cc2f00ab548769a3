"""The pseudonym layer: keyed subject tokens and the column groups a ledger is split into.

``pseudonymise`` splits whole tables, ``Splitter`` block by block (protocols/
pseudonymisation-v1.md), measuring each group's re-identification risk (``GroupRisk``);
``token_key`` and ``tokens`` make the subject tokens.
"""

from secure_exchange.pseudonym.profile import GROUPS, ColumnRule, Profile, load_profile
from secure_exchange.pseudonym.risk import RiskMeter
from secure_exchange.pseudonym.split import Kept, Pseudonymised, Splitter, pseudonymise
from secure_exchange.pseudonym.tokens import Token, token_key, tokens

__all__ = [
    "GROUPS",
    "ColumnRule",
    "Kept",
    "Profile",
    "Pseudonymised",
    "RiskMeter",
    "Splitter",
    "Token",
    "load_profile",
    "pseudonymise",
    "token_key",
    "tokens",
]
