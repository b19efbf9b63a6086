"""SOAP 1.1 envelopes around the REST-XML messages of `cmeledger.pars.wire_xml`.

The SOAP body holds the same message as the REST-XML endpoint, its wrapper elements qualified
with the WSDL's target namespace (document/literal, elementFormDefault="qualified"). The PARS
documents inside (ACCMEActivities, ACCMELearnerReports) keep their own namespace. So a client
or server speaks SOAP by wrapping (`envelope`) and unwrapping (`read_envelope`) what it would
send or read over REST-XML; whole-request refusals are SOAP Faults whose detail holds the
`ErrorResponse`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from cmeledger.domain.pars.rules import Problem
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.safe_xml import parse_xml
from cmeledger.pars.wire_xml import (
    ERROR_ROOT,
    OPERATIONS,
    error_for,
    error_response,
    local_name,
    read_error_response,
    to_bytes,
)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "http://tempuri.org/"  # WCF's default; see the comment at the top of pars.wsdl
CONTENT_TYPE = 'text/xml; charset="utf-8"'
WSDL_PATH = Path(__file__).with_name("pars.wsdl")
# Subtrees that are PARS documents, not message wrappers: left in their own namespace.
_DOCUMENTS = frozenset({"ACCMEActivities", "ACCMELearnerReports"})
_SERVICE_NAME = {
    "/services/ACCMEActivityService.svc": "IACCMEActivityService",
    "/services/ACCMELearnerService.svc": "IACCMELearnerService",
}

_Element = etree._Element


def soap_action(operation: str) -> str:
    """The SOAPAction header WCF expects: <namespace><contract>/<operation>."""
    return f"{TNS}{_SERVICE_NAME[OPERATIONS[operation]]}/{operation}"


def soap_path(service_path: str) -> str:
    """Where the sandbox serves SOAP for a service: `<service>.svc/soap`."""
    return f"{service_path}/soap"


def _move(el: _Element, namespace: str | None) -> None:
    """Requalify the wrapper elements (those not inside a PARS document) in place."""
    if not isinstance(el.tag, str):
        return
    name = local_name(el)
    if name in _DOCUMENTS:
        return
    current = etree.QName(el).namespace
    if current in (None, TNS):
        el.tag = f"{{{namespace}}}{name}" if namespace else name
    for child in el:
        _move(child, namespace)


def _envelope_with(body_child: _Element) -> bytes:
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"s": SOAP_ENV})
    etree.SubElement(env, f"{{{SOAP_ENV}}}Body").append(body_child)
    return to_bytes(env)


def envelope(message: bytes) -> bytes:
    """A REST-XML message (request or response) as a SOAP 1.1 envelope."""
    root = parse_xml(message)
    _move(root, TNS)
    etree.cleanup_namespaces(root)
    return _envelope_with(root)


def _body(data: bytes) -> _Element:
    env = parse_xml(data)
    if env.tag != f"{{{SOAP_ENV}}}Envelope":
        raise ParsDocumentError(f"not a SOAP 1.1 envelope: <{local_name(env)}>")
    bodies = [c for c in env if c.tag == f"{{{SOAP_ENV}}}Body"]
    if len(bodies) != 1:
        raise ParsDocumentError("a SOAP envelope needs exactly one Body")
    children = [c for c in bodies[0] if isinstance(c.tag, str)]
    if len(children) != 1:
        raise ParsDocumentError(f"the SOAP Body holds {len(children)} elements, not one")
    return children[0]


def read_envelope(data: bytes) -> bytes:
    """The REST-XML message inside a SOAP envelope. A Fault raises the matching ParsError
    (auth, rejected or unavailable) carrying the problems from its detail."""
    child = _body(data)
    if child.tag == f"{{{SOAP_ENV}}}Fault":
        problems = read_fault(data)
        raise error_for(problems)
    _move(child, None)
    etree.cleanup_namespaces(child)
    return to_bytes(child)


def message_name(data: bytes) -> str:
    """The local name of the element a SOAP body carries, e.g. SaveActivityRequest."""
    return local_name(_body(data))


def fault(problems: Sequence[Problem], *, server: bool = False) -> bytes:
    """A SOAP 1.1 Fault: `soap:Client` for the caller's mistakes, `soap:Server` otherwise;
    the detail holds the ErrorResponse with every problem."""
    el = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(el, "faultcode").text = "s:Server" if server else "s:Client"
    etree.SubElement(el, "faultstring").text = (
        "; ".join(f"{p.code} {p.message}" for p in problems) or "fault"
    )
    detail = etree.SubElement(el, "detail")
    error = parse_xml(error_response(problems))
    _move(error, TNS)
    etree.cleanup_namespaces(error)
    detail.append(error)
    return _envelope_with(el)


def read_fault(data: bytes) -> list[Problem]:
    """The problems a SOAP Fault reports (from its detail, else its faultstring)."""
    child = _body(data)
    if child.tag != f"{{{SOAP_ENV}}}Fault":
        raise ParsDocumentError("the SOAP body is not a Fault")
    for detail in (c for c in child if local_name(c) == "detail"):
        for item in detail:
            if local_name(item) == ERROR_ROOT:
                _move(item, None)
                return read_error_response(to_bytes(item))
    text = next((c.text or "" for c in child if local_name(c) == "faultstring"), "")
    return [Problem("SOAP-001", "Fault", text.strip() or "SOAP fault without a reason")]


def wsdl(base_url: str) -> bytes:
    """The WSDL with each service's SOAP address pointing at `base_url` (no trailing /)."""
    text = WSDL_PATH.read_bytes()
    return text.replace(b"http://127.0.0.1/services/", f"{base_url}/services/".encode())
