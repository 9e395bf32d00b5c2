from __future__ import annotations

import pytest

from qbdsync.errors import InvalidXML
from qbdsync.qbxml.hostinfo import DataExt, parse_host_info

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
