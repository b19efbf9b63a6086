"""Licence, board and DEA CME rules as versioned, cited data (one YAML file per board)."""

from cmeledger.requirements.loader import (
    RuleDataError,
    all_rules,
    load_rules,
    rule_for,
    version_in_force,
)
from cmeledger.requirements.model import (
    Anchor,
    Category,
    Cycle,
    Rule,
    RuleVersion,
    Source,
    Topic,
)

__all__ = [
    "Anchor",
    "Category",
    "Cycle",
    "Rule",
    "RuleDataError",
    "RuleVersion",
    "Source",
    "Topic",
    "all_rules",
    "load_rules",
    "rule_for",
    "version_in_force",
]
