"""The current cycle window (start, due date) of a licence obligation.

A window is inclusive at both ends. The "reference date" is the earlier of the as-of date
and the licence expiry: if the licence lapsed before the as-of date, the open obligation is
the cycle that ended at that expiry (so it can show as overdue); otherwise it is the cycle
that contains the as-of date. Wherever the anchor is unknown or data is missing, the window
falls back to the licence expiry and says so in `assumption`; nothing is guessed silently.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from cmeledger.domain.people import MonthDay
from cmeledger.requirements.model import AnchorType, Cycle

DEFAULT_MONTHS = 24


@dataclass(frozen=True, slots=True)
class CycleWindow:
    start: date
    end: date  # the due date, inclusive
    basis: str  # how the window was derived, for the explanation trail
    assumption: str | None = None


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; the day is clamped to the target month's length."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _birthday(year: int, birth: MonthDay) -> date:
    # 29 February falls on 28 February in common years.
    last = calendar.monthrange(year, birth.month)[1]
    return date(year, birth.month, min(birth.day, last))


def _window(end: date, months: int, basis: str, assumption: str | None = None) -> CycleWindow:
    start = add_months(end, -months) + timedelta(days=1)
    return CycleWindow(start=start, end=end, basis=basis, assumption=assumption)


def _join(*parts: str | None) -> str | None:
    present = [p for p in parts if p]
    return "; ".join(present) if present else None


def cycle_window(
    cycle: Cycle,
    *,
    license_expires: date,
    license_issued: date | None,
    birth: MonthDay | None,
    as_of: date,
) -> CycleWindow:
    """The cycle whose due date is the first anchor date on or after the reference date."""
    months_note: str | None = None
    months = cycle.months
    if months is None or months <= 0:
        months = DEFAULT_MONTHS
        months_note = f"cycle length not known; assumed {DEFAULT_MONTHS} months"
    ref = min(as_of, license_expires)
    anchor = cycle.anchor.type
    detail = cycle.anchor.detail

    def fallback(reason: str) -> CycleWindow:
        return _window(
            license_expires,
            months,
            f"cycle ends at the licence expiry {license_expires.isoformat()}",
            _join(f"{reason}; used the licence expiry as the due date", months_note),
        )

    if anchor is AnchorType.LICENSE_EXPIRY:
        return _window(
            license_expires,
            months,
            f"cycle ends at the licence expiry {license_expires.isoformat()}",
            months_note,
        )
    if anchor is AnchorType.FIXED_DATE:
        # The fixed dates (and the group a licence is in) show in the licence's own expiry.
        return _window(
            license_expires,
            months,
            f"fixed-date cycle ({detail}); due date read from the licence expiry "
            f"{license_expires.isoformat()}",
            months_note,
        )
    if anchor in (AnchorType.EVEN_YEARS, AnchorType.ODD_YEARS):
        parity = 0 if anchor is AnchorType.EVEN_YEARS else 1
        if license_expires.year % 2 == parity:
            # Odd/even-year boards renew on their own dates (NJ: 30 June of odd years); the
            # licence expiry, in a year of the right parity, is that date.
            return _window(
                license_expires,
                months,
                f"{anchor.value.replace('_', '-')} cycle, due at the licence expiry "
                f"{license_expires.isoformat()}",
                months_note,
            )
    if anchor in (AnchorType.CALENDAR_YEAR, AnchorType.EVEN_YEARS, AnchorType.ODD_YEARS):
        year = ref.year
        if anchor is AnchorType.EVEN_YEARS and year % 2:
            year += 1
        if anchor is AnchorType.ODD_YEARS and not year % 2:
            year += 1
        end = date(year, 12, 31)
        label = {
            AnchorType.CALENDAR_YEAR: "calendar-year cycle",
            AnchorType.EVEN_YEARS: "cycle ends 31 December of even years",
            AnchorType.ODD_YEARS: "cycle ends 31 December of odd years",
        }[anchor]
        return _window(end, months, f"{label}, due {end.isoformat()}", months_note)
    if anchor in (AnchorType.BIRTH_MONTH, AnchorType.BIRTH_DATE):
        if birth is None:
            return fallback(f"{anchor.value} cycle but the physician's birth date is not recorded")

        def anchor_in(year: int) -> date:
            if anchor is AnchorType.BIRTH_MONTH:
                return _month_end(year, birth.month)
            return _birthday(year, birth)

        what = "end of birth month" if anchor is AnchorType.BIRTH_MONTH else "birthday"
        if months == 12:
            end = anchor_in(ref.year)
            if end < ref:
                end = anchor_in(ref.year + 1)
            return _window(end, months, f"annual cycle ending on the {what}", months_note)
        # Multi-year cycles: the birth date does not say which year; the licence expiry does.
        end = anchor_in(license_expires.year)
        if end == license_expires:
            return _window(
                end,
                months,
                f"cycle ends on the {what}, {end.isoformat()} (agrees with the licence expiry)",
                months_note,
            )
        return fallback(
            f"licence expiry {license_expires.isoformat()} is not the {what} "
            f"({end.isoformat()}) the rule expects"
        )
    if anchor is AnchorType.INITIAL_LICENSE:
        if license_issued is None:
            return fallback("cycle runs from the initial licence date, which is not recorded")
        step = 1
        end = add_months(license_issued, months) - timedelta(days=1)
        while end < ref:
            step += 1
            end = add_months(license_issued, months * step) - timedelta(days=1)
        return _window(
            end,
            months,
            f"cycle counted in {months}-month steps from the initial licence "
            f"{license_issued.isoformat()}",
            months_note,
        )
    return fallback(f"cycle anchor unknown ({detail})")
