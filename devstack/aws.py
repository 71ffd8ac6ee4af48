"""Embedded AWS: moto in server mode, with the resources template.yaml declares."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from devstack.template import dynamodb_tables, load_template

LOCAL_REGION = "us-east-1"
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
}
_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",
    "BillingMode",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def local_table_name(logical_id: str) -> str:
    return f"selfkind-local-{logical_id}"


def create_tables(dynamodb: Any, template: dict[str, Any] | None = None) -> dict[str, str]:
    """Creates every AWS::DynamoDB::Table of the template; returns logical id -> table name."""
    names = {}
    for logical_id, resource in dynamodb_tables(template or load_template()).items():
        props = resource["Properties"]
        name = local_table_name(logical_id)
        dynamodb.create_table(TableName=name, **{key: props[key] for key in _TABLE_KEYS if key in props})
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        names[logical_id] = name
    return names


@dataclass
class EmbeddedAws:
    endpoint_url: str
    resource_names: dict[str, str]
    server: ThreadedMotoServer

    @classmethod
    def start(cls) -> EmbeddedAws:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per AWS call
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        endpoint_url = f"http://127.0.0.1:{port}"
        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=endpoint_url,
            region_name=LOCAL_REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 (moto accepts any key)
        )
        return cls(endpoint_url=endpoint_url, resource_names=create_tables(dynamodb), server=server)

    def stop(self) -> None:
        self.server.stop()
