"""Links in inbound content (article 7(6)): the same decision as local posts.

`policy.links.vet_links` decides on the hrefs of a remote Note (through the
permit gate; an unlisted host is never contacted); this module applies it
to the sanitised HTML: `unlink` drops the href of links to hosts without a
permit (the text stays), `review` holds the status, `reject` drops it.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import nh3

from federation.context import Federation
from federation.sanitize import ATTRIBUTES, CLASSES, LINK_REL, TAGS
from policy import links
from policy.links import LinkDecision
from policy.permits import PermitError

MAX_LINKS = 100


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and len(self.hrefs) < MAX_LINKS:
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def hrefs_of(content: str) -> list[str]:
    parser = _Hrefs()
    parser.feed(content)
    parser.close()
    return list(dict.fromkeys(parser.hrefs))


async def vet_remote_links(fed: Federation, content: str) -> LinkDecision:
    rules = links.LinkRules(fed.settings.link_mode, fed.settings.link_allow_hosts)
    return await links.vet_links(hrefs_of(content), fed.gate.check, rules)


def unlink(content: str, decision: LinkDecision) -> str:
    """`content` (already sanitised) without hrefs to the hosts the decision unlinked."""
    if not decision.unlinked:
        return content
    policy = decision.link_policy()
    return nh3.clean(content, tags=set(TAGS), attributes={k: set(v) for k, v in ATTRIBUTES.items()},
                     allowed_classes={k: set(v) for k, v in CLASSES.items()}, link_rel=LINK_REL,
                     url_schemes={"http", "https"}, attribute_filter=_drop_hrefs(policy))


def _drop_hrefs(policy: Callable[[str], str]) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href":
            try:
                host = links.url_host(value)
            except PermitError:
                return None
            name = host if host.endswith("]") else host.rsplit(":", 1)[0]
            return value if policy(name) == "link" else None
        return value
    return keep
