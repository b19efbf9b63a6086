"""SOAP 1.1 for the PARS web services: the WSDL (`pars.wsdl`, written from the documentation)
and the envelope helpers that wrap the REST-XML messages."""

from cmeledger.pars.soap.envelope import (
    CONTENT_TYPE,
    SOAP_ENV,
    TNS,
    WSDL_PATH,
    envelope,
    fault,
    message_name,
    read_envelope,
    read_fault,
    soap_action,
    soap_path,
    wsdl,
)

__all__ = [
    "CONTENT_TYPE",
    "SOAP_ENV",
    "TNS",
    "WSDL_PATH",
    "envelope",
    "fault",
    "message_name",
    "read_envelope",
    "read_fault",
    "soap_action",
    "soap_path",
    "wsdl",
]
