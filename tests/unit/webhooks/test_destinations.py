"""Which webhook URLs qbdsync posts to: public destinations, and private networks only when the
operator allows them; never metadata services, credentials or ambiguous address forms."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pydantic
import pytest

from qbdsync.errors import ConfigurationError, ForbiddenDestination, RejectedInput
from qbdsync.networks import parse_networks
from qbdsync.settings import Settings
from qbdsync.webhooks.destinations import (
    DestinationPolicy,
    check_addresses,
    check_destination,
    effective_address,
)

PUBLIC = "93.184.216.34"
# Names of a made-up zone, answered by the resolver below and never by real DNS.
ANSWERS = {
    "public.example.test": [PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"],
    "loopback.example.test": ["127.0.0.1"],
    "private.example.test": ["10.1.2.3"],
    "mixed.example.test": [PUBLIC, "127.0.0.1"],
    "metadata-alias.example.test": ["169.254.169.254"],
    "mapped.example.test": ["::ffff:127.0.0.1"],
    "azure-wire.example.test": ["168.63.129.16"],
    # getaddrinfo writes a link-local answer with its interface
    "os6.example.test": ["fe80::a9fe:a9fe%eth0"],
}
NO_PRIVATE = DestinationPolicy()


def resolver(host: str, port: int) -> Sequence[str]:
    if host not in ANSWERS:
        raise OSError(f"cannot resolve {host}")
    return ANSWERS[host]


def refusal(url: str, policy: DestinationPolicy = NO_PRIVATE) -> str:
    with pytest.raises(ForbiddenDestination) as caught:
        check_destination(url, policy, resolver)
    return str(caught.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address"),
        ("http://127.9.9.9/", "127.9.9.9 is a loopback address"),
        ("http://localhost:5432/", "localhost is a loopback name"),
        ("http://LocalHost./", "localhost. is a loopback name"),
        ("http://api.localhost/", "api.localhost is a loopback name"),
        ("http://[::1]:6379/", "::1 is a loopback address"),
        ("http://0.0.0.0:80/", "0.0.0.0 is an unspecified address"),
        ("http://[::]/", ":: is an unspecified address"),
        ("http://2130706433/", "would be read as an IPv4 address"),
        ("http://127.1/", "would be read as an IPv4 address"),
        ("http://0x7f.0.0.1/", "would be read as an IPv4 address"),
        ("http://0x7f000001/", "would be read as an IPv4 address"),
        ("http://0177.0.0.1/", "Invalid IPv4 address"),
        ("http://10.0.0.1/", "10.0.0.1 is a private address"),
        ("http://172.16.5.4/", "172.16.5.4 is a private address"),
        ("http://192.168.1.1/admin", "192.168.1.1 is a private address"),
        ("http://100.64.0.1/", "100.64.0.1 is a shared (carrier-grade NAT) address"),
        ("http://169.254.1.1/", "169.254.1.1 is a link-local address"),
        ("http://[fe80::1]/", "fe80::1 is a link-local address"),
        ("http://[fe80::1%25eth0]/", "scoped (link-local) IPv6 addresses are refused"),
        ("http://[fd12:3456::1]/", "fd12:3456::1 is a private address"),
        ("http://224.0.0.251/", "224.0.0.251 is a multicast address"),
        ("http://[ff02::1]/", "ff02::1 is a multicast address"),
        ("http://255.255.255.255/", "255.255.255.255 is a broadcast address"),
        ("http://198.18.0.1/", "198.18.0.1 is a reserved or special-purpose address"),
        ("http://240.0.0.1/", "240.0.0.1 is a reserved or special-purpose address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
        ("http://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata address"),
        ("http://100.100.100.200/", "100.100.100.200 is a cloud metadata address"),
        ("http://168.63.129.16/machine?comp=goalstate", "168.63.129.16 is a cloud metadata"),
        ("http://192.0.0.192/", "192.0.0.192 is a cloud metadata address"),
        ("http://[fd20:ce::254]/", "fd20:ce::254 is a cloud metadata address"),
        ("http://[fe80::a9fe:a9fe]/", "fe80::a9fe:a9fe is a cloud metadata address"),
        ("https://azure-wire.example.test/", "resolves to 168.63.129.16, a cloud metadata"),
        ("https://os6.example.test/", "resolves to fe80::a9fe:a9fe%eth0, a cloud metadata"),
        # ports: httpx parses any integer, only 1-65535 are TCP ports
        ("http://example.com:0/", "port 0 is not a TCP port (1 to 65535)"),
        ("http://example.com:99999/", "port 99999 is not a TCP port"),
        ("http://example.com:-1/", "port -1 is not a TCP port"),
        (f"http://{PUBLIC}:65536/", "port 65536 is not a TCP port"),
        ("http://metadata.google.internal/", "metadata.google.internal is a cloud metadata host"),
        ("http://METADATA.GOOGLE.INTERNAL./", "metadata.google.internal. is a cloud metadata host"),
        ("http://metadata/computeMetadata/v1/", "metadata is a cloud metadata host"),
        ("http://instance-data/latest/", "instance-data is a cloud metadata host"),
        ("http://instance-data.ec2.internal/", "is a cloud metadata host"),
        # IPv6 forms that carry an IPv4 address are judged by that address
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1 (127.0.0.1) is a loopback address"),
        ("http://[::ffff:0:a00:1]/", "(10.0.0.1) is a private address"),
        ("http://[64:ff9b::a9fe:a9fe]/", "(169.254.169.254) is a cloud metadata address"),
        ("http://[64:ff9b::7f00:1]/", "(127.0.0.1) is a loopback address"),
        ("http://[2002:c0a8:101::1]/", "(192.168.1.1) is a private address"),
        ("http://[::7f00:1]/", "::7f00:1 is a reserved or special-purpose address"),
        ("http://[64:ff9b:1::1]/", "is a reserved or special-purpose address"),
        # credentials, schemes, malformed hosts
        ("http://user:pass@example.com/", "must not carry a user name or password"),
        ("https://token@example.com/", "must not carry a user name or password"),
        ("http://example.com\\@127.0.0.1/", "must not carry a user name or password"),
        ("ftp://example.com/", "must start with http:// or https://"),
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("gopher://127.0.0.1:6379/_INFO", "must start with http:// or https://"),
        ("http:///path-only", "the URL has no host"),
        ("http://%31%32%37.0.0.1/", "is not a valid host name"),
        ("http://exa mple.com/", "not a valid"),
        # names resolved now: every answer must be allowed
        ("https://loopback.example.test/", "loopback.example.test resolves to 127.0.0.1"),
        ("https://private.example.test/", "resolves to 10.1.2.3, a private address"),
        ("https://mixed.example.test/", "mixed.example.test resolves to 127.0.0.1"),
        ("https://metadata-alias.example.test/", "resolves to 169.254.169.254, a cloud metadata"),
        ("https://mapped.example.test/", "resolves to ::ffff:7f00:1 (127.0.0.1), a loopback"),
    ],
)
def test_internal_destinations_are_refused(url: str, reason: str) -> None:
    assert reason in refusal(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://public.example.test/hooks",
        "http://public.example.test.:8080/hooks",  # a trailing dot is the same name
        f"http://{PUBLIC}/hooks",
        "https://[2606:4700:4700::1111]/hooks",
        "https://[64:ff9b::5db8:d822]/",  # NAT64 of a public address
        "https://not-yet-registered.example.test/hooks",  # resolves to nothing yet: checked later
        "https://xn--bcher-kva.example/hooks",
        "https://bücher.example/hooks",
    ],
)
def test_public_destinations_are_accepted(url: str) -> None:
    check_destination(url, NO_PRIVATE, resolver)


def test_the_operator_allows_private_networks_explicitly() -> None:
    policy = DestinationPolicy.parse("10.0.0.0/8, 127.0.0.0/8,fd00::/8")
    for url in (
        "http://10.1.2.3/hook",
        "https://private.example.test/",
        "http://127.0.0.1:9000/",
        "http://localhost:9000/",
        "http://[::ffff:127.0.0.1]/",  # the same address as 127.0.0.1
        "http://[fd12::1]/",
    ):
        check_destination(url, policy, resolver)
    # what the list does not name stays refused, and some things are never allowed
    assert "192.168.1.1 is a private address" in refusal("http://192.168.1.1/", policy)
    assert "::1 is a loopback address" in refusal("http://[::1]/", policy)
    assert "metadata" in refusal("http://169.254.169.254/", DestinationPolicy.parse("0.0.0.0/0"))
    assert "metadata" in refusal("http://[fd00:ec2::254]/", policy)
    # metadata addresses inside a network the operator allowed stay refused
    everything = DestinationPolicy.parse("0.0.0.0/0, ::/0")
    for address in (
        "169.254.169.254",
        "168.63.129.16",
        "100.100.100.200",
        "192.0.0.192",
        "[fd00:ec2::254]",
        "[fd20:ce::254]",
        "[fe80::a9fe:a9fe]",
    ):
        assert "metadata" in refusal(f"http://{address}/", everything), address
    assert "metadata" in refusal("http://[fe80::a9fe:a9fe]/", DestinationPolicy.parse("fe80::/10"))
    assert "metadata" in refusal("https://os6.example.test/", DestinationPolicy.parse("fe80::/10"))
    assert "unspecified" in refusal("http://0.0.0.0/", DestinationPolicy.parse("0.0.0.0/0"))
    assert "multicast" in refusal("http://224.0.0.1/", DestinationPolicy.parse("224.0.0.0/4"))
    assert "cloud metadata host" in refusal("http://metadata.google.internal/", policy)
    # an allowed network does not make an ambiguous address form acceptable
    assert "would be read as an IPv4 address" in refusal("http://167772161/", policy)


def test_each_resolved_address_is_checked() -> None:
    assert check_addresses("public.example.test", ANSWERS["public.example.test"], NO_PRIVATE)
    with pytest.raises(ForbiddenDestination, match=r"resolves to 127\.0\.0\.1"):
        check_addresses("mixed.example.test", [PUBLIC, "127.0.0.1"], NO_PRIVATE)
    with pytest.raises(ForbiddenDestination, match="resolved to no address"):
        check_addresses("empty.example.test", [], NO_PRIVATE)
    # duplicates (one per socket type or family) are tried once
    assert check_addresses("twice.example.test", [PUBLIC, PUBLIC], NO_PRIVATE) == [PUBLIC]


def test_embedded_ipv4_addresses() -> None:
    for text, plain in [
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("64:ff9b::7f00:1", "127.0.0.1"),
        ("2002:7f00:1::1", "127.0.0.1"),
        ("::ffff:0:7f00:1", "127.0.0.1"),
        ("2606:4700::1111", "2606:4700::1111"),
        ("8.8.8.8", "8.8.8.8"),
    ]:
        assert str(effective_address(ipaddress.ip_address(text))) == plain


def test_refusals_are_rejected_input() -> None:
    assert issubclass(ForbiddenDestination, RejectedInput)  # the API answers 400


def test_the_allow_list_setting() -> None:
    assert parse_networks("") == ()
    assert [str(n) for n in parse_networks(" 10.0.0.0/8 , fd00::/8,192.168.1.7,")] == [
        "10.0.0.0/8",
        "fd00::/8",
        "192.168.1.7/32",
    ]
    with pytest.raises(ConfigurationError, match="'intranet' is not an IP network"):
        parse_networks("10.0.0.0/8,intranet")
    assert Settings(webhook_allow_private="10.0.0.0/8").webhook_allow_private == "10.0.0.0/8"
    assert Settings().webhook_allow_private == ""  # off by default
    with pytest.raises(pydantic.ValidationError, match="QBDSYNC_WEBHOOK_ALLOW_PRIVATE"):
        Settings(webhook_allow_private="10.0.0.0/33")


def test_the_allow_list_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QBDSYNC_WEBHOOK_ALLOW_PRIVATE", "10.0.0.0/8,192.168.0.0/16")
    policy = DestinationPolicy.parse(Settings().webhook_allow_private)
    check_destination("http://192.168.4.4/", policy, resolver)
    assert "private" in refusal("http://172.16.0.1/", policy)
