"""PARS documents in the JSON shape of ACCME's 2025 drafts: ACCMEActivities, ACCMELearnerReports.

The drafts (elliottACCME/tempSchema: activity schema v0_1_2, learner-reports schema v0_5) mirror
the XML documents element for element. Where they are silent or contradict themselves we choose,
and say so here:

* `ParticipationMetrics` is written with the capital P the schema's properties use (its
  `required` list says `participationMetrics`); both spellings are read.
* `UniqueID` is written as an array of `{value, domain}` objects: the draft types it `object` but
  gives it `items`, calls it "identifier(s)", and the status API's example returns an array. Each
  certificate lists its own identifier first (the state licence or NPI for CME credit, the board
  ID for MOC credit), then the learner's other identifiers, so every record carries all of them.
  An empty `value` names a domain without a number: a licensing state when the learner is known by
  NPI, or a board whose ID the learner has not given (ABS makes it optional).
* The learner draft demands `BirthDate` as YYYY-MM-DD while PARS only collects month and day; we
  write a placeholder year (`birth_year`, default 1900 as in the research note's example) and read
  MM-DD, --MM-DD, MM/DD or YYYY-MM-DD, ignoring the year. 1900 was not a leap year, so a 29 February
  birthday becomes the text 1900-02-29; pass `birth_year=2000` if the receiver parses it as a date.
* `Lom.general.description` and `ReportingOrganization` are required strings: a missing value is
  written as "" and "" is read back as missing. `targetAudience` requires `profession`, which
  PARS (unlike JA-PARS) does not collect, so it is written as an empty list.
* Times: `CompletedDateTime`, `startDateTime` and `endDateTime` carry the date at T00:00:00 with
  no offset; PARS reads dates in Central time and converts real times (integrator report).

Amounts are JSON numbers; `loads` parses them as Decimal so nothing is rounded on the way in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, NoReturn, TypeVar

from cmeledger.domain.errors import DomainError
from cmeledger.domain.pars.model import (
    CME_CERTIFICATION,
    Activity,
    ActivityAction,
    CommercialSupport,
    DeliveryMethod,
    Learner,
    LearnerCredit,
    LearnerRecord,
    Location,
    MocRegistration,
    RecordAction,
    Sponsorship,
)
from cmeledger.domain.pars.vocabulary import US_STATES, activity_format
from cmeledger.domain.people import MonthDay
from cmeledger.pars.errors import ParsDocumentError

MAX_BODY = 50 * 1024 * 1024
# Real documents nest about a dozen levels deep; anything far deeper is hostile.
MAX_DEPTH = 32
DEFAULT_BIRTH_YEAR = 1900
_BIRTH = re.compile(r"^(?:(\d{4})-|--)?(\d{2})-(\d{2})$")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")

# ---------------------------------------------------------------------------------------------
# Bytes -> JSON value, refusing hostile input


def _line_col(text: str, offset: int) -> str:
    newline = "\n"
    line = text.count(newline, 0, offset) + 1
    column = offset - text.rfind(newline, 0, offset)
    return f"line {line}, column {column}"


def _deep_position(text: str, max_depth: int) -> str:
    """Where nesting first passes `max_depth` (run only after parsing has refused)."""
    depth = 0
    for match in re.finditer(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]', text):
        mark = match.group()
        depth += 1 if mark in ("[", "{") else -1 if mark in ("]", "}") else 0
        if depth > max_depth:
            return _line_col(text, match.start())
    return "an unknown position"


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Two readers could disagree about which copy wins; refuse rather than guess.
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


_Trail = tuple[Any, str | int] | None


def _too_deep(value: object, max_depth: int) -> str | None:
    # Iterative, and paths are linked (parent, key) pairs, built into text only on failure.
    stack: list[tuple[object, int, _Trail]] = [(value, 1, None)]
    while stack:
        item, depth, trail = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                steps: list[str | int] = []
                while trail is not None:
                    trail, step = trail
                    steps.append(step)
                path = "$"
                for step in reversed(steps):
                    path = f"{path}[{step}]" if isinstance(step, int) else _key_path(path, step)
                return path
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend((child, depth + 1, (trail, key)) for key, child in pairs)
    return None


def loads(data: bytes, *, limit: int = MAX_BODY, max_depth: int = MAX_DEPTH) -> object:
    """Parse a JSON body; ParsDocumentError names the problem and where it is."""
    if len(data) > limit:
        raise ParsDocumentError(f"JSON document is {len(data)} bytes; the limit is {limit}")
    raw = bytes(data).removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        valid = raw[: exc.start].decode("utf-8")
        where = _line_col(valid, len(valid))
        raise ParsDocumentError(f"JSON is not valid UTF-8 at {where}: {exc.reason}") from None
    try:
        value: object = json.loads(
            text, parse_float=Decimal, parse_constant=_no_constants, object_pairs_hook=_unique_keys
        )
    except json.JSONDecodeError as exc:
        raise ParsDocumentError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        where = _deep_position(text, max_depth)
        raise ParsDocumentError(f"JSON nests deeper than {max_depth} levels at {where}") from None
    except ValueError as exc:  # duplicate keys, NaN/Infinity, integers too long to convert
        raise ParsDocumentError(f"invalid JSON: {exc}") from None
    deep = _too_deep(value, max_depth)
    if deep is not None:
        where = _deep_position(text, max_depth)
        raise ParsDocumentError(f"JSON nests deeper than {max_depth} levels at {deep} ({where})")
    return value


def dumps(doc: object) -> bytes:
    """UTF-8 JSON for a document built by this module."""
    try:
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate has no UTF-8 form
        raise ParsDocumentError(f"text cannot be encoded as UTF-8: {exc.reason}") from None


# ---------------------------------------------------------------------------------------------
# Reading: every failure names the JSON path


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if _PLAIN_KEY.match(key) else f"{path}[{json.dumps(key)}]"


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    return names.get(type(value), "a number")


class _Node:
    """A JSON value and the path it was found at."""

    __slots__ = ("path", "value")

    def __init__(self, value: object, path: str) -> None:
        self.value = value
        self.path = path

    def fail(self, message: str) -> NoReturn:
        raise ParsDocumentError(f"{self.path}: {message}")

    def get(self, key: str) -> _Node | None:
        """An optional member; null counts as absent."""
        if not isinstance(self.value, dict):
            self.fail(f"expected an object, found {_kind(self.value)}")
        value = self.value.get(key)
        return None if value is None else _Node(value, _key_path(self.path, key))

    def at(self, key: str) -> _Node:
        node = self.get(key)
        if node is None:
            raise ParsDocumentError(f"{_key_path(self.path, key)}: is required")
        return node

    def maybe(self, key: str, read: Callable[[_Node], _T]) -> _T | None:
        node = self.get(key)
        return None if node is None else read(node)

    def dig(self, *keys: str) -> list[_Node]:
        """The items of an optional array nested in optional objects."""
        node: _Node | None = self
        for key in keys:
            node = None if node is None else node.get(key)
        return [] if node is None else node.each()

    def each(self) -> list[_Node]:
        if not isinstance(self.value, list):
            self.fail(f"expected an array, found {_kind(self.value)}")
        return [_Node(v, f"{self.path}[{i}]") for i, v in enumerate(self.value)]

    def text(self) -> str:
        if not isinstance(self.value, str):
            self.fail(f"expected a string, found {_kind(self.value)}")
        return self.value

    def texts(self) -> tuple[str, ...]:
        return tuple(item.text() for item in self.each())

    def decimal(self) -> Decimal:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.fail(f"expected a number, found {_kind(value)}")
        try:
            amount = value if isinstance(value, Decimal) else Decimal(repr(value))
        except InvalidOperation:
            self.fail("is not a number")
        if not amount.is_finite() or amount < 0:
            self.fail("must be a finite number >= 0")
        return amount

    def whole(self) -> int:
        amount = self.decimal()
        if amount != amount.to_integral_value():
            self.fail("must be a whole number")
        return int(amount)

    def flag(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail(f"expected true or false, found {_kind(self.value)}")
        return self.value

    def day(self) -> date:
        text = self.text()
        try:
            # A date-time keeps the calendar date it was written with: PARS works in dates.
            return datetime.fromisoformat(text).date()
        except ValueError:
            self.fail(f"{text!r} is not a YYYY-MM-DD date or YYYY-MM-DDThh:mm:ss date-time")

    def choice(self, kind: type[_E]) -> _E:
        wanted = self.text().strip().lower()
        for option in kind:
            if option.value.lower() == wanted:
                return option
        self.fail(f"expected one of {', '.join(repr(o.value) for o in kind)}")


def _root(doc: object, name: str, inner: str) -> _Node:
    top = _Node(doc, "$")
    found = top.get(name)
    if found is not None:
        return found
    if top.get(inner) is not None:  # the bare inner object, as some callers post it
        return top
    top.fail(f"expected the {name} object")


def _number(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral_value() else float(amount)


# ---------------------------------------------------------------------------------------------
# Activities


def activities_json(activities: Sequence[Activity]) -> dict[str, Any]:
    """The `{"ACCMEActivities": {...}}` document for SaveActivity / POST /activities."""
    return {"ACCMEActivities": {"MedicalEducationMetrics": [_activity(a) for a in activities]}}


def _activity(a: Activity) -> dict[str, Any]:
    ids = (("ACCME Activity ID", a.accme_id), ("Provider Activity ID", a.provider_activity_id))
    credits: dict[str, Any] = {
        "activityCertification": CME_CERTIFICATION,
        "numberOfCredits": _number(a.credits),
    }
    if a.joint_providers:
        credits["nonAccreditedProvider"] = list(a.joint_providers)
    education: dict[str, Any] = {"credits": credits}
    place = {"city": a.location.city, "stateOrProvince": a.location.state}
    place["country"] = a.location.country
    if any(v is not None for v in place.values()):
        education["activityLocation"] = {k: v for k, v in place.items() if v is not None}
    education |= {
        "startDateTime": f"{a.start.isoformat()}T00:00:00",
        "endDateTime": f"{a.end.isoformat()}T00:00:00",
        "activitySponsorship": a.sponsorship.value,
        "activityFormat": a.format.value,
        "commercialSupport": a.commercial_support,
    }
    if a.specialties:
        education["targetAudience"] = {"profession": [], "specialty": list(a.specialties)}
    extra: dict[str, Any] = {"ProviderID": a.provider_id}
    if a.in_kind_supporters:
        extra["InKindSupports"] = {"InKindSupport": [{"source": s} for s in a.in_kind_supporters]}
    if a.delivery_methods:
        extra["DeliveryMethods"] = {"DeliveryMethod": [d.value for d in a.delivery_methods]}
    if a.moc:
        extra["MOCRegistrations"] = {"MOCRegistration": [_moc(m) for m in a.moc]}
    if a.for_public_list is not None:
        extra["ForPublicList"] = a.for_public_list
    if a.rems is not None:
        extra["REMS"] = {"REMSType": a.rems}
        if a.rems_id is not None:
            extra["REMS"]["REMSRelatedIdentifier"] = a.rems_id
    extra |= {"activityRecordAction": a.action.value, "closeActivityRecord": a.close}
    counts = (("physician", a.physician_learners), ("other", a.other_learners))
    return {
        "ReportDescription": {
            "ReportingStartDate": a.start.isoformat(),
            "ReportingEndDate": a.end.isoformat(),
        },
        "ActivityDescription": {
            "commercialSupportAmount": [
                {"currency": "USD", "supportSource": s.source, "value": s.amount_usd}
                for s in a.supporters
            ]
        },
        "Lom": {
            "general": {
                "identifier": [
                    {"catalog": catalog, "entry": entry}
                    for catalog, entry in (*ids, ("URL", a.url))
                    if entry is not None
                ],
                "title": a.title,
                "description": a.description or "",
            }
        },
        "healthcareMetadata": {"healthcareEducation": education},
        "ParticipationMetrics": {
            "participantsByCategory": [
                {"category": name, "numberOfParticipants": n} for name, n in counts if n is not None
            ]
        },
        "XtensibleInfo": extra,
    }


def _moc(m: MocRegistration) -> dict[str, Any]:
    out: dict[str, Any] = {
        "boardName": m.board,
        "mocPoints": _number(m.points),
        "MOCCreditType": list(m.credit_types),
    }
    if m.claim_date is not None:
        out["CreditClaimDate"] = m.claim_date.isoformat()
    return out


def read_activities_json(doc: object) -> list[Activity]:
    """Activities from an `ACCMEActivities` document (or its bare inner object)."""
    root = _root(doc, "ACCMEActivities", "MedicalEducationMetrics")
    return [_read_activity(item) for item in root.at("MedicalEducationMetrics").each()]


def _read_activity(m: _Node) -> Activity:
    general = m.at("Lom").at("general")
    ids: dict[str, str] = {}
    for item in general.dig("identifier"):
        catalog = item.at("catalog")
        if catalog.text() in ids:
            catalog.fail(f"{catalog.text()!r} appears twice")
        ids[catalog.text()] = item.at("entry").text()
    he = m.at("healthcareMetadata").at("healthcareEducation")
    credits = he.at("credits")
    certification = credits.at("activityCertification")
    if certification.text() != CME_CERTIFICATION:
        certification.fail(f"only {CME_CERTIFICATION!r} activities are supported")
    fmt_node = he.at("activityFormat")
    fmt = activity_format(fmt_node.text())
    if fmt is None:
        fmt_node.fail(f"unknown activity format {fmt_node.text()!r}")
    place = he.get("activityLocation") or _Node({}, f"{he.path}.activityLocation")
    x = m.at("XtensibleInfo")
    rems = x.get("REMS")
    physicians, others = _read_participants(m)
    return Activity(
        provider_id=x.at("ProviderID").text(),
        title=general.at("title").text(),
        format=fmt,
        start=he.at("startDateTime").day(),
        end=he.at("endDateTime").day(),
        credits=credits.at("numberOfCredits").decimal(),
        accme_id=ids.get("ACCME Activity ID"),
        provider_activity_id=ids.get("Provider Activity ID"),
        description=general.maybe("description", _Node.text) or None,
        url=ids.get("URL"),
        location=Location(
            city=place.maybe("city", _Node.text),
            state=place.maybe("stateOrProvince", _Node.text),
            country=place.maybe("country", _Node.text),
        ),
        delivery_methods=tuple(
            n.choice(DeliveryMethod) for n in x.dig("DeliveryMethods", "DeliveryMethod")
        ),
        sponsorship=he.at("activitySponsorship").choice(Sponsorship),
        joint_providers=tuple(n.text() for n in credits.dig("nonAccreditedProvider")),
        commercial_support=he.maybe("commercialSupport", _Node.flag) or False,
        supporters=tuple(
            _supporter(n) for n in m.dig("ActivityDescription", "commercialSupportAmount")
        ),
        in_kind_supporters=tuple(
            n.at("source").text() for n in x.dig("InKindSupports", "InKindSupport")
        ),
        moc=tuple(_read_moc(n) for n in x.dig("MOCRegistrations", "MOCRegistration")),
        specialties=tuple(n.text() for n in he.dig("targetAudience", "specialty")),
        rems=None if rems is None else rems.at("REMSType").text(),
        rems_id=None if rems is None else rems.maybe("REMSRelatedIdentifier", _Node.text),
        physician_learners=physicians,
        other_learners=others,
        for_public_list=x.maybe("ForPublicList", _Node.flag),
        action=x.maybe("activityRecordAction", lambda n: n.choice(ActivityAction))
        or ActivityAction.ADD,
        close=x.maybe("closeActivityRecord", _Node.flag) or False,
    )


def _supporter(node: _Node) -> CommercialSupport:
    currency = node.get("currency")
    if currency is not None and currency.text().strip().upper() != "USD":
        currency.fail("commercial support is reported in USD")
    return CommercialSupport(node.at("supportSource").text(), node.at("value").whole())


def _read_participants(m: _Node) -> tuple[int | None, int | None]:
    # The draft's properties say ParticipationMetrics, its required list participationMetrics.
    block = "ParticipationMetrics" if m.get("ParticipationMetrics") else "participationMetrics"
    physicians: int | None = None
    others: int | None = None
    for item in m.dig(block, "participantsByCategory"):
        count = item.at("numberOfParticipants").whole()
        if item.at("category").text().strip().lower() == "physician":
            if physicians is not None:
                item.fail("the physician count appears twice")
            physicians = count
        else:  # PARS counts "other learners"; JA-PARS splits them by profession
            others = (others or 0) + count
    return physicians, others


def _read_moc(node: _Node) -> MocRegistration:
    return MocRegistration(
        board=node.at("boardName").text().strip().upper(),
        points=node.at("mocPoints").decimal(),
        credit_types=node.at("MOCCreditType").texts(),
        claim_date=node.maybe("CreditClaimDate", _Node.day),
    )


# ---------------------------------------------------------------------------------------------
# Learner reports


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
            "numberOfCredits": _number(credit.amount),
        },
        "CreditID": credit.credit_id,
    }


def read_learner_reports_json(doc: object, *, consent: bool) -> list[LearnerRecord]:
    """Learner records from an `ACCMELearnerReports` document.

    `consent` is the provider's statement that these learners agreed to be reported; the
    document itself carries no such field.
    """
    root = _root(doc, "ACCMELearnerReports", "ActivityReports")
    reports = root.at("ActivityReports").at("ActivityReport")
    return [_read_report(item, consent) for item in reports.each()]


def _read_report(node: _Node, consent: bool) -> LearnerRecord:
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
        reporting_organization=node.maybe("ReportingOrganization", _Node.text) or None,
    )


def _birth(node: _Node) -> MonthDay:
    text = node.text().strip()
    match = _BIRTH.match(text)
    try:
        if match:  # the year, if any, is a placeholder: PARS keeps month and day only
            return MonthDay(int(match.group(2)), int(match.group(3)))
        return MonthDay.parse(text)
    except DomainError as exc:
        node.fail(f"{text!r}: {exc}")


class _Identifiers:
    """The learner's identifiers, gathered from every certificate; copies must agree."""

    def __init__(self) -> None:
        self.state: str | None = None
        self.license = ""
        self.npi: str | None = None
        self.board: str | None = None
        self.board_id: str | None = None
        self.unnamed: list[str] = []  # boards named without an ID

    def add(self, node: _Node) -> str:
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
    def _same(node: _Node, what: str, old: str | None, new: str | None) -> str | None:
        if old is not None and new is not None and old != new:
            node.fail(f"{what} {new!r} contradicts {old!r} given earlier in the record")
        return new if old is None else old


def _read_credit(node: _Node, ids: _Identifiers) -> LearnerCredit:
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
