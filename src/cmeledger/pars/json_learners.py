"""ACCMELearnerReports: PARS learner records in the JSON shape of ACCME's 2025 draft (schema v0_5).

Choices where the draft is silent or contradicts itself (see also `json_documents`):

* `UniqueID` is written as an array of `{value, domain}` objects: the draft types it `object` but
  gives it `items`, calls it "identifier(s)", and the status API's example returns an array. Each
  certificate lists its own identifier first (the state licence or NPI for CME credit, the board
  ID for MOC credit), then the learner's other identifiers, so every record carries all of them.
  An empty `value` names a domain without a number: a licensing state when the learner is known by
  NPI, or a board whose ID the learner has not given (ABS makes it optional).
* The draft demands `BirthDate` as YYYY-MM-DD while PARS only collects month and day; we write a
  placeholder year (`birth_year`, default 1900 as in the research note's example) and read
  MM-DD, --MM-DD, MM/DD or YYYY-MM-DD, ignoring the year. 1900 was not a leap year, so a 29 February
  birthday becomes the text 1900-02-29; pass `birth_year=2000` if the receiver parses it as a date.
* `ReportingOrganization` is a required string: a missing value is written as "" and "" is read
  back as missing.
* `CompletedDateTime` carries the date at T00:00:00 with no offset; PARS reads dates in Central
  time and converts real times (integrator report).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cmeledger.domain.errors import DomainError
from cmeledger.domain.pars.model import (
    CME_CERTIFICATION,
    Learner,
    LearnerCredit,
    LearnerRecord,
    RecordAction,
)
from cmeledger.domain.pars.vocabulary import US_STATES
from cmeledger.domain.people import MonthDay
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.json_nodes import Node, json_number, root_node

DEFAULT_BIRTH_YEAR = 1900
_BIRTH = re.compile(r"^(?:(\d{4})-|--)?(\d{2})-(\d{2})$")


def learner_reports_json(
    records: Sequence[LearnerRecord],
    *,
    created: datetime | None = None,
    birth_year: int = DEFAULT_BIRTH_YEAR,
) -> dict[str, Any]:
    """The `{"ACCMELearnerReports": {...}}` document for SaveLearnerActivity."""
    if not records:
        raise ParsDocumentError("a learner report needs at least one record")
    if not 1 <= birth_year <= 9999:
        raise ParsDocumentError("the placeholder birth year must have four digits")
    stamp = (created or datetime.now(UTC)).isoformat(timespec="seconds")
    reports = [_report(r, birth_year) for r in records]
    return {
        "ACCMELearnerReports": {
            "ActivityReports": {"DateTimeCreated": stamp, "ActivityReport": reports}
        }
    }


def _report(r: LearnerRecord, birth_year: int) -> dict[str, Any]:
    birth = r.learner.birth
    return {
        "ReportingOrganization": r.reporting_organization or "",
        "Member": {
            "Name": {"GivenName": r.learner.first_name, "FamilyName": r.learner.last_name},
            "PersonalInfo": {"BirthDate": f"{birth_year:04d}-{birth.month:02d}-{birth.day:02d}"},
        },
        "Activity": {
            "ProviderOrganization": r.provider_id,
            "Module": {
                "ModuleName": {"value": r.activity_title, "moduleID": r.accme_activity_id},
                "Status": "Completed",
                "CompletedDateTime": f"{r.completed_on.isoformat()}T00:00:00",
                "CreditCertificate": [_certificate(r.learner, c) for c in r.credits],
            },
        },
        "XtensibleInfo": {"ProviderID": r.provider_id, "LearnerRecordAction": r.action.value},
    }


def _certificate(learner: Learner, credit: LearnerCredit) -> dict[str, Any]:
    pairs: list[tuple[str, str]] = []
    if learner.license_state is not None:
        pairs.append((learner.license_state, learner.license_number or ""))
    if learner.npi is not None:
        pairs.append(("NPI", learner.npi))
    if learner.board is not None:
        pairs.append((learner.board, learner.board_id or ""))
    if credit.board is not None:
        own = next((p for p in pairs if p[0] == credit.board), (credit.board, ""))
        pairs = [own, *(p for p in pairs if p != own)]
    return {
        "UniqueID": [{"value": value, "domain": domain} for domain, value in pairs],
        "CreditReceived": {
            "activityCertification": credit.certification,
            "creditUnit": "Point",
            "numberOfCredits": json_number(credit.amount),
        },
        "CreditID": credit.credit_id,
    }


def read_learner_reports_json(doc: object, *, consent: bool) -> list[LearnerRecord]:
    """Learner records from an `ACCMELearnerReports` document.

    `consent` is the provider's statement that these learners agreed to be reported; the
    document itself carries no such field.
    """
    root = root_node(doc, "ACCMELearnerReports", "ActivityReports")
    reports = root.at("ActivityReports").at("ActivityReport")
    return [_read_report(item, consent) for item in reports.each()]


def _read_report(node: Node, consent: bool) -> LearnerRecord:
    name = node.at("Member").at("Name")
    activity = node.at("Activity")
    module = activity.at("Module")
    status = module.get("Status")
    if status is not None and status.text() != "Completed":
        status.fail("the only status PARS takes is 'Completed'")
    ids = _Identifiers()
    credits = tuple(_read_credit(c, ids) for c in module.at("CreditCertificate").each())
    return LearnerRecord(
        provider_id=activity.at("ProviderOrganization").text(),
        accme_activity_id=module.at("ModuleName").at("moduleID").text(),
        activity_title=module.at("ModuleName").at("value").text(),
        learner=Learner(
            first_name=name.at("GivenName").text(),
            last_name=name.at("FamilyName").text(),
            birth=_birth(node.at("Member").at("PersonalInfo").at("BirthDate")),
            license_state=ids.state,
            license_number=ids.license or None,
            npi=ids.npi,
            board=ids.board or (ids.unnamed[0] if len(ids.unnamed) == 1 else None),
            board_id=ids.board_id,
        ),
        completed_on=module.at("CompletedDateTime").day(),
        credits=credits,
        consent=consent,
        action=node.at("XtensibleInfo").at("LearnerRecordAction").choice(RecordAction),
        reporting_organization=node.maybe("ReportingOrganization", Node.text) or None,
    )


def _birth(node: Node) -> MonthDay:
    text = node.text().strip()
    match = _BIRTH.match(text)
    try:
        if match:  # the year, if any, is a placeholder: PARS keeps month and day only
            return MonthDay(int(match.group(2)), int(match.group(3)))
        return MonthDay.parse(text)
    except DomainError as exc:
        node.fail(str(exc))


class _Identifiers:
    """The learner's identifiers, gathered from every certificate; copies must agree."""

    def __init__(self) -> None:
        self.state: str | None = None
        self.license = ""
        self.npi: str | None = None
        self.board: str | None = None
        self.board_id: str | None = None
        self.unnamed: list[str] = []  # boards named without an ID

    def add(self, node: Node) -> str:
        domain = node.at("domain").text().strip().upper()
        value = node.at("value").text()
        if not domain:
            node.at("domain").fail("is empty")
        if domain == "NPI":
            self.npi = self._same(node, "NPI", self.npi, value or None)
        elif domain in US_STATES:
            self.state = self._same(node, "licensing state", self.state, domain)
            self.license = self._same(node, "licence number", self.license or None, value) or ""
        elif value:
            self.board = self._same(node, "board with an ID", self.board, domain)
            self.board_id = self._same(node, f"{domain} ID", self.board_id, value)
        elif domain not in self.unnamed:
            self.unnamed.append(domain)
        return domain

    @staticmethod
    def _same(node: Node, what: str, old: str | None, new: str | None) -> str | None:
        if old is not None and new is not None and old != new:
            # the values are sealed identifiers: name the field, never echo them
            node.fail(f"the {what} contradicts the one given earlier in the record")
        return new if old is None else old


def _read_credit(node: Node, ids: _Identifiers) -> LearnerCredit:
    uid = node.at("UniqueID")
    domains = [ids.add(entry) for entry in (uid.each() if isinstance(uid.value, list) else [uid])]
    received = node.at("CreditReceived")
    unit = received.get("creditUnit")
    if unit is not None and unit.text() != "Point":
        unit.fail("the only credit unit PARS takes is 'Point'")
    certification = received.at("activityCertification").text()
    board: str | None = None
    if certification != CME_CERTIFICATION:
        # A MOC certificate names its board first (see the module docstring).
        if not domains or domains[0] == "NPI" or domains[0] in US_STATES:
            uid.fail(f"MOC credit {certification!r} needs its certifying board's UniqueID first")
        board = domains[0]
    return LearnerCredit(
        credit_id=node.at("CreditID").text(),
        certification=certification,
        amount=received.at("numberOfCredits").decimal(),
        board=board,
    )
