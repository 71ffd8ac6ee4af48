"""Journal sync: the WatermelonDB pull and push endpoints over the user's change sequence."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from selfkind.adapters.idempotency import RequestFingerprint, run_once
from selfkind.api.auth import current_user_id
from selfkind.api.conventions import JWT, WRITE_PROBLEMS
from selfkind.api.problems import documented_responses
from selfkind.api.progress_routes import progress_router
from selfkind.api.resolver import create_resolver
from selfkind.data.rollup_repository import RollupRepository
from selfkind.data.sync_repository import SyncRepository
from selfkind.data.unopened_streak_repository import UnopenedStreakRepository
from selfkind.domain import presence, sync
from selfkind.domain.sync_push_parsing import record_changes
from selfkind.models.sync import PushBody, PushResult, RecordChange, SyncPullResponse
from selfkind.models.sync_pull import parse_pull_query
from selfkind.observability import create_tracer
from selfkind.settings import SyncSettings

logger = Logger()
tracer = create_tracer()
metrics = Metrics()
settings = SyncSettings.from_environment()
store = SyncRepository(settings.table_name)
unopened_streak = UnopenedStreakRepository(settings.table_name)
app = create_resolver(metrics, logger)
app.include_router(progress_router(RollupRepository(settings.table_name)))
NO_STORE = {"Cache-Control": "no-store"}
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{8,200}$"  # 8 to 200 visible ASCII characters (a UUID, say)
UNPROCESSABLE = HTTPStatus.UNPROCESSABLE_ENTITY  # an Idempotency-Key sent again with another query or body


@app.get("/v1/sync", security=JWT, responses=documented_responses(SyncPullResponse))
def pull_changes(
    last_pulled_at: Annotated[str | None, Query(pattern=r"^([0-9]{1,19}|null)$")] = None,  # absent or null: all
    schema_version: Annotated[int, Query(ge=1)] = 1,
    migration: Annotated[str | None, Query(max_length=2_000)] = None,  # WatermelonDB's migration JSON
) -> Response[str]:
    request = parse_pull_query(current_user_id(app.current_event), last_pulled_at, schema_version, migration)
    page = sync.pull(store, request, now=datetime.now(UTC))
    presence.user_returned(unopened_streak, request.user_id)
    metrics.add_metric(name="SyncPulls", unit=MetricUnit.Count, value=1)
    logger.info("Pulled", timestamp=page.timestamp, has_more=page.has_more, replacement=page.replacement)
    return Response(200, content_type="application/json", body=page.to_json(), headers=NO_STORE)


@app.post(
    "/v1/sync",
    security=JWT,
    responses=documented_responses(PushResult, *WRITE_PROBLEMS, UNPROCESSABLE),
)
def push_changes(
    body: Annotated[PushBody, Body()],
    last_pulled_at: Annotated[int, Query(ge=0)],
    idempotency_key: Annotated[str | None, Header(pattern=IDEMPOTENCY_KEY_PATTERN)] = None,
) -> Response[str]:
    user_id = current_user_id(app.current_event)
    changes = record_changes(body)
    apply = partial(_apply_push, user_id, last_pulled_at, changes)
    if idempotency_key:
        event = app.current_event
        run_once(
            apply,
            table_name=settings.table_name,
            user_id=user_id,
            key=idempotency_key,
            # Only hashed: a retry must send the very same method, path, query and body.
            request=RequestFingerprint(event.http_method, event.path, event.raw_query_string, event.body or ""),
            expires_after_seconds=settings.idempotency_expiry_seconds,
            lambda_context=app.lambda_context,
        )
    else:
        apply()
    presence.user_returned(unopened_streak, user_id)
    metrics.add_metric(name="SyncPushes", unit=MetricUnit.Count, value=1)
    return Response(200, content_type="application/json", body="{}", headers=NO_STORE)


def _apply_push(user_id: str, last_pulled_at: int, changes: list[RecordChange]) -> dict[str, Any]:
    sync.push(store, user_id, last_pulled_at, changes, now=datetime.now(UTC))
    metrics.add_metric(name="SyncRecordsPushed", unit=MetricUnit.Count, value=len(changes))
    logger.info("Pushed", records=len(changes))
    return {}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
