"""Shapes shared by several routers: pages of results, the signed-in user, tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
MAX_PAGE = 500


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PageParams(BaseModel):
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class UserOut(BaseModel):
    id: UUID
    email: str
    display_name: str
    role: str
    physician_id: UUID | None
    organisation_id: UUID | None
    provider_id: UUID | None
    physician_ids: list[UUID] = Field(description="the physicians' ledgers this user may open")


class SignInIn(Strict):
    email: Annotated[str, Field(min_length=3, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class SessionOut(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="send as X-CSRF-Token with every change")


class TokenIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    purpose: Literal["api", "calendar"] = Field(
        default="api", description="calendar tokens open only the calendar.ics feeds"
    )


class TokenOut(BaseModel):
    id: UUID
    name: str
    prefix: str
    purpose: str = Field(description="api: the whole API; calendar: only calendar.ics")
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class NewTokenOut(TokenOut):
    token: str = Field(description="shown once; store it now")
