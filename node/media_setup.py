"""Uploads nobody posted: removed a day later, rows and files (as Mastodon's
media cleanup does), so an abandoned draft or a detached redraft does not
keep disk space for ever."""

from __future__ import annotations

import datetime as dt
import logging

from aiohttp import web

from node.keys import CONFIG, DB
from node.media_files import remove_files
from node.periodic import periodic
from storage import clock, media

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 3600.0
UNATTACHED_FOR = dt.timedelta(days=1)


async def sweep_unattached(app: web.Application, now: dt.datetime | None = None) -> int:
    """One pass; returns how many uploads it removed."""
    cutoff = clock.iso((now or clock.now()) - UNATTACHED_FOR)
    async with app[DB].write() as w:
        names = await media.delete_unattached_before(w, cutoff)
    await remove_files(app[CONFIG].storage.media_dir, [n for files in names for n in files])
    if names:
        logger.info("removed %d unattached upload(s)", len(names))
    return len(names)


media_cleanup_context = periodic("media cleanup", SWEEP_SECONDS, sweep_unattached)
