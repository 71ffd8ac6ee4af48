"""One sender measurement in a fresh process, against the embedded AWS and the FCM stand-in in the
parent (so their work is not counted): `python -m bench.sender_child <config.json>`.

Runs the sender's one pass (deliver_batch) with the real repositories and firebase-admin: a warm-up
batch first (clients, the Firebase app, an OAuth token), then one full batch, timed. Prints JSON.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def main() -> None:
    config: dict[str, Any] = json.loads(Path(sys.argv[1]).read_text())
    warnings.simplefilter("ignore")
    from selfkind.adapters.firebase_push import FirebasePushGateway
    from selfkind.data.device_repository import DeviceRepository
    from selfkind.data.erasure import EpochReader
    from selfkind.data.notification_repository import NotificationRepository
    from selfkind.data.profile_repository import ProfileRepository
    from selfkind.data.reminder_repository import ReminderRepository
    from selfkind.data.rollup_repository import RollupRepository
    from selfkind.data.sync_repository import SyncRepository
    from selfkind.domain.delivery import deliver_batch
    from selfkind.domain.ports.lease import Lease
    from selfkind.domain.ports.stores import DeliveryStores

    table = config["table"]
    stores = DeliveryStores(
        EpochReader(table),
        ReminderRepository(table, shards=64),
        DeviceRepository(table),
        ProfileRepository(table),
        NotificationRepository(table),
        SyncRepository(table),
        RollupRepository(table),
    )
    gateway = FirebasePushGateway(lambda: config["service_account"], fcm_url=config["send_url_template"])
    now = datetime.now(UTC)
    lease = Lease("bench", now + timedelta(minutes=5))
    warm = [(f"w{n}", body) for n, body in enumerate(config["warm_bodies"])]
    deliver_batch(stores, gateway, warm, now, lease)
    batch = [(f"m{n}", body) for n, body in enumerate(config["bodies"])]
    cpu, wall = time.process_time(), time.perf_counter()
    report = deliver_batch(stores, gateway, batch, now, lease)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    statuses = Counter(o.status.value for outcomes in report.outcomes.values() for o in outcomes)
    # Then a separate pass over other users with the write-unit meter on (it reads every written item
    # before and after, so it is never part of the timed pass).
    from bench.dynamodb_counter import RequestCounter
    from bench.write_units import WriteUnitMeter
    from selfkind.data.clients import dynamodb_client

    meter = WriteUnitMeter(dynamodb_client(), table)
    counter = RequestCounter(dynamodb_client())
    metered = [(f"u{n}", body) for n, body in enumerate(config["metered_bodies"])]
    metered_report = deliver_batch(stores, gateway, metered, now, lease)
    metered_statuses = Counter(o.status.value for outcomes in metered_report.outcomes.values() for o in outcomes)
    print(
        json.dumps(
            {
                "cpu_s": cpu,
                "wall_s": wall,
                "statuses": statuses,
                "pushes": report.pushes,
                "metered_statuses": metered_statuses,
                "write_units": dict(meter.units),
                "index_write_units": dict(meter.index_units),
                "read_units": dict(meter.read_units),
                "requests": dict(counter.requests),
            }
        )
    )


if __name__ == "__main__":
    main()
