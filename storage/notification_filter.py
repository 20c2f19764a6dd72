"""Whether a new notification is kept, filtered into a request, or dropped.

Mastodon 4.3's NotifyService DropCondition and FilterCondition, applied
by `storage.notifications.notify` inside the transaction that creates the
notification (which is why this decision lives in storage: notifications
are made by storage code such as `relationships.follow`, and storage
imports no other layer). `facts_about` reads everything in one query;
`verdict` is pure.

Drop: the recipient blocks the sender's domain and does not follow the
sender; or a policy set to `drop` applies. Filter: a policy set to
`filter` applies. A policy applies only to types Mastodon lets it filter
(mentions, boosts, favourites, follows, follow requests, quotes), never
to a sender whose request the recipient accepted, and never to a
mention by the node's staff. The policies: not following the sender; the
sender not following the recipient for 3 days; the sender's account
younger than 30 days (and not followed); a private mention that is not a
reply in a private thread the recipient began with the sender (and the
sender not followed); the sender limited by moderators (and not followed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from storage.clock import now, parse
from storage.database import Database, Writer

Verdict = Literal["keep", "filter", "drop"]
ACTIONS = ("accept", "filter", "drop")
FILTERABLE = frozenset({"mention", "reblog", "follow", "follow_request", "favourite", "quote"})
NEW_ACCOUNT = dt.timedelta(days=30)
NEW_FOLLOWER = dt.timedelta(days=3)
THREAD_DEPTH = 100


@dataclass(frozen=True, slots=True)
class Policy:
    """Mastodon's NotificationPolicy and its defaults."""

    for_not_following: str = "accept"
    for_not_followers: str = "accept"
    for_new_accounts: str = "accept"
    for_private_mentions: str = "filter"
    for_limited_accounts: str = "filter"


POLICY_FIELDS = tuple(Policy.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class Facts:
    """The recipient's ties to the sender, as the conditions ask them."""

    following: bool                 # the recipient follows the sender
    follower_since: str | None      # when the sender's follow of the recipient began
    sender_created_at: str
    sender_limited: bool
    sender_staff: bool              # a local moderator or admin
    permitted: bool                 # an accepted request: never filtered
    domain_blocked: bool            # the recipient blocks the sender's domain
    private_mention: bool = False   # a direct mention that does not answer the recipient


_FACTS = """
SELECT
  (SELECT 1 FROM follows WHERE account_id = :r AND target_id = :s) AS following,
  (SELECT created_at FROM follows WHERE account_id = :s AND target_id = :r) AS follower_since,
  a.created_at, a.silenced_at,
  (SELECT role FROM users WHERE account_id = :s) AS role,
  (SELECT 1 FROM notification_permissions WHERE account_id = :r AND from_account_id = :s) AS permitted,
  (SELECT 1 FROM account_domain_blocks d WHERE d.account_id = :r AND d.domain = a.domain) AS domain_blocked,
  p.for_not_following, p.for_not_followers, p.for_new_accounts, p.for_private_mentions,
  p.for_limited_accounts
FROM accounts a LEFT JOIN notification_policies p ON p.account_id = :r
WHERE a.id = :s
"""

# Mastodon's response_to_recipient?: up the thread from the status replied
# to, a direct status by the recipient that mentions the sender.
_ANSWERS_RECIPIENT = """
WITH RECURSIVE thread(id, in_reply_to_id, depth) AS (
  SELECT id, in_reply_to_id, 0 FROM statuses WHERE id = :parent
  UNION ALL
  SELECT s.id, s.in_reply_to_id, t.depth + 1 FROM thread t JOIN statuses s ON s.id = t.in_reply_to_id
  WHERE t.depth < :depth
)
SELECT 1 FROM thread t JOIN statuses s ON s.id = t.id JOIN mentions m ON m.status_id = s.id
WHERE s.account_id = :r AND m.account_id = :s AND s.visibility = 'direct' LIMIT 1
"""


async def facts_about(w: Writer, recipient_id: int, sender_id: int, kind: str,
                      status_id: int | None) -> tuple[Policy, Facts] | None:
    """The recipient's policy and the facts; None for an unknown sender."""
    row = await w.fetchone(_FACTS, {"r": recipient_id, "s": sender_id})
    if row is None:
        return None
    policy = Policy(**{f: row[f] for f in POLICY_FIELDS if row[f] is not None})
    facts = Facts(following=row["following"] is not None, follower_since=row["follower_since"],
                  sender_created_at=row["created_at"], sender_limited=row["silenced_at"] is not None,
                  sender_staff=row["role"] in ("admin", "moderator"), permitted=row["permitted"] is not None,
                  domain_blocked=row["domain_blocked"] is not None,
                  private_mention=kind == "mention" and await _private_mention(w, recipient_id, sender_id, status_id))
    return policy, facts


async def _private_mention(w: Writer, recipient_id: int, sender_id: int, status_id: int | None) -> bool:
    if status_id is None:
        return False
    status = await w.fetchone("SELECT visibility, in_reply_to_id FROM statuses WHERE id = ?", (status_id,))
    if status is None or status["visibility"] != "direct":
        return False
    if status["in_reply_to_id"] is None:
        return True
    answered = await w.fetchone(_ANSWERS_RECIPIENT, {"parent": status["in_reply_to_id"], "r": recipient_id,
                                                      "s": sender_id, "depth": THREAD_DEPTH})
    return answered is None


def _moment(stamp: str | None) -> dt.datetime | None:
    """A stored time; None for one that does not parse (rows written by
    hand), which counts as long ago rather than failing the notification."""
    try:
        return parse(stamp) if stamp else None
    except ValueError:
        return None


def _applies(policy: Policy, facts: Facts, at: dt.datetime) -> list[str]:
    """The actions of every policy whose condition holds."""
    since, created = _moment(facts.follower_since), _moment(facts.sender_created_at)
    follower = facts.follower_since is not None and (since is None or since <= at - NEW_FOLLOWER)
    new_account = created is not None and created > at - NEW_ACCOUNT
    strangers = not facts.following
    conditions = (
        (policy.for_limited_accounts, facts.sender_limited and strangers),
        (policy.for_not_following, strangers),
        (policy.for_not_followers, not follower),
        (policy.for_new_accounts, new_account and strangers),
        (policy.for_private_mentions, facts.private_mention and strangers),
    )
    return [action for action, holds in conditions if holds]


def verdict(policy: Policy, facts: Facts, kind: str, at: dt.datetime | None = None) -> Verdict:
    """keep, filter or drop, in Mastodon's order."""
    staff_message = kind == "mention" and facts.sender_staff
    if staff_message:
        return "keep"
    if facts.domain_blocked and not facts.following:
        return "drop"
    if kind not in FILTERABLE or facts.permitted:
        return "keep"
    actions = _applies(policy, facts, at or now())
    if "drop" in actions:
        return "drop"
    return "filter" if "filter" in actions else "keep"


async def get_policy(db: Database, account_id: int) -> Policy:
    row = await db.fetchone(f"SELECT {', '.join(POLICY_FIELDS)} FROM notification_policies WHERE account_id = ?",
                            (account_id,))
    return Policy() if row is None else Policy(*(row[f] for f in POLICY_FIELDS))
