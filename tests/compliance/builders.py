"""Small builders for compliance tests: plain domain objects, no ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from cmeledger.domain.activities import Activity, Completion
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import BoardType, Degree, License, MonthDay, Physician

BIRTH = MonthDay(12, 10)
PHYSICIAN_ID = UUID(int=1)
LICENSE_ID = UUID(int=2)


def physician(birth: MonthDay | None = BIRTH) -> Physician:
    return Physician(PHYSICIAN_ID, "Ada", "Lovelace", Degree.MD, birth=birth)


def licence(
    jurisdiction: str,
    expires: date,
    *,
    issued: date | None = None,
    board_type: BoardType = BoardType.MD,
    license_id: UUID = LICENSE_ID,
) -> License:
    return License(
        license_id, PHYSICIAN_ID, jurisdiction, board_type, "X-1", expires=expires, issued=issued
    )


_counter = iter(range(1000, 10**9))


def done(
    on: date,
    hours: str | int = 1,
    type_code: str = "ama_pra_1",
    *topics: str,
    title: str = "Course",
    n: int | None = None,
) -> Completion:
    number = next(_counter) if n is None else n
    return Completion(
        id=UUID(int=number),
        physician_id=PHYSICIAN_ID,
        activity=Activity(UUID(int=number), title, "Demo CME"),
        completed_on=on,
        credits=(CreditClaim(type_code, Decimal(hours)),),
        topics=tuple(topics),
    )
