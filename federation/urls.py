"""The URLs of local objects; one place so every serialiser agrees."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Urls:
    base_url: str  # e.g. https://example.cn, no trailing slash

    @classmethod
    def of(cls, base_url: str) -> Urls:
        return cls(base_url.rstrip("/"))

    def actor(self, username: str) -> str:
        return f"{self.base_url}/users/{username}"

    def profile(self, username: str) -> str:
        return f"{self.base_url}/@{username}"

    def inbox(self, username: str) -> str:
        return f"{self.actor(username)}/inbox"

    def outbox(self, username: str) -> str:
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        return f"{self.actor(username)}/following"

    def featured(self, username: str) -> str:
        return f"{self.actor(username)}/collections/featured"

    def featured_tags(self, username: str) -> str:
        return f"{self.actor(username)}/collections/tags"

    def tagged(self, username: str, tag: str) -> str:
        """An account's statuses with a tag, as Mastodon links featured tags."""
        return f"{self.profile(username)}/tagged/{tag}"

    def key_id(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def shared_inbox(self) -> str:
        return f"{self.base_url}/inbox"

    def status(self, username: str, status_id: int) -> str:
        return f"{self.actor(username)}/statuses/{status_id}"

    def status_page(self, username: str, status_id: int) -> str:
        return f"{self.profile(username)}/{status_id}"

    def tag(self, name: str) -> str:
        return f"{self.base_url}/tags/{name}"
