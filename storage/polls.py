"""Polls and their votes: plain SQL over `polls` and `poll_votes`.

Options and cached tallies are JSON arrays in option order (Mastodon keeps
the same two arrays on its polls row). Every write takes the `Writer` of
a transaction the caller opened, so a vote, its tallies and its counters
change together. The rules (who may vote, on what) are in `policy.polls`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import placeholders, rows_by_status, to_row, to_rows


@dataclass(frozen=True, slots=True)
class PollRow:
    id: int
    status_id: int
    account_id: int
    options_json: str
    tallies_json: str
    multiple: int
    hide_totals: int
    expires_at: str | None
    votes_count: int
    voters_count: int | None
    update_due_at: str | None
    notified_at: str | None
    created_at: str
    updated_at: str

    @property
    def options(self) -> list[str]:
        return [str(o) for o in json.loads(self.options_json)]

    @property
    def tallies(self) -> list[int]:
        counts = [int(t or 0) for t in json.loads(self.tallies_json)]
        return (counts + [0] * len(self.options))[:len(self.options)]

    def expired(self, now: str) -> bool:
        """`now` as stored (ISO UTC with milliseconds and Z): the strings compare."""
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True, slots=True)
class NewPoll:
    id: int
    status_id: int
    account_id: int
    options: tuple[str, ...]
    expires_at: str | None
    multiple: bool = False
    hide_totals: bool = False
    tallies: tuple[int, ...] | None = None  # a remote poll's counts; zeros otherwise
    voters_count: int | None = 0
    created_at: str = field(default_factory=now_iso)

    def counts(self) -> list[int]:
        given = list(self.tallies or ())
        return [max(0, int(t)) for t in (given + [0] * len(self.options))[:len(self.options)]]


def _json(values: Sequence[object]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


async def insert_polls(w: Writer, polls: Sequence[NewPoll]) -> None:
    """New polls (a status's creation, local or remote); a status that has one keeps it."""
    if not polls:
        return
    await w.executemany(
        "INSERT INTO polls (id, status_id, account_id, options_json, tallies_json, multiple, hide_totals,"
        " expires_at, votes_count, voters_count, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (status_id) DO NOTHING",
        [(p.id, p.status_id, p.account_id, _json(p.options), _json(p.counts()), int(p.multiple),
          int(p.hide_totals), p.expires_at, sum(p.counts()), p.voters_count, p.created_at, p.created_at)
         for p in polls])


async def get_poll(db: Database | Writer, poll_id: int) -> PollRow | None:
    return to_row(PollRow, await db.fetchone("SELECT * FROM polls WHERE id = ?", (poll_id,)))


async def poll_of_status(db: Database | Writer, status_id: int) -> PollRow | None:
    return to_row(PollRow, await db.fetchone("SELECT * FROM polls WHERE status_id = ?", (status_id,)))


async def polls_for_statuses(db: Database, status_ids: Sequence[int]) -> dict[int, PollRow]:
    """The polls of these statuses, by status id (one query)."""
    return await rows_by_status(db, PollRow, "polls", status_ids)


async def own_votes(db: Database | Writer, account_id: int, poll_ids: Sequence[int]) -> dict[int, list[int]]:
    """The choices `account_id` made, by poll id (one query)."""
    unique = list(dict.fromkeys(poll_ids))
    if not unique:
        return {}
    rows = await db.fetchall(
        f"SELECT poll_id, choice FROM poll_votes WHERE account_id = ? AND poll_id IN ({placeholders(unique)})"
        " ORDER BY poll_id, choice", [account_id, *unique])
    out: dict[int, list[int]] = {}
    for poll_id, choice in rows:
        out.setdefault(int(poll_id), []).append(int(choice))
    return out


@dataclass(frozen=True, slots=True)
class VoteRow:
    id: int
    poll_id: int
    account_id: int
    choice: int
    uri: str | None
    created_at: str


async def add_votes(w: Writer, poll: PollRow, account_id: int, votes: Sequence[tuple[int, int, str | None]],
                    *, first_time: bool) -> None:
    """Record (id, choice, uri) votes and move the cached counts with them.
    `first_time`: the account had not voted on this poll (one more voter)."""
    now = now_iso()
    await w.executemany(
        "INSERT INTO poll_votes (id, poll_id, account_id, choice, uri, created_at) VALUES (?,?,?,?,?,?)",
        [(vote_id, poll.id, account_id, choice, uri, now) for vote_id, choice, uri in votes])
    tallies = poll.tallies
    for _vote_id, choice, _uri in votes:
        tallies[choice] += 1
    voters = (poll.voters_count or 0) + (1 if first_time else 0)
    await w.execute("UPDATE polls SET tallies_json = ?, votes_count = ?, voters_count = ?, updated_at = ?"
                    " WHERE id = ?", (_json(tallies), sum(tallies), voters, now, poll.id))


async def votes_of(db: Database | Writer, poll_id: int, account_id: int) -> list[VoteRow]:
    return to_rows(VoteRow, await db.fetchall(
        "SELECT * FROM poll_votes WHERE poll_id = ? AND account_id = ? ORDER BY choice", (poll_id, account_id)))


async def local_voter_ids(db: Database | Writer, poll_id: int) -> list[int]:
    rows = await db.fetchall(
        "SELECT DISTINCT v.account_id FROM poll_votes v JOIN users u ON u.account_id = v.account_id"
        " WHERE v.poll_id = ?", (poll_id,))
    return [int(r[0]) for r in rows]


async def remote_voter_ids(db: Database | Writer, poll_id: int) -> list[int]:
    rows = await db.fetchall(
        "SELECT DISTINCT v.account_id FROM poll_votes v JOIN accounts a ON a.id = v.account_id"
        " WHERE v.poll_id = ? AND a.domain IS NOT NULL", (poll_id,))
    return [int(r[0]) for r in rows]


async def reset_poll(w: Writer, poll: PollRow, new: NewPoll) -> None:
    """An edit: the poll becomes `new`. Changed options or `multiple` void
    every vote (Mastodon's reset_votes!); a new end time is notified anew."""
    changed = list(new.options) != poll.options or bool(new.multiple) != bool(poll.multiple)
    if changed:
        await w.execute("DELETE FROM poll_votes WHERE poll_id = ?", (poll.id,))
    tallies = new.counts() if changed or new.tallies is not None else poll.tallies
    voters = new.voters_count if changed or new.tallies is not None else poll.voters_count
    notified = poll.notified_at if new.expires_at == poll.expires_at else None
    await w.execute(
        "UPDATE polls SET options_json = ?, tallies_json = ?, multiple = ?, hide_totals = ?, expires_at = ?,"
        " votes_count = ?, voters_count = ?, notified_at = ?, updated_at = ? WHERE id = ?",
        (_json(new.options), _json(tallies), int(new.multiple), int(new.hide_totals), new.expires_at,
         sum(tallies), voters, notified, now_iso(), poll.id))


async def delete_poll(w: Writer, status_id: int) -> bool:
    return await w.rowcount("DELETE FROM polls WHERE status_id = ?", (status_id,)) == 1


# ---- the sweep: ended polls, debounced updates ------------------------------------

async def ended_unnotified(db: Database, now: str, limit: int = 100) -> list[PollRow]:
    return to_rows(PollRow, await db.fetchall(
        "SELECT * FROM polls WHERE notified_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?"
        " ORDER BY expires_at LIMIT ?", (now, limit)))


async def claim_ended(w: Writer, poll_id: int, now: str) -> bool:
    """Mark an ended poll notified; False if another process did first."""
    return await w.rowcount("UPDATE polls SET notified_at = ? WHERE id = ? AND notified_at IS NULL",
                            (now, poll_id)) == 1


async def schedule_update(w: Writer, poll_id: int, due: str) -> None:
    """Debounce: the first vote since the last Update sets the time; later ones wait with it."""
    await w.execute("UPDATE polls SET update_due_at = coalesce(update_due_at, ?) WHERE id = ?", (due, poll_id))


async def due_updates(db: Database, now: str, limit: int = 100) -> list[PollRow]:
    return to_rows(PollRow, await db.fetchall(
        "SELECT * FROM polls WHERE update_due_at IS NOT NULL AND update_due_at <= ? ORDER BY update_due_at"
        " LIMIT ?", (now, limit)))


async def claim_update(w: Writer, poll_id: int, due: str) -> bool:
    return await w.rowcount("UPDATE polls SET update_due_at = NULL WHERE id = ? AND update_due_at = ?",
                            (poll_id, due)) == 1
