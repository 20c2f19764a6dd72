"""Bad signatures and unknown keys cannot make the node fetch without bound (issue #14).

The fuzz figure: on main, each inbox POST with a bad signature or an
unknown keyId made the node fetch the actor again (2,294 outbound
fetches in one run; here 300 bad POSTs made 300). Now a key is refetched
at most once per few minutes, and a host whose key fetches keep failing
gets no more for a while (`federation/key_limits.py`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from federation import actors
from federation.httpsig import ACTIVITY_JSON, sign_request
from tests.federation.nodes import Peers, create, mutual_peers, note, signed_post, signing_key

BAD_POSTS_EACH = 100


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path, 2)
    yield started
    await started.close()


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every document the node fetches for an actor or key (the fetch itself still runs)."""
    seen: list[str] = []
    real = actors.fetch_activitypub

    async def counted(session: Any, url: str, **kwargs: Any) -> Any:
        seen.append(url)
        return await real(session, url, **kwargs)

    monkeypatch.setattr(actors, "fetch_activitypub", counted)
    return seen


async def _post(http: aiohttp.ClientSession, url: str, body: bytes, key_id: str, pem: str) -> int:
    headers = sign_request("POST", url, {"Content-Type": ACTIVITY_JSON}, body, key_id, pem)
    async with http.post(url, data=body, headers=headers) as resp:
        return resp.status


async def _burst(http: aiohttp.ClientSession, url: str, bodies: list[tuple[bytes, str]], pem: str) -> list[int]:
    statuses: list[int] = []
    for start in range(0, len(bodies), 20):  # 20 at a time, as a fuzzer with a small pool would
        statuses += await asyncio.gather(*(_post(http, url, body, key_id, pem)
                                           for body, key_id in bodies[start:start + 20]))
    return statuses


async def test_bad_posts_make_a_bounded_number_of_fetches(peers: Peers, http: aiohttp.ClientSession,
                                                          fetches: list[str]) -> None:
    home, peer = peers.nodes
    bob = (await peer.account("bob")).account
    mallory = (await peer.account("mallory")).account
    inbox = home.url("/inbox")
    def home_fetches() -> int:  # what home fetched from the peer (the peer also fetches home's instance actor)
        return sum(1 for url in fetches if url.startswith(peer.url("/")))

    # Given bob's key is known here (one good POST: one fetch)
    assert (await signed_post(http, inbox, create(bob, note(bob, 0)), peer, bob)).status == 202
    assert home_fetches() == 1
    _mallory_key, mallory_pem = await signing_key(peer, mallory)

    def body(i: int) -> bytes:
        return json.dumps(create(bob, note(bob, i))).encode()

    # When a fuzzer sends bad POSTs: bob's keyId signed with another key (a forged signature),
    forged = [(body(i), bob.public_key_id) for i in range(1, BAD_POSTS_EACH + 1)]
    # one unknown keyId over and over, and a new unknown keyId each time
    same_unknown = [(body(i), peer.url("/users/ghost#main-key")) for i in range(BAD_POSTS_EACH)]
    fresh_unknown = [(body(i), peer.url(f"/users/ghost{i}#main-key")) for i in range(BAD_POSTS_EACH)]
    statuses = []
    for bodies in (forged, same_unknown, fresh_unknown):
        statuses += await _burst(http, inbox, bodies, mallory_pem)
    # Then every one is refused
    assert set(statuses) == {401}
    # And the node fetched: bob's key again once (it may have rotated), the ghost once,
    # and new ghosts until the peer's host had failed 10 times (not 300 fetches)
    outbound = home_fetches() - 1
    print(f"{3 * BAD_POSTS_EACH} bad POSTs -> {outbound} outbound fetches")
    assert outbound <= 12, fetches
    # A good POST from bob still goes through
    assert (await signed_post(http, inbox, create(bob, note(bob, 999)), peer, bob)).status == 202
