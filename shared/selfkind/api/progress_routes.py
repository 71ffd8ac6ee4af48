"""The sync function's progress routes: insights and suggestions, read from the user's rollups (JWT).

A Powertools router the sync function includes, so the handler module stays thin. Both answer
the user alone (the JWT's `sub`), in the language of `Accept-Language`, and are never cached.

The domain modules are imported by the routes that use them: they load the catalog's content and its
models (some 80 ms of imports), which most of the sync function's cold starts, for a pull or a push,
never need.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from selfkind.api.auth import current_user_id
from selfkind.api.conventions import JWT
from selfkind.api.negotiation import negotiate_language
from selfkind.api.problems import documented_responses
from selfkind.models.insights import DEFAULT_WEEKS, MAX_WEEKS, Insights, Suggestions

if TYPE_CHECKING:
    from selfkind.domain.ports.progress import RollupReader

PRIVATE = {"Cache-Control": "private, no-store", "Vary": "Accept-Language"}


def progress_router(
    rollups: RollupReader, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> APIGatewayHttpRouter:
    router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]

    def answer(model: Insights | Suggestions, language: str) -> Response[str]:
        headers = {**PRIVATE, "Content-Language": language}
        return Response(200, content_type="application/json", body=model.model_dump_json(), headers=headers)

    @router.get("/v1/insights", security=JWT, responses=documented_responses(Insights))
    def get_insights(
        weeks: Annotated[int, Query(ge=1, le=MAX_WEEKS, description="How many weeks, the current one last.")] = (
            DEFAULT_WEEKS
        ),
    ) -> Response[str]:
        from selfkind.domain import insights

        language = negotiate_language(router.current_event.headers.get("accept-language"))
        user_id = current_user_id(router.current_event)
        return answer(insights.get_insights(rollups, user_id, weeks, clock(), language), language)

    @router.get("/v1/suggestions", security=JWT, responses=documented_responses(Suggestions))
    def get_suggestions(
        feeling: Annotated[int | None, Query(ge=1, le=5, description="How the person feels now, 1-5.")] = None,
        minutes: Annotated[int | None, Query(ge=1, le=120, description="The minutes they have.")] = None,
    ) -> Response[str]:
        from selfkind.domain import suggestions

        language = negotiate_language(router.current_event.headers.get("accept-language"))
        user_id = current_user_id(router.current_event)
        found = suggestions.suggest(rollups, user_id, clock(), language, feeling=feeling, minutes=minutes)
        return answer(found, language)

    return router
