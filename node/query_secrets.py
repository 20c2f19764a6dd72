"""Secrets never in a URL, and never in a log (issue #14, article 7(4)).

A query string ends up in access logs, proxy logs, browser history and
`Referer` headers, so what identifies a person or opens an account is
refused there (400): identity attestations, passwords, TOTP and recovery
codes, client secrets, refresh and revocation tokens, and an
authorisation code sent to `/oauth/token`. Mastodon reads some of these
from a query too (Doorkeeper takes any parameter there); its clients send
them in the body, and so must clients here. `access_token` stays
accepted in a query, as Mastodon's streaming API and some clients need
it, but like every sensitive key its value is written `[FILTERED]` in the
access log (`RedactingAccessLogger`, the server's only access logger).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import unquote_plus

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from node.errors import json_error
from node.middleware import Handler

REFUSED_IN_QUERY = frozenset({
    "attestation", "identity_attestation", "password", "current_password", "new_password",
    "password_confirmation", "client_secret", "refresh_token", "token", "otp_attempt", "otp_code",
    "recovery_code", "id_number", "legal_name",
})
REFUSED_ON_TOKEN_ENDPOINT = frozenset({"code", "code_verifier"})
# The links in mail carry single-use tokens in their query (as Mastodon's): never logged.
FILTERED_IN_LOGS = REFUSED_IN_QUERY | REFUSED_ON_TOKEN_ENDPOINT | {"access_token", "state", "reset_password_token",
                                                                  "confirmation_token"}
FILTERED = "[FILTERED]"


def _name(raw_key: str) -> str:
    """`user[password]` and `password[]` name the key `password`."""
    key = unquote_plus(raw_key).strip().lower()
    if key.endswith("[]"):
        key = key[:-2]
    if key.endswith("]") and "[" in key:
        key = key[key.rindex("[") + 1:-1]
    return key


def refused_keys(path: str, keys: Iterable[str]) -> list[str]:
    refused = REFUSED_IN_QUERY | (REFUSED_ON_TOKEN_ENDPOINT if path.rstrip("/") == "/oauth/token" else set())
    return sorted({_name(k) for k in keys} & refused)


@web.middleware
async def query_secrets_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    refused = refused_keys(request.path, request.query.keys()) if request.query_string else []
    if refused:
        raise json_error(400, f"{', '.join(refused)} must be sent in the request body, never in the URL")
    return await handler(request)


def redact_query(query_string: str) -> str:
    """The raw query with the value of every sensitive key replaced."""
    parts = []
    for part in query_string.split("&"):
        key, eq, _value = part.partition("=")
        parts.append(f"{key}={FILTERED}" if eq and _name(key) in FILTERED_IN_LOGS else part)
    return "&".join(parts)


# Paths whose last part is a secret name: an export archive's (node/api/account_export_settings.py).
SECRET_PATH_PREFIXES = ("/settings/exports/archive/",)


def redacted_target(request: web.BaseRequest) -> str:
    query, path = request.query_string, request.path
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            path = prefix + FILTERED
    return path + (f"?{redact_query(query)}" if query else "")


class RedactingAccessLogger(AbstractAccessLogger):
    """`address "METHOD path?query HTTP/x.y" status bytes seconds`, with
    the values of sensitive query keys filtered out."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return
        version = request.version
        self.logger.info('%s "%s %s HTTP/%d.%d" %d %s %.6fs', request.remote or "-", request.method,
                         redacted_target(request), version.major, version.minor, response.status,
                         response.body_length, time)


def server_options() -> dict[str, object]:
    """What every server of the node (serve, tests) passes to its runner."""
    return {"access_log_class": RedactingAccessLogger}
