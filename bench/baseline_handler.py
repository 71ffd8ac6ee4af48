"""The baseline cold start: a handler that only imports boto3 and the Powertools Logger."""

from typing import Any

import boto3  # noqa: F401  (the import is what is measured)
from aws_lambda_powertools import Logger

logger = Logger(service="baseline")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "{}"}
