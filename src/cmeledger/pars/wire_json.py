"""PARS JSON web-service messages, after the REST paths of ACCME's 2025 drafts.

ACCME advertises JSON web services but has published neither their base URL nor their
authentication; the drafts' OpenAPI files give paths and bodies. Our choices, stated once:

* Base path `/json/v1` (the sandbox's; a client takes any base URL).
* Credentials: HTTP Basic (web-service user and password) plus the provider's 7-digit ID in
  `X-Provider-Id`; the provider's attestation that learners permitted reporting travels in
  `X-Learner-Permission: true` (the draft learner document allows no extra field).
* Paths: POST /activities (201 + the document echoed with ACCME IDs; 400 with per-activity
  results if any is refused), GET /activities/{id}, GET /activities?providerActivityId=
  &activityStartDate=&activityTypeName=, POST /learner-activities (201 + per-credit results),
  DELETE /learner-activities/{creditId} (204; 404 unknown), GET /learner-activities/status
  ?CreditId= or ?moduleID=&BirthDate=&CompletionDate=&UniqueID= (200 list; 404 none), and
  POST /learner-match (not in the drafts, which stop short of learner matching).
* Errors: `{"code", "message", "errors": [{"code", "field", "message"}]}`, `{code, message}`
  being the drafts' error shape.

Bodies use `json_documents` for the PARS documents; every reader raises ParsDocumentError for
a malformed, truncated or mis-shaped answer.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple
from urllib.parse import quote

from cmeledger.domain.errors import DomainError
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
from cmeledger.domain.pars.rules import Problem
from cmeledger.domain.people import MonthDay
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.json_documents import (
    activities_json,
    dumps,
    learner_reports_json,
    loads,
    read_activities_json,
    read_learner_reports_json,
)

BASE_PATH = "/json/v1"
CONTENT_TYPE = "application/json; charset=utf-8"
PROVIDER_HEADER = "X-Provider-Id"
PERMISSION_HEADER = "X-Learner-Permission"
ACTIVITIES = "/activities"
LEARNER_ACTIVITIES = "/learner-activities"
LEARNER_STATUS = "/learner-activities/status"
LEARNER_MATCH = "/learner-match"


class JsonAnswer(NamedTuple):
    status: int
    body: bytes


# -- paths, headers, query parameters ----------------------------------------------------------


def activity_path(accme_id: str) -> str:
    return f"{ACTIVITIES}/{quote(accme_id, safe='')}"


def credit_path(credit_id: str) -> str:
    """DELETE target; credit IDs hold ':' and may hold '/', so every reserved byte is escaped."""
    return f"{LEARNER_ACTIVITIES}/{quote(credit_id, safe='')}"


def auth_headers(creds: Credentials) -> dict[str, str]:
    token = base64.b64encode(f"{creds.user}:{creds.password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}", PROVIDER_HEADER: creds.provider_id}


def read_auth_headers(headers: Mapping[str, str]) -> Credentials:
    """Credentials from request headers (any missing part reads as "")."""
    lowered = {k.lower(): v for k, v in headers.items()}
    user = password = ""
    scheme, _, token = lowered.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
    return Credentials(lowered.get(PROVIDER_HEADER.lower(), "").strip(), user, password)


def permission_headers(records: Sequence[LearnerRecord]) -> dict[str, str]:
    adds = {r.consent for r in records if r.action is RecordAction.ADD}
    if len(adds) > 1:
        raise ValueError("send records with and without learner permission separately")
    return {PERMISSION_HEADER: "false" if adds == {False} else "true"}


def read_permission_header(headers: Mapping[str, str]) -> bool:
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered.get(PERMISSION_HEADER.lower(), "").strip().lower() == "true"


def status_params_by_credit_id(credit_id: str) -> dict[str, str]:
    return {"CreditId": credit_id}


def status_params_by_learner(query: LearnerQuery) -> dict[str, str]:
    return {
        "moduleID": query.accme_activity_id,
        "BirthDate": query.birth,
        "CompletionDate": query.completed_on.isoformat(),
        "UniqueID": query.unique_id,
    }


def read_status_params(params: Mapping[str, str]) -> str | LearnerQuery:
    """A credit ID, or the by-learner query; ParsDocumentError if neither is complete."""
    credit_id = params.get("CreditId", "").strip()
    if credit_id:
        return credit_id
    missing = [
        k for k in ("moduleID", "BirthDate", "CompletionDate", "UniqueID") if not params.get(k)
    ]
    if missing:
        raise ParsDocumentError(
            f"give CreditId, or all of moduleID, BirthDate, CompletionDate, "
            f"UniqueID (missing {', '.join(missing)})"
        )
    return LearnerQuery(
        accme_activity_id=params["moduleID"].strip(),
        birth=params["BirthDate"].strip(),
        completed_on=_day(params["CompletionDate"], "CompletionDate"),
        unique_id=params["UniqueID"].strip(),
    )


# -- helpers -----------------------------------------------------------------------------------


def _day(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ParsDocumentError(f"{where} is not a date: {text!r}") from None


def _object(data: bytes) -> dict[str, Any]:
    doc = loads(data)
    if not isinstance(doc, dict):
        raise ParsDocumentError("expected a JSON object")
    return doc


def _str(doc: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = doc.get(key)
    if value is None or value == "":
        if required:
            raise ParsDocumentError(f"missing {key!r}")
        return None
    if not isinstance(value, str):
        raise ParsDocumentError(f"{key!r} must be a string")
    return value


def _must(doc: Mapping[str, Any], key: str) -> str:
    value = _str(doc, key)
    assert value is not None
    return value


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise ParsDocumentError(f"{key!r} must be a list")
    return value


def _problems_json(problems: Sequence[Problem]) -> list[dict[str, str]]:
    return [{"code": p.code, "field": p.field, "message": p.message} for p in problems]


def _read_problems(items: list[Any]) -> tuple[Problem, ...]:
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise ParsDocumentError("each error must be an object")
        out.append(
            Problem(
                _must(item, "code"),
                _str(item, "field", required=False) or "",
                _must(item, "message"),
            )
        )
    return tuple(out)


def _status(text: str) -> CreditStatus:
    try:
        return CreditStatus(text)
    except ValueError:
        raise ParsDocumentError(f"unknown credit status {text!r}") from None


# -- errors ------------------------------------------------------------------------------------


def error_body(problems: Sequence[Problem], message: str | None = None) -> dict[str, Any]:
    first = problems[0] if problems else Problem("SYS-500", "", "error")
    return {
        "code": first.code,
        "message": message or "; ".join(p.message for p in problems) or first.message,
        "errors": _problems_json(problems),
    }


def error_response(problems: Sequence[Problem], message: str | None = None) -> bytes:
    return dumps(error_body(problems, message))


def read_error_response(data: bytes) -> list[Problem]:
    doc = _object(data)
    problems = list(_read_problems(_list(doc, "errors")))
    if not problems:
        code = _must(doc, "code")
        problems = [Problem(code, "", _str(doc, "message", required=False) or code)]
    return problems


# -- activities --------------------------------------------------------------------------------


def save_activity_request(activities: Sequence[Activity]) -> bytes:
    return dumps(activities_json(activities))


def read_save_activity_request(data: bytes) -> list[Activity]:
    return read_activities_json(loads(data))


def save_activity_response(
    results: Sequence[ActivityResult], saved: Sequence[Activity]
) -> JsonAnswer:
    """201 with `saved` (the activities as stored, ACCME IDs filled) when every activity was
    accepted; otherwise 400 with each activity's outcome."""
    if all(r.accepted for r in results):
        return JsonAnswer(201, dumps(activities_json(saved)))
    problems = [p for r in results for p in r.problems]
    body = error_body(
        problems, f"{sum(not r.accepted for r in results)} of {len(results)} activities refused"
    )
    body["results"] = [
        {
            "accmeActivityId": r.accme_id,
            "accepted": r.accepted,
            "errors": _problems_json(r.problems),
        }
        for r in results
    ]
    return JsonAnswer(400, dumps(body))


def read_save_activity_response(data: bytes) -> list[ActivityResult]:
    doc = _object(data)
    if "ACCMEActivities" in doc or "MedicalEducationMetrics" in doc:
        saved = read_activities_json(doc)
        if any(a.accme_id is None for a in saved):
            raise ParsDocumentError("a saved activity came back without its ACCME Activity ID")
        return [ActivityResult(a.accme_id, True) for a in saved]
    if "results" not in doc:
        raise ParsDocumentError("neither the saved activities nor per-activity results")
    out = []
    for item in _list(doc, "results"):
        if not isinstance(item, dict) or not isinstance(item.get("accepted"), bool):
            raise ParsDocumentError("each result needs a boolean 'accepted'")
        out.append(
            ActivityResult(
                _str(item, "accmeActivityId", required=False),
                item["accepted"],
                _read_problems(_list(item, "errors")),
            )
        )
    return out


def activities_response(activities: Sequence[Activity]) -> bytes:
    """GET /activities/{id} (one) and GET /activities?… (a list)."""
    return dumps(activities_json(activities))


def read_activities_response(data: bytes) -> list[Activity]:
    return read_activities_json(loads(data))


def read_get_activity_response(data: bytes) -> Activity:
    activities = read_activities_response(data)
    if len(activities) != 1:
        raise ParsDocumentError(f"GET /activities/{{id}} answered {len(activities)} activities")
    return activities[0]


# -- learners ----------------------------------------------------------------------------------


def save_learner_request(records: Sequence[LearnerRecord]) -> bytes:
    return dumps(learner_reports_json(records))


def read_save_learner_request(data: bytes, *, consent: bool) -> list[LearnerRecord]:
    return read_learner_reports_json(loads(data), consent=consent)


def save_learner_response(results: Sequence[CreditResult]) -> bytes:
    return dumps(
        {
            "LearnerResults": [
                {
                    "CreditID": r.credit_id,
                    "Status": r.status.value,
                    "Message": r.message,
                    "Errors": _problems_json(r.problems),
                }
                for r in results
            ]
        }
    )


def read_save_learner_response(data: bytes) -> list[CreditResult]:
    doc = _object(data)
    if "LearnerResults" not in doc:
        raise ParsDocumentError("missing 'LearnerResults'")
    out = []
    for item in _list(doc, "LearnerResults"):
        if not isinstance(item, dict):
            raise ParsDocumentError("each learner result must be an object")
        out.append(
            CreditResult(
                _must(item, "CreditID"),
                _status(_must(item, "Status")),
                _read_problems(_list(item, "Errors")),
            )
        )
    return out


def learner_match_request(learner: Learner) -> bytes:
    doc: dict[str, str] = {
        "FirstName": learner.first_name,
        "LastName": learner.last_name,
        "BirthMonth": f"{learner.birth.month:02d}",
        "BirthDay": f"{learner.birth.day:02d}",
    }
    for key, value in (
        ("LicenseState", learner.license_state),
        ("LicenseId", learner.license_number),
        ("NPI", learner.npi),
        ("Board", learner.board),
        ("BoardId", learner.board_id),
    ):
        if value:
            doc[key] = value
    return dumps(doc)


def read_learner_match_request(data: bytes) -> Learner:
    doc = _object(data)
    try:
        birth = MonthDay(int(_must(doc, "BirthMonth")), int(_must(doc, "BirthDay")))
    except (ValueError, DomainError) as exc:
        raise ParsDocumentError(f"BirthMonth/BirthDay: {exc}") from None
    return Learner(
        first_name=_must(doc, "FirstName"),
        last_name=_must(doc, "LastName"),
        birth=birth,
        license_state=_str(doc, "LicenseState", required=False),
        license_number=_str(doc, "LicenseId", required=False),
        npi=_str(doc, "NPI", required=False),
        board=_str(doc, "Board", required=False),
        board_id=_str(doc, "BoardId", required=False),
    )


def learner_match_response(result: MatchResult) -> bytes:
    return dumps({"Matched": result.matched, "Message": result.message})


def read_learner_match_response(data: bytes) -> MatchResult:
    doc = _object(data)
    if not isinstance(doc.get("Matched"), bool):
        raise ParsDocumentError("'Matched' must be true or false")
    return MatchResult(doc["Matched"], _str(doc, "Message", required=False))


def learner_status_response(entries: Sequence[CreditStatusEntry]) -> bytes:
    """The drafts' status array, plus CreditID and the board's Message."""
    return dumps(
        [
            {
                "CreditID": e.credit_id,
                "moduleID": e.accme_activity_id,
                "CompletedDateTime": f"{e.completed_on.isoformat()}T00:00:00",
                "UniqueID": []
                if e.unique_id is None
                else [{"value": e.unique_id, "domain": e.domain or ""}],
                "Status": e.status.value,
                "Message": e.message,
            }
            for e in entries
        ]
    )


def read_learner_status_response(data: bytes) -> list[CreditStatusEntry]:
    doc = loads(data)
    if not isinstance(doc, list):
        raise ParsDocumentError("expected a JSON array of statuses")
    out = []
    for item in doc:
        if not isinstance(item, dict):
            raise ParsDocumentError("each status must be an object")
        ids = _list(item, "UniqueID")
        first = ids[0] if ids and isinstance(ids[0], dict) else {}
        out.append(
            CreditStatusEntry(
                credit_id=_must(item, "CreditID"),
                accme_activity_id=_must(item, "moduleID"),
                completed_on=_day(_must(item, "CompletedDateTime"), "CompletedDateTime"),
                status=_status(_must(item, "Status")),
                unique_id=_str(first, "value", required=False),
                domain=_str(first, "domain", required=False),
                message=_str(item, "Message", required=False),
            )
        )
    return out
