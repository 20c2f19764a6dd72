"""Publishing this node's registry as a signed document (`registry publish`).

The permits are the node's own entries, every status included (a
suspension or revocation is news to subscribers too); entries this node
itself learnt from a subscription are not passed on, so every document
speaks only for its signer. With lists, each screening category of
config.toml goes out with its terms in list-file syntax, the kind always
written (`substring:`, `word:`, `re:`), so a subscriber reads them exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.config import Config
from node.screening_setup import source_from
from policy import permits
from policy.registry_document import (PublishedList, RegistryDocumentError, build_payload, parse_payload,
                                      sign_document)
from policy.registry_lists import write_atomic
from policy.registry_merge import subscription_of
from policy.screening.lists import read_list_file
from storage import permits as permit_store
from storage.database import Database

DEFAULT_VALID_DAYS = 30


@dataclass(frozen=True, slots=True)
class Published:
    version: int
    permits: int
    lists: int
    terms: int
    expires_at: dt.datetime
    document: bytes


def published_lists(config: Config) -> list[PublishedList]:
    """The config's categories with every term of their list files (raises PolicyError)."""
    source = source_from(config, registry=False)
    lists = []
    for category in source.categories:
        terms: list[str] = []
        for path in category.lists:
            _, found = read_list_file(path)
            terms.extend(f"{t.kind}:{t.term}" for t in found)
        lists.append(PublishedList(category.name, category.action, category.description, category.exemptions,
                                   tuple(dict.fromkeys(terms))))
    return lists


def previous_version(out: Path) -> int | None:
    """The version of the document already at `out` (what the next must exceed)."""
    try:
        envelope = json.loads(out.read_bytes())
        return parse_payload(str(envelope["payload"]).encode("utf-8")).version
    except (OSError, ValueError, KeyError, TypeError, RegistryDocumentError):
        return None


def choose_version(asked: int | None, previous: int | None) -> int:
    """The asked version, or the time in seconds (and past the previous one)."""
    if asked is not None:
        return asked
    return max(int(time.time()), (previous or 0) + 1)


async def build_document(db: Database, config: Config, key: Ed25519PrivateKey, *, version: int,
                         with_lists: bool, valid_days: int = DEFAULT_VALID_DAYS,
                         now: dt.datetime | None = None) -> Published:
    issued = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    expires = issued + dt.timedelta(days=valid_days)
    entries = [permits.entry_from_row(r) for r in await permit_store.list_permits(db)
               if subscription_of(r.source) is None]
    lists = published_lists(config) if with_lists else []
    payload = build_payload(version=version, issued_at=issued, expires_at=expires,
                            publisher=f"{config.node.name} ({config.node.base_url})", permits=entries, lists=lists)
    return Published(version, len(entries), len(lists), sum(len(c.terms) for c in lists), expires,
                     sign_document(key, payload))


def write_document(out: Path, document: bytes) -> None:
    """Replace `out` whole (a web server never serves half a document)."""
    write_atomic(out, document, mode=0o644)
