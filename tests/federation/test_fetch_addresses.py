"""The special-address prefix lists and the policy built on them."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from federation.addresses import AddressPolicy, embedded_ipv4, is_special_address, parse_ip
from federation.fetch import ForbiddenAddressError, guarded_socket_factory

SPECIAL = [
    "0.1.2.3", "10.1.1.1", "100.64.0.1", "100.127.255.255", "127.0.0.1", "127.255.255.254",
    "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.88.99.1",
    "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1",
    "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "::", "::1", "::127.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "64:ff9b:1::1", "100::1", "2001::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:1ff::1", "2001:db8::1", "2002:7f00:1::1",
    "2002:c0a8:101::1", "3fff::1", "5f00::1", "fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0",
    "fec0::1", "ff02::1", "[::1]",
]
ORDINARY = [
    "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
    "192.0.1.1", "192.169.0.1", "198.17.255.255", "198.20.0.0", "223.255.255.255",
    "2606:4700:4700::1111", "2a00:1450:4001::1", "2001:4860:4860::8888", "::ffff:8.8.8.8",
    "64:ff9b::808:808", "2002:808:808::1",
]


@pytest.mark.parametrize("text", SPECIAL)
def test_special_addresses_are_refused(text: str) -> None:
    address = parse_ip(text)
    assert address is not None and is_special_address(address)
    assert not AddressPolicy().permits_text(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_addresses_are_permitted(text: str) -> None:
    address = parse_ip(text)
    assert address is not None and not is_special_address(address)
    assert AddressPolicy().permits_text(text)


def test_embedded_ipv4_is_unwrapped() -> None:
    for text, inner in [("::ffff:1.2.3.4", "1.2.3.4"), ("64:ff9b::102:304", "1.2.3.4"),
                        ("2002:102:304::5", "1.2.3.4")]:
        assert embedded_ipv4(ipaddress.IPv6Address(text)) == ipaddress.IPv4Address(inner)
    assert embedded_ipv4(ipaddress.IPv6Address("2606:4700::1")) is None


def test_names_are_not_addresses() -> None:
    assert parse_ip("localhost") is None and parse_ip("2130706433") is None
    assert not AddressPolicy().permits_text("localhost")


def test_policy_switches() -> None:
    assert AddressPolicy(allow_private=True).permits_text("127.0.0.1")
    narrow = AddressPolicy(allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    assert narrow.permits_text("127.0.0.1") and narrow.permits_text("::ffff:127.0.0.1")
    assert not narrow.permits_text("127.0.0.2") and not narrow.permits_text("::1")
    assert not narrow.permits_text("10.0.0.1")


def test_socket_factory_refuses_at_connect_time() -> None:
    make = guarded_socket_factory(AddressPolicy())
    with pytest.raises(ForbiddenAddressError):
        make((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", 80)))
    with pytest.raises(ForbiddenAddressError):
        make((socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("::ffff:10.0.0.1", 80, 0, 0)))
    sock = make((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("8.8.8.8", 443)))
    sock.close()
