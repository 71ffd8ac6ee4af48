"""The catalog function's care routes: crisis and support lines, guides and programs (all public).

A Powertools router the catalog function includes, so the handler module stays thin: the handler hands
in how it answers (language negotiation and ETag caching), and each route names only the domain
function it calls.
"""

from __future__ import annotations

from functools import partial
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from selfkind.api.caching import Respond
from selfkind.api.conventions import CatalogId
from selfkind.api.problems import documented_responses
from selfkind.domain import guides, programs, support
from selfkind.models.guides import Guide, GuideList
from selfkind.models.programs import Program, ProgramList
from selfkind.models.support import SupportInfo

COUNTRY_CODE = r"^[A-Za-z]{2}$"


def care_router(respond: Respond) -> APIGatewayHttpRouter:
    router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]

    @router.get("/v1/support", responses=documented_responses(SupportInfo, cacheable=True, authenticated=False))
    def get_support(
        country: Annotated[str, Query(pattern=COUNTRY_CODE, description="ISO 3166-1 alpha-2 code, e.g. US, ES, GB.")],
    ) -> Response[str]:
        return respond(partial(support.support_for, country.upper()))

    @router.get("/v1/guides", responses=documented_responses(GuideList, cacheable=True, authenticated=False))
    def list_guides() -> Response[str]:
        return respond(guides.list_guides)

    @router.get(
        "/v1/guides/<guide_id>",
        responses=documented_responses(Guide, HTTPStatus.NOT_FOUND, cacheable=True, authenticated=False),
    )
    def get_guide(guide_id: CatalogId) -> Response[str]:
        return respond(partial(guides.get_guide, guide_id))

    @router.get("/v1/programs", responses=documented_responses(ProgramList, cacheable=True, authenticated=False))
    def list_programs() -> Response[str]:
        return respond(programs.list_programs)

    @router.get(
        "/v1/programs/<program_id>",
        responses=documented_responses(Program, HTTPStatus.NOT_FOUND, cacheable=True, authenticated=False),
    )
    def get_program(program_id: CatalogId) -> Response[str]:
        return respond(partial(programs.get_program, program_id))

    return router
