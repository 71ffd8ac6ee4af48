"""Idempotency records live in the user's own partition, never in one partition shared by the whole app."""

from __future__ import annotations

from typing import Any

from devstack.lambda_context import LocalLambdaContext
from selfkind.adapters.idempotency import RequestFingerprint, run_once


class RecordingDynamoDB:
    """Keeps items in a dict keyed by (pk, sk) and records each key written."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.keys_written: list[tuple[str, str]] = []

    @staticmethod
    def _key(key: dict[str, Any]) -> tuple[str, str]:
        return key["pk"]["S"], key["sk"]["S"]

    def put_item(self, Item: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.keys_written.append(self._key(Item))
        self.items[self._key(Item)] = Item
        return {}

    def update_item(self, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.keys_written.append(self._key(Key))
        return {}

    def get_item(self, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        item = self.items.get(self._key(Key))
        return {"Item": item} if item else {}

    def delete_item(self, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.items.pop(self._key(Key), None)
        return {}


def _push_once(client: RecordingDynamoDB, user_id: str, key: str) -> None:
    run_once(
        lambda: {},
        table_name="table",
        user_id=user_id,
        key=key,
        request=RequestFingerprint("POST", "/v1/sync", "last_pulled_at=1", '{"changes": {}}'),
        expires_after_seconds=3600,
        lambda_context=LocalLambdaContext(),  # type: ignore[arg-type]
        client=client,  # type: ignore[arg-type]
    )


def test_each_users_idempotency_records_are_in_that_users_partition() -> None:
    client = RecordingDynamoDB()

    _push_once(client, "alice", "key-00000001")
    _push_once(client, "bob", "key-00000001")

    partitions = {pk for pk, _ in client.keys_written}
    assert partitions == {"USER#alice", "USER#bob"}
    assert all(sk.startswith("IDEMPOTENCY#") for _, sk in client.keys_written)
    alice_keys = {sk for pk, sk in client.keys_written if pk == "USER#alice"}
    bob_keys = {sk for pk, sk in client.keys_written if pk == "USER#bob"}
    assert len(alice_keys) == len(bob_keys) == 1
    assert alice_keys != bob_keys  # the same key from two users is two records


def test_the_fingerprint_covers_method_path_query_and_body() -> None:
    request = RequestFingerprint("POST", "/v1/sync", "last_pulled_at=1", '{"changes": {}}')
    others = [
        RequestFingerprint("PUT", "/v1/sync", "last_pulled_at=1", '{"changes": {}}'),
        RequestFingerprint("POST", "/v1/other", "last_pulled_at=1", '{"changes": {}}'),
        RequestFingerprint("POST", "/v1/sync", "last_pulled_at=9999999999999", '{"changes": {}}'),
        RequestFingerprint("POST", "/v1/sync", "last_pulled_at=1", '{"changes": {"a": 1}}'),
        RequestFingerprint("POST", "/v1/sync", "last_pulled_at=1{", '"changes": {}}'),  # the same bytes, split apart
    ]

    assert request.sha256() == RequestFingerprint("post", "/v1/sync", "last_pulled_at=1", '{"changes": {}}').sha256()
    assert len({request.sha256(), *(other.sha256() for other in others)}) == 1 + len(others)
