"""The background work of /settings/export and /settings/import: one loop
per serving process, woken when a person asks and every 30 seconds, that
claims archive and import rows under a lease (storage/account_exports.py,
storage/account_imports.py), so with several processes each row is built
once and a killed process's row is taken again when its lease runs out.
It also deletes archives past their seven days, file and row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from node.account_export import write_archive
from node.account_import import run_import
from node.keys import CONFIG, DB
from node.periodic import running
from storage import account_exports, account_imports, accounts

logger = logging.getLogger(__name__)

WAKE = web.AppKey("account_jobs_wake", asyncio.Event)
IDLE_SECONDS = 30.0


def exports_dir(app: web.Application) -> Path:
    return app[CONFIG].node.data_dir / "exports"


def wake(app: web.Application) -> None:
    """Start the work a person just asked for without waiting for the timer."""
    event = app.get(WAKE)
    if event is not None:
        event.set()


async def build_one_export(app: web.Application) -> bool:
    """Build the oldest archive waiting; False when none was."""
    db = app[DB]
    row = await account_exports.claim_export(db)
    if row is None:
        return False
    account = await accounts.get_account(db, row.account_id)
    folder = exports_dir(app)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.zip"
    try:
        assert account is not None
        size = await write_archive(db, app[CONFIG], account, folder / name)
    except Exception:  # the person sees "failed" and may ask again tomorrow; the log has why
        logger.exception("archive %s could not be built", row.id)
        (folder / name).unlink(missing_ok=True)
        await account_exports.finish_export(db, row.id, None, 0)
        return True
    await account_exports.finish_export(db, row.id, name, size)
    return True


async def run_one_import(app: web.Application) -> bool:
    """Apply the oldest import waiting; False when none was."""
    row = await account_imports.claim_import(app[DB])
    if row is None:
        return False
    try:
        imported, skipped = await run_import(app, row)
    except Exception:
        logger.exception("import %s failed", row.id)
        await account_imports.finish_import(app[DB], row.id, 0, row.total, failed=True)
        return True
    await account_imports.finish_import(app[DB], row.id, imported, skipped)
    return True


async def remove_expired(app: web.Application) -> None:
    for name in await account_exports.take_expired(app[DB]):
        (exports_dir(app) / Path(name).name).unlink(missing_ok=True)


async def _work(app: web.Application) -> None:
    event = app[WAKE]
    while True:
        event.clear()
        try:
            await remove_expired(app)
            while await build_one_export(app) or await run_one_import(app):
                pass
        except Exception:  # the next round retries; a failure must not end the loop
            logger.exception("account jobs round failed")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), IDLE_SECONDS)


async def account_jobs_context(app: web.Application) -> AsyncIterator[None]:
    app[WAKE] = asyncio.Event()
    async with running(_work(app), "account-jobs"):
        yield
