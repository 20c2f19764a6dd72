"""Remote HTML -> the HTML this node stores and serves: an allow-list (nh3).

Kept: p, br, a (href; rel set to nofollow noopener noreferrer), span,
strong, em, ul, ol, li, blockquote, code, pre, and Mastodon's presentation
classes (mention, hashtag, h-card, u-url, invisible, ellipsis). Gone: every
other tag and attribute (style, script with its content, event handlers),
and link schemes other than http and https.
"""

from __future__ import annotations

import html

import nh3

TAGS = frozenset({"p", "br", "a", "span", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre"})
ATTRIBUTES = {"a": {"href"}}
CLASSES = {"a": {"mention", "hashtag", "u-url", "status-link", "unhandled-link"},
           "span": {"h-card", "invisible", "ellipsis"}}
LINK_REL = "nofollow noopener noreferrer"
MAX_HTML_CHARS = 100_000


def sanitize_html(text: str) -> str:
    """Safe HTML from remote HTML (truncated at MAX_HTML_CHARS first)."""
    return nh3.clean(text[:MAX_HTML_CHARS], tags=set(TAGS), attributes={k: set(v) for k, v in ATTRIBUTES.items()},
                     allowed_classes={k: set(v) for k, v in CLASSES.items()},
                     clean_content_tags={"script", "style"}, link_rel=LINK_REL,
                     url_schemes={"http", "https"}, strip_comments=True)


def plain_text(text: str) -> str:
    """The words of sanitised HTML, for screening and the search index."""
    stripped = nh3.clean(text.replace("</p>", "</p>\n").replace("<br", "\n<br"), tags=set())
    return html.unescape(stripped).strip()
