"""Plain text to status HTML (node/text.py), as Mastodon's TextFormatter does it."""

from __future__ import annotations

import pytest

from node import text

ALICE = {"alice": text.MentionTarget("https://example.cn/@alice", "alice"),
         "bob@remote.cn": text.MentionTarget("https://remote.cn/@bob", "bob")}


def render(source: str, link_policy: text.LinkPolicy = text.link_all) -> str:
    return text.render_html(source, mentions=ALICE, tag_url=lambda n: f"https://example.cn/tags/{n}",
                            link_policy=link_policy)


def test_paragraphs_and_line_breaks() -> None:
    assert render("one\ntwo\n\n\nthree\r\nfour") == "<p>one<br />two</p><p>three<br />four</p>"
    assert render("  \n ") == ""


def test_everything_outside_entities_is_escaped() -> None:
    assert render('<b>"x" & \'y\'</b>') == "<p>&lt;b&gt;&quot;x&quot; &amp; &#x27;y&#x27;&lt;/b&gt;</p>"


@pytest.mark.parametrize(("source", "url"), [
    ("see https://example.cn/a.", "https://example.cn/a"),
    ("(https://example.cn/a)", "https://example.cn/a"),
    ("https://en.wikipedia.org/wiki/Foo_(bar)!", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ("见https://example.cn/中文路径，好", "https://example.cn/中文路径"),
    ("链接：https://example.cn/x。", "https://example.cn/x"),
])
def test_urls_stop_where_mastodon_stops(source: str, url: str) -> None:
    assert text.extract(source).urls == (url,)


def test_long_urls_are_shortened_with_an_ellipsis() -> None:
    url = "https://www.example.cn/" + "a" * 40
    html = text.render_link(url)
    assert '<span class="invisible">https://www.</span>' in html
    assert f'<span class="ellipsis">{("example.cn/" + "a" * 40)[:30]}</span>' in html
    assert html.startswith(f'<a href="{url}" target="_blank" rel="nofollow noopener noreferrer" translate="no">')


def test_link_policy_can_unlink_a_host() -> None:
    # Given a policy that unlinks hosts without a permit (article 7(6))
    def policy(host: str) -> str:
        return "link" if host == "permitted.cn" else "unlink"

    # Then only the permitted host is a link; the other is escaped text
    html = render("a https://permitted.cn/x b https://other.example/<y>", link_policy=policy)
    assert '<a href="https://permitted.cn/x"' in html
    assert "https://other.example/&lt;y&gt;" in html and 'href="https://other.example' not in html


def test_mentions_of_known_and_unknown_accounts() -> None:
    html = render("@alice @bob@remote.cn @carol mail me at me@alice.cn")
    assert ('<span class="h-card" translate="no"><a href="https://example.cn/@alice" class="u-url mention">'
            "@<span>alice</span></a></span>") in html
    assert '<a href="https://remote.cn/@bob" class="u-url mention">@<span>bob</span></a>' in html
    assert "@carol" in html and "me@alice.cn" in html
    assert text.extract("@alice @Alice @bob@remote.cn x@y").mentions == (("alice", None), ("bob", "remote.cn"))


def test_hashtags_including_chinese() -> None:
    entities = text.extract("#微博 #Tag_1 #123 #news·, https://example.cn/#anchor a#b #微博")
    assert entities.tags == ("微博", "Tag_1", "news")
    assert render("#微博，好") == ('<p><a href="https://example.cn/tags/微博" class="mention hashtag" rel="tag">'
                                "#<span>微博</span></a>，好</p>")


def test_countable_length_counts_urls_as_23() -> None:
    assert text.countable_length("x https://example.cn/" + "a" * 100) == 2 + 23
    assert text.countable_length("@bob@remote.cn hi") == len("@bob hi")
    assert text.countable_length("你好") == 2
