"""People's names as certificates and transcripts print them: honorifics, degrees and
licence numbers removed, the name itself kept as written."""

from __future__ import annotations

import re

_DEGREES = (
    r"M\.?D|D\.?O|Ph\.?D|PharmD|Pharm\.?D|PA-?C|PA|NP|FNP-?BC|FNP|APRN|RN|BSN|MSN|DNP|MPAS|"
    r"MPH|MBA|MS|MSc|BS|BA|MBBS|FACP|FACS|FAAP|FAAFP|FACC|FACEP|FACOEM|FRCPC|DDS|DMD|OD|DPM|"
    r"CRNA|RD|RDN|CNM|MHA|MHS|JD|Jr|Sr|II|III"
)
_LICENCE = re.compile(
    r"[\s,(]*(?:\b[A-Z]{2}\s+)?(?:(?:State\s+)?(?:Medical\s+)?Licen[cs]e|Lic\.?)\s*(?:No\.?|"
    r"Number|#)?\s*[:#]?\s*[A-Z]{0,3}[-\s]?\d[\w-]*\)?|\s*#\s*[A-Z]{0,3}\d[\w-]*",
    re.IGNORECASE,
)


def clean_name(raw: str) -> str:
    """ "Dr. Ada B. Lovelace, MD, FACP  License #G12345" -> "Ada B. Lovelace"."""
    name = _LICENCE.sub("", raw)
    name = re.sub(r"^(?:Dr|Mr|Mrs|Ms|Mx|Doctor)\.?\s+", "", name.strip(), flags=re.I)
    previous = None
    while previous != name:
        previous = name
        name = re.sub(rf"[,\s]+(?:{_DEGREES})\.?,?\s*$", "", name).strip()
    return re.sub(r"\s+", " ", name).strip(" ,;:|")
