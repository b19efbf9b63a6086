"""PARS activity XML: `ACCMEActivities`, one MedBiquitous `MedicalEducationMetrics` per activity.

Which MEMS: version 1 (http://ns.medbiq.org/metrics/v1/, ANSI/MEDBIQ 2009). PARS was built on
MEMS in 2010 (medbiq.org case study); v2 (2013-14) only adds optional parts PARS does not use,
and imports common/v2, which needs Dublin Core and XOP schemas from the web. Both versions give
the same `MedicalEducationMetrics` sequence for what PARS carries. Every `MedicalEducationMetrics`
we write validates against the real v1 XSD; the `ACCMEActivities` wrapper is ACCME's and in no
MedBiquitous schema, so it carries no namespace, as in the research note's examples.

Where the research note's reconstructed example (pars.md §5.1) disagrees with the XSD, the
XSD wins, and the reader accepts both spellings:

* `ActivityDescription` holds `lom` first, then `CommercialSupportAmount` elements (capital C),
  each an integer dollar amount with `supportSource` and `currency` attributes, not
  `commercialSupportAmount` with child elements before `lom`.
* `hx:healthcareEducation` sits inside `hx:healthcareMetadata` in `lom`, not directly in `lom`.
* `hx:activityLocation` is a MedBiquitous address: `City`, `StateOrProvince`, then a required
  `Country` holding `CountryCode` (address/v1 namespace), not `city`/`country` text elements.
* `hx:activityFormat` and `hx:specialty` are LOM language strings (`<lom:string>`), as are the
  LOM `title` and `description`.
* `hx:commercialSupport` is `yes`/`no`, not `true`/`false`.
* `ReportDescription` dates are full dates (xsd:date): we write the activity's start and end.
* `ParticipationMetrics` counts are `ParticipantsByCategory` elements whose text is the number
  and whose `category` attribute is `physician` or `non-physician`.
* Joint providers are `hx:nonAccreditedProvider` inside `hx:credits` (with the AMA PRA
  Category 1 designation and its number of credits).

ACCME's own fields (ProviderID, DeliveryMethods, InKindSupports, MOCRegistrations, REMS,
ForPublicList, activityRecordAction, closeActivityRecord) go in `XtensibleInfo`, the schema's
extension point, which admits elements of any other namespace (see `ACCME_NS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from lxml import etree

from cmeledger.domain.pars.model import (
    CME_CERTIFICATION,
    Activity,
    ActivityAction,
    CommercialSupport,
    DeliveryMethod,
    Location,
    MocRegistration,
    Sponsorship,
)
from cmeledger.domain.pars.vocabulary import activity_format
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.safe_xml import MAX_BODY, parse_xml
from cmeledger.pars.xml_nodes import (
    ACCME_NS,
    ADDRESS_NS,
    HX_NS,
    LOM_NS,
    MEMS_NS,
    Node,
    day_time,
    decimal_text,
    qname,
    set_text,
)

ROOT = "ACCMEActivities"
# lxml takes None as the default-namespace key; its stubs do not know that.
NSMAP: dict[Any, str] = {
    None: MEMS_NS,
    "lom": LOM_NS,
    "hx": HX_NS,
    "a": ADDRESS_NS,
    "accme": ACCME_NS,
}
CATALOG_ACCME_ID = "ACCME Activity ID"
CATALOG_PROVIDER_ID = "Provider Activity ID"
CATALOG_URL = "URL"
PHYSICIAN = "physician"
NON_PHYSICIAN = "non-physician"

_Element = etree._Element


# -- writing -----------------------------------------------------------------------------------


class _Writer:
    """Appends children in one namespace, naming the field in any error."""

    def __init__(self, where: str) -> None:
        self.where = where

    def sub(self, parent: _Element, ns: str, name: str, text: str | None = None) -> _Element:
        el = etree.SubElement(parent, qname(ns, name))
        if text is not None:
            set_text(el, text, f"{self.where}/{name}")
        return el

    def lang(self, parent: _Element, ns: str, name: str, text: str) -> _Element:
        el = self.sub(parent, ns, name)
        string = self.sub(el, LOM_NS, "string")
        string.set("language", "en")
        set_text(string, text, f"{self.where}/{name}")
        return el


def mems_element(activities: Sequence[Activity]) -> _Element:
    """`<ACCMEActivities>` with one `MedicalEducationMetrics` per activity."""
    if not activities:
        raise ParsDocumentError("an ACCMEActivities document needs at least one activity")
    root = etree.Element(ROOT)
    for i, activity in enumerate(activities, 1):
        root.append(_metrics(activity, _Writer(f"{ROOT}/MedicalEducationMetrics[{i}]")))
    return root


def mems_document(activities: Sequence[Activity]) -> bytes:
    """The activities as a UTF-8 `ACCMEActivities` document with an XML declaration."""
    return bytes(etree.tostring(mems_element(activities), xml_declaration=True, encoding="UTF-8"))


def _metrics(a: Activity, w: _Writer) -> _Element:
    m = etree.Element(qname(MEMS_NS, "MedicalEducationMetrics"), nsmap=NSMAP)
    report = w.sub(m, MEMS_NS, "ReportDescription")
    w.sub(report, MEMS_NS, "ReportingStartDate", a.start.isoformat())
    w.sub(report, MEMS_NS, "ReportingEndDate", a.end.isoformat())
    described = w.sub(m, MEMS_NS, "ActivityDescription")
    _lom(described, a, w)
    for s in a.supporters:
        amount = w.sub(described, MEMS_NS, "CommercialSupportAmount", str(s.amount_usd))
        amount.set("currency", "USD")
        _set_attr(amount, "supportSource", s.source, w)
    metrics = w.sub(m, MEMS_NS, "ParticipationMetrics")
    for category, count in ((PHYSICIAN, a.physician_learners), (NON_PHYSICIAN, a.other_learners)):
        if count is not None:
            w.sub(metrics, MEMS_NS, "ParticipantsByCategory", str(count)).set("category", category)
    _extensions(w.sub(m, MEMS_NS, "XtensibleInfo"), a, w)
    return m


def _set_attr(el: _Element, name: str, value: str, w: _Writer) -> None:
    try:
        el.set(name, value)
    except ValueError:
        raise ParsDocumentError(f"{w.where}/@{name}: {value!r} holds control characters") from None


def _lom(parent: _Element, a: Activity, w: _Writer) -> None:
    lom = w.sub(parent, LOM_NS, "lom")
    general = w.sub(lom, LOM_NS, "general")
    for catalog, entry in (
        (CATALOG_ACCME_ID, a.accme_id),
        (CATALOG_PROVIDER_ID, a.provider_activity_id),
        (CATALOG_URL, a.url),
    ):
        if entry is not None:
            identifier = w.sub(general, LOM_NS, "identifier")
            w.sub(identifier, LOM_NS, "catalog", catalog)
            w.sub(identifier, LOM_NS, "entry", entry)
    w.lang(general, LOM_NS, "title", a.title)
    if a.description is not None:
        w.lang(general, LOM_NS, "description", a.description)
    meta = w.sub(lom, HX_NS, "healthcareMetadata")
    hx = w.sub(meta, HX_NS, "healthcareEducation")
    credits = w.sub(hx, HX_NS, "credits")
    w.sub(credits, HX_NS, "activityCertification", CME_CERTIFICATION)
    for joint in a.joint_providers:
        w.sub(credits, HX_NS, "nonAccreditedProvider", joint)
    w.sub(credits, HX_NS, "numberOfCredits", decimal_text(a.credits, f"{w.where}/credits"))
    if a.specialties:
        audience = w.sub(hx, HX_NS, "targetAudience")
        for specialty in a.specialties:
            w.lang(audience, HX_NS, "specialty", specialty)
    where = a.location
    if where != Location():
        place = w.sub(hx, HX_NS, "activityLocation")
        if where.city is not None:
            w.sub(place, ADDRESS_NS, "City", where.city)
        if where.state is not None:
            w.sub(place, ADDRESS_NS, "StateOrProvince", where.state)
        country = w.sub(place, ADDRESS_NS, "Country")  # required by the address schema
        if where.country is not None:
            w.sub(country, ADDRESS_NS, "CountryCode", where.country)
    w.sub(hx, HX_NS, "startDateTime", day_time(a.start))
    w.sub(hx, HX_NS, "endDateTime", day_time(a.end))
    w.sub(hx, HX_NS, "activitySponsorship", a.sponsorship.value)
    w.lang(hx, HX_NS, "activityFormat", a.format.value)
    w.sub(hx, HX_NS, "commercialSupport", "yes" if a.commercial_support else "no")


def _extensions(x: _Element, a: Activity, w: _Writer) -> None:
    w.sub(x, ACCME_NS, "ProviderID", a.provider_id)
    if a.delivery_methods:
        methods = w.sub(x, ACCME_NS, "DeliveryMethods")
        for method in a.delivery_methods:
            w.sub(methods, ACCME_NS, "DeliveryMethod", method.value)
    if a.in_kind_supporters:
        kinds = w.sub(x, ACCME_NS, "InKindSupports")
        for source in a.in_kind_supporters:
            w.sub(w.sub(kinds, ACCME_NS, "InKindSupport"), ACCME_NS, "source", source)
    if a.moc:
        regs = w.sub(x, ACCME_NS, "MOCRegistrations")
        for reg in a.moc:
            r = w.sub(regs, ACCME_NS, "MOCRegistration")
            w.sub(r, ACCME_NS, "boardName", reg.board)
            w.sub(r, ACCME_NS, "mocPoints", decimal_text(reg.points, f"{w.where}/mocPoints"))
            for credit_type in reg.credit_types:
                w.sub(r, ACCME_NS, "MOCCreditType", credit_type)
            if reg.claim_date is not None:
                w.sub(r, ACCME_NS, "CreditClaimDate", reg.claim_date.isoformat())
    if a.rems is not None or a.rems_id is not None:
        rems = w.sub(x, ACCME_NS, "REMS")
        if a.rems is not None:
            w.sub(rems, ACCME_NS, "REMSType", a.rems)
        if a.rems_id is not None:
            w.sub(rems, ACCME_NS, "REMSRelatedIdentifier", a.rems_id)
    if a.for_public_list is not None:
        w.sub(x, ACCME_NS, "ForPublicList", "true" if a.for_public_list else "false")
    w.sub(x, ACCME_NS, "activityRecordAction", a.action.value)
    w.sub(x, ACCME_NS, "closeActivityRecord", "true" if a.close else "false")


# -- reading -----------------------------------------------------------------------------------


def read_mems(data: bytes, *, limit: int = MAX_BODY) -> list[Activity]:
    """Activities from an `ACCMEActivities` document (or a lone `MedicalEducationMetrics`)."""
    return read_mems_element(parse_xml(data, limit=limit))


def read_mems_element(root: _Element) -> list[Activity]:
    node = Node.root(root)
    if node.path == "MedicalEducationMetrics":
        return [_read_metrics(node)]
    if node.path != ROOT:
        node.fail(f"expected <{ROOT}> or <MedicalEducationMetrics>")
    found = node.children("MedicalEducationMetrics")
    if not found:
        node.fail("holds no <MedicalEducationMetrics>")
    return [_read_metrics(m) for m in found]


def _read_metrics(m: Node) -> Activity:
    described = m.child("ActivityDescription")
    lom = described.child("lom")
    general = lom.child("general")
    hx = _healthcare_education(lom)
    ids = _identifiers(general)
    x = m.child("XtensibleInfo")
    start, end = _dates(m, hx)
    credits = _credits(hx)
    title = general.child("title").language_string()
    description = general.maybe("description")
    fmt_node = hx.child("activityFormat")
    fmt_text = fmt_node.language_string()
    fmt = activity_format(fmt_text)
    if fmt is None:
        fmt_node.fail(f"unknown activity format {fmt_text!r}")
    sponsor = hx.maybe("activitySponsorship")
    support = hx.maybe("commercialSupport")
    audience = hx.maybe("targetAudience")
    counts = _participants(m.child("ParticipationMetrics"))
    action = x.maybe("activityRecordAction")
    close = x.maybe("closeActivityRecord")
    public = x.maybe("ForPublicList")
    rems = x.maybe("REMS")
    return Activity(
        provider_id=x.child("ProviderID").text(),
        title=title,
        format=fmt,
        start=start,
        end=end,
        credits=credits.child("numberOfCredits").decimal(),
        accme_id=ids.get(CATALOG_ACCME_ID.lower()),
        provider_activity_id=ids.get(CATALOG_PROVIDER_ID.lower()),
        description=description.language_string() if description is not None else None,
        url=ids.get(CATALOG_URL.lower()),
        location=_location(hx.maybe("activityLocation")),
        delivery_methods=_delivery(x),
        sponsorship=_choice(sponsor, Sponsorship) if sponsor is not None else Sponsorship.DIRECT,
        joint_providers=tuple(n.text() for n in credits.children("nonAccreditedProvider")),
        commercial_support=support.boolean() if support is not None else False,
        supporters=tuple(_supporters(described)),
        in_kind_supporters=tuple(_in_kind(x)),
        moc=tuple(_read_moc(r) for r in _nested(x, "MOCRegistrations", "MOCRegistration")),
        specialties=tuple(
            n.language_string()
            for n in (audience.children("specialty") if audience is not None else [])
        ),
        rems=rems.optional_text("REMSType") if rems is not None else None,
        rems_id=rems.optional_text("REMSRelatedIdentifier") if rems is not None else None,
        physician_learners=counts.get(PHYSICIAN),
        other_learners=counts.get(NON_PHYSICIAN),
        for_public_list=public.boolean() if public is not None else None,
        action=_choice(action, ActivityAction) if action is not None else ActivityAction.ADD,
        close=close.boolean() if close is not None else False,
    )


def _healthcare_education(lom: Node) -> Node:
    meta = lom.maybe("healthcareMetadata")
    found = (meta.maybe("healthcareEducation") if meta is not None else None) or lom.maybe(
        "healthcareEducation"
    )
    if found is None:
        lom.fail("lacks <hx:healthcareMetadata>/<hx:healthcareEducation>")
    return found


def _identifiers(general: Node) -> dict[str, str]:
    out: dict[str, str] = {}
    for ident in general.children("identifier"):
        catalog = ident.child("catalog").text().lower()
        if catalog in out:
            ident.fail(f"catalog {catalog!r} appears twice")
        out[catalog] = ident.child("entry").text()
    return out


def _dates(m: Node, hx: Node) -> tuple[date, date]:
    start, end = hx.maybe("startDateTime"), hx.maybe("endDateTime")
    if start is not None and end is not None:
        return start.day(), end.day()
    # Older files give only the report period; use it when it holds full dates.
    report = m.child("ReportDescription")
    return report.child("ReportingStartDate").day(), report.child("ReportingEndDate").day()


def _credits(hx: Node) -> Node:
    found = hx.children("credits")
    if not found:
        hx.fail("lacks <hx:credits> (the AMA PRA Category 1 credits designated)")
    for node in found:
        cert = node.optional_text("activityCertification")
        if cert is None or cert == CME_CERTIFICATION:
            return node
    return found[0]


def _location(place: Node | None) -> Location:
    if place is None:
        return Location()
    country = place.maybe("Country", "country")
    code: str | None = None
    if country is not None:
        code = (
            country.optional_text("CountryCode")
            or country.optional_text("CountryName")
            or country.raw()
            or None
        )
    return Location(
        city=place.optional_text("City", "city"),
        state=place.optional_text("StateOrProvince", "stateOrProvince"),
        country=code,
    )


def _nested(parent: Node, holder: str, item: str) -> list[Node]:
    found = parent.maybe(holder)
    return found.children(item) if found is not None else []


def _delivery(x: Node) -> tuple[DeliveryMethod, ...]:
    return tuple(
        _choice(n, DeliveryMethod) for n in _nested(x, "DeliveryMethods", "DeliveryMethod")
    )


def _in_kind(x: Node) -> list[str]:
    return [(n.maybe("source") or n).text() for n in _nested(x, "InKindSupports", "InKindSupport")]


def _supporters(described: Node) -> list[CommercialSupport]:
    out: list[CommercialSupport] = []
    for node in described.children("CommercialSupportAmount", "commercialSupportAmount"):
        currency = node.attr("currency")
        if currency not in (None, "", "USD"):
            node.fail(f"currency {currency!r}: PARS takes US dollars")
        source = node.attr("supportSource") or node.optional_text("supportSource")
        if source is None:
            node.fail("lacks the supportSource (the commercial supporter's name)")
        value = node.maybe("value")
        out.append(CommercialSupport(source, (value or node).count()))
    return out


def _participants(metrics: Node) -> dict[str, int]:
    out: dict[str, int] = {}
    for node in metrics.children("ParticipantsByCategory", "participantsByCategory"):
        category = node.attr("category") or node.optional_text("category")
        if category is None:
            node.fail("lacks its category")
        number = node.maybe("numberOfParticipants")
        key = category.lower()
        if key in out:
            node.fail(f"category {category!r} appears twice")
        out[key] = (number or node).count()
    return out


def _read_moc(node: Node) -> MocRegistration:
    claim = node.maybe("CreditClaimDate")
    return MocRegistration(
        board=node.child("boardName").text().upper(),
        points=node.child("mocPoints").decimal(),
        credit_types=tuple(n.text() for n in node.children("MOCCreditType")),
        claim_date=claim.day() if claim is not None else None,
    )


_E = TypeVar("_E", Sponsorship, DeliveryMethod, ActivityAction)


def _choice(node: Node, kind: type[_E]) -> _E:
    text = node.text()
    for member in kind:
        if member.value.lower() == text.lower():
            return member
    node.fail(f"{text!r} is not one of {', '.join(m.value for m in kind)}")
