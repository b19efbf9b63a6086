from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmeledger.domain.credit_taxonomy import (
    CREDIT_TYPES,
    EQUIVALENCES,
    RoundingMode,
    credit_type,
    credit_type_codes,
)
from cmeledger.domain.credits import (
    MAX_AMOUNT,
    CreditClaim,
    CreditRole,
    is_on_step,
    parse_amount,
    round_amount,
    total_by_type,
    total_counting_as,
)
from cmeledger.domain.errors import DomainError

amounts = st.decimals(min_value=0, max_value=500, places=4, allow_nan=False, allow_infinity=False)
stepped_types = st.sampled_from([ct for ct in CREDIT_TYPES if ct.step is not None])


@given(amounts, stepped_types)
def test_it_rounds_onto_the_credit_systems_step(amount: Decimal, ctype: object) -> None:
    from cmeledger.domain.credit_taxonomy import CreditType

    assert isinstance(ctype, CreditType) and ctype.step is not None
    counted = round_amount(amount, ctype)
    assert is_on_step(counted, ctype)
    assert round_amount(counted, ctype) == counted
    if ctype.rounding is RoundingMode.DOWN:
        assert counted <= amount < counted + ctype.step
    else:
        assert abs(counted - amount) <= ctype.step / 2


def test_it_rounds_aafp_quarter_hours_down_like_the_aafp_transcript() -> None:
    assert round_amount(Decimal("7.33"), credit_type("aafp_prescribed")) == Decimal("7.25")
    assert round_amount(Decimal("10.99"), credit_type("aafp_prescribed")) == Decimal("10.75")


def test_it_rounds_abp_moc_points_to_the_nearest_whole_point() -> None:
    abp = credit_type("moc_abp_ll")
    assert round_amount(Decimal("2.5"), abp) == Decimal(3)
    assert round_amount(Decimal("2.49"), abp) == Decimal(2)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ama_pra_1", "ama_pra_2", "moc_abim_mk"]),
            st.integers(min_value=1, max_value=400),
        ),
        max_size=40,
    ),
    st.randoms(),
)
def test_it_totals_exactly_whatever_the_order(items: list[tuple[str, int]], rnd: object) -> None:
    import random

    assert isinstance(rnd, random.Random)
    claims = [CreditClaim(code, Decimal(q) / 4) for code, q in items]
    shuffled = claims[:]
    rnd.shuffle(shuffled)
    totals = total_by_type(claims)
    assert totals == total_by_type(shuffled)
    for code in {c for c, _ in items}:
        assert totals[code] == sum(Decimal(q) / 4 for c, q in items if c == code)


def test_it_never_counts_designated_maxima_or_hours() -> None:
    claims = [
        CreditClaim("ama_pra_1", Decimal("2")),
        CreditClaim("ama_pra_1", Decimal("10"), CreditRole.DESIGNATED),
        CreditClaim("ama_pra_1", Decimal("3"), CreditRole.HOURS),
    ]
    assert total_by_type(claims) == {"ama_pra_1": Decimal("2")}


def test_it_counts_aafp_prescribed_as_ama_category_1_only_where_the_ama_is_followed() -> None:
    claims = [
        CreditClaim("ama_pra_1", Decimal("1")),
        CreditClaim("aafp_prescribed", Decimal("2.5")),
    ]
    assert total_counting_as(claims, "ama_pra_1", frozenset({"AMA"})) == Decimal("3.5")
    assert total_counting_as(claims, "ama_pra_1", frozenset()) == Decimal("1")


def test_it_refuses_amounts_that_are_not_plain_non_negative_numbers() -> None:
    for bad in ("abc", "-1", "NaN", "Infinity", str(MAX_AMOUNT + 1), ""):
        with pytest.raises(DomainError):
            parse_amount(bad)
    with pytest.raises(DomainError, match="float"):
        parse_amount(1.5)


def test_it_refuses_an_award_that_counts_as_nothing() -> None:
    with pytest.raises(DomainError, match="more than 0"):
        CreditClaim.awarded("ama_pra_1", "0.001")
    with pytest.raises(DomainError, match="more than 0"):
        CreditClaim.awarded("moc_abp_ll", "0.4")


def test_it_refuses_an_awarded_amount_off_the_systems_step() -> None:
    with pytest.raises(DomainError, match=r"multiple of 0\.25"):
        CreditClaim("ama_pra_1", Decimal("1.3"))
    assert CreditClaim.awarded("ama_pra_1", "1.3").amount == Decimal("1.25")


def test_it_names_the_known_types_when_a_code_is_unknown() -> None:
    with pytest.raises(DomainError, match="ama_pra_1"):
        credit_type("ama_pra_9")


def test_every_credit_type_and_equivalence_carries_its_source() -> None:
    codes = set(credit_type_codes())
    assert {
        "ama_pra_1",
        "ama_pra_2",
        "aafp_prescribed",
        "aafp_elective",
        "aoa_1a",
        "aoa_1b",
        "aoa_2a",
        "aoa_2b",
        "aapa_1",
        "aapa_2",
        "ancc_contact_hours",
        "acpe_contact_hours",
        "ipce",
        "cdr_cpeu",
        "moc_abim_mk",
        "moc_abim_pa",
        "moc_abp_ll",
        "moc_aba_ll",
        "moc_abs_cme",
        "moc_abohns_ll",
        "moc_abpath_ll",
        "moc_abts",
        "moc_abos",
        "moc_abpmr",
    } <= codes
    for ct in CREDIT_TYPES:
        assert ct.source.startswith("https://"), ct.code
    for eq in EQUIVALENCES:
        assert eq.source_type in codes and eq.target_type in codes
        assert eq.source.startswith("https://")
