"""`make run`: the whole stack on 127.0.0.1 in the foreground."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from functools import cache

from devstack.auth import LocalIssuer
from devstack.aws import EmbeddedAws
from devstack.gateway import Gateway, serve
from devstack.runtime import FunctionPool, function_environment, local_references
from devstack.template import REPO_ROOT, functions, http_routes


@cache
def _openapi_document() -> str:
    # Generated from the code in a separate process, where importing every function is harmless.
    return subprocess.run(
        [sys.executable, "-m", "devstack.openapi"], cwd=REPO_ROOT, check=True, capture_output=True, text=True
    ).stdout


def build_stack(port: int) -> tuple[Gateway, EmbeddedAws]:
    started = time.monotonic()
    aws = EmbeddedAws.start()
    references = local_references(aws.resource_names)
    pools = {
        name: FunctionPool(function, function_environment(function, references, aws.endpoint_url))
        for name, function in functions().items()
    }
    issuer = LocalIssuer(issuer=f"http://127.0.0.1:{port}/_local")
    gateway = Gateway(routes=http_routes(), pools=pools, issuer=issuer, openapi_document=_openapi_document)
    gateway.local_routes[("POST", "/_local/token")] = lambda body: (
        200,
        {"token": issuer.issue(str(body["sub"]))},
    )
    print(f"embedded AWS at {aws.endpoint_url}, {len(pools)} functions, in {time.monotonic() - started:.1f}s")
    return gateway, aws


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Selfkind stack locally.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    port = parser.parse_args().port
    gateway, aws = build_stack(port)
    server = serve(gateway, port)
    base = f"http://127.0.0.1:{port}"
    print(
        f"Selfkind local stack ready at {base}\n"
        f"  catalog:  curl {base}/v1/exercises\n"
        f'  a token:  curl -X POST {base}/_local/token -d \'{{"sub": "alice"}}\'\n'
        f"            then send it as 'Authorization: Bearer <token>'\n"
        f"  OpenAPI:  {base}/openapi.json\n"
        "Ctrl-C stops it.",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        for pool in gateway.pools.values():
            pool.stop()
        aws.stop()


if __name__ == "__main__":
    main()
