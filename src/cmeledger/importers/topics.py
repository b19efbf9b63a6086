"""State-mandate topics (opioids, implicit bias, human trafficking, …) found in a certificate.

A topic is tagged when the title names it or a rider sentence says the activity meets a
requirement about it; the sentence (or the title) is kept as evidence for the reviewer.
"""

from __future__ import annotations

import re

from cmeledger.domain.extraction import TopicEvidence

TOPIC_PATTERNS: dict[str, str] = {
    "opioid_prescribing": r"\bopioids?\b|\bopiates?\b|controlled\s+substances?\s+prescrib",
    "pain_management": r"pain\s+management|chronic\s+pain|management\s+of\s+pain",
    "implicit_bias": r"implicit\s+bias",
    "human_trafficking": r"human\s+trafficking",
    "cultural_linguistic_competency": r"cultural(?:ly)?\s+(?:and\s+linguistic(?:ally)?\s+)?"
    r"competen|\bAB\s*1195\b",
    "pediatric_abusive_head_trauma": r"abusive\s+head\s+trauma|shaken\s+baby",
    "end_of_life_care": r"end[-\s]of[-\s]life|palliative",
    "infection_control": r"infection\s+control",
    "domestic_violence": r"domestic\s+violence|intimate\s+partner\s+violence",
    "ethics": r"\bethics\b|\bethical\b",
    "medical_errors": r"medical\s+errors?",
    "substance_use_disorder": r"substance\s+use\s+disorders?|\baddiction\b",
    "dea_mate": r"\bMATE\s+Act\b|Medication\s+Access\s+and\s+Training\s+Expansion|"
    r"DEA\s+(?:one-time\s+)?(?:8-hour\s+)?training",
}
_COMPILED = {topic: re.compile(rx, re.IGNORECASE) for topic, rx in TOPIC_PATTERNS.items()}
_RIDER = re.compile(
    r"\b(?:compl(?:y|ies|iance)|fulfil+s?|satisf(?:y|ies)|meets?|approved|designed\s+to|"
    r"requirement|mandate|counts?\s+toward|qualif(?:y|ies))\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]|$)")


def find_topics(title: str | None, text: str) -> tuple[TopicEvidence, ...]:
    found: dict[str, str] = {}
    if title:
        for topic, pattern in _COMPILED.items():
            if pattern.search(title):
                found.setdefault(topic, f"title: {title}")
    flat = re.sub(r"\s*\n\s*", " ", text)
    for sentence in _SENTENCE.findall(flat):
        if not _RIDER.search(sentence):
            continue
        for topic, pattern in _COMPILED.items():
            if topic not in found and pattern.search(sentence):
                found[topic] = sentence.strip()[:300]
    return tuple(TopicEvidence(topic, evidence) for topic, evidence in sorted(found.items()))
