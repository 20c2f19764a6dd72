"""Mastodon's streaming API: broker, events, handlers (see ARCHITECTURE.md, Streaming)."""
