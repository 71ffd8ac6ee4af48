"""One settings model per function, read from the environment once, at cold start.

This is the only module that reads os.environ. Every field is required: the template sets each one,
so a misconfigured function fails at start, loudly, instead of running on a hidden default.
"""

from __future__ import annotations

import os
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field


class FunctionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_environment(cls) -> Self:
        return cls.model_validate(dict(os.environ))


class CatalogSettings(FunctionSettings):
    cache_max_age_seconds: Annotated[int, Field(alias="CATALOG_CACHE_MAX_AGE_SECONDS", ge=0, le=86_400)]


class SyncSettings(FunctionSettings):
    table_name: Annotated[str, Field(alias="TABLE_NAME", min_length=3)]
    idempotency_expiry_seconds: Annotated[int, Field(alias="IDEMPOTENCY_EXPIRY_SECONDS", ge=60, le=86_400)]


# The shards of the `due` index: reminders are written into crc32 % shards (selfkind.domain.tick).
ReminderShards = Annotated[int, Field(alias="REMINDER_SHARDS", ge=1, le=100)]


class AccountSettings(FunctionSettings):
    table_name: Annotated[str, Field(alias="TABLE_NAME", min_length=3)]
    reminder_shards: ReminderShards
    # Where share links point (scheme and host). Unset, the host the request came to, over https: the API's
    # own domain or its custom domain. The local stack sets its own address.
    public_base_url: Annotated[str | None, Field(alias="PUBLIC_BASE_URL", pattern=r"^https?://[^/]+$")] = None


class SchedulerSettings(FunctionSettings):
    worker_function_name: Annotated[str, Field(alias="WORKER_FUNCTION_NAME", min_length=1)]
    reminder_shards: ReminderShards


class WorkerSettings(FunctionSettings):
    table_name: Annotated[str, Field(alias="TABLE_NAME", min_length=3)]
    queue_url: Annotated[str, Field(alias="QUEUE_URL", min_length=8)]
    reminder_shards: ReminderShards
    # Chunks of 100 reminders enqueued and advanced at once: enough to hide DynamoDB's and SQS's latency.
    concurrency: Annotated[int, Field(alias="WORKER_CONCURRENCY", ge=1, le=64)]


class SenderSettings(FunctionSettings):
    table_name: Annotated[str, Field(alias="TABLE_NAME", min_length=3)]
    reminder_shards: ReminderShards
    firebase_secret_id: Annotated[str, Field(alias="FIREBASE_SECRET_ID", min_length=1)]
    # A rotated service account reaches warm containers within this many seconds.
    secret_max_age_seconds: Annotated[int, Field(alias="FIREBASE_SECRET_MAX_AGE_SECONDS", ge=0, le=3600)]
    # After FCM refused our credentials, batches claim nothing for this long (or until the secret changes).
    credentials_refused_hold_seconds: Annotated[float, Field(alias="FIREBASE_REFUSED_HOLD_SECONDS", ge=0, le=900)] = (
        60.0
    )
    # Local stack only (the template never sets it): where firebase-admin finds the FCM stand-in.
    fcm_url_override: Annotated[str | None, Field(alias="FCM_URL_OVERRIDE")] = None
    # Local stack only (the template never sets it, a template test checks): the sender runs at the time
    # of the local tick that invoked it (the event's `localTickTime`), not its own clock. Deployed, the
    # field is never read, whatever an event holds.
    local_tick_clock: Annotated[bool, Field(alias="LOCAL_TICK_CLOCK")] = False
