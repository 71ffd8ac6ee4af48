"""Embedded AWS: moto in server mode, with the resources template.yaml declares."""

from __future__ import annotations

import json
import logging
import socket
import threading
import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from devstack import embedded_dynamodb
from devstack.template import dynamodb_tables, load_template, resources_of_type

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


def local_client(service: str, endpoint_url: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 (moto accepts any key)
    )


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


def create_queues(sqs: Any, template: dict[str, Any] | None = None) -> dict[str, str]:
    """Creates every AWS::SQS::Queue; returns references: logical id -> URL, "<id>.Arn" -> ARN."""
    references: dict[str, str] = {}
    queues = resources_of_type(template or load_template(), "AWS::SQS::Queue")
    for logical_id, resource in queues.items():
        attributes = {
            name: str(value)
            for name, value in resource.get("Properties", {}).items()
            if name in ("VisibilityTimeout", "MessageRetentionPeriod")
        }
        url = sqs.create_queue(QueueName=f"selfkind-local-{logical_id}", Attributes=attributes)["QueueUrl"]
        references[logical_id] = url
        references[f"{logical_id}.Arn"] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
    for logical_id, resource in queues.items():
        redrive = resource.get("Properties", {}).get("RedrivePolicy")
        if redrive:
            target = ".".join(redrive["deadLetterTargetArn"]["Fn::GetAtt"])
            policy = {"deadLetterTargetArn": references[target], "maxReceiveCount": redrive["maxReceiveCount"]}
            sqs.set_queue_attributes(QueueUrl=references[logical_id], Attributes={"RedrivePolicy": json.dumps(policy)})
    return references


def create_secrets(
    secretsmanager: Any, values: dict[str, str], template: dict[str, Any] | None = None
) -> dict[str, str]:
    """Creates every AWS::SecretsManager::Secret with the local value given for it; logical id -> ARN."""
    references = {}
    for logical_id in resources_of_type(template or load_template(), "AWS::SecretsManager::Secret"):
        created = secretsmanager.create_secret(Name=f"selfkind-local-{logical_id}", SecretString=values[logical_id])
        references[logical_id] = created["ARN"]
    return references


def serve_moto(port: int) -> BaseWSGIServer:
    """moto in server mode on a thread, its DynamoDB as safe under concurrency as the real one."""
    embedded_dynamodb.install()
    app = embedded_dynamodb.SerialisedRequests(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class EmbeddedAws:
    endpoint_url: str
    resource_names: dict[str, str]
    server: BaseWSGIServer

    @classmethod
    def start(cls, secret_values: dict[str, str] | None = None) -> EmbeddedAws:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per AWS call
        port = free_port()
        server = serve_moto(port)
        endpoint_url = f"http://127.0.0.1:{port}"
        names = create_tables(local_client("dynamodb", endpoint_url))
        names |= create_queues(local_client("sqs", endpoint_url))
        if secret_values is not None:
            names |= create_secrets(local_client("secretsmanager", endpoint_url), secret_values)
        return cls(endpoint_url=endpoint_url, resource_names=names, server=server)

    def client(self, service: str) -> Any:
        return local_client(service, self.endpoint_url)

    def stop(self) -> None:
        # moto's backends are global to the process: forget everything, so the next EmbeddedAws starts empty.
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST"))  # noqa: S310
        self.server.shutdown()
