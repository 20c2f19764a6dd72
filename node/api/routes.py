"""The one flat route table: every module's routes, in one list."""

from __future__ import annotations

from aiohttp import web

from node import admin
from node.streaming import api as streaming
from node.api import (
    account_credentials,
    account_settings,
    account_deletion_page,
    account_export_settings,
    account_import_settings,
    account_notes,
    accounts,
    activitypub,
    admin_accounts,
    admin_case_files,
    admin_identity,
    admin_inbox,
    admin_permits,
    admin_reports,
    admin_screening,
    alias_settings,
    announcements,
    apps,
    client_misc,
    conversations,
    corrections,
    custom_emojis,
    domain_blocks,
    email_confirmations,
    endorsements,
    featured_tags,
    filters,
    filters_v1,
    identity,
    instance,
    instance_info,
    link_trends,
    lists,
    media,
    migration_settings,
    notification_policy,
    notification_requests,
    notifications,
    notifications_v2,
    oauth,
    oauth_authorize,
    pages,
    password_pages,
    polls,
    profile_images,
    push,
    quotes,
    relationship_lists,
    relationships,
    reports,
    scheduled_statuses,
    search,
    sign_in,
    status_actions,
    statuses,
    suggestions,
    tags,
    timelines,
    two_factor_settings,
)

# Order matters only where two patterns could match one path: specific
# routes (accounts/verify_credentials) come before {id} routes.
MODULES = (
    instance, instance_info, activitypub, pages, identity,
    apps, oauth, oauth_authorize, sign_in, two_factor_settings, account_deletion_page,
    alias_settings, migration_settings, account_export_settings, account_import_settings,
    password_pages, account_settings, email_confirmations,  # issue #16: mail, confirmation, settings
    account_credentials, account_notes, relationships, relationship_lists, accounts,
    statuses, status_actions, quotes, scheduled_statuses, polls, media, profile_images, timelines,
    notification_policy, notification_requests,  # before notifications/{id}
    notifications, notifications_v2, conversations, search, tags, lists, filters, filters_v1, client_misc, push,
    domain_blocks, endorsements, featured_tags, suggestions, link_trends, custom_emojis, announcements,
    reports, corrections, streaming,
    admin_accounts, admin_identity, admin_case_files, admin_reports, admin_permits, admin_screening, admin_inbox,
    admin,
)


def all_routes() -> list[web.AbstractRouteDef]:
    return [route for module in MODULES for route in module.routes()]
