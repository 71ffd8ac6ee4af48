"""Which devices a registration evicts: the ones refreshed longest ago, down to the limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from selfkind.domain.reminders import devices_to_evict
from selfkind.models.reminders import Platform, StoredDevice

START = datetime(2027, 1, 1, tzinfo=UTC)


def _stored(device_id: str, days: int) -> StoredDevice:
    return StoredDevice(
        device_id=device_id,
        platform=Platform.IOS,
        token="token-0123456789",
        fid=None,
        timezone="UTC",
        locale="en",
        app_version="1",
        refreshed_at=START + timedelta(days=days),
    )


def test_a_new_device_beyond_the_limit_evicts_the_one_refreshed_longest_ago() -> None:
    stored = [_stored(f"d{n}", days=(n * 7) % 10) for n in range(10)]  # refreshed in a shuffled order

    assert [device.device_id for device in devices_to_evict(stored, "new")] == ["d0"]


def test_a_known_device_or_room_to_spare_evicts_nothing() -> None:
    stored = [_stored(f"d{n}", days=n) for n in range(10)]

    assert devices_to_evict(stored, "d5") == []
    assert devices_to_evict(stored[:9], "new") == []


def test_over_the_limit_enough_go_to_make_room() -> None:
    stored = [_stored(f"d{n}", days=n) for n in range(13)]

    assert [device.device_id for device in devices_to_evict(stored, "new", limit=10)] == ["d0", "d1", "d2", "d3"]
