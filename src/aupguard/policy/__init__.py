"""Policy packs: the policy text as citable clauses, the rules, permission kinds and settings.

The default pack is IASB model policy 401.13 / regulation 401.13R1 (also numbered 713 / 713R1).
"""

from aupguard.policy.loader import analyze_text, check_pack, default_pack, load_pack
from aupguard.policy.problems import PackError, PackProblem
from aupguard.policy.schema import (
    Clause,
    Document,
    Example,
    Pack,
    PermissionKind,
    Rule,
    UnknownClause,
    When,
    select_pack,
)

__all__ = [
    "Clause",
    "Document",
    "Example",
    "Pack",
    "PackError",
    "PackProblem",
    "PermissionKind",
    "Rule",
    "UnknownClause",
    "When",
    "analyze_text",
    "check_pack",
    "default_pack",
    "load_pack",
    "select_pack",
]
