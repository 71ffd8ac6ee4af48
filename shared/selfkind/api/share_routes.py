"""The account function's share routes: the user's shares (JWT), and the page a share's link opens
(public: the link's secret is the only key).

The page answers HTML, or the same content as JSON for `Accept: application/json` (clinicians' tools).
An unknown, revoked or malformed link is one and the same 404 page; an expired one, a kind 410 page.
Views are counted per outcome (metric SharePageViews, dimension `outcome`); nothing about the viewer is
kept or logged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from selfkind.api.auth import current_user_id
from selfkind.api.conventions import JWT, WRITE_PROBLEMS
from selfkind.api.negotiation import negotiate_language
from selfkind.api.problems import documented_responses
from selfkind.domain import shares
from selfkind.domain.ports.progress import RollupReader
from selfkind.domain.ports.shares import ShareStore
from selfkind.domain.ports.sync import OwnRecords
from selfkind.models.exceptions import NotFoundError, ShareExpiredError
from selfkind.models.shares import ShareCreated, ShareId, ShareList, SharePage, ShareRequest
from selfkind.observability import emit_counts

SharePageToken = Annotated[str, Path(max_length=200, description="The secret the link carries.")]
_HTML = "text/html; charset=utf-8"


def _page_responses() -> dict[int, Any]:
    """The page's own answers (HTML), and the problems any route can answer (400, 429, 500, and 503 as
    it reads the user's data)."""
    html: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
        _HTML: {"schema": {"type": "string"}}
    }
    responses = documented_responses(SharePage, HTTPStatus.SERVICE_UNAVAILABLE, authenticated=False)
    responses[200] = {
        "description": "The page (HTML), or its content as JSON for Accept: application/json",
        "content": {**html, "application/json": {"model": SharePage}},
    }
    responses[404] = {"description": "The same page for an unknown, revoked or malformed link", "content": html}
    responses[410] = {"description": "The link has expired", "content": html}
    return dict(responses)


def share_router(
    store: ShareStore,
    rollups: RollupReader,
    records: OwnRecords,
    base_url: Callable[[], str],
    metrics: Metrics,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> APIGatewayHttpRouter:
    router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]

    def json_response(status: int, body: str, **headers: str) -> Response[str]:
        return Response(
            status, content_type="application/json", body=body, headers={"Cache-Control": "no-store", **headers}
        )

    created_responses = documented_responses(ShareCreated, *WRITE_PROBLEMS)
    created_responses[201] = {**created_responses.pop(200), "description": "Created: the link, this once"}

    @router.post("/v1/shares", security=JWT, responses=created_responses, status_code=201)
    def create_share(request: Annotated[ShareRequest, Body()]) -> Response[str]:
        user_id = current_user_id(router.current_event)
        created = shares.create_share(store, user_id, request, base_url(), clock())
        return json_response(201, created.model_dump_json())

    @router.get("/v1/shares", security=JWT, responses=documented_responses(ShareList))
    def list_shares() -> Response[str]:
        return json_response(200, shares.list_shares(store, current_user_id(router.current_event)).model_dump_json())

    @router.delete("/v1/shares/<share_id>", security=JWT, responses=documented_responses(None, HTTPStatus.NOT_FOUND))
    def revoke_share(share_id: Annotated[ShareId, Path()]) -> Response[str]:
        shares.revoke_share(store, current_user_id(router.current_event), share_id)
        return Response(204, body="", headers={"Cache-Control": "no-store"})

    @router.get("/s/<token>", responses=_page_responses())
    def share_page(token: SharePageToken) -> Response[str]:
        # The page's reading and rendering (the insights, the catalog's content): only this route pays them.
        from selfkind.api import share_page as page
        from selfkind.domain import share_viewing

        wants_json = "application/json" in (router.current_event.headers.get("accept") or "")
        try:
            content = share_viewing.open_share(store, rollups, records, token, clock())
        except NotFoundError:
            return unopened_page(metrics, router.current_event, expired=False)
        except ShareExpiredError:
            return unopened_page(metrics, router.current_event, expired=True)
        emit_counts(metrics, "SharePageViews", {(("outcome", "shown"),): 1})
        if wants_json:
            return Response(
                200, content_type="application/json", body=content.model_dump_json(), headers=page.SHARE_HEADERS
            )
        headers = {**page.SHARE_HEADERS, "Content-Language": content.language, "Vary": "Accept"}
        return Response(200, content_type=_HTML, body=page.render_share_page(content), headers=headers)

    return router


def unopened_page(metrics: Metrics, event: BaseProxyEvent, *, expired: bool) -> Response[str]:
    """The one 404 page for every link that opens nothing (unknown, revoked or malformed, even one the
    router could not route), and the kind 410 page for an expired one."""
    from selfkind.api import share_page as page

    emit_counts(metrics, "SharePageViews", {(("outcome", "expired" if expired else "not_found"),): 1})
    status = HTTPStatus.GONE if expired else HTTPStatus.NOT_FOUND
    # The share, which holds its language, is not known here: the browser's.
    language = negotiate_language(event.headers.get("accept-language")).value
    body = page.message_page(language, "expired" if expired else "not_found")
    return Response(status.value, content_type=_HTML, body=body, headers=page.SHARE_HEADERS)
