"""The social graph: follows, follow requests, blocks and mutes.

Every change that adds or removes a follow keeps `accounts.followers_count`
and `following_count` right inside the same write transaction, and writes
the notification it causes there too, so a crash never leaves a count, a
follow and its notification disagreeing. Removing a follow also removes
the followed account from the follower's lists and the "follow"
notification it made, as Mastodon's dependent rows do.

`languages` columns hold a JSON array of language codes, NULL for all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storage.clock import now_iso
from storage.lists import drop_from_lists
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.notifications import notify
from storage.timelines import Page, newest_first, page_sql

UNCHANGED: Any = object()  # FollowOptions.languages: leave as it is


@dataclass(frozen=True, slots=True)
class FollowOptions:
    """What a follow asks for; None leaves an existing value as it is."""

    reblogs: bool | None = None
    notify: bool | None = None
    languages: tuple[str, ...] | None = UNCHANGED  # UNCHANGED, or None/() for all

    @property
    def languages_json(self) -> str | None:
        langs = None if self.languages is UNCHANGED else self.languages
        return json.dumps(list(langs)) if langs else None


@dataclass(frozen=True, slots=True)
class Relationship:
    """The viewer's relationship to one account, Mastodon's fields."""

    target_id: int
    following: bool = False
    showing_reblogs: bool = False
    notifying: bool = False
    languages: tuple[str, ...] | None = None
    followed_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    muting_expires_at: str | None = None
    requested: bool = False
    requested_by: bool = False
    domain_blocking: bool = False
    endorsed: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class Edge:
    """One row of an account list: the row id pages, account_id is shown."""

    id: int
    account_id: int
    expires_at: str | None = None


# ---- writes ---------------------------------------------------------------

async def _count(w: Writer, follower_id: int, followed_id: int, delta: int) -> None:
    await w.execute("UPDATE accounts SET following_count = GREATEST(0, following_count + ?) WHERE id = ?",
                    (delta, follower_id))
    await w.execute("UPDATE accounts SET followers_count = GREATEST(0, followers_count + ?) WHERE id = ?",
                    (delta, followed_id))


async def _insert_follow(w: Writer, follow_id: int, account_id: int, target_id: int,
                         reblogs: bool, notify_posts: bool, languages: str | None, uri: str | None = None) -> bool:
    added = await w.rowcount(
        "INSERT INTO follows (id, account_id, target_id, show_reblogs, notify, languages, uri, created_at)"
        " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (account_id, target_id) DO NOTHING",
        (follow_id, account_id, target_id, int(reblogs), int(notify_posts), languages, uri, now_iso()))
    if added:
        await _count(w, account_id, target_id, 1)
    return added > 0


async def _delete_follow(w: Writer, account_id: int, target_id: int) -> bool:
    removed = await w.rowcount("DELETE FROM follows WHERE account_id = ? AND target_id = ?",
                               (account_id, target_id))
    if not removed:
        return False
    await _count(w, account_id, target_id, -1)
    # an endorsement needs the follow (Mastodon's Follow#remove_endorsements)
    await w.execute("DELETE FROM account_pins WHERE account_id = ? AND target_id = ?", (account_id, target_id))
    await w.execute("DELETE FROM list_accounts WHERE account_id = ? AND list_id IN"
                    " (SELECT id FROM lists WHERE account_id = ?)", (target_id, account_id))
    await _drop_notification(w, target_id, account_id, "follow")
    return True


async def end_follow(w: Writer, account_id: int, target_id: int) -> bool:
    """End a follow inside the caller's transaction (counts, lists and the
    "follow" notification go with it); False if there was none."""
    return await _delete_follow(w, account_id, target_id)


async def end_request(w: Writer, account_id: int, target_id: int) -> bool:
    """Withdraw or refuse a follow request inside the caller's transaction."""
    return await _delete_request(w, account_id, target_id)


async def _delete_request(w: Writer, account_id: int, target_id: int) -> bool:
    removed = await w.rowcount("DELETE FROM follow_requests WHERE account_id = ? AND target_id = ?",
                               (account_id, target_id))
    if removed:
        await _drop_notification(w, target_id, account_id, "follow_request")
    return removed > 0


async def _drop_notification(w: Writer, account_id: int, from_id: int, kind: str) -> None:
    await w.execute("DELETE FROM notifications WHERE account_id = ? AND from_account_id = ? AND type = ?",
                    (account_id, from_id, kind))


async def _change_options(w: Writer, table: str, account_id: int, target_id: int,
                          opts: FollowOptions) -> bool:
    assert table in ("follows", "follow_requests")
    keep_langs = opts.languages is UNCHANGED
    changed = await w.rowcount(
        f"UPDATE {table} SET show_reblogs = coalesce(?, show_reblogs), notify = coalesce(?, notify),"
        " languages = CASE WHEN ? = 1 THEN languages ELSE ? END WHERE account_id = ? AND target_id = ?",
        (None if opts.reblogs is None else int(opts.reblogs),
         None if opts.notify is None else int(opts.notify),
         int(keep_langs), opts.languages_json, account_id, target_id))
    return changed > 0


async def follow(db: Database, ids: IdGenerator, account_id: int, target_id: int,
                 opts: FollowOptions, *, as_request: bool) -> str:
    """Follow, or ask to (`as_request`: a locked or remote target).

    Returns "following" or "requested". Following again, or asking again,
    only changes the options given, as Mastodon does."""
    async with db.write() as w:
        if await _change_options(w, "follows", account_id, target_id, opts):
            return "following"
        if await _change_options(w, "follow_requests", account_id, target_id, opts):
            return "requested"
        reblogs = True if opts.reblogs is None else opts.reblogs
        notify_posts = bool(opts.notify)
        if as_request:
            await w.execute(
                "INSERT INTO follow_requests (id, account_id, target_id, show_reblogs, notify, languages,"
                " created_at) VALUES (?,?,?,?,?,?,?)",
                (ids.next_id(), account_id, target_id, int(reblogs), int(notify_posts),
                 opts.languages_json, now_iso()))
            await notify(w, ids, target_id, account_id, "follow_request")
            return "requested"
        await _insert_follow(w, ids.next_id(), account_id, target_id, reblogs, notify_posts,
                             opts.languages_json)
        await notify(w, ids, target_id, account_id, "follow")
        return "following"


async def unfollow(db: Database, account_id: int, target_id: int) -> None:
    """Stop following, or withdraw the request."""
    async with db.write() as w:
        await _delete_follow(w, account_id, target_id)
        await _delete_request(w, account_id, target_id)
        # As in Mastodon, an account you stop following leaves your lists.
        await drop_from_lists(w, account_id, target_id)


async def remove_follower(db: Database, account_id: int, follower_id: int) -> None:
    async with db.write() as w:
        await _delete_follow(w, follower_id, account_id)


async def authorize_request(db: Database, ids: IdGenerator, target_id: int, requester_id: int) -> bool:
    """Turn `requester_id`'s request into a follow; False if there was none."""
    async with db.write() as w:
        row = await w.fetchone("SELECT * FROM follow_requests WHERE account_id = ? AND target_id = ?",
                               (requester_id, target_id))
        if row is None:
            return False
        await _delete_request(w, requester_id, target_id)
        # the Follow's activity id stays with it, so a later Reject or Undo finds it
        await _insert_follow(w, ids.next_id(), requester_id, target_id, bool(row["show_reblogs"]),
                             bool(row["notify"]), row["languages"], row["uri"])
        return True


async def reject_request(db: Database, target_id: int, requester_id: int) -> bool:
    async with db.write() as w:
        return await _delete_request(w, requester_id, target_id)


async def authorize_all_requests(db: Database, ids: IdGenerator, target_id: int) -> int:
    """An account that unlocks accepts every pending request (Mastodon)."""
    rows = await db.fetchall("SELECT account_id FROM follow_requests WHERE target_id = ? ORDER BY id",
                             (target_id,))
    done = 0
    for row in rows:
        done += await authorize_request(db, ids, target_id, row[0])
    return done


async def block(db: Database, ids: IdGenerator, account_id: int, target_id: int) -> None:
    """Block; follows and requests either way end (Mastodon's BlockService)."""
    async with db.write() as w:
        for a, b in ((account_id, target_id), (target_id, account_id)):
            await _delete_follow(w, a, b)
            await _delete_request(w, a, b)
        await w.execute(
            "INSERT INTO blocks (id, account_id, target_id, created_at) VALUES (?,?,?,?)"
            " ON CONFLICT (account_id, target_id) DO NOTHING",
            (ids.next_id(), account_id, target_id, now_iso()))


async def unblock(db: Database, account_id: int, target_id: int) -> None:
    await db.execute("DELETE FROM blocks WHERE account_id = ? AND target_id = ?", (account_id, target_id))


async def mute(db: Database, ids: IdGenerator, account_id: int, target_id: int,
               notifications: bool, expires_at: str | None) -> None:
    """Mute, or change an existing mute's notifications and expiry."""
    await db.execute(
        "INSERT INTO mutes (id, account_id, target_id, hide_notifications, expires_at, created_at)"
        " VALUES (?,?,?,?,?,?) ON CONFLICT (account_id, target_id) DO UPDATE SET"
        " hide_notifications = excluded.hide_notifications, expires_at = excluded.expires_at",
        (ids.next_id(), account_id, target_id, int(notifications), expires_at, now_iso()))


async def unmute(db: Database, account_id: int, target_id: int) -> None:
    await db.execute("DELETE FROM mutes WHERE account_id = ? AND target_id = ?", (account_id, target_id))


# ---- reads ----------------------------------------------------------------

def _in(name: str, values: Sequence[int]) -> tuple[str, dict[str, int]]:
    keys = [f"{name}{n}" for n in range(len(values))]
    return ",".join(f":{k}" for k in keys), dict(zip(keys, values))


_RELATIONSHIP_SQL = """
SELECT 'following' AS kind, target_id AS other, show_reblogs AS a, notify AS b, languages, NULL AS until
  FROM follows WHERE account_id = :viewer AND target_id IN ({ids})
UNION ALL SELECT 'requested', target_id, show_reblogs, notify, languages, NULL
  FROM follow_requests WHERE account_id = :viewer AND target_id IN ({ids})
UNION ALL SELECT 'followed_by', account_id, 0, 0, NULL, NULL
  FROM follows WHERE target_id = :viewer AND account_id IN ({ids})
UNION ALL SELECT 'requested_by', account_id, 0, 0, NULL, NULL
  FROM follow_requests WHERE target_id = :viewer AND account_id IN ({ids})
UNION ALL SELECT 'blocking', target_id, 0, 0, NULL, NULL
  FROM blocks WHERE account_id = :viewer AND target_id IN ({ids})
UNION ALL SELECT 'blocked_by', account_id, 0, 0, NULL, NULL
  FROM blocks WHERE target_id = :viewer AND account_id IN ({ids})
UNION ALL SELECT 'muting', target_id, hide_notifications, 0, NULL, expires_at
  FROM mutes WHERE account_id = :viewer AND target_id IN ({ids})
  AND (expires_at IS NULL OR expires_at > :now)
UNION ALL SELECT 'domain_blocking', a.id, 0, 0, NULL, NULL
  FROM accounts a JOIN account_domain_blocks d ON d.domain = a.domain
  WHERE d.account_id = :viewer AND a.id IN ({ids})
UNION ALL SELECT 'endorsed', target_id, 0, 0, NULL, NULL
  FROM account_pins WHERE account_id = :viewer AND target_id IN ({ids})
UNION ALL SELECT 'note', target_id, 0, 0, comment, NULL
  FROM account_notes WHERE account_id = :viewer AND target_id IN ({ids})
"""


def _languages(text: str | None) -> tuple[str, ...] | None:
    return tuple(json.loads(text)) if text else None


async def relationships(db: Database, viewer_id: int, target_ids: Sequence[int]) -> dict[int, Relationship]:
    """The viewer's relationship to each of `target_ids`, in one query."""
    if not target_ids:
        return {}
    marks, args = _in("id", list(dict.fromkeys(target_ids)))
    rows = await db.fetchall(_RELATIONSHIP_SQL.format(ids=marks),
                             {**args, "viewer": viewer_id, "now": now_iso()})
    found: dict[int, dict[str, Any]] = {t: {} for t in target_ids}
    for row in rows:
        fields = found[row["other"]]
        kind = row["kind"]
        fields[kind] = True
        # showing_reblogs, notifying, languages: the follow's, else the request's
        if kind == "following" or (kind == "requested" and "following" not in fields):
            fields.update(showing_reblogs=bool(row["a"]), notifying=bool(row["b"]),
                          languages=_languages(row["languages"]))
        elif kind == "muting":
            fields.update(muting_notifications=bool(row["a"]), muting_expires_at=row["until"])
        elif kind == "note":  # the text column carries the note's comment
            fields["note"] = row["languages"]
    return {t: Relationship(t, **f) for t, f in found.items()}


async def blocked_either_way(db: Database, a: int, b: int) -> bool:
    return await db.fetchval(
        "SELECT 1 FROM blocks WHERE (account_id = ? AND target_id = ?) OR (account_id = ? AND target_id = ?)",
        (a, b, b, a)) is not None


async def blocked_by(db: Database, account_id: int, viewer_id: int) -> bool:
    """Whether `account_id` blocks `viewer_id`."""
    return await db.fetchval("SELECT 1 FROM blocks WHERE account_id = ? AND target_id = ?",
                             (account_id, viewer_id)) is not None


async def follow_requests_count(db: Database, account_id: int) -> int:
    return int(await db.fetchval("SELECT count(*) FROM follow_requests WHERE target_id = ?", (account_id,)))


_HIDDEN_FROM_VIEWER = (
    " AND {col} NOT IN (SELECT target_id FROM blocks WHERE account_id = :viewer"
    " UNION SELECT account_id FROM blocks WHERE target_id = :viewer"
    " UNION SELECT target_id FROM mutes WHERE account_id = :viewer"
    " AND (expires_at IS NULL OR expires_at > :now))")


async def _edges(db: Database, select: str, args: dict[str, Any], page: Page, column: str) -> list[Edge]:
    where, order, paging = page_sql(page, column)
    rows = await db.fetchall(f"{select} AND {where} {order}", {**args, **paging, "now": now_iso()})
    return newest_first(page, [Edge(r[0], r[1], r[2]) for r in rows])


async def follow_edges(db: Database, owner_id: int, page: Page, viewer_id: int | None,
                       *, followers: bool) -> list[Edge]:
    """An account's followers (or the accounts it follows), by follow row id."""
    mine, theirs = ("target_id", "account_id") if followers else ("account_id", "target_id")
    select = (f"SELECT f.id, f.{theirs}, NULL FROM follows f JOIN accounts a ON a.id = f.{theirs}"
              f" WHERE f.{mine} = :owner AND a.suspended_at IS NULL")
    if viewer_id is not None and viewer_id != owner_id:
        select += _HIDDEN_FROM_VIEWER.format(col=f"f.{theirs}")
    return await _edges(db, select, {"owner": owner_id, "viewer": viewer_id}, page, "f.id")


async def request_edges(db: Database, owner_id: int, page: Page) -> list[Edge]:
    """Accounts asking to follow `owner_id`, by request row id."""
    select = "SELECT r.id, r.account_id, NULL FROM follow_requests r WHERE r.target_id = :owner"
    return await _edges(db, select, {"owner": owner_id}, page, "r.id")


async def block_edges(db: Database, owner_id: int, page: Page) -> list[Edge]:
    select = "SELECT b.id, b.target_id, NULL FROM blocks b WHERE b.account_id = :owner"
    return await _edges(db, select, {"owner": owner_id}, page, "b.id")


async def mute_edges(db: Database, owner_id: int, page: Page) -> list[Edge]:
    select = ("SELECT m.id, m.target_id, m.expires_at FROM mutes m WHERE m.account_id = :owner"
              " AND (m.expires_at IS NULL OR m.expires_at > :now)")
    return await _edges(db, select, {"owner": owner_id}, page, "m.id")


async def familiar_followers(db: Database, viewer_id: int, target_ids: Sequence[int],
                             per_target: int = 40) -> dict[int, list[int]]:
    """For each target, accounts the viewer follows that follow it."""
    found: dict[int, list[int]] = {t: [] for t in target_ids}
    if not target_ids:
        return found
    marks, args = _in("id", list(dict.fromkeys(target_ids)))
    rows = await db.fetchall(
        "SELECT f2.target_id, f2.account_id FROM follows f1 JOIN follows f2 ON f2.account_id = f1.target_id"
        f" JOIN accounts a ON a.id = f2.account_id WHERE f1.account_id = :viewer AND f2.target_id IN ({marks})"
        " AND a.suspended_at IS NULL AND f2.account_id <> :viewer ORDER BY f2.id DESC",
        {**args, "viewer": viewer_id})
    for target, account in rows:
        if len(found[target]) < per_target:
            found[target].append(account)
    return found


async def followers_among(db: Database, target_id: int, account_ids: Sequence[int]) -> set[int]:
    """Which of `account_ids` follow `target_id` (for streaming a delete)."""
    if not account_ids:
        return set()
    marks = ",".join("?" * len(account_ids))
    rows = await db.fetchall(
        f"SELECT account_id FROM follows WHERE target_id = ? AND account_id IN ({marks})",
        (target_id, *account_ids))
    return {int(r[0]) for r in rows}
