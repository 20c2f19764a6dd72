"""Deleting a local account (issue #16): the step that happens at once.

`/settings/delete` (the account itself, after its password) and `python
-m node accounts delete USERNAME --reason R` (an admin) both call
`delete_local_account`: in one write transaction the account becomes
unusable (sign-in refused, tokens and sessions gone, hidden everywhere:
`storage.account_deletions.mark_deleted`), its identity record is marked
with the deletion time, a queue row is added for the rest, and the audit
log records `account.deleted` with who asked (self or admin) and the
reason, never anything of the identity. The rest (the Delete of the
actor to peers, the content, the key) is `node.deletion_setup`'s work.
"""

from __future__ import annotations

from typing import Literal

from node.audit_log import audit
from storage import account_deletions
from storage.accounts import AccountRow
from storage.clock import now
from storage.database import Database

Requester = Literal["self", "admin"]


async def delete_local_account(db: Database, account: AccountRow, by: Requester, actor: AccountRow | str,
                               reason: str = "") -> bool:
    """Mark the account deleted and queue the rest; False if it was deleted already."""
    async with db.write() as w:
        if not await account_deletions.mark_deleted(w, account.id, by, now()):
            return False
        await audit(w, actor, "account.deleted", ("account", account.id),
                    {"by": by, "username": account.username, "reason": reason})
    return True
