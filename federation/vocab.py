"""ActivityStreams vocabulary: the JSON documents this node sends and serves.

Pure functions from rows (storage dataclasses) to dicts; no aiohttp, no
database, so the outbox and delivery code build activities with the same
functions the document handlers use. Shapes follow Mastodon's serializers
(ActorSerializer, NoteSerializer, the activity serializers) and its
addressing (ActivityPub::TagManager#to/#cc), so Mastodon-class peers read
them without surprises.

Activity ids follow Mastodon's conventions: `{status}/activity` for the
Create or Announce of a status, `{status}#delete`, `{status}#updates/{t}`,
`{actor}#likes/{id}`, `{actor}#follows/{id}`, `{actor}#accepts/follows/{id}`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from federation.urls import Urls
from storage.accounts import AccountRow
from storage.statuses import MentionRow, StatusRow

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

# Mastodon's extension terms, as its serializers declare them.
EXTENSIONS: dict[str, Any] = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
    "toot": "http://joinmastodon.org/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "suspended": "toot:suspended",
    "votersCount": "toot:votersCount",
    "memorial": "toot:memorial",
    "Emoji": "toot:Emoji",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "ostatus": "http://ostatus.org#",
    "conversation": "ostatus:conversation",
    "atomUri": "ostatus:atomUri",
    "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
    # Quote posts (FEP-044f) and interaction policies, as Mastodon 4.5 declares them
    "quote": {"@id": "https://w3id.org/fep/044f#quote", "@type": "@id"},
    "quoteUri": "http://fedibird.com/ns#quoteUri",
    "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote",
    "quoteAuthorization": {"@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id"},
    "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
    "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
    "gts": "https://gotosocial.org/ns#",
    "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
    "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
    "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
    "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
    "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
    "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
}
CONTEXT: list[Any] = [AS_CONTEXT, SECURITY_CONTEXT, EXTENSIONS]


def with_context(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with `@context` first (for a top-level document)."""
    return {"@context": CONTEXT, **{k: v for k, v in document.items() if k != "@context"}}


def _without_context(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "@context"}


# --- actors ------------------------------------------------------------------

def _fields(account: AccountRow) -> list[dict[str, str]]:
    try:
        fields = json.loads(account.fields_json or "[]")
    except ValueError:
        return []
    return [{"type": "PropertyValue", "name": str(f.get("name", "")), "value": str(f.get("value", ""))}
            for f in fields if isinstance(f, dict)]


IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
               "gif": "image/gif"}


def _image(url: str, media_type: str = "image/png") -> dict[str, str] | None:
    return {"type": "Image", "mediaType": media_type, "url": url} if url else None


def actor_document(urls: Urls, account: AccountRow, *, moved_to_uri: str | None = None) -> dict[str, Any]:
    """The Person document of a local account (Mastodon's ActorSerializer)."""
    name = account.username
    doc: dict[str, Any] = {
        "id": urls.actor(name), "type": "Service" if account.bot else "Person",
        "following": urls.following(name), "followers": urls.followers(name),
        "inbox": urls.inbox(name), "outbox": urls.outbox(name), "featured": urls.featured(name),
        "featuredTags": urls.featured_tags(name),
        "preferredUsername": name, "name": account.display_name, "summary": account.note,
        "url": urls.profile(name), "manuallyApprovesFollowers": bool(account.locked),
        "discoverable": bool(account.discoverable), "indexable": bool(account.indexable),
        "published": _day(account.created_at), "memorial": False,
        "publicKey": {"id": urls.key_id(name), "owner": urls.actor(name),
                      "publicKeyPem": account.public_key_pem},
        "tag": [], "attachment": _fields(account),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
    }
    for key, url in (("icon", account.avatar_url), ("image", account.header_url)):
        image = _image(url, IMAGE_TYPES.get(url.rsplit(".", 1)[-1].lower(), "image/png"))
        if image:
            doc[key] = image
    if moved_to_uri:
        doc["movedTo"] = moved_to_uri
    return with_context(doc)


def key_only_actor(urls: Urls, account: AccountRow) -> dict[str, Any]:
    """An actor as an unsigned request sees it in secure mode: the key a
    peer needs to verify this node's signatures and where to answer
    (Mastodon's authorized fetch keeps the same fields: id, type,
    preferredUsername, inbox, outbox, publicKey, endpoints; Fedify reads
    the follower's inbox unsigned to send its Accept), nothing of the
    profile: no name, summary, fields, avatar, header or collections."""
    name = account.username
    return with_context({
        "id": urls.actor(name), "type": "Service" if account.bot else "Person", "preferredUsername": name,
        "inbox": urls.inbox(name), "outbox": urls.outbox(name),
        "publicKey": {"id": urls.key_id(name), "owner": urls.actor(name), "publicKeyPem": account.public_key_pem},
        "endpoints": {"sharedInbox": urls.shared_inbox()},
    })


def _day(stamp: str) -> str:
    """Mastodon publishes an actor's creation day at midnight UTC."""
    return stamp[:10] + "T00:00:00Z"


def _seconds(stamp: str | None) -> str | None:
    """ISO stamps as stored (milliseconds) -> second precision, as Mastodon sends."""
    return None if stamp is None else stamp[:19] + "Z"


# --- notes -------------------------------------------------------------------

def addressing(urls: Urls, status: StatusRow, author: AccountRow,
               mentions: Sequence[MentionRow] = ()) -> tuple[list[str], list[str]]:
    """(to, cc) by visibility, as Mastodon's TagManager: public -> to Public,
    cc followers; unlisted -> to followers, cc Public; private -> to
    followers; direct -> to mentioned. Mentioned actors go in cc (in to for
    direct)."""
    followers = author.followers_url or urls.followers(author.username)
    mentioned = [m.uri for m in mentions if m.account_id != author.id]
    if status.visibility == "public":
        return [PUBLIC], _unique([followers, *mentioned])
    if status.visibility == "unlisted":
        return [followers], _unique([PUBLIC, *mentioned])
    if status.visibility == "private":
        return [followers], _unique(mentioned)
    return _unique(mentioned), []


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _tags(urls: Urls, mentions: Sequence[MentionRow], tags: Sequence[str]) -> list[dict[str, str]]:
    out = [{"type": "Mention", "href": m.uri, "name": f"@{m.username}@{m.domain or _host(urls)}"}
           for m in mentions]
    out += [{"type": "Hashtag", "href": urls.tag(t.lower()), "name": f"#{t}"} for t in tags]
    return out


def status_to_note(urls: Urls, status: StatusRow, author: AccountRow, *,
                   mentions: Sequence[MentionRow] = (), tags: Sequence[str] = (),
                   in_reply_to_uri: str | None = None, conversation_uri: str | None = None,
                   context: bool = True) -> dict[str, Any]:
    """The Note of a status (Mastodon's NoteSerializer), from rows only.

    `in_reply_to_uri` is the parent's uri (the caller looks it up for a
    local reply; a remote reply keeps `status.in_reply_to_uri`)."""
    to, cc = addressing(urls, status, author, mentions)
    actor = author.uri or urls.actor(author.username)
    note: dict[str, Any] = {
        "id": status.uri, "type": "Note", "summary": status.spoiler_text or None,
        "inReplyTo": in_reply_to_uri or status.in_reply_to_uri, "published": _seconds(status.created_at),
        "url": status.url or status.uri, "attributedTo": actor, "to": to, "cc": cc,
        "sensitive": bool(status.sensitive), "atomUri": status.uri,
        "inReplyToAtomUri": in_reply_to_uri or status.in_reply_to_uri,
        "conversation": conversation_uri or _conversation(urls, status),
        "content": status.content, "attachment": [], "tag": _tags(urls, mentions, tags),
    }
    if status.language:
        note["contentMap"] = {status.language: status.content}
    if status.edited_at:
        note["updated"] = _seconds(status.edited_at)
    return with_context(note) if context else note


def _conversation(urls: Urls, status: StatusRow) -> str:
    conversation = status.conversation_id or status.id
    return f"tag:{_host(urls)},{status.created_at[:10]}:objectId={conversation}:objectType=Conversation"


def _host(urls: Urls) -> str:
    return urlsplit(urls.base_url).netloc


def tombstone(object_uri: str) -> dict[str, Any]:
    return {"id": object_uri, "type": "Tombstone", "atomUri": object_uri}


# --- activities ----------------------------------------------------------------

def _activity(kind: str, activity_id: str, actor: str, obj: Any, **extra: Any) -> dict[str, Any]:
    return with_context({"id": activity_id, "type": kind, "actor": actor, **extra, "object": obj})


def _inner(obj: Any) -> Any:
    return _without_context(obj) if isinstance(obj, dict) else obj


def create_activity(note: dict[str, Any]) -> dict[str, Any]:
    """Create of a Note: same addressing and published time as the note."""
    return _activity("Create", f"{note['id']}/activity", note["attributedTo"], _inner(note),
                     published=note.get("published"), to=note.get("to", []), cc=note.get("cc", []))


def update_activity(note: dict[str, Any], serial: int | None = None) -> dict[str, Any]:
    """Update of an edited Note; the id carries the edit time, and `serial`
    (a fresh id) when given: two edits within one second (`updated` has
    seconds) are two activities, or the second would be taken for a repeat."""
    stamp = note.get("updated") or note.get("published") or ""
    suffix = "".join(ch for ch in stamp if ch.isdigit()) + (f"-{serial}" if serial is not None else "")
    return _activity("Update", f"{note['id']}#updates/{suffix}", note["attributedTo"], _inner(note),
                     published=stamp, to=note.get("to", []), cc=note.get("cc", []))


def update_actor_activity(actor_doc: dict[str, Any], stamp: str) -> dict[str, Any]:
    suffix = "".join(ch for ch in stamp if ch.isdigit())
    return _activity("Update", f"{actor_doc['id']}#updates/{suffix}", actor_doc["id"], _inner(actor_doc),
                     to=[PUBLIC])


def delete_activity(actor: str, object_uri: str, *, to: Sequence[str] = (PUBLIC,)) -> dict[str, Any]:
    """Delete of a status (a Tombstone) or of an actor (object = actor id)."""
    obj: Any = object_uri if object_uri == actor else tombstone(object_uri)
    return _activity("Delete", f"{object_uri}#delete", actor, obj, to=list(to))


def announce_activity(urls: Urls, reblog: StatusRow, booster: AccountRow, original_uri: str,
                      original_author_uri: str) -> dict[str, Any]:
    """Announce of a status (Mastodon: public boosts to Public, cc author and followers)."""
    followers = booster.followers_url or urls.followers(booster.username)
    to, cc = ([PUBLIC], [original_author_uri, followers]) if reblog.visibility == "public" else \
        ([followers], [original_author_uri])
    return _activity("Announce", f"{reblog.uri}/activity", booster.uri, original_uri,
                     published=_seconds(reblog.created_at), to=to, cc=cc)


def like_activity(actor: str, object_uri: str, like_id: int) -> dict[str, Any]:
    return _activity("Like", f"{actor}#likes/{like_id}", actor, object_uri)


def follow_activity(actor: str, target: str, follow_id: int) -> dict[str, Any]:
    return _activity("Follow", f"{actor}#follows/{follow_id}", actor, target)


def accept_activity(actor: str, follow: dict[str, Any] | str, accept_id: int) -> dict[str, Any]:
    """Accept of a Follow; `follow` is the Follow as received (or its id)."""
    return _activity("Accept", f"{actor}#accepts/follows/{accept_id}", actor, _inner(follow))


def reject_activity(actor: str, follow: dict[str, Any] | str, reject_id: int) -> dict[str, Any]:
    return _activity("Reject", f"{actor}#rejects/follows/{reject_id}", actor, _inner(follow))


def undo_activity(actor: str, inner: dict[str, Any]) -> dict[str, Any]:
    """Undo of an activity this actor sent (Follow, Like, Announce, Block)."""
    return _activity("Undo", f"{inner['id']}/undo", actor, _inner(inner))


def block_activity(actor: str, target: str, block_id: int) -> dict[str, Any]:
    return _activity("Block", f"{actor}#blocks/{block_id}", actor, target)


def flag_activity(actor: str, targets: Sequence[str], content: str, flag_id: int) -> dict[str, Any]:
    """A report: `targets` are the reported actor first, then statuses."""
    return _activity("Flag", f"{actor}#flags/{flag_id}", actor, list(targets), content=content)


def move_activity(actor: str, target: str) -> dict[str, Any]:
    return _activity("Move", f"{actor}#moves/{target.rsplit('/', 1)[-1]}", actor, actor, target=target)


# --- collections -----------------------------------------------------------------

def ordered_collection(collection_id: str, total: int | None, *, first: Any = None,
                       items: Sequence[Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": collection_id, "type": "OrderedCollection"}
    if total is not None:
        doc["totalItems"] = total
    if first is not None:
        doc["first"] = _inner(first)
    if items is not None:
        doc["orderedItems"] = [_inner(i) for i in items]
    return with_context(doc)


def collection_page(page_id: str, part_of: str, items: Sequence[Any], *, next_id: str | None = None,
                    prev_id: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": page_id, "type": "OrderedCollectionPage", "partOf": part_of,
                           "orderedItems": [_inner(i) for i in items]}
    if next_id:
        doc["next"] = next_id
    if prev_id:
        doc["prev"] = prev_id
    return with_context(doc)
