"""What federation code needs of the running node, under one typed key.

Federation must not import `node`, so the node's composition root builds a
`Federation` value (settings, database, id generator, permit gate, fetch
session, screening) and puts it under `FEDERATION`; federation handlers
and workers read only that. The key is absent while federation is off
(article 6: no permit of our own), and every federation route then
answers 404.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from aiohttp import web

from federation.instance_actor import InstanceActor
from federation.urls import Urls
from policy.compliance_refusals import RefusalTally
from policy.permit_gate import PermitGate
from policy.publication import IdentityRules, ScreeningPort
from storage.database import Database
from storage.ids import IdGenerator
from storage.statuses import StatusRow


class DeliveryPort(Protocol):
    """federation.delivery.DeliveryQueue, as inbox processing uses it."""

    async def enqueue(self, activity: Mapping[str, Any], inboxes: Iterable[str],
                      signer_account_id: int) -> int: ...


class StreamPort(Protocol):
    """The node's streaming API, as federation tells it about statuses it
    stored, after the commit. Calls return at once (the node renders and
    sends later), so inbox processing never waits on a client."""

    def status_created(self, status_id: int) -> None: ...

    def status_edited(self, status_id: int) -> None: ...

    def status_deleted(self, status: StatusRow, mentioned: Sequence[int] = ()) -> None: ...


class NoStream:
    """The StreamPort while the node streams nothing (and in tests)."""

    def status_created(self, status_id: int) -> None:
        pass

    def status_edited(self, status_id: int) -> None:
        pass

    def status_deleted(self, status: StatusRow, mentioned: Sequence[int] = ()) -> None:
        pass


NO_STREAM = NoStream()


@dataclass(frozen=True, slots=True)
class FederationSettings:
    domain: str  # host[:port], as in acct: and the Host header
    base_url: str
    permit: str
    secure_mode: bool = True
    max_body_bytes: int = 1_048_576
    user_agent: str = "permitted-node/0.1"
    link_mode: str = "unlink"  # [federation] links, for links in inbound content too
    link_allow_hosts: tuple[str, ...] = ()


@dataclass(slots=True)
class InboxPace:
    """When the inbox last accepted an activity, so that applying them can
    wait for a lull: the 202 is what a sender waits for, applying is not."""

    last_accept: float = 0.0

    def accepted(self) -> None:
        self.last_accept = time.monotonic()

    def busy(self, within: float) -> bool:
        return time.monotonic() - self.last_accept < within


@dataclass(frozen=True, slots=True)
class Federation:
    settings: FederationSettings
    db: Database
    ids: IdGenerator
    gate: PermitGate
    session: aiohttp.ClientSession
    identity_rules: IdentityRules
    instance: InstanceActor
    # Getters: the screening policy and the delivery queue start in their
    # own cleanup contexts, possibly after this value is built.
    screening: Callable[[], ScreeningPort | None] = lambda: None
    delivery: Callable[[], DeliveryPort | None] = lambda: None
    stream: Callable[[], StreamPort] = lambda: NO_STREAM
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    pace: InboxPace = field(default_factory=InboxPace)
    refusals: RefusalTally = field(default_factory=RefusalTally)  # for the compliance figures

    @property
    def urls(self) -> Urls:
        return Urls.of(self.settings.base_url)


FEDERATION = web.AppKey("federation", Federation)
PERMIT_GATE = web.AppKey("permit_gate", PermitGate)
FETCH_SESSION = web.AppKey("fetch_session", aiohttp.ClientSession)
