"""At most 10 devices per user: registering an 11th evicts the one refreshed longest ago; registering a
known device again only refreshes it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from pytest_mock import MockerFixture

from devstack.events import http_api_event
from selfkind.data.device_repository import DeviceRepository
from selfkind.domain import reminders
from selfkind.models.reminders import MAX_DEVICES_PER_USER as MAX_DEVICES
from selfkind.models.reminders import DeviceRegistration, Platform, StoredDevice
from tests.conftest import Handler

JSON = {"content-type": "application/json"}
START = datetime(2027, 1, 1, tzinfo=UTC)


def _registration() -> dict[str, Any]:
    return {"platform": "android", "token": "token-0123456789", "timezone": "UTC", "locale": "en", "app_version": "1"}


@pytest.fixture
def register(invoke: Callable[[str], Handler]) -> Callable[[str], int]:
    account = invoke("AccountFunction")

    def put(device_id: str) -> int:
        event = http_api_event(
            "PUT", f"/v1/devices/{device_id}", headers=JSON, body=json.dumps(_registration()), claims={"sub": "alice"}
        )
        return int(account(event)["statusCode"])

    return put


def _stored_ids(aws: dict[str, str]) -> list[str]:
    roster = DeviceRepository(aws["Table"], boto3.client("dynamodb")).roster("alice")
    return sorted(device.device_id for device in roster.devices)


def test_an_eleventh_device_evicts_the_one_refreshed_longest_ago(
    register: Callable[[str], int], aws: dict[str, str]
) -> None:
    for number in range(MAX_DEVICES):
        assert register(f"d{number:02d}") == 200
    assert register("d00") == 200  # d00 refreshed: now d01 is the one refreshed longest ago

    assert register("d10") == 200

    assert _stored_ids(aws) == sorted(["d00", *(f"d{n:02d}" for n in range(2, 11))])


def test_registering_a_known_device_again_evicts_nothing(register: Callable[[str], int], aws: dict[str, str]) -> None:
    for number in range(MAX_DEVICES):
        register(f"d{number:02d}")

    for number in range(MAX_DEVICES):
        assert register(f"d{number:02d}") == 200

    assert _stored_ids(aws) == [f"d{n:02d}" for n in range(MAX_DEVICES)]


def test_over_the_limit_already_the_oldest_go_until_ten_remain(
    register: Callable[[str], int], aws: dict[str, str]
) -> None:
    devices = DeviceRepository(aws["Table"], boto3.client("dynamodb"))
    for number in range(12):  # stored before the limit existed
        devices.put("alice", _stored(f"old{number:02d}", START + timedelta(days=number)))

    assert register("new") == 200

    assert _stored_ids(aws) == sorted(["new", *(f"old{n:02d}" for n in range(3, 12))])


def test_two_registrations_racing_still_leave_ten(aws: dict[str, str], mocker: MockerFixture) -> None:
    devices = DeviceRepository(aws["Table"], boto3.client("dynamodb"))
    for number in range(MAX_DEVICES - 1):
        devices.put("alice", _stored(f"d{number:02d}", START + timedelta(days=number)))
    registration = DeviceRegistration.model_validate(_registration())
    real_register = DeviceRepository.register
    raced: list[bool] = []

    def another_registers_first(self: DeviceRepository, *args: Any) -> None:
        if not raced:  # both read 9 devices; the other one commits first
            raced.append(True)
            reminders.register_device(devices, "alice", "racer", registration, START + timedelta(days=30))
        real_register(self, *args)

    mocker.patch.object(DeviceRepository, "register", another_registers_first)
    reminders.register_device(devices, "alice", "mine", registration, START + timedelta(days=31))

    assert len(_stored_ids(aws)) == MAX_DEVICES
    assert {"racer", "mine"} <= set(_stored_ids(aws))


def _stored(device_id: str, refreshed_at: datetime) -> StoredDevice:
    return StoredDevice(
        device_id=device_id,
        platform=Platform.ANDROID,
        token="token-0123456789",
        fid=None,
        timezone="UTC",
        locale="en",
        app_version="1",
        refreshed_at=refreshed_at,
    )
