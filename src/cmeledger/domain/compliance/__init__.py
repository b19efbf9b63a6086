"""Pure compliance engine: cycle windows and per-licence obligation status (no I/O).

Rules come in as `cmeledger.requirements.model.Rule` objects (a pure dataclass module);
the caller loads them, this package never reads files.
"""

from cmeledger.domain.compliance.cycles import CycleWindow, add_months, cycle_window
from cmeledger.domain.compliance.evaluate import (
    AT_RISK_DAYS,
    CategoryProgress,
    Obligation,
    Practice,
    Status,
    TopicProgress,
    evaluate,
    evaluate_license,
)

__all__ = [
    "AT_RISK_DAYS",
    "CategoryProgress",
    "CycleWindow",
    "Obligation",
    "Practice",
    "Status",
    "TopicProgress",
    "add_months",
    "cycle_window",
    "evaluate",
    "evaluate_license",
]
