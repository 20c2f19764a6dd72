"""What a Web Push carries: Mastodon's Web::NotificationSerializer fields.

`access_token`, `preferred_locale`, `notification_id`, `notification_type`,
`icon`, `title`, `body`. The notification is rendered by the same
serializer the REST API uses, for its recipient, so a push never shows
what the recipient could not read (a status they may not see: no push).
Titles are in Simplified Chinese or English by the recipient's locale.
"""

from __future__ import annotations

import html
from typing import Any

import nh3
from aiohttp import web

from node.entities.notification import render_notifications
from storage import accounts
from storage.database import Database
from storage.notification_queries import NotificationRow

BODY_MAX = 140

# The recipient sees these on a lock screen; {name} is the sender's display name.
TITLES: dict[str, dict[str, str]] = {
    "en": {
        "mention": "You were mentioned by {name}",
        "status": "{name} just posted",
        "reblog": "{name} boosted your post",
        "follow": "{name} is now following you",
        "follow_request": "Pending follower: {name}",
        "favourite": "{name} favourited your post",
        "poll": "A poll by {name} has ended",
        "update": "{name} edited a post",
        "admin.sign_up": "{name} signed up",
        "admin.report": "{name} filed a report",
        "quote": "{name} quoted your post",
        "quoted_update": "{name} edited a post you have quoted",
        "": "New notification from {name}",
    },
    "zh": {
        "mention": "{name} 提及了你",
        "status": "{name} 发布了新帖子",
        "reblog": "{name} 转发了你的帖子",
        "follow": "{name} 关注了你",
        "follow_request": "{name} 请求关注你",
        "favourite": "{name} 喜欢了你的帖子",
        "poll": "{name} 发起的投票已结束",
        "update": "{name} 编辑了一条帖子",
        "admin.sign_up": "{name} 注册了账号",
        "admin.report": "{name} 提交了举报",
        "quote": "{name} 引用了你的帖子",
        "quoted_update": "{name} 编辑了一条你引用过的帖子",
        "": "{name} 发来新通知",
    },
}


def language_of(locale: str) -> str:
    return "zh" if locale.lower().startswith("zh") else "en"


def push_title(kind: str, name: str, locale: str) -> str:
    table = TITLES[language_of(locale)]
    return table.get(kind, table[""]).format(name=name)


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment (tags dropped, entities decoded), one line."""
    return " ".join(html.unescape(nh3.clean(fragment, tags=set())).split())


def push_body(entity: dict[str, Any]) -> str:
    status = entity.get("status") or {}
    text = status.get("spoiler_text") or plain_text(status.get("content") or "")
    if not status:
        text = plain_text(entity["account"].get("note") or "")
    return text if len(text) <= BODY_MAX else text[:BODY_MAX - 1] + "…"


async def push_payload(app: web.Application, db: Database, row: NotificationRow,
                       access_token: str | None) -> dict[str, Any] | None:
    """The payload for one notification, or None when its recipient may not
    see what it is about any more."""
    rendered = await render_notifications(app, [row], row.account_id)
    user = await accounts.get_user(db, row.account_id)
    if not rendered or user is None:
        return None
    entity = rendered[0]
    sender = entity["account"]
    locale = user.locale or "en"
    return {
        "access_token": access_token,
        "preferred_locale": locale,
        "notification_id": row.id,
        "notification_type": row.type,
        "icon": sender["avatar_static"],
        "title": push_title(row.type, sender["display_name"] or sender["username"], locale),
        "body": push_body(entity),
    }
