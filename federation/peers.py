"""Peers: their origin, and the permit each declares in its NodeInfo.

`nodeinfo_lookup(session)` is the `declared_lookup` of
`policy.permit_gate.PermitGate`: it reads `/.well-known/nodeinfo`, follows
the 2.1 (else 2.0) link on the same host and returns `metadata.permit`.
It goes through the safe fetch session, and the gate only asks it about
hosts the registry already permits.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from yarl import URL

from federation.addresses import AddressPolicy, parse_ip
from federation.fetch import FetchError, fetch_bytes, parse_json_limited, session_policy
from policy.permit_gate import DeclarationLookupError, DeclaredLookup, PermitGate
from storage.database import Database

logger = logging.getLogger(__name__)

NODEINFO_SCHEMAS = ("http://nodeinfo.diaspora.software/ns/schema/2.1",
                    "http://nodeinfo.diaspora.software/ns/schema/2.0")
NODEINFO_MAX_BYTES = 256 * 1024


def peer_origin(host: str, policy: AddressPolicy) -> str:
    """https://host, or http://host for a literal or loopback host when
    private addresses are allowed (tests, a LAN)."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    plain = policy.allow_private and (name == "localhost" or parse_ip(name) is not None)
    return f"{'http' if plain else 'https'}://{host}"


def url_host(url: str) -> str:
    """host[:port] of a URL, lower-case, default ports dropped ('' if none)."""
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        return ""
    if not parsed.host or parsed.scheme not in ("http", "https"):
        return ""
    host = parsed.host.lower()
    if ":" in host:
        host = f"[{host}]"
    return host if parsed.is_default_port() else f"{host}:{parsed.port}"


async def _json(session: aiohttp.ClientSession, url: str) -> Any:
    fetched = await fetch_bytes(session, url, headers={"Accept": "application/json"},
                                max_bytes=NODEINFO_MAX_BYTES)
    return parse_json_limited(fetched.body)


def _nodeinfo_href(links_doc: Any, host: str) -> str:
    links = links_doc.get("links") if isinstance(links_doc, dict) else None
    by_rel = {link.get("rel"): link.get("href") for link in links or [] if isinstance(link, dict)}
    for schema in NODEINFO_SCHEMAS:
        href = by_rel.get(schema)
        if isinstance(href, str) and url_host(href) == host:
            return href
    raise DeclarationLookupError(f"{host} lists no NodeInfo 2.x document on its own host")


async def declared_permit(session: aiohttp.ClientSession, host: str) -> str | None:
    """The permit number `host` declares in NodeInfo metadata, None if none."""
    origin = peer_origin(host, session_policy(session))
    try:
        href = _nodeinfo_href(await _json(session, f"{origin}/.well-known/nodeinfo"), host)
        document = await _json(session, href)
    except FetchError as exc:
        raise DeclarationLookupError(f"NodeInfo of {host}: {exc}") from None
    metadata = document.get("metadata") if isinstance(document, dict) else None
    permit = metadata.get("permit") if isinstance(metadata, dict) else None
    return permit if isinstance(permit, str) and permit.strip() else None


def nodeinfo_lookup(session: aiohttp.ClientSession) -> DeclaredLookup:
    async def lookup(host: str) -> str | None:
        return await declared_permit(session, host)
    return lookup


def build_permit_gate(db: Database, session: aiohttp.ClientSession, *, require_declared: bool,
                      cache_seconds: int, local_host: str, local_permit: str) -> PermitGate:
    return PermitGate(db, declared_lookup=nodeinfo_lookup(session), require_declared=require_declared,
                      cache_seconds=cache_seconds, local_host=local_host, local_permit=local_permit)
