"""One certificate's text → one `Extracted`: who, what, when, how much, and how sure."""

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
from cmeledger.importers.statements import find_accreditors, find_credits, find_moc
from cmeledger.importers.topics import find_topics
from cmeledger.importers.values import FoundDate, find_dates

_DEGREES = (
    r"M\.?D|D\.?O|Ph\.?D|PharmD|Pharm\.?D|PA-?C|PA|NP|FNP-?BC|FNP|APRN|RN|BSN|MSN|DNP|"
    r"MPH|MBA|MS|MSc|BS|BA|MBBS|FACP|FACS|FAAP|FAAFP|FACC|FACEP|FRCPC|DDS|DMD|OD|DPM|"
    r"CRNA|RD|RDN|CNM|MHA|MHS|JD|Jr|Sr|II|III"
)
_LICENCE = re.compile(
    r"[\s,(]*(?:(?:State\s+)?(?:Medical\s+)?Licen[cs]e|Lic\.?)\s*(?:No\.?|"
    r"Number|#)?\s*[:#]?\s*[A-Z]{0,3}[-\s]?\d[\w-]*\)?|\s*#\s*[A-Z]{0,3}\d[\w-]*",
    re.IGNORECASE,
)
_NAME_END = (
    r"(?:has\s+(?:successfully\s+)?(?:participated|completed|attended|earned)|"
    r"successfully\s+completed|participated|attended|completed|(?:is|was)\s+awarded|"
    r"for\s+(?:successful\s+)?(?:participation|completion))"
)
_NAME_PATTERNS = (
    re.compile(r"certif(?:y|ies)\s+that\s*:?\s*(?P<v>.{3,120}?)\s+" + _NAME_END, re.I),
    re.compile(r"(?:awarded|presented|issued)\s+to\s*:?\s*(?P<v>[^\n]{3,80})", re.I),
    re.compile(r"^(?P<v>[A-Z][^\n]{2,80}?)\s+is\s+awarded\b", re.M),
)
_LABELS = {
    "name": r"(?:Name|Participant(?:\s+Name)?|Learner(?:\s+Name)?|Attendee|Physician)",
    "title": r"(?:Activity\s+Title|Course\s+Title|Title|Activity|Course|Program(?:\s+Title)?)",
    "provider": r"(?:Accredited\s+Provider|Provider|Sponsor(?:ed\s+by)?|Presented\s+by|"
    r"Organization)",
    "date": r"(?:Date\s+of\s+Completion|Completion\s+Date|Date\s+Completed|Activity\s+Date|"
    r"Date\s+Awarded|Date)",
}
_FORMATS = (
    (r"journal[-\s]based|journal\s+CME|journal\s+article", ActivityFormat.JOURNAL),
    (r"point[-\s]of[-\s]care", ActivityFormat.POINT_OF_CARE),
    (
        r"enduring|online\s+(?:course|activity|module)|web[-\s]based|internet\s+(?:activity|"
        r"enduring)|self[-\s]study|on[-\s]demand|podcast",
        ActivityFormat.ENDURING,
    ),
    (
        r"live\s+(?:activity|event|course|webinar|virtual)|conference|symposium|grand\s+rounds|"
        r"workshop|regularly\s+scheduled\s+series|annual\s+meeting|summit",
        ActivityFormat.LIVE,
    ),
)
_TITLE_END = (
    r"(?=\s*,?\s+(?:on|held\s+on|from|dated|completed\s+on|through)\s+(?:\w+day,?\s+)?"
    r"(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|\s+and\s+(?:is|was)\s+"
    r"awarded|\s+for\s+a\s+maximum|\s*,\s*has\s+been|\s+has\s+been|\s*\.\s|\s*$)"
)
_TITLE_PATTERNS = (
    re.compile(r"\b(?:titled|entitled)\s*:?\s*\"?(?P<v>.{3,300}?)\"?" + _TITLE_END, re.I),
    re.compile(r"\bactivity,\s*(?P<v>[^,]{3,200}),\s*has\s+been\s+reviewed", re.I),
)
_EXCLUDED_DATE_CONTEXT = re.compile(
    r"(?:approv|valid|expir|release|begins|issue[ds]?|print|review|accredit|term\s+of|"
    r"original|until|renew|generated|updated)\w*[^.\d]{0,25}$",
    re.IGNORECASE,
)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Field(Generic[T]):
    value: T | None
    confidence: float


def _labelled(lines: list[str], label: str) -> str | None:
    rx = re.compile(rf"^{_LABELS[label]}\s*[:|]\s*(?P<v>.+)$", re.IGNORECASE)
    for line in lines:
        m = rx.match(line)
        if m and m.group("v").strip():
            return m.group("v").strip()
    return None


def clean_name(raw: str) -> str:
    name = _LICENCE.sub("", raw)
    name = re.sub(r"^(?:Dr\.?|Doctor)\s+", "", name.strip(), flags=re.I)
    previous = None
    while previous != name:
        previous = name
        name = re.sub(rf"[,\s]+(?:{_DEGREES})\.?\s*$", "", name).strip()
    return re.sub(r"\s+", " ", name).strip(" ,;:|")


def _learner(text: str, lines: list[str]) -> Field[str]:
    labelled = _labelled(lines, "name")
    if labelled:
        return Field(clean_name(labelled), 0.95)
    for confidence, pattern in zip((0.95, 0.85, 0.8), _NAME_PATTERNS, strict=True):
        m = pattern.search(text if pattern.flags & re.M else flat(text))
        if m:
            name = clean_name(m.group("v"))
            words = name.split()
            if 2 <= len(words) <= 6 and all(re.match(r"^[A-Z][\w'.-]*$", w) for w in words):
                return Field(name, confidence)
            return Field(name or None, 0.5)
    return Field(None, 0.0)


_ORG_END = r"(?:,?\s+(?:Inc|LLC|Ltd)\.?)?"


def _provider(text: str, lines: list[str]) -> tuple[Field[str], str | None, tuple[str, ...]]:
    flat_text = flat(text)
    accredited = None
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])|\n", text):
        m = re.match(
            r"^(?:In\s+support\s+of\s+improving\s+patient\s+care,\s+)?(?P<v>(?:The\s+)?"
            r"[A-Z][^.;]{2,150}?)\s+(?:is|are)\s+(?:jointly\s+)?accredited\s+(?:by|as)",
            sentence.strip(),
        )
        if m:
            accredited = m.group("v").strip(" ,")
            break
    joint: tuple[str, ...] = ()
    jm = re.search(
        r"joint\s+providership\s+of\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)\s*\.(?:\s|$)",
        flat_text,
        re.IGNORECASE,
    )
    if jm:
        pair = (jm.group("a").strip(), jm.group("b").strip())
        joint = tuple(p for p in pair if p != accredited)
    for i, line in enumerate(lines):
        cm = re.search(r"^(?P<v>.*?)\s*(?:hereby\s+)?certifies\s+that\b", line, re.IGNORECASE)
        if cm is None:
            continue
        before = cm.group("v").strip(" ,")
        if before and not re.match(r"^(?:this|it)\b", before, re.IGNORECASE):
            return Field(before, 0.95), accredited, joint
        for prev in reversed(lines[:i]):
            if prev and not re.search(
                r"certificate|statement\s+of|^cme\b|continuing", prev, re.IGNORECASE
            ):
                return Field(prev.strip(" ,"), 0.85), accredited, joint
    labelled = _labelled(lines, "provider")
    if labelled:
        if any(re.match(r"^Accredited\s+Provider\s*[:|]", line, re.I) for line in lines):
            accredited = accredited or labelled
        return Field(labelled, 0.95), accredited, joint
    dm = re.search(
        r"(?:^|[.;]\s+)(?P<v>(?:The\s+)?[A-Z][\w&,'.()\s-]{2,150}?)\s+designates\s+"
        r"this",
        flat_text,
    )
    if dm:
        return Field(dm.group("v").strip(), 0.85), accredited, joint
    if accredited:
        return Field(accredited, 0.8), accredited, joint
    return Field(None, 0.0), accredited, joint


def _title(text: str, lines: list[str]) -> Field[str]:
    labelled = _labelled(lines, "title")
    if labelled:
        return Field(labelled.strip('"'), 0.95)
    flat_text = flat(text)
    for confidence, pattern in zip((0.95, 0.85), _TITLE_PATTERNS, strict=True):
        m = pattern.search(flat_text)
        if m:
            return Field(m.group("v").strip(' "'), confidence)
    for i, line in enumerate(lines):  # "successfully completed | <format>" then the title
        if re.search(r"successfully\s+completed", line, re.IGNORECASE):
            rest = [x for x in lines[i + 1 :] if x.strip()]
            if _format_of(line) is not None and rest:
                return Field(rest[0].strip(' "'), 0.9)
            if len(rest) > 1 and _format_of(rest[0]) is not None:
                return Field(rest[1].strip(' "'), 0.9)
            if rest:
                return Field(rest[0].strip(' "'), 0.8)
    return Field(None, 0.0)


def _format_of(text: str) -> ActivityFormat | None:
    for rx, fmt in _FORMATS:
        if re.search(rx, text, re.IGNORECASE):
            return fmt
    return None


def _format(text: str) -> ActivityFormat | None:
    flat_text = flat(text)
    for rx in (
        r"participated\s+in\s+(?:the|this|a|an)\s+(?P<v>[^.]{3,60}?)\s+(?:titled|entitled)",
        r"successfully\s+completed\s*[|:]?\s*(?P<v>[^|]{3,60}?)(?:\s*\||$)",
        r"designates\s+this\s+(?P<v>[^.]{3,60}?)\s+for\b",
        r"This\s+(?P<v>[\w\s-]{3,40}?)\s+activity,",
    ):
        m = re.search(rx, flat_text, re.IGNORECASE)
        if m and (fmt := _format_of(m.group("v"))) is not None:
            return fmt
    return _format_of(flat_text[:400])


def _dates(
    text: str, lines: list[str]
) -> tuple[Field[FoundDate], FoundDate | None, FoundDate | None]:
    flat_text = flat(text)
    labelled = _labelled(lines, "date")
    if labelled:
        dates = find_dates(labelled)
        if len(dates) >= 2:
            return Field(dates[-1], 0.95), dates[0], dates[-1]
        if dates:
            return Field(dates[0], 0.95), None, None
    found = find_dates(flat_text)
    usable = [d for d in found if not _EXCLUDED_DATE_CONTEXT.search(flat_text[: d.start])]
    for first, second in itertools.pairwise(usable):
        between = flat_text[first.end : second.start]
        if re.fullmatch(r"\s*(?:-|to|through|thru|until)\s*", between, re.IGNORECASE):
            return Field(second, 0.95), first, second
    if not usable:
        return Field(found[0] if found else None, 0.5 if found else 0.0), None, None
    award = [
        d
        for d in usable
        if re.search(
            r"\b(?:on|dated|completed|date)\s*[:|]?\s*(?:\w+day,?"
            r"\s+)?$",
            flat_text[: d.start],
            re.IGNORECASE,
        )
    ]
    chosen = award[0] if award else usable[0]
    distinct = {d.value for d in usable}
    confidence = 0.95 if award or len(distinct) == 1 else 0.8
    return Field(chosen, confidence), None, None


def parse_certificate(
    text: str, *, source_file: str, page: int | None, method: str, ocr_confidence: float = 1.0
) -> Extracted:
    """Read one certificate. `ocr_confidence` scales every field when the text came from OCR."""
    lines = [line for line in text.split("\n") if line.strip()]
    learner = _learner(text, lines)
    provider, accredited, joint = _provider(text, lines)
    title = _title(text, lines)
    when, start, end = _dates(text, lines)
    credits = find_credits(text, lines)
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
        format=_format(text),
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
