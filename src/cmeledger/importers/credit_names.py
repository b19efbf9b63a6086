"""Credit types and MOC boards named in certificate sentences, mapped to taxonomy ids."""

from __future__ import annotations

import re

from cmeledger.importers.credit_types import UNKNOWN_PREFIX
from cmeledger.importers.credit_types import credit_type_from_text as credit_type_label


def credit_type_from_text(text: str) -> str | None:
    """The taxonomy id a phrase names ("AMA PRA Category 1 Credit(s)", "Prescribed", ...);
    the one mapping shared with the transcript importers, made for certificate sentences."""
    match = credit_type_label(text)
    if match is None or match.code.startswith(UNKNOWN_PREFIX):
        return None
    return match.code


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
