"""The three PARS transports behind `ParsClient`: REST-XML (default), JSON and SOAP.

All three share one HTTP layer, which turns every way a call can fail into the errors of
`cmeledger.pars.errors`: timeouts, refused or dropped connections, 5xx and 429 answers are
`ParsUnavailableError` (retry); 401/403 `ParsAuthError`; answers over the size limit or not
parseable `ParsDocumentError`, which the worker also retries, since PARS may have acted on a
request whose answer was cut short. TLS is verified, version 1.2 or newer.

The SOAP adapter loads the project's WSDL (`soap/pars.wsdl`) with zeep, offline, and takes
each operation's endpoint and SOAPAction from it; bodies are the REST-XML messages in a
SOAP 1.1 envelope, so the three transports cannot drift apart.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, ParamSpec, TypeVar

import httpx

from cmeledger.domain.pars.model import Activity, Learner, LearnerRecord, RecordAction
from cmeledger.domain.pars.results import (
    ActivityResult,
    Credentials,
    CreditResult,
    CreditStatus,
    CreditStatusEntry,
    LearnerQuery,
    MatchResult,
)
from cmeledger.pars import soap, wire_json, wire_xml
from cmeledger.pars.client import ParsClient
from cmeledger.pars.errors import (
    ParsAnswerError,
    ParsAuthError,
    ParsDocumentError,
    ParsError,
    ParsRejectedError,
    ParsUnavailableError,
)
from cmeledger.pars.safe_xml import MAX_BODY

TRANSPORTS = ("xml", "json", "soap")
P = ParamSpec("P")
R = TypeVar("R")


@cache  # loading the system's CA certificates takes tens of milliseconds
def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class Http:
    """One connection pool to PARS, with the error mapping every transport shares."""

    def __init__(self, base_url: str, timeout: float, *, limit: int = MAX_BODY) -> None:
        self.base_url = base_url.rstrip("/")
        self.limit = limit
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            verify=_tls(),
            follow_redirects=False,
            headers={"User-Agent": "cmeledger-pars-client"},
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        faults_on_500: bool = False,
    ) -> tuple[int, bytes]:
        """(status, body) for answers the caller must read (2xx and 4xx other than 401;
        with `faults_on_500`, also a 500 that carries a body: SOAP 1.1 sends Faults so)."""
        try:
            with self._client.stream(
                method, path, content=content, headers=headers, params=params
            ) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.limit:
                        raise ParsDocumentError(
                            f"PARS answered more than {self.limit:,} bytes to {path}; refused"
                        )
                status = response.status_code
        except httpx.TimeoutException as exc:
            raise ParsUnavailableError(f"PARS did not answer {path} in time ({exc})") from None
        except httpx.TransportError as exc:
            raise ParsUnavailableError(
                f"connection to PARS failed during {path} ({type(exc).__name__}: {exc})"
            ) from None
        if status == 401:
            raise ParsAuthError(
                f"PARS refused the web-service credentials for {path}; check the "
                "provider's user and password (`provider add … --pars-user … --pars-password-file`)"
            )
        if status == 500 and faults_on_500 and body.strip():
            return status, bytes(body)
        if status >= 500 or status == 429:
            raise ParsUnavailableError(f"PARS answered {status} to {path}; will retry")
        return status, bytes(body)

    def close(self) -> None:
        self._client.close()


def _answers(method: Callable[P, R]) -> Callable[P, R]:
    """A document error while reading PARS's answer is a `ParsAnswerError` (retryable)."""

    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except ParsAnswerError:
            raise
        except ParsDocumentError as exc:
            raise ParsAnswerError(f"PARS's answer could not be read: {exc}", exc.problems) from None

    return wrapped


def _document_errors(read: Callable[[], Any], what: str) -> Any:
    try:
        return read()
    except ParsError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise ParsDocumentError(f"PARS's answer to {what} could not be read: {exc}") from None


class XmlRestClient:
    """REST-XML: POST `<Operation>Request` documents to `/services/<Service>.svc/<Operation>`."""

    def __init__(self, creds: Credentials, http: Http) -> None:
        self._creds = creds
        self._http = http

    def _post(self, operation: str, body: bytes) -> bytes:
        status, answer = self._http.call(
            "POST",
            wire_xml.operation_path(operation),
            content=body,
            headers={"Content-Type": wire_xml.CONTENT_TYPE},
        )
        if status >= 400:
            problems = _document_errors(lambda: wire_xml.read_error_response(answer), operation)
            raise wire_xml.error_for(problems, status)
        return answer

    @_answers
    def save_activity(self, activity: Activity) -> ActivityResult:
        answer = self._post("SaveActivity", wire_xml.save_activity_request(self._creds, [activity]))
        (result,) = _one(wire_xml.read_save_activity_response(answer), "SaveActivity")
        return result

    @_answers
    def get_activity(self, accme_id: str) -> Activity | None:
        try:
            answer = self._post("GetActivity", wire_xml.get_activity_request(self._creds, accme_id))
        except (ParsRejectedError, ParsAuthError) as exc:
            if any(p.code in ("ACT-001", "AUTH-002") for p in exc.problems):
                return None  # unknown, or another provider's (PARS does not say which)
            raise
        return wire_xml.read_get_activity_response(answer)

    @_answers
    def save_learners(self, records: Sequence[LearnerRecord]) -> list[CreditResult]:
        answer = self._post(
            "SaveLearnerActivity", wire_xml.save_learner_request(self._creds, records)
        )
        return wire_xml.read_save_learner_response(answer)

    @_answers
    def match_learner(self, learner: Learner) -> MatchResult:
        answer = self._post("GetLearnerMatch", wire_xml.learner_match_request(self._creds, learner))
        return wire_xml.read_learner_match_response(answer)

    @_answers
    def status_by_credit_id(self, credit_id: str) -> list[CreditStatusEntry]:
        answer = self._post(
            "GetLearnerStatusByCreditId",
            wire_xml.status_by_credit_id_request(self._creds, credit_id),
        )
        return wire_xml.read_status_by_credit_id_response(answer)

    @_answers
    def status_by_learner(self, query: LearnerQuery) -> list[CreditStatusEntry]:
        answer = self._post(
            "GetLearnerStatusByLearner", wire_xml.status_by_learner_request(self._creds, query)
        )
        return wire_xml.read_status_by_learner_response(answer)

    def close(self) -> None:
        self._http.close()


def _one(results: list[ActivityResult], what: str) -> list[ActivityResult]:
    if len(results) != 1:
        raise ParsDocumentError(f"{what}: expected one result, PARS answered {len(results)}")
    return results


class JsonClient:
    """The JSON web services, shaped after ACCME's 2025 drafts (`wire_json`)."""

    def __init__(self, creds: Credentials, http: Http) -> None:
        self._creds = creds
        self._http = http
        self._base = wire_json.BASE_PATH

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        params: Mapping[str, str] | None = None,
        extra: Mapping[str, str] | None = None,
        missing_ok: bool = False,
    ) -> tuple[int, bytes]:
        headers = {**wire_json.auth_headers(self._creds), **(extra or {})}
        if body is not None:
            headers["Content-Type"] = wire_json.CONTENT_TYPE
        status, answer = self._http.call(
            method, self._base + path, content=body, headers=headers, params=params
        )
        if status == 404 and missing_ok:
            return status, answer
        if status >= 400 and not (status == 400 and path == wire_json.ACTIVITIES):
            problems = _document_errors(lambda: wire_json.read_error_response(answer), path)
            raise wire_xml.error_for(problems, status)
        return status, answer

    @_answers
    def save_activity(self, activity: Activity) -> ActivityResult:
        _, answer = self._call(
            "POST", wire_json.ACTIVITIES, body=wire_json.save_activity_request([activity])
        )
        (result,) = _one(wire_json.read_save_activity_response(answer), "POST /activities")
        return result

    @_answers
    def get_activity(self, accme_id: str) -> Activity | None:
        status, answer = self._call("GET", wire_json.activity_path(accme_id), missing_ok=True)
        if status == 404:
            return None
        return wire_json.read_get_activity_response(answer)

    @_answers
    def save_learners(self, records: Sequence[LearnerRecord]) -> list[CreditResult]:
        adds = [r for r in records if r.action is RecordAction.ADD]
        results: list[CreditResult] = []
        if adds:
            _, answer = self._call(
                "POST",
                wire_json.LEARNER_ACTIVITIES,
                body=wire_json.save_learner_request(adds),
                extra=wire_json.permission_headers(adds),
            )
            results += wire_json.read_save_learner_response(answer)
        for record in records:
            if record.action is RecordAction.DELETE:
                for credit in record.credits:
                    status, answer = self._call(
                        "DELETE", wire_json.credit_path(credit.credit_id), missing_ok=True
                    )
                    gone = CreditStatus.DELETED if status < 300 else CreditStatus.NOT_FOUND
                    results.append(CreditResult(credit.credit_id, gone))
        return results

    @_answers
    def match_learner(self, learner: Learner) -> MatchResult:
        _, answer = self._call(
            "POST", wire_json.LEARNER_MATCH, body=wire_json.learner_match_request(learner)
        )
        return wire_json.read_learner_match_response(answer)

    def _status(self, params: Mapping[str, str]) -> list[CreditStatusEntry]:
        status, answer = self._call("GET", wire_json.LEARNER_STATUS, params=params, missing_ok=True)
        if status == 404:
            return []
        return wire_json.read_learner_status_response(answer)

    @_answers
    def status_by_credit_id(self, credit_id: str) -> list[CreditStatusEntry]:
        return self._status(wire_json.status_params_by_credit_id(credit_id))

    @_answers
    def status_by_learner(self, query: LearnerQuery) -> list[CreditStatusEntry]:
        return self._status(wire_json.status_params_by_learner(query))

    def close(self) -> None:
        self._http.close()


@cache
def _wsdl_operations() -> dict[str, tuple[str, str]]:
    """operation -> (service path, SOAPAction), read from our WSDL by zeep, offline."""
    import zeep  # imported here: only the SOAP transport needs it
    from zeep.transports import Transport

    class NoNetwork(Transport):
        def load(self, url: str) -> bytes:
            if url.startswith(("http://", "https://")):
                raise ParsDocumentError(f"the WSDL must not fetch {url}")
            return super().load(url)  # type: ignore[no-any-return,no-untyped-call]

    client = zeep.Client(str(soap.WSDL_PATH), transport=NoNetwork())  # type: ignore[no-untyped-call]
    found: dict[str, tuple[str, str]] = {}
    for service in client.wsdl.services.values():
        for port in service.ports.values():
            for name, operation in port.binding._operations.items():
                found[name] = (wire_xml.OPERATIONS[name], operation.soapaction)
    return found


class SoapClient(XmlRestClient):
    """SOAP 1.1 at `<service>.svc/soap`, endpoints and actions as the WSDL declares them."""

    def _post(self, operation: str, body: bytes) -> bytes:
        service, action = _wsdl_operations()[operation]
        status, answer = self._http.call(
            "POST",
            soap.soap_path(service),
            content=soap.envelope(body),
            headers={"Content-Type": soap.CONTENT_TYPE, "SOAPAction": f'"{action}"'},
            faults_on_500=True,
        )
        if status >= 400 and not answer.strip():
            raise ParsDocumentError(f"{operation}: HTTP {status} without a SOAP fault")
        try:
            return soap.read_envelope(answer)  # a Fault raises the matching ParsError
        except ParsDocumentError:
            if status == 500:  # a server error page, not a Fault: try again later
                raise ParsUnavailableError(f"PARS answered 500 to {operation}") from None
            raise


def client_factory(
    url: str, transport: str = "xml", timeout: float = 30.0
) -> Callable[[Credentials], ParsClient]:
    """What the worker calls for each job: a client for one provider's credentials."""
    if transport not in TRANSPORTS:
        raise ValueError(f"PARS transport {transport!r}: one of {', '.join(TRANSPORTS)}")
    kinds: dict[str, Callable[[Credentials, Http], ParsClient]] = {
        "xml": XmlRestClient,
        "json": JsonClient,
        "soap": SoapClient,
    }

    def make(creds: Credentials) -> ParsClient:
        return kinds[transport](creds, Http(url, timeout))

    return make
