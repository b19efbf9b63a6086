"""PARS code lists: format aliases, MOC boards and their credit types, US states.

Board credit-type labels marked [inferred] in the research are best guesses until ACCME's
Appendix F is obtained; `ParsRules.moc_credit_types` lets a deployment replace the table.
"""

from __future__ import annotations

from types import MappingProxyType

from cmeledger.domain.pars.model import ActivityFormat

F = ActivityFormat
# Lower-cased names, legacy template codes and CLI words -> format.
FORMAT_ALIASES = MappingProxyType(
    {
        **{f.value.lower(): f for f in ActivityFormat},
        "live": F.COURSE,
        "course": F.COURSE,
        "live course": F.COURSE,
        "c": F.COURSE,
        "il": F.COURSE,
        "internet live course": F.COURSE,
        "rss": F.RSS,
        "series": F.RSS,
        "enduring": F.ENDURING,
        "em": F.ENDURING,
        "iem": F.ENDURING,
        "internet activity enduring material": F.ENDURING,
        "journal": F.JOURNAL,
        "jn": F.JOURNAL,
        "journal-based cme": F.JOURNAL,
        "manuscript": F.MANUSCRIPT_REVIEW,
        "mr": F.MANUSCRIPT_REVIEW,
        "test-item": F.TEST_ITEM_WRITING,
        "tiw": F.TEST_ITEM_WRITING,
        "committee": F.COMMITTEE_LEARNING,
        "cml": F.COMMITTEE_LEARNING,
        "pi": F.PERFORMANCE_IMPROVEMENT,
        "performance improvement": F.PERFORMANCE_IMPROVEMENT,
        "isl": F.INTERNET_SEARCHING,
        "lft": F.LEARNING_FROM_TEACHING,
        "teaching": F.LEARNING_FROM_TEACHING,
        "other": F.OTHER,
        "blended": F.OTHER,
    }
)

LIVE_FORMATS = frozenset({F.COURSE, F.RSS})

# Certifying boards collaborating with ACCME on MOC/CC reporting, and the credit-type labels
# PARS uses for each (ABIM's confirmed; the rest from the research table, partly inferred).
MOC_CREDIT_TYPES = MappingProxyType(
    {
        "ABIM": ("Medical Knowledge", "Practice Assessment", "Patient Safety"),
        "ABA": ("Lifelong Learning", "Quality Improvement", "Patient Safety"),
        "ABP": ("Lifelong Learning and Self-Assessment", "Quality Improvement"),
        "ABOHNS": ("Lifelong Learning", "Self-Assessment", "Patient Safety"),
        "ABPATH": ("Lifelong Learning", "Self-Assessment"),
        "ABS": ("Accredited CME", "Self-Assessment"),
        "ABOS": ("Lifelong Learning", "Self-Assessment"),
        "ABTS": ("Lifelong Learning", "Self-Assessment"),
        "ABPMR": ("Lifelong Learning", "Self-Assessment"),
    }
)

US_STATES = MappingProxyType(
    {
        "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
        "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
        "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
        "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
        "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
        "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
        "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
        "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
        "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
        "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
        "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
        "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "AS": "American Samoa",
        "GU": "Guam", "MP": "Northern Mariana Islands", "PR": "Puerto Rico",
        "VI": "Virgin Islands", "UM": "U.S. Minor Outlying Islands",
    }
)  # fmt: skip


def activity_format(text: str) -> ActivityFormat | None:
    """The format a name, legacy code or CLI word stands for; None if unknown."""
    return FORMAT_ALIASES.get(" ".join(text.strip().lower().split()))


def state_code(text: str) -> str | None:
    """USPS code from a code or a full state name (the 917 template's sample uses names)."""
    cleaned = " ".join(text.strip().split())
    if cleaned.upper() in US_STATES:
        return cleaned.upper()
    by_name = {name.lower(): code for code, name in US_STATES.items()}
    return by_name.get(cleaned.lower())
