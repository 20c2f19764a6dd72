"""The compliance report's values: settings in, sections and the report out.

A `Section` carries codes, not sentences (status, reasons, keys of its
configuration and figures), so the report speaks any language
(`node.compliance` renders it) and its JSON form is stable.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policy.compliance_tests import TESTS
from storage.clock import parse
from storage.compliance_figures import Period

FORMAT = "permitted-node compliance report"
VERSION = 1
ARTICLES = ("6", "7(1)", "7(2)", "7(3)", "7(4)", "7(5)", "7(6)", "7(7)", "7(8)", "7(9)", "8", "9", "10", "13",
            "14", "15")
STATUS_ORDER = ("failing", "off", "attention", "in_force")


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    action: str
    mode: str
    lists: tuple[tuple[str, int], ...]  # (file, terms)
    exemptions: int


@dataclass(frozen=True, slots=True)
class Settings:
    """The node's configuration as it stands, as far as the controls go (node.compliance builds it)."""

    node_name: str
    domain: str
    permit: str
    federation_enabled: bool
    secure_mode: bool
    require_declared_permit: bool
    links: str
    link_allow_hosts: tuple[str, ...]
    identity_required: bool
    trusted_authorities: tuple[str, ...]
    trust_dev_authority: bool
    accounts_per_identity: int
    enforcement_started: str | None
    grace_until: str | None
    reveal_needs_approval: bool
    registrations: str
    official_account: str
    delivery_give_up_hours: int
    follow_limit: int
    policy_version: str
    engine: str
    categories: tuple[Category, ...]

    @property
    def federation_on(self) -> bool:
        return self.federation_enabled and bool(self.permit)


@dataclass(frozen=True, slots=True)
class Section:
    article: str
    status: str  # failing | off | attention | in_force
    reasons: tuple[str, ...]  # codes saying why the status is not in_force
    configuration: Mapping[str, Any]
    figures: Mapping[str, Any]
    tests: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reasons": list(self.reasons), "configuration": dict(self.configuration),
                "figures": dict(self.figures), "tests": list(self.tests)}


@dataclass(frozen=True, slots=True)
class Report:
    node: Mapping[str, str]
    period: Period
    generated_at: str
    sections: tuple[Section, ...]  # failing, off, attention, then in force

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "node": dict(self.node),
                "period": {"since": self.period.since, "until": self.period.until},
                "generated_at": self.generated_at, "order": [s.article for s in self.sections],
                "articles": {s.article: s.to_dict() for s in sorted(self.sections, key=article_rank)}}


def article_rank(section: Section) -> int:
    return ARTICLES.index(section.article)


def attention_first(sections: Sequence[Section]) -> tuple[Section, ...]:
    return tuple(sorted(sections, key=lambda s: (STATUS_ORDER.index(s.status), article_rank(s))))


def section(article: str, reasons: Sequence[tuple[str, str]], configuration: Mapping[str, Any],
            found: Mapping[str, Any]) -> Section:
    """`reasons` are (status, code) pairs; the worst status decides, none means in force."""
    status = STATUS_ORDER[min(STATUS_ORDER.index(s) for s, _c in reasons)] if reasons else "in_force"
    return Section(article, status, tuple(code for _s, code in reasons), configuration, found, TESTS[article])


def seconds_between(start: str, end: str) -> float:
    return (parse(end) - parse(start)).total_seconds()


def durations(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """count, median and worst of (start, end) timestamps, in seconds."""
    values = [seconds_between(a, b) for a, b in pairs]
    return {"count": len(values), "median_seconds": round(statistics.median(values), 1) if values else None,
            "worst_seconds": round(max(values), 1) if values else None}


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
