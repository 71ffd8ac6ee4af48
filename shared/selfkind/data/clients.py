"""AWS clients, created on first use and cached per container (never at import time)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

# Lambda runs close to DynamoDB: fail fast and let the standard retry mode handle throttling.
_DYNAMODB_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 4})


@cache
def dynamodb_client() -> DynamoDBClient:
    return boto3.client("dynamodb", config=_DYNAMODB_CONFIG)
