"""Addresses a federation fetch may never connect to, as explicit prefix lists.

`ipaddress.is_global` changes between Python versions and misses addresses
that carry an IPv4 address inside an IPv6 one, so the lists are written out
here (IANA special-purpose registries, RFC 6890 and successors) and every
embedding (IPv4-mapped, NAT64, 6to4) is unwrapped and checked as IPv4.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

logger = logging.getLogger(__name__)

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

SPECIAL_IPV4: tuple[IPv4Network, ...] = tuple(IPv4Network(p) for p in (
    "0.0.0.0/8",           # "this network"
    "10.0.0.0/8",          # private
    "100.64.0.0/10",       # carrier-grade NAT
    "127.0.0.0/8",         # loopback
    "169.254.0.0/16",      # link-local (cloud metadata lives here)
    "172.16.0.0/12",       # private
    "192.0.0.0/24",        # IETF protocol assignments
    "192.0.2.0/24",        # documentation TEST-NET-1
    "192.88.99.0/24",      # 6to4 relay anycast (deprecated)
    "192.168.0.0/16",      # private
    "198.18.0.0/15",       # benchmarking
    "198.51.100.0/24",     # documentation TEST-NET-2
    "203.0.113.0/24",      # documentation TEST-NET-3
    "224.0.0.0/4",         # multicast
    "240.0.0.0/4",         # reserved
    "255.255.255.255/32",  # limited broadcast
))

SPECIAL_IPV6: tuple[IPv6Network, ...] = tuple(IPv6Network(p) for p in (
    "::/128",              # unspecified
    "::1/128",             # loopback
    "::/96",               # IPv4-compatible (deprecated), never routable
    "100::/64",            # discard-only
    "64:ff9b:1::/48",      # local-use NAT64
    "2001::/23",           # IETF protocol assignments, includes Teredo 2001::/32
    "2001:db8::/32",       # documentation
    "3fff::/20",           # documentation (RFC 9637)
    "5f00::/16",           # SRv6 SIDs
    "fc00::/7",            # unique local
    "fe80::/10",           # link-local
    "fec0::/10",           # site-local (deprecated)
    "ff00::/8",            # multicast
))

# IPv6 prefixes whose address carries an IPv4 address: checked as that IPv4.
IPV4_MAPPED = IPv6Network("::ffff:0:0/96")
NAT64_WELL_KNOWN = IPv6Network("64:ff9b::/96")
SIX_TO_FOUR = IPv6Network("2002::/16")


def parse_ip(text: str) -> IPAddress | None:
    """The address in `text` (brackets and zone id allowed), or None for a name."""
    candidate = text.strip()
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    candidate = candidate.split("%", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, NAT64 or 6to4 address."""
    if address in IPV4_MAPPED or address in NAT64_WELL_KNOWN:
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    if address in SIX_TO_FOUR:
        return IPv4Address((int(address) >> 80) & 0xFFFF_FFFF)
    return None


def is_special_address(address: IPAddress) -> bool:
    """True for every address a federation fetch must not reach by default."""
    if isinstance(address, IPv4Address):
        return any(address in net for net in SPECIAL_IPV4)
    if any(address in net for net in SPECIAL_IPV6):
        return True
    inner = embedded_ipv4(address)
    return inner is not None and is_special_address(inner)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which resolved addresses an outgoing connection may use.

    `allow_private` (config `federation.allow_private_addresses`) turns the
    check off, for nodes federating on a LAN or tests on loopback;
    `allow_networks` admits a few special networks while refusing the rest.
    """

    allow_private: bool = False
    allow_networks: tuple[IPNetwork, ...] = ()

    def permits(self, address: IPAddress) -> bool:
        if self.allow_private or not is_special_address(address):
            return True
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address.version == net.version and address in net
                   for net in self.allow_networks)

    def permits_text(self, text: str) -> bool:
        """`permits` for a textual address; a name (not an address) is refused."""
        address = parse_ip(text)
        return address is not None and self.permits(address)
