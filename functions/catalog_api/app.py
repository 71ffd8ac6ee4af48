"""The exercise catalog: public, read-only, served from the content bundled in the layer."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from selfkind.api.caching import localized_json_response
from selfkind.api.negotiation import negotiate_language
from selfkind.api.problems import documented_responses
from selfkind.api.resolver import create_resolver
from selfkind.domain import catalog
from selfkind.models.catalog import (
    AffirmationList,
    Approach,
    Category,
    Exercise,
    ExerciseFilter,
    ExerciseList,
    Language,
    Technique,
    Theme,
)
from selfkind.observability import create_tracer
from selfkind.settings import CatalogSettings

logger = Logger()
tracer = create_tracer()
metrics = Metrics()
settings = CatalogSettings.from_environment()
app = create_resolver(metrics, logger)


def _language() -> Language:
    return negotiate_language(app.current_event.headers.get("accept-language"))


def _cacheable(model: BaseModel, language: Language) -> Response[str]:
    if_none_match = app.current_event.headers.get("if-none-match")
    response = localized_json_response(model, language, if_none_match, settings.cache_max_age_seconds)
    not_modified = response.status_code == HTTPStatus.NOT_MODIFIED
    metrics.add_metric(name="CatalogNotModified" if not_modified else "CatalogServed", unit=MetricUnit.Count, value=1)
    return response


@app.get("/v1/exercises", responses=documented_responses(ExerciseList, cacheable=True, authenticated=False))
def list_exercises(
    category: Annotated[Category | None, Query()] = None,
    technique: Annotated[Technique | None, Query()] = None,
    approach: Annotated[Approach | None, Query()] = None,
    max_minutes: Annotated[int | None, Query(ge=1, le=600)] = None,
) -> Response[str]:
    wanted = ExerciseFilter(category=category, technique=technique, approach=approach, max_minutes=max_minutes)
    language = _language()
    return _cacheable(catalog.list_exercises(wanted, language), language)


@app.get(
    "/v1/exercises/<exercise_id>",
    responses=documented_responses(Exercise, HTTPStatus.NOT_FOUND, cacheable=True, authenticated=False),
)
def get_exercise(exercise_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,80}$")]) -> Response[str]:
    language = _language()
    return _cacheable(catalog.get_exercise(exercise_id, language), language)


@app.get("/v1/affirmations", responses=documented_responses(AffirmationList, cacheable=True, authenticated=False))
def list_affirmations(theme: Annotated[Theme | None, Query()] = None) -> Response[str]:
    language = _language()
    return _cacheable(catalog.list_affirmations(theme, language), language)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
