"""The one flat route table: every module's routes, in one list."""

from __future__ import annotations

from aiohttp import web

from node import admin
from node.streaming import api as streaming
from node.api import (
    account_credentials,
    accounts,
    activitypub,
    admin_accounts,
    admin_case_files,
    admin_identity,
    admin_permits,
    admin_reports,
    admin_screening,
    apps,
    client_misc,
    corrections,
    filters,
    filters_v1,
    identity,
    instance,
    lists,
    media,
    notifications,
    notifications_v2,
    oauth,
    oauth_authorize,
    pages,
    polls,
    relationship_lists,
    relationships,
    reports,
    search,
    sign_in,
    status_actions,
    statuses,
    tags,
    timelines,
)

# Order matters only where two patterns could match one path: specific
# routes (accounts/verify_credentials) come before {id} routes.
MODULES = (
    instance, activitypub, pages, identity,
    apps, oauth, oauth_authorize, sign_in,
    account_credentials, relationships, relationship_lists, accounts,
    statuses, status_actions, polls, media, timelines,
    notifications, notifications_v2, search, tags, lists, filters, filters_v1, client_misc,
    reports, corrections, streaming,
    admin_accounts, admin_identity, admin_case_files, admin_reports, admin_permits, admin_screening, admin,
)


def all_routes() -> list[web.AbstractRouteDef]:
    return [route for module in MODULES for route in module.routes()]
