"""PARS REST-XML web-service messages: request and response envelopes for each operation.

ACCME's guide (doc 715) names the operations and the credentials but its envelopes are not
public, so the wrappers here follow the research note's reconstruction (pars.md §5): a
`<Operation>Request` root holding `ProviderId`, `User`, `Password` and the operation's inputs
(the ACCMEActivities or ACCMELearnerReports document for the saves), answered by an
`<Operation>Response`. Whole-request refusals (credentials, malformed body, unknown activity)
come back as an `ErrorResponse` with one `Error` (Code, Field, Message) per problem; per-record
refusals are results inside the normal response.

REST-XML wrappers carry no namespace, as in the examples; inside SOAP they are qualified with
the WSDL's target namespace (`cmeledger.pars.soap`). Readers match wrapper elements by local
name, so both parse. Every reader parses through `safe_xml` and raises `ParsDocumentError`
for anything malformed, truncated or missing a required element.

Our choice (ACCME's is not public): the provider attests the learners' permission to report
with `<LearnerPermission>true</LearnerPermission>` in SaveLearnerActivityRequest, once for the
request (the 2016 guide has a "Learner Permission" chapter; the learner XML has no field).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from lxml import etree

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
from cmeledger.pars.errors import (
    ParsAuthError,
    ParsDocumentError,
    ParsError,
    ParsRejectedError,
    ParsUnavailableError,
)
from cmeledger.pars.safe_xml import parse_xml
from cmeledger.pars.xml_documents import (
    learner_element,
    mems_element,
    read_learner_element,
    read_mems_element,
)

CONTENT_TYPE = "application/xml; charset=utf-8"
ACTIVITY_SERVICE = "/services/ACCMEActivityService.svc"
LEARNER_SERVICE = "/services/ACCMELearnerService.svc"
OPERATIONS = {
    "SaveActivity": ACTIVITY_SERVICE,
    "GetActivity": ACTIVITY_SERVICE,
    "SaveLearnerActivity": LEARNER_SERVICE,
    "GetLearnerMatch": LEARNER_SERVICE,
    "GetLearnerStatusByLearner": LEARNER_SERVICE,
    "GetLearnerStatusByCreditId": LEARNER_SERVICE,
}
ERROR_ROOT = "ErrorResponse"
_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T[0-9:.]+)?$")

_Element = etree._Element


def operation_path(operation: str) -> str:
    """`/services/<Service>.svc/<Operation>` (POST, application/xml)."""
    return f"{OPERATIONS[operation]}/{operation}"


# -- building ----------------------------------------------------------------------------------


def _sub(parent: _Element, name: str, text: str | None = None) -> _Element:
    el = etree.SubElement(parent, name)
    if text is not None:
        el.text = text
    return el


def _request(operation: str, creds: Credentials) -> _Element:
    root = etree.Element(f"{operation}Request")
    _sub(root, "ProviderId", creds.provider_id)
    _sub(root, "User", creds.user)
    _sub(root, "Password", creds.password)
    return root


def _response(operation: str, status: str = "Success") -> _Element:
    root = etree.Element(f"{operation}Response")
    _sub(root, "Status", status)
    return root


def _problems(parent: _Element, problems: Sequence[Problem]) -> None:
    if not problems:
        return
    errors = _sub(parent, "Errors")
    for p in problems:
        error = _sub(errors, "Error")
        _sub(error, "Code", p.code)
        _sub(error, "Field", p.field)
        _sub(error, "Message", p.message)


def to_bytes(root: _Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


# -- reading -----------------------------------------------------------------------------------


def local_name(el: _Element) -> str:
    # The same as etree.QName(el).localname, without building a QName for every element.
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(parent: _Element, name: str) -> list[_Element]:
    return [c for c in parent if local_name(c) == name]


def _child(parent: _Element, name: str) -> _Element:
    found = _children(parent, name)
    if not found:
        raise ParsDocumentError(f"<{local_name(parent)}> lacks <{name}>")
    return found[0]


def _text(parent: _Element, name: str) -> str:
    return (_child(parent, name).text or "").strip()


def _optional(parent: _Element, name: str) -> str | None:
    found = _children(parent, name)
    text = (found[0].text or "").strip() if found else ""
    return text or None


def _day(text: str, where: str) -> date:
    m = _DAY.match(text)
    try:
        if m is None:
            raise ValueError(text)
        return date.fromisoformat(m.group(1))
    except ValueError:
        raise ParsDocumentError(f"<{where}> is not a date: {text!r}") from None


def _bool(text: str, where: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false", "1", "0"):
        raise ParsDocumentError(f"<{where}> must be true or false, not {text!r}")
    return lowered in ("true", "1")


def _status(text: str) -> CreditStatus:
    try:
        return CreditStatus(text)
    except ValueError:
        raise ParsDocumentError(f"unknown credit status {text!r}") from None


def _read_problems(parent: _Element) -> tuple[Problem, ...]:
    errors = _children(parent, "Errors")
    if not errors:
        return ()
    return tuple(
        Problem(_text(e, "Code"), _optional(e, "Field") or "", _text(e, "Message"))
        for e in _children(errors[0], "Error")
    )


def error_for(problems: Sequence[Problem], status: int | None = None) -> ParsError:
    """The exception a client raises for a whole-request refusal."""
    text = "; ".join(str(p) for p in problems) or "PARS refused the request"
    codes = {p.code for p in problems}
    if "AUTH-001" in codes or status == 401:
        return ParsAuthError(text, problems)
    if (status is not None and status >= 500) or any(c.startswith("SYS-") for c in codes):
        return ParsUnavailableError(text, problems)
    return ParsRejectedError(text, problems)


def _root(data: bytes, operation_root: str) -> _Element:
    root = parse_xml(data)
    name = local_name(root)
    if name == ERROR_ROOT:
        raise error_for(_read_problems(root))
    if name != operation_root:
        raise ParsDocumentError(f"expected <{operation_root}>, got <{name}>")
    return root


def _credentials(root: _Element) -> Credentials:
    # Absent elements read as "": the sandbox then looks at HTTP Basic instead.
    return Credentials(
        provider_id=_optional(root, "ProviderId") or "",
        user=_optional(root, "User") or "",
        password=(_children(root, "Password")[0].text or "") if _children(root, "Password") else "",
    )


# -- errors ------------------------------------------------------------------------------------


def error_response(problems: Sequence[Problem]) -> bytes:
    root = etree.Element(ERROR_ROOT)
    _sub(root, "Status", "Failure")
    _problems(root, problems)
    return to_bytes(root)


def read_error_response(data: bytes) -> list[Problem]:
    root = parse_xml(data)
    if local_name(root) != ERROR_ROOT:
        raise ParsDocumentError(f"expected <{ERROR_ROOT}>, got <{local_name(root)}>")
    return list(_read_problems(root))


# -- SaveActivity ------------------------------------------------------------------------------


def save_activity_request(creds: Credentials, activities: Sequence[Activity]) -> bytes:
    root = _request("SaveActivity", creds)
    root.append(mems_element(activities))
    return to_bytes(root)


def read_save_activity_request(data: bytes) -> tuple[Credentials, list[Activity]]:
    root = _root(data, "SaveActivityRequest")
    return _credentials(root), read_mems_element(_child(root, "ACCMEActivities"))


def save_activity_response(results: Sequence[ActivityResult]) -> bytes:
    failed = any(not r.accepted for r in results)
    root = _response("SaveActivity", "Failure" if failed else "Success")
    holder = _sub(root, "ActivityResults")
    for r in results:
        item = _sub(holder, "ActivityResult")
        if r.accme_id:
            _sub(item, "ACCMEActivityId", r.accme_id)
        _sub(item, "Status", "Success" if r.accepted else "Failure")
        _problems(item, r.problems)
    return to_bytes(root)


def read_save_activity_response(data: bytes) -> list[ActivityResult]:
    root = _root(data, "SaveActivityResponse")
    out = []
    for item in _children(_child(root, "ActivityResults"), "ActivityResult"):
        status = _text(item, "Status")
        if status not in ("Success", "Failure"):
            raise ParsDocumentError(
                f"activity result status must be Success or Failure: {status!r}"
            )
        accme_id = _optional(item, "ACCMEActivityId")
        out.append(ActivityResult(accme_id, status == "Success", _read_problems(item)))
    return out


# -- GetActivity -------------------------------------------------------------------------------


def get_activity_request(creds: Credentials, accme_id: str) -> bytes:
    root = _request("GetActivity", creds)
    _sub(root, "ActivityId", accme_id)
    return to_bytes(root)


def read_get_activity_request(data: bytes) -> tuple[Credentials, str]:
    root = _root(data, "GetActivityRequest")
    accme_id = _text(root, "ActivityId")
    if not accme_id:
        raise ParsDocumentError("<ActivityId> is empty")
    return _credentials(root), accme_id


def get_activity_response(activity: Activity) -> bytes:
    root = _response("GetActivity")
    root.append(mems_element([activity]))
    return to_bytes(root)


def read_get_activity_response(data: bytes) -> Activity:
    root = _root(data, "GetActivityResponse")
    activities = read_mems_element(_child(root, "ACCMEActivities"))
    if len(activities) != 1:
        raise ParsDocumentError(f"GetActivity answered {len(activities)} activities, not one")
    return activities[0]


# -- SaveLearnerActivity -----------------------------------------------------------------------


def save_learner_request(creds: Credentials, records: Sequence[LearnerRecord]) -> bytes:
    """Add and delete records in one request. Deletions need no permission; every added record
    must have it (or none may, to test refusal): mixing is a caller's bug."""
    adds = {r.consent for r in records if r.action is RecordAction.ADD}
    if len(adds) > 1:
        raise ValueError("send records with and without learner permission separately")
    root = _request("SaveLearnerActivity", creds)
    _sub(root, "LearnerPermission", "true" if adds != {False} else "false")
    root.append(learner_element(records))
    return to_bytes(root)


def read_save_learner_request(data: bytes) -> tuple[Credentials, list[LearnerRecord]]:
    root = _root(data, "SaveLearnerActivityRequest")
    permission = _optional(root, "LearnerPermission")
    consent = permission is not None and _bool(permission, "LearnerPermission")
    records = read_learner_element(_child(root, "ACCMELearnerReports"), consent=consent)
    return _credentials(root), records


def save_learner_response(results: Sequence[CreditResult]) -> bytes:
    failed = any(r.status is CreditStatus.REJECTED for r in results)
    root = _response("SaveLearnerActivity", "Failure" if failed else "Success")
    holder = _sub(root, "LearnerResults")
    for r in results:
        item = _sub(holder, "LearnerResult")
        _sub(item, "CreditID", r.credit_id)
        _sub(item, "Status", r.status.value)
        if r.message:
            _sub(item, "Message", r.message)
        _problems(item, r.problems)
    return to_bytes(root)


def read_save_learner_response(data: bytes) -> list[CreditResult]:
    root = _root(data, "SaveLearnerActivityResponse")
    return [
        CreditResult(_text(item, "CreditID"), _status(_text(item, "Status")), _read_problems(item))
        for item in _children(_child(root, "LearnerResults"), "LearnerResult")
    ]


# -- GetLearnerMatch ---------------------------------------------------------------------------


def learner_match_request(creds: Credentials, learner: Learner) -> bytes:
    root = _request("GetLearnerMatch", creds)
    _sub(root, "FirstName", learner.first_name)
    _sub(root, "LastName", learner.last_name)
    _sub(root, "BirthMonth", f"{learner.birth.month:02d}")
    _sub(root, "BirthDay", f"{learner.birth.day:02d}")
    for name, value in (
        ("LicenseState", learner.license_state),
        ("LicenseId", learner.license_number),
        ("NPI", learner.npi),
        ("Board", learner.board),
        ("BoardId", learner.board_id),
    ):
        if value:
            _sub(root, name, value)
    return to_bytes(root)


def read_learner_match_request(data: bytes) -> tuple[Credentials, Learner]:
    root = _root(data, "GetLearnerMatchRequest")
    try:
        birth = MonthDay(int(_text(root, "BirthMonth")), int(_text(root, "BirthDay")))
    except (ValueError, DomainError) as exc:
        raise ParsDocumentError(f"BirthMonth/BirthDay: {exc}") from None
    learner = Learner(
        first_name=_text(root, "FirstName"),
        last_name=_text(root, "LastName"),
        birth=birth,
        license_state=_optional(root, "LicenseState"),
        license_number=_optional(root, "LicenseId"),
        npi=_optional(root, "NPI"),
        board=_optional(root, "Board"),
        board_id=_optional(root, "BoardId"),
    )
    return _credentials(root), learner


def learner_match_response(result: MatchResult) -> bytes:
    root = etree.Element("GetLearnerMatchResponse")
    _sub(root, "Matched", "true" if result.matched else "false")
    _sub(root, "Message", result.message or "")
    return to_bytes(root)


def read_learner_match_response(data: bytes) -> MatchResult:
    root = _root(data, "GetLearnerMatchResponse")
    return MatchResult(_bool(_text(root, "Matched"), "Matched"), _optional(root, "Message"))


# -- GetLearnerStatusByLearner / ByCreditId ----------------------------------------------------


def status_by_learner_request(creds: Credentials, query: LearnerQuery) -> bytes:
    root = _request("GetLearnerStatusByLearner", creds)
    _sub(root, "ModuleID", query.accme_activity_id)
    _sub(root, "BirthDate", query.birth)
    _sub(root, "CompletionDate", query.completed_on.isoformat())
    _sub(root, "UniqueID", query.unique_id)
    return to_bytes(root)


def read_status_by_learner_request(data: bytes) -> tuple[Credentials, LearnerQuery]:
    root = _root(data, "GetLearnerStatusByLearnerRequest")
    query = LearnerQuery(
        accme_activity_id=_text(root, "ModuleID"),
        birth=_text(root, "BirthDate"),
        completed_on=_day(_text(root, "CompletionDate"), "CompletionDate"),
        unique_id=_text(root, "UniqueID"),
    )
    return _credentials(root), query


def status_by_credit_id_request(creds: Credentials, credit_id: str) -> bytes:
    root = _request("GetLearnerStatusByCreditId", creds)
    _sub(root, "CreditId", credit_id)
    return to_bytes(root)


def read_status_by_credit_id_request(data: bytes) -> tuple[Credentials, str]:
    root = _root(data, "GetLearnerStatusByCreditIdRequest")
    credit_id = _text(root, "CreditId")
    if not credit_id:
        raise ParsDocumentError("<CreditId> is empty")
    return _credentials(root), credit_id


def _status_response(operation: str, entries: Sequence[CreditStatusEntry]) -> bytes:
    root = _response(operation)
    holder = _sub(root, "LearnerStatuses")
    for e in entries:
        item = _sub(holder, "LearnerStatus")
        _sub(item, "CreditID", e.credit_id)
        _sub(item, "ModuleID", e.accme_activity_id)
        _sub(item, "CompletedDateTime", f"{e.completed_on.isoformat()}T00:00:00")
        if e.unique_id is not None:
            _sub(item, "UniqueID", e.unique_id).set("domain", e.domain or "")
        _sub(item, "Status", e.status.value)
        if e.message:
            _sub(item, "Message", e.message)
    return to_bytes(root)


def _read_status_response(data: bytes, operation: str) -> list[CreditStatusEntry]:
    root = _root(data, f"{operation}Response")
    out = []
    for item in _children(_child(root, "LearnerStatuses"), "LearnerStatus"):
        unique = _children(item, "UniqueID")
        out.append(
            CreditStatusEntry(
                credit_id=_text(item, "CreditID"),
                accme_activity_id=_text(item, "ModuleID"),
                completed_on=_day(_text(item, "CompletedDateTime"), "CompletedDateTime"),
                status=_status(_text(item, "Status")),
                unique_id=(unique[0].text or "").strip() if unique else None,
                domain=(unique[0].get("domain") or None) if unique else None,
                message=_optional(item, "Message"),
            )
        )
    return out


def status_by_learner_response(entries: Sequence[CreditStatusEntry]) -> bytes:
    return _status_response("GetLearnerStatusByLearner", entries)


def read_status_by_learner_response(data: bytes) -> list[CreditStatusEntry]:
    return _read_status_response(data, "GetLearnerStatusByLearner")


def status_by_credit_id_response(entries: Sequence[CreditStatusEntry]) -> bytes:
    return _status_response("GetLearnerStatusByCreditId", entries)


def read_status_by_credit_id_response(data: bytes) -> list[CreditStatusEntry]:
    return _read_status_response(data, "GetLearnerStatusByCreditId")
