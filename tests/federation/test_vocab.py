"""federation.vocab: documents from rows, without aiohttp or a database."""

from __future__ import annotations

import pytest

from federation import vocab
from federation.urls import Urls
from storage.accounts import AccountRow
from storage.statuses import MentionRow, StatusRow

URLS = Urls.of("https://example.cn")
PUBLIC = vocab.PUBLIC


def account(**kw: object) -> AccountRow:
    base = {
        "id": 1, "username": "alice", "domain": None, "display_name": "Alice", "note": "<p>hi</p>", "note_source": "hi",
        "fields_json": '[{"name": "site", "value": "x"}]', "locked": 0, "bot": 0, "discoverable": 1, "indexable": 1,
        "avatar_url": "", "header_url": "", "uri": URLS.actor("alice"), "url": URLS.profile("alice"),
        "inbox_url": URLS.inbox("alice"), "shared_inbox_url": URLS.shared_inbox(), "outbox_url": URLS.outbox("alice"),
        "followers_url": URLS.followers("alice"), "following_url": URLS.following("alice"),
        "featured_url": URLS.featured("alice"), "public_key_pem": "PEM", "public_key_id": URLS.key_id("alice"),
        "followers_count": 0, "following_count": 0, "statuses_count": 0, "last_status_at": None,
        "created_at": "2026-11-01T10:00:00.000Z", "updated_at": "2026-11-01T10:00:00.000Z", "moved_to_id": None,
        "suspended_at": None, "silenced_at": None, "sensitized_at": None}
    base.update(kw)
    return AccountRow(**base)  # type: ignore[arg-type]


def status(**kw: object) -> StatusRow:
    base = {
        "id": 7, "account_id": 1, "uri": URLS.status("alice", 7), "url": URLS.status_page("alice", 7), "text": "hi",
        "content": "<p>hi</p>", "spoiler_text": "", "sensitive": 0, "visibility": "public", "language": "zh",
        "in_reply_to_id": None, "in_reply_to_account_id": None, "in_reply_to_uri": None, "reblog_of_id": None,
        "conversation_id": 7, "application_id": None, "local": 1, "state": "published", "replies_count": 0,
        "reblogs_count": 0, "favourites_count": 0, "created_at": "2026-11-23T08:00:00.123Z", "edited_at": None,
        "deleted_at": None}
    base.update(kw)
    return StatusRow(**base)  # type: ignore[arg-type]


BOB = MentionRow(status_id=7, account_id=2, username="bob", domain="peer.cn",
                 url="https://peer.cn/@bob", uri="https://peer.cn/users/bob")


def test_actor_document_has_key_endpoints_and_context() -> None:
    doc = vocab.actor_document(URLS, account())
    assert doc["@context"][0] == vocab.AS_CONTEXT and vocab.SECURITY_CONTEXT in doc["@context"]
    assert doc["@context"][2]["manuallyApprovesFollowers"] == "as:manuallyApprovesFollowers"
    assert doc["id"] == "https://example.cn/users/alice" and doc["type"] == "Person"
    assert doc["publicKey"] == {"id": "https://example.cn/users/alice#main-key",
                                "owner": "https://example.cn/users/alice", "publicKeyPem": "PEM"}
    assert doc["endpoints"]["sharedInbox"] == "https://example.cn/inbox"
    assert doc["inbox"].endswith("/users/alice/inbox") and doc["featured"].endswith("/collections/featured")
    assert doc["attachment"] == [{"type": "PropertyValue", "name": "site", "value": "x"}]
    assert doc["published"] == "2026-11-01T00:00:00Z" and doc["manuallyApprovesFollowers"] is False


@pytest.mark.parametrize(("visibility", "to", "cc"), [
    ("public", [PUBLIC], ["https://example.cn/users/alice/followers", BOB.uri]),
    ("unlisted", ["https://example.cn/users/alice/followers"], [PUBLIC, BOB.uri]),
    ("private", ["https://example.cn/users/alice/followers"], [BOB.uri]),
    ("direct", [BOB.uri], []),
])
def test_note_addressing_by_visibility(visibility: str, to: list[str], cc: list[str]) -> None:
    note = vocab.status_to_note(URLS, status(visibility=visibility), account(), mentions=[BOB])
    assert (note["to"], note["cc"]) == (to, cc)


def test_note_fields() -> None:
    row = status(spoiler_text="cw", sensitive=1, edited_at="2026-11-23T09:00:00.000Z")
    note = vocab.status_to_note(URLS, row, account(), mentions=[BOB], tags=["Tea"],
                                in_reply_to_uri="https://peer.cn/users/bob/statuses/1")
    assert note["id"] == row.uri and note["type"] == "Note" and note["attributedTo"] == URLS.actor("alice")
    assert note["contentMap"] == {"zh": "<p>hi</p>"} and note["summary"] == "cw" and note["sensitive"] is True
    assert note["published"] == "2026-11-23T08:00:00Z" and note["updated"] == "2026-11-23T09:00:00Z"
    assert note["inReplyTo"] == "https://peer.cn/users/bob/statuses/1"
    assert {"type": "Mention", "href": BOB.uri, "name": "@bob@peer.cn"} in note["tag"]
    assert {"type": "Hashtag", "href": "https://example.cn/tags/tea", "name": "#Tea"} in note["tag"]


def test_activities_wrap_without_inner_context() -> None:
    note = vocab.status_to_note(URLS, status(), account())
    create = vocab.create_activity(note)
    assert create["id"] == note["id"] + "/activity" and create["actor"] == note["attributedTo"]
    assert "@context" not in create["object"] and create["to"] == note["to"]
    delete = vocab.delete_activity(URLS.actor("alice"), note["id"])
    assert delete["object"] == {"id": note["id"], "type": "Tombstone", "atomUri": note["id"]}
    follow = vocab.follow_activity(URLS.actor("alice"), BOB.uri, 5)
    accept = vocab.accept_activity(BOB.uri, follow, 6)
    assert accept["object"]["id"] == follow["id"] and "@context" not in accept["object"]
    undo = vocab.undo_activity(URLS.actor("alice"), follow)
    assert undo["type"] == "Undo" and undo["object"]["type"] == "Follow"
    boost = vocab.announce_activity(URLS, status(id=8, uri="u8", reblog_of_id=7), account(), note["id"], BOB.uri)
    assert boost["object"] == note["id"] and boost["to"] == [PUBLIC]
    for doc in (vocab.like_activity("a", "o", 1), vocab.block_activity("a", "b", 1),
                vocab.flag_activity("a", ["b"], "spam", 1), vocab.move_activity("a", "https://x.cn/users/b"),
                vocab.reject_activity("a", "f", 1), vocab.update_activity(edited(note))):
        assert doc["id"] and doc["actor"] and "@context" in doc


def edited(note: dict[str, object]) -> dict[str, object]:
    return {**note, "updated": "2026-11-23T09:00:00Z"}


def test_collections() -> None:
    coll = vocab.ordered_collection("https://example.cn/users/alice/outbox", 3, first="x?page=true")
    assert coll["type"] == "OrderedCollection" and coll["totalItems"] == 3 and coll["first"] == "x?page=true"
    page = vocab.collection_page("p", "c", [{"@context": "x", "id": "i"}], next_id="n")
    assert page["orderedItems"] == [{"id": "i"}] and page["partOf"] == "c" and page["next"] == "n"
