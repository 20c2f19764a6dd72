"""Screening policy commands: `policy check` and `policy reload`."""

from __future__ import annotations

import argparse

from node.audit_log import audit
from node.cli import CommandError, add_config, node_database, run_async
from node.config import Config
from node.screening_setup import source_from
from policy.screening import PolicyError, check_policy
from policy.screening_runtime import request_reload


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("policy", help="the screening policy: check and reload")
    add_config(p)
    pol = p.add_subparsers(dest="policy_command", required=True)
    c = pol.add_parser("check", help="validate [screening] and every word list")
    add_config(c)
    c.set_defaults(func=cmd_check)
    r = pol.add_parser("reload", help="check, then ask the running node to reload")
    add_config(r)
    r.set_defaults(func=cmd_reload)


def problems(config: Config) -> list[str]:
    try:
        source = source_from(config)
    except PolicyError as exc:
        return [str(exc)]
    return check_policy(source.categories, fold_traditional=source.fold_traditional,
                        engine=source.engine)


def cmd_check(config: Config, args: argparse.Namespace) -> int:
    found = problems(config)
    for line in found:
        print(line)
    if found:
        raise CommandError(f"{len(found)} problem(s) in the screening policy")
    total = sum(1 for _ in config.screening.categories)
    print(f"screening policy ok: {total} categories")
    return 0


def cmd_reload(config: Config, args: argparse.Namespace) -> int:
    found = problems(config)
    if found:
        for line in found:
            print(line)
        raise CommandError("not reloaded: the running node keeps its current policy")

    async def go() -> str:
        async with node_database(config) as db:
            stamp = await request_reload(db)
            await audit(db, "cli", "screening.reload_requested", ("policy", "screening"), {"request": stamp})
            return stamp

    run_async(go())
    print("reload requested; running processes pick it up within seconds")
    return 0
