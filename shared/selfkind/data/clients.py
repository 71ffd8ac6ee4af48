"""AWS clients, created on first use and cached per container (never at import time)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from selfkind.once import built_once

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

# Lambda runs close to DynamoDB: fail fast and let the standard retry mode handle throttling. The tick's
# workers and the sender call it from up to 16 threads: a pool that keeps their connections (urllib3's
# default of 10 would open, and drop, one more each time).
_DYNAMODB_CONFIG = Config(
    connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 4}, max_pool_connections=32
)


@built_once
def dynamodb_client() -> DynamoDBClient:
    return boto3.client("dynamodb", config=_DYNAMODB_CONFIG)
