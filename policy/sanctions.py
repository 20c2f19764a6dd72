"""Applying and lifting account sanctions (articles 7(8), 14), audited.

A sanction targets one account, or (scope "identity") every local account
backed by the same verified person: the audit record then names the
identity's keyed hash, never who the person is. Each change and its
audit record commit in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from policy import audit
from storage import origin_suspensions
from storage import sanctions as store
from storage.clock import iso, now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.sanctions import ACTIONS, SanctionRow

# Article 7(7): follows (and follow requests) an account may make per day,
# Mastodon's own limit. A constant until `[moderation]` joins the config.
FOLLOW_LIMIT = 400
FOLLOW_WINDOW = dt.timedelta(hours=24)

UNDO = {"unsilence": "silence", "unsuspend": "suspend", "unsensitive": "sensitive", "enable": "disable",
        "restore_posting": "revoke_posting"}


@dataclass(frozen=True, slots=True)
class Sanction:
    """What a moderator asked for."""

    action: str                      # one of ACTIONS
    text: str = ""
    report_id: int | None = None
    duration_hours: int | None = None
    scope: str = "account"           # account | identity

    def expires_at(self, start: dt.datetime) -> str | None:
        return iso(start + dt.timedelta(hours=self.duration_hours)) if self.duration_hours else None


class SanctionError(ValueError):
    """A sanction that cannot be applied as asked."""


def validate(sanction: Sanction) -> None:
    if sanction.action not in ACTIONS:
        raise SanctionError(f"type must be one of {', '.join(ACTIONS)}")
    if sanction.scope not in ("account", "identity"):
        raise SanctionError("scope must be account or identity")
    if sanction.duration_hours is not None and sanction.duration_hours <= 0:
        raise SanctionError("duration_hours must be positive")


async def apply(w: Writer, ids: IdGenerator, sanction: Sanction, account_ids: Sequence[int], *,
                actor: str, actor_account_id: int | None, subject_hash: str | None = None,
                now: dt.datetime) -> list[SanctionRow]:
    """Record and apply `sanction` to each account, and one audit record."""
    validate(sanction)
    rows = [SanctionRow(ids.next_id(), account_id, sanction.action, sanction.report_id, sanction.text,
                        actor_account_id, sanction.scope, iso(now), sanction.expires_at(now), None)
            for account_id in account_ids]
    for row in rows:
        await store.insert_sanction(w, row)
        await store.apply_effect(w, row.account_id, row.action)
    target = ("identity", subject_hash) if sanction.scope == "identity" and subject_hash else \
        ("account", str(account_ids[0]))
    details = {"type": sanction.action, "text": sanction.text, "expires_at": sanction.expires_at(now),
               "report_id": str(sanction.report_id) if sanction.report_id else None,
               "sanction_ids": [str(r.id) for r in rows], "accounts": len(rows)}
    await audit.append(w, audit.Entry(actor, f"account.{sanction.action}", target[0], target[1], details))
    return rows


async def lift(w: Writer, undo: str, account_id: int, *, actor: str) -> int:
    """An undo (`unsuspend`, `restore_posting`...): clear the effect, close the rows."""
    action = UNDO[undo]
    closed = await store.lift_effect(w, account_id, action)
    if action == "suspend":
        await origin_suspensions.keep(w, account_id)  # a remote account its own node deleted stays hidden
    await audit.append(w, audit.Entry(actor, f"account.{undo}", "account", str(account_id),
                                      {"lifts": action, "sanctions_closed": closed}))
    return closed


async def lift_expired(db: Database, on_lift: Callable[[int, str], Awaitable[None]] | None = None) -> int:
    """Lift every sanction past its end (unless another of its kind still applies).

    `on_lift(account_id, action)` runs after each commit that ended an
    effect (the node federates an ended suspension with it)."""
    now = now_iso()
    lifted = 0
    for row in await store.due_expiries(db, now):
        ended = False
        async with db.write() as w:
            if not await store.close_sanction(w, row.id):
                continue
            if not await store.still_applies(w, row.account_id, row.action, now):
                await store.lift_effect(w, row.account_id, row.action)
                ended = not (row.action == "suspend" and await origin_suspensions.keep(w, row.account_id))
            await audit.append(w, audit.Entry("system", "sanction.expire", "account", str(row.account_id),
                                              {"sanction_id": str(row.id), "type": row.action}))
            lifted += 1
        if ended and on_lift is not None:
            await on_lift(row.account_id, row.action)
    return lifted


async def follow_allowed(db: Database, account_id: int, now: dt.datetime) -> bool:
    """Whether the account may make one more follow within the daily limit."""
    return await store.follows_since(db, account_id, iso(now - FOLLOW_WINDOW)) < FOLLOW_LIMIT
