"""IP network lists as operators write them in settings ("10.0.0.0/8, fd00::/8").

A bottom module: settings validates the list when it is loaded, and the webhook destination
policy (webhooks/destinations.py) uses the parsed networks.
"""

from __future__ import annotations

import ipaddress

from qbdsync.errors import ConfigurationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_PRIVATE_SETTING = "QBDSYNC_WEBHOOK_ALLOW_PRIVATE"


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """'10.0.0.0/8, fd00::/8,192.168.1.5' -> networks; ConfigurationError names a bad entry."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigurationError(
                f"{ALLOW_PRIVATE_SETTING}: {item!r} is not an IP network such as 10.0.0.0/8"
            ) from exc
    return tuple(networks)
