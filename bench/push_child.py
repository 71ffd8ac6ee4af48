"""One push-delivery run in a fresh process:
`python -m bench.push_child <sender|send_each|send_each_async> <config.json>`.

Prints JSON: messages per second, the process's CPU per message (the sampler's own excluded), peak
threads and peak memory growth while sending.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _threads() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


class _Peaks:
    """Samples the process's OS threads and resident memory every millisecond."""

    def __init__(self) -> None:
        self.threads = 0
        self.rss_kib = 0
        self.cpu_seconds = 0.0  # the sampler's own, taken out of the process's
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.threads = max(self.threads, _threads() - 1)  # not counting the sampler itself
            self.rss_kib = max(self.rss_kib, _rss_kib())
            time.sleep(0.001)
        self.cpu_seconds = time.thread_time()

    def __enter__(self) -> _Peaks:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    variant, config_path = sys.argv[1], sys.argv[2]
    config: dict[str, Any] = json.loads(Path(config_path).read_text())
    warnings.simplefilter("ignore")
    from firebase_admin import messaging

    from selfkind.adapters.firebase_push import FirebasePushGateway, to_message
    from selfkind.domain.ports.push import Push

    pushes = [
        Push(
            notification_id=f"n{n}",
            device_id=f"d{n}",
            fid=f"fid-bench-{n:05d}",
            token=None,
            title="A kind word for you",
            body="You are allowed to rest.",
            data={"type": "affirmation", "notification_id": f"n{n}"},
            kind="affirmation",
        )
        for n in range(config["messages"])
    ]
    gateway = FirebasePushGateway(lambda: config["service_account"], fcm_url=config["send_url_template"])
    gateway.prepare()
    gateway.send_all(pushes[:1])  # warm: the app, the OAuth token and the connection exist before timing
    app = gateway._app
    baseline_rss = _rss_kib()
    with _Peaks() as peaks:
        started = time.perf_counter()
        cpu_started = time.process_time()
        if variant == "sender":
            results = gateway.send_all(pushes)
            delivered = sum(result.outcome.value == "delivered" for result in results.values())
        elif variant == "send_each":
            batch = messaging.send_each([to_message(push) for push in pushes], app=app)
            delivered = batch.success_count
        else:  # firebase-admin's asyncio client over httpx
            messages = [to_message(push) for push in pushes]
            batch = asyncio.run(messaging.send_each_async(messages, app=app))
            delivered = batch.success_count
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    cpu -= peaks.cpu_seconds
    print(
        json.dumps(
            {
                "delivered": delivered,
                "seconds": elapsed,
                "per_second": delivered / elapsed,
                "cpu_ms_per_message": cpu * 1000 / len(pushes),
                "peak_threads": peaks.threads,
                "peak_rss_growth_mib": (peaks.rss_kib - baseline_rss) / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
