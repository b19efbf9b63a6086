"""Credit, MOC and accreditation statements: amounts with their type and role kept apart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from cmeledger.domain.credits import CreditRole
from cmeledger.domain.extraction import ExtractedCredit, ExtractedMoc
from cmeledger.importers.credit_names import board_in, credit_type_from_text, moc_credit_type
from cmeledger.importers.form_fields import label_key

NUM = r"(?P<n>\d{1,4}(?:\.\d{1,2})?|\.\d{1,2})\s*\*?"
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")

# (role, pattern). Each pattern has a group `n` (the amount) and is followed by the
# credit-type phrase; patterns are tried per sentence.
_CREDIT_PATTERNS: tuple[tuple[CreditRole, re.Pattern[str]], ...] = tuple(
    (role, re.compile(rx, re.IGNORECASE))
    for role, rx in (
        (CreditRole.HOURS, r"participated\s+(?:for\s+|in\s+)?" + NUM + r"\s*hours?"),
        (
            CreditRole.DESIGNATED,
            r"designate[sd]?\s+(?:this|the)?[^.]{0,120}?\bfor\s+"
            r"(?:a\s+)?(?:maximum|max\.?|total)?\s*(?:of\s+)?" + NUM,
        ),
        (CreditRole.DESIGNATED, r"\bdesignated\s+for\s+(?:a\s+maximum\s+of\s+)?" + NUM),
        (CreditRole.DESIGNATED, r"\bapproved\s+for\s+(?:a\s+maximum\s+of\s+|up\s+to\s+)?" + NUM),
        (CreditRole.DESIGNATED, r"\bacceptable\s+for\s+(?:up\s+to\s+)?" + NUM),
        (CreditRole.DESIGNATED, r"\bwill\s+receive\s+(?:up\s+to\s+)?" + NUM),
        (CreditRole.DESIGNATED, r"\bmaximum\s+of\s+" + NUM),
        (CreditRole.DESIGNATED, r"\boffers?\s+(?:up\s+to\s+)?" + NUM),
        (CreditRole.AWARDED, r"\bawarded\s+(?:a\s+total\s+of\s+)?" + NUM),
        (CreditRole.AWARDED, r"\b(?:earned|claimed|received)\s+(?:a\s+total\s+of\s+)?" + NUM),
        (
            CreditRole.AWARDED,
            NUM + r"\s*(?:AMA|AOA|AAPA|AAFP)?[^.]{0,60}?(?:credits?|hours?)"
            r"[^.]{0,20}?\b(?:has|have)\s+been\s+awarded",
        ),
    )
)


def sentences(text: str) -> list[str]:
    """Sentences of running text; line breaks inside a sentence are layout, not structure."""
    flowing = re.sub(r"\s+", " ", text)
    return [s.strip() for s in _SENTENCES.split(flowing) if s.strip()]


def _credit_type(matched: str, after: str, sentence: str, context: str) -> str | None:
    if re.search(r"contact\s*hours?", after + " " + sentence, re.IGNORECASE):
        if re.search(r"\bANCC\b|nurs", sentence, re.IGNORECASE):
            return "ancc_contact_hours"
        pharmacy = re.search(
            r"ACPE|Universal\s+Activity\s+Number|\bUAN\b|pharmacists?\b|"
            r"pharmacy",
            sentence,
            re.IGNORECASE,
        )
        return "acpe_contact_hours" if pharmacy else "ancc_contact_hours"
    named = credit_type_from_text(after[:90]) or credit_type_from_text(sentence)
    if named is not None:
        return named
    # "Credits | 1" or "2 hours": the unit is stated, the system is the certificate's own.
    if re.search(r"hours?\b|credits?\b", matched + " " + after[:40], re.IGNORECASE):
        return _labelled_type(context) or first_named_type(context)
    return None


def first_named_type(text: str) -> str | None:
    """The certificate's own credit system: the first one its sentences name."""
    for sentence in sentences(text):
        if (code := credit_type_from_text(sentence)) is not None:
            return code
    return None


def _labelled_type(context: str) -> str | None:
    m = re.search(r"^Credit\s+type\s*[:|]\s*(?P<v>.+)$", context, re.IGNORECASE | re.MULTILINE)
    return None if m is None else credit_type_from_text(m.group("v"))


@dataclass(frozen=True, slots=True)
class CreditFinding:
    credit: ExtractedCredit
    sentence: str
    typed_from_context: bool


def find_credits(text: str, lines: list[str]) -> list[CreditFinding]:
    """Every credit statement in the unit, with its role; MOC sentences are left to find_moc."""
    findings: list[CreditFinding] = []
    seen: set[tuple[str, CreditRole, Decimal]] = set()
    main_type = first_named_type(text)
    for sentence in sentences(text):
        if _is_moc(sentence) or _is_label_sentence(sentence):
            continue
        for role, pattern in _CREDIT_PATTERNS:
            for m in pattern.finditer(sentence):
                after = sentence[m.end() :]
                code = _credit_type(m.group(0), after, sentence, text)
                from_context = False
                if code is None and role is CreditRole.HOURS:
                    code, from_context = main_type, True
                if code is None:
                    continue
                amount = Decimal(m.group("n"))
                key = (code, role, amount)
                if key in seen or any(
                    f.credit.type == code and f.credit.role is role for f in findings
                ):
                    continue
                seen.add(key)
                findings.append(
                    CreditFinding(ExtractedCredit(code, amount, role), sentence, from_context)
                )
    return findings


def _is_label_sentence(sentence: str) -> bool:
    """Form rows ("Claimed credit: 2.00 ...") are read by form_fields, with their labels;
    "Nurses: this activity is designated for ..." is a sentence, not a form row."""
    m = re.match(r"^(?P<label>(?:[\w()/]+\s+){0,3}[\w()/]+)\s*:", sentence)
    return m is not None and bool(label_key(m["label"]))


def form_credits(fields: dict[str, str], context: str) -> list[CreditFinding]:
    """Credits from labelled rows and credit tables."""
    found: list[CreditFinding] = []
    labelled_type = credit_type_from_text(fields.get("credit_type", ""))
    default = labelled_type or first_named_type(context)
    for key, role in (("credits", CreditRole.AWARDED), ("hours", CreditRole.HOURS)):
        value = fields.get(key)
        m = re.search(NUM, value or "")
        if value is None or m is None:
            continue
        label = fields.get(f"{key}_label", "")
        bare = key == "credits" and not re.search(r"award|earn|claim", label, re.I)
        if bare and re.search(r"designat|maximum|up\s+to", value[: m.start()] + label, re.I):
            role = CreditRole.DESIGNATED  # "Credits: designated for a maximum of 2.0 ..."
        named = None
        if key == "credits":
            named = _credit_type("", value[m.end() :], value, "") or credit_type_from_text(
                fields.get("credits_label", "")
            )
        code = named or default
        if code is not None:
            found.append(
                CreditFinding(
                    ExtractedCredit(code, Decimal(m.group("n")), role), value, named is None
                )
            )
        cap = re.search(r"designated\s+maximum\s+of\s+" + NUM, value, re.I)
        if cap and code is not None:
            found.append(
                CreditFinding(
                    ExtractedCredit(code, Decimal(cap.group("n")), CreditRole.DESIGNATED),
                    value,
                    False,
                )
            )
    for row in fields.get("table_rows", "").splitlines():
        role_text, name, amount = row.split("\t")
        code = _credit_type("", name, name, "")
        if code is not None:
            found.append(
                CreditFinding(
                    ExtractedCredit(code, Decimal(amount), CreditRole(role_text)), row, False
                )
            )
    return found


def _is_moc(sentence: str) -> bool:
    return bool(
        re.search(
            r"\bMOC\b|Maintenance\s+of\s+Certification|Continu(?:ous|ing)\s+"
            r"Certification|MOCA",
            sentence,
            re.IGNORECASE,
        )
    )


_MOC_POINTS = re.compile(
    NUM + r"\s+(?P<comp>(?:[A-Za-z]+\s+){0,3}?)(?:MOC\s+)?(?:points?|"
    r"credits?)",
    re.IGNORECASE,
)


def find_moc(text: str) -> list[ExtractedMoc]:
    found: list[ExtractedMoc] = []
    for sentence in sentences(text):
        if not _is_moc(sentence):
            continue
        board = board_in(sentence)
        if board is None:
            continue
        for m in _MOC_POINTS.finditer(sentence):
            component = m.group("comp") or ""
            ctype = moc_credit_type(board, component) or moc_credit_type(board, sentence)
            before = sentence[max(0, m.start() - 30) : m.start()]
            role = (
                CreditRole.DESIGNATED
                if re.search(r"up\s+to|maximum|as\s+many\s+as", before, re.I)
                else CreditRole.AWARDED
            )
            moc = ExtractedMoc(board, Decimal(m.group("n")), ctype, role)
            if moc not in found:
                found.append(moc)
    return found


_ACCREDITORS = (
    ("Joint Accreditation", r"jointly\s+accredited|Joint\s+Accreditation"),
    ("ACCME", r"Accreditation\s+Council\s+for\s+Continuing\s+Medical\s+Education|\bACCME\b"),
    ("AOA", r"American\s+Osteopathic\s+Association|\bAOA\b"),
    ("AAFP", r"American\s+Academy\s+of\s+Family\s+Physicians|\bAAFP\b"),
    ("AAPA", r"American\s+Academy\s+of\s+(?:PAs|Physician\s+Assistants)|\bAAPA\b"),
    ("ANCC", r"American\s+Nurses\s+Credentialing\s+Center|\bANCC\b"),
    ("ACPE", r"Accreditation\s+Council\s+for\s+Pharmacy\s+Education|\bACPE\b"),
)


def find_accreditors(text: str) -> tuple[str, ...]:
    return tuple(name for name, rx in _ACCREDITORS if re.search(rx, text))
