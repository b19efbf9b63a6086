"""Load and validate the packaged board rule files.

Files are read through importlib.resources so they are found in an installed wheel too.
Every file is checked against schema.json, then against the credit taxonomy and for
non-overlapping version dates; any failure names the file and the JSON path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from cmeledger.domain.credit_taxonomy import credit_type_codes
from cmeledger.errors import CmeLedgerError, NotFoundError
from cmeledger.requirements.model import (
    Anchor,
    AnchorType,
    Audience,
    Category,
    Confidence,
    Cycle,
    Frequency,
    MocInLieu,
    ProrateBy,
    Rule,
    RuleKind,
    RuleVersion,
    Source,
    Terms,
    Topic,
)

_PACKAGE = "cmeledger.requirements"


class RuleDataError(CmeLedgerError):
    """A packaged rule file is malformed; the message names the file and the JSON path."""

    exit_code = 6


def _json_path(parts: Iterable[object]) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


@cache
def _validator() -> Draft202012Validator:
    text = resources.files(_PACKAGE).joinpath("schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _version(raw: Mapping[str, Any]) -> RuleVersion:
    cycle = raw["cycle"]
    return RuleVersion(
        effective_from=_date(raw["effective_from"]),
        effective_to=_date(raw["effective_to"]),
        cycle=Cycle(
            months=cycle["months"],
            anchor=Anchor(AnchorType(cycle["anchor"]["type"]), cycle["anchor"]["detail"]),
        ),
        total_hours=_dec(raw["total_hours"]),
        categories=tuple(
            Category(
                credit_types=tuple(c["credit_types"]),
                min_hours=Decimal(str(c["min_hours"])),
                max_hours=_dec(c["max_hours"]),
                note=c.get("note"),
            )
            for c in raw["categories"]
        ),
        accepted_credit_types=tuple(raw["accepted_credit_types"]),
        accepted_credit_note=raw.get("accepted_credit_note"),
        topics=tuple(
            Topic(
                topic=t["topic"],
                title=t.get("title"),
                hours=_dec(t["hours"]),
                frequency=Frequency(t["frequency"]),
                every_n=t["every_n"],
                applies_to=t["applies_to"],
                note=t.get("note"),
                audience=_audience(t),
            )
            for t in raw["topics"]
        ),
        first_renewal=raw["first_renewal"],
        prorating=raw["prorating"],
        carryover=raw["carryover"],
        moc_in_lieu=raw["moc_in_lieu"],
        caps=raw["caps"],
        exemptions=tuple(raw["exemptions"]),
        terms=_terms(raw.get("terms") or {}),
    )


def _audience(topic: Mapping[str, Any]) -> Audience:
    if "audience" in topic:
        return Audience(topic["audience"])
    everyone = str(topic["applies_to"]).strip().lower().startswith("all")
    return Audience.ALL if everyone else Audience.CONDITIONAL


def _terms(raw: Mapping[str, Any]) -> Terms:
    prorate = raw.get("prorate_by")
    covers = raw.get("moc_in_lieu_covers")
    return Terms(
        first_renewal_exempt=bool(raw.get("first_renewal_exempt", False)),
        prorate_by=None if prorate is None else ProrateBy(prorate),
        carryover_max_hours=_dec(raw.get("carryover_max_hours")),
        moc_in_lieu_covers=None if covers is None else MocInLieu(covers),
        max_hours_per_day=_dec(raw.get("max_hours_per_day")),
        max_hours_per_year=_dec(raw.get("max_hours_per_year")),
    )


def _check_semantics(raw: Mapping[str, Any], where: str) -> None:
    known = set(credit_type_codes())
    for i, version in enumerate(raw["versions"]):
        base = ("versions", i)
        for j, ct in enumerate(version["accepted_credit_types"]):
            if ct not in known:
                path = _json_path((*base, "accepted_credit_types", j))
                raise RuleDataError(f"{where}: {path}: unknown credit type {ct!r}")
        for j, cat in enumerate(version["categories"]):
            for k, ct in enumerate(cat["credit_types"]):
                if ct not in known:
                    path = _json_path((*base, "categories", j, "credit_types", k))
                    raise RuleDataError(f"{where}: {path}: unknown credit type {ct!r}")
        capped: dict[str, int] = {}
        for j, cat in enumerate(version["categories"]):
            if cat["max_hours"] is None:
                continue
            for ct in cat["credit_types"]:
                if ct in capped:
                    path = _json_path((*base, "categories", j, "credit_types"))
                    raise RuleDataError(
                        f"{where}: {path}: {ct!r} is also in capped category {capped[ct]}; "
                        "capped categories must not share a credit type"
                    )
                capped[ct] = j
        start, end = _date(version["effective_from"]), _date(version["effective_to"])
        if start is not None and end is not None and end < start:
            path = _json_path((*base, "effective_to"))
            raise RuleDataError(f"{where}: {path}: ends before it starts")
    versions = [_version(v) for v in raw["versions"]]
    for i in range(1, len(versions)):
        before, after = versions[i - 1], versions[i]
        if (
            before.effective_to is None
            or after.effective_from is None
            or after.effective_from <= before.effective_to
        ):
            path = _json_path(("versions", i, "effective_from"))
            raise RuleDataError(
                f"{where}: {path}: versions must be in date order without overlap "
                "(only the first may start open-ended, only the last may end open-ended)"
            )


def parse_rule(text: str, where: str) -> Rule:
    """Parse and validate one rule file's text; `where` names it in error messages."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleDataError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise RuleDataError(f"{where}: $: expected a mapping at the top level")
    errors = sorted(_validator().iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise RuleDataError(f"{where}: {_json_path(first.absolute_path)}: {first.message}")
    _check_semantics(raw, where)
    return Rule(
        id=raw["id"],
        kind=RuleKind(raw["kind"]),
        jurisdiction=raw["jurisdiction"],
        board_type=raw["board_type"],
        name=raw["name"],
        versions=tuple(_version(v) for v in raw["versions"]),
        sources=tuple(Source(s["url"], s["title"]) for s in raw["sources"]),
        source_dates=raw.get("source_dates"),
        source_checked=date.fromisoformat(raw["source_checked"]),
        verification=raw["verification"],
        confidence=Confidence(raw["confidence"]),
        uncertain=tuple(raw["uncertain"]),
        conflicts=tuple(raw["conflicts"]),
        notes=tuple(raw.get("notes", ())),
        file=where,
    )


def load_rules(directory: Traversable | None = None) -> tuple[Rule, ...]:
    """Every rule file in `directory` (default: the packaged boards), sorted by id."""
    folder = directory or resources.files(_PACKAGE).joinpath("boards")
    rules: dict[str, Rule] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        rule = parse_rule(entry.read_text(encoding="utf-8"), entry.name)
        if rule.id in rules:
            raise RuleDataError(
                f"{entry.name}: $.id: {rule.id!r} is also defined in {rules[rule.id].file}"
            )
        rules[rule.id] = rule
    return tuple(sorted(rules.values(), key=lambda r: r.id))


@cache
def all_rules() -> tuple[Rule, ...]:
    return load_rules()


def rule_for(rule_id: str) -> Rule:
    wanted = rule_id.strip().upper()
    for rule in all_rules():
        if rule.id == wanted:
            return rule
    raise NotFoundError(
        f"no rule for board {rule_id!r}; see `cmeledger rules list` for the known boards"
    )


def version_in_force(rule: Rule, on: date) -> RuleVersion | None:
    """The version of `rule` in force on `on`, or None if the date falls outside all of them."""
    for version in rule.versions:
        if version.in_force_on(on):
            return version
    return None
