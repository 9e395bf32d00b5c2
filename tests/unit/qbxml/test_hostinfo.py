from __future__ import annotations

import pytest
from lxml import etree

from qbdsync.errors import InvalidXML
from qbdsync.qbxml.hostinfo import (
    DataExt,
    host_query_request,
    host_query_version,
    parse_host_info,
    read_host_query_answer,
)
from qbdsync.qbxml.status import Recovery

OWNER = "{6F1A3B2C-0D4E-4F5A-8B9C-1D2E3F4A5B6C}"
FILE_ID = "{0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D}"

HCP = f"""<?xml version="1.0" ?>
<QBXML>
<QBXMLMsgsRs>
<HostQueryRs requestID="0" statusCode="0" statusSeverity="Info" statusMessage="Status OK">
<HostRet>
<ProductName>QuickBooks Pro 2014</ProductName>
<MajorVersion>24</MajorVersion>
<MinorVersion>0</MinorVersion>
<Country>CA</Country>
<SupportedQBXMLVersion>1.0</SupportedQBXMLVersion>
<SupportedQBXMLVersion>CA2.0</SupportedQBXMLVersion>
<SupportedQBXMLVersion>13.0</SupportedQBXMLVersion>
<IsAutomaticLogin>false</IsAutomaticLogin>
<QBFileMode>SingleUser</QBFileMode>
</HostRet>
</HostQueryRs>
<CompanyQueryRs requestID="1" statusCode="0" statusSeverity="Info" statusMessage="Status OK">
<CompanyRet>
<IsSampleCompany>false</IsSampleCompany>
<CompanyName>D\u00e9cor &amp; Fils</CompanyName>
<LegalCompanyName>D\u00e9cor et Fils Lt\u00e9e</LegalCompanyName>
<Address><Addr1>1 rue Principale</Addr1><City>Montr\u00e9al</City></Address>
<DataExtRet>
<OwnerID>{OWNER.lower()}</OwnerID>
<DataExtName>FileID</DataExtName>
<DataExtType>STR255TYPE</DataExtType>
<DataExtValue>{FILE_ID}</DataExtValue>
</DataExtRet>
<DataExtRet>
<OwnerID>0</OwnerID>
<DataExtName>Region</DataExtName>
<DataExtType>STR255TYPE</DataExtType>
<DataExtValue>East</DataExtValue>
</DataExtRet>
</CompanyRet>
</CompanyQueryRs>
<PreferencesQueryRs requestID="2" statusCode="0" statusSeverity="Info" statusMessage="Status OK">
<PreferencesRet>
<AccountingPreferences><IsUsingAccountNumbers>false</IsUsingAccountNumbers></AccountingPreferences>
<MultiCurrencyPreferences>
<IsMultiCurrencyOn>true</IsMultiCurrencyOn>
<HomeCurrencyRef><ListID>80000001-1</ListID><FullName>Canadian Dollar</FullName></HomeCurrencyRef>
</MultiCurrencyPreferences>
</PreferencesRet>
</PreferencesQueryRs>
</QBXMLMsgsRs>
</QBXML>
"""


def test_host_company_and_preferences_are_read() -> None:
    info = parse_host_info(HCP)
    assert info.product_name == "QuickBooks Pro 2014"
    assert info.major_version == "24"
    assert info.minor_version == "0"
    assert info.country == "CA"
    assert info.supported_versions == ("1.0", "CA2.0", "13.0")
    assert info.file_mode == "SingleUser"
    assert info.is_automatic_login is False
    assert info.company_name == "D\u00e9cor & Fils"
    assert info.legal_company_name == "D\u00e9cor et Fils Lt\u00e9e"
    assert info.is_multicurrency is True
    assert info.home_currency == "Canadian Dollar"
    assert info.company["Address"]["City"] == "Montr\u00e9al"
    assert info.data_ext[1] == DataExt(owner_id="0", name="Region", value="East")


@pytest.mark.parametrize(
    "owner", [OWNER, OWNER.lower(), OWNER.strip("{}"), OWNER.strip("{}").upper()]
)
def test_file_id_lookup_ignores_case_and_braces(owner: str) -> None:
    assert parse_host_info(HCP).file_id(owner) == FILE_ID


def test_file_id_of_another_application_is_none() -> None:
    info = parse_host_info(HCP)
    assert info.file_id("{00000000-0000-0000-0000-000000000000}") is None
    assert info.file_id("0") is None  # the public field is not named FileID


def test_single_supported_version_is_still_a_tuple_and_preferences_optional() -> None:
    text = (
        "<QBXML><QBXMLMsgsRs><HostQueryRs statusCode='0'><HostRet><ProductName>QB</ProductName>"
        "<SupportedQBXMLVersion>16.0</SupportedQBXMLVersion><IsAutomaticLogin>true"
        "</IsAutomaticLogin></HostRet></HostQueryRs></QBXMLMsgsRs></QBXML>"
    )
    info = parse_host_info(text)
    assert info.supported_versions == ("16.0",)
    assert info.is_automatic_login is True
    assert info.is_multicurrency is None
    assert info.home_currency is None
    assert info.company == {}
    assert info.data_ext == ()
    assert info.file_id(OWNER) is None


def test_missing_host_ret_is_invalid() -> None:
    text = (
        "<QBXML><QBXMLMsgsRs><HostQueryRs statusCode='1000' statusSeverity='Error' "
        "statusMessage='internal error'/></QBXMLMsgsRs></QBXML>"
    )
    with pytest.raises(InvalidXML, match="no HostRet"):
        parse_host_info(text)


def test_hostile_host_response_is_invalid() -> None:
    with pytest.raises(InvalidXML):
        parse_host_info('<!DOCTYPE x [<!ENTITY a "b">]><QBXML/>')


# -- asking for it ourselves, when the Web Connector client sent no strHCPResponse --------------


@pytest.mark.parametrize(
    ("country", "version"), [("US", "2.0"), ("CA", "CA2.0"), ("uk", "UK2.0"), ("", "2.0")]
)
def test_the_host_query_is_written_in_a_version_every_edition_of_that_country_reads(
    country: str, version: str
) -> None:
    assert host_query_version(country) == version


def test_the_host_query_asks_what_the_hcp_response_carries() -> None:
    text = host_query_request("CA2.0", OWNER)
    assert '<?qbxml version="CA2.0"?>' in text
    root = etree.fromstring(text.split("?>", 2)[2].encode())
    (msgs,) = root
    assert msgs.get("onError") == "continueOnError"
    assert [(r.tag, r.get("requestID")) for r in msgs] == [
        ("HostQueryRq", "host"),
        ("CompanyQueryRq", "company"),
        ("PreferencesQueryRq", "preferences"),
    ]
    assert [(c.tag, c.text) for c in msgs[1]] == [("OwnerID", OWNER)]


def test_the_answer_reads_like_an_hcp_response() -> None:
    answer = read_host_query_answer(iter([HCP[:700], HCP[700:]]))
    assert answer.problem is None
    assert answer.host == parse_host_info(HCP)
    assert answer.host is not None and answer.host.file_id(OWNER) == FILE_ID


def test_a_refused_company_query_is_a_problem_not_a_host() -> None:
    refused = HCP.replace(
        '<CompanyQueryRs requestID="1" statusCode="0" statusSeverity="Info" '
        'statusMessage="Status OK">',
        '<CompanyQueryRs requestID="1" statusCode="3261" statusSeverity="Error" '
        'statusMessage="No permission to access personal data.">',
    )
    assert refused != HCP
    answer = read_host_query_answer([refused])
    assert answer.host is None
    assert answer.problem == (
        "QuickBooks refused CompanyQuery (status 3261: No permission to access personal data.)"
    )
    assert answer.recovery is Recovery.PERMISSION


def test_an_empty_answer_is_no_answer_and_a_huge_one_is_refused() -> None:
    empty = read_host_query_answer([])
    assert (empty.host, empty.problem) == (None, None)
    with pytest.raises(InvalidXML, match="over"):
        read_host_query_answer(iter([HCP, "<a/>" * 1024 * 1024]))
    with pytest.raises(InvalidXML):
        read_host_query_answer(['<!DOCTYPE x [<!ENTITY a "b">]><QBXML/>'])
