"""Keeps only the AWS services the functions call in a botocore tree: a client's cold start reads less.

Creating a client makes botocore list every service it ships (a directory walk over about 450 of them)
and parse endpoints.json (1.2 MB, every service in every partition). With only the services below,
creating the DynamoDB client takes about 27 ms instead of 65 ms on the bench machine (`make bench`).

Run by the DependenciesLayer's build (layers/deps/Makefile) on the layer it built, and by the local
stack and `make bench` on a copy of the project's own botocore, so what is tested and measured is what
is deployed: a function calling a service left out here fails its end-to-end tests with
UnknownServiceError. Standard library only: the layer build runs it with a bare python3.13.

Usage: python slim_botocore.py <botocore package directory>
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

# Service (the name boto3.client takes) -> who creates its client.
KEPT_SERVICES = {
    "dynamodb": "every repository (selfkind.data) and the idempotency utility",
    "sqs": "the reminder worker and sender (selfkind.adapters.sqs)",
    "lambda": "the scheduler's invokes of the worker (selfkind.adapters.lambda_invoker)",
    "secretsmanager": "the sender's Firebase credentials (selfkind.adapters.secrets)",
    "xray": "the X-Ray SDK's sampling-rule poller, under active tracing",
}


def _endpoint_prefix(service_dir: Path) -> str:
    """The key endpoints.json files the service under (its metadata's endpointPrefix)."""
    latest = sorted(path for path in service_dir.iterdir() if path.is_dir())[-1]
    model = latest / "service-2.json.gz"
    text = gzip.decompress(model.read_bytes()) if model.exists() else (latest / "service-2.json").read_bytes()
    prefix: str = json.loads(text)["metadata"]["endpointPrefix"]
    return prefix


def slim(botocore_dir: Path) -> None:
    data = botocore_dir / "data"
    for entry in data.iterdir():
        if entry.is_dir() and entry.name not in KEPT_SERVICES:
            shutil.rmtree(entry)
    missing = sorted(name for name in KEPT_SERVICES if not (data / name).is_dir())
    if missing:
        raise SystemExit(f"botocore at {botocore_dir} has no model for {', '.join(missing)}")
    prefixes = {_endpoint_prefix(data / name) for name in KEPT_SERVICES}
    endpoints_file = data / "endpoints.json"
    endpoints = json.loads(endpoints_file.read_text())
    for partition in endpoints["partitions"]:
        partition["services"] = {name: service for name, service in partition["services"].items() if name in prefixes}
    endpoints_file.write_text(json.dumps(endpoints, separators=(",", ":")))


if __name__ == "__main__":
    slim(Path(sys.argv[1]))
