"""The node's instance actor: who signs the node's own fetches.

Served at `/actor` (an Application named after the domain, Mastodon's
convention), readable unsigned like every actor document, so a peer in
secure mode can verify the GETs this node signs with it: actor and key
fetches, and objects fetched by id (a boost's original).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from federation import vocab
from federation.fetch import RequestSigner
from federation.httpsig import request_signer
from federation.keys import generate_keypair
from storage import node_keys
from storage.database import Database

# `deliveries.signer_account_id` of a row the instance actor signs (a
# forwarded report's Flag): no account has id 0.
INSTANCE_SIGNER = 0


@dataclass(frozen=True, slots=True)
class InstanceActor:
    uri: str
    key_id: str
    public_key_pem: str
    private_key_pem: str

    def signer(self) -> RequestSigner:
        return request_signer(self.key_id, self.private_key_pem)


def instance_actor_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/actor"


async def load_instance_actor(db: Database, base_url: str) -> InstanceActor:
    """The stored key pair, made (off the event loop) on first start."""
    keys = await node_keys.get_instance_keys(db)
    if keys is None:
        private, public = await asyncio.to_thread(generate_keypair)
        keys = await node_keys.store_instance_keys(db, private, public)
    uri = instance_actor_url(base_url)
    return InstanceActor(uri, f"{uri}#main-key", keys[1], keys[0])


def instance_actor_document(actor: InstanceActor, domain: str, base_url: str) -> dict[str, Any]:
    shared_inbox = f"{base_url.rstrip('/')}/inbox"
    return vocab.with_context({
        "id": actor.uri, "type": "Application", "preferredUsername": domain, "name": domain,
        "inbox": shared_inbox, "outbox": f"{actor.uri}/outbox", "url": f"{base_url.rstrip('/')}/about",
        "manuallyApprovesFollowers": True, "endpoints": {"sharedInbox": shared_inbox},
        "publicKey": {"id": actor.key_id, "owner": actor.uri, "publicKeyPem": actor.public_key_pem},
    })
