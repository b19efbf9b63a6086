"""The one way XML is parsed at the PARS boundary: no DTDs, no entities, no network, bounded.

PARS documents never need a document type declaration, so any DOCTYPE is refused before
parsing: that closes entity expansion ("billion laughs"), external entities (XXE through
file:// or http://) and external DTD fetches in one rule, rather than relying on each
parser flag. The parser flags are set as well, as a second wall: entities are never
substituted, DTDs never loaded, the network never used, and libxml2 keeps its default
limits on depth and text-node size (`huge_tree=False`).
"""

from __future__ import annotations

from lxml import etree

from cmeledger.pars.errors import ParsDocumentError

MAX_BODY = 50 * 1024 * 1024  # 50 MiB: far above any real PARS batch, far below memory trouble

# "<!DOCTYPE" as ASCII/UTF-8 and as both UTF-16 byte orders (a BOM lets a document use them).
_DOCTYPE = (
    b"<!DOCTYPE",
    "<!DOCTYPE".encode("utf-16-le"),
    "<!DOCTYPE".encode("utf-16-be"),
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        collect_ids=False,
    )


def parse_xml(data: bytes, *, limit: int = MAX_BODY) -> etree._Element:
    """The root element of `data`; ParsDocumentError if it is too big, hostile or malformed."""
    size = len(data)
    if size > limit:
        raise ParsDocumentError(f"XML document is {size:,} bytes; the limit is {limit:,}")
    if not data or data.isspace():
        raise ParsDocumentError("XML document is empty")
    # A DOCTYPE can only stand in the prolog (or inside a comment or CDATA, which we refuse
    # too: no PARS document carries one), so a byte search is exact enough and cheap.
    if any(marker in data for marker in _DOCTYPE):
        raise ParsDocumentError(
            "XML document has a DOCTYPE declaration; PARS documents need none and we refuse "
            "them (entity expansion, external entities and external DTDs)"
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, 0)
        raise ParsDocumentError(
            f"malformed XML at line {line}, column {column}: {exc.msg}"
        ) from None
    except (ValueError, etree.LxmlError) as exc:
        raise ParsDocumentError(f"unreadable XML: {exc}") from None
    if root is None:
        raise ParsDocumentError("XML document has no root element")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise ParsDocumentError("XML document has a DOCTYPE declaration; we refuse them")
    return root
