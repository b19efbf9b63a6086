"""Deadlines as an iCalendar (RFC 5545) feed: one all-day event per obligation's due date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from cmeledger.actions.compliance import StatusReport


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """RFC 5545 lines are at most 75 octets; longer ones continue after CRLF and a space."""
    data = line.encode()
    parts: list[str] = []
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
    parts.append(data.decode())
    return [parts[0]] + [" " + p for p in parts[1:]]


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def to_ics(report: StatusReport, *, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//CME Ledger//cmeledger//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:CME deadlines",
    ]
    for o in report.obligations:
        summary = f"CME due: {o.label}"
        if o.remaining_hours:
            summary += f" ({o.remaining_hours} h to go)"
        detail = [
            f"Status on {report.as_of}: {o.status.value}",
            f"Counted {o.counted_hours} of {o.required_hours or 'n/a'} hours",
            f"Rule {o.rule_id}" + (f" ({o.source})" if o.source else ""),
        ]
        detail += [
            f"{t.topic}: {t.counted} of {t.required}"
            for t in o.topics
            if t.required is not None and t.counted < t.required
        ]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{o.id}@cmeledger",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_day(o.due_date)}",
            f"DTEND;VALUE=DATE:{_day(o.due_date + timedelta(days=1))}",
            f"SUMMARY:{_escape(summary)}",
            f"DESCRIPTION:{_escape(chr(10).join(detail))}",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:-P30D",
            f"DESCRIPTION:{_escape(summary)}",
            "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"
