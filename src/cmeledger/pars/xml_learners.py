"""PARS learner XML: `ACCMELearnerReports` wrapping a MedBiquitous `ActivityReports` document.

Which Activity Report: version 1 (http://ns.medbiq.org/activityreport/v1/, ANSI/MEDBIQ
AR.10.1-2009), the namespace Activity-Report consumers of PARS data use (pars.md §1.3); v2
(2013-18) adds REMS participants PARS does not need here and imports schemas from the web. The
schema's root is `ActivityReports`; each `ActivityReport` we write is one learner's completion
of one activity, and the `ActivityReports` element validates against the real v1 XSD (the
`ACCMELearnerReports` wrapper is ACCME's, in no schema, and carries no namespace).

Where ACCME's 2025 draft (as reconstructed in pars.md §3.3/§5.4) disagrees with the XSD, the
XSD wins; the reader takes both forms where they differ:

* `Activity` needs `ActivityName` after `ProviderOrganization`: we write the activity title
  (also the `ModuleName` text, whose `moduleID` is the 9-digit ACCME activity ID).
* The schema has no `UniqueID` in `CreditCertificate` (only `CreditReceived`, `CreditID`); a
  member's identifiers are `Member/UniqueID` elements, so we write each once there, with
  `domain` = `NPI`, the licensing state's USPS code, or the certifying board's code. A state or
  board known without its number (NPI-identified learners; ABS makes board IDs optional) cannot
  be a UniqueID (its text is required), so it goes in `Member/XtensibleInfo` as
  `LicensingState` / `CertifyingBoard`. Readers also take the draft's per-certificate UniqueIDs.
* `CreditReceived` is the Healthcare-LOM credits type, so its children are `hx:` elements in
  the schema's order: `accreditingBody`, `activityCertification`, `creditUnit`,
  `numberOfCredits`. For MOC credit `hx:accreditingBody` names the certifying board whose
  points these are (the XML has no other per-credit board field); CME credit has none.
* `ReportingOrganization` is required text: a record without one is written with its provider
  ID there, and a ReportingOrganization equal to the ProviderOrganization reads back as none.
* `BirthDate` is an xsd:date, so month and day need a year. PARS keeps only month and day; we
  write a placeholder year, `PLACEHOLDER_BIRTH_YEAR` = 1904 — a leap year, so 29 February is a
  valid date (the note's example year 1900 is not one) and far from any practising physician's
  birth year. Readers accept YYYY-MM-DD (year ignored), --MM-DD, MM-DD and MM/DD.
* ACCME's `ProviderID` and `LearnerRecordAction` go in the report's `XtensibleInfo`, which
  admits elements of other namespaces (see `ACCME_NS`).

The XML has no consent field: readers take `consent` from the caller, who must know whether
the learners agreed to be reported. The writer lives in `xml_learner_writer` (it writes text,
for speed); this module reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lxml import etree

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
from cmeledger.pars.safe_xml import MAX_BODY, parse_xml
from cmeledger.pars.xml_learner_writer import (
    NPI_DOMAIN,
    PLACEHOLDER_BIRTH_YEAR,
    ROOT,
    learner_document,
    learner_element,
)
from cmeledger.pars.xml_nodes import Node

__all__ = [
    "PLACEHOLDER_BIRTH_YEAR",
    "learner_document",
    "learner_element",
    "read_learner_document",
    "read_learner_element",
]

CME_BODY = "ACCME"  # accreditingBody some writers give CME credit; means "no board"
_BIRTH = re.compile(r"^(?:\d{4}-|--)?(\d{1,2})[-/](\d{1,2})$")

_Element = etree._Element

# -- reading -----------------------------------------------------------------------------------


def read_learner_document(
    data: bytes, *, consent: bool, limit: int = MAX_BODY
) -> list[LearnerRecord]:
    """Learner records from an `ACCMELearnerReports` (or bare `ActivityReports`) document.

    `consent` is the caller's statement that these learners agreed to be reported; the
    document itself carries no such field.
    """
    return read_learner_element(parse_xml(data, limit=limit), consent=consent)


def read_learner_element(root: _Element, *, consent: bool) -> list[LearnerRecord]:
    node = Node.root(root)
    if node.path == ROOT:
        node = node.child("ActivityReports")
    elif node.path != "ActivityReports":
        node.fail(f"expected <{ROOT}> or <ActivityReports>")
    reports = node.children("ActivityReport")
    if not reports:
        node.fail("holds no <ActivityReport>")
    out: list[LearnerRecord] = []
    for report in reports:
        out += _read_report(report, consent)
    return out


def _read_report(report: Node, consent: bool) -> list[LearnerRecord]:
    member = report.child("Member")
    ids = _Identifiers()
    for uid in member.children("UniqueID"):
        ids.add(uid)
    extra = member.maybe("XtensibleInfo")
    if extra is not None:
        for node in extra.children("LicensingState"):
            ids.note_state(node)
        for node in extra.children("CertifyingBoard"):
            ids.note_board(node)
    name = member.child("Name")
    extensions = report.child("XtensibleInfo")
    action = _action(extensions.child("LearnerRecordAction"))
    organization = report.optional_text("ReportingOrganization")
    records: list[LearnerRecord] = []
    for activity in report.children("Activity"):
        provider = activity.optional_text("ProviderOrganization") or extensions.optional_text(
            "ProviderID"
        )
        if provider is None:
            activity.fail("lacks <ProviderOrganization>")
        activity_name = activity.optional_text("ActivityName")
        modules = activity.children("Module")
        if not modules:
            activity.fail("lacks <Module>")
        for module in modules:
            # Credits first: the draft form names identifiers inside each certificate.
            raw = [_read_credit(c, ids) for c in module.children("CreditCertificate")]
            learner = ids.learner(
                member,
                name.child("GivenName").text(),
                name.child("FamilyName").text(),
                _birth(member.child("PersonalInfo").child("BirthDate")),
            )
            records.append(
                LearnerRecord(
                    provider_id=provider,
                    accme_activity_id=_module_id(module.child("ModuleName")),
                    activity_title=module.child("ModuleName").raw() or activity_name or "",
                    learner=learner,
                    completed_on=_completed(module),
                    credits=tuple(_board_of(c, learner) for c in raw),
                    consent=consent,
                    action=action,
                    reporting_organization=None if organization == provider else organization,
                )
            )
    if not records:
        report.fail("lacks <Activity>")
    return records


def _module_id(node: Node) -> str:
    value = node.attr("moduleID")
    if not value:
        node.fail("lacks the moduleID attribute (the 9-digit ACCME activity ID)")
    return value


def _completed(module: Node) -> date:
    status = module.maybe("Status")
    if status is not None and status.raw() != "Completed":
        status.fail(f"{status.raw()!r}: the only status PARS takes is 'Completed'")
    return module.child("CompletedDateTime").day()


def _action(node: Node) -> RecordAction:
    text = node.text().lower()
    try:
        return RecordAction(text)
    except ValueError:
        node.fail(f"{node.text()!r} is not add or delete")


def _birth(node: Node) -> MonthDay:
    text = node.text()
    match = _BIRTH.match(text)
    if match is None:
        node.fail("not a birth date (YYYY-MM-DD, --MM-DD, MM-DD or MM/DD)")
    try:  # the year, if any, is a placeholder: PARS keeps month and day only
        return MonthDay(int(match.group(1)), int(match.group(2)))
    except DomainError as exc:
        node.fail(str(exc))


@dataclass(slots=True)
class _Credit:
    credit: LearnerCredit
    node: Node
    board_named: bool


def _read_credit(node: Node, ids: _Identifiers) -> _Credit:
    # ACCME's draft puts UniqueIDs in each certificate, the certificate's own first.
    domains = [ids.add(uid) for uid in node.children("UniqueID")]
    received = node.child("CreditReceived")
    unit = received.maybe("creditUnit")
    if unit is not None and unit.raw() != "Point":
        unit.fail(f"{unit.raw()!r}: the only credit unit PARS takes is 'Point'")
    certification = received.child("activityCertification").text()
    body = received.optional_text("accreditingBody")
    board: str | None = None
    if body is not None and body.upper() != CME_BODY:
        board = body.upper()
    elif (
        body is None
        and certification != CME_CERTIFICATION
        and domains
        and domains[0] not in US_STATES
        and domains[0] != NPI_DOMAIN
    ):
        board = domains[0]
    credit = LearnerCredit(
        credit_id=node.child("CreditID").text(),
        certification=certification,
        amount=received.child("numberOfCredits").decimal(),
        board=board,
    )
    return _Credit(credit, node, board_named=board is not None)


def _board_of(item: _Credit, learner: Learner) -> LearnerCredit:
    credit = item.credit
    if item.board_named or credit.certification == CME_CERTIFICATION:
        return credit
    if learner.board is None:
        item.node.fail(
            f"MOC credit {credit.certification!r} names no certifying board "
            "(hx:accreditingBody) and the learner has no board ID"
        )
    return LearnerCredit(credit.credit_id, credit.certification, credit.amount, learner.board)


class _Identifiers:
    """A learner's identifiers from every UniqueID in the report; repeats must agree."""

    def __init__(self) -> None:
        self.state: str | None = None
        self.license: str | None = None
        self.npi: str | None = None
        self.board: str | None = None
        self.board_id: str | None = None

    def add(self, uid: Node) -> str:
        domain = (uid.attr("domain") or "").upper()
        if not domain:
            uid.fail("lacks its domain attribute (NPI, a state code or a board code)")
        value = uid.text()
        if domain == NPI_DOMAIN:
            self.npi = self._same(uid, "NPI", self.npi, value)
        elif domain in US_STATES:
            self.state = self._same(uid, "licensing state", self.state, domain)
            self.license = self._same(uid, "licence number", self.license, value)
        else:
            self.board = self._same(uid, "certifying board", self.board, domain)
            self.board_id = self._same(uid, f"{domain} ID", self.board_id, value)
        return domain

    def note_state(self, node: Node) -> None:
        state = node.text().upper()
        if state not in US_STATES:
            node.fail(f"{state!r} is not a USPS state code")
        self.state = self._same(node, "licensing state", self.state, state)

    def note_board(self, node: Node) -> None:
        self.board = self._same(node, "certifying board", self.board, node.text().upper())

    @staticmethod
    def _same(node: Node, what: str, old: str | None, new: str) -> str:
        if old is not None and old != new:
            # the values are sealed identifiers: name the field, never echo them
            node.fail(f"the {what} contradicts the one given earlier for this learner")
        return new

    def learner(self, member: Node, first: str, last: str, birth: MonthDay) -> Learner:
        if self.license is not None and self.state is None:  # pragma: no cover - set together
            member.fail("a licence number needs its state")
        return Learner(
            first_name=first,
            last_name=last,
            birth=birth,
            license_state=self.state,
            license_number=self.license,
            npi=self.npi,
            board=self.board,
            board_id=self.board_id,
        )
