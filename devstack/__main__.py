"""`make run`: the whole stack on 127.0.0.1 in the foreground."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from http import HTTPStatus
from typing import Any

from devstack.auth import LocalIssuer
from devstack.aws import EmbeddedAws
from devstack.fcm import FcmStandIn
from devstack.fcm_faults import inject_fcm_faults
from devstack.gateway import Gateway, LocalProblem, serve
from devstack.lambda_api import LocalLambdaApi
from devstack.runtime import FunctionPool, function_environment, local_references
from devstack.template import REPO_ROOT, functions, http_routes, queue_visibility_timeout
from devstack.ticker import LocalTicker, MinutesBetweenTicks, TickTimeError


@cache
def _openapi_document() -> str:
    # Generated from the code in a separate process, where importing every function is harmless.
    return subprocess.run(
        [sys.executable, "-m", "devstack.openapi"], cwd=REPO_ROOT, check=True, capture_output=True, text=True
    ).stdout


def _done(action: Callable[[], None]) -> tuple[int, dict[str, Any]]:
    action()
    return 200, {}


# What the issuer sets itself: a body cannot override them (a token for another issuer, audience or time).
_RESERVED_CLAIMS = frozenset({"iss", "sub", "aud", "client_id", "iat", "exp", "token_use"})


def _token(issuer: LocalIssuer, body: dict[str, Any]) -> str:
    """`{"sub": "alice"}`: an ID token; with `"token_use": "access"`, a Cognito-style access token;
    `"claims": {...}` adds claims as another issuer would, e.g. Firebase Auth's
    `{"firebase": {"sign_in_provider": "anonymous"}}` before an upgrade and `"password"` after it."""
    extra = {name: value for name, value in dict(body.get("claims") or {}).items() if name not in _RESERVED_CLAIMS}
    return issuer.issue(str(body["sub"]), token_use=str(body.get("token_use", "id")), **extra)


def _tick(ticker: LocalTicker, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    try:
        return 200, ticker.tick(str(body["time"]))
    except TickTimeError as error:  # an earlier time than the last tick's, or no instant at all
        raise LocalProblem(HTTPStatus.BAD_REQUEST, str(error), field="time") from error


def build_stack(port: int) -> tuple[Gateway, EmbeddedAws, FcmStandIn, LocalLambdaApi]:
    started = time.monotonic()
    fcm = FcmStandIn.start()
    aws = EmbeddedAws.start(secret_values={"FirebaseServiceAccount": json.dumps(fcm.service_account)})
    references = local_references(aws.resource_names)
    pools: dict[str, FunctionPool] = {}
    lambda_api = LocalLambdaApi(pools).start()
    # Local-only configuration: functions invoke each other through the local Lambda API, firebase-admin
    # reaches the FCM stand-in instead of Google, and the sender runs at the local tick's time.
    everywhere = {"AWS_ENDPOINT_URL_LAMBDA": lambda_api.endpoint_url}
    # The ticks run in simulated time: a wall-clock hold after refused credentials would stall them.
    overrides = {
        "ReminderSenderFunction": {
            "FCM_URL_OVERRIDE": fcm.send_url_template,
            "FIREBASE_REFUSED_HOLD_SECONDS": "0",
            "LOCAL_TICK_CLOCK": "1",
        },
        # Share links point at this stack, not at an https host.
        "AccountFunction": {"PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"},
    }
    for name, function in functions().items():
        environment = function_environment(function, references, aws.endpoint_url, everywhere | overrides.get(name, {}))
        pools[name] = FunctionPool(function, environment)
    issuer = LocalIssuer(issuer=f"http://127.0.0.1:{port}/_local")
    gateway = Gateway(routes=http_routes(), pools=pools, issuer=issuer, openapi_document=_openapi_document)
    ticker = LocalTicker(
        pools=pools,
        lambda_api=lambda_api,
        sqs=aws.client("sqs"),
        queue_url=references["ReminderQueue"],
        queue_arn=references["ReminderQueue.Arn"],
        visibility_timeout=timedelta(seconds=queue_visibility_timeout("ReminderQueue")),
        between=MinutesBetweenTicks(
            aws.client("dynamodb"),
            references["Table"],
            int(pools["ReminderWorkerFunction"].environment["REMINDER_SHARDS"]),
        ),
    )
    gateway.local_routes |= {
        ("POST", "/_local/token"): lambda body: (200, {"token": _token(issuer, body)}),
        ("GET", "/_local/.well-known/jwks.json"): lambda _: (200, issuer.jwks()),
        ("GET", "/_local/.well-known/openid-configuration"): lambda _: (
            200,
            {"issuer": issuer.issuer, "jwks_uri": f"{issuer.issuer}/.well-known/jwks.json"},
        ),
        ("POST", "/_local/tick"): lambda body: _tick(ticker, body),
        ("GET", "/_local/tick"): lambda _: (200, {"last": ticker.last.isoformat() if ticker.last else None}),
        ("GET", "/_local/fcm/messages"): lambda _: (200, {"items": fcm.messages()}),
        ("DELETE", "/_local/fcm/messages"): lambda _: _done(fcm.clear),
        ("POST", "/_local/fcm/faults"): lambda body: inject_fcm_faults(fcm, body),
        ("DELETE", "/_local/fcm/faults"): lambda _: _done(fcm.clear_faults),
    }
    elapsed = time.monotonic() - started
    print(f"embedded AWS at {aws.endpoint_url}, FCM stand-in at {fcm.base_url}, {len(pools)} functions, {elapsed:.1f}s")
    return gateway, aws, fcm, lambda_api


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Selfkind stack locally.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    port = parser.parse_args().port
    gateway, aws, fcm, lambda_api = build_stack(port)
    server = serve(gateway, port)
    base = f"http://127.0.0.1:{port}"
    print(
        f"Selfkind local stack ready at {base}\n"
        f"  catalog:  curl {base}/v1/exercises\n"
        f'  a token:  curl -X POST {base}/_local/token -d \'{{"sub": "alice"}}\'\n'
        f"            then send it as 'Authorization: Bearer <token>'\n"
        f"  OpenAPI:  {base}/openapi.json\n"
        f'  reminders: curl -X POST {base}/_local/tick -d \'{{"time": "2027-03-14T08:00:00Z"}}\'\n'
        f"             then curl {base}/_local/fcm/messages\n"
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
        lambda_api.stop()
        aws.stop()
        fcm.stop()


if __name__ == "__main__":
    main()
