"""Words for codes: credit types, credit categories and topic tags, as people read them.

One place, so the portal, the audit packet and the roster say the same thing."""

from __future__ import annotations

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
