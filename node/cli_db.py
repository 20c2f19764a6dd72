"""Database commands: `db migrate` carries a SQLite node over to PostgreSQL.

`python -m node db migrate --from data/node.sqlite3 --to postgresql://node@db/node`
copies every table from one snapshot of the file (the node may keep
serving meanwhile; what it writes after the snapshot is not carried),
prints the rows per table, checks the audit chain on the copy, and exits 1
if a count differs or the chain does not verify. A target that already
holds data is refused. The password, when the server needs one, comes
from NODE_DATABASE_PASSWORD (or ~/.pgpass), never from the command line.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from node.cli import CommandError, add_config, run_async
from node.config import PASSWORD_VARIABLE, Config, ConfigError
from policy import audit
from storage import clock
from storage import screening as settings
from storage.copy_node import TableCount, copy_node
from storage.database import INITIALISED, StorageError, Target, dsn_problem, open_database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="the node's database: carry it over to PostgreSQL")
    add_config(p)
    cmds = p.add_subparsers(dest="db_command", required=True)
    m = cmds.add_parser("migrate", help="copy a SQLite node's data into an empty PostgreSQL database")
    add_config(m)
    m.add_argument("--from", dest="source", type=Path,
                   help="the SQLite file (default: [storage] path)")
    m.add_argument("--to", dest="target",
                   help="postgresql://user@host/db (default: [storage] dsn when backend = \"postgresql\")")
    m.set_defaults(func=cmd_migrate)


def _target(config: Config, args: argparse.Namespace) -> Target:
    dsn = args.target or (config.storage.dsn if config.storage.backend == "postgresql" else "")
    if not dsn:
        raise ConfigError(Path("(arguments)"), "--to", "give the PostgreSQL database to copy into")
    problem = dsn_problem(dsn)
    if problem:
        raise ConfigError(Path("(arguments)"), "--to", problem)
    return Target("postgresql", dsn=dsn, password=os.environ.get(PASSWORD_VARIABLE) or None)


def cmd_migrate(config: Config, args: argparse.Namespace) -> int:
    source = args.source.resolve() if args.source else config.storage.path
    target = _target(config, args)

    async def go() -> tuple[list[TableCount], audit.Verification]:
        async with open_database(target) as db:
            counts = await copy_node(source, db)
            await settings.setting_once(db, INITIALISED, clock.now_iso())
            return counts, await audit.verify_database(db)

    try:
        counts, chain = run_async(go())
    except StorageError as exc:
        raise CommandError(str(exc)) from None
    print(f"copied {source} -> {target.describe()}")
    width = max(len(c.table) for c in counts)
    print(f"{'table':<{width}}  {'source':>8}  {'copied':>8}")
    for c in counts:
        print(f"{c.table:<{width}}  {c.source:>8}  {c.copied:>8}{'' if c.source == c.copied else '  MISMATCH'}")
    verdict = (f"verified, {chain.count} records, head {chain.head}" if chain.ok
               else f"broken at record {chain.record_id} (position {chain.position}): {chain.problem}")
    print(f"audit chain: {verdict}")
    if not chain.ok or any(c.source != c.copied for c in counts):
        raise CommandError("the copy is incomplete: keep serving from the SQLite file")
    print("next: stop the node, set [storage] backend = \"postgresql\" and dsn in config.toml, start it;"
          " media and key files stay where they are")
    return 0
