"""The address of the client behind a request, `[http] trusted_proxies` aware.

The socket peer, unless it is a trusted proxy: then X-Forwarded-For is
read from the right (each proxy appends the address it saw) past every
trusted proxy, and the first address that is not one is the client's.
Addresses further left were written by the client itself and are never
used, so a client cannot choose its own address by sending the header.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

from aiohttp import web

from node.keys import CONFIG

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def parse_address(text: str) -> Address | None:
    """An IP address from a header item: bare, `[v6]:port` or `v4:port`."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: Sequence[Network]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def resolve(peer: str, forwarded_for: Sequence[str], trusted: Sequence[str]) -> str:
    """The client address for a socket peer and the X-Forwarded-For headers' values."""
    networks = _networks(tuple(trusted))
    peer_address = parse_address(peer) if peer else None
    if not networks or peer_address is None or not _trusted(peer_address, networks):
        return peer
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    chosen = str(peer_address)
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:  # a trusted proxy wrote something unreadable: stop at that proxy
            break
        chosen = str(address)
        if not _trusted(address, networks):
            break
    return chosen


def client_address(request: web.Request) -> str:
    return resolve(request.remote or "", request.headers.getall("X-Forwarded-For", []),
                   request.app[CONFIG].http.trusted_proxies)
