"""Reminder e-mails before due dates: which are due, what they say, sending each only once.

Lead times come from settings (`reminder_days`, 90, 30 and 7 by default). An obligation that
is not met and falls due in `d` days (0 ≤ d) is due for the reminder of the shortest lead time
that is at least `d`: 45 days out gets the 90-day one, 20 days out the 30-day one. A lead time
that was missed (the ledger did not run then) is not sent late, so nobody gets three e-mails
on one day. Overdue obligations get no reminder: the due date has passed.

Each reminder (physician, obligation, due date, lead time) goes out once, whoever sends it:
an organisation for its members who consent to share, or the ledger's owner (the CLI, for
every physician with an e-mail address). Its key is claimed in `reminders_sent` before the
message is handed to the server, and released again if the server does not take it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from email.message import EmailMessage
from uuid import UUID

from cmeledger.actions.compliance import compliance_status
from cmeledger.actions.roster import sharing_physicians
from cmeledger.audit import events
from cmeledger.domain.compliance import Obligation, Status
from cmeledger.errors import ConfigurationError
from cmeledger.mail.message import AddressError, build_message, parse_address
from cmeledger.mail.smtp import Mailer, MailError, RecipientRefusedError
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.accounts import Organisation
from cmeledger.storage.repositories.physicians import PhysicianSummary
from cmeledger.storage.repositories.reminders import ReminderKey

_PAGE = 500
_STATUS_WORDS = {
    Status.AT_RISK: "at risk",
    Status.ON_TRACK: "on track, not yet met",
    Status.OVERDUE: "overdue",
}


@dataclass(frozen=True, slots=True)
class ReminderConfig:
    sender: str
    lead_days: tuple[int, ...]
    portal_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderConfig:
        leads = tuple(sorted({d for d in settings.reminder_days if d >= 0}, reverse=True))
        return cls(settings.mail_from, leads, settings.public_url.rstrip("/"))


@dataclass(frozen=True, slots=True)
class Reminder:
    physician_id: UUID
    physician_name: str
    recipient: str
    obligation_id: str
    obligation: str
    due_date: date
    days_left: int
    days_before: int
    status: Status
    required_hours: Decimal | None
    counted_hours: Decimal
    remaining_hours: Decimal
    missing_topics: tuple[str, ...]

    @property
    def key(self) -> ReminderKey:
        return ReminderKey(self.physician_id, self.obligation_id, self.due_date, self.days_before)


@dataclass(frozen=True, slots=True)
class Skipped:
    physician_id: UUID
    physician_name: str
    reason: str


@dataclass
class ReminderRun:
    """What a run did. `error` is set when the mail server stopped taking messages part-way:
    the reminders in `sent` went out (and are recorded), those in `not_sent` did not."""

    as_of: date
    dry_run: bool
    organisation: Organisation | None
    would_send: list[Reminder] = field(default_factory=list)
    sent: list[Reminder] = field(default_factory=list)
    failed: list[tuple[Reminder, str]] = field(default_factory=list)
    not_sent: list[Reminder] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    error: str | None = None


def lead_time(days_left: int, leads: Sequence[int]) -> int | None:
    """The lead time whose reminder is due `days_left` days before the due date, if any."""
    if days_left < 0:
        return None
    fitting = [d for d in leads if days_left <= d]
    return min(fitting) if fitting else None


def _hours(value: Decimal) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _missing_topics(obligation: Obligation) -> tuple[str, ...]:
    return tuple(
        f"{t.topic.replace('_', ' ')} ({_hours(t.counted)} of {_hours(t.required)} h)"
        for t in obligation.topics
        if t.applies and t.required is not None and t.counted < t.required
    )


def reminders_for(
    summary: PhysicianSummary, obligations: Sequence[Obligation], as_of: date, leads: Sequence[int]
) -> list[Reminder]:
    """The reminders due on `as_of` for one physician's obligations (before de-duplication);
    `recipient` is empty when the physician has no e-mail address on file."""
    found: list[Reminder] = []
    for o in obligations:
        if o.status in (Status.MET, Status.NOT_APPLICABLE):
            continue
        days_left = (o.due_date - as_of).days
        lead = lead_time(days_left, leads)
        if lead is None:
            continue
        found.append(
            Reminder(
                physician_id=summary.id,
                physician_name=f"{summary.first_name} {summary.last_name}",
                recipient=summary.email or "",
                obligation_id=o.id,
                obligation=o.label,
                due_date=o.due_date,
                days_left=days_left,
                days_before=lead,
                status=o.status,
                required_hours=o.required_hours,
                counted_hours=o.counted_hours,
                remaining_hours=o.remaining_hours,
                missing_topics=_missing_topics(o),
            )
        )
    return found


def _when(days_left: int) -> str:
    return {0: "today", 1: "tomorrow"}.get(days_left, f"in {days_left} days")


def compose(
    reminder: Reminder,
    config: ReminderConfig,
    organisation: Organisation | None,
    *,
    at: datetime,
) -> EmailMessage:
    """The reminder as an e-mail (pure: no I/O)."""
    r = reminder
    due = f"{r.due_date:%-d %b %Y} ({r.due_date.isoformat()})"
    subject = (
        f"CME reminder: {r.obligation} due {r.due_date:%-d %b %Y}, "
        f"{_hours(r.remaining_hours)} h to go"
        if r.remaining_hours > 0
        else f"CME reminder: {r.obligation} due {r.due_date:%-d %b %Y}, topics missing"
    )
    required = "" if r.required_hours is None else f" of {_hours(r.required_hours)} required"
    lines = [
        f"Dear {r.physician_name},",
        "",
        f"Your CME for the {r.obligation} is not complete yet and is due {_when(r.days_left)}.",
        "",
        f"  Due date:        {due}",
        f"  Remaining hours: {_hours(r.remaining_hours)}{required}",
        f"  Counted so far:  {_hours(r.counted_hours)} h",
        f"  Status:          {_STATUS_WORDS.get(r.status, r.status.value)}",
    ]
    if r.missing_topics:
        lines.append(f"  Topics missing:  {'; '.join(r.missing_topics)}")
    lines += [
        "",
        f"Your ledger shows what to take next: {config.portal_url}/",
        "",
    ]
    if organisation is not None:
        lines.append(
            f"{organisation.name} sends this reminder because you share your CME status with "
            f"it. You can stop sharing at any time under Account: {config.portal_url}/account"
        )
    else:
        lines.append(
            f"CME Ledger sends this reminder {r.days_before} days before each due date "
            "that is not met yet."
        )
    lines += ["", "-- ", "CME Ledger"]
    return build_message(
        sender=config.sender,
        to=r.recipient,
        to_name=r.physician_name,
        subject=subject,
        text="\n".join(lines) + "\n",
        at=at,
    )


def _physicians(ledger: Ledger, organisation_id: UUID | None) -> Iterator[PhysicianSummary]:
    if organisation_id is not None:
        yield from sharing_physicians(ledger, organisation_id)
        return
    offset = 0
    while True:
        page = ledger.physicians.summaries(limit=_PAGE, offset=offset)
        yield from page
        if len(page) < _PAGE:
            return
        offset += _PAGE


def due_reminders(
    ledger: Ledger,
    leads: Sequence[int],
    *,
    as_of: date,
    organisation_id: UUID | None = None,
) -> tuple[list[Reminder], list[Skipped]]:
    """Reminders due on `as_of` and not sent before; physicians with no address are skipped
    (only those with something due, so the list says who would have been reminded)."""
    found: list[Reminder] = []
    skipped: list[Skipped] = []
    for summary in _physicians(ledger, organisation_id):
        obligations = compliance_status(ledger, summary.id, as_of).obligations
        due = reminders_for(summary, obligations, as_of, leads)
        if due and not summary.email:
            skipped.append(Skipped(summary.id, summary.display_name, "no e-mail address on file"))
        elif due:
            found += due
    sent = ledger.reminders.sent_keys({r.physician_id for r in found})
    return [r for r in found if r.key not in sent], skipped


def send_reminders(
    ledger: Ledger,
    config: ReminderConfig,
    mailer: Mailer | None,
    *,
    as_of: date,
    organisation_id: UUID | None = None,
    dry_run: bool = False,
) -> ReminderRun:
    """Send the reminders due on `as_of` (or, with `dry_run`, only list them).

    Raises MailError, with nothing recorded, when the server cannot be reached or refuses
    the first message. If it stops part-way, the run returns with `error` set: what went out
    stays recorded (the caller must commit), so the next run sends only the rest.
    """
    organisation = (
        None if organisation_id is None else ledger.accounts.organisation(organisation_id)
    )
    due, skipped = due_reminders(
        ledger, config.lead_days, as_of=as_of, organisation_id=organisation_id
    )
    run = ReminderRun(as_of, dry_run, organisation, skipped=skipped)
    if dry_run or not due:
        run.would_send = due
        return run
    if mailer is None:
        raise ConfigurationError("no mail server is configured: set CMELEDGER_SMTP_URL")
    try:
        parse_address(config.sender, "sender")
    except AddressError as exc:
        raise ConfigurationError(f"CMELEDGER_MAIL_FROM: {exc}") from None
    sent_log = ledger.reminders
    with mailer.connect() as outbox:
        for index, reminder in enumerate(due):
            try:
                message = compose(reminder, config, organisation, at=datetime.now(UTC))
            except AddressError as exc:  # an address on file that no server would take
                run.failed.append((reminder, str(exc)))
                continue
            if not sent_log.claim(reminder.key):
                continue  # a run at the same moment sent it
            try:
                outbox.send(message)
            except RecipientRefusedError as exc:
                sent_log.release(reminder.key)
                run.failed.append((reminder, str(exc)))
                continue
            except MailError as exc:
                sent_log.release(reminder.key)
                if not run.sent:
                    raise
                run.error = str(exc)
                run.not_sent = due[index:]
                break
            ledger.audit.record(
                events.REMINDER_SENT,
                "obligation",
                reminder.obligation_id,
                physician_id=reminder.physician_id,
                due=reminder.due_date.isoformat(),
                days_before=reminder.days_before,
                organisation_id=None if organisation is None else str(organisation.id),
            )
            run.sent.append(reminder)
    return run
