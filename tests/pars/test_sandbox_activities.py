"""Activities and credentials as the sandbox enforces them, over REST-XML on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cmeledger.domain.pars.model import (
    ActivityAction,
    RecordAction,
)
from cmeledger.domain.pars.results import (
    ActivityResult,
    Credentials,
    CreditResult,
)
from cmeledger.pars import wire_xml
from cmeledger.pars.errors import ParsAuthError, ParsRejectedError
from cmeledger.pars.sandbox.testing import (
    OTHER_PROVIDER,
    PROVIDER,
    RestXmlCaller,
    a_record,
    an_activity,
    seeded_caller,
    xml_call,
)

TODAY = date(2026, 4, 15)


@pytest.fixture
def pars(tmp_path: Path) -> Iterator[RestXmlCaller]:
    with seeded_caller(tmp_path, today=lambda: TODAY) as caller:
        yield caller


def codes(result: CreditResult | ActivityResult) -> set[str]:
    return {p.code for p in result.problems}


# -- activities ------------------------------------------------------------------------------


def test_activity_ids_are_start_year_and_a_five_digit_sequence(pars: RestXmlCaller) -> None:
    first = pars.create(an_activity(provider_activity_id="a"))
    second = pars.create(an_activity(provider_activity_id="b"))
    next_year = pars.create(
        an_activity(provider_activity_id="c", start=date(2027, 1, 5), end=date(2027, 1, 5))
    )
    assert (first, second, next_year) == ("202600001", "202600002", "202700001")


def test_resaving_the_same_provider_activity_updates_rather_than_duplicates(
    pars: RestXmlCaller,
) -> None:
    first = pars.create()
    again = pars.save(an_activity(title="Sepsis Update (revised)"))
    assert again == ActivityResult(first, True)
    assert pars.get(first).title == "Sepsis Update (revised)"


def test_update_by_accme_id_is_read_back(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    changed = an_activity(accme_id=accme_id, credits=Decimal("1.75"), action=ActivityAction.UPDATE)
    assert pars.save(changed).accepted
    stored = pars.get(accme_id)
    assert (stored.accme_id, stored.credits) == (accme_id, Decimal("1.75"))


def test_an_invalid_activity_is_refused_with_the_domain_problem_and_not_stored(
    pars: RestXmlCaller,
) -> None:
    result = pars.save(an_activity(credits=Decimal("0.3")))
    assert not result.accepted
    assert result.accme_id is None
    assert "ACT-005" in codes(result)
    assert pars.create() == "202600001"  # the refused one took no ID


def test_a_closed_activity_keeps_its_dates(pars: RestXmlCaller) -> None:
    accme_id = pars.create(an_activity(close=True))
    moved = an_activity(accme_id=accme_id, start=date(2026, 3, 3), end=date(2026, 3, 3))
    assert codes(pars.save(moved)) == {"ACT-006"}
    assert pars.get(accme_id).start == date(2026, 3, 2)


def test_activity_of_another_provider_is_hidden_and_unknown_ids_are_not_found(
    pars: RestXmlCaller,
) -> None:
    accme_id = pars.create()
    with pytest.raises(ParsRejectedError, match="AUTH-002"):
        pars.get(accme_id, creds=OTHER_PROVIDER)
    with pytest.raises(ParsRejectedError, match="ACT-001"):
        pars.get("209999999")
    theirs = an_activity(provider_id=OTHER_PROVIDER.provider_id, accme_id=accme_id)
    assert codes(pars.save(theirs, creds=OTHER_PROVIDER)) == {"AUTH-002"}


def test_activity_naming_another_provider_is_refused(pars: RestXmlCaller) -> None:
    result = pars.save(an_activity(provider_id=OTHER_PROVIDER.provider_id))
    assert codes(result) == {"AUTH-002"}


def test_an_activity_with_live_learners_cannot_be_deleted_until_they_are(
    pars: RestXmlCaller,
) -> None:
    accme_id = pars.create()
    record = a_record(accme_id)
    pars.learners(record)
    delete = an_activity(accme_id=accme_id, action=ActivityAction.DELETE)
    assert codes(pars.save(delete)) == {"ACT-011"}
    pars.learners(replace(record, action=RecordAction.DELETE))
    assert pars.save(delete).accepted
    with pytest.raises(ParsRejectedError, match="ACT-001"):
        pars.get(accme_id)


# -- credentials -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "creds",
    [
        Credentials(PROVIDER.provider_id, PROVIDER.user, "wrong"),
        Credentials(PROVIDER.provider_id, "nobody", PROVIDER.password),
        Credentials("0000000", PROVIDER.user, PROVIDER.password),
        Credentials(OTHER_PROVIDER.provider_id, PROVIDER.user, PROVIDER.password),
        Credentials("", "", ""),
    ],
)
def test_bad_credentials_are_refused_with_401(pars: RestXmlCaller, creds: Credentials) -> None:
    response = xml_call(
        pars.http, pars.base, "SaveActivity", wire_xml.save_activity_request(creds, [an_activity()])
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert [p.code for p in wire_xml.read_error_response(response.content)] == ["AUTH-001"]
    with pytest.raises(ParsAuthError):
        wire_xml.read_save_activity_response(response.content)


def test_http_basic_and_provider_header_stand_in_for_body_credentials(pars: RestXmlCaller) -> None:
    blank = Credentials("", "", "")
    response = pars.http.post(
        f"{pars.base}{wire_xml.operation_path('SaveActivity')}",
        content=wire_xml.save_activity_request(blank, [an_activity()]),
        auth=(PROVIDER.user, PROVIDER.password),
        headers={"X-Provider-Id": PROVIDER.provider_id, "Content-Type": wire_xml.CONTENT_TYPE},
    )
    assert response.status_code == 200
    assert wire_xml.read_save_activity_response(response.content)[0].accepted
