"""Key layout of the single table. Every item of a user lives under pk = USER#<sub>."""

from __future__ import annotations

from datetime import date


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


SYNC_HEAD_SK = "SYNC#HEAD"
SYNC_RECORD_PREFIX = "REC#"
SEQ_INDEX = "by_seq"


def record_sk(table: str, record_id: str) -> str:
    return f"{SYNC_RECORD_PREFIX}{table}#{record_id}"


ROLLUP_PREFIX = "ROLLUP#"
ROLLUP_WEEK_PREFIX = "ROLLUP#WEEK#"
ROLLUP_ALL_TIME_SK = "ROLLUP#ALL"


def rollup_week_sk(week: date) -> str:
    """A week's rollup; date.min (selfkind.domain.rollups.ALL_TIME) is the all-time practice sums."""
    return ROLLUP_ALL_TIME_SK if week == date.min else f"{ROLLUP_WEEK_PREFIX}{week.isoformat()}"


def rollup_week_from_sk(sk: str) -> date:
    return date.min if sk == ROLLUP_ALL_TIME_SK else date.fromisoformat(sk.removeprefix(ROLLUP_WEEK_PREFIX))


DEVICE_PREFIX = "DEVICE#"
DEVICE_ROSTER_SK = "ROSTER#DEVICES"
IDEMPOTENCY_PREFIX = "IDEMPOTENCY#"
REMINDER_PREFIX = "REMINDER#"
SETTINGS_SK = "PROFILE#SETTINGS"
ENGAGEMENT_SK = "PROFILE#ENGAGEMENT"
NOTIFICATION_PREFIX = "NOTIF#"
# One per user, kept across erasures as the sync head is: the day's sends and a copy of the erasure epoch,
# so the sender's claim is one small conditional write (selfkind.data.notification_repository).
DELIVERY_SK = "DELIVERY"
DUE_INDEX = "due"  # before the wheel: drained by the tick (selfkind.data.reminder_repository)
WHEEL_INDEX = "wheel"
SHARD_LEASE_PREFIX = "TICK#"  # one item per shard of the tick: which worker holds it, up to when


def device_sk(device_id: str) -> str:
    return f"{DEVICE_PREFIX}{device_id}"


def reminder_sk(reminder_id: str) -> str:
    return f"{REMINDER_PREFIX}{reminder_id}"


def notification_sk(notification_id: str) -> str:
    return f"{NOTIFICATION_PREFIX}{notification_id}"


def user_from_pk(pk: str) -> str:
    return pk.removeprefix("USER#")


def shard_lease_pk(shard_key: str) -> str:
    return f"{SHARD_LEASE_PREFIX}{shard_key}"


SHARE_PREFIX = "SHARE#"
SHARE_ROSTER_SK = "ROSTER#SHARES"
SHARE_LOOKUP_PREFIX = "SHARETOKEN#"  # one item per share, in its own partition: the page's only way in
SHARE_LOOKUP_SK = "SHARE"


def share_sk(share_id: str) -> str:
    return f"{SHARE_PREFIX}{share_id}"


def share_lookup_key(token_sha256: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"{SHARE_LOOKUP_PREFIX}{token_sha256}"}, "sk": {"S": SHARE_LOOKUP_SK}}
