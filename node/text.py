"""Plain text as typed by a user -> the safe HTML Mastodon serves.

Mirrors Mastodon's TextFormatter: every character outside an entity is
escaped; URLs, known mentions and hashtags become links; paragraphs are
`<p>` and single line breaks `<br />`. Extraction is separate from
rendering so the caller can resolve mentions against the database first.

Links go through a `LinkPolicy` (host -> "link" | "unlink"): the default
links everything; the permit-based policy (article 7(6): no links to hosts
without a permit) is plugged in by the caller.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

LinkPolicy = Callable[[str], str]

URL_RESERVED_CHARS = 23  # Mastodon counts every URL as 23 characters

# Stops at whitespace, quotes, angle brackets and CJK/full-width punctuation
# (a Chinese sentence often runs straight on after a URL: "见https://x.cn/a。").
_URL = r"https?://[^\s<>\"'\u3000-\u303f\uff00-\uffef]+"
_MENTION = r"(?<![=/\w])@(?P<user>[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@(?P<domain>[\w.-]*\w(?::\d{1,5}(?!\w))?))?"
_HASHTAG = r"(?<![=/)\w&])#(?P<tag>[\w·]*[^\W\d][\w·]*)"
_ENTITY = re.compile(f"(?P<url>{_URL})|(?P<mention>{_MENTION})|(?P<hashtag>{_HASHTAG})", re.IGNORECASE)
_TRAILING = ".,:;!?'\")]}*"
_PREFIX = re.compile(r"\A(https?://(www\.)?)", re.IGNORECASE)


def link_all(host: str) -> str:
    """The default policy: every host is linked."""
    return "link"


@dataclass(frozen=True, slots=True)
class MentionTarget:
    """A resolved mention: where it links and the name it shows."""

    url: str
    username: str


@dataclass(frozen=True, slots=True)
class Entities:
    mentions: tuple[tuple[str, str | None], ...]  # (username, domain) as typed, in order
    tags: tuple[str, ...]                          # tag names as typed, first use wins
    urls: tuple[str, ...]


def _trim_url(url: str) -> str:
    """Drop trailing punctuation, keeping a closing bracket that is balanced."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _trim_tag(tag: str) -> str:
    return tag.rstrip("·")


def _scan(text: str) -> list[tuple[int, int, str, re.Match[str]]]:
    """(start, end, kind, match) for every entity, end adjusted after trimming."""
    found = []
    for m in _ENTITY.finditer(text):
        kind = m.lastgroup or ""
        if kind == "url":
            value = _trim_url(m.group("url"))
            if len(value) <= len("https://") or not urlsplit(value).hostname:
                continue
            found.append((m.start(), m.start() + len(value), kind, m))
        elif kind == "hashtag":
            found.append((m.start(), m.start() + 1 + len(_trim_tag(m.group("tag"))), kind, m))
        else:
            found.append((m.start(), m.end(), kind, m))
    return found


def extract(text: str) -> Entities:
    mentions: dict[str, tuple[str, str | None]] = {}
    tags: dict[str, str] = {}
    urls: list[str] = []
    for start, end, kind, m in _scan(text):
        if kind == "url":
            urls.append(text[start:end])
        elif kind == "mention":
            mentions.setdefault(m.group("mention")[1:].lower(), (m.group("user"), m.group("domain")))
        else:
            name = text[start + 1:end]
            tags.setdefault(name.lower(), name)
    return Entities(tuple(mentions.values()), tuple(tags.values()), tuple(urls))


def render_link(url: str, link_policy: LinkPolicy = link_all) -> str:
    """One URL as Mastodon renders it, or as plain text if the policy unlinks it."""
    host = (urlsplit(url).hostname or "").lower()
    if link_policy(host) != "link":
        return html.escape(url)
    prefix = _PREFIX.match(url)
    head = prefix.group(1) if prefix else ""
    rest = url[len(head):]
    shown, suffix = rest[:30], rest[30:]
    return (f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener noreferrer"'
            f' translate="no"><span class="invisible">{html.escape(head)}</span>'
            f'<span class="{"ellipsis" if suffix else ""}">{html.escape(shown)}</span>'
            f'<span class="invisible">{html.escape(suffix)}</span></a>')


def render_hashtag(name: str, tag_url: Callable[[str], str]) -> str:
    return (f'<a href="{html.escape(tag_url(name))}" class="mention hashtag" rel="tag">'
            f'#<span>{html.escape(name)}</span></a>')


def render_mention(target: MentionTarget) -> str:
    return (f'<span class="h-card" translate="no"><a href="{html.escape(target.url)}"'
            f' class="u-url mention">@<span>{html.escape(target.username)}</span></a></span>')


def _inline(text: str, mentions: Mapping[str, MentionTarget], tag_url: Callable[[str], str],
            link_policy: LinkPolicy) -> str:
    out: list[str] = []
    last = 0
    for start, end, kind, m in _scan(text):
        out.append(html.escape(text[last:start]))
        piece = text[start:end]
        if kind == "url":
            out.append(render_link(piece, link_policy))
        elif kind == "hashtag":
            out.append(render_hashtag(piece[1:], tag_url))
        else:
            target = mentions.get(piece[1:].lower())
            out.append(render_mention(target) if target else html.escape(piece))
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def render_html(text: str, *, mentions: Mapping[str, MentionTarget], tag_url: Callable[[str], str],
                link_policy: LinkPolicy = link_all) -> str:
    """Status HTML: `mentions` maps the handle as typed, lower-cased
    ("alice" or "alice@example.cn"), to its target; unknown handles stay text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs = re.split(r"\n\n+", text)
    rendered = []
    for paragraph in paragraphs:
        lines = [_inline(line, mentions, tag_url, link_policy) for line in paragraph.split("\n")]
        rendered.append("<p>" + "<br />".join(line for line in lines if line != "" or len(lines) == 1) + "</p>")
    return "".join(rendered)


def countable_length(text: str) -> int:
    """Characters as Mastodon counts them: a URL is 23, a remote mention
    counts only its @username part."""
    total = 0
    last = 0
    for start, end, kind, m in _scan(text):
        total += len(text[last:start])
        if kind == "url":
            total += URL_RESERVED_CHARS
        elif kind == "mention":
            total += 1 + len(m.group("user"))
        else:
            total += end - start
        last = end
    return total + len(text[last:])
