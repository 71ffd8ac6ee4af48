"""The exercise catalog, the care content (support lines, guides, programs) and the progress content
(journaling prompts, the SCS-SF instrument): public, read-only, served from the content bundled in the layer."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from selfkind.api.caching import localized_json_response
from selfkind.api.care_routes import care_router
from selfkind.api.conventions import CatalogId
from selfkind.api.negotiation import negotiate_language
from selfkind.api.problems import documented_responses
from selfkind.api.progress_content_routes import progress_content_router
from selfkind.api.resolver import create_resolver
from selfkind.domain import catalog
from selfkind.models.catalog import (
    AffirmationList,
    Approach,
    Category,
    Exercise,
    ExerciseFilter,
    ExerciseList,
    Technique,
    Theme,
)
from selfkind.models.language import Language
from selfkind.observability import create_tracer, emit_counts
from selfkind.settings import CatalogSettings

logger = Logger()
tracer = create_tracer()
metrics = Metrics()
settings = CatalogSettings.from_environment()
app = create_resolver(metrics, logger)


def respond(answer: Callable[[Language], BaseModel]) -> Response[str]:
    """The answer in the negotiated language, with its ETag; 304 when the client's copy is current."""
    headers = app.current_event.headers
    language = negotiate_language(headers.get("accept-language"))
    response = localized_json_response(
        answer(language), language, headers.get("if-none-match"), settings.cache_max_age_seconds
    )
    not_modified = response.status_code == HTTPStatus.NOT_MODIFIED
    emit_counts(metrics, "CatalogResponses", {(("outcome", "not_modified" if not_modified else "served"),): 1})
    return response


app.include_router(care_router(respond))
app.include_router(progress_content_router(respond))


@app.get("/v1/exercises", responses=documented_responses(ExerciseList, cacheable=True, authenticated=False))
def list_exercises(
    category: Annotated[Category | None, Query()] = None,
    technique: Annotated[Technique | None, Query()] = None,
    approach: Annotated[Approach | None, Query()] = None,
    max_minutes: Annotated[int | None, Query(ge=1, le=600)] = None,
) -> Response[str]:
    wanted = ExerciseFilter(category=category, technique=technique, approach=approach, max_minutes=max_minutes)
    return respond(partial(catalog.list_exercises, wanted))


@app.get(
    "/v1/exercises/<exercise_id>",
    responses=documented_responses(Exercise, HTTPStatus.NOT_FOUND, cacheable=True, authenticated=False),
)
def get_exercise(exercise_id: CatalogId) -> Response[str]:
    return respond(partial(catalog.get_exercise, exercise_id))


@app.get("/v1/affirmations", responses=documented_responses(AffirmationList, cacheable=True, authenticated=False))
def list_affirmations(theme: Annotated[Theme | None, Query()] = None) -> Response[str]:
    return respond(partial(catalog.list_affirmations, theme))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
