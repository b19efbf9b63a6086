"""Builders for test data: small functions with sensible defaults, not fixture chains."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from cmeledger.actions.credits import record_completion
from cmeledger.actions.physicians import add_license, add_physician
from cmeledger.domain.activities import Completion
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import BoardType, Degree, License, MonthDay, Physician
from cmeledger.storage.ledger import Ledger

DEFAULT_BIRTH = MonthDay(12, 10)


def a_physician(
    ledger: Ledger,
    *,
    first: str = "Ada",
    last: str = "Lovelace",
    birth: MonthDay | None = DEFAULT_BIRTH,
    email: str | None = None,
) -> Physician:
    return add_physician(
        ledger, first_name=first, last_name=last, degree=Degree.MD, birth=birth, email=email
    )


def a_license(
    ledger: Ledger, physician_id: UUID, *, jurisdiction: str = "CA", number: str = "A 987654"
) -> License:
    return add_license(
        ledger,
        physician_id,
        jurisdiction=jurisdiction,
        board_type=BoardType.MD,
        number=number,
        expires=date(2027, 6, 30),
    )


def a_completion(
    ledger: Ledger,
    physician_id: UUID,
    *,
    title: str = "Opioid Safety",
    on: date = date(2026, 3, 1),
    amount: str = "1.5",
    topics: tuple[str, ...] = (),
) -> Completion:
    return record_completion(
        ledger,
        physician_id,
        title=title,
        provider="Demo CME",
        completed_on=on,
        credits=[CreditClaim.awarded("ama_pra_1", amount)],
        topics=list(topics),
    )
