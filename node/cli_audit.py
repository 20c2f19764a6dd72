"""Audit log commands: `python -m node audit verify | export --report ID | list`.

`verify` walks the hash chain and exits 1 naming the first record that
does not fit (edited, removed or reordered), 0 with the count when the
chain is intact. The head hash it prints can be kept elsewhere: a record
cut from the end of the log leaves an intact but shorter chain, which
only a head kept outside the database reveals (`--head`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from node.cli import CommandError, add_config, node_database, run_async
from node.config import Config
from policy import audit as chain
from storage import accounts, reports, sanctions, statuses
from storage import audit as store
from storage.audit import AuditRow
from storage.database import Database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="the audit log: verify the chain, export a case file")
    add_config(p)
    cmds = p.add_subparsers(dest="audit_command", required=True)
    v = cmds.add_parser("verify", help="walk the hash chain; exit 1 where it breaks")
    add_config(v)
    v.add_argument("--head", help="the head hash recorded earlier: also detects a cut-off tail")
    v.set_defaults(func=cmd_verify)
    e = cmds.add_parser("export", help="write a report's case file as JSON")
    add_config(e)
    e.add_argument("--report", required=True, type=int, help="the report id")
    e.add_argument("--output", type=Path, help="a file to write instead of standard output")
    e.set_defaults(func=cmd_export)
    ls = cmds.add_parser("list", help="the newest records")
    add_config(ls)
    ls.add_argument("--limit", type=int, default=20)
    ls.set_defaults(func=cmd_list)


def _open(config: Config) -> Any:
    return node_database(config)


def cmd_verify(config: Config, args: argparse.Namespace) -> int:
    async def go() -> chain.Verification:
        async with _open(config) as db:
            return await chain.verify_database(db)

    result = run_async(go())
    if not result.ok:
        print(f"audit log broken at record {result.record_id} (position {result.position}):"
              f" {result.problem}; {result.count} record(s) before it verify")
        raise CommandError(f"audit chain broken at record {result.record_id} (position {result.position})")
    if args.head and args.head != result.head:
        print(f"audit log intact but its head {result.head} is not the recorded head {args.head}")
        raise CommandError("audit chain head differs: records were cut from the end")
    print(f"audit log intact: {result.count} record(s), head {result.head}")
    return 0


def serialize_entry(row: AuditRow) -> dict[str, Any]:
    return {"id": row.id, "at": row.at, "actor": row.actor, "action": row.action,
            "target_type": row.target_type, "target_id": row.target_id,
            "details": json.loads(row.details_json or "{}"), "prev_hash": row.prev_hash, "hash": row.hash}


def cmd_list(config: Config, args: argparse.Namespace) -> int:
    async def go() -> list[AuditRow]:
        async with _open(config) as db:
            return await store.recent(db, max(1, args.limit))

    for row in run_async(go()):
        print(f"{row.id}\t{row.at}\t{row.actor}\t{row.action}\t{row.target_type}:{row.target_id}\t{row.details_json}")
    return 0


async def case_file(db: Database, report_id: int) -> dict[str, Any]:
    """A report with its content, screening decisions, actions and audit trail."""
    report = await reports.get_report(db, report_id)
    if report is None:
        raise CommandError(f"no report {report_id}")
    status_ids = report.status_id_list
    target = await accounts.get_account(db, report.target_account_id)
    trail = {r.id: r for r in [
        *await store.entries_about(db, "report", [str(report_id)]),
        *await store.entries_mentioning(db, "report_id", str(report_id)),
        *await store.entries_about(db, "account", [str(report.target_account_id)]),
        *await store.entries_about(db, "status", [str(i) for i in status_ids])]}
    return {
        "report": {k: getattr(report, k) for k in report.__dataclass_fields__},
        "target_account": {"id": target.id, "acct": target.acct(), "uri": target.uri} if target else None,
        "statuses": [{"id": s.id, "uri": s.uri, "url": s.url, "created_at": s.created_at, "text": s.text,
                      "content": s.content, "spoiler_text": s.spoiler_text, "state": s.state,
                      "deleted_at": s.deleted_at} for s in await statuses.get_statuses(db, status_ids)],
        "screening": await reports.screening_items_for(db, report.target_account_id, status_ids),
        "actions": [{k: getattr(s, k) for k in s.__dataclass_fields__}
                    for s in await sanctions.sanctions_of(db, report.target_account_id)],
        "notes": [{k: getattr(n, k) for k in n.__dataclass_fields__} for n in await reports.notes_of(db, report_id)],
        "audit_trail": [serialize_entry(trail[i]) for i in sorted(trail)],
    }


def cmd_export(config: Config, args: argparse.Namespace) -> int:
    async def go() -> dict[str, Any]:
        async with _open(config) as db:
            return await case_file(db, args.report)

    text = json.dumps(run_async(go()), ensure_ascii=False, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, "utf-8")
        print(f"case file for report {args.report} written to {args.output}")
    return 0
