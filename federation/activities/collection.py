"""Add and Remove of a Hashtag to the actor's own featured tags collection
(Mastodon's ActivityPub::Activity::Add/Remove with a featured tags target).

The target must be a collection on the actor's own host, and not its
`featured` (pinned statuses) collection, which this node does not mirror;
any other Add or Remove is dropped with the reason.
"""

from __future__ import annotations

from federation.activities.common import Dropped, Inbound, object_id, object_type
from federation.context import Federation
from federation.peers import url_host
from storage import featured_tags

MAX_NAME = 100


def _tag(inbound: Inbound) -> tuple[str, str]:
    """(name, href) of the Hashtag added to or removed from the actor's collection."""
    target = object_id(inbound.activity.get("target"))
    actor = inbound.actor
    if object_type(inbound.object) != "Hashtag" or not target:
        raise Dropped(f"{inbound.activity.get('type')} of something other than a Hashtag")
    if url_host(target) != actor.domain or target == actor.featured_url:
        raise Dropped("the target is not the actor's featured tags collection")
    obj = inbound.object
    name = str(obj.get("name") or "").lstrip("#").strip()
    if not name or len(name) > MAX_NAME or not all(c.isalnum() or c in "_·" for c in name):
        raise Dropped("not a hashtag name")
    href = object_id(obj.get("href"))
    return name, href if url_host(href) == actor.domain else ""


async def process_add(fed: Federation, inbound: Inbound) -> None:
    name, href = _tag(inbound)
    await featured_tags.feature(fed.db, fed.ids, inbound.actor.id, name, url=href, limit=None)


async def process_remove(fed: Federation, inbound: Inbound) -> None:
    name, _href = _tag(inbound)
    featured_id = await featured_tags.featured_id_by_name(fed.db, inbound.actor.id, name)
    if featured_id is None:
        raise Dropped("no such featured tag")
    await featured_tags.unfeature(fed.db, inbound.actor.id, featured_id)
