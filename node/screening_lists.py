"""Editing a screening list file from the admin page, safely.

The new text is written to a temporary file beside the list and the
whole policy is checked with it in the list's place (`check_policy`, the
same check as `policy check`), so a bad term, an unknown kind or a broken
regular expression is refused with its file and line and the good file is
never touched. Only a clean edit replaces the file (`os.replace`, atomic
on one file system), and then the live policy reloads; the edit, refused
or made, is audit-logged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from node.audit_log import audit
from node.keys import CONFIG
from node.screening_setup import loader_for
from policy.screening import CategoryConfig, PolicyError, check_policy
from policy.screening_runtime import PolicySource, ReloadResult, ScreeningHolder
from storage.accounts import AccountRow

MAX_LIST_BYTES = 4 * 1024 * 1024  # a textarea is not the way to upload a huge list


@dataclass(frozen=True, slots=True)
class ListEdit:
    """What became of an edit: the problems that refused it, or the reload."""

    file: str
    problems: tuple[str, ...] = ()
    reload: ReloadResult | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.reload is not None and self.reload.ok


def _source(config_path: Path, *, registry: bool = True) -> PolicySource:
    return loader_for(config_path, registry=registry)()


def list_files(config_path: Path) -> tuple[Path, ...]:
    """The list files the config names now (the only files the page may
    write: a registry subscription's files are replaced by its syncs)."""
    try:
        source = _source(config_path, registry=False)
    except PolicyError:
        return ()
    return tuple(dict.fromkeys(p for c in source.categories for p in c.lists))


Categories = tuple[CategoryConfig, ...]


def check_with(config_path: Path, change: Callable[[Categories], Categories]) -> tuple[str, ...]:
    """Problems of the whole policy as it would be with `change` made to its
    categories (the running one, registry lists included); none: fine."""
    try:
        source = _source(config_path)
    except PolicyError as exc:
        return (str(exc),)
    return tuple(check_policy(change(source.categories), fold_traditional=source.fold_traditional,
                              engine=source.engine))


def display_name(path: Path, base_dir: Path) -> str:
    try:
        return str(path.relative_to(base_dir))
    except ValueError:
        return str(path)


def find_list(config_path: Path, base_dir: Path, name: str) -> Path | None:
    """The list file shown as `name`; None for anything the config does not name."""
    return next((p for p in list_files(config_path) if display_name(p, base_dir) == name), None)


def _normalised(text: str) -> bytes:
    # Browsers send textarea lines with CRLF; the files are kept with LF.
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    return (body if body.endswith("\n") or not body else body + "\n").encode("utf-8")


def check_and_replace(config_path: Path, path: Path, text: str) -> tuple[str, ...]:
    """Problems with `text` as `path` (file and line named); none means it replaced the file."""
    data = _normalised(text)
    if len(data) > MAX_LIST_BYTES:
        return (f"{path}: larger than {MAX_LIST_BYTES} bytes; edit the file on the server",)
    try:
        local = _source(config_path, registry=False)
    except PolicyError as exc:
        return (str(exc),)
    if path not in {p for c in local.categories for p in c.lists}:
        return (f"{path}: not a list file of the screening policy",)
    trial = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    trial.write_bytes(data)
    try:
        found = check_with(config_path, lambda categories: tuple(
            dataclasses.replace(c, lists=tuple(trial if p == path else p for p in c.lists)) for c in categories))
        if found:
            return tuple(problem.replace(str(trial), str(path)) for problem in found)
        os.replace(trial, path)
        return ()
    finally:
        trial.unlink(missing_ok=True)


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


async def edit_list(app: web.Application, holder: ScreeningHolder, actor: AccountRow, path: Path,
                    text: str) -> ListEdit:
    """Validate, replace and reload; a refused edit leaves file and policy as they were."""
    config = app[CONFIG]
    name = display_name(path, config.base_dir)
    before = await asyncio.to_thread(_digest, path)
    problems = await asyncio.to_thread(check_and_replace, config.path, path, text)
    details: dict[str, object] = {"file": name, "sha256_before": before}
    if problems:
        await audit(app, actor, "screening.list_edit_refused", ("policy", name),
                    {**details, "problems": list(problems[:20])})
        return ListEdit(name, problems)
    result = await holder.reload()
    await audit(app, actor, "screening.list_edit", ("policy", name),
                {**details, "sha256_after": await asyncio.to_thread(_digest, path), "reload": result.to_dict()})
    return ListEdit(name, (), result)
