"""Fault injection, each kind observed by a raw httpx client on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from cmeledger.domain.pars.results import CreditStatus
from cmeledger.pars import soap, wire_json, wire_xml
from cmeledger.pars.errors import ParsDocumentError, ParsUnavailableError
from cmeledger.pars.sandbox.testing import (
    PROVIDER,
    STATE_FILE,
    a_record,
    an_activity,
    cme,
    running_sandbox,
    seed,
    xml_call,
)

TODAY = date(2026, 4, 15)
HEADER = "X-Sandbox-Fault"


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    seed(tmp_path / STATE_FILE)
    with running_sandbox(
        tmp_path, today=lambda: TODAY, latency_seconds=0.4, timeout_seconds=2.0
    ) as url:
        yield url


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def _save(http: httpx.Client, base: str, fault: str | None = None) -> httpx.Response:
    return http.post(
        f"{base}{wire_xml.operation_path('SaveActivity')}",
        content=wire_xml.save_activity_request(PROVIDER, [an_activity()]),
        headers={HEADER: fault} if fault else {},
    )


def _learner(http: httpx.Client, base: str, fault: str | None = None) -> httpx.Response:
    body = wire_xml.save_learner_request(PROVIDER, [a_record("202600001", cme("c1"))])
    return http.post(
        f"{base}{wire_xml.operation_path('SaveLearnerActivity')}",
        content=body,
        headers={HEADER: fault} if fault else {},
    )


def _stored(http: httpx.Client, base: str, credit_id: str) -> list[CreditStatus]:
    body = wire_xml.status_by_credit_id_request(PROVIDER, credit_id)
    response = xml_call(http, base, "GetLearnerStatusByCreditId", body)
    return [e.status for e in wire_xml.read_status_by_credit_id_response(response.content)]


def _activity_exists(http: httpx.Client, base: str) -> bool:
    response = xml_call(
        http, base, "GetActivity", wire_xml.get_activity_request(PROVIDER, "202600001")
    )
    return response.status_code == 200


def test_latency_delays_a_normal_answer(base: str, http: httpx.Client) -> None:
    started = time.monotonic()
    response = _save(http, base, "latency")
    assert time.monotonic() - started >= 0.4
    assert wire_xml.read_save_activity_response(response.content)[0].accme_id == "202600001"


def test_timeout_outlasts_the_client_and_the_work_still_happens(
    base: str, http: httpx.Client
) -> None:
    with pytest.raises(httpx.ReadTimeout):
        http.post(
            f"{base}{wire_xml.operation_path('SaveActivity')}",
            content=wire_xml.save_activity_request(PROVIDER, [an_activity()]),
            headers={HEADER: "timeout"},
            timeout=0.5,
        )
    assert not _activity_exists(http, base)  # not yet: the server is still "busy"
    deadline = time.monotonic() + 10
    while not _activity_exists(http, base):
        assert time.monotonic() < deadline, "the timed-out request never completed"
        time.sleep(0.2)


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_answer_before_doing_anything(
    base: str, http: httpx.Client, status: int
) -> None:
    response = _save(http, base, str(status))
    assert response.status_code == status
    assert (response.headers.get("retry-after") == "1") is (status == 503)
    problems = wire_xml.read_error_response(response.content)
    assert [p.code for p in problems] == [f"SYS-{status}"]
    with pytest.raises(ParsUnavailableError):
        wire_xml.read_save_activity_response(response.content)
    assert not _activity_exists(http, base)


def test_malformed_answer_after_the_work_is_committed(base: str, http: httpx.Client) -> None:
    response = _save(http, base, "malformed")
    assert response.status_code == 200
    with pytest.raises(ParsDocumentError):
        wire_xml.read_save_activity_response(response.content)
    assert _activity_exists(http, base)


def test_truncated_answer_cuts_the_connection_mid_body_after_commit(
    base: str, http: httpx.Client
) -> None:
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        _save(http, base, "truncated")
    assert _activity_exists(http, base)


def test_drop_after_commit_sends_no_response_but_the_credit_is_stored(
    base: str, http: httpx.Client
) -> None:
    assert _save(http, base).status_code == 200
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        _learner(http, base, "drop-after-commit")
    assert _stored(http, base, "c1") == [CreditStatus.ACCEPTED]
    # the client's retry is answered from the stored record, not stored twice
    [again] = wire_xml.read_save_learner_response(_learner(http, base).content)
    assert again.status is CreditStatus.ACCEPTED
    assert _stored(http, base, "c1") == [CreditStatus.ACCEPTED]


def test_json_faults_speak_json(base: str, http: httpx.Client) -> None:
    response = http.get(
        f"{base}{wire_json.BASE_PATH}/activities/202600001",
        headers={**wire_json.auth_headers(PROVIDER), HEADER: "503"},
    )
    assert response.status_code == 503
    assert [p.code for p in wire_json.read_error_response(response.content)] == ["SYS-503"]


def test_soap_faults_are_soap_server_faults(base: str, http: httpx.Client) -> None:
    response = http.post(
        f"{base}/services/ACCMEActivityService.svc/soap",
        content=soap.envelope(wire_xml.get_activity_request(PROVIDER, "1")),
        headers={HEADER: "500"},
    )
    assert response.status_code == 500
    assert [p.code for p in soap.read_fault(response.content)] == ["SYS-500"]
    assert b"s:Server" in response.content


def test_an_unknown_fault_name_is_a_400(base: str, http: httpx.Client) -> None:
    assert _save(http, base, "gremlins").status_code == 400


def test_fault_rate_changes_at_runtime_and_spares_the_admin_endpoints(
    base: str, http: httpx.Client
) -> None:
    settings = http.post(f"{base}/sandbox/faults", json={"rate": 1.0, "kinds": ["503"]}).json()
    assert settings["rate"] == 1.0
    assert {_save(http, base).status_code for _ in range(5)} == {503}
    assert _save(http, base, "none").status_code == 200  # forcing "none" overrides the rate
    assert http.get(f"{base}/sandbox/health").status_code == 200
    assert http.get(f"{base}/services/ACCMEActivityService.svc?wsdl").status_code == 200
    http.post(f"{base}/sandbox/faults", json={"rate": 0})
    assert {_save(http, base).status_code for _ in range(5)} == {200}
    bad = http.post(f"{base}/sandbox/faults", json={"rate": 2})
    assert bad.status_code == 400


def _outcomes(tmp_path: Path, seed_value: int) -> list[str]:
    seed(tmp_path / STATE_FILE)
    out = []
    with (
        running_sandbox(tmp_path, fault_rate=0.5, seed=seed_value, latency_seconds=0.01) as url,
        httpx.Client(timeout=10) as http,
    ):
        http.post(f"{url}/sandbox/faults", json={"kinds": ["latency", "500", "503", "malformed"]})
        for _ in range(16):
            response = _save(http, url)
            try:
                wire_xml.read_save_activity_response(response.content)
                out.append(f"{response.status_code} ok")
            except (ParsDocumentError, ParsUnavailableError) as exc:
                out.append(f"{response.status_code} {type(exc).__name__}")
    return out


def test_random_faults_are_reproducible_from_the_seed(tmp_path: Path) -> None:
    first = _outcomes(tmp_path / "a", 7)
    assert _outcomes(tmp_path / "b", 7) == first
    assert len(set(first)) > 1  # a mix of faults and successes, not all one thing
