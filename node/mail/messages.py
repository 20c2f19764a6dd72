"""The messages the node sends, in the account's language.

Each builder runs under `i18n.using(locale)`, so its words come from the
catalog like every page's; the account's `users.locale` picks Simplified
Chinese or English (the node's default for anything else).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from node import i18n
from node.config import Config
from node.i18n import _


@dataclass(frozen=True, slots=True)
class Message:
    kind: str  # password_reset, confirm_sign_up, confirm_change
    subject: str
    text: str
    locale: str


def message_locale(config: Config, account_locale: str | None) -> str:
    return i18n.match(account_locale or "") or config.node.default_locale


def _compose(config: Config, account_locale: str | None, kind: str,
             words: Callable[[str], tuple[str, list[str]]]) -> Message:
    """A message whose `words(node name)` (subject, paragraphs) are looked up
    in the catalog under the account's locale."""
    locale = message_locale(config, account_locale)
    with i18n.using(locale):
        subject, paragraphs = words(config.node.name)
    return Message(kind, subject, "\n\n".join(paragraphs) + "\n", locale)


def password_reset(config: Config, account_locale: str | None, username: str, link: str) -> Message:
    return _compose(config, account_locale, "password_reset", lambda node: (
        _("Reset your password on %(node)s", node=node), [
            _("Hello @%(username)s,", username=username),
            _("Someone (we hope you) asked to reset the password of your account on %(node)s. "
              "To choose a new password, open this link within an hour:", node=node),
            link,
            _("If you did not ask for this, ignore this message: your password stays as it is."),
        ]))


def confirm_sign_up(config: Config, account_locale: str | None, username: str, link: str) -> Message:
    return _compose(config, account_locale, "confirm_sign_up", lambda node: (
        _("Confirm your e-mail address on %(node)s", node=node), [
            _("Hello @%(username)s,", username=username),
            _("To finish signing up on %(node)s, confirm your e-mail address by opening this link:", node=node),
            link,
            _("If you did not sign up, ignore this message."),
        ]))


def confirm_change(config: Config, account_locale: str | None, username: str, link: str) -> Message:
    return _compose(config, account_locale, "confirm_change", lambda node: (
        _("Confirm your new e-mail address on %(node)s", node=node), [
            _("Hello @%(username)s,", username=username),
            _("You asked to use this address for your account on %(node)s. "
              "Confirm it by opening this link:", node=node),
            link,
            _("Until then your old address stays in use. If you did not ask for this, ignore this message."),
        ]))
