"""The catalog function's routes for the content behind a person's own progress: journaling prompts and
the self-compassion check-in's instrument (the SCS-SF). All public and cacheable, like the care routes.

A Powertools router the catalog function includes, as the care routes are: the handler hands in how it
answers (language negotiation and ETag caching), and each route names only the domain function it calls.
"""

from __future__ import annotations

from functools import partial
from http import HTTPStatus
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from selfkind.api.caching import Respond
from selfkind.api.conventions import CatalogId
from selfkind.api.problems import documented_responses
from selfkind.domain import instruments, prompts
from selfkind.models.catalog import Technique
from selfkind.models.instruments import Instrument
from selfkind.models.prompts import Prompt, PromptFilter, PromptList, PromptTheme

_BOOLEAN = {"true": True, "false": False}


def progress_content_router(respond: Respond) -> APIGatewayHttpRouter:
    router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]

    @router.get("/v1/prompts", responses=documented_responses(PromptList, cacheable=True, authenticated=False))
    def list_prompts(
        technique: Annotated[Technique | None, Query()] = None,
        theme: Annotated[PromptTheme | None, Query()] = None,
        # Exactly true or false: a value such as `yes` is a 400, not a guess.
        for_hard_moments: Annotated[Literal["true", "false"] | None, Query()] = None,
    ) -> Response[str]:
        wanted = PromptFilter(
            technique=technique,
            theme=theme,
            for_hard_moments=None if for_hard_moments is None else _BOOLEAN[for_hard_moments],
        )
        return respond(partial(prompts.list_prompts, wanted))

    @router.get(
        "/v1/prompts/<prompt_id>",
        responses=documented_responses(Prompt, HTTPStatus.NOT_FOUND, cacheable=True, authenticated=False),
    )
    def get_prompt(prompt_id: CatalogId) -> Response[str]:
        return respond(partial(prompts.get_prompt, prompt_id))

    @router.get(
        "/v1/instruments/scs-sf",
        responses=documented_responses(Instrument, cacheable=True, authenticated=False),
        description="The Self-Compassion Scale, Short Form: its 12 items verbatim, anchors, reverse keys, scoring "
        "and citation. Served in a language only where a published, validated version exists; otherwise in "
        "English with `language_note` in the language asked for, and Content-Language `en`.",
    )
    def get_scs_sf() -> Response[str]:
        return respond(instruments.get_scs_sf)

    return router
