"""The one flat route table: every module's routes, in one list."""

from __future__ import annotations

from aiohttp import web

from node.api import admin_permits, admin_screening
from node.api import admin_accounts, admin_reports, corrections, reports
from node.api import account_credentials, accounts, apps, oauth, oauth_authorize, relationship_lists, relationships, sign_in
from node.api import activitypub, identity, instance, pages
from node.api import status_actions, statuses, timelines
from node.api import client_misc, filters, filters_v1, lists, notifications, notifications_v2, search, tags


def all_routes() -> list[web.AbstractRouteDef]:
    return [
        *instance.routes(), *activitypub.routes(),
        *apps.routes(), *oauth.routes(), *oauth_authorize.routes(), *sign_in.routes(), *account_credentials.routes(), *relationships.routes(), *relationship_lists.routes(), *accounts.routes(),
        *admin_permits.routes(), *admin_screening.routes(),
        *reports.routes(), *admin_reports.routes(), *admin_accounts.routes(), *corrections.routes(),
        *pages.routes(), *identity.routes(),
        *statuses.routes(), *status_actions.routes(), *timelines.routes(),
        *notifications.routes(), *notifications_v2.routes(), *search.routes(), *tags.routes(),
        *lists.routes(), *filters.routes(), *filters_v1.routes(), *client_misc.routes(),
    ]
