"""boto3's own CPU per DynamoDB request, the floor under the sender's CPU per reminder:
`python -m bench.request_cpu <config.json>`, in a fresh process. Prints JSON.

A canned HTTP/1.1 server in a process of its own answers every request with the same small item at
once, so what is timed is the client's work alone (serializing, signing, the HTTP exchange, parsing):
the CPU time of the calling thread.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any

REQUESTS = 1000
_ITEM = json.dumps(
    {"Item": {"pk": {"S": "USER#bench"}, "sk": {"S": "DELIVERY"}, "d_2026-12-06": {"N": "2"}, "cap": {"N": "3"}}}
).encode()


class _CannedDynamoDB(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection, as DynamoDB does
    disable_nagle_algorithm = True  # else the body waits on the client's delayed ACK (40 ms)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(_ITEM)))
        self.end_headers()
        self.wfile.write(_ITEM)

    def log_message(self, *_: Any) -> None:
        pass


def _serve(port_to: Connection) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CannedDynamoDB)
    port_to.send(server.server_port)
    server.serve_forever()


def main() -> None:
    receiving, sending = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=_serve, args=(sending,), daemon=True)
    server.start()
    port = receiving.recv()
    # The functions' own client, as they build it (credentials and region from the bench's environment),
    # sent to the canned server: boto3 reads a service's endpoint from AWS_ENDPOINT_URL_<SERVICE>.
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://127.0.0.1:{port}"
    from selfkind.data.clients import dynamodb_client

    client = dynamodb_client()
    key = {"pk": {"S": "USER#bench"}, "sk": {"S": "DELIVERY"}}
    for _ in range(100):  # warm: the connection, botocore's caches
        client.get_item(TableName="bench", Key=key, ConsistentRead=True)
    began = time.thread_time()
    for _ in range(REQUESTS):
        client.get_item(TableName="bench", Key=key, ConsistentRead=True)
    ms = (time.thread_time() - began) * 1000 / REQUESTS
    server.terminate()
    print(json.dumps({"ms_per_request": ms}))


if __name__ == "__main__":
    main()
