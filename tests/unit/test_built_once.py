"""A client factory called first from many threads at once builds one client."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from selfkind.once import built_once


def test_sixteen_threads_asking_at_once_share_one_build() -> None:
    builds: list[object] = []
    start = threading.Barrier(16)

    @built_once
    def client() -> object:
        time.sleep(0.05)  # as long as building a boto3 client takes, so the threads overlap
        built = object()
        builds.append(built)
        return built

    def first_call(_: int) -> object:
        start.wait()
        return client()

    with ThreadPoolExecutor(16) as pool:
        clients = list(pool.map(first_call, range(16)))

    assert len(builds) == 1
    assert all(c is builds[0] for c in clients)
    client.cache_clear()
    assert client() is not builds[0]
    assert len(builds) == 2
