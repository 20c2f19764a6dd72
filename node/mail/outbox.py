"""Queue a message: a row in `mail_outbox`, written in the caller's transaction
(so a token and the message carrying it exist together or not at all).

The body carries a secret link, so it is stored encrypted with the node's
vault key (AES-GCM, key outside the database; bound to the row id), as
TOTP secrets and push tokens are. Storing only the token's hash and
rebuilding the link at send time would need the token itself, which the
database must never hold; encrypting the body keeps the queue a plain
row that any process can send, and a dead row still says what it was.
"""

from __future__ import annotations

import json

from aiohttp import web

from node.keys import IDENTITY, IDS
from node.mail.messages import Message
from policy.identity.enrolment import IdentityKeys
from storage import mail_outbox
from storage.database import Writer


def body_associated(mail_id: int) -> bytes:
    """Binds an encrypted body to its outbox row."""
    return f"mail_outbox:{mail_id}".encode()


def seal(keys: IdentityKeys, mail_id: int, message: Message) -> str:
    plain = json.dumps({"subject": message.subject, "text": message.text, "locale": message.locale})
    return keys.current().encrypt(plain, body_associated(mail_id))


def unseal(keys: IdentityKeys, mail_id: int, blob: str) -> Message:
    """The message again; VaultError when the key cannot open it."""
    data = json.loads(keys.decrypt(blob, body_associated(mail_id)))
    return Message("", data["subject"], data["text"], data.get("locale", ""))


async def queue_mail(w: Writer, app: web.Application, account_id: int | None, recipient: str,
                     message: Message) -> int:
    """Queue `message` to `recipient`; its outbox id."""
    mail_id = app[IDS].next_id()
    await mail_outbox.enqueue(w, mail_id, account_id, message.kind, recipient, seal(app[IDENTITY], mail_id, message))
    return mail_id
