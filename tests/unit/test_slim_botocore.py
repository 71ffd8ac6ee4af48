"""The DependenciesLayer's botocore keeps the services the functions call, and only those."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from devstack.layer_botocore import layer_botocore_path
from devstack.template import REPO_ROOT
from layers.deps.slim_botocore import KEPT_SERVICES

_CREATE_CLIENTS = (
    "import json, sys, boto3, botocore\n"
    "from botocore.exceptions import UnknownServiceError\n"
    "result = {'botocore': botocore.__file__}\n"
    "for name in sys.argv[1:]:\n"
    "    try:\n"
    "        boto3.client(name, region_name='eu-west-1', aws_access_key_id='a', aws_secret_access_key='b')\n"
    "        result[name] = 'created'\n"
    "    except UnknownServiceError:\n"
    "        result[name] = 'unknown'\n"
    "print(json.dumps(result))\n"
)


def _clients_on_the_layer(*services: str) -> dict[str, str]:
    output = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", _CREATE_CLIENTS, *services],
        env={**os.environ, "PYTHONPATH": layer_botocore_path()},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, str] = json.loads(output)
    return result


def _services_the_code_creates() -> set[str]:
    """The first argument of every boto3.client(...) call in the functions and the selfkind package."""
    names: set[str] = set()
    for source in [*(REPO_ROOT / "shared").rglob("*.py"), *(REPO_ROOT / "functions").rglob("*.py")]:
        for node in ast.walk(ast.parse(source.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "client"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "boto3"
            ):
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{source}: a client whose service is not a literal"
                assert isinstance(first.value, str)
                names.add(first.value)
    return names


def test_every_service_the_code_creates_a_client_for_is_kept() -> None:
    created = _services_the_code_creates()
    assert {"dynamodb", "sqs", "lambda", "secretsmanager"} <= created  # the scan finds the calls
    assert created <= set(KEPT_SERVICES)


def test_the_slimmed_botocore_creates_the_kept_clients_and_knows_no_other_service() -> None:
    result = _clients_on_the_layer(*KEPT_SERVICES, "s3", "ssm")
    assert Path(result.pop("botocore")).is_relative_to(layer_botocore_path())
    assert result == {**dict.fromkeys(KEPT_SERVICES, "created"), "s3": "unknown", "ssm": "unknown"}


def test_endpoints_keep_only_the_kept_services_in_every_partition() -> None:
    endpoints = json.loads((Path(layer_botocore_path()) / "botocore" / "data" / "endpoints.json").read_text())
    for partition in endpoints["partitions"]:
        assert set(partition["services"]) <= {"dynamodb", "sqs", "lambda", "secretsmanager", "xray"}
    (aws,) = [partition for partition in endpoints["partitions"] if partition["partition"] == "aws"]
    assert {"dynamodb", "sqs", "lambda", "secretsmanager"} <= set(aws["services"])
