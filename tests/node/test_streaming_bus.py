"""Streaming events as they cross between processes (node/streaming/bus.py)."""

from __future__ import annotations

import json

import pytest

from node.streaming.bus import decode, encode
from node.streaming.port import AnnouncementEvent, Gone, StatusEvent


@pytest.mark.parametrize("event", [
    StatusEvent("update", 117_219_722_636_820_480),
    StatusEvent("status.update", 5),
    StatusEvent("delete", 7, Gone(7, 3, "private", True), (11, 12)),
    AnnouncementEvent("announcement", 9),
    AnnouncementEvent("announcement.reaction", 9, json.dumps({"name": "👍", "count": 2, "announcement_id": "9"})),
])
def test_every_event_survives_the_trip_and_fits_a_notify(event: object) -> None:
    text = encode(event)  # type: ignore[arg-type]
    assert decode(text) == event
    assert len(text.encode()) < 8000  # NOTIFY's payload limit


def test_a_malformed_payload_is_refused_not_guessed() -> None:
    for text in ('{"s": ["update"]}', '{"x": 1}', "not json"):
        with pytest.raises((ValueError, KeyError, TypeError)):
            decode(text)
