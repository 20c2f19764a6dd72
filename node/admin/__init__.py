"""The `/admin` pages: server-rendered HTML for moderators and admins.

One module per part of the work (queue, reports, accounts, permits,
registry, policy, corrections, announcements, custom emoji, audit, inbox,
mail, identity, compliance), each calling the functions the admin JSON API calls
(registry: those the `registry` commands call); `layout` holds access
control, CSRF, flash notices and the
frame. `routes()` is what `node.api.routes` lists.
"""

from __future__ import annotations

from aiohttp import web

from node.admin import (accounts, announcements, audit, compliance, corrections, custom_emojis, identity, inbox,
                        mail, overview, permits, policy, queue, registry, reports)

PAGES = (overview, queue, reports, accounts, permits, registry, policy, corrections, announcements, custom_emojis,
         audit, inbox, mail, identity, compliance)


def routes() -> list[web.RouteDef]:
    return [route for page in PAGES for route in page.routes()]
