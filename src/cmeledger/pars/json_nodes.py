"""Reading parsed JSON documents: every value carries its JSON path, so every failure names it.

Shared by `json_activities` and `json_learners`; `json_documents.loads` uses `key_path` to name
the place where a hostile document nests too deep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import NoReturn, TypeVar

from cmeledger.pars.errors import ParsDocumentError

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")


def key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if _PLAIN_KEY.match(key) else f"{path}[{json.dumps(key)}]"


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    return names.get(type(value), "a number")


class Node:
    """A JSON value and the path it was found at."""

    __slots__ = ("path", "value")

    def __init__(self, value: object, path: str) -> None:
        self.value = value
        self.path = path

    def fail(self, message: str) -> NoReturn:
        raise ParsDocumentError(f"{self.path}: {message}")

    def get(self, key: str) -> Node | None:
        """An optional member; null counts as absent."""
        if not isinstance(self.value, dict):
            self.fail(f"expected an object, found {_kind(self.value)}")
        value = self.value.get(key)
        return None if value is None else Node(value, key_path(self.path, key))

    def at(self, key: str) -> Node:
        node = self.get(key)
        if node is None:
            raise ParsDocumentError(f"{key_path(self.path, key)}: is required")
        return node

    def maybe(self, key: str, read: Callable[[Node], _T]) -> _T | None:
        node = self.get(key)
        return None if node is None else read(node)

    def dig(self, *keys: str) -> list[Node]:
        """The items of an optional array nested in optional objects."""
        node: Node | None = self
        for key in keys:
            node = None if node is None else node.get(key)
        return [] if node is None else node.each()

    def each(self) -> list[Node]:
        if not isinstance(self.value, list):
            self.fail(f"expected an array, found {_kind(self.value)}")
        return [Node(v, f"{self.path}[{i}]") for i, v in enumerate(self.value)]

    def text(self) -> str:
        if not isinstance(self.value, str):
            self.fail(f"expected a string, found {_kind(self.value)}")
        return self.value

    def texts(self) -> tuple[str, ...]:
        return tuple(item.text() for item in self.each())

    def decimal(self) -> Decimal:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.fail(f"expected a number, found {_kind(value)}")
        try:
            amount = value if isinstance(value, Decimal) else Decimal(repr(value))
        except InvalidOperation:
            self.fail("is not a number")
        if not amount.is_finite() or amount < 0:
            self.fail("must be a finite number >= 0")
        return amount

    def whole(self) -> int:
        amount = self.decimal()
        if amount != amount.to_integral_value():
            self.fail("must be a whole number")
        return int(amount)

    def flag(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail(f"expected true or false, found {_kind(self.value)}")
        return self.value

    def day(self) -> date:
        text = self.text()
        try:
            # A date-time keeps the calendar date it was written with: PARS works in dates.
            return datetime.fromisoformat(text).date()
        except ValueError:
            self.fail(f"{text!r} is not a YYYY-MM-DD date or YYYY-MM-DDThh:mm:ss date-time")

    def choice(self, kind: type[_E]) -> _E:
        wanted = self.text().strip().lower()
        for option in kind:
            if option.value.lower() == wanted:
                return option
        self.fail(f"expected one of {', '.join(repr(o.value) for o in kind)}")


def root_node(doc: object, name: str, inner: str) -> Node:
    """The named top-level object, or the document itself when it is the bare inner object."""
    top = Node(doc, "$")
    found = top.get(name)
    if found is not None:
        return found
    if top.get(inner) is not None:  # the bare inner object, as some callers post it
        return top
    top.fail(f"expected the {name} object")


def json_number(amount: Decimal) -> int | float:
    # Whole amounts go out as JSON integers (3, not 3.0), as the drafts' examples write them.
    return int(amount) if amount == amount.to_integral_value() else float(amount)
