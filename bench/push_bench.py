"""The sender's delivery beside firebase-admin's own send_each: 500 messages to the FCM stand-in with
50 ms injected latency, each in a fresh process, measured in the same run."""

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
    finally:
        standin.stop()
    print(
        f"\nPush delivery: {MESSAGES} messages to the FCM stand-in with {LATENCY_SECONDS * 1000:.0f} ms latency "
        f"(median of {RUNS} fresh processes each)"
    )
    print(f"  {'':<28}{'msg/s':>8}{'peak threads':>14}{'peak MiB':>10}")
    for label, figures in ((f"sender ({MAX_SENDING_THREADS} threads)", ours), ("firebase-admin send_each", theirs)):
        print(
            f"  {label:<28}{figures['per_second']:>8.0f}{figures['peak_threads']:>14.0f}"
            f"{figures['peak_rss_growth_mib']:>10.1f}"
        )
    ratio = ours["per_second"] / theirs["per_second"]
    met = ratio >= 2 and ours["peak_threads"] <= 64 and ours["peak_rss_growth_mib"] <= theirs["peak_rss_growth_mib"]
    print(
        f"  throughput {ratio:.1f}x send_each (goal >= 2x with <= 64 threads and no more memory: "
        f"{'met' if met else 'MISSED'})"
    )
