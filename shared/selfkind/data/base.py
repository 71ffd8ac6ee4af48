"""What every repository shares: the table, a lazily created client, and paging through a query."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from selfkind.data.clients import dynamodb_client
from selfkind.data.keys import user_pk

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient


class Repository:
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self._table_name = table_name
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        return self._client or dynamodb_client()

    def _key(self, user_id: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": user_pk(user_id)}, "sk": {"S": sk}}

    def _query_all(self, **query: Any) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {"TableName": self._table_name, **query}
        while True:
            page = self.client.query(**request)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _items_with_prefix(self, user_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        yield from self._query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": user_pk(user_id)}, ":prefix": {"S": prefix}},
            ConsistentRead=True,
        )
