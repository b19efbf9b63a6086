"""Strong ETags from a representation, and If-Match checks that stop lost updates.

A client GETs a resource, keeps its ETag, and sends it back as If-Match with the change.
If someone changed the resource in between, its representation (and so its ETag) differs
and the change is refused with 412 instead of silently overwriting theirs.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Header
from pydantic import BaseModel

from cmeledger.api.problems import ProblemError

IfMatch = Annotated[
    str | None,
    Header(
        max_length=2000,
        description="the ETag of your last GET; required for changes (428 without it)",
    ),
]


def etag_of(representation: BaseModel) -> str:
    """A strong ETag: the same JSON representation, byte for byte, gives the same tag."""
    digest = hashlib.sha256(representation.model_dump_json().encode()).hexdigest()
    return f'"{digest[:40]}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def require_match(if_match: str | None, current: str) -> None:
    """Go on only if `if_match` names the current representation (RFC 9110 strong match)."""
    if if_match is None or not if_match.strip():
        raise ProblemError(
            428,
            "send If-Match with the ETag of your last GET, so that a change made meanwhile "
            "by someone else is not overwritten",
        )
    tags = _tags(if_match)
    # A weak tag (W/"…") never matches strongly, so it can only fail.
    if "*" in tags or current in tags:
        return
    raise ProblemError(
        412,
        "it was changed since you read it: GET it again, check the changes, and retry "
        "with the new ETag",
        headers={"ETag": current},
    )
