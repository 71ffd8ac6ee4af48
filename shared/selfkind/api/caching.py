"""Cacheable JSON representations: strong ETag, If-None-Match, Cache-Control, Vary."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel

from selfkind.models.catalog import InLanguage
from selfkind.models.language import Language

# How the catalog function answers a public route: it negotiates the language, calls the answer with it, and
# sends the result with its ETag (or a 304). Routes registered from other modules are handed this callable.
Respond = Callable[[Callable[[Language], BaseModel]], Response[str]]


def entity_tag(language: Language, body: str) -> str:
    digest = hashlib.sha256(f"{language.value}\n{body}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def _matches_any(if_none_match: str, etag: str) -> bool:
    # If-None-Match uses the weak comparison (RFC 9110 section 13.1.2): W/ prefixes are ignored.
    candidates = {candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def localized_json_response(
    model: BaseModel, language: Language, if_none_match: str | None, max_age_seconds: int
) -> Response[str]:
    body = model.model_dump_json()
    etag = entity_tag(language, body)
    # The language of the text: the one negotiated, unless the answer says it is in another.
    content_language = model.language if isinstance(model, InLanguage) else language
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age_seconds}",
        "Vary": "Accept-Language",
        "Content-Language": content_language.value,
    }
    if if_none_match and _matches_any(if_none_match, etag):
        return Response(status_code=HTTPStatus.NOT_MODIFIED.value, headers=headers, body="")
    return Response(status_code=HTTPStatus.OK.value, content_type="application/json", headers=headers, body=body)
