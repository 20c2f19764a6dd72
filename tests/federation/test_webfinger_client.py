"""WebFinger client against real loopback servers, the subject checked back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation.addresses import AddressPolicy
from federation.fetch import FetchError, create_fetch_session
from federation.webfinger_client import Acct, parse_acct, resolve_acct, webfinger_url

AP_JSON = "application/activity+json"
ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


class Host:
    """A loopback server answering WebFinger from a table it is given later."""

    def __init__(self, server: TestServer, answers: dict[str, Any], asked: list[str]) -> None:
        self.server, self.answers, self.asked = server, answers, asked

    @property
    def name(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def actor(self, username: str) -> str:
        return f"http://{self.name}/users/{username}"


async def _start(factory: ServerFactory) -> Host:
    answers: dict[str, Any] = {}
    asked: list[str] = []

    async def webfinger(request: web.Request) -> web.Response:
        resource = request.query.get("resource", "")
        asked.append(resource)
        if resource not in answers:
            return web.Response(status=404)
        return web.json_response(answers[resource], content_type="application/jrd+json")

    app = web.Application()
    app.router.add_routes([web.get("/.well-known/webfinger", webfinger)])
    return Host(await factory(app), answers, asked)


def jrd(subject: str, actor: str | None, link_type: str = AP_JSON) -> dict[str, Any]:
    links: list[dict[str, str]] = [{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
                                    "href": "http://example/@x"}]
    if actor is not None:
        links.append({"rel": "self", "type": link_type, "href": actor})
    return {"subject": subject, "aliases": [], "links": links}


@pytest.fixture
async def host_a(aiohttp_server: ServerFactory) -> Host:
    return await _start(aiohttp_server)


@pytest.fixture
async def host_b(aiohttp_server: ServerFactory) -> Host:
    return await _start(aiohttp_server)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with create_fetch_session(allow_private_addresses=True) as opened:
        yield opened


async def _reason(awaitable: Awaitable[Any]) -> str:
    with pytest.raises(FetchError) as caught:
        await awaitable
    return str(caught.value.reason)


async def test_resolves_an_account_on_its_own_host(host_a: Host, session: aiohttp.ClientSession) -> None:
    # Given a host answering for Alice with its canonical lower-case subject
    acct = f"acct:alice@{host_a.name}"
    host_a.answers[f"acct:Alice@{host_a.name}"] = jrd(acct, host_a.actor("alice"))
    # When resolving, Then one query suffices: usernames compare case-insensitively
    result = await resolve_acct(session, f"@Alice@{host_a.name}")
    assert (result.subject, result.actor_url) == (acct, host_a.actor("alice"))
    assert host_a.asked == [f"acct:Alice@{host_a.name}"]


async def test_ld_json_self_link_is_accepted(host_a: Host, session: aiohttp.ClientSession) -> None:
    acct = f"acct:alice@{host_a.name}"
    ld = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    host_a.answers[acct] = jrd(acct, host_a.actor("alice"), ld)
    assert (await resolve_acct(session, acct)).actor_url == host_a.actor("alice")


async def test_web_domain_split_is_checked_back_at_the_subject_host(
        host_a: Host, host_b: Host, session: aiohttp.ClientSession) -> None:
    # Given A (the web domain) answering for B's account (the local domain), and B agreeing
    subject = f"acct:alice@{host_b.name}"
    host_a.answers[f"acct:alice@{host_a.name}"] = jrd(subject, host_a.actor("alice"))
    host_b.answers[subject] = jrd(subject, host_a.actor("alice"))
    # When resolving the account by the web domain
    result = await resolve_acct(session, f"alice@{host_a.name}")
    # Then the subject is B's, confirmed by B
    assert (result.subject, result.actor_url) == (subject, host_a.actor("alice"))
    assert host_b.asked == [subject]


async def test_a_host_cannot_claim_another_domains_account(
        host_a: Host, host_b: Host, session: aiohttp.ClientSession) -> None:
    # Given A claiming bob@B is its actor, while B says bob@B is another actor
    subject = f"acct:bob@{host_b.name}"
    host_a.answers[f"acct:bob@{host_a.name}"] = jrd(subject, host_a.actor("mallory"))
    host_b.answers[subject] = jrd(subject, host_b.actor("bob"))
    assert await _reason(resolve_acct(session, f"bob@{host_a.name}")) == "subject_mismatch"


async def test_subject_host_must_confirm_the_same_subject(
        host_a: Host, host_b: Host, session: aiohttp.ClientSession) -> None:
    subject = f"acct:bob@{host_b.name}"
    host_a.answers[f"acct:bob@{host_a.name}"] = jrd(subject, host_a.actor("bob"))
    host_b.answers[subject] = jrd(f"acct:bob@{host_a.name}", host_a.actor("bob"))  # points back
    assert await _reason(resolve_acct(session, f"bob@{host_a.name}")) == "subject_mismatch"


async def test_subject_host_not_knowing_the_account_fails(
        host_a: Host, host_b: Host, session: aiohttp.ClientSession) -> None:
    host_a.answers[f"acct:bob@{host_a.name}"] = jrd(f"acct:bob@{host_b.name}", host_a.actor("bob"))
    with pytest.raises(FetchError) as caught:
        await resolve_acct(session, f"bob@{host_a.name}")
    assert (caught.value.reason, caught.value.status) == ("http_status", 404)


async def test_answers_without_an_actor_link_or_subject(host_a: Host, session: aiohttp.ClientSession) -> None:
    host_a.answers[f"acct:nolink@{host_a.name}"] = jrd(f"acct:nolink@{host_a.name}", None)
    assert await _reason(resolve_acct(session, f"nolink@{host_a.name}")) == "no_actor_link"
    host_a.answers[f"acct:html@{host_a.name}"] = jrd(f"acct:html@{host_a.name}", host_a.actor("h"),
                                                     "text/html")
    assert await _reason(resolve_acct(session, f"html@{host_a.name}")) == "no_actor_link"
    host_a.answers[f"acct:anon@{host_a.name}"] = {"links": []}
    assert await _reason(resolve_acct(session, f"anon@{host_a.name}")) == "bad_response"
    host_a.answers[f"acct:url@{host_a.name}"] = jrd(host_a.actor("url"), host_a.actor("url"))
    assert await _reason(resolve_acct(session, f"url@{host_a.name}")) == "bad_response"


async def test_loopback_is_refused_without_allow_private(host_a: Host) -> None:
    host_a.answers[f"acct:alice@{host_a.name}"] = jrd(f"acct:alice@{host_a.name}", host_a.actor("alice"))
    async with create_fetch_session() as strict:
        assert await _reason(resolve_acct(strict, f"alice@{host_a.name}")) == "private_address"


@pytest.mark.parametrize("text", ["alice", "@alice", "alice@", "@host.example", "al ice@host.example",
                                  "alice@host/x", "alice@-host.example", "alice@host.example:port"])
def test_bad_account_addresses(text: str) -> None:
    with pytest.raises(FetchError) as caught:
        parse_acct(text)
    assert caught.value.reason == "bad_acct"


def test_account_address_forms() -> None:
    assert parse_acct("acct:Alice@Example.COM") == Acct("Alice", "example.com")
    assert parse_acct("@alice@bücher.example").host == "xn--bcher-kva.example"
    assert parse_acct("alice@[::1]:8080").host == "[::1]:8080"


def test_https_unless_loopback_with_private_allowed() -> None:
    acct = Acct("alice", "example.com")
    assert webfinger_url(acct, "example.com", AddressPolicy(allow_private=True)).startswith("https://")
    assert webfinger_url(acct, "127.0.0.1:8080", AddressPolicy()).startswith("https://127.0.0.1:8080/")
    assert webfinger_url(acct, "127.0.0.1:8080", AddressPolicy(allow_private=True)) == (
        "http://127.0.0.1:8080/.well-known/webfinger?resource=acct:alice@example.com")
    assert webfinger_url(acct, "localhost", AddressPolicy(allow_private=True)).startswith("http://")
