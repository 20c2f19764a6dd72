"""The messages the node sends, in the account's language.

Each builder runs under `i18n.using(locale)`, so its words come from the
catalog like every page's; the account's `users.locale` picks Simplified
Chinese or English (the node's default for anything else).
"""

from __future__ import annotations

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


def _text(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs) + "\n"


def password_reset(config: Config, account_locale: str | None, username: str, link: str) -> Message:
    locale = message_locale(config, account_locale)
    node = config.node.name
    with i18n.using(locale):
        return Message("password_reset", _("Reset your password on %(node)s", node=node), _text(
            _("Hello @%(username)s,", username=username),
            _("Someone (we hope you) asked to reset the password of your account on %(node)s. "
              "To choose a new password, open this link within an hour:", node=node),
            link,
            _("If you did not ask for this, ignore this message: your password stays as it is."),
        ), locale)


def confirm_sign_up(config: Config, account_locale: str | None, username: str, link: str) -> Message:
    locale = message_locale(config, account_locale)
    node = config.node.name
    with i18n.using(locale):
        return Message("confirm_sign_up", _("Confirm your e-mail address on %(node)s", node=node), _text(
            _("Hello @%(username)s,", username=username),
            _("To finish signing up on %(node)s, confirm your e-mail address by opening this link:", node=node),
            link,
            _("If you did not sign up, ignore this message."),
        ), locale)


def confirm_change(config: Config, account_locale: str | None, username: str, link: str) -> Message:
    locale = message_locale(config, account_locale)
    node = config.node.name
    with i18n.using(locale):
        return Message("confirm_change", _("Confirm your new e-mail address on %(node)s", node=node), _text(
            _("Hello @%(username)s,", username=username),
            _("You asked to use this address for your account on %(node)s. "
              "Confirm it by opening this link:", node=node),
            link,
            _("Until then your old address stays in use. If you did not ask for this, ignore this message."),
        ), locale)
