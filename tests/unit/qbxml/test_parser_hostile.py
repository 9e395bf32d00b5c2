"""Hostile and malformed input: never expand entities, never read files or the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbdsync.errors import InvalidXML
from qbdsync.qbxml.parser import Record, ResponseParser, parse_response

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE QBXML [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode="0" statusSeverity="Info" statusMessage="&lol9;">
<CustomerRet><Name>&lol9;</Name></CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>
"""


def _external_entity(target: Path) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE QBXML [<!ENTITY secret SYSTEM "file://{target}">]>
<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode="0" statusSeverity="Info">
<CustomerRet><Name>&secret;</Name></CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>
"""


def _external_dtd(target: Path) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE QBXML SYSTEM "file://{target}">
<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode="0" statusSeverity="Info">
<CustomerRet><Name>&secret;</Name></CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>
"""


def test_billion_laughs_is_rejected() -> None:
    with pytest.raises(InvalidXML, match="DTD or entity"):
        parse_response(BILLION_LAUGHS)


def test_external_entity_is_rejected_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    with pytest.raises(InvalidXML) as caught:
        parse_response(_external_entity(secret))
    assert "TOP-SECRET" not in str(caught.value)


def test_external_dtd_is_rejected(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY secret "TOP-SECRET">')
    with pytest.raises(InvalidXML):
        parse_response(_external_dtd(dtd))


def test_network_dtd_is_rejected() -> None:
    text = '<?xml version="1.0"?><!DOCTYPE QBXML PUBLIC "x" "http://192.0.2.1/x.dtd"><QBXML/>'
    with pytest.raises(InvalidXML):
        parse_response(text)


@pytest.mark.parametrize("declaration", [b"<!DOCTYPE", b"<!ENTITY"])
def test_a_declaration_split_across_chunks_is_still_caught(declaration: bytes) -> None:
    data = b'<?xml version="1.0"?>\n' + declaration + b' QBXML [<!ENTITY a "b">]><QBXML/>'
    start = data.index(declaration)
    parser = ResponseParser()
    assert parser.feed(data[: start + 4]) == []
    with pytest.raises(InvalidXML, match="DTD or entity"):
        parser.feed(data[start + 4 :])


def test_doctype_in_utf16_is_caught_by_lxml_settings() -> None:
    # The byte screen cannot read UTF-16; the check on the parsed document still refuses it.
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE QBXML []><QBXML><QBXMLMsgsRs>'
    data += "</QBXMLMsgsRs></QBXML>"
    with pytest.raises(InvalidXML):
        parse_response(data.encode("utf-16"))


@pytest.mark.parametrize(
    "text",
    [
        "<QBXML><QBXMLMsgsRs></QBXML>",
        "<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode='0'><CustomerRet>",
        "not xml at all",
        "",
        "<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode='0'><CustomerRet><Name>&undefined;"
        "</Name></CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>",
        "<QBXML></QBXML><QBXML/>",
    ],
)
def test_malformed_xml_is_invalid(text: str) -> None:
    with pytest.raises(InvalidXML):
        parse_response(text)


def test_the_lxml_message_is_passed_on() -> None:
    with pytest.raises(InvalidXML, match=r"malformed qbXML: .*line"):
        parse_response("<QBXML><QBXMLMsgsRs></QBXML>")


def test_a_rejected_parser_stays_rejected() -> None:
    parser = ResponseParser()
    with pytest.raises(InvalidXML):
        parser.feed("<QBXML><a></b>")
    with pytest.raises(InvalidXML, match="already rejected"):
        parser.feed("<more/>")
    with pytest.raises(InvalidXML, match="already rejected"):
        parser.close()


def test_a_closed_parser_cannot_be_fed() -> None:
    parser = ResponseParser()
    parser.feed("<QBXML><QBXMLMsgsRs></QBXMLMsgsRs></QBXML>")
    parser.close()
    with pytest.raises(InvalidXML, match="closed"):
        parser.feed("<QBXML/>")


def test_doctype_text_inside_content_is_data_not_a_declaration() -> None:
    text = (
        "<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode='0'><CustomerRet>"
        "<Notes>&lt;!DOCTYPE html&gt;</Notes></CustomerRet></CustomerQueryRs></QBXMLMsgsRs>"
        "</QBXML>"
    )
    (_status, record) = parse_response(text)
    assert isinstance(record, Record)
    assert record.data["Notes"] == "<!DOCTYPE html>"


@pytest.mark.parametrize("kind", ["billion_laughs", "external_entity", "external_dtd"])
def test_lxml_settings_refuse_what_the_byte_screen_cannot_see(kind: str, tmp_path: Path) -> None:
    # UTF-16 hides "<!DOCTYPE" from the byte screen, so this exercises the parser settings and
    # the check on the parsed document type alone.
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    text = {
        "billion_laughs": BILLION_LAUGHS,
        "external_entity": _external_entity(secret),
        "external_dtd": _external_dtd(secret),
    }[kind]
    text = text.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    with pytest.raises(InvalidXML) as caught:
        parse_response(text.encode("utf-16"))
    assert "TOP-SECRET" not in str(caught.value)
