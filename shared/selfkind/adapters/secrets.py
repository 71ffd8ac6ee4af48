"""Secrets Manager: read once per container and cached."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import boto3


@cache
def secret_json(secret_id: str) -> dict[str, Any]:
    client = boto3.client("secretsmanager")
    value: dict[str, Any] = json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
    return value
