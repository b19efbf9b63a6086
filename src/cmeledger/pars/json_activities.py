"""ACCMEActivities: PARS activities in the JSON shape of ACCME's 2025 draft (schema v0_1_2).

Choices where the draft is silent or contradicts itself (see also `json_documents`):

* `ParticipationMetrics` is written with the capital P the schema's properties use (its
  `required` list says `participationMetrics`); both spellings are read.
* `Lom.general.description` is a required string: a missing value is written as "" and "" is
  read back as missing. `targetAudience` requires `profession`, which PARS (unlike JA-PARS) does
  not collect, so it is written as an empty list.
* `startDateTime` and `endDateTime` carry the date at T00:00:00 with no offset; PARS reads dates
  in Central time and converts real times (integrator report).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
from cmeledger.pars.json_nodes import Node, json_number, root_node


def activities_json(activities: Sequence[Activity]) -> dict[str, Any]:
    """The `{"ACCMEActivities": {...}}` document for SaveActivity / POST /activities."""
    return {"ACCMEActivities": {"MedicalEducationMetrics": [_activity(a) for a in activities]}}


def _activity(a: Activity) -> dict[str, Any]:
    ids = (("ACCME Activity ID", a.accme_id), ("Provider Activity ID", a.provider_activity_id))
    credits: dict[str, Any] = {
        "activityCertification": CME_CERTIFICATION,
        "numberOfCredits": json_number(a.credits),
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
        "mocPoints": json_number(m.points),
        "MOCCreditType": list(m.credit_types),
    }
    if m.claim_date is not None:
        out["CreditClaimDate"] = m.claim_date.isoformat()
    return out


def read_activities_json(doc: object) -> list[Activity]:
    """Activities from an `ACCMEActivities` document (or its bare inner object)."""
    root = root_node(doc, "ACCMEActivities", "MedicalEducationMetrics")
    return [_read_activity(item) for item in root.at("MedicalEducationMetrics").each()]


def _read_activity(m: Node) -> Activity:
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
    place = he.get("activityLocation") or Node({}, f"{he.path}.activityLocation")
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
        description=general.maybe("description", Node.text) or None,
        url=ids.get("URL"),
        location=Location(
            city=place.maybe("city", Node.text),
            state=place.maybe("stateOrProvince", Node.text),
            country=place.maybe("country", Node.text),
        ),
        delivery_methods=tuple(
            n.choice(DeliveryMethod) for n in x.dig("DeliveryMethods", "DeliveryMethod")
        ),
        sponsorship=he.at("activitySponsorship").choice(Sponsorship),
        joint_providers=tuple(n.text() for n in credits.dig("nonAccreditedProvider")),
        commercial_support=he.maybe("commercialSupport", Node.flag) or False,
        supporters=tuple(
            _supporter(n) for n in m.dig("ActivityDescription", "commercialSupportAmount")
        ),
        in_kind_supporters=tuple(
            n.at("source").text() for n in x.dig("InKindSupports", "InKindSupport")
        ),
        moc=tuple(_read_moc(n) for n in x.dig("MOCRegistrations", "MOCRegistration")),
        specialties=tuple(n.text() for n in he.dig("targetAudience", "specialty")),
        rems=None if rems is None else rems.at("REMSType").text(),
        rems_id=None if rems is None else rems.maybe("REMSRelatedIdentifier", Node.text),
        physician_learners=physicians,
        other_learners=others,
        for_public_list=x.maybe("ForPublicList", Node.flag),
        action=x.maybe("activityRecordAction", lambda n: n.choice(ActivityAction))
        or ActivityAction.ADD,
        close=x.maybe("closeActivityRecord", Node.flag) or False,
    )


def _supporter(node: Node) -> CommercialSupport:
    currency = node.get("currency")
    if currency is not None and currency.text().strip().upper() != "USD":
        currency.fail("commercial support is reported in USD")
    return CommercialSupport(node.at("supportSource").text(), node.at("value").whole())


def _read_participants(m: Node) -> tuple[int | None, int | None]:
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


def _read_moc(node: Node) -> MocRegistration:
    return MocRegistration(
        board=node.at("boardName").text().strip().upper(),
        points=node.at("mocPoints").decimal(),
        credit_types=node.at("MOCCreditType").texts(),
        claim_date=node.maybe("CreditClaimDate", Node.day),
    )
