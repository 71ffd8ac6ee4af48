"""The local stack's embedded DynamoDB keeps every acknowledged write when transactions run concurrently
and some are cancelled, as DynamoDB does (moto alone restores a stale copy of the table on cancel)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.aws import EmbeddedAws, local_table_name

WRITERS = 6
TRANSACTIONS_EACH = 15


@pytest.fixture(scope="module")
def embedded() -> Iterator[EmbeddedAws]:
    aws = EmbeddedAws.start()
    yield aws
    aws.stop()


def _put(table: str, pk: str, sk: str, condition: str | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": {"pk": {"S": pk}, "sk": {"S": sk}}}
    if condition:
        put["ConditionExpression"] = condition
    return {"Put": put}


def test_concurrent_transactions_lose_no_acknowledged_write(embedded: EmbeddedAws) -> None:
    table = local_table_name("Table")
    client = embedded.client("dynamodb")
    for start in range(0, 300, 25):  # a table with some items already, as after a while of use
        client.batch_write_item(
            RequestItems={
                table: [
                    {"PutRequest": {"Item": {"pk": {"S": "USER#x"}, "sk": {"S": f"F#{n}"}}}}
                    for n in range(start, start + 25)
                ]
            }
        )
    acknowledged: list[str] = []
    lock = threading.Lock()

    def write(writer: int) -> None:
        own = embedded.client("dynamodb")
        for number in range(TRANSACTIONS_EACH):
            sk = f"W#{writer}#{number}"
            items = [_put(table, "USER#w", sk), _put(table, "USER#w", f"{sk}#b")]
            own.transact_write_items(TransactItems=items)
            with lock:
                acknowledged.extend([sk, f"{sk}#b"])
            with contextlib.suppress(own.exceptions.TransactionCanceledException):  # one that is cancelled
                own.transact_write_items(
                    TransactItems=[_put(table, "USER#c", sk), _put(table, "USER#w", "never", "attribute_exists(nope)")]
                )

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = client.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "USER#w"}}
    )["Items"]
    assert sorted(item["sk"]["S"] for item in stored) == sorted(acknowledged)
    cancelled = client.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "USER#c"}}
    )["Items"]
    assert cancelled == []  # a cancelled transaction leaves nothing behind
