"""Mail commands: `mail queue` shows the outbox (issue #16).

Messages waiting, being sent, and dead (given up after their last
attempt, kept so an admin sees what never arrived and why). Neither the
body (it holds a secret link) nor the address is printed: the id, the
kind, the account and the last error say enough to find it.
"""

from __future__ import annotations

import argparse

from node.cli import add_config, node_database, run_async
from node.config import Config
from storage import mail_outbox


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mail", help="the outgoing mail queue")
    add_config(p)
    mail = p.add_subparsers(dest="mail_command", required=True)
    q = mail.add_parser("queue", help="list queued and dead messages")
    add_config(q)
    q.add_argument("--dead", action="store_true", help="only messages given up after their last attempt")
    q.set_defaults(func=cmd_queue)


def cmd_queue(config: Config, args: argparse.Namespace) -> int:
    async def go() -> list[mail_outbox.MailRow]:
        async with node_database(config) as db:
            return await mail_outbox.list_rows(db, "dead" if args.dead else None)

    rows = run_async(go())
    print(f"{len(rows)} message(s)")
    for row in rows:
        print(f"{row.id}\t{row.state}\t{row.kind}\taccount {row.account_id}\tattempts {row.attempts}"
              f"\tnext {row.next_attempt_at}\t{row.last_error}")
    return 0
