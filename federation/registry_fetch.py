"""Fetching a shared registry document through the SSRF-safe session.

The URL is the one a node admin subscribed to with the publisher's public
key, so it is not asked of the permit gate (the association publishing a
registry need not be a federating peer); the fetch still goes through
`federation.fetch` (addresses checked at connect time and on every
redirect, no https -> http, the body capped while reading), and the
document is trusted only once its signature verifies
(policy/registry_document.py).
"""

from __future__ import annotations

import aiohttp

from federation.fetch import fetch_bytes
from policy.registry_document import MAX_DOCUMENT_BYTES

ACCEPT = "application/json"


async def fetch_registry(session: aiohttp.ClientSession, url: str) -> bytes:
    """The document's bytes; raises federation.fetch.FetchError."""
    fetched = await fetch_bytes(session, url, headers={"Accept": ACCEPT}, max_bytes=MAX_DOCUMENT_BYTES)
    return fetched.body
