"""The template's table in moto (in process), for the benchmarks that count DynamoDB requests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto import mock_aws

from devstack.aws import LOCAL_REGION, create_tables


@contextmanager
def moto_table() -> Iterator[tuple[Any, str]]:
    """Yields a DynamoDB client and the table's name."""
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": LOCAL_REGION}
    )
    with mock_aws():
        client = boto3.client("dynamodb", region_name=LOCAL_REGION)
        yield client, create_tables(client)["Table"]


def batch_put(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    """Seeds items 25 at a time (moto copies the whole table per transaction, so no pushes here)."""
    for start in range(0, len(items), 25):
        client.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]})
