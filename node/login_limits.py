"""Password guessing (issue #14): failed sign-ins limited per account and per address.

Every sign-in path (`node.sessions.check_login`: the OAuth password
grant, `/oauth/authorize`, `/auth/sign_in` and with it the admin pages)
asks `wait_seconds` before it looks at a password, and reports each
failure (`failed`) or success (`succeeded`). After `[sign_in]
max_failures_per_account` failures on one account, or
`max_failures_per_address` from one client address (`node.client_address`,
`[http] trusted_proxies` aware), within `window_minutes`, sign-in is
refused for `lockout_minutes`: 429 with `Retry-After`, even with the
right password, and the lockout is recorded in the audit log. The
counters are rows (`storage.login_failures`), so several processes share
them. A success clears the account's count, not the address's: one valid
account must not let an address guess others'.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from aiohttp import web

from node.audit_log import audit
from node.i18n import N_
from node.keys import CONFIG, DB
from storage import login_failures
from storage.clock import iso, now, parse

TOO_MANY = N_("Too many failed sign-in attempts. Try again later.")


def account_subject(account_id: int | None, login: str) -> str:
    """The account's id; for a login no account has, a hash of it (never the
    typed text, which may be anything), so both are limited alike."""
    if account_id is not None:
        return str(account_id)
    return "login:" + hashlib.sha256(login.strip().lower().encode("utf-8")).hexdigest()[:32]


async def wait_seconds(app: web.Application, subject: str, address: str) -> int:
    """Seconds until this account and address may try again; 0: now."""
    current = now()
    until = await login_failures.locked_until(app[DB], [("account", subject), ("address", address)],
                                              iso(current))
    if until is None:
        return 0
    return max(1, int((parse(until) - current).total_seconds()) + 1)


async def failed(app: web.Application, subject: str, address: str) -> None:
    """Count a failure for the account and the address; audit a lockout."""
    limits = app[CONFIG].sign_in
    current = now()
    window_start_after = iso(current - dt.timedelta(minutes=limits.window_minutes))
    lock_until = iso(current + dt.timedelta(minutes=limits.lockout_minutes))
    for scope, key, limit in (("account", subject, limits.max_failures_per_account),
                              ("address", address, limits.max_failures_per_address)):
        counted = await login_failures.count_failure(
            app[DB], scope, key, now=iso(current), window_start_after=window_start_after, limit=limit,
            lock_until=lock_until)
        if counted.locked_now:
            target = ("account", int(key)) if scope == "account" and key.isdigit() else (scope, key)
            await audit(app, "system", "sign_in.locked", target,
                        {"scope": scope, "failures": counted.failures, "until": lock_until, "ip": address})


async def succeeded(app: web.Application, subject: str) -> None:
    await login_failures.clear(app[DB], "account", subject)
