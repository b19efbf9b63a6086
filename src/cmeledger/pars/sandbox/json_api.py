"""The JSON front end under `/json/v1`, after the REST paths of ACCME's 2025 drafts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cmeledger.domain.pars.model import Activity
from cmeledger.domain.pars.results import Credentials
from cmeledger.domain.pars.rules import Problem
from cmeledger.domain.pars.vocabulary import activity_format
from cmeledger.pars import wire_json
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.sandbox.http import BodyTooLargeError, read_body, run_operation_for
from cmeledger.pars.sandbox.service import ParsSandbox, RefusedError
from cmeledger.pars.sandbox.xml_api import INTERNAL, log

Work = Callable[[ParsSandbox], tuple[int, bytes]]


def _json(status: int, body: bytes) -> Response:
    if status == 204:
        return Response(status_code=204)
    headers = {"WWW-Authenticate": 'Basic realm="PARS sandbox"'} if status == 401 else None
    return Response(body, status, headers=headers, media_type=wire_json.CONTENT_TYPE)


def _run(sb: ParsSandbox, work: Work) -> tuple[int, bytes]:
    try:
        return work(sb)
    except ParsDocumentError as exc:
        return 400, wire_json.error_response([Problem("JSON-001", "body", str(exc))])
    except RefusedError as refused:
        return refused.http_status, wire_json.error_response(refused.problems)
    except Exception:  # a sandbox bug: say so in PARS's terms, and keep the trace in the log
        log.exception("PARS sandbox failed on a JSON request")
        return 500, wire_json.error_response([INTERNAL])


async def _answer(
    request: Request, work: Callable[[ParsSandbox, bytes], tuple[int, bytes]]
) -> Response:
    try:
        data = await read_body(request, request.app.state.max_body)
    except BodyTooLargeError as exc:
        problem = Problem("JSON-002", "body", f"the request body is larger than {exc.limit} bytes")
        return _json(413, wire_json.error_response([problem]))
    sb: ParsSandbox = request.app.state.sandbox
    status, body = await run_operation_for(sb.store, len(data), _run, sb, lambda s: work(s, data))
    return _json(status, body)


def _creds(request: Request) -> Credentials:
    return wire_json.read_auth_headers(dict(request.headers))


async def post_activities(request: Request) -> Response:
    def work(sb: ParsSandbox, data: bytes) -> tuple[int, bytes]:
        activities = wire_json.read_save_activity_request(data)
        results = sb.save_activities(_creds(request), activities)
        saved = [replace(a, accme_id=r.accme_id) for a, r in zip(activities, results, strict=True)]
        return wire_json.save_activity_response(results, saved)

    return await _answer(request, work)


async def get_activity(request: Request) -> Response:
    accme_id = request.path_params["accme_id"]

    def work(sb: ParsSandbox, _: bytes) -> tuple[int, bytes]:
        return 200, wire_json.activities_response([sb.get_activity(_creds(request), accme_id)])

    return await _answer(request, work)


async def find_activities(request: Request) -> Response:
    params = request.query_params

    def work(sb: ParsSandbox, _: bytes) -> tuple[int, bytes]:
        start_text = params.get("activityStartDate")
        type_name = params.get("activityTypeName")
        try:
            start = date.fromisoformat(start_text) if start_text else None
        except ValueError:
            raise ParsDocumentError(f"activityStartDate is not a date: {start_text!r}") from None
        fmt = activity_format(type_name) if type_name else None
        if type_name and fmt is None:
            raise ParsDocumentError(f"unknown activityTypeName {type_name!r}")
        found: list[Activity] = sb.find_activities(
            _creds(request),
            provider_activity_id=params.get("providerActivityId") or None,
            start=start,
            format=fmt,
        )
        if not found:
            problem = Problem("ACT-001", "activities", "no activity matches")
            return 404, wire_json.error_response([problem])
        return 200, wire_json.activities_response(found)

    return await _answer(request, work)


async def post_learners(request: Request) -> Response:
    consent = wire_json.read_permission_header(dict(request.headers))

    def work(sb: ParsSandbox, data: bytes) -> tuple[int, bytes]:
        records = wire_json.read_save_learner_request(data, consent=consent)
        results = sb.save_learners(_creds(request), records)
        return 201, wire_json.save_learner_response(results)

    return await _answer(request, work)


async def delete_learner(request: Request) -> Response:
    credit_id = request.path_params["credit_id"]

    def work(sb: ParsSandbox, _: bytes) -> tuple[int, bytes]:
        result = sb.delete_credit(_creds(request), credit_id)
        if result.problems:
            return 404, wire_json.error_response(result.problems)
        return 204, b""

    return await _answer(request, work)


async def learner_status(request: Request) -> Response:
    params = dict(request.query_params)

    def work(sb: ParsSandbox, _: bytes) -> tuple[int, bytes]:
        key = wire_json.read_status_params(params)
        creds = _creds(request)
        if isinstance(key, str):
            entries = sb.status_by_credit_id(creds, key)
        else:
            entries = sb.status_by_learner(creds, key)
        if not entries:
            return 404, wire_json.error_response([Problem("LRN-008", "status", "Record not found")])
        return 200, wire_json.learner_status_response(entries)

    return await _answer(request, work)


async def learner_match(request: Request) -> Response:
    def work(sb: ParsSandbox, data: bytes) -> tuple[int, bytes]:
        learner = wire_json.read_learner_match_request(data)
        return 200, wire_json.learner_match_response(sb.match(_creds(request), learner))

    return await _answer(request, work)


def routes() -> list[Route]:
    base = wire_json.BASE_PATH
    return [
        Route(f"{base}{wire_json.ACTIVITIES}", post_activities, methods=["POST"]),
        Route(f"{base}{wire_json.ACTIVITIES}", find_activities, methods=["GET"]),
        Route(f"{base}{wire_json.ACTIVITIES}/{{accme_id}}", get_activity, methods=["GET"]),
        Route(f"{base}{wire_json.LEARNER_STATUS}", learner_status, methods=["GET"]),
        Route(f"{base}{wire_json.LEARNER_ACTIVITIES}", post_learners, methods=["POST"]),
        Route(
            f"{base}{wire_json.LEARNER_ACTIVITIES}/{{credit_id:path}}",
            delete_learner,
            methods=["DELETE"],
        ),
        Route(f"{base}{wire_json.LEARNER_MATCH}", learner_match, methods=["POST"]),
    ]
