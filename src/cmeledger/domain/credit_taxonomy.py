"""The credit systems a physician meets, as data.

Each credit type says what it measures, in which unit, how amounts are stepped and
rounded, and where that fact comes from. Equivalences record which authority accepts
one type as another; the compliance engine decides which authorities a board follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from cmeledger.domain.errors import DomainError


class Unit(StrEnum):
    CREDIT = "credit"
    CONTACT_HOUR = "contact_hour"
    POINT = "point"
    CPEU = "cpeu"


class RoundingMode(StrEnum):
    """How a raw amount becomes a countable one.

    DOWN: never count more than was earned (quarter-hour systems: a learner may claim
    only time actually spent). HALF_UP: the board itself rounds to the nearest step.
    """

    DOWN = "down"
    HALF_UP = "half_up"


@dataclass(frozen=True, slots=True)
class CreditType:
    code: str
    label: str
    system: str
    unit: Unit
    step: Decimal | None
    rounding: RoundingMode
    source: str
    board: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Equivalence:
    """`source_type` may be counted as `target_type` where `recognised_by` is followed."""

    source_type: str
    target_type: str
    recognised_by: str
    source: str
    ratio: Decimal = Decimal(1)
    verified: bool = True


QUARTER = Decimal("0.25")
WHOLE = Decimal(1)

_AMA_BOOKLET = (
    "https://www.ama-assn.org/education/ama-pra-credit-system/ama-pra-credit-system-requirements"
)
_AAFP = "https://www.aafp.org/cme/creditsys.html"
_AOA = "https://osteopathic.org/cme/"
_AAPA = "https://www.aapa.org/cme-central/"
_ANCC = "https://www.nursingworld.org/organizational-programs/accreditation/ncpd/"
_ACPE = "https://www.acpe-accredit.org/continuing-pharmacy-education-cpe/"
_JA = "https://jointaccreditation.org/ipce-credit/"
_CDR = "https://www.cdrnet.org/cpe"
_ACCME_MOC = "https://accme.org/cme-for-moc-program-guide/"
_ACCME_ABP_FAQ = "https://accme.org/faq/how-are-moc-points-calculated-abp (ACCME FAQ 8080)"


def _moc(
    code: str,
    board: str,
    label: str,
    *,
    step: Decimal = QUARTER,
    rounding: RoundingMode = RoundingMode.DOWN,
    note: str = "",
) -> CreditType:
    return CreditType(
        code=code,
        label=f"{board} MOC: {label}",
        system="MOC",
        unit=Unit.POINT,
        step=step,
        rounding=rounding,
        source=_ACCME_MOC,
        board=board,
        note=note,
    )


CREDIT_TYPES: tuple[CreditType, ...] = (
    CreditType(
        "ama_pra_1",
        "AMA PRA Category 1 Credit",
        "AMA",
        Unit.CREDIT,
        QUARTER,
        RoundingMode.DOWN,
        _AMA_BOOKLET,
        note="1 credit per 60 minutes of participation; designated and claimed in 0.25 steps",
    ),
    CreditType(
        "ama_pra_2",
        "AMA PRA Category 2 Credit",
        "AMA",
        Unit.CREDIT,
        QUARTER,
        RoundingMode.DOWN,
        _AMA_BOOKLET,
        note="self-claimed; 0.25 steps",
    ),
    CreditType(
        "aafp_prescribed",
        "AAFP Prescribed credit",
        "AAFP",
        Unit.CREDIT,
        QUARTER,
        RoundingMode.DOWN,
        _AAFP,
        note="stored in quarter hours, rounded down (7.33 -> 7.25), capped at the approved maximum",
    ),
    CreditType(
        "aafp_elective",
        "AAFP Elective credit",
        "AAFP",
        Unit.CREDIT,
        QUARTER,
        RoundingMode.DOWN,
        _AAFP,
    ),
    CreditType("aoa_1a", "AOA Category 1-A", "AOA", Unit.CREDIT, QUARTER, RoundingMode.DOWN, _AOA),
    CreditType("aoa_1b", "AOA Category 1-B", "AOA", Unit.CREDIT, QUARTER, RoundingMode.DOWN, _AOA),
    CreditType("aoa_2a", "AOA Category 2-A", "AOA", Unit.CREDIT, QUARTER, RoundingMode.DOWN, _AOA),
    CreditType("aoa_2b", "AOA Category 2-B", "AOA", Unit.CREDIT, QUARTER, RoundingMode.DOWN, _AOA),
    CreditType(
        "aapa_1",
        "AAPA Category 1 CME",
        "AAPA",
        Unit.CREDIT,
        QUARTER,
        RoundingMode.DOWN,
        _AAPA,
        note="AAPA Category 1 approvals carry an expiry date",
    ),
    CreditType(
        "aapa_2", "AAPA Category 2 CME", "AAPA", Unit.CREDIT, QUARTER, RoundingMode.DOWN, _AAPA
    ),
    CreditType(
        "ancc_contact_hours",
        "ANCC nursing contact hours",
        "ANCC",
        Unit.CONTACT_HOUR,
        Decimal("0.01"),
        RoundingMode.DOWN,
        _ANCC,
    ),
    CreditType(
        "acpe_contact_hours",
        "ACPE contact hours",
        "ACPE",
        Unit.CONTACT_HOUR,
        Decimal("0.25"),
        RoundingMode.DOWN,
        _ACPE,
        note="reported with the activity's Universal Activity Number (UAN)",
    ),
    CreditType(
        "ipce",
        "IPCE credit",
        "Joint Accreditation",
        Unit.CREDIT,
        QUARTER,
        RoundingMode.DOWN,
        _JA,
        note="optional; computed from hours of engagement",
    ),
    CreditType("cdr_cpeu", "CDR CPEU", "CDR", Unit.CPEU, QUARTER, RoundingMode.DOWN, _CDR),
    _moc("moc_abim_mk", "ABIM", "Medical Knowledge"),
    _moc("moc_abim_pa", "ABIM", "Practice Assessment"),
    _moc("moc_abim_ps", "ABIM", "Patient Safety"),
    _moc(
        "moc_abp_ll",
        "ABP",
        "Part 2 Lifelong Learning and Self-Assessment",
        step=WHOLE,
        rounding=RoundingMode.HALF_UP,
        note="ABP points equal CME credits rounded to the nearest whole number (ACCME FAQ 8080)",
    ),
    _moc(
        "moc_abp_qi", "ABP", "Part 4 Quality Improvement", step=WHOLE, rounding=RoundingMode.HALF_UP
    ),
    _moc("moc_aba_ll", "ABA", "MOCA Lifelong Learning"),
    _moc("moc_aba_ps", "ABA", "Patient Safety"),
    _moc("moc_abs_cme", "ABS", "Accredited CME"),
    _moc("moc_abs_sa", "ABS", "Self-Assessment"),
    _moc("moc_abohns_ll", "ABOHNS", "Lifelong Learning"),
    _moc("moc_abohns_sa", "ABOHNS", "Self-Assessment"),
    _moc("moc_abpath_ll", "ABPath", "Lifelong Learning"),
    _moc("moc_abpath_sam", "ABPath", "Self-Assessment Module"),
    _moc("moc_abts", "ABTS", "Continuing Certification points"),
    _moc("moc_abos", "ABOS", "Continuing Certification points"),
    _moc(
        "moc_abpmr",
        "ABPMR",
        "Continuing Certification points",
        note="collaboration covers activities starting on or after 2025-01-01",
    ),
)

EQUIVALENCES: tuple[Equivalence, ...] = (
    Equivalence("aafp_prescribed", "ama_pra_1", "AMA", _AMA_BOOKLET),
    Equivalence("ama_pra_1", "aafp_elective", "AAFP", _AAFP),
    Equivalence("ama_pra_1", "aoa_2a", "AOA", _AOA),
    Equivalence("ama_pra_1", "aapa_1", "AAPA", _AAPA),
    Equivalence(
        "aoa_1a", "ama_pra_1", "state boards that accept AOA Category 1-A", _AOA, verified=False
    ),
)

_BY_CODE: dict[str, CreditType] = {ct.code: ct for ct in CREDIT_TYPES}


def credit_type(code: str) -> CreditType:
    try:
        return _BY_CODE[code]
    except KeyError:
        known = ", ".join(sorted(_BY_CODE))
        raise DomainError(f"unknown credit type {code!r}; known types: {known}") from None


def credit_type_codes() -> tuple[str, ...]:
    return tuple(_BY_CODE)


def equivalent_targets(code: str, recognised_by: frozenset[str]) -> tuple[Equivalence, ...]:
    """Every equivalence that lets `code` count as another type under the given authorities."""
    return tuple(
        e for e in EQUIVALENCES if e.source_type == code and e.recognised_by in recognised_by
    )
