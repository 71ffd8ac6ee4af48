"""What every route of the API says the same way: the JWT requirement, the problems a write can answer,
and the catalog's ids in a path."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

# The API Gateway JWT authorizer's scheme (devstack.openapi declares it): a route with it needs a token.
JWT: list[dict[str, list[str]]] = [{"jwt": []}]
# What a write can answer besides its success: a conflict or the account erased meanwhile (409), over a
# limit (413), not JSON (415). An authenticated route also answers 503 (problems.documented_responses).
WRITE_PROBLEMS = (HTTPStatus.CONFLICT, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
# A catalog id (exercise, guide, program, prompt) in a path: a slug of its words.
CatalogId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,80}$")]
