"""Builders of the events Lambda receives, shared by the gateway, the tests and events/*.json."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl


def http_api_event(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    route_key: str | None = None,
    path_parameters: dict[str, str] | None = None,
    claims: dict[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API payload format 2.0 event, as the service builds it."""
    headers = {name.lower(): value for name, value in (headers or {}).items()}
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        # HTTP APIs join repeated query parameters with commas.
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    raw_body = body.encode() if isinstance(body, str) else body
    is_text_body = raw_body is None or is_text(headers.get("content-type", "application/json"))
    now = time.time()
    request_context: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": "127.0.0.1",
        "domainPrefix": "local",
        "http": {
            "method": method.upper(),
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": route_key or f"{method.upper()} {path}",
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if claims is not None:
        request_context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": request_context["routeKey"],
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": request_context,
        "isBase64Encoded": False,
    }
    if parameters:
        event["queryStringParameters"] = parameters
    if path_parameters:
        event["pathParameters"] = path_parameters
    if raw_body is not None:
        event["body"] = raw_body.decode() if is_text_body else base64.b64encode(raw_body).decode()
        event["isBase64Encoded"] = not is_text_body
    return event


def is_text(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media.startswith("text/") or media.endswith("json") or media.endswith("xml")


def sqs_event(messages: list[dict[str, str]], queue_arn: str) -> dict[str, Any]:
    """An SQS event source batch, as Lambda's poller delivers it (messages: messageId, receiptHandle, body)."""
    now = str(int(time.time() * 1000))
    return {
        "Records": [
            {
                "messageId": message["messageId"],
                "receiptHandle": message["receiptHandle"],
                "body": message["body"],
                "attributes": {
                    "ApproximateReceiveCount": message.get("receiveCount", "1"),
                    "SentTimestamp": now,
                    "SenderId": "000000000000",
                    "ApproximateFirstReceiveTimestamp": now,
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
            for message in messages
        ]
    }


def scheduler_event(scheduled_time: str) -> dict[str, Any]:
    """What the template's ScheduleV2 sends: its Input with <aws.scheduler.scheduled-time> filled in."""
    return {"scheduled_time": scheduled_time}
