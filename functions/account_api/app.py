"""The account as a whole: export everything the user has, or erase all of it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from selfkind.api.auth import current_user_id
from selfkind.api.problems import documented_responses
from selfkind.api.resolver import create_resolver
from selfkind.data.account_repository import AccountRepository
from selfkind.data.sync_repository import SyncRepository
from selfkind.domain.account import erase_account, export_account
from selfkind.models.account import AccountExport
from selfkind.observability import create_tracer
from selfkind.settings import AccountSettings

logger = Logger()
tracer = create_tracer()
metrics = Metrics()
settings = AccountSettings.from_environment()
sync_store = SyncRepository(settings.table_name)
accounts = AccountRepository(settings.table_name)
app = create_resolver(metrics)


@app.get(
    "/v1/me/export", security=[{"jwt": []}], compress=True, responses=documented_responses(AccountExport)
)
def export_my_data() -> Response[str]:
    document = export_account(sync_store, current_user_id(app.current_event), now=datetime.now(UTC))
    metrics.add_metric(name="AccountExported", unit=MetricUnit.Count, value=1)
    return Response(
        200,
        content_type="application/json",
        body=document.model_dump_json(),
        headers={"Cache-Control": "no-store"},
    )


@app.delete(
    "/v1/me", security=[{"jwt": []}], responses={204: {"description": "Erased (or nothing was there)"}}
)
def erase_my_data() -> Response[str]:
    erased = erase_account(accounts, current_user_id(app.current_event))
    metrics.add_metric(name="AccountErased", unit=MetricUnit.Count, value=1)
    logger.info("Account erased", items=erased)
    return Response(204, body="")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
