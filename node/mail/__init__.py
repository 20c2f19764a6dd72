"""Mail (issue #16): messages in the account's language, a durable outbox,
and the worker that sends it through SMTP or writes .eml files.

- `messages`: what each message says (gettext catalog, zh-CN or English).
- `outbox`: queue a message in the caller's transaction, its body
  encrypted with the node's vault key (it carries a secret link).
- `transport`: an SMTP server (aiosmtplib) or, with no `[mail] host`,
  .eml files under `data/mail/`.
- `sender`: the worker claiming due rows with a lease, retrying with
  back-off, marking a message dead after its last attempt.
"""
