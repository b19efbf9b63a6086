"""Offline access to the real MedBiquitous schemas in `../shared/standards` for tests.

The schemas are third-party files kept beside the checkout, not inside it, so a plain clone
has none: every helper here calls `pytest.skip` (with the path it looked at) when the folder
is missing. The MedBiquitous XSDs import each other by web address
(`http://ns.medbiq.org/...`); the validators map those addresses onto the local copies and
forbid any other remote access, so validation never touches the network.

Use::

    from tests.pars.standards import activity_report_schema, mems_schema, standards_dir

    mems_schema().validate(element)           # raises SchemaInvalidError listing every error
    activity_report_schema().errors(data)     # -> list[str]; [] when valid

`validate` and `errors` take an lxml element (validated against the global declaration of its
tag, so a lone `MedicalEducationMetrics` or `ActivityReport` element is fine) or bytes (parsed
without DTDs, entities or network). Schemas are built once per test session (about a second
each) and cached.

- `standards_dir()` -> /work/shared/standards (skips when absent)
- `medbiq_schema(relative)` -> a validator for any MedBiquitous XSD, e.g. "member/v1/member.xsd"
- `mems_schema()` -> Medical Education Metrics v1 (namespace `MEMS_NS`)
- `activity_report_schema()` -> Activity Report v1 (namespace `ACTIVITY_REPORT_NS`)
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

STANDARDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "standards"
MEDBIQ_WEB = "http://ns.medbiq.org/"
MEMS_NS = "http://ns.medbiq.org/metrics/v1/"
ACTIVITY_REPORT_NS = "http://ns.medbiq.org/activityreport/v1/"


class SchemaInvalidError(AssertionError):
    """An element or document broke the schema; the message lists every error found."""


def standards_dir() -> Path:
    """The shared standards folder; skips the calling test when it is not there."""
    folder = STANDARDS.resolve()
    if not (folder / "medbiq").is_dir():
        pytest.skip(f"reference schemas not found at {folder} (they live beside the checkout)")
    return folder


class Validator:
    """One compiled XSD; `validate` raises `SchemaInvalidError`, `errors` returns the messages."""

    def __init__(self, schema: xmlschema.XMLSchema10, name: str) -> None:
        self.schema = schema
        self.name = name

    def errors(self, item: etree._Element | bytes) -> list[str]:
        element = item if isinstance(item, etree._Element) else _parse(item)
        return [f"{error.path}: {error.reason}" for error in self.schema.iter_errors(element)]

    def validate(self, item: etree._Element | bytes) -> None:
        found = self.errors(item)
        if found:
            raise SchemaInvalidError(f"{self.name}: " + "\n".join(found))

    def is_valid(self, item: etree._Element | bytes) -> bool:
        return not self.errors(item)


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


@cache
def _compiled(folder: Path, relative: str) -> Validator:
    medbiq = folder / "medbiq"

    def local(uri: str) -> str:
        if uri.startswith(MEDBIQ_WEB):
            return (medbiq / uri[len(MEDBIQ_WEB) :]).as_uri()
        return uri

    # allow="local" refuses any address the mapper did not turn into a local file.
    schema = xmlschema.XMLSchema10(
        str(medbiq / relative), uri_mapper=local, allow="local", defuse="always"
    )
    return Validator(schema, relative)


def medbiq_schema(relative: str) -> Validator:
    """A validator for `medbiq/<relative>`, imports resolved from the local copies."""
    return _compiled(standards_dir(), relative)


def mems_schema() -> Validator:
    """MEMS v1 (ANSI/MEDBIQ 2009), whose `MedicalEducationMetrics` PARS activities use."""
    return medbiq_schema("metrics/v1/medicaleducationmetrics.xsd")


def activity_report_schema() -> Validator:
    """Activity Report v1 (ANSI/MEDBIQ AR.10.1-2009), whose `ActivityReport` PARS learners use."""
    return medbiq_schema("activityreport/v1/activityreport.xsd")
