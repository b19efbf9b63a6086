"""Credit amounts: parsing, stepping, rounding and totals, all in `Decimal`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from cmeledger.domain.credit_taxonomy import (
    CreditType,
    RoundingMode,
    credit_type,
    equivalent_targets,
)
from cmeledger.domain.errors import DomainError

# No single activity carries more credit than this; a larger number is a typo or a unit mix-up.
MAX_AMOUNT = Decimal(1000)


class CreditRole(StrEnum):
    """What a number on a certificate means: keep these apart, only AWARDED is counted."""

    AWARDED = "awarded"
    DESIGNATED = "designated"
    HOURS = "hours"


def parse_amount(value: str | int | float | Decimal) -> Decimal:
    """A credit amount from user input; floats are refused so no binary error creeps in."""
    if isinstance(value, float):
        raise DomainError("credit amounts must be given as text or Decimal, not float")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        raise DomainError(f"credit amount {value!r} is not a number; write it like 1.5") from None
    if not amount.is_finite():
        raise DomainError(f"credit amount {value!r} is not a finite number")
    if amount < 0:
        raise DomainError(f"credit amount {value!r} is negative; amounts are 0 or more")
    if amount > MAX_AMOUNT:
        raise DomainError(f"credit amount {value!r} exceeds {MAX_AMOUNT}; check the unit")
    return amount


def round_amount(amount: Decimal, ctype: CreditType) -> Decimal:
    """The amount as the credit system counts it (its step and rounding rule)."""
    if ctype.step is None:
        return amount
    steps = amount / ctype.step
    mode = ROUND_FLOOR if ctype.rounding is RoundingMode.DOWN else ROUND_HALF_UP
    return (steps.quantize(Decimal(1), rounding=mode) * ctype.step).quantize(ctype.step)


def is_on_step(amount: Decimal, ctype: CreditType) -> bool:
    return ctype.step is None or amount % ctype.step == 0


@dataclass(frozen=True, slots=True)
class CreditClaim:
    type_code: str
    amount: Decimal
    role: CreditRole = CreditRole.AWARDED

    def __post_init__(self) -> None:
        ctype = credit_type(self.type_code)
        parse_amount(self.amount)
        if self.role is CreditRole.AWARDED and self.amount == 0:
            raise DomainError(
                f"an awarded amount of {ctype.label} must be more than 0 "
                f"(the system counts steps of {ctype.step})"
            )
        if self.role is CreditRole.AWARDED and not is_on_step(self.amount, ctype):
            raise DomainError(
                f"{self.amount} {ctype.label} is not a multiple of {ctype.step}; "
                f"the credit system counts {round_amount(self.amount, ctype)}"
            )

    @classmethod
    def awarded(cls, type_code: str, raw: str | int | Decimal) -> CreditClaim:
        """An awarded claim, rounded the way its credit system rounds."""
        return cls(type_code, round_amount(parse_amount(raw), credit_type(type_code)))


def total_by_type(claims: Iterable[CreditClaim]) -> dict[str, Decimal]:
    """Awarded amounts per credit type; designated maxima and hours are never counted."""
    totals: dict[str, Decimal] = {}
    for claim in claims:
        if claim.role is CreditRole.AWARDED:
            totals[claim.type_code] = totals.get(claim.type_code, Decimal(0)) + claim.amount
    return totals


def total_counting_as(
    claims: Iterable[CreditClaim], target: str, recognised_by: frozenset[str]
) -> Decimal:
    """Awarded credit that counts as `target`, directly or through an accepted equivalence.

    A claim counts once at most, even if several equivalences would admit it.
    """
    total = Decimal(0)
    for claim in claims:
        if claim.role is not CreditRole.AWARDED:
            continue
        if claim.type_code == target:
            total += claim.amount
            continue
        for eq in equivalent_targets(claim.type_code, recognised_by):
            if eq.target_type == target:
                total += claim.amount * eq.ratio
                break
    return total
