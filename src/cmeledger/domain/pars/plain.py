"""Activities as plain JSON-ready dicts (for storage and the REST API), and back.

Not a PARS wire format: those are in `cmeledger.pars` (XML, the draft JSON, Excel). Dates are
ISO strings and amounts decimal strings, so nothing is lost on the way through JSON.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from cmeledger.domain.pars.model import (
    Activity,
    ActivityAction,
    ActivityFormat,
    CommercialSupport,
    DeliveryMethod,
    Location,
    MocRegistration,
    Sponsorship,
)


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def activity_to_plain(a: Activity) -> dict[str, Any]:
    return {
        "provider_id": a.provider_id,
        "title": a.title,
        "format": a.format.value,
        "start": a.start.isoformat(),
        "end": a.end.isoformat(),
        "credits": str(a.credits),
        "accme_id": a.accme_id,
        "provider_activity_id": a.provider_activity_id,
        "description": a.description,
        "url": a.url,
        "location": {
            "city": a.location.city,
            "state": a.location.state,
            "country": a.location.country,
        },
        "delivery_methods": [d.value for d in a.delivery_methods],
        "sponsorship": a.sponsorship.value,
        "joint_providers": list(a.joint_providers),
        "commercial_support": a.commercial_support,
        "supporters": [{"source": s.source, "amount_usd": s.amount_usd} for s in a.supporters],
        "in_kind_supporters": list(a.in_kind_supporters),
        "moc": [
            {
                "board": m.board,
                "points": str(m.points),
                "credit_types": list(m.credit_types),
                "claim_date": None if m.claim_date is None else m.claim_date.isoformat(),
            }
            for m in a.moc
        ],
        "specialties": list(a.specialties),
        "rems": a.rems,
        "rems_id": a.rems_id,
        "physician_learners": a.physician_learners,
        "other_learners": a.other_learners,
        "for_public_list": a.for_public_list,
        "action": a.action.value,
        "close": a.close,
    }


def activity_from_plain(d: dict[str, Any]) -> Activity:
    where = d.get("location") or {}
    start, end = _day(d["start"]), _day(d["end"])
    assert start is not None and end is not None
    return Activity(
        provider_id=str(d["provider_id"]),
        title=str(d["title"]),
        format=ActivityFormat(d["format"]),
        start=start,
        end=end,
        credits=Decimal(str(d["credits"])),
        accme_id=d.get("accme_id"),
        provider_activity_id=d.get("provider_activity_id"),
        description=d.get("description"),
        url=d.get("url"),
        location=Location(where.get("city"), where.get("state"), where.get("country")),
        delivery_methods=tuple(DeliveryMethod(x) for x in d.get("delivery_methods", ())),
        sponsorship=Sponsorship(d.get("sponsorship", "direct")),
        joint_providers=tuple(d.get("joint_providers", ())),
        commercial_support=bool(d.get("commercial_support", False)),
        supporters=tuple(
            CommercialSupport(str(s["source"]), int(s["amount_usd"]))
            for s in d.get("supporters", ())
        ),
        in_kind_supporters=tuple(d.get("in_kind_supporters", ())),
        moc=tuple(
            MocRegistration(
                board=str(m["board"]),
                points=Decimal(str(m["points"])),
                credit_types=tuple(m.get("credit_types", ())),
                claim_date=_day(m.get("claim_date")),
            )
            for m in d.get("moc", ())
        ),
        specialties=tuple(d.get("specialties", ())),
        rems=d.get("rems"),
        rems_id=d.get("rems_id"),
        physician_learners=d.get("physician_learners"),
        other_learners=d.get("other_learners"),
        for_public_list=d.get("for_public_list"),
        action=ActivityAction(d.get("action", "Add")),
        close=bool(d.get("close", False)),
    )
