from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmeledger.domain.errors import DomainError
from cmeledger.domain.people import (
    BoardType,
    DeaRegistration,
    Degree,
    License,
    MonthDay,
    Physician,
    check_dea_number,
    check_jurisdiction,
    check_npi,
)


def _npi_check_digit(first_nine: str) -> str:
    for digit in "0123456789":
        try:
            check_npi(first_nine + digit)
            return digit
        except DomainError:
            continue
    raise AssertionError("no check digit fits")


def test_it_accepts_a_published_example_npi() -> None:
    assert check_npi("1234567893") == "1234567893"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9), st.integers(1, 9))
def test_it_catches_any_single_mistyped_npi_digit(
    first_nine: str, position: int, shift: int
) -> None:
    npi = first_nine + _npi_check_digit(first_nine)
    wrong = npi[:position] + str((int(npi[position]) + shift) % 10) + npi[position + 1 :]
    with pytest.raises(DomainError):
        check_npi(wrong)


def test_it_checks_dea_numbers_by_the_dea_formula_without_echoing_them() -> None:
    assert check_dea_number("ad1234563") == "AD1234563"
    with pytest.raises(DomainError) as caught:
        check_dea_number("AD1234564")
    assert "1234564" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("04-17", MonthDay(4, 17)), ("2/29", MonthDay(2, 29)), (" 12-31 ", MonthDay(12, 31))],
)
def test_it_reads_birth_month_and_day(text: str, expected: MonthDay) -> None:
    assert MonthDay.parse(text) == expected


@pytest.mark.parametrize("text", ["02-30", "13-01", "00-10", "1985-04-17", "April 17", ""])
def test_it_refuses_impossible_birth_days(text: str) -> None:
    with pytest.raises(DomainError):
        MonthDay.parse(text)


def test_it_keeps_sensitive_fields_out_of_reprs() -> None:
    pid = uuid.uuid4()
    lic = License(uuid.uuid4(), pid, "CA", BoardType.MD, "G99887766", date(2027, 1, 31))
    dea = DeaRegistration(uuid.uuid4(), pid, "AD1234563", date(2027, 1, 31))
    doc = Physician(pid, "Ada", "Demo", Degree.MD, birth=MonthDay(4, 17))
    assert "G99887766" not in repr(lic)
    assert "AD1234563" not in repr(dea)
    assert "4, day=17" not in repr(doc) and "04-17" not in repr(doc)


def test_it_refuses_a_licence_that_expires_before_it_was_issued() -> None:
    with pytest.raises(DomainError, match="ends before it starts"):
        License(
            uuid.uuid4(),
            uuid.uuid4(),
            "NY",
            BoardType.DO,
            "123",
            date(2020, 1, 1),
            issued=date(2021, 1, 1),
        )


def test_it_knows_us_jurisdictions_and_names_the_form_expected() -> None:
    assert check_jurisdiction(" dc ") == "DC"
    with pytest.raises(DomainError, match="CA, NY"):
        check_jurisdiction("XX")
