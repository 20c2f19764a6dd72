"""The content of a deleted account, removed in batches (issue #16).

Run by the deletion queue (`storage.account_deletions`) after the Delete
of the actor was sent, since the relations removed here are how the
outbox finds the peers to tell. The account row stays, emptied, as the
marker that keeps its username taken; the audit log, reports, sanctions
and identity reveal records stay too (they are the node's records of
what happened, not the account's content), and so does the identity
record, until the retention sweep removes it.

Each function is one step inside the caller's write transaction:
`purge_statuses` takes up to `limit` statuses (boosts too) with their
media, favourites, bookmarks and notifications by foreign key, keeping
the counters of others' statuses right (`status_writes.delete_status`);
`purge_relations` every other row that is the account's or points at it,
with the follower and favourite counts of others corrected first;
`empty_profile` the public profile.
"""

from __future__ import annotations

from storage import media, status_writes
from storage.database import Writer
from storage.statuses import STATUS_COLUMNS, StatusRow

# Rows that are the account's own, or name it (mentions of it in others'
# statuses), by their account_id column; children such as list_accounts,
# filter_keywords and filter_statuses go with their parents by cascade.
_OWN = ("lists", "filters", "markers", "idempotency_keys", "tag_follows", "conversation_mutes",
        "account_conversations", "account_domain_blocks", "featured_tags", "notification_policies",
        "announcement_reads", "announcement_reactions", "login_weeks", "scheduled_statuses",
        "poll_votes", "staff_grants", "suggestion_picks", "bookmarks", "status_pins", "mentions",
        "account_aliases")
# Relations either way: rows whose account_id or target_id is the account.
_BOTH_WAYS = ("follow_requests", "blocks", "mutes", "account_notes", "account_pins",
              "suggestion_dismissals")
_NOTIFYING = ("notifications", "notification_requests", "notification_permissions")


async def purge_statuses(w: Writer, account_id: int, limit: int = 200) -> tuple[int, list[str]]:
    """Delete up to `limit` of the account's statuses; (how many, media file names to remove)."""
    rows = await w.fetchall(f"SELECT {STATUS_COLUMNS} FROM statuses WHERE account_id = ? ORDER BY id LIMIT ?",
                            (account_id, limit))
    found = [StatusRow(*r) for r in rows]
    names: list[str] = []
    for status in found:
        attached = await media.detach_all(w, status.id)
        await media.delete_media(w, [m.id for m in attached])
        names += [n for m in attached for n in m.file_names]
        await status_writes.delete_status(w, status)
    return len(found), names


async def purge_relations(w: Writer, account_id: int) -> list[str]:
    """Everything else of the account; the media file names left to remove."""
    me = {"me": account_id}
    await w.execute("UPDATE statuses SET favourites_count = GREATEST(0, favourites_count - 1)"
                    " WHERE id IN (SELECT status_id FROM favourites WHERE account_id = :me)", me)
    await w.execute("DELETE FROM favourites WHERE account_id = :me", me)
    await end_follows(w, account_id)
    for table in _BOTH_WAYS:  # fixed names, never input
        await w.execute(f"DELETE FROM {table} WHERE account_id = :me OR target_id = :me", me)
    for table in _NOTIFYING:
        await w.execute(f"DELETE FROM {table} WHERE account_id = :me OR from_account_id = :me", me)
    for table in _OWN:
        await w.execute(f"DELETE FROM {table} WHERE account_id = :me", me)
    left = await w.fetchall("SELECT id, file_name, preview_file_name FROM media_attachments"
                            " WHERE account_id = :me", me)
    await media.delete_media(w, [int(r[0]) for r in left])
    return [str(n) for r in left for n in (r[1], r[2]) if n]


async def end_follows(w: Writer, account_id: int) -> None:
    """Follows and follow requests either way, the others' counts corrected
    (also for a remote account its origin deleted)."""
    me = {"me": account_id}
    await w.execute("UPDATE accounts SET followers_count = GREATEST(0, followers_count - 1)"
                    " WHERE id IN (SELECT target_id FROM follows WHERE account_id = :me)", me)
    await w.execute("UPDATE accounts SET following_count = GREATEST(0, following_count - 1)"
                    " WHERE id IN (SELECT account_id FROM follows WHERE target_id = :me)", me)
    await w.execute("DELETE FROM follows WHERE account_id = :me OR target_id = :me", me)
    await w.execute("DELETE FROM follow_requests WHERE account_id = :me OR target_id = :me", me)
    await w.execute("DELETE FROM list_accounts WHERE account_id = :me", me)
    await w.execute("UPDATE accounts SET followers_count = 0, following_count = 0 WHERE id = :me", me)


async def empty_profile(w: Writer, account_id: int) -> list[str]:
    """Blank the public profile; the avatar and header file names to remove."""
    row = await w.fetchone("SELECT avatar_file, header_file FROM accounts WHERE id = ?", (account_id,))
    await w.execute(
        "UPDATE accounts SET display_name = '', note = '', note_source = '', fields_json = '[]',"
        " avatar_url = '', header_url = '', avatar_file = NULL, header_file = NULL, emojis_json = '[]',"
        " followers_count = 0, following_count = 0, statuses_count = 0, last_status_at = NULL,"
        " discoverable = 0, indexable = 0, identity_badge_at = NULL WHERE id = ?", (account_id,))
    return [str(n) for n in (row or ()) if n]
