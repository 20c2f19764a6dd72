"""The authorization-code flow as a browser walks it: the HTML consent
page, its form (hidden fields and CSRF token), sign-in, approve or deny,
and the redirect the app receives; then the code exchange with PKCE."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest

from node.keys import DB
from tests.conftest import Node
from tests.node.test_oauth import OOB, bearer, post_token, register_app

CALLBACK = "myapp://oauth-callback"


class FormParser(HTMLParser):
    """The first form of a page that posts somewhere: action and fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, str] = {}
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action, self._in_form = a.get("action", ""), True
        elif tag == "input" and self._in_form and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self._in_form and a.get("name"):
            self.buttons[a["value"]] = a["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def parse_form(page: str) -> FormParser:
    parser = FormParser()
    parser.feed(page)
    assert parser.action, "no form on the page"
    return parser


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """A client that keeps cookies for 127.0.0.1, as a browser does."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


def authorize_url(node: Node, app: dict[str, Any], redirect_uri: str, **extra: str) -> str:
    query = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": redirect_uri,
             "scope": "read write", "state": "xyz-123", **extra}
    return node.url("/oauth/authorize?" + urlencode(query))


async def submit(browser: aiohttp.ClientSession, node: Node, form: FormParser, decision: str,
                 **fields: str) -> aiohttp.ClientResponse:
    data = {**form.fields, **fields, "decision": decision}
    async with browser.post(node.url(form.action or ""), data=data, allow_redirects=False) as resp:
        await resp.read()
        return resp


async def consent_form(browser: aiohttp.ClientSession, url: str) -> tuple[FormParser, str]:
    async with browser.get(url) as resp:
        assert resp.status == 200, await resp.text()
        page = await resp.text()
    return parse_form(page), page


async def test_code_flow_with_pkce_and_sign_in(node: Node, http: aiohttp.ClientSession,
                                               browser: aiohttp.ClientSession) -> None:
    # Given alice and an app with a custom-scheme redirect URI
    alice = await node.account("alice")
    app = await register_app(http, node, redirect_uris=CALLBACK)
    verifier, challenge = pkce_pair()
    # When a browser opens the authorize page
    form, page = await consent_form(browser, authorize_url(node, app, CALLBACK, code_challenge=challenge,
                                                           code_challenge_method="S256"))
    # Then it shows the app, its scopes, sign-in fields, a CSRF token and the permit footer
    assert "Test Client" in page and "<code>write</code>" in page and "京ICP备12345678号-1" in page
    assert {"login", "password", "csrf_token", "code_challenge"} <= set(form.fields)
    assert set(form.buttons) == {"approve", "deny"}
    # When alice signs in and approves
    resp = await submit(browser, node, form, "approve", login="alice@example.test", password="correct horse")
    # Then the browser is sent to the app's URI with a code and the state (not followed)
    assert resp.status == 302
    location = urlsplit(resp.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == ["xyz-123"]
    code = query["code"][0]
    # And the code with the right verifier gives alice a token
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                "client_id": app["client_id"], "client_secret": app["client_secret"], "code_verifier": verifier}
    status, token = await post_token(http, node, exchange)
    assert status == 200 and token["scope"] == "read write" and token["refresh_token"]
    async with http.get(node.url("/api/v1/accounts/verify_credentials"), headers=bearer(token["access_token"])) as r:
        assert (await r.json())["id"] == str(alice.account.id)
    # And the code works only once
    status, body = await post_token(http, node, exchange)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_wrong_verifier_is_refused(node: Node, http: aiohttp.ClientSession,
                                         browser: aiohttp.ClientSession) -> None:
    await node.account("alice")
    app = await register_app(http, node, redirect_uris=CALLBACK)
    _, challenge = pkce_pair()
    form, _ = await consent_form(browser, authorize_url(node, app, CALLBACK, code_challenge=challenge,
                                                        code_challenge_method="S256"))
    resp = await submit(browser, node, form, "approve", login="alice", password="correct horse")
    code = parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]
    # When the app exchanges the code with another verifier, or none
    for verifier in (pkce_pair()[0], ""):
        status, body = await post_token(http, node, {
            "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier,
            "client_id": app["client_id"], "client_secret": app["client_secret"]})
        # Then it is refused
        assert (status, body["error"]) == (400, "invalid_grant")


async def approved_code(node: Node, http: aiohttp.ClientSession, browser: aiohttp.ClientSession,
                        app: dict[str, Any]) -> str:
    form, _ = await consent_form(browser, authorize_url(node, app, CALLBACK))
    resp = await submit(browser, node, form, "approve", login="alice", password="correct horse")
    return parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]


async def test_expired_code_or_other_redirect_uri_is_refused(node: Node, http: aiohttp.ClientSession,
                                                             browser: aiohttp.ClientSession) -> None:
    await node.account("alice")
    app = await register_app(http, node, redirect_uris=f"{CALLBACK}\nmyapp://other")
    client = {"client_id": app["client_id"], "client_secret": app["client_secret"],
              "grant_type": "authorization_code"}
    # When a code is exchanged with a redirect URI other than the one it was issued for
    code = await approved_code(node, http, browser, app)
    status, body = await post_token(http, node, {**client, "code": code, "redirect_uri": "myapp://other"})
    assert (status, body["error"]) == (400, "invalid_grant")
    # When a code is older than ten minutes
    code = await approved_code(node, http, browser, app)
    await node.app[DB].execute("UPDATE oauth_codes SET expires_at = '2000-01-01T00:00:00.000Z'")
    status, body = await post_token(http, node, {**client, "code": code, "redirect_uri": CALLBACK})
    # Then it is refused
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_oob_shows_the_code_and_session_is_reused(node: Node, http: aiohttp.ClientSession,
                                                        browser: aiohttp.ClientSession) -> None:
    # Given alice already signed in on this browser through /auth/sign_in
    await node.account("alice")
    async with browser.get(node.url("/auth/sign_in")) as resp:
        sign_in = parse_form(await resp.text())
    async with browser.post(node.url("/auth/sign_in"), allow_redirects=False,
                            data={**sign_in.fields, "login": "alice", "password": "correct horse"}) as resp:
        assert resp.status == 303
        assert "HttpOnly" in resp.headers["Set-Cookie"] and "SameSite=Lax" in resp.headers["Set-Cookie"]
    app = await register_app(http, node)
    # When she opens the authorize page for an out-of-band app
    form, page = await consent_form(browser, authorize_url(node, app, OOB))
    # Then no sign-in fields are asked for
    assert "Signed in as <strong>@alice</strong>" in page and "password" not in form.fields
    # And approving shows the code on a page of the node
    resp = await submit(browser, node, form, "approve")
    assert resp.status == 302
    native = resp.headers["Location"]
    assert native.startswith(node.url("/oauth/authorize/native?"))
    async with browser.get(native) as resp:
        code_page = await resp.text()
    code = parse_qs(urlsplit(native).query)["code"][0]
    assert code in code_page and "京ICP备12345678号-1" in code_page
    status, token = await post_token(http, node, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": OOB,
        "client_id": app["client_id"], "client_secret": app["client_secret"]})
    assert status == 200 and token["scope"] == "read write"
    # And force_login asks for the password even though she is signed in
    form, _ = await consent_form(browser, authorize_url(node, app, OOB, force_login="true"))
    assert "password" in form.fields and form.fields["force_login"] == "true"


async def test_deny_redirects_with_access_denied(node: Node, http: aiohttp.ClientSession,
                                                 browser: aiohttp.ClientSession) -> None:
    app = await register_app(http, node, redirect_uris=CALLBACK)
    form, _ = await consent_form(browser, authorize_url(node, app, CALLBACK))
    # When the user denies
    resp = await submit(browser, node, form, "deny")
    # Then the app hears access_denied, with its state
    query = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert resp.status == 302 and query["error"] == ["access_denied"] and query["state"] == ["xyz-123"]


async def test_unregistered_redirect_or_client_never_redirects(node: Node, http: aiohttp.ClientSession,
                                                               browser: aiohttp.ClientSession) -> None:
    app = await register_app(http, node, redirect_uris=CALLBACK)
    for url in (authorize_url(node, app, "https://evil.example/steal"),
                authorize_url(node, {"client_id": "nobody"}, CALLBACK)):
        # When the request names an unregistered redirect URI or an unknown client
        async with browser.get(url, allow_redirects=False) as resp:
            page = await resp.text()
        # Then an error page is shown, no redirect
        assert resp.status == 400 and "Location" not in resp.headers
        assert "京ICP备12345678号-1" in page


async def test_scope_beyond_the_app_redirects_invalid_scope(node: Node, http: aiohttp.ClientSession,
                                                            browser: aiohttp.ClientSession) -> None:
    app = await register_app(http, node, redirect_uris=CALLBACK, scopes="read")
    async with browser.get(authorize_url(node, app, CALLBACK), allow_redirects=False) as resp:
        assert resp.status == 302
        assert parse_qs(urlsplit(resp.headers["Location"]).query)["error"] == ["invalid_scope"]
    async with browser.get(authorize_url(node, app, CALLBACK, scope="read", code_challenge="short",
                                         code_challenge_method="plain"), allow_redirects=False) as resp:
        assert parse_qs(urlsplit(resp.headers["Location"]).query)["error"] == ["invalid_request"]


async def test_csrf_and_wrong_password_are_refused(node: Node, http: aiohttp.ClientSession,
                                                   browser: aiohttp.ClientSession) -> None:
    await node.account("alice")
    app = await register_app(http, node, redirect_uris=CALLBACK)
    form, _ = await consent_form(browser, authorize_url(node, app, CALLBACK))
    # When the form comes back with a forged CSRF token
    resp = await submit(browser, node, form, "approve", login="alice", password="correct horse",
                        csrf_token="forged")
    # Then it is refused
    assert resp.status == 403 and "Location" not in resp.headers
    # When the password is wrong, the page is shown again with an error and no code
    async with browser.post(node.url("/oauth/authorize"), allow_redirects=False, data={
            **form.fields, "decision": "approve", "login": "alice", "password": "wrong"}) as resp:
        page = await resp.text()
    assert resp.status == 422 and "Invalid e-mail address or password." in page


async def test_pending_account_cannot_authorize(node: Node, http: aiohttp.ClientSession,
                                                browser: aiohttp.ClientSession) -> None:
    # Given an account awaiting approval
    carol = await node.account("carol")
    await node.app[DB].execute("UPDATE users SET approved = 0 WHERE account_id = ?", (carol.account.id,))
    app = await register_app(http, node, redirect_uris=CALLBACK)
    form, _ = await consent_form(browser, authorize_url(node, app, CALLBACK))
    # When it tries to sign in and approve
    resp = await submit(browser, node, form, "approve", login="carol", password="correct horse")
    # Then no code is issued
    assert resp.status == 422 and "Location" not in resp.headers


async def test_sign_out_ends_the_session(node: Node, browser: aiohttp.ClientSession) -> None:
    await node.account("alice")
    async with browser.get(node.url("/auth/sign_in?next=//evil.example")) as resp:
        form = parse_form(await resp.text())
    async with browser.post(node.url("/auth/sign_in"), allow_redirects=False,
                            data={**form.fields, "login": "alice", "password": "correct horse"}) as resp:
        # `next` never leaves the node
        assert resp.headers["Location"] == "/"
    async with browser.get(node.url("/auth/sign_in")) as resp:
        page = await resp.text()
    assert "You are signed in as <strong>@alice</strong>" in page
    out = parse_form(page)
    async with browser.post(node.url("/auth/sign_out"), data=out.fields, allow_redirects=False) as resp:
        assert resp.status == 303
    async with browser.get(node.url("/auth/sign_in")) as resp:
        assert 'name="password"' in await resp.text()
