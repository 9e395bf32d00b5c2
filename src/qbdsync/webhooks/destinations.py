"""Where webhooks may go: public addresses only, unless an operator allows private networks.

A tenant chooses its consumer's URL, and qbdsync's server posts to it from inside the
operator's network. Without these checks a URL is a port scanner and a reader for whatever
that network holds (databases, admin pages, the cloud's metadata service with its credentials).

Two checks, both here:

- `check_url` looks at the URL alone: http(s), no credentials, a host written in one
  unambiguous form, not a metadata host name, and (for an address literal) an allowed address.
- `check_addresses` judges every address a host name resolved to. The API runs it when a
  consumer is created; the delivery transport (transport.py) runs it again on the answer it is
  about to connect to, so a DNS answer that changes in between (DNS rebinding) is caught too.

ipaddress's own `is_global` is used as the last word, but it is not enough alone: on the Python
versions we support it calls multicast, NAT64 and IPv4-compatible IPv6 addresses global, so the
special-purpose ranges (IANA's IPv4 and IPv6 special-purpose address registries) are listed here
and IPv6 forms that carry an IPv4 address are judged by that address.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import httpx

from qbdsync.errors import ForbiddenDestination
from qbdsync.networks import IPAddress, IPNetwork, parse_networks

# Resolves (host, port) to the addresses a connection may use, as getaddrinfo would.
Resolver = Callable[[str, int], Sequence[str]]


def _nets(*cidrs: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c) for c in cidrs)


# What each kind of non-public range is called in an error message, most specific first.
# The allow-list can open these (an operator's consumers may live on a private network).
_SPECIAL: tuple[tuple[str, tuple[IPNetwork, ...]], ...] = (
    ("a loopback address", _nets("127.0.0.0/8", "::1/128")),
    (
        "a private address",
        _nets("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10"),
    ),
    ("a shared (carrier-grade NAT) address", _nets("100.64.0.0/10")),
    ("a link-local address", _nets("169.254.0.0/16", "fe80::/10")),
    (
        "a reserved or special-purpose address",
        _nets(
            "192.0.0.0/24",  # IETF protocol assignments
            "192.0.2.0/24",  # documentation (TEST-NET-1)
            "198.18.0.0/15",  # benchmarking
            "198.51.100.0/24",  # documentation (TEST-NET-2)
            "203.0.113.0/24",  # documentation (TEST-NET-3)
            "240.0.0.0/4",  # reserved
            "::/96",  # IPv4-compatible IPv6 (deprecated)
            "64:ff9b:1::/48",  # local-use NAT64
            "100::/64",  # discard-only
            "2001::/23",  # IETF protocol assignments (Teredo, ORCHID, …)
            "2001:db8::/32",  # documentation
            "3fff::/20",  # documentation
            "5f00::/16",  # segment routing SIDs
        ),
    ),
)

# Never a destination, whatever the allow-list says.
_NEVER: tuple[tuple[str, tuple[IPNetwork, ...]], ...] = (
    ("an unspecified address", _nets("0.0.0.0/8", "::/128")),
    ("a multicast address", _nets("224.0.0.0/4", "ff00::/8")),
    ("a broadcast address", _nets("255.255.255.255/32")),
)

# Cloud metadata services hand out credentials: never reachable, whatever the allow-list says.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack, …
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.170.23",  # AWS EKS pod identity
        "169.254.0.23",  # Tencent Cloud
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (classic)
        "fd00:ec2::254",  # AWS over IPv6
        "fd00:ec2::23",  # AWS EKS pod identity over IPv6
        "fd20:ce::254",  # GCP over IPv6
        "fe80::a9fe:a9fe",  # OpenStack over IPv6 (169.254.169.254 in the low bits)
        # Azure's WireServer: a public address, but answers only from inside Azure, where it
        # hands VM agents their configuration (and certificates).
        "168.63.129.16",
    )
)
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
        "metadata.platformequinix.com",  # Equinix Metal's is on a public address
        "metadata.packet.net",
    }
)

_LOOPBACK = ipaddress.IPv4Address("127.0.0.1")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIIT = ipaddress.ip_network("::ffff:0:0:0/96")  # IPv4-translated addresses
# A DNS label as getaddrinfo takes it (letters, digits, hyphens; underscores occur in practice).
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
# WHATWG's "ends in a number": such a host is parsed as an IPv4 address by browsers and by
# inet_aton (2130706433, 0x7f.1, 127.1, 0177.0.0.1 all mean 127.0.0.1).
_NUMERIC_LABEL = re.compile(r"^(?:[0-9]+|0x[0-9a-f]*)$")


@dataclass(frozen=True)
class DestinationPolicy:
    """Which non-public networks an operator lets webhooks reach (none by default)."""

    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, allow_private: str) -> DestinationPolicy:
        """From QBDSYNC_WEBHOOK_ALLOW_PRIVATE: CIDRs or addresses, comma-separated."""
        return cls(parse_networks(allow_private))

    def allows(self, address: IPAddress) -> bool:
        return any(address.version == net.version and address in net for net in self.allowed)


def effective_address(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address stands for (mapped, translated, NAT64, 6to4), else
    itself: ::ffff:127.0.0.1 reaches 127.0.0.1 and is judged as it."""
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Address(address.packed)  # drop a %scope, which ranges ignore
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64 or address in _SIIT:
            return ipaddress.IPv4Address(address.packed[-4:])
    return address


def why_forbidden(address: IPAddress, policy: DestinationPolicy) -> str | None:
    """What kind of address `address` is when webhooks must not go to it under `policy`
    (e.g. "a loopback address"), or None when they may."""
    plain = effective_address(address)
    for candidate in (plain, address):
        if candidate in METADATA_ADDRESSES:
            return "a cloud metadata address"
        for kind, networks in _NEVER:
            if _within(candidate, networks):
                return kind
    if policy.allows(plain) or policy.allows(address):
        return None
    for kind, networks in _SPECIAL:
        if _within(plain, networks):
            return kind
    if not plain.is_global:
        return "not a public address"
    return None


def _within(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def check_address(address: IPAddress, policy: DestinationPolicy) -> None:
    kind = why_forbidden(address, policy)
    if kind is not None:
        raise ForbiddenDestination(f"{_shown(address)} is {kind}")


def _shown(address: IPAddress) -> str:
    """The address, with the IPv4 address it stands for: `::ffff:7f00:1 (127.0.0.1)`."""
    plain = effective_address(address)
    return str(address) if plain.version == address.version else f"{address} ({plain})"


def check_addresses(host: str, addresses: Iterable[str], policy: DestinationPolicy) -> list[str]:
    """The distinct addresses `host` resolved to, when every one is allowed. One bad answer
    refuses the host: a name that mixes public and internal answers is an attack, not a
    configuration."""
    checked: list[str] = []
    for text in addresses:
        try:
            address = ipaddress.ip_address(text)
        except ValueError as exc:
            raise ForbiddenDestination(f"{host} resolved to {text!r}, not an address") from exc
        kind = why_forbidden(address, policy)
        if kind is not None:
            if address == _address_literal(host):
                raise ForbiddenDestination(f"{_shown(address)} is {kind}")
            raise ForbiddenDestination(f"{host} resolves to {_shown(address)}, {kind}")
        if text not in checked:
            checked.append(text)
    if not checked:
        raise ForbiddenDestination(f"{host} resolved to no address")
    return checked


def system_resolver(host: str, port: int) -> Sequence[str]:
    """The operating system's answer for `host` (what a plain connect would have used)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def check_url(url: str, policy: DestinationPolicy) -> httpx.URL:
    """The parsed URL when its form may be posted to; ForbiddenDestination says why not.

    Parsed by httpx, the parser that will post to it, so the host judged here is the host the
    request goes to (parsers disagree about odd URLs such as `http://a\\@b/`).
    """
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ForbiddenDestination(f"not a valid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise ForbiddenDestination("the URL must start with http:// or https://")
    if parsed.userinfo:
        raise ForbiddenDestination(
            "the URL must not carry a user name or password; "
            "consumers verify deliveries by their signature"
        )
    host = parsed.raw_host.decode("ascii").lower()
    if not host:
        raise ForbiddenDestination("the URL has no host")
    # httpx takes any integer (0, 99999, -1); the socket layer would fail or wrap it.
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise ForbiddenDestination(f"port {parsed.port} is not a TCP port (1 to 65535)")
    literal = _address_literal(host)
    if literal is not None:
        check_address(literal, policy)
        return parsed
    name = host.rstrip(".")  # `metadata.google.internal.` is the same name
    labels = name.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise ForbiddenDestination(f"{host!r} is not a valid host name")
    if _NUMERIC_LABEL.match(labels[-1]):
        raise ForbiddenDestination(
            f"{host!r} would be read as an IPv4 address; write addresses as four decimal "
            "numbers (e.g. 203.0.113.7)"
        )
    if name in METADATA_HOSTS:
        raise ForbiddenDestination(f"{host} is a cloud metadata host")
    if name == "localhost" or name.endswith(".localhost"):
        # RFC 6761: these names mean loopback whatever a resolver says (or fails to say).
        kind = why_forbidden(_LOOPBACK, policy)
        if kind is not None:
            raise ForbiddenDestination(f"{host} is {kind.replace('address', 'name')}")
    return parsed


def _address_literal(host: str) -> IPAddress | None:
    """An IP address written as one, or None for a name. IPv6 zone ids (fe80::1%eth0) are
    refused: only link-local addresses have them."""
    text = host.strip("[]")
    if ":" in text and "%" in text:
        raise ForbiddenDestination(f"{host!r}: scoped (link-local) IPv6 addresses are refused")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def check_destination(
    url: str, policy: DestinationPolicy, resolver: Resolver = system_resolver
) -> None:
    """The checks a new consumer's URL must pass: its form, then each address its host
    resolves to now. A name that does not resolve yet is accepted: nothing is known to be
    wrong with it, and the delivery transport checks whatever it resolves to later."""
    parsed = check_url(url, policy)
    host = parsed.raw_host.decode("ascii")
    if _address_literal(host) is not None:
        return
    try:
        addresses = resolver(host, parsed.port or (443 if parsed.scheme == "https" else 80))
    except OSError:
        return
    check_addresses(host, addresses, policy)
