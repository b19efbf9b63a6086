from __future__ import annotations

from datetime import date

import pytest

from cmeledger.domain.compliance.cycles import add_months, cycle_window
from cmeledger.domain.people import MonthDay
from cmeledger.requirements.model import Anchor, AnchorType, Cycle
from tests.compliance.builders import BIRTH


def window(
    anchor: AnchorType,
    months: int | None = 24,
    *,
    expires: date = date(2027, 12, 31),
    issued: date | None = None,
    birth: MonthDay | None = BIRTH,
    as_of: date = date(2026, 11, 25),
) -> tuple[date, date, str | None]:
    w = cycle_window(
        Cycle(months, Anchor(anchor, "detail")),
        license_expires=expires,
        license_issued=issued,
        birth=birth,
        as_of=as_of,
    )
    return w.start, w.end, w.assumption


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2027, 12, 31), -24) == date(2025, 12, 31)


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        (AnchorType.LICENSE_EXPIRY, 24, (date(2026, 1, 1), date(2027, 12, 31))),
        (AnchorType.BIRTH_MONTH, 24, (date(2026, 1, 1), date(2027, 12, 31))),
        (AnchorType.CALENDAR_YEAR, 12, (date(2026, 1, 1), date(2026, 12, 31))),
        (AnchorType.EVEN_YEARS, 24, (date(2025, 1, 1), date(2026, 12, 31))),
        (AnchorType.ODD_YEARS, 24, (date(2026, 1, 1), date(2027, 12, 31))),
        (AnchorType.FIXED_DATE, 24, (date(2026, 1, 1), date(2027, 12, 31))),
        (AnchorType.BIRTH_MONTH, 12, (date(2026, 1, 1), date(2026, 12, 31))),
        (AnchorType.BIRTH_DATE, 12, (date(2025, 12, 11), date(2026, 12, 10))),
    ],
)
def test_windows_without_assumptions(
    anchor: AnchorType, months: int, expected: tuple[date, date]
) -> None:
    start, end, assumption = window(anchor, months)
    assert (start, end) == expected
    assert assumption is None


def test_initial_license_steps_from_issue_date() -> None:
    start, end, _ = window(AnchorType.INITIAL_LICENSE, 24, issued=date(2022, 3, 15))
    assert (start, end) == (date(2026, 3, 15), date(2028, 3, 14))


@pytest.mark.parametrize(
    ("anchor", "kwargs", "phrase"),
    [
        (AnchorType.UNKNOWN, {}, "anchor unknown"),
        (AnchorType.BIRTH_MONTH, {"birth": None}, "birth date is not recorded"),
        (AnchorType.BIRTH_MONTH, {"expires": date(2027, 6, 30)}, "is not the end of birth month"),
        (AnchorType.INITIAL_LICENSE, {"expires": date(2027, 12, 31)}, "not recorded"),
    ],
)
def test_missing_data_falls_back_to_licence_expiry_and_says_so(
    anchor: AnchorType, kwargs: dict[str, object], phrase: str
) -> None:
    _start, end, assumption = window(anchor, 24, **kwargs)  # type: ignore[arg-type]
    assert end == kwargs.get("expires", date(2027, 12, 31))
    assert assumption is not None
    assert phrase in assumption


def test_unknown_length_is_an_assumption() -> None:
    _, _, assumption = window(AnchorType.LICENSE_EXPIRY, None)
    assert assumption is not None
    assert "assumed 24 months" in assumption


def test_lapsed_licence_keeps_the_cycle_that_ended_at_expiry() -> None:
    start, end, _ = window(
        AnchorType.CALENDAR_YEAR, 12, expires=date(2025, 12, 31), as_of=date(2026, 2, 1)
    )
    assert (start, end) == (date(2025, 1, 1), date(2025, 12, 31))
