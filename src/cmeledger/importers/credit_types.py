"""Credit-type, MOC and format wording as transcripts print it, mapped onto our taxonomy.

One function per question so every importer reads "Cat 1", "AMA PRA Category 1 Credit(s)™"
or "Prescribed" the same way. Each answer carries a confidence: a bare "CME" probably means
AMA PRA Category 1 in a US transcript, but a person should confirm it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cmeledger.domain.activities import ActivityFormat
from cmeledger.domain.credit_taxonomy import CREDIT_TYPES, credit_type_codes

UNKNOWN_PREFIX = "unknown:"

_MARKS = re.compile(r"&trade;|™|®|©|\((?:tm|r)\)", re.IGNORECASE)
_GLUED_TM = re.compile(r"(credit(?:\(s\)|s)?)tm\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower case, trademarks dropped, punctuation to single spaces ("Credit(s)™" -> "credits")."""
    text = _GLUED_TM.sub(r"\1", _MARKS.sub(" ", text))
    text = text.lower().replace("(s)", "s")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True, slots=True)
class TypeMatch:
    code: str
    confidence: float


_AOA_SUB = re.compile(r"\b(?:cat(?:egory)?\s*)?([12])\s*([ab])\b")
_CAT = r"\b(?:cat(?:egory)?|class)\s*"
_CAT1 = re.compile(_CAT + r"(?:1|i|one)\b")
_CAT2 = re.compile(_CAT + r"(?:2|ii|two)\b")
_AMA_1 = re.compile(r"\bama(?:\s+pra)?\s+1\b|\bama\s+pra\b")


def _has(text: str, *words: str) -> bool:
    return any(re.search(rf"\b{w}\b", text) for w in words)


def credit_type_from_text(text: str, *, system: str | None = None) -> TypeMatch | None:
    """The taxonomy id a credit-type label names, or None if it names none we know.

    `system` says whose transcript this is, for labels that only make sense in context
    ("Category 1" in an NCCPA log is AAPA Category 1, not AMA).
    """
    t = normalise(text)
    if not t:
        return None
    if t.replace(" ", "_") in credit_type_codes():
        return TypeMatch(t.replace(" ", "_"), 1.0)
    if (
        _has(t, "aoa", "osteopathic")
        or system == "AOA"
        or re.fullmatch(r"(?:cat(?:egory)? )?[12] [ab]", t)
    ):
        m = _AOA_SUB.search(t)
        sure = 1.0 if _has(t, "aoa", "osteopathic") else 0.9
        return TypeMatch(f"aoa_{m.group(1)}{m.group(2)}", sure) if m else None
    if _has(t, "aapa") or (system == "AAPA" and not _has(t, "ama", "pra", "aafp")):
        if _CAT2.search(t) or re.fullmatch(r"2", t):
            return TypeMatch("aapa_2", 1.0)
        if _CAT1.search(t) or re.fullmatch(r"1", t) or _has(t, "aapa"):
            return TypeMatch("aapa_1", 1.0 if (_CAT1.search(t) or t == "1") else 0.8)
    if _has(t, "prescribed"):
        return TypeMatch("aafp_prescribed", 1.0)
    if _has(t, "elective"):
        return TypeMatch("aafp_elective", 1.0)
    if _has(t, "acpe", "pharmacy", "pharmacist", "pharmacists", "cpe"):
        return TypeMatch("acpe_contact_hours", 1.0)
    if _has(t, "ancc", "nursing", "nurse", "nurses", "cne", "ncpd"):
        return TypeMatch("ancc_contact_hours", 1.0)
    if _has(t, "contact hour", "contact hours"):
        return TypeMatch("ancc_contact_hours", 0.9)
    if _has(t, "ipce", "interprofessional"):
        return TypeMatch("ipce", 1.0)
    if _has(t, "cpeu", "cpeus", "cdr", "dietetic"):
        return TypeMatch("cdr_cpeu", 1.0)
    named = _has(t, "ama", "pra")
    if _CAT2.search(t):
        return TypeMatch("ama_pra_2", 1.0 if named else 0.9)
    if _CAT1.search(t) or _AMA_1.search(t):
        return TypeMatch("ama_pra_1", 1.0 if named else 0.9)
    if _has(t, "cme", "accme"):
        # Every accredited US physician CME activity carries AMA PRA Category 1; likely, not sure.
        return TypeMatch("ama_pra_1", 0.7)
    return None


# ---- MOC ------------------------------------------------------------------------------

_BOARD_NAMES = {ct.board.lower(): ct.board for ct in CREDIT_TYPES if ct.board}
# ABMS boards outside the ACCME collaboration, and ABPM (ACOEM's LLSA): known, not in taxonomy.
_OTHER_BOARDS = (
    "abfm",
    "abem",
    "abr",
    "abog",
    "abu",
    "abd",
    "abpn",
    "abo",
    "abcrs",
    "abnm",
    "abns",
    "abps",
    "abai",
    "abcgg",
    "abmgg",
    "abpm",
)
_BOARD = re.compile(
    r"\b(" + "|".join(sorted({*_BOARD_NAMES, *_OTHER_BOARDS}, key=len, reverse=True)) + r")\b"
)
_SUBTYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "ABIM": (
        (r"practice assessment|\bpa\b|\bpi\b", "moc_abim_pa"),
        (r"patient safety|\bps\b", "moc_abim_ps"),
        (r"", "moc_abim_mk"),
    ),
    "ABP": ((r"part 4|\bqi\b|quality improvement|\bpi\b", "moc_abp_qi"), (r"", "moc_abp_ll")),
    "ABA": ((r"patient safety|\bps\b", "moc_aba_ps"), (r"", "moc_aba_ll")),
    "ABS": ((r"self assessment|\bsa\b", "moc_abs_sa"), (r"", "moc_abs_cme")),
    "ABOHNS": ((r"self assessment|\bsa\b", "moc_abohns_sa"), (r"", "moc_abohns_ll")),
    "ABPath": ((r"self assessment|\bsams?\b", "moc_abpath_sam"), (r"", "moc_abpath_ll")),
    "ABTS": ((r"", "moc_abts"),),
    "ABOS": ((r"", "moc_abos"),),
    "ABPMR": ((r"", "moc_abpmr"),),
}
_MOC_WORDS = re.compile(r"\b(moc|llsa|maintenance of certification|continuing certification)\b")


@dataclass(frozen=True, slots=True)
class MocMatch:
    board: str | None
    credit_type: str | None


_FULL_NAMES = (
    ("internal medicine", "ABIM"), ("pediatrics", "ABP"), ("anesthesiology", "ABA"),
    ("otolaryngology", "ABOHNS"), ("pathology", "ABPath"), ("thoracic", "ABTS"),
    ("orthopaedic", "ABOS"), ("orthopedic", "ABOS"), ("physical medicine", "ABPMR"),
    ("preventive medicine", "ABPM"), ("surgery", "ABS"),
)  # fmt: skip


def board_name(text: str) -> str | None:
    """ "ABIM", "abpath", "American Board of Pathology" -> the board's short name."""
    t = normalise(text)
    m = _BOARD.search(t)
    if m is not None:
        return _BOARD_NAMES.get(m.group(1), m.group(1).upper())
    if "american board of" in t:
        return next((short for words, short in _FULL_NAMES if words in t), None)
    return None


def moc_type(board: str, text: str = "") -> str | None:
    """Our MOC credit type for points a board awards; None for boards outside the taxonomy."""
    t = normalise(text)
    for pattern, code in _SUBTYPES.get(board, ()):
        if re.search(pattern, t):
            return code
    return None


def moc_from_text(text: str) -> MocMatch | None:
    """MOC wording ("ABIM MOC Points", "ABPM LLSA", "MOC") -> board and type, if it is MOC."""
    t = normalise(text)
    board = board_name(t)
    if board is None and not _MOC_WORDS.search(t):
        return None
    if board is None and "llsa" in t:
        board = "ABPM"
    return MocMatch(board, moc_type(board, t) if board else None)


# ---- Formats --------------------------------------------------------------------------

_FORMATS = (
    (r"point of care|\bpoc\b", ActivityFormat.POINT_OF_CARE),
    (r"journal", ActivityFormat.JOURNAL),
    (r"enduring|self study|on demand|online|home study|recorded|internet", ActivityFormat.ENDURING),
    (
        r"\blive\b|in person|conference|meeting|grand rounds|\brss\b|regularly scheduled|"
        r"workshop|symposium|webinar",
        ActivityFormat.LIVE,
    ),
)


def format_from_text(text: str) -> ActivityFormat | None:
    t = normalise(text)
    if not t:
        return None
    for pattern, fmt in _FORMATS:
        if re.search(pattern, t):
            return fmt
    return ActivityFormat.OTHER
