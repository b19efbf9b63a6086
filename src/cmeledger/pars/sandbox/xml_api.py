"""The REST-XML and SOAP front ends: `/services/<Service>.svc/<Operation>` and `.../soap`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from cmeledger.domain.pars.results import Credentials
from cmeledger.domain.pars.rules import Problem
from cmeledger.pars import soap, wire_xml
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.sandbox.http import (
    BodyTooLargeError,
    merged_credentials,
    read_body,
    run_operation_for,
)
from cmeledger.pars.sandbox.service import ParsSandbox, RefusedError

log = logging.getLogger(__name__)
INTERNAL = Problem("SYS-500", "service", "internal sandbox error (see the sandbox's log)")
Handler = Callable[[ParsSandbox, bytes, Callable[[Credentials], Credentials]], bytes]


def _save_activity(
    sb: ParsSandbox, data: bytes, auth: Callable[[Credentials], Credentials]
) -> bytes:
    creds, activities = wire_xml.read_save_activity_request(data)
    return wire_xml.save_activity_response(sb.save_activities(auth(creds), activities))


def _get_activity(
    sb: ParsSandbox, data: bytes, auth: Callable[[Credentials], Credentials]
) -> bytes:
    creds, accme_id = wire_xml.read_get_activity_request(data)
    return wire_xml.get_activity_response(sb.get_activity(auth(creds), accme_id))


def _save_learner(
    sb: ParsSandbox, data: bytes, auth: Callable[[Credentials], Credentials]
) -> bytes:
    creds, records = wire_xml.read_save_learner_request(data)
    return wire_xml.save_learner_response(sb.save_learners(auth(creds), records))


def _match(sb: ParsSandbox, data: bytes, auth: Callable[[Credentials], Credentials]) -> bytes:
    creds, learner = wire_xml.read_learner_match_request(data)
    return wire_xml.learner_match_response(sb.match(auth(creds), learner))


def _by_learner(sb: ParsSandbox, data: bytes, auth: Callable[[Credentials], Credentials]) -> bytes:
    creds, query = wire_xml.read_status_by_learner_request(data)
    return wire_xml.status_by_learner_response(sb.status_by_learner(auth(creds), query))


def _by_credit(sb: ParsSandbox, data: bytes, auth: Callable[[Credentials], Credentials]) -> bytes:
    creds, credit_id = wire_xml.read_status_by_credit_id_request(data)
    return wire_xml.status_by_credit_id_response(sb.status_by_credit_id(auth(creds), credit_id))


HANDLERS: dict[str, Handler] = {
    "SaveActivity": _save_activity,
    "GetActivity": _get_activity,
    "SaveLearnerActivity": _save_learner,
    "GetLearnerMatch": _match,
    "GetLearnerStatusByLearner": _by_learner,
    "GetLearnerStatusByCreditId": _by_credit,
}


def run_operation(
    sb: ParsSandbox, operation: str, data: bytes, request: Request
) -> tuple[int, bytes]:
    """(HTTP status, REST-XML body) for one operation; never raises for a caller's mistake."""
    try:
        body = HANDLERS[operation](sb, data, lambda c: merged_credentials(c, request))
        return 200, body
    except ParsDocumentError as exc:
        return 400, wire_xml.error_response([Problem("XML-001", "body", str(exc))])
    except RefusedError as refused:
        return refused.http_status, wire_xml.error_response(refused.problems)
    except Exception:  # a sandbox bug: say so in PARS's terms, and keep the trace in the log
        log.exception("PARS sandbox failed on %s", operation)
        return 500, wire_xml.error_response([INTERNAL])


def _xml(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status, headers=headers, media_type=wire_xml.CONTENT_TYPE)


def too_large(limit: int) -> Problem:
    return Problem("XML-002", "body", f"the request body is larger than {limit} bytes")


def _challenge(status: int) -> dict[str, str] | None:
    return {"WWW-Authenticate": 'Basic realm="PARS sandbox"'} if status == 401 else None


def _service_of(request: Request) -> str:
    return f"/services/{request.path_params['service']}.svc"


def _operation_or_none(request: Request, operation: str) -> str | None:
    return operation if wire_xml.OPERATIONS.get(operation) == _service_of(request) else None


async def rest_xml(request: Request) -> Response:
    sb: ParsSandbox = request.app.state.sandbox
    operation = _operation_or_none(request, request.path_params["operation"])
    if operation is None:
        problem = Problem("XML-003", "operation", "no such operation on this service")
        return _xml(404, wire_xml.error_response([problem]))
    try:
        data = await read_body(request, request.app.state.max_body)
    except BodyTooLargeError as exc:
        return _xml(413, wire_xml.error_response([too_large(exc.limit)]))
    status, body = await run_operation_for(
        sb.store, len(data), run_operation, sb, operation, data, request
    )
    return _xml(status, body, _challenge(status))


def _soap(status: int, body: bytes) -> Response:
    return Response(body, status, media_type=soap.CONTENT_TYPE)


async def soap_endpoint(request: Request) -> Response:
    sb: ParsSandbox = request.app.state.sandbox
    try:
        data = await read_body(request, request.app.state.max_body)
    except BodyTooLargeError as exc:
        return _soap(413, soap.fault([too_large(exc.limit)]))
    return await run_operation_for(sb.store, len(data), _soap_call, sb, data, request)


def _soap_call(sb: ParsSandbox, data: bytes, request: Request) -> Response:
    try:
        name = soap.message_name(data)
        inner = soap.read_envelope(data)
    except ParsDocumentError as exc:
        return _soap(500, soap.fault([Problem("XML-001", "body", str(exc))]))
    operation = _operation_or_none(request, name.removesuffix("Request"))
    action = request.headers.get("soapaction", "").strip('"')
    if operation is None or (action and action != soap.soap_action(operation)):
        problem = Problem("XML-003", "SOAPAction", f"no operation for <{name}> on this service")
        return _soap(500, soap.fault([problem]))
    status, body = run_operation(sb, operation, data=inner, request=request)
    if status == 200:
        return _soap(200, soap.envelope(body))
    # SOAP 1.1 over HTTP answers every fault with 500; the detail keeps the PARS problem.
    return _soap(500, soap.fault(wire_xml.read_error_response(body), server=status >= 500))


async def wsdl(request: Request) -> Response:
    if "wsdl" not in {k.lower() for k in request.query_params}:
        return Response("append ?wsdl for the service description\n", 404)
    base = str(request.base_url).rstrip("/")
    return Response(soap.wsdl(base), 200, media_type="text/xml; charset=utf-8")
