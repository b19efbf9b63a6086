"""One certificate's text → one `Extracted`: who, what, when, how much, and how sure.

Running text is read with the statement grammar (statements.py); form and table layouts
with their labels (form_fields.py). Each field records how it was found, which sets its
confidence; anything guessed stays below the review threshold.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from cmeledger.domain.activities import ActivityFormat, SourceKind
from cmeledger.domain.credits import CreditRole
from cmeledger.domain.extraction import DatePrecision, Extracted
from cmeledger.importers.certificate_text import flat
from cmeledger.importers.form_fields import read_fields
from cmeledger.importers.names import clean_name
from cmeledger.importers.statements import (
    CreditFinding,
    find_accreditors,
    find_credits,
    find_moc,
    form_credits,
)
from cmeledger.importers.topics import find_topics
from cmeledger.importers.values import FoundDate, find_dates

T = TypeVar("T")
# A certificate is a page of text; anything longer is not one, and the grammar's cost grows
# with length.
MAX_UNIT_CHARS = 20_000

_NAME_END = (
    r"(?:has\s+(?:successfully\s+)?(?:participated|completed|attended|earned)|"
    r"successfully\s+completed|participated|attended|completed|(?:is|was|has\s+been)\s+"
    r"awarded|for\s+(?:successful\s+)?(?:participation|completion))"
)
_NAME_PATTERNS = (
    re.compile(r"certif(?:y|ies)\s+that\s*:?\s*(?P<v>.{3,120}?)\s+" + _NAME_END, re.I),
    re.compile(r"(?:awarded|presented|issued)\s+to\s*:?\s*(?P<v>[^\n]{3,80})", re.I),
    re.compile(r"^(?P<v>[A-Z][^\n]{2,80}?)\s*\n?\s*is\s+awarded\b", re.M),
)
_FORMATS = (
    (r"journal[-\s]based|journal\s+CME|journal\s+article", ActivityFormat.JOURNAL),
    (r"point[-\s]of[-\s]care", ActivityFormat.POINT_OF_CARE),
    (
        r"enduring|online\s+(?:course|activity|module)|web[-\s]based|internet\s+(?:activity|"
        r"enduring)|self[-\s]study|on[-\s]demand|podcast",
        ActivityFormat.ENDURING,
    ),
    (
        r"\blive\b|conference|symposium|grand\s+rounds|workshop|regularly\s+scheduled\s+series|"
        r"annual\s+meeting|summit|webinar",
        ActivityFormat.LIVE,
    ),
)
_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_TITLE_END = (
    rf"(?=(?i:\s*,?\s+(?:on|held\s+on|from|dated|completed\s+on|through|in)\s+(?:\w+day,?\s+)?"
    rf"(?:\d|{_MONTHS})|\s*,?\s+(?:and\s+)?(?:is|was|has\s+been)\s+awarded|\s+for\s+a\s+"
    r"maximum|\s*,\s*(?:has\s+been|presented\s+by|held|sponsored\s+by|an?\s+(?:[\w-]+\s+){0,3}"
    r"(?:activity|material|course|conference|program))|\s+has\s+been|"
    r"\s+for\s+clinical|\s*\.\s|\s*\.?$))"
)
_FORMAT_PHRASE = (
    r"(?:[\w-]+\s+){0,4}?(?:activity|material|course|conference|program(?:me)?|symposium|"
    r"webinar|module|event|series|workshop|meeting|rounds)"
)
_TITLE_PATTERNS = (
    (0.95, re.compile(r"\b(?:titled|entitled)\s*:?\s*\"?(?P<v>.{3,300}?)\"?" + _TITLE_END, re.I)),
    (
        0.9,
        re.compile(
            r"\b(?:attended|completed|participated\s+in|participating\s+in|through)\s+"
            r"(?:the|this|a|an)\s+" + _FORMAT_PHRASE + r"(?:\s+CME\s+activity)?\s*"
            r":?\s*\"?(?P<v>[A-Z0-9#\"].{2,250}?)\"?" + _TITLE_END
        ),
    ),
    (
        0.9,
        re.compile(
            r"\b(?i:for\s+(?:attending|completing|participating\s+in))\s+(?:the\s+)?"
            r"\"?(?P<v>[A-Z0-9#].{2,250}?)\"?" + _TITLE_END
        ),
    ),
    (0.85, re.compile(r"\bactivity,\s*(?P<v>[^,]{3,200}),\s*has\s+been\s+reviewed", re.I)),
)
_EXCLUDED_DATE_CONTEXT = re.compile(
    r"(?:approv|valid|expir|release|begins|issue[ds]?|print|review|accredit|term\s+of|"
    r"original|until|renew|generated|updated|©|copyright)\w*[^.\d]{0,25}$",
    re.IGNORECASE,
)
_HEADING = re.compile(
    r"certificate|statement\s+of|^cme\b|continuing|^office\s+of|record\b|"
    r"^this\s+(?:is|certifies|document)|learning\s+certificate",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Field(Generic[T]):
    value: T | None
    confidence: float


def _plausible_name(name: str) -> bool:
    words = name.split()
    return 2 <= len(words) <= 6 and all(re.match(r"^[A-Z][\w'.-]*$", w) for w in words)


def _learner(text: str, fields: dict[str, str]) -> Field[str]:
    if "name" in fields:
        name = clean_name(fields["name"])
        return Field(name, 0.95 if _plausible_name(name) else 0.6)
    dear = re.search(r"^Dear\s+(?:Dr\.?|Mr\.?|Ms\.?|Mx\.?)\s*(?P<last>[\w'-]+)", text, re.M)
    if dear:  # a letter: the addressee's full name heads the address block
        for line in text.split("\n"):
            name = clean_name(line)
            if dear["last"] in name and _plausible_name(name) and not line.startswith("Dear"):
                return Field(name, 0.9)
    for confidence, pattern in zip((0.95, 0.85, 0.85), _NAME_PATTERNS, strict=True):
        m = pattern.search(text if pattern.flags & re.M else flat(text))
        if m:
            name = clean_name(m.group("v"))
            if _plausible_name(name):
                return Field(name, confidence)
            return Field(None, 0.3)  # a phrase, not a name ("the participant below")
    return Field(None, 0.0)


def _accredited(text: str, fields: dict[str, str]) -> str | None:
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", flat(text)):
        m = re.match(
            r"^(?:In\s+support\s+of\s+improving\s+patient\s+care,\s+)?(?P<v>(?:The\s+)?"
            r"[A-Z][^.;:]{2,150}?)\s+(?:\(provider\s+\w+\)\s+)?(?:is|are)\s+(?:jointly\s+)?"
            r"(?:accredited|a\s+Continuing\s+Professional\s+Education\s+Accredited)",
            sentence.strip(),
        )
        if m:
            return m.group("v").strip(" ,")
    return fields.get("accredited_provider")


_ORG = re.compile(r"^[A-Z][\w&'.,-]*(?:\s+(?:[A-Z][\w&'.,-]*|of|for|and|the|in|&))*$")


def _letterhead(lines: list[str]) -> str | None:
    """The issuing organisation printed at the top, possibly wrapped onto a second line."""
    for i, line in enumerate(lines[:4]):
        if re.search(r"certif(?:y|ies)\s+that|\bawarded\b", line, re.I):
            break  # below the "certifies that" line come the learner and the activity
        if _HEADING.search(line) or len(line.split()) < 2 or re.search(r"\d", line):
            continue
        if _ORG.match(line):
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if nxt and _ORG.match(nxt) and len(nxt.split()) <= 2 and not _HEADING.search(nxt):
                return f"{line} {nxt}".strip(" ,")
            return line.strip(" ,")
    return None


def _provider(text: str, lines: list[str], fields: dict[str, str]) -> Field[str]:
    for line in lines:
        m = re.search(r"^(?P<v>.*?)\s*(?:hereby\s+)?certifies\s+that\b", line, re.IGNORECASE)
        if m and m.group("v").strip(" ,") and not re.match(r"^(?:this|it)\b", m.group("v"), re.I):
            return Field(m.group("v").strip(" ,"), 0.95)
    if "provider" in fields:
        return Field(fields["provider"], 0.95)
    head = _letterhead(lines)
    if head is not None:
        return Field(head, 0.9)
    m = re.search(
        r"(?:^|[.;]\s+)(?P<v>(?:The\s+)?[A-Z][\w&,'.()\s-]{2,150}?)\s+designates\s+"
        r"this",
        flat(text),
    )
    if m:
        return Field(m.group("v").strip(), 0.85)
    accredited = _accredited(text, fields)
    return Field(accredited, 0.8) if accredited else Field(None, 0.0)


def _title(text: str, lines: list[str], fields: dict[str, str]) -> Field[str]:
    flat_text = flat(text)
    m = _TITLE_PATTERNS[0][1].search(flat_text)
    if m:
        return Field(m.group("v").strip(' "'), 0.95)
    if "title" in fields:
        return Field(fields["title"].strip(' "'), 0.95)
    for confidence, pattern in _TITLE_PATTERNS[1:]:
        m = pattern.search(flat_text)
        if m:
            return Field(m.group("v").strip(' "'), confidence)
    for i, line in enumerate(lines):  # "successfully completed" then a format line, a title
        if re.search(r"successfully\s+completed|^completed$", line, re.IGNORECASE):
            rest = [x for x in lines[i + 1 :] if x.strip() and x.lower() != "completed"]
            if rest and _format_of(rest[0]) is not None and len(rest) > 1:
                return Field(rest[1].strip(' "'), 0.9)
            if rest:
                return Field(rest[0].strip(' "'), 0.8)
    return Field(None, 0.0)


def _format_of(text: str) -> ActivityFormat | None:
    for rx, fmt in _FORMATS:
        if re.search(rx, text, re.IGNORECASE):
            return fmt
    return None


def _format(text: str, fields: dict[str, str]) -> ActivityFormat | None:
    if "format" in fields and (fmt := _format_of(fields["format"])) is not None:
        return fmt
    flat_text = flat(text)
    for rx in (
        r"(?:participated\s+in|attended|completed|participating\s+in|through)\s+(?:the|"
        r"this|a|an)\s+(?P<v>" + _FORMAT_PHRASE + ")",
        r"successfully\s+completed\s*[|:]?\s*(?P<v>[^|]{3,60}?)(?:\s*\||$)",
        r"designates\s+this\s+(?P<v>[^.]{3,60}?)\s+for\b",
        r"This\s+(?P<v>[\w\s-]{3,40}?)\s+activity,",
    ):
        m = re.search(rx, flat_text, re.IGNORECASE)
        if m and (fmt := _format_of(m.group("v"))) is not None:
            return fmt
    return _format_of(flat_text[:600])


def _dates(
    text: str, fields: dict[str, str]
) -> tuple[Field[FoundDate], FoundDate | None, FoundDate | None]:
    flat_text = flat(text)
    if "date" in fields:
        dates = find_dates(fields["date"])
        if len(dates) >= 2:
            return Field(dates[-1], 0.95), dates[0], dates[-1]
        if dates:
            return Field(dates[0], 0.95), None, None
    found = find_dates(flat_text)
    usable = [
        d
        for d in found
        if not _EXCLUDED_DATE_CONTEXT.search(flat_text[max(0, d.start - 80) : d.start])
    ]
    for first, second in itertools.pairwise(usable):
        between = flat_text[first.end : second.start]
        if re.fullmatch(r"\s*(?:-|to|through|thru|until|and)\s*", between, re.IGNORECASE):
            return Field(second, 0.95), first, second
    day_range = re.search(
        rf"\b(?P<mon>(?:{_MONTHS})\w*\.?)\s+(?P<a>\d{{1,2}})\s*-\s*"
        r"(?P<b>\d{1,2}),?\s+(?P<y>(?:19|20)\d{2})",
        flat_text,
        re.I,
    )
    if day_range:
        start = find_dates(f"{day_range['mon']} {day_range['a']}, {day_range['y']}")
        end = find_dates(f"{day_range['mon']} {day_range['b']}, {day_range['y']}")
        if start and end:
            return Field(end[0], 0.95), start[0], end[0]
    if not usable:
        return Field(found[0] if found else None, 0.5 if found else 0.0), None, None
    award = [
        d
        for d in usable
        if re.search(
            r"\b(?:on|dated|completed|date|in)\s*[:|]?\s*"
            r"(?:\w+day,?\s+)?$",
            flat_text[max(0, d.start - 40) : d.start],
            re.I,
        )
    ]
    chosen = award[0] if award else usable[0]
    confidence = 0.95 if award or len({d.value for d in usable}) == 1 else 0.8
    return Field(chosen, confidence), None, None


def _merge(*groups: list[CreditFinding]) -> list[CreditFinding]:
    merged: list[CreditFinding] = []
    for group in groups:
        for finding in group:
            c = finding.credit
            if not any(m.credit.type == c.type and m.credit.role is c.role for m in merged):
                merged.append(finding)
    return merged


def parse_certificate(
    text: str, *, source_file: str, page: int | None, method: str, ocr_confidence: float = 1.0
) -> Extracted:
    """Read one certificate. `ocr_confidence` scales every field when the text came from OCR."""
    text = text[:MAX_UNIT_CHARS]
    lines = [line for line in text.split("\n") if line.strip()]
    fields = read_fields(lines)
    learner = _learner(text, fields)
    provider = _provider(text, lines, fields)
    title = _title(text, lines, fields)
    when, start, end = _dates(text, fields)
    credits = _merge(form_credits(fields, text), find_credits(text, lines))
    awarded = [c for c in credits if c.credit.role is CreditRole.AWARDED]
    reasons: list[str] = []
    completion: date | None = None
    precision = DatePrecision.DAY
    if when.value is not None:
        completion = when.value.value
        precision = DatePrecision.RANGE if start is not None else when.value.precision
        if when.value.precision is DatePrecision.MONTH:
            reasons.append("the certificate gives only a month, not a day")
    if not awarded:
        reasons.append(
            "no awarded credit stated (only a designated maximum or hours); enter what you claimed"
        )
    designated = {
        c.credit.type: c.credit.amount for c in credits if c.credit.role is CreditRole.DESIGNATED
    }
    for c in awarded:
        cap = designated.get(c.credit.type)
        if cap is not None and c.credit.amount > cap:
            reasons.append(f"awarded {c.credit.amount} exceeds the designated {cap}")
    credit_conf = (
        0.95
        if awarded and not any(c.typed_from_context for c in awarded)
        else 0.6
        if awarded
        else 0.4
    )
    scale = min(1.0, ocr_confidence)
    confidence = {
        "learner_name": learner.confidence * scale,
        "provider": provider.confidence * scale,
        "title": title.confidence * scale,
        "completion_date": when.confidence * scale,
        "credits": credit_conf * scale,
    }
    accredited = _accredited(text, fields)
    joint: tuple[str, ...] = ()
    jm = re.search(
        r"joint\s+providership\s+of\s+(?P<a>[^.]{2,200}?)\s+and\s+(?P<b>[^.]{2,200}?)\s*\.(?:\s|$)",
        flat(text),
        re.IGNORECASE,
    )
    if jm:
        joint = tuple(p.strip() for p in (jm["a"], jm["b"]) if p.strip() != accredited)
    return Extracted(
        source_file=source_file,
        source_kind=SourceKind.CERTIFICATE,
        method=method,
        page=page,
        learner_name=learner.value,
        provider=provider.value,
        accredited_provider=accredited,
        joint_providers=joint,
        accreditors=find_accreditors(text),
        title=title.value,
        format=_format(text, fields),
        completion_date=completion,
        start_date=None if start is None else start.value,
        end_date=None if end is None else end.value,
        date_precision=precision,
        credits=tuple(c.credit for c in credits),
        moc=tuple(find_moc(text)),
        topics=find_topics(title.value, text),
        field_confidence=confidence,
        review_reasons=tuple(reasons),
    )
