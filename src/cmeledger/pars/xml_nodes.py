"""Shared pieces of the PARS XML codecs: namespaces, value formats, and a reading cursor.

Readers match elements by local name, ignoring namespaces: our documents are qualified per
the MedBiquitous schemas, while the research note's reconstructed examples and some vendors'
files are not, and the same reader takes both. Every reading error is a ParsDocumentError
that names the element's path from the document root (and its line, when known).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from lxml import etree

from cmeledger.pars.errors import ParsDocumentError

MEMS_NS = "http://ns.medbiq.org/metrics/v1/"
AR_NS = "http://ns.medbiq.org/activityreport/v1/"
MEMBER_NS = "http://ns.medbiq.org/member/v1/"
NAME_NS = "http://ns.medbiq.org/name/v1/"
ADDRESS_NS = "http://ns.medbiq.org/address/v1/"
LOM_NS = "http://ltsc.ieee.org/xsd/LOM"
HX_NS = "http://ns.medbiq.org/lom/extend/v1/"
# ACCME's extension elements sit in XtensibleInfo, whose schema admits only elements of
# another namespace. ACCME's own namespace for them is in its unpublished XSD; ours is a URN
# under this project's name, and readers ignore it, so files in ACCME's namespace read too.
ACCME_NS = "urn:cmeledger:pars:accme-extensions"

_Element = etree._Element
_DATE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:\d{2})?$"
)
_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def qname(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def decimal_text(amount: Decimal, where: str) -> str:
    """Fixed-point text with at least two decimals ("1.00", "0.25", "0.125"), as PARS shows."""
    if not amount.is_finite():
        raise ParsDocumentError(f"{where}: {amount} is not a number XML can carry")
    text = format(amount, "f")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def day_time(day: date) -> str:
    """PARS wants dates as midnight with no offset: a real time gets shifted by a zone."""
    return f"{day.isoformat()}T00:00:00"


def set_text(element: _Element, text: str, where: str) -> None:
    try:
        element.text = text
    except ValueError:
        raise ParsDocumentError(
            f"{where}: {text!r} holds characters XML cannot carry (control characters)"
        ) from None


def local_name(element: _Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


class Node:
    """A cursor on one element that knows its path, for reading with precise errors."""

    __slots__ = ("_kids", "el", "path")

    def __init__(self, el: _Element, path: str) -> None:
        self.el = el
        self.path = path
        self._kids: dict[str, list[_Element]] | None = None

    @classmethod
    def root(cls, el: _Element) -> Node:
        return cls(el, local_name(el))

    def fail(self, problem: str) -> NoReturn:
        line = f" (line {self.el.sourceline})" if self.el.sourceline else ""
        raise ParsDocumentError(f"{self.path}{line}: {problem}")

    def _index(self) -> dict[str, list[_Element]]:
        # Children by local name, built once: readers look up several names per element.
        if self._kids is None:
            kids: dict[str, list[_Element]] = {}
            for child in self.el:
                tag = child.tag
                if isinstance(tag, str):
                    kids.setdefault(tag.rpartition("}")[2], []).append(child)
            self._kids = kids
        return self._kids

    def children(self, *names: str) -> list[Node]:
        """Children with any of `names`, in document order; indexed in paths when several."""
        index = self._index()
        if len(names) == 1:
            found = [(names[0], el) for el in index.get(names[0], ())]
        else:
            wanted = {id(el): name for name in names for el in index.get(name, ())}
            found = [(wanted[id(el)], el) for el in self.el if id(el) in wanted]
        if len(found) == 1:
            return [Node(found[0][1], f"{self.path}/{found[0][0]}")]
        return [Node(el, f"{self.path}/{name}[{i}]") for i, (name, el) in enumerate(found, 1)]

    def maybe(self, *names: str) -> Node | None:
        """The first child with one of `names` (alternative spellings), or None."""
        index = self._index()
        for name in names:
            found = index.get(name)
            if found:
                return Node(found[0], f"{self.path}/{name}")
        return None

    def child(self, *names: str) -> Node:
        found = self.maybe(*names)
        if found is None:
            self.fail(f"lacks <{names[0]}>")
        return found

    def attr(self, name: str) -> str | None:
        value = self.el.get(name)
        return value.strip() if value is not None else None

    def raw(self) -> str:
        """Own text, stripped; "" when there is none."""
        return (self.el.text or "").strip()

    def text(self) -> str:
        value = self.raw()
        if not value:
            self.fail("is empty")
        return value

    def optional_text(self, *names: str) -> str | None:
        found = self.maybe(*names)
        return (found.raw() or None) if found is not None else None

    def language_string(self) -> str:
        """A LOM LanguageString (<string language="en">…</string>) or, leniently, plain text."""
        strings = [n for n in self.children("string") if n.raw()]
        return strings[0].raw() if strings else self.text()

    def day(self) -> date:
        value = self.text()
        match = _DATE.match(value)
        try:
            if match is None:
                raise ValueError(value)
            return date.fromisoformat(match.group(1))
        except ValueError:
            self.fail(f"{value!r} is not a date (YYYY-MM-DD, optionally with a time)")

    def decimal(self) -> Decimal:
        value = self.text()
        if not _DECIMAL.match(value):
            self.fail(f"{value!r} is not a decimal number")
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            self.fail(f"{value!r} is not a decimal number")

    def count(self) -> int:
        """A whole number >= 0 (learner counts, dollar amounts)."""
        value = self.text()
        if not _INTEGER.match(value) or int(value) < 0:
            self.fail(f"{value!r} is not a whole number >= 0")
        return int(value)

    def boolean(self) -> bool:
        value = self.text().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.fail(f"{value!r} is not true or false")
