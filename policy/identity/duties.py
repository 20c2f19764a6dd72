"""Separation of duties for legal identities (articles 7(2), 7(4)): the one path to a reveal.

Three people's powers, kept apart:

- An *identity officer* (a grant an admin gives, beside the person's
  role; neither admin nor moderator implies it) may ask to reveal an
  account's legal identity, with a reason and optionally the report it
  is for.
- A *second staff member* (admin, moderator or identity officer, never
  the one who asked) approves or denies the request.
- Only then may the officer who asked reveal it, once: decrypting uses
  the approval up in the transaction that records the reveal.

With `[identity] reveal_needs_approval = false` a request is approved as
it is made (recorded so), and the officer reveals at once. Every step is
in the audit log, in the transaction of the change it records; none
records the identity itself. The API, the admin page and the command
line all come here.
"""

from __future__ import annotations

from dataclasses import dataclass

from policy import audit
from policy.identity.enrolment import IdentityKeys, Revealed, RevealClaimError, reveal
from storage import accounts, identities
from storage import reveal_requests as store
from storage.clock import now_iso
from storage.database import Database
from storage.ids import IdGenerator
from storage.reveal_requests import RevealRequest

STAFF_ROLES = ("admin", "moderator")


class RevealRefusedError(Exception):
    """A step refused: `code` for programs and `status` for HTTP, `message` for people."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


@dataclass(frozen=True, slots=True)
class Actor:
    """A local account acting on identities: its role and whether it holds the grant."""

    account_id: int
    acct: str
    role: str
    identity_officer: bool

    @property
    def staff(self) -> bool:
        return self.role in STAFF_ROLES or self.identity_officer


async def actor_of(db: Database, account_id: int) -> Actor | None:
    account = await accounts.get_account(db, account_id)
    user = await accounts.get_user(db, account_id)
    if account is None or user is None:
        return None
    return Actor(account_id, account.acct(), user.role, await store.has_grant(db, account_id))


async def set_identity_officer(db: Database, account_id: int, granted: bool, *, by: str) -> bool:
    """Give or take the grant (admins, or the command line); audited; False if nothing changed."""
    async with db.write() as w:
        changed = (await store.add_grant(w, account_id, by) if granted
                   else await store.remove_grant(w, account_id))
        if changed:
            action = "account.grant_identity_officer" if granted else "account.revoke_identity_officer"
            await audit.append(w, audit.Entry(by, action, "account", str(account_id), {}))
    return changed


async def request_reveal(db: Database, ids: IdGenerator, actor: Actor, account_id: int, reason: str, *,
                         report_id: int | None = None, needs_approval: bool = True) -> RevealRequest:
    if not actor.identity_officer:
        raise RevealRefusedError("not_identity_officer", 403,
                                 "Only an identity officer may ask to reveal a legal identity.")
    if not reason.strip():
        raise RevealRefusedError("reason_required", 422, "A reason is required to reveal an identity.")
    if await identities.get_identity(db, account_id) is None:
        raise RevealRefusedError("no_identity", 404, "This account has no verified identity.")
    at = now_iso()
    row = RevealRequest(ids.next_id(), account_id, actor.account_id, reason.strip()[:1000], report_id,
                        "pending" if needs_approval else "approved",
                        None if needs_approval else actor.account_id, "" if needs_approval else "approval not required",
                        None if needs_approval else at, None, None, at)
    async with db.write() as w:
        await store.insert_request(w, row)
        await audit.append(w, audit.Entry(actor.acct, "identity.reveal_request", "account", str(account_id), {
            "request_id": row.id, "reason": row.reason, "report_id": report_id,
            "needs_approval": needs_approval}))
    return row


async def decide_request(db: Database, actor: Actor, request_id: int, *, approve: bool,
                         note: str = "") -> RevealRequest:
    """A second staff member's approval (or refusal) of someone else's request."""
    row = await store.get_request(db, request_id)
    if row is None:
        raise RevealRefusedError("not_found", 404, "No such reveal request.")
    if not actor.staff:
        raise RevealRefusedError("not_staff", 403, "Only staff may approve a reveal.")
    if actor.account_id == row.requested_by:
        raise RevealRefusedError("same_person", 403,
                                 "A reveal must be approved by someone other than the person who asked for it.")
    state = "approved" if approve else "denied"
    async with db.write() as w:
        if not await store.decide(w, request_id, state, actor.account_id, note.strip()[:1000]):
            raise RevealRefusedError("not_pending", 409, "This reveal request was already decided.")
        await audit.append(w, audit.Entry(actor.acct, f"identity.reveal_{'approve' if approve else 'deny'}",
                                          "account", str(row.account_id), {
                                              "request_id": request_id, "requested_by": row.requested_by,
                                              "note": note.strip()[:1000]}))
    decided = await store.get_request(db, request_id)
    assert decided is not None
    return decided


async def perform_reveal(db: Database, keys: IdentityKeys, ids: IdGenerator, actor: Actor,
                         request_id: int) -> Revealed:
    """Decrypt, with an approved request of the actor's own; the approval is used up."""
    row = await store.get_request(db, request_id)
    if row is None:
        raise RevealRefusedError("not_found", 404, "No such reveal request.")
    if row.requested_by != actor.account_id or not actor.identity_officer:
        raise RevealRefusedError("not_requester", 403, "Only the identity officer who asked may reveal.")
    if row.state != "approved":
        raise RevealRefusedError("not_approved", 409, _STATE_MESSAGES.get(row.state, "Not approved."))
    try:
        found = await reveal(db, keys, ids.next_id(), row.account_id, actor=actor.acct, reason=row.reason,
                             request=(row.id, actor.account_id),
                             details={"request_id": row.id, "approved_by": row.decided_by,
                                      "report_id": row.report_id})
    except RevealClaimError:
        raise RevealRefusedError("not_approved", 409, _STATE_MESSAGES["revealed"]) from None
    if found is None:
        raise RevealRefusedError("no_identity", 404, "This account has no verified identity.")
    return found


_STATE_MESSAGES = {
    "pending": "This reveal request is waiting for a second staff member's approval.",
    "denied": "This reveal request was denied.",
    "revealed": "This reveal request was already used; ask again to reveal again.",
}
