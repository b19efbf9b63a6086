"""Words for codes: credit types, credit categories and topic tags, as people read them.

One place, so the portal, the audit packet and the roster say the same thing."""

from __future__ import annotations

import re

from cmeledger.domain.credit_taxonomy import credit_type
from cmeledger.domain.errors import DomainError

# Tags are snake_case; these parts are initialisms and are written in capitals.
_INITIALISMS = frozenset(
    {"dea", "mate", "hiv", "aids", "cme", "moc", "sud", "oud", "ptsd", "lgbtq", "ems", "icu"}
)


def credit_label(code: str) -> str:
    try:
        return credit_type(code).label
    except DomainError:
        return code  # a type retired from the taxonomy still reads as recorded


def category_label(category: str) -> str:
    """`ama_pra_1|aafp_prescribed` in words: the credit types' labels joined with "or"."""
    return " or ".join(credit_label(code) for code in category.split("|"))


def topic_label(tag: str) -> str:
    """`dea_mate` → "DEA MATE", `opioid_prescribing` → "Opioid prescribing"."""
    words = [w.upper() if w in _INITIALISMS else w for w in tag.split("_") if w]
    if not words:
        return tag
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])


_LOW_CONFIDENCE = re.compile(r"^low confidence in (\w+) \(([0-9.]+)\)$")


def readable_reason(reason: str) -> str:
    """The extractor's `low confidence in completion_date (0.00)` in a person's words."""
    found = _LOW_CONFIDENCE.match(reason)
    if found is None:
        return reason
    field = found.group(1).replace("_", " ")
    return f"the {field} was read with low confidence ({float(found.group(2)):.0%})"
