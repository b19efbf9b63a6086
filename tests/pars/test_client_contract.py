"""The client, over each transport, against the sandbox on loopback: one contract suite."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from cmeledger.domain.pars.model import RecordAction
from cmeledger.domain.pars.results import Credentials, CreditStatus, LearnerQuery
from cmeledger.pars.client import ParsClient
from cmeledger.pars.errors import (
    ParsAuthError,
    ParsDocumentError,
    ParsError,
    ParsRejectedError,
    ParsUnavailableError,
)
from cmeledger.pars.sandbox.testing import (
    JANE,
    PROVIDER,
    SAM,
    a_record,
    an_activity,
    cme,
    moc,
    running_sandbox,
    seed,
)
from cmeledger.pars.transport import TRANSPORTS, client_factory

TODAY = date(2026, 4, 1)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("sandbox")
    seed(folder / "pars-sandbox.sqlite3")
    with running_sandbox(folder, today=lambda: TODAY) as url:
        yield url, folder


@pytest.fixture(params=TRANSPORTS)
def client(request: pytest.FixtureRequest, sandbox: tuple[str, Path]) -> Iterator[ParsClient]:
    made = client_factory(sandbox[0], request.param, timeout=5)(PROVIDER)
    yield made
    made.close()


def _activity_id(client: ParsClient, tag: str) -> str:
    result = client.save_activity(an_activity(provider_activity_id=tag))
    assert result.accepted, result.problems
    assert result.accme_id is not None
    return result.accme_id


def test_saving_an_activity_assigns_a_nine_digit_id_and_reads_back(client: ParsClient) -> None:
    accme_id = _activity_id(client, f"contract-{id(client)}")
    assert len(accme_id) == 9 and accme_id.isdigit()
    back = client.get_activity(accme_id)
    assert back is not None
    assert (back.title, back.credits, back.start) == (
        an_activity().title,
        an_activity().credits,
        an_activity().start,
    )
    assert client.get_activity("209999999") is None


def test_resaving_an_activity_updates_it_instead_of_creating_another(client: ParsClient) -> None:
    tag = f"resave-{id(client)}"
    first = _activity_id(client, tag)
    again = client.save_activity(an_activity(provider_activity_id=tag, title="Sepsis 2026"))
    assert again.accme_id == first


def test_an_invalid_activity_comes_back_refused_with_reasons(client: ParsClient) -> None:
    bad = an_activity(provider_activity_id=f"bad-{id(client)}", end=date(2026, 3, 1))
    try:
        result = client.save_activity(bad)
    except ParsRejectedError as exc:
        codes = {p.code for p in exc.problems}
    else:
        assert not result.accepted
        codes = {p.code for p in result.problems}
    assert "ACT-002" in codes


def test_learner_credits_are_accepted_or_pending_and_answer_status_queries(
    client: ParsClient,
) -> None:
    accme_id = _activity_id(client, f"lrn-{id(client)}")
    tag = f"{accme_id}-{id(client)}"
    record = a_record(
        accme_id,
        cme(f"ccid:t:{tag}-cme"),
        moc(f"ccid:t:{tag}-mk", "ABIM", "Medical Knowledge"),
    )
    results = {r.credit_id: r.status for r in client.save_learners([record])}
    assert results == {
        f"ccid:t:{tag}-cme": CreditStatus.ACCEPTED,
        f"ccid:t:{tag}-mk": CreditStatus.PENDING,
    }
    (entry,) = client.status_by_credit_id(f"ccid:t:{tag}-cme")
    assert (entry.status, entry.accme_activity_id, entry.completed_on) == (
        CreditStatus.ACCEPTED,
        accme_id,
        date(2026, 3, 2),
    )
    by_learner = client.status_by_learner(
        LearnerQuery(accme_id, "09-10", date(2026, 3, 2), "123456")
    )
    assert f"ccid:t:{tag}-mk" in {e.credit_id for e in by_learner}
    never = client.status_by_credit_id("ccid:t:never-sent")
    assert all(e.status is CreditStatus.NOT_FOUND for e in never)


def test_resending_the_same_record_does_not_duplicate_it(client: ParsClient) -> None:
    accme_id = _activity_id(client, f"dup-{id(client)}")
    record = a_record(accme_id, cme(f"ccid:t:{accme_id}-{id(client)}-dup"))
    first = client.save_learners([record])
    second = client.save_learners([record])
    assert [r.status for r in first] == [r.status for r in second] == [CreditStatus.ACCEPTED]
    assert len(client.status_by_credit_id(record.credits[0].credit_id)) == 1


def test_a_record_for_an_unmatched_learner_is_rejected_with_the_reason(client: ParsClient) -> None:
    accme_id = _activity_id(client, f"nomatch-{id(client)}")
    stranger = replace(JANE, first_name="Janet", last_name="Dough", license_number="Z0", npi=None)
    record = a_record(accme_id, cme(f"ccid:t:{accme_id}-{id(client)}-x"), learner=stranger)
    (result,) = client.save_learners([record])
    assert result.status is CreditStatus.REJECTED
    assert any(p.code == "LRN-004" for p in result.problems)
    assert client.match_learner(stranger).matched is False
    assert client.match_learner(JANE).matched is True


def test_deleting_a_record_frees_it_for_a_corrected_one(client: ParsClient) -> None:
    accme_id = _activity_id(client, f"del-{id(client)}")
    record = a_record(accme_id, cme(f"ccid:t:{accme_id}-{id(client)}-del"), learner=SAM)
    client.save_learners([record])
    (gone,) = client.save_learners([replace(record, action=RecordAction.DELETE)])
    assert gone.status is CreditStatus.DELETED
    fixed = a_record(accme_id, cme(f"ccid:t:{accme_id}-{id(client)}-fix"), learner=SAM)
    assert [r.status for r in client.save_learners([fixed])] == [CreditStatus.ACCEPTED]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_wrong_credentials_raise_an_auth_error(sandbox: tuple[str, Path], transport: str) -> None:
    bad = Credentials(PROVIDER.provider_id, PROVIDER.user, "wrong")
    client = client_factory(sandbox[0], transport, timeout=5)(bad)
    with pytest.raises(ParsAuthError):
        client.get_activity("202600001")
    client.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("503", ParsUnavailableError),
        ("500", ParsUnavailableError),
        ("timeout", ParsUnavailableError),
        ("drop-after-commit", ParsUnavailableError),
        ("malformed", ParsDocumentError),
        ("truncated", (ParsDocumentError, ParsUnavailableError)),
    ],
)
def test_each_injected_fault_becomes_a_retryable_error(
    sandbox: tuple[str, Path],
    transport: str,
    fault: str,
    error: type[Exception] | tuple[type[Exception], ...],
) -> None:
    from cmeledger.pars import transport as module

    made = client_factory(sandbox[0], transport, timeout=1)(PROVIDER)
    assert isinstance(made, module.XmlRestClient | module.JsonClient)
    made._http._client.headers["X-Sandbox-Fault"] = fault  # per-request fault injection
    with pytest.raises(error) as caught:
        made.save_activity(an_activity(provider_activity_id=f"fault-{fault}-{transport}"))
    assert isinstance(caught.value, ParsError) and caught.value.temporary
    made.close()


def test_an_unreachable_pars_is_a_temporary_error() -> None:
    client = client_factory("http://127.0.0.1:9", "xml", timeout=1)(PROVIDER)
    with pytest.raises(ParsUnavailableError):
        client.get_activity("202600001")
    client.close()


def test_the_http_layer_refuses_answers_over_the_limit(sandbox: tuple[str, Path]) -> None:
    from cmeledger.pars.transport import Http

    http = Http(sandbox[0], 5, limit=10)
    with pytest.raises(ParsDocumentError, match="more than 10 bytes"):
        http.call("GET", "/services/ACCMEActivityService.svc?wsdl")
    http.close()
