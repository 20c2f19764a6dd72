"""What screening returns: a value the caller applies and the audit log keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Least to most strict; the strictest enforced hit decides.
ACTIONS = ("accept", "flag", "sensitive", "review", "reject")
CATEGORY_ACTIONS = ("reject", "review", "sensitive", "flag")
_RANK = {action: rank for rank, action in enumerate(ACTIONS)}


def action_rank(action: str) -> int:
    return _RANK[action]


def strictest(actions: Any) -> str:
    """The strictest of `actions`, or accept when there are none."""
    return max(actions, key=_RANK.__getitem__, default="accept")


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule matching one place in one field.

    `start`/`end` index the field's original text (so `text[start:end]` is
    the evasion as written, spaces and zero-width characters included);
    `norm_start`/`norm_end` index the normalised text the rule ran on.
    """

    rule_id: str
    category: str
    term: str  # as written in the list file, kind prefix removed
    kind: str  # substring | word | re
    field: str
    start: int
    end: int
    norm_start: int
    norm_end: int
    action: str
    mode: str  # enforce | shadow
    matched: str  # the original text of the span, for moderators

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "category": self.category, "term": self.term,
                "kind": self.kind, "field": self.field, "start": self.start,
                "end": self.end, "norm_start": self.norm_start, "norm_end": self.norm_end,
                "action": self.action, "mode": self.mode, "matched": self.matched}


@dataclass(frozen=True, slots=True)
class Decision:
    action: str  # one of ACTIONS
    hits: tuple[Hit, ...] = ()  # enforced hits, strictest first
    shadow_hits: tuple[Hit, ...] = ()  # would-be hits of shadow categories
    policy_version: str = ""

    @property
    def category(self) -> str | None:
        """The category behind the action (the strictest hit), if any."""
        return self.hits[0].category if self.hits else None

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(hit.category for hit in self.hits))

    @property
    def accepted(self) -> bool:
        return self.action == "accept"

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "category": self.category,
                "policy_version": self.policy_version,
                "hits": [hit.to_dict() for hit in self.hits],
                "shadow_hits": [hit.to_dict() for hit in self.shadow_hits]}


def make_decision(hits: list[Hit], shadow: list[Hit], version: str) -> Decision:
    # Strictest first; the sort is stable, so hits keep field and position
    # order within an action and hits[0] explains the decision.
    hits.sort(key=lambda h: -_RANK[h.action])
    shadow.sort(key=lambda h: -_RANK[h.action])
    action = hits[0].action if hits else "accept"
    return Decision(action=action, hits=tuple(hits), shadow_hits=tuple(shadow),
                    policy_version=version)
