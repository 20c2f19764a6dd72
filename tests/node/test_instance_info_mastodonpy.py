"""Mastodon.py against what the instance says about itself: rules and terms
of service from config.toml, weekly activity and moderated domains from
stored data, trending links from preview cards, no translation languages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from node.keys import DB, IDS
from policy import permits
from storage import cards
from storage.cards import NewCard
from tests.conftest import NodeThread
from tests.node.test_oauth_mastodonpy import SCOPES, registered
from tests.node.test_notifications_mastodonpy import client

NODE = '''rules = ["No spam", "不得发布赌博广告 / No gambling ads"]
terms_of_service = "terms.txt"
terms_of_service_date = 2026-01-01
show_domain_blocks = "users"'''


@pytest.fixture
def configured_node(tmp_path: Path) -> Iterator[NodeThread]:
    root = tmp_path / "live"
    root.mkdir()
    (root / "terms.txt").write_text("Be kind.\n\nNo fraud & no spam <ever>.\n", "utf-8")
    thread = NodeThread(root, node=NODE)
    with thread:
        yield thread


def test_rules_terms_activity_and_moderated_domains(configured_node: NodeThread) -> None:
    live = configured_node
    node = live.node
    assert node is not None
    alice_s = live.call(node.account("alice"))
    alice = client(live, alice_s.token)
    visitor = client(live, "")
    visitor.access_token = None
    # Then the rules come from the config, in order, in v1, v2 and their own endpoint
    assert [(r.id, r.text) for r in visitor.instance_rules()] == [("1", "No spam"),
                                                                  ("2", "不得发布赌博广告 / No gambling ads")]
    assert [r.text for r in visitor.instance_v2().rules] == [r.text for r in visitor.instance_v1().rules]
    # And the terms of service are the file's paragraphs, escaped, in force since the configured day
    terms = visitor.instance_terms_of_service()
    assert terms.content == "<p>Be kind.</p><p>No fraud &amp; no spam &lt;ever&gt;.</p>"
    assert (str(terms.effective_date)[:10], terms.effective) == ("2026-01-01", True)
    assert visitor.instance_terms_of_service(dt.date(2026, 1, 1)).content == terms.content
    with pytest.raises(MastodonNotFoundError):
        visitor.instance_terms_of_service(dt.date(2025, 1, 1))
    assert visitor.instance_translation_languages() == {}

    # When alice signs in through an app and posts twice
    app = registered(node.base_url)
    app.log_in(username="alice@example.test", password="correct horse", scopes=SCOPES, allow_http=True)
    app.status_post("first")
    alice.status_post("second")
    # Then this week's activity counts her posts, her sign-in and her registration, 12 weeks in all
    weeks = visitor.instance_activity()
    assert len(weeks) == 12 and weeks[0].week - weeks[1].week == dt.timedelta(weeks=1)
    assert weeks[0].week.weekday() == 0 and weeks[0].week <= dt.datetime.now(dt.timezone.utc)
    assert (weeks[0].statuses, weeks[0].logins, weeks[0].registrations) == (2, 1, 1)

    # When a peer's permit is suspended
    entry = permits.validate_entry("spam.example", "京ICP备00000009号-1")
    live.call(permits.add_permit(node.app[DB], node.app[IDS], entry))
    live.call(permits.change_status(node.app[DB], "spam.example", "suspended"))
    # Then signed-in users see it among the moderated domains; visitors may not look
    blocked = alice.instance_domain_blocks()
    assert [(b.domain, b.severity) for b in blocked] == [("spam.example", "suspend")]
    assert len(blocked[0].digest) == 64
    with pytest.raises(MastodonAPIError) as refused:
        visitor.instance_domain_blocks()
    assert refused.value.args[1] == 401


def test_trending_links_are_the_cards_local_posts_share(live_node: NodeThread) -> None:
    node = live_node.node
    assert node is not None
    sessions = [live_node.call(node.account(n)) for n in ("alice", "bob")]
    alice, bob = (client(live_node, s.token) for s in sessions)
    # Given two posts by two people share one card, and one post another card
    posts = [alice.status_post("read this"), bob.status_post("me too"), bob.status_post("and this")]

    async def attach() -> None:
        async with node.app[DB].write() as w:
            news = await cards.save_card(w, node.app[IDS], NewCard("https://news.example/a", "News"))
            blog = await cards.save_card(w, node.app[IDS], NewCard("https://blog.example/b", "Blog"))
            for post, card in zip(posts, (news, news, blog)):
                await cards.attach_card(w, int(post.id), card)

    live_node.call(attach())
    # When anyone asks for trending links
    links = alice.trending_links()
    # Then the card two accounts shared comes first, with today's uses and accounts
    assert [c.url for c in links] == ["https://news.example/a", "https://blog.example/b"]
    assert (links[0].history[0].uses, links[0].history[0].accounts) == (2, 2)
    assert len(links[0].history) == 7
    assert [c.url for c in alice.trending_links(limit=1, offset=1)] == ["https://blog.example/b"]
