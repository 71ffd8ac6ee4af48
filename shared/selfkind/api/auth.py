"""Who is calling: always the `sub` claim the API Gateway JWT authorizer verified.

A subject is taken only when it is text of at most MAX_SUBJECT_BYTES in UTF-8 (a lone UTF-16 surrogate
cannot be encoded, so it is not). API Gateway passes any `sub` a trusted issuer signed, and real issuers
mint short ASCII ones; this is a defence on our side: the subject is the user's partition key, DynamoDB
refuses keys over 2,048 bytes, and text that is not UTF-8 cannot be stored. The resolver checks it before
any handler (or any validation) runs on a route that needs a token (selfkind.api.resolver).
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from selfkind.models.exceptions import UnauthenticatedError

MAX_SUBJECT_BYTES = 1024


def current_user_id(event: APIGatewayProxyEventV2) -> str:
    authorizer = event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    subject = claims.get("sub") if claims else None
    if not isinstance(subject, str) or not subject:
        # API Gateway never lets such a request through; this guards a misconfigured route.
        raise UnauthenticatedError("A verified token with a subject is required.")
    try:
        size = len(subject.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: not UTF-8 text
        raise UnauthenticatedError("The token's subject is not one this API accepts.") from None
    if size > MAX_SUBJECT_BYTES:
        raise UnauthenticatedError("The token's subject is not one this API accepts.")
    return subject
