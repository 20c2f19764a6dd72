"""Permit registry commands: `python -m node permits ...` (article 7(6)).

add, list, show, suspend, revoke, activate, remove, import and export.
`import` takes CSV (header host,number,kind,holder,status,valid_until,note)
or TOML (`[[permit]]` tables) by extension and is all or nothing: every row
is checked first, each bad one reported as `file:line: problem`, and a file
with any bad row stores nothing (exit 1). `export` writes what `import`
reads back. Entries not in an imported file are left as they are.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import re
import sys
import tomllib
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from node.audit_log import audit_permit
from node.cli import Command, CommandError, add_config, node_database, run_async
from node.config import Config
from policy import permit_effects, permits
from policy.permit_gate import CHINA_STANDARD_TIME
from policy.permits import KINDS, STATUSES, UNKNOWN, PermitEntry, PermitError, PermitNotFoundError
from storage import permits as store
from storage.database import Database
from storage.ids import IdGenerator

FIELDS = ("host", "number", "kind", "holder", "status", "valid_until", "note")
_TOML_TABLE = re.compile(r"^\s*\[\[\s*permit\s*\]\]")

Action = Callable[[Database, argparse.Namespace], Awaitable[int]]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("permits", help="the registry of peers the node may federate with")
    add_config(p)
    cmds = p.add_subparsers(dest="permits_command", required=True)
    add = _command(cmds, "add", "add a permit, or replace the details of a host's permit", _add)
    add.add_argument("host", help="host or host:port, e.g. example.cn")
    add.add_argument("number", help="e.g. 京ICP备12345678号-1")
    add.add_argument("--kind", choices=KINDS, help="inferred from the number when not given")
    add.add_argument("--holder", default="", help="the permit holder's name")
    add.add_argument("--valid-until", help="last valid day, YYYY-MM-DD (inclusive)")
    add.add_argument("--note", default="")
    ls = _command(cmds, "list", "list permits", _list)
    ls.add_argument("--status", choices=STATUSES)
    _command(cmds, "show", "show one permit and the peer's last declaration", _show).add_argument("host")
    for name, status in (("suspend", "suspended"), ("revoke", "revoked"), ("activate", "active")):
        c = _command(cmds, name, f"set a permit {status}", _set_status)
        c.add_argument("host")
        c.add_argument("--note", help="replaces the permit's note")
        c.set_defaults(status=status)
    _command(cmds, "remove", "delete a permit from the registry", _remove).add_argument("host")
    imp = _command(cmds, "import", "add or update permits from a .csv or .toml file", _import)
    imp.add_argument("file", type=Path)
    exp = _command(cmds, "export", "write the registry as CSV or TOML", _export)
    exp.add_argument("--format", choices=("csv", "toml"), help="default: from --output, else csv")
    exp.add_argument("--output", type=Path, help="a file to write instead of standard output")


def _command(cmds: argparse._SubParsersAction[argparse.ArgumentParser], name: str, text: str,
             action: Action) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = cmds.add_parser(name, help=text, description=text)
    add_config(parser)
    parser.set_defaults(func=_runner(action))
    return parser


def _runner(action: Action) -> Command:
    def command(config: Config, args: argparse.Namespace) -> int:
        async def go() -> int:
            async with _registry(config) as db:
                return await action(db, args)

        try:
            return int(run_async(go()))
        except (PermitError, PermitNotFoundError) as exc:
            raise CommandError(str(exc)) from None

    return command


@contextlib.asynccontextmanager
async def _registry(config: Config) -> AsyncIterator[Database]:
    async with node_database(config) as db:
        yield db


def _today() -> dt.date:
    return dt.datetime.now(CHINA_STANDARD_TIME).date()


def _registry_reason(entry: PermitEntry) -> str:
    """What the gate decides on the registry alone (before any declaration)."""
    return permits.decide_peer(entry, today=_today(), declared=UNKNOWN, require_declared=False).reason


async def _add(db: Database, args: argparse.Namespace) -> int:
    entry = permits.validate_entry(args.host, args.number, args.kind, args.valid_until,
                                   holder=args.holder, source="cli", note=args.note)
    change = await permits.add_permit(db, IdGenerator(), entry)
    await audit_permit(db, "cli", change)
    _print_effects([await permit_effects.apply_permit_change(db, change)])
    after = change.after
    assert after is not None
    verb = "added" if change.action == "create" else "updated"
    print(f"{verb} {after.host}: {after.kind} {after.number}, {after.status}"
          f" ({_registry_reason(after)})")
    return 0


async def _list(db: Database, args: argparse.Namespace) -> int:
    entries = [permits.entry_from_row(r) for r in await store.list_permits(db, args.status)]
    header = ("host", "number", "kind", "status", "valid_until", "gate", "holder")
    rows = [(e.host, e.number, e.kind, e.status, str(e.valid_until or "-"), _registry_reason(e), e.holder)
            for e in entries]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


async def _show(db: Database, args: argparse.Namespace) -> int:
    host = permits.normalise_host(args.host)
    row = await store.get_permit(db, host)
    if row is None:
        raise PermitNotFoundError(f"no permit for {host} in the registry")
    entry = permits.entry_from_row(row)
    for key in ("host", "id", "number", "kind", "holder", "status", "valid_until", "source", "note",
                "created_at", "updated_at"):
        value = getattr(row, key)
        print(f"{key + ':':<13}{'-' if value in (None, '') else value}")
    print(f"{'gate:':<13}{_registry_reason(entry)} (registry alone)")
    print(f"{'declared:':<13}{_declaration(await store.get_declaration(db, host))}")
    return 0


def _declaration(row: store.DeclarationRow | None) -> str:
    if row is None:
        return "not fetched yet"
    if row.error:
        return f"could not be fetched at {row.checked_at}: {row.error}"
    return f"{row.declared_number or 'nothing'} (checked {row.checked_at})"


def _print_effects(effects: list[permit_effects.PermitEffects]) -> None:
    """policy/permit_effects.py: what a suspension, revocation or re-activation did."""
    for e in effects:
        if e.action == "restrict":
            print(f"{e.host}: {e.dropped_deliveries} queued deliveries dropped, {e.frozen_follows} follows frozen")
        elif e.action == "release" and e.thawed_follows:
            print(f"{e.host}: {e.thawed_follows} follows restored")


async def _set_status(db: Database, args: argparse.Namespace) -> int:
    change = await permits.change_status(db, args.host, args.status, note=args.note, source="cli")
    await audit_permit(db, "cli", change)
    _print_effects([await permit_effects.apply_permit_change(db, change)])
    after = change.after
    assert after is not None
    print(f"{after.host}: {after.status} ({_registry_reason(after)})")
    return 0


async def _remove(db: Database, args: argparse.Namespace) -> int:
    change = await permits.remove_permit(db, args.host)
    await audit_permit(db, "cli", change)
    _print_effects([await permit_effects.apply_permit_change(db, change)])
    print(f"removed {change.host}")
    return 0


async def _import(db: Database, args: argparse.Namespace) -> int:
    path: Path = args.file
    entries, problems = read_permit_file(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        raise CommandError(f"{path}: {len(problems)} problem(s); nothing imported")
    changes = await permits.import_permits(db, IdGenerator(), entries)
    for change in changes:
        await audit_permit(db, "cli", change)
    _print_effects(await permit_effects.apply_permit_changes(db, changes))
    added = sum(1 for c in changes if c.action == "create")
    print(f"imported {len(changes)} permit(s) from {path}: {added} added, {len(changes) - added} updated")
    return 0


Row = tuple[int, dict[str, Any]]  # (line, fields)


def read_permit_file(path: Path) -> tuple[list[PermitEntry], list[str]]:
    """Validated entries, or `file:line: problem` for every bad row."""
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read: {exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows, problems = _csv_rows(text)
    elif suffix == ".toml":
        rows, problems = _toml_rows(path, text)
    else:
        raise CommandError(f"{path}: import reads .csv or .toml files")
    entries: list[PermitEntry] = []
    seen: dict[str, int] = {}
    for line, fields in rows:
        try:
            entry = _validate_row(fields, f"import:{path.name}")
        except PermitError as exc:
            problems.append((line, str(exc)))
            continue
        if entry.host in seen:
            problems.append((line, f"host: {entry.host} is also on line {seen[entry.host]}"))
        seen.setdefault(entry.host, line)
        entries.append(entry)
    return entries, [f"{path}:{line}: {message}" for line, message in sorted(problems)]


def _csv_rows(text: str) -> tuple[list[Row], list[tuple[int, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    unknown = [h for h in header if h not in FIELDS]
    missing = [h for h in ("host", "number") if h not in header]
    if unknown or missing:
        return [], [(1, f"header must name columns of {','.join(FIELDS)}"
                        f" (unknown: {', '.join(unknown) or '-'}; missing: {', '.join(missing) or '-'})")]
    rows, problems = [], []
    for record in reader:
        if None in record or None in record.values():
            problems.append((reader.line_num, f"expected {len(header)} fields"))
        else:
            rows.append((reader.line_num, dict(record)))
    return rows, problems


def _toml_rows(path: Path, text: str) -> tuple[list[Row], list[tuple[int, str]]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CommandError(f"{path}: {exc}") from None
    tables = data.get("permit", [])
    other = [k for k in data if k != "permit"]
    if other or not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        return [], [(1, "expected only [[permit]] tables")]
    lines = [n for n, line in enumerate(text.splitlines(), 1) if _TOML_TABLE.match(line)]
    lines += [0] * (len(tables) - len(lines))
    return list(zip(lines, tables, strict=False)), []


def _validate_row(fields: dict[str, Any], source: str) -> PermitEntry:
    for key, value in fields.items():
        if key not in FIELDS:
            raise PermitError(key, f"unknown field (known: {', '.join(FIELDS)})")
        if not isinstance(value, str) and not (key == "valid_until" and isinstance(value, dt.date)):
            raise PermitError(key, "must be a string")
    for key in ("host", "number"):
        if not str(fields.get(key) or "").strip():
            raise PermitError(key, "is missing")
    return permits.validate_entry(
        fields["host"], fields["number"], fields.get("kind") or None, fields.get("valid_until") or None,
        holder=fields.get("holder") or "", status=(fields.get("status") or "active").strip(),
        source=source, note=fields.get("note") or "")


async def _export(db: Database, args: argparse.Namespace) -> int:
    entries = [permits.entry_from_row(r) for r in await store.list_permits(db)]
    output: Path | None = args.output
    fmt = args.format or ("toml" if output and output.suffix.lower() == ".toml" else "csv")
    text = export_toml(entries) if fmt == "toml" else export_csv(entries)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, "utf-8")
        print(f"exported {len(entries)} permit(s) to {output}")
    return 0


def _export_values(entry: PermitEntry) -> dict[str, str]:
    return {key: str(getattr(entry, key) or "") for key in FIELDS}


def export_csv(entries: list[PermitEntry]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_export_values(e) for e in entries)
    return out.getvalue()


def export_toml(entries: list[PermitEntry]) -> str:
    parts = ["# The permit registry; `python -m node permits import FILE.toml` reads it back.\n"]
    for entry in entries:
        parts.append("\n[[permit]]\n")
        for key, value in _export_values(entry).items():
            if key == "valid_until":
                parts.append(f"valid_until = {value}\n" if value else "")
            else:
                parts.append(f"{key} = {_toml_string(value)}\n")
    return "".join(parts)


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, DEL aside."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
