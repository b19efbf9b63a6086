"""Credit-type names as certificates and transcripts write them, mapped to taxonomy ids."""

from __future__ import annotations

import re

# (pattern, credit type id). First match wins, so specific names come before general ones.
_CREDIT_NAMES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rx, re.IGNORECASE), code)
    for rx, code in (
        (r"AMA\s*PRA\s*Cat(?:egory|\.)?\s*(?:2|II)\b", "ama_pra_2"),
        (r"AMA\s*PRA\s*Cat(?:egory|\.)?\s*(?:1|I)\b", "ama_pra_1"),
        (r"\bAMA\s*Cat(?:egory|\.)?\s*(?:1|I)\b", "ama_pra_1"),
        (r"\bAOA\s*(?:Cat(?:egory|\.)?\s*)?1\s*-?\s*A\b", "aoa_1a"),
        (r"\bAOA\s*(?:Cat(?:egory|\.)?\s*)?1\s*-?\s*B\b", "aoa_1b"),
        (r"\bAOA\s*(?:Cat(?:egory|\.)?\s*)?2\s*-?\s*A\b", "aoa_2a"),
        (r"\bAOA\s*(?:Cat(?:egory|\.)?\s*)?2\s*-?\s*B\b", "aoa_2b"),
        (r"\bCategory\s*1\s*-?\s*A\b", "aoa_1a"),
        (r"\bCategory\s*1\s*-?\s*B\b", "aoa_1b"),
        (r"\bAAPA\s*Cat(?:egory|\.)?\s*(?:2|II)\b", "aapa_2"),
        (r"\bAAPA\s*Cat(?:egory|\.)?\s*(?:1|I)\b", "aapa_1"),
        (r"\bPrescribed\b", "aafp_prescribed"),
        (r"\bElective\b", "aafp_elective"),
        (r"\bIPCE\b|Interprofessional\s+Continuing\s+Education", "ipce"),
        (r"\bCPEUs?\b", "cdr_cpeu"),
        (
            r"\b(?:ACPE|pharmacy|pharmacists?)\b.*\bcontact\s*hours?\b|\bcontact\s*hours?\b.*"
            r"\b(?:ACPE|UAN|Universal\s+Activity\s+Number|pharmac)",
            "acpe_contact_hours",
        ),
        (r"\b(?:nursing\s+)?contact\s*hours?\b|\bANCC\b", "ancc_contact_hours"),
        (r"\bCategory\s*(?:2|II)\b", "ama_pra_2"),
        (r"\bCategory\s*(?:1|I)\b", "ama_pra_1"),
    )
)


def credit_type_from_text(text: str) -> str | None:
    """The taxonomy id a phrase names ("AMA PRA Category 1 Credit(s)", "Prescribed", …)."""
    for pattern, code in _CREDIT_NAMES:
        if pattern.search(text):
            return code
    return None


MOC_BOARDS: dict[str, str] = {
    "ABIM": r"American\s+Board\s+of\s+Internal\s+Medicine|\bABIM\b",
    "ABP": r"American\s+Board\s+of\s+Pediatrics|\bABP\b",
    "ABA": r"American\s+Board\s+of\s+Anesthesiology|\bABA\b|\bMOCA\b",
    "ABS": r"American\s+Board\s+of\s+Surgery|\bABS\b",
    "ABOHNS": r"American\s+Board\s+of\s+Otolaryngology|\bABOHNS\b",
    "ABPath": r"American\s+Board\s+of\s+Pathology|\bABPath\b",
    "ABTS": r"American\s+Board\s+of\s+Thoracic\s+Surgery|\bABTS\b",
    "ABOS": r"American\s+Board\s+of\s+Orthopaedic\s+Surgery|\bABOS\b",
    "ABPMR": r"American\s+Board\s+of\s+Physical\s+Medicine|\bABPMR\b",
}

# Board + named MOC component → MOC credit type id.
_MOC_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "ABIM": (
        (r"medical\s+knowledge", "moc_abim_mk"),
        (r"practice\s+assessment", "moc_abim_pa"),
        (r"patient\s+safety", "moc_abim_ps"),
    ),
    "ABP": (
        (r"part\s*4|quality\s+improvement", "moc_abp_qi"),
        (r"part\s*2|lifelong\s+learning|self-?assessment", "moc_abp_ll"),
    ),
    "ABA": ((r"patient\s+safety", "moc_aba_ps"), (r"lifelong\s+learning|MOCA", "moc_aba_ll")),
    "ABS": (
        (r"self-?assessment", "moc_abs_sa"),
        (r"accredited\s+CME|CME\s+requirement", "moc_abs_cme"),
    ),
    "ABOHNS": ((r"self-?assessment", "moc_abohns_sa"), (r"lifelong\s+learning", "moc_abohns_ll")),
    "ABPath": (
        (r"self-?assessment|\bSAM\b", "moc_abpath_sam"),
        (r"lifelong\s+learning", "moc_abpath_ll"),
    ),
}


def moc_credit_type(board: str, text: str) -> str | None:
    for rx, code in _MOC_TYPES.get(board, ()):
        if re.search(rx, text, re.IGNORECASE):
            return code
    return {"ABTS": "moc_abts", "ABOS": "moc_abos", "ABPMR": "moc_abpmr"}.get(board)


def board_in(text: str) -> str | None:
    for board, rx in MOC_BOARDS.items():
        if re.search(rx, text):
            return board
    return None
