"""Writes the learner Activity Report XML (format: see `xml_learners`) as text, not as a tree.

Learner exports run to hundreds of thousands of records, and building an lxml tree costs a
Python call per element (about 30 per record), which made a 100,000-record export slower than
its 10-second budget. The document is therefore written as escaped text in one pass, with the
escaping lxml itself uses (so the bytes equal lxml's serialisation of the same tree; a test
holds us to that), and `learner_element` parses that text back with libxml2 when a tree is
wanted. Every value is checked for characters XML cannot carry before it is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from lxml import etree

from cmeledger.domain.pars.model import LearnerRecord
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.xml_nodes import (
    ACCME_NS,
    AR_NS,
    HX_NS,
    MEMBER_NS,
    NAME_NS,
    day_time,
    decimal_text,
)

ROOT = "ACCMELearnerReports"
PLACEHOLDER_BIRTH_YEAR = 1904
NPI_DOMAIN = "NPI"

# Anything outside XML 1.0's Char production (control characters, surrogates, U+FFFE/FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    f"<{ROOT}><ActivityReports"
    f' xmlns="{AR_NS}" xmlns:m="{MEMBER_NS}" xmlns:n="{NAME_NS}"'
    f' xmlns:hx="{HX_NS}" xmlns:accme="{ACCME_NS}">'
)
_TAIL = f"</ActivityReports></{ROOT}>"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _t(value: str) -> str:
    """Text content escaped as lxml escapes it."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def _a(value: str) -> str:
    """An attribute value (in double quotes) escaped as lxml escapes it."""
    value = _t(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    if "\t" in value:
        value = value.replace("\t", "&#9;")
    return value


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _report(r: LearnerRecord, birth_year: int) -> str:
    learner = r.learner
    out = [
        "<ActivityReport><ReportingOrganization>",
        _t(r.reporting_organization or r.provider_id),
        "</ReportingOrganization><Member>",
    ]
    # A state or board without its number cannot be a UniqueID (its text is required).
    unnumbered: list[str] = []
    if learner.license_state is not None:
        if learner.license_number:
            out += ['<m:UniqueID domain="', _a(learner.license_state), '">']
            out += [_t(learner.license_number), "</m:UniqueID>"]
        else:
            unnumbered += ["<accme:LicensingState>", _t(learner.license_state)]
            unnumbered.append("</accme:LicensingState>")
    if learner.npi:
        out += [f'<m:UniqueID domain="{NPI_DOMAIN}">', _t(learner.npi), "</m:UniqueID>"]
    if learner.board is not None:
        if learner.board_id:
            out += ['<m:UniqueID domain="', _a(learner.board), '">']
            out += [_t(learner.board_id), "</m:UniqueID>"]
        else:
            unnumbered += ["<accme:CertifyingBoard>", _t(learner.board)]
            unnumbered.append("</accme:CertifyingBoard>")
    birth = learner.birth
    if birth.month == 2 and birth.day == 29 and not _leap(birth_year):
        raise ParsDocumentError(f"placeholder birth year {birth_year} has no 29 February")
    out += [
        "<m:Name><n:GivenName>",
        _t(learner.first_name),
        "</n:GivenName><n:FamilyName>",
        _t(learner.last_name),
        "</n:FamilyName></m:Name><m:PersonalInfo><m:BirthDate>",
        f"{birth_year:04d}-{birth.month:02d}-{birth.day:02d}",
        "</m:BirthDate></m:PersonalInfo>",
    ]
    if unnumbered:
        out += ["<m:XtensibleInfo>", *unnumbered, "</m:XtensibleInfo>"]
    title = _t(r.activity_title)
    out += [
        "</Member><Activity><ProviderOrganization>",
        _t(r.provider_id),
        "</ProviderOrganization><ActivityName>",
        title,
        '</ActivityName><Module><ModuleName moduleID="',
        _a(r.accme_activity_id),
        '">',
        title,
        "</ModuleName><Status>Completed</Status><CompletedDateTime>",
        day_time(r.completed_on),
        "</CompletedDateTime>",
    ]
    for credit in r.credits:
        out.append("<CreditCertificate><CreditReceived>")
        if credit.board is not None:
            out += ["<hx:accreditingBody>", _t(credit.board), "</hx:accreditingBody>"]
        out += [
            "<hx:activityCertification>",
            _t(credit.certification),
            "</hx:activityCertification><hx:creditUnit>Point</hx:creditUnit><hx:numberOfCredits>",
            decimal_text(credit.amount, f"CreditID {credit.credit_id}"),
            "</hx:numberOfCredits></CreditReceived><CreditID>",
            _t(credit.credit_id),
            "</CreditID></CreditCertificate>",
        ]
    out += [
        "</Module></Activity><XtensibleInfo><accme:ProviderID>",
        _t(r.provider_id),
        "</accme:ProviderID><accme:LearnerRecordAction>",
        r.action.value,
        "</accme:LearnerRecordAction></XtensibleInfo></ActivityReport>",
    ]
    return "".join(out)


def learner_document(
    records: Sequence[LearnerRecord],
    *,
    created: datetime | None = None,
    birth_year: int = PLACEHOLDER_BIRTH_YEAR,
) -> bytes:
    """The records as a UTF-8 `ACCMELearnerReports` document with an XML declaration."""
    if not records:
        raise ParsDocumentError("a learner report needs at least one record")
    if not 1 <= birth_year <= 9999:
        raise ParsDocumentError("the placeholder birth year must have four digits")
    stamp = (created or datetime.now(UTC)).isoformat(timespec="seconds")
    parts = [_HEAD, "<DateTimeCreated>", stamp, "</DateTimeCreated>"]
    for i, record in enumerate(records, 1):
        text = _report(record, birth_year)
        bad = _NOT_XML.search(text)
        if bad is not None:
            raise ParsDocumentError(
                f"{ROOT}/ActivityReports/ActivityReport[{i}]: character {bad.group()!r} "
                "cannot be carried in XML (control character or non-character)"
            )
        parts.append(text)
    parts.append(_TAIL)
    return "".join(parts).encode("utf-8")


def learner_element(
    records: Sequence[LearnerRecord],
    *,
    created: datetime | None = None,
    birth_year: int = PLACEHOLDER_BIRTH_YEAR,
) -> etree._Element:
    """`<ACCMELearnerReports>` holding one `ActivityReport` per record, as an lxml tree."""
    data = learner_document(records, created=created, birth_year=birth_year)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:  # only if a value breaks libxml2's size limits
        raise ParsDocumentError(f"the learner report could not be built: {exc.msg}") from None
