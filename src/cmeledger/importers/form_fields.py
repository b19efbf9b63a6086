"""Label-value layouts ("Participant: …", "Date | …", credit tables) read into fields.

Text extracted from forms often splits a label over two lines ("Activity" / "title:") and
puts its value on the next line; table layouts lose their separators ("Date October 27,
2023"). Labels are matched whole, and only a few table labels may go without a separator.
"""

from __future__ import annotations

import re

# canonical key → label spellings (regex, matched whole, case-insensitive)
LABELS: tuple[tuple[str, str], ...] = (
    ("hours", r"(?:credits?\s*/\s*)?hours\s+of\s+participation"),
    ("accredited_provider", r"accredited\s+provider"),
    (
        "name",
        r"participant(?:\s+name)?|learner(?:\s+name)?|attendee|physician|name|"
        r"awarded\s+to|presented\s+to|recipient",
    ),
    (
        "title",
        r"(?:activity|course|program(?:me)?|session)\s+(?:title|name)|title|activity|"
        r"course|program(?:me)?|module",
    ),
    ("provider", r"provider|sponsor(?:ed\s+by)?|presented\s+by|organi[sz]ation|issued\s+by"),
    (
        "date",
        r"date\s+of\s+(?:participation|completion|attendance)|date\(s\)\s+of\s+program|"
        r"dates?\s+completed|completion\s+date|date\s+awarded|activity\s+dates?|"
        r"date\s+of\s+activity|dates?",
    ),
    ("format", r"activity\s+type|format|activity\s+format"),
    ("credit_type", r"credit\s+type|type\s+of\s+credit"),
    (
        "credits",
        r"credits?\s+(?:awarded|earned|claimed)|claimed\s+credits?|credit\(s\)\s+"
        r"(?:awarded|claimed)|cpeus?\s+awarded|contact\s+hours\s+awarded|credits?|"
        r"amount",
    ),
)
_ANY_LABEL = "|".join(f"(?:{rx})" for _, rx in LABELS)
_LABEL_LINE = re.compile(rf"^(?P<label>{_ANY_LABEL})\s*(?P<sep>[:|])\s*(?P<value>.*)$", re.I)
# Table layouts lose the separator; only these labels are trusted without one.
_BARE_LABEL = re.compile(
    r"^(?P<label>date|credit\s+type|accredited\s+provider|(?:credits?\s*/\s*)?hours\s+of\s+"
    r"participation)\s+"
    r"(?P<value>\S.*)$",
    re.I,
)
_TABLE_HEADER = re.compile(
    r"^credit\s*type\s+(?P<what>credits?\s+awarded|amount|credits?|"
    r"hours|credits?\s+claimed)$",
    re.I,
)
_TABLE_ROW = re.compile(r"^(?P<name>[A-Za-z][^:|]{2,80}?)\s+(?P<n>\d{1,4}(?:\.\d{1,2})?)\*?$")


_WRAPPING = ("title", "provider", "name", "credits")


def label_key(label: str) -> str:
    for key, rx in LABELS:
        if re.fullmatch(rx, label.strip(), re.I):
            return key
    return ""


def _merge_split_labels(lines: list[str]) -> list[str]:
    """ "Activity" + "title:" → "Activity title:"; "Date of" + "participation:" likewise."""
    merged: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and ":" not in line and len(line.split()) <= 4:
            joined = f"{line} {lines[i + 1]}"
            if (
                re.fullmatch(_ANY_LABEL, joined, re.I)
                and not _is_label(line)
                and i + 2 < len(lines)
                and not _is_label(lines[i + 2])
            ):
                merged.append(f"{joined}:")  # a label wrapped over two lines, no separator
                i += 2
                continue
            m = _LABEL_LINE.match(joined)
            if m and not _LABEL_LINE.match(lines[i + 1]) and lines[i + 1].rstrip().endswith(":"):
                merged.append(joined)
                i += 2
                continue
            if (
                m
                and label_key(m.group("label"))
                and re.fullmatch(r"[\w()/\s]+:", lines[i + 1])
                and len(m.group("label").split()) > 1
            ):
                merged.append(joined)
                i += 2
                continue
        merged.append(line)
        i += 1
    return merged


def _is_label(line: str) -> bool:
    return bool(_LABEL_LINE.match(line) or _BARE_LABEL.match(line) or _TABLE_HEADER.match(line))


def _continues(lines: list[str], j: int) -> bool:
    """Whether line j wraps the value above: short, not a label, not a sentence of its own,
    and not the first half of a label split over two lines."""
    line = lines[j]
    words = line.split()
    if j + 1 < len(lines) and lines[j + 1].rstrip().endswith(":") and ":" not in line:
        return False
    return (
        0 < len(words) <= 6
        and ":" not in line
        and not _is_label(line)
        and not line.rstrip().endswith(".")
        and not line[:1].isdigit()
    )


def read_fields(lines: list[str]) -> dict[str, str]:
    """First value per canonical key; credit-table rows come back as `table_rows`."""
    lines = _merge_split_labels([line.strip() for line in lines if line.strip()])
    fields: dict[str, str] = {}
    rows: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _TABLE_HEADER.match(line)
        if header:
            role = "hours" if "hour" in header.group("what").lower() else "awarded"
            j = i + 1
            while j < len(lines) and (row := _TABLE_ROW.match(lines[j])):
                rows.append(f"{role}\t{row.group('name')}\t{row.group('n')}")
                j += 1
            i = j
            continue
        m = _LABEL_LINE.match(line) or _BARE_LABEL.match(line)
        key = label_key(m.group("label")) if m else ""
        if not m or not key:
            i += 1
            continue
        value = m.group("value").strip()
        j = i + 1
        if not value:  # the value sits on the following line(s)
            while j < len(lines) and not _is_label(lines[j]) and len(value.split()) < 25:
                value = f"{value} {lines[j]}".strip()
                j += 1
                if key not in _WRAPPING or not (j < len(lines) and _continues(lines, j)):
                    break
        elif key in _WRAPPING:
            while j < len(lines) and _continues(lines, j) and j - i <= 2:
                value = f"{value} {lines[j]}"
                j += 1
        if key not in fields:
            fields[key] = value
            fields[f"{key}_label"] = m.group("label")
        i = j
    if rows:
        fields["table_rows"] = "\n".join(rows)
    return fields
