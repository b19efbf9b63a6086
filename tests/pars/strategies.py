"""Hypothesis strategies for PARS values, shared by the codec, wire and sandbox tests.

Two families:

* `activities()` / `learner_records()` draw anything a document codec must carry unchanged:
  every optional field present or absent, text in any script, amounts that are not always
  quarter steps. They are not always valid for PARS's business rules.
* `valid_pairs()` draws an activity and a learner record that `validate_learner` accepts
  (quarter-step credits within the designated amounts, a matching MOC registration, a
  completion inside the activity's dates), for tests that go through the rules.

Text is what XML and JSON both carry unchanged: no control characters, surrogates or
non-characters, and no leading or trailing whitespace (readers strip it).
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st
from lxml import etree

from cmeledger.domain.pars.model import (
    CME_CERTIFICATION,
    Activity,
    ActivityAction,
    ActivityFormat,
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
from cmeledger.domain.pars.vocabulary import MOC_CREDIT_TYPES, US_STATES
from cmeledger.domain.people import MonthDay

BOARDS = sorted(MOC_CREDIT_TYPES)
STATES = sorted(US_STATES)
COUNTRIES = ("USA", "CAN", "MEX", "GBR", "DEU", "IND", "JPN", "BRA")

text = (
    st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)
long_text = (
    st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=400)
    .map(str.strip)
    .filter(bool)
)


def digit_strings(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


provider_ids = digit_strings(7)
accme_ids = digit_strings(9)
days = st.dates(date(1990, 1, 1), date(2099, 12, 31))
# 2000 was a leap year, so 29 February is among the birthdays drawn.
birthdays = st.dates(date(2000, 1, 1), date(2000, 12, 31)).map(lambda d: MonthDay(d.month, d.day))
quarters = st.integers(min_value=1, max_value=800).map(lambda n: Decimal(n) / 4)
amounts = quarters | st.decimals(
    min_value=0, max_value=100_000, places=3, allow_nan=False, allow_infinity=False
)
credit_ids = st.from_regex(r"\Accid:[a-z0-9]{1,12}(\.[a-z]{2,6})?:[A-Za-z0-9._-]{1,40}\Z")


def npi_from(nine: str) -> str:
    """The 10-digit NPI whose first nine digits are `nine` (Luhn over the 80840 prefix)."""
    digits = [int(c) for c in "80840" + nine]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 0:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return nine + str((10 - total % 10) % 10)


npis = digit_strings(9).map(npi_from)


@st.composite
def moc_registrations(draw: st.DrawFn, board: str | None = None) -> MocRegistration:
    chosen = board or draw(st.sampled_from(BOARDS))
    kinds = draw(st.lists(st.sampled_from(MOC_CREDIT_TYPES[chosen]), min_size=1, unique=True))
    return MocRegistration(chosen, draw(quarters), tuple(kinds), draw(st.none() | days))


@st.composite
def activities(draw: st.DrawFn) -> Activity:
    """Any activity a codec must carry, with each optional field present or absent."""
    start = draw(days)
    boards = draw(st.lists(st.sampled_from(BOARDS), unique=True, max_size=3))
    return Activity(
        provider_id=draw(provider_ids),
        title=draw(long_text),
        format=draw(st.sampled_from(ActivityFormat)),
        start=start,
        end=start + timedelta(days=draw(st.integers(0, 1100))),
        credits=draw(amounts),
        accme_id=draw(st.none() | accme_ids),
        provider_activity_id=draw(st.none() | text),
        description=draw(st.none() | long_text),
        url=draw(st.none() | st.just("https://cme.example.org/a?b=1&c=2") | text),
        location=Location(
            draw(st.none() | text),
            draw(st.none() | st.sampled_from(STATES)),
            draw(st.none() | st.sampled_from(COUNTRIES)),
        ),
        delivery_methods=tuple(draw(st.lists(st.sampled_from(DeliveryMethod), unique=True))),
        sponsorship=draw(st.sampled_from(Sponsorship)),
        joint_providers=tuple(draw(st.lists(text, max_size=3))),
        commercial_support=draw(st.booleans()),
        supporters=tuple(
            draw(st.lists(st.builds(CommercialSupport, text, st.integers(0, 10**9)), max_size=3))
        ),
        in_kind_supporters=tuple(draw(st.lists(text, max_size=3))),
        moc=tuple(draw(moc_registrations(b)) for b in boards),
        specialties=tuple(draw(st.lists(text, max_size=3))),
        rems=draw(st.none() | st.sampled_from(["Opioid Analgesic", "Mycophenolate"])),
        rems_id=draw(st.none() | st.from_regex(r"\AEG-\d{6}-\d{3}\Z")),
        physician_learners=draw(st.none() | st.integers(0, 10**6)),
        other_learners=draw(st.none() | st.integers(0, 10**6)),
        for_public_list=draw(st.none() | st.booleans()),
        action=draw(st.sampled_from(ActivityAction)),
        close=draw(st.booleans()),
    )


@st.composite
def learners(draw: st.DrawFn) -> Learner:
    """A learner with any mix of identifiers: a state with or without its licence number (an
    NPI-identified learner names the state only), an NPI, a board with or without its ID."""
    state = draw(st.none() | st.sampled_from(STATES))
    board = draw(st.none() | st.sampled_from(BOARDS))
    return Learner(
        first_name=draw(text),
        last_name=draw(text),
        birth=draw(birthdays),
        license_state=state,
        license_number=draw(st.none() | st.from_regex(r"\A[A-Z]{0,2}\d{4,9}\Z")) if state else None,
        npi=draw(st.none() | npis),
        board=board,
        board_id=draw(st.none() | digit_strings(6)) if board else None,
    )


@st.composite
def learner_credits(draw: st.DrawFn, learner: Learner, n: int) -> tuple[LearnerCredit, ...]:
    """`n` credits with distinct IDs: CME, or MOC points of the learner's board (any board
    when the learner names none, as ABS allows)."""
    ids = draw(st.lists(credit_ids, min_size=n, max_size=n, unique=True))
    out: list[LearnerCredit] = []
    for credit_id in ids:
        if draw(st.booleans()):
            out.append(LearnerCredit(credit_id, CME_CERTIFICATION, draw(amounts)))
            continue
        board = learner.board or draw(st.sampled_from(BOARDS))
        kind = draw(st.sampled_from(MOC_CREDIT_TYPES[board]))
        out.append(LearnerCredit(credit_id, kind, draw(amounts), board))
    return tuple(out)


@st.composite
def learner_records(draw: st.DrawFn, consent: bool = True) -> LearnerRecord:
    """Any learner record a codec must carry."""
    learner = draw(learners())
    provider = draw(provider_ids)
    organization = draw(st.none() | text.filter(lambda t: t != provider))
    return LearnerRecord(
        provider_id=provider,
        accme_activity_id=draw(accme_ids),
        activity_title=draw(long_text),
        learner=learner,
        completed_on=draw(days),
        credits=draw(learner_credits(learner, draw(st.integers(1, 4)))),
        consent=consent,
        action=draw(st.sampled_from(RecordAction)),
        reporting_organization=organization,
    )


@st.composite
def valid_pairs(draw: st.DrawFn, today: date = date(2026, 6, 1)) -> tuple[Activity, LearnerRecord]:
    """An activity and a record of it that `validate_learner(record, activity, ParsRules(),
    today)` accepts: the record completes inside the activity's dates within the reporting
    window, CME within the designated credits, MOC within the board's registration."""
    start = draw(st.dates(date(today.year, 1, 1), today - timedelta(days=1)))
    end = min(start + timedelta(days=draw(st.integers(0, 300))), today)
    board = draw(st.sampled_from(["ABIM", "ABA", "ABOHNS", "ABS"]))
    reg = MocRegistration(board, Decimal(4), MOC_CREDIT_TYPES[board], None)
    activity = Activity(
        provider_id=draw(provider_ids),
        title=draw(text),
        format=ActivityFormat.ENDURING,
        start=start,
        end=end,
        credits=Decimal(8),
        accme_id=draw(accme_ids),
        description=draw(text),
        delivery_methods=(DeliveryMethod.ONLINE,),
        moc=(reg,),
    )
    learner = Learner(
        draw(text),
        draw(text),
        draw(birthdays),
        license_state=draw(st.sampled_from(STATES)),
        license_number=draw(st.from_regex(r"\A[A-Z]\d{6}\Z")),
        npi=draw(st.none() | npis),
        board=board,
        board_id=draw(digit_strings(6)),
    )
    ids = draw(st.lists(credit_ids, min_size=2, max_size=2, unique=True))
    credits = (
        LearnerCredit(ids[0], CME_CERTIFICATION, draw(quarters.filter(lambda q: q <= 8))),
        LearnerCredit(
            ids[1],
            draw(st.sampled_from(MOC_CREDIT_TYPES[board])),
            draw(quarters.filter(lambda q: q <= 4)),
            board,
        ),
    )
    record = LearnerRecord(
        provider_id=activity.provider_id,
        accme_activity_id=activity.accme_id or "",
        activity_title=activity.title,
        learner=learner,
        completed_on=draw(st.dates(start, end)),
        credits=credits,
        consent=True,
    )
    return activity, record


@st.composite
def xml_mutations(draw: st.DrawFn, document: bytes) -> bytes:
    """`document` damaged one way: an element's text replaced, an element dropped, doubled or
    renamed, an attribute changed, or the bytes cut short or altered. For fuzzing readers."""
    how = draw(st.sampled_from(["text", "drop", "double", "rename", "attr", "cut", "byte"]))
    if how == "cut":
        return document[: draw(st.integers(0, len(document) - 1))]
    if how == "byte":
        at = draw(st.integers(0, len(document) - 1))
        return document[:at] + bytes([draw(st.integers(0, 255))]) + document[at + 1 :]
    root = etree.fromstring(document)
    elements = list(root.iter())
    target = elements[draw(st.integers(0, len(elements) - 1))]
    parent = target.getparent()
    words = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), max_size=20)
    if how == "text":
        target.text = draw(words | st.sampled_from(["-1", "1e5", "NaN", "2026-02-30", "x" * 500]))
    elif how == "drop" and parent is not None:
        parent.remove(target)
    elif how == "double" and parent is not None:
        parent.insert(parent.index(target), copy.deepcopy(target))
    elif how == "rename":
        target.tag = draw(st.from_regex(r"\A[A-Za-z][A-Za-z0-9]{0,12}\Z"))
    elif how == "attr":
        target.set(
            draw(st.sampled_from(["moduleID", "domain", "category", "supportSource"])), draw(words)
        )
    return bytes(etree.tostring(root))
