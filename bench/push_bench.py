"""The sender's delivery beside firebase-admin's own send_each and send_each_async (its asyncio client,
over httpx): 500 messages to the FCM stand-in with 50 ms injected latency, each in a fresh process,
measured in the same run."""

from __future__ import annotations

from bench.child import run_child
from devstack.fcm import FcmStandIn
from selfkind.adapters.firebase_push import MAX_SENDING_THREADS

MESSAGES = 500
LATENCY_SECONDS = 0.05
RUNS = 3


def _median_run(variant: str, config: dict[str, object]) -> dict[str, float]:
    runs = [run_child("bench.push_child", [variant], config, {}) for _ in range(RUNS)]
    ordered: list[dict[str, float]] = sorted(runs, key=lambda r: r["per_second"])
    return ordered[len(ordered) // 2]


def run() -> None:
    standin = FcmStandIn.start(latency_seconds=LATENCY_SECONDS)
    try:
        config: dict[str, object] = {
            "messages": MESSAGES,
            "service_account": standin.service_account,
            "send_url_template": standin.send_url_template,
        }
        ours = _median_run("sender", config)
        theirs = _median_run("send_each", config)
        theirs_async = _median_run("send_each_async", config)
    finally:
        standin.stop()
    print(
        f"\nPush delivery: {MESSAGES} messages to the FCM stand-in with {LATENCY_SECONDS * 1000:.0f} ms latency "
        f"(median of {RUNS} fresh processes each)"
    )
    print(f"  {'':<34}{'msg/s':>8}{'CPU ms/msg':>12}{'peak threads':>14}{'peak MiB':>10}")
    rows = (
        (f"sender ({MAX_SENDING_THREADS} threads)", ours),
        ("firebase-admin send_each", theirs),
        ("firebase-admin send_each_async", theirs_async),
    )
    for label, figures in rows:
        print(
            f"  {label:<34}{figures['per_second']:>8.0f}{figures['cpu_ms_per_message']:>12.2f}"
            f"{figures['peak_threads']:>14.0f}{figures['peak_rss_growth_mib']:>10.1f}"
        )
    ratio = ours["per_second"] / theirs["per_second"]
    met = ratio >= 2 and ours["peak_threads"] <= 64 and ours["peak_rss_growth_mib"] <= theirs["peak_rss_growth_mib"]
    print(
        f"  throughput {ratio:.1f}x send_each (goal >= 2x with <= 64 threads and no more memory: "
        f"{'met' if met else 'MISSED'})"
    )
    print(
        f"  send_each_async: {theirs_async['cpu_ms_per_message'] / ours['cpu_ms_per_message']:.1f}x the sender's CPU "
        "per message (HTTP/1.1 here: the stand-in speaks no HTTP/2, so its multiplexing is not measured)"
    )
