"""Who is calling: always the `sub` claim the API Gateway JWT authorizer verified."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from selfkind.models.exceptions import UnauthenticatedError


def current_user_id(event: APIGatewayProxyEventV2) -> str:
    authorizer = event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    subject = claims.get("sub") if claims else None
    if not isinstance(subject, str) or not subject:
        # API Gateway never lets such a request through; this guards a misconfigured route.
        raise UnauthenticatedError("A verified token with a subject is required.")
    return subject
