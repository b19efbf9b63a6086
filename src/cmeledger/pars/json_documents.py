"""PARS documents in the JSON shape of ACCME's 2025 drafts: ACCMEActivities, ACCMELearnerReports.

The drafts (elliottACCME/tempSchema: activity schema v0_1_2, learner-reports schema v0_5) mirror
the XML documents element for element. This module is the public entry point: `loads` and
`dumps` move bytes in and out, refusing hostile input; the documents themselves are built and
read in `json_activities` (`activities_json`, `read_activities_json`) and `json_learners`
(`learner_reports_json`, `read_learner_reports_json`), whose docstrings say where the drafts are
silent or contradict themselves and what we chose. Import those names from here.

Amounts are JSON numbers; `loads` parses them as Decimal so nothing is rounded on the way in.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, NoReturn

from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.json_activities import activities_json, read_activities_json
from cmeledger.pars.json_learners import (
    DEFAULT_BIRTH_YEAR,
    learner_reports_json,
    read_learner_reports_json,
)
from cmeledger.pars.json_nodes import key_path

__all__ = [
    "DEFAULT_BIRTH_YEAR",
    "MAX_BODY",
    "MAX_DEPTH",
    "activities_json",
    "dumps",
    "learner_reports_json",
    "loads",
    "read_activities_json",
    "read_learner_reports_json",
]

MAX_BODY = 50 * 1024 * 1024
# Real documents nest about a dozen levels deep; anything far deeper is hostile.
MAX_DEPTH = 32

# ---------------------------------------------------------------------------------------------
# Bytes -> JSON value, refusing hostile input


def _line_col(text: str, offset: int) -> str:
    newline = "\n"
    line = text.count(newline, 0, offset) + 1
    column = offset - text.rfind(newline, 0, offset)
    return f"line {line}, column {column}"


def _deep_position(text: str, max_depth: int) -> str:
    """Where nesting first passes `max_depth` (run only after parsing has refused)."""
    depth = 0
    for match in re.finditer(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]', text):
        mark = match.group()
        depth += 1 if mark in ("[", "{") else -1 if mark in ("]", "}") else 0
        if depth > max_depth:
            return _line_col(text, match.start())
    return "an unknown position"


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Two readers could disagree about which copy wins; refuse rather than guess.
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


_Trail = tuple[Any, str | int] | None


def _too_deep(value: object, max_depth: int) -> str | None:
    # Iterative, and paths are linked (parent, key) pairs, built into text only on failure.
    stack: list[tuple[object, int, _Trail]] = [(value, 1, None)]
    while stack:
        item, depth, trail = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                steps: list[str | int] = []
                while trail is not None:
                    trail, step = trail
                    steps.append(step)
                path = "$"
                for step in reversed(steps):
                    path = f"{path}[{step}]" if isinstance(step, int) else key_path(path, step)
                return path
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend((child, depth + 1, (trail, key)) for key, child in pairs)
    return None


def loads(data: bytes, *, limit: int = MAX_BODY, max_depth: int = MAX_DEPTH) -> object:
    """Parse a JSON body; ParsDocumentError names the problem and where it is."""
    if len(data) > limit:
        raise ParsDocumentError(f"JSON document is {len(data)} bytes; the limit is {limit}")
    raw = bytes(data).removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        valid = raw[: exc.start].decode("utf-8")
        where = _line_col(valid, len(valid))
        raise ParsDocumentError(f"JSON is not valid UTF-8 at {where}: {exc.reason}") from None
    try:
        value: object = json.loads(
            text, parse_float=Decimal, parse_constant=_no_constants, object_pairs_hook=_unique_keys
        )
    except json.JSONDecodeError as exc:
        raise ParsDocumentError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        where = _deep_position(text, max_depth)
        raise ParsDocumentError(f"JSON nests deeper than {max_depth} levels at {where}") from None
    except ValueError as exc:  # duplicate keys, NaN/Infinity, integers too long to convert
        raise ParsDocumentError(f"invalid JSON: {exc}") from None
    deep = _too_deep(value, max_depth)
    if deep is not None:
        where = _deep_position(text, max_depth)
        raise ParsDocumentError(f"JSON nests deeper than {max_depth} levels at {deep} ({where})")
    return value


def dumps(doc: object) -> bytes:
    """UTF-8 JSON for a document built by `activities_json` or `learner_reports_json`."""
    try:
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate has no UTF-8 form
        raise ParsDocumentError(f"text cannot be encoded as UTF-8: {exc.reason}") from None
