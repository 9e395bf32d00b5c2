"""The Web Connector's SOAP contract: the operation table and the WSDL we serve.

The operation table is the single description of the 11 calls; the WSDL, the SOAP parser
(`soap.py`) and the endpoint's dispatch all read it, so they cannot disagree. The WSDL is written
here from the operation table (document/literal SOAP 1.1, everything qualified in the
developer.intuit.com namespace) rather than copied from Intuit's sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import quoteattr

INTUIT_NS = "http://developer.intuit.com/"

ResultKind = Literal["string", "int", "strings"]


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a Web Connector call.

    `required` means the endpoint answers a SOAP fault when the element is absent; every other
    parameter defaults to "" because SOAP clients (zeep, QBWC) omit elements whose value is null.
    """

    name: str
    xsd_type: Literal["string", "int"] = "string"
    required: bool = False


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    params: tuple[Param, ...]
    result: ResultKind

    @property
    def param_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params)

    @property
    def required_params(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.required)


def _op(name: str, result: ResultKind, *params: Param) -> Operation:
    return Operation(name, params, result)


_TICKET = Param("ticket", required=True)
_WC_TICKET = Param("wcTicket", required=True)

OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        # Older WSDLs give serverVersion a strVersion parameter and newer ones none: accept both.
        _op("serverVersion", "string", Param("strVersion")),
        _op("clientVersion", "string", Param("strVersion")),
        _op(
            "authenticate",
            "strings",
            Param("strUserName", required=True),
            Param("strPassword", required=True),
        ),
        _op(
            "sendRequestXML",
            "string",
            _TICKET,
            Param("strHCPResponse"),
            Param("strCompanyFileName"),
            Param("qbXMLCountry"),
            Param("qbXMLMajorVers", "int"),
            Param("qbXMLMinorVers", "int"),
        ),
        _op(
            "receiveResponseXML",
            "int",
            _TICKET,
            Param("response"),
            Param("hresult"),
            Param("message"),
        ),
        _op("connectionError", "string", _TICKET, Param("hresult"), Param("message")),
        _op("getLastError", "string", _TICKET),
        _op("closeConnection", "string", _TICKET),
        _op("getInteractiveURL", "string", _WC_TICKET, Param("sessionID")),
        _op("interactiveDone", "string", _WC_TICKET),
        _op("interactiveRejected", "string", _WC_TICKET, Param("reason")),
    )
}

_RESULT_XSD = {"string": "s:string", "int": "s:int", "strings": "tns:ArrayOfString"}


def _element_decls(op: Operation) -> str:
    # minOccurs="1" only for int results: a value type always has a value.
    params = "".join(
        f'<s:element minOccurs="{"1" if p.xsd_type == "int" else "0"}" maxOccurs="1" '
        f'name="{p.name}" type="s:{p.xsd_type}"/>'
        for p in op.params
    )
    result_min = "1" if op.result == "int" else "0"
    return (
        f'<s:element name="{op.name}"><s:complexType><s:sequence>{params}'
        f"</s:sequence></s:complexType></s:element>"
        f'<s:element name="{op.name}Response"><s:complexType><s:sequence>'
        f'<s:element minOccurs="{result_min}" maxOccurs="1" name="{op.name}Result" '
        f'type="{_RESULT_XSD[op.result]}"/>'
        f"</s:sequence></s:complexType></s:element>"
    )


def render_wsdl(service_url: str) -> bytes:
    """The WSDL 1.1 document describing our endpoint at `service_url`."""
    ops = OPERATIONS.values()
    elements = "".join(_element_decls(op) for op in ops)
    messages = "".join(
        f'<wsdl:message name="{op.name}SoapIn">'
        f'<wsdl:part name="parameters" element="tns:{op.name}"/></wsdl:message>'
        f'<wsdl:message name="{op.name}SoapOut">'
        f'<wsdl:part name="parameters" element="tns:{op.name}Response"/></wsdl:message>'
        for op in ops
    )
    port_ops = "".join(
        f'<wsdl:operation name="{op.name}">'
        f'<wsdl:input message="tns:{op.name}SoapIn"/>'
        f'<wsdl:output message="tns:{op.name}SoapOut"/></wsdl:operation>'
        for op in ops
    )
    binding_ops = "".join(
        f'<wsdl:operation name="{op.name}">'
        f'<soap:operation soapAction="{INTUIT_NS}{op.name}" style="document"/>'
        f'<wsdl:input><soap:body use="literal"/></wsdl:input>'
        f'<wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>'
        for op in ops
    )
    text = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" '
        'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
        'xmlns:s="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:tns="{INTUIT_NS}" targetNamespace="{INTUIT_NS}">'
        "<wsdl:documentation>qbdsync: QuickBooks Web Connector service</wsdl:documentation>"
        "<wsdl:types>"
        f'<s:schema elementFormDefault="qualified" targetNamespace="{INTUIT_NS}">'
        f"{elements}"
        '<s:complexType name="ArrayOfString"><s:sequence>'
        '<s:element minOccurs="0" maxOccurs="unbounded" name="string" nillable="true" '
        'type="s:string"/></s:sequence></s:complexType>'
        "</s:schema></wsdl:types>"
        f"{messages}"
        f'<wsdl:portType name="QBWebConnectorSvcSoap">{port_ops}</wsdl:portType>'
        '<wsdl:binding name="QBWebConnectorSvcSoap" type="tns:QBWebConnectorSvcSoap">'
        '<soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>'
        f"{binding_ops}</wsdl:binding>"
        '<wsdl:service name="QBWebConnectorSvc">'
        '<wsdl:port name="QBWebConnectorSvcSoap" binding="tns:QBWebConnectorSvcSoap">'
        f"<soap:address location={quoteattr(service_url)}/>"
        "</wsdl:port></wsdl:service></wsdl:definitions>\n"
    )
    return text.encode("utf-8")
