"""The capacity model of the reminder pipeline (docs/capacity.md): how many reminders due in one minute
are accepted by FCM within 60 s of that minute, stage by stage, from inputs measured by `make bench`
or cited from AWS and Firebase documentation.

    python -m bench.capacity_model sender_ms_per_reminder=6.5 shards=80   # explore: change any input

Pure: inputs in, answer out. `make bench-capacity` (bench/capacity.py) measures the inputs and saves
them to LAST_INPUTS; exploring from here starts from those saved figures and measures nothing.

A simulation in 100 ms steps: the tick's workers enqueue at their shard-bound rate; the SQS event source
starts 5 concurrent sender batches and adds 5 a second (300 a minute) up to its maximum; each sender
instance delivers at its CPU-bound rate; DynamoDB's table and index throughput and FCM's per-minute
quota cap what passes. The answer is the largest N whose last reminder is delivered by t = 60 s.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

# Sources (docs/capacity.md lists them with what each says).
SQS_SCALING = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html"
LAMBDA_SCALING = "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html"
LAMBDA_MEMORY = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html"
FCM_QUOTA = "https://firebase.google.com/docs/cloud-messaging/throttling-and-quotas"
DYNAMODB_QUOTAS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html"
# The same page as archived in awsdocs/amazon-dynamodb-developer-guide (doc_source/ServiceQuotas.md):
# "table-level quotas apply to the sum of a table's throughput together with ... all of its global
# secondary indexes"; "Transactional write requests require two write request units ... up to 1 KB".
DYNAMODB_ON_DEMAND = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html"
DYNAMODB_PARTITIONS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html"
GSI_WRITES = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Writes"
TRANSACTIONS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html"

LAST_INPUTS = Path(__file__).resolve().parent.parent / ".bench" / "capacity_inputs.json"
STEP = 0.1  # seconds
WINDOW = 60.0


@dataclass(frozen=True)
class Inputs:
    # Measured by `make bench` on this machine.
    tick_ms_per_due: float  # worker CPU per due reminder, real adapters
    worker_fixed_ms: float  # worker CPU per run with nothing due (leases, one query per shard value)
    split_ms: float  # the scheduler's CPU to split and dispatch one tick
    sender_ms_per_reminder: float  # sender CPU per reminder, real adapters, one device each
    start_s: float  # from the minute's start to the first enqueue: cold starts of scheduler and worker
    # Counted from the requests the real adapters made against moto (bench/write_units.py: item sizes,
    # transactional doubling and index writes by DynamoDB's published rules).
    tick_wru_per_reminder: float
    sender_wru_per_reminder: float
    tick_rru_per_reminder: float
    sender_rru_per_reminder: float
    # The template's settings.
    shards: int = 64
    worker_memory_mb: int = 1024
    sender_memory_mb: int = 1769
    sender_max_concurrency: int = 300
    # Cited.
    fcm_messages_per_minute: int = 600_000  # FCM_QUOTA: default per project
    vcpu_memory_mb: int = 1769  # LAMBDA_MEMORY: one vCPU at 1,769 MB
    sqs_initial_batches: int = 5  # SQS_SCALING
    sqs_added_per_minute: int = 300  # SQS_SCALING
    sqs_max_batches: int = 1_000  # SQS_SCALING
    lambda_account_concurrency: int = 1_000  # LAMBDA_SCALING (account default)
    lambda_scale_per_10s: int = 1_000  # LAMBDA_SCALING (per function)
    partition_wcu: int = 1_000  # DYNAMODB_PARTITIONS: per partition, also a GSI's
    table_wru_per_second: int = 40_000  # DYNAMODB_QUOTAS: on-demand, per table with its GSIs (adjustable)
    api_reserved_concurrency: int = 200  # left for the API functions (an operating choice)
    messages_per_sqs_request: int = 10  # the tick sends, and the sender's event source receives, 10 a time
    occurrences_per_message: int = 50  # selfkind.domain.occurrence.OCCURRENCES_PER_MESSAGE
    worker_memory_gb: float = 1.0
    scheduler_memory_gb: float = 0.25


# US East (N. Virginia) prices, with their sources in the runbook's table (docs/operations.md#what-it-costs):
# AWS's own pricing pages render their figures in the browser, so each also names a secondary source.
PRICES = "https://aws.amazon.com/dynamodb/pricing/on-demand/ (docs/operations.md#what-it-costs)"


@dataclass(frozen=True)
class Prices:
    dynamodb_per_million_wru: float = 0.625
    dynamodb_per_million_rru: float = 0.125
    lambda_per_million_requests: float = 0.20
    lambda_arm_per_gb_second: float = 0.0000133334
    sqs_per_million_requests: float = 0.40
    scheduler_per_million_invocations: float = 1.00  # beyond the free 14 million a month


@dataclass(frozen=True)
class Outcome:
    delivered_by_60s: int
    last_delivery_s: float | None  # None: not all delivered within the window
    peak_sender_concurrency: int
    peak_table_wru: float
    tick_done_s: float


def worker_rate(inputs: Inputs) -> float:
    """Reminders a second one shard's worker hands on: its CPU, or a partition's write limit for what it
    writes per reminder (with the timing wheel, nothing: only its lease item, per run)."""
    cpu_share = min(1.0, inputs.worker_memory_mb / inputs.vcpu_memory_mb)
    by_cpu = cpu_share * 1000 / inputs.tick_ms_per_due
    by_partition = _per_unit(inputs.partition_wcu, inputs.tick_wru_per_reminder)
    return min(by_cpu, by_partition)


def _per_unit(budget: float, units: float) -> float:
    return budget / units if units > 0 else float("inf")


def sender_rate(inputs: Inputs) -> float:
    cpu_share = min(1.0, inputs.sender_memory_mb / inputs.vcpu_memory_mb)
    return cpu_share * 1000 / inputs.sender_ms_per_reminder


def simulate(inputs: Inputs, due: int, table_wru_limit: float | None = None) -> Outcome:
    limit = table_wru_limit if table_wru_limit is not None else inputs.table_wru_per_second
    concurrency_cap = min(
        inputs.sender_max_concurrency,
        inputs.sqs_max_batches,
        inputs.lambda_account_concurrency - inputs.shards - inputs.api_reserved_concurrency,
    )
    per_sender, per_worker = sender_rate(inputs), worker_rate(inputs)
    enqueued = delivered = 0.0
    first_message: float | None = None
    last: float | None = None
    peak_concurrency, tick_done = 0, 0.0
    wru_per_step: list[float] = []
    t = 0.0
    while t < WINDOW - 1e-9:
        t += STEP
        tick_step = 0.0
        if t > inputs.start_s and enqueued < due:
            tick_rate = min(inputs.shards * per_worker, _per_unit(limit, inputs.tick_wru_per_reminder))
            tick_step = min(due - enqueued, tick_rate * STEP)
            enqueued += tick_step
            first_message = first_message if first_message is not None else t
            tick_done = t
        step = 0.0
        if first_message is not None:
            ramp = inputs.sqs_initial_batches + inputs.sqs_added_per_minute / 60 * (t - first_message)
            burst = inputs.lambda_scale_per_10s / 10 * (t - first_message)  # never binding at 300 a minute
            concurrency = int(min(ramp, concurrency_cap, max(burst, inputs.sqs_initial_batches)))
            tick_wru = tick_step / STEP * inputs.tick_wru_per_reminder
            room = _per_unit(max(0.0, limit - tick_wru), inputs.sender_wru_per_reminder)
            fcm_left = inputs.fcm_messages_per_minute - delivered
            step = min(min(concurrency * per_sender, room) * STEP, enqueued - delivered, fcm_left)
            delivered += step
            peak_concurrency = max(peak_concurrency, concurrency if step > 0 else 0)
        wru_per_step.append(tick_step * inputs.tick_wru_per_reminder + step * inputs.sender_wru_per_reminder)
        if delivered >= due - 1e-6 and last is None:
            last = t
    per_second = round(1 / STEP)
    peak_wru = max(sum(wru_per_step[i : i + per_second]) for i in range(len(wru_per_step)))
    return Outcome(int(delivered), last, peak_concurrency, peak_wru, tick_done)


def capacity(inputs: Inputs, table_wru_limit: float | None = None) -> int:
    """The largest N (to within 100) whose every reminder is delivered within 60 s; at most FCM's quota."""
    low, high = 0, inputs.fcm_messages_per_minute
    if simulate(inputs, high, table_wru_limit).last_delivery_s is not None:
        return high
    while high - low > 100:
        middle = (low + high) // 2
        if simulate(inputs, middle, table_wru_limit).last_delivery_s is not None:
            low = middle
        else:
            high = middle
    return low


@dataclass(frozen=True)
class Usage:
    """A stated assumption, not a measurement: change it and the table changes."""

    reminders_per_user_per_day: float = 1.5
    busiest_minute_share: float = 0.03  # of a day's reminders: round hours in the most populous zone


def plan_for_users(inputs: Inputs, users: int, usage: Usage) -> dict[str, object]:
    """At default quotas when they do (throttling only slows the tick and the senders down), else with
    the table's write quota raised to what the peak uses."""
    peak = int(users * usage.reminders_per_user_per_day * usage.busiest_minute_share)
    outcome = simulate(inputs, peak)
    raise_quota = outcome.last_delivery_s is None
    if raise_quota:
        outcome = simulate(inputs, peak, table_wru_limit=float("inf"))
    return {
        "users": users,
        "peak_minute": peak,
        "delivered_within_60s": outcome.last_delivery_s is not None,
        "last_delivery_s": outcome.last_delivery_s,
        "sender_concurrency": outcome.peak_sender_concurrency,
        "table_wru_per_second": int(outcome.peak_table_wru),
        "needs_table_quota_increase": raise_quota,
    }


def cost_per_million(inputs: Inputs, prices: Prices = Prices()) -> dict[str, float]:
    """Dollars per million delivered reminders, by line item (one device each; Scheduler's ticks are
    per minute, not per reminder: in `cost_per_month`'s fixed part). Lambda duration is the CPU measured,
    a lower bound: the sender's I/O overlaps its CPU across its threads."""
    # A unit priced per million, used u times per reminder, costs u x price per million reminders.
    sender_gb_s = inputs.sender_ms_per_reminder / 1000 * inputs.sender_memory_mb / 1024
    worker_gb_s = inputs.tick_ms_per_due / 1000 * inputs.worker_memory_gb
    per_batch = inputs.occurrences_per_message * inputs.messages_per_sqs_request
    return {
        "dynamodb writes": (inputs.tick_wru_per_reminder + inputs.sender_wru_per_reminder)
        * prices.dynamodb_per_million_wru,
        "dynamodb reads": (inputs.tick_rru_per_reminder + inputs.sender_rru_per_reminder)
        * prices.dynamodb_per_million_rru,
        "lambda duration": 1_000_000 * (sender_gb_s + worker_gb_s) * prices.lambda_arm_per_gb_second,
        "lambda requests": prices.lambda_per_million_requests / per_batch,  # one sender invocation a batch
        "sqs": 3 / per_batch * prices.sqs_per_million_requests,  # send, receive and delete, 10 messages a time
    }


def fixed_per_month(inputs: Inputs, prices: Prices = Prices()) -> float:
    """The tick itself, every minute of a 30-day month: Scheduler's invocations, the scheduler and one
    worker per shard (its CPU per run measured with nothing due, as duration)."""
    ticks = 60 * 24 * 30
    scheduler = max(0.0, ticks - 14_000_000) * prices.scheduler_per_million_invocations / 1_000_000
    requests = ticks * (1 + inputs.shards) * prices.lambda_per_million_requests / 1_000_000
    gb_s = ticks * (
        inputs.split_ms / 1000 * inputs.scheduler_memory_gb
        + inputs.shards * inputs.worker_fixed_ms / 1000 * inputs.worker_memory_gb
    )
    return scheduler + requests + gb_s * prices.lambda_arm_per_gb_second


def report(inputs: Inputs, usage: Usage = Usage()) -> int:
    at_defaults = capacity(inputs)
    raised = capacity(inputs, table_wru_limit=float("inf"))
    full = simulate(inputs, raised, table_wru_limit=float("inf"))
    per_shard = worker_rate(inputs)
    print("\nCapacity model (docs/capacity.md; inputs measured above or cited there)")
    print(f"  tick: {inputs.shards} workers x {per_shard:,.0f} reminders/s each (CPU or index partition bound)")
    print(
        f"  sender: {sender_rate(inputs):,.0f} reminders/s per instance, "
        f"at most {inputs.sender_max_concurrency} instances"
    )
    print(f"  at AWS default quotas (table {inputs.table_wru_per_second:,} WRU/s): {at_defaults:,} in one minute")
    print(
        f"  with the table's write quota raised (peak {full.peak_table_wru:,.0f} WRU/s) and pre-warmed: "
        f"{raised:,} in one minute, the last at {full.last_delivery_s:.1f} s, "
        f"{full.peak_sender_concurrency} senders at the peak"
    )
    print(
        f"  by users ({usage.reminders_per_user_per_day} reminders a day each, "
        f"{usage.busiest_minute_share:.0%} in the busiest minute):"
    )
    for users in (10_000, 100_000, 1_000_000, 10_000_000):
        row = plan_for_users(inputs, users, usage)
        within = f"last at {row['last_delivery_s']:.1f} s" if row["delivered_within_60s"] else "NOT within 60 s"
        quota = "raise the table write quota" if row["needs_table_quota_increase"] else "default quotas"
        print(
            f"    {users:>10,} users: {row['peak_minute']:>7,} due in the peak minute, {within}, "
            f"{row['sender_concurrency']} senders, {row['table_wru_per_second']:,} WRU/s ({quota})"
        )
    costs = cost_per_million(inputs)
    total = sum(costs.values())
    # The tick's units are its lease item's, per shard and run, spread here over the bench's small tick;
    # the goal is read on the total to two decimals, as it is printed.
    units = round(inputs.tick_wru_per_reminder + inputs.sender_wru_per_reminder, 2)
    print(
        f"  write units per delivered reminder (counted): tick {inputs.tick_wru_per_reminder:.4f} (its lease "
        f"item, per run), sender {inputs.sender_wru_per_reminder:.2f}, total {units:.2f} "
        f"(goal <= 3: {'met' if units <= 3 else 'MISSED'})"
    )
    lines = ", ".join(f"{name} ${value:.2f}" for name, value in costs.items())
    verdict = "met" if total <= 3 else "MISSED"
    print(f"  cost per million delivered reminders: ${total:.2f} ({lines}) (goal <= $3: {verdict})")
    fixed = fixed_per_month(inputs)
    print(f"  cost per month (the tick every minute: ${fixed:.2f}, plus the reminders sent; prices: {PRICES}):")
    for users in (10_000, 100_000, 1_000_000, 10_000_000):
        reminders = users * usage.reminders_per_user_per_day * 30
        print(f"    {users:>10,} users: {reminders:>12,.0f} reminders, ${fixed + reminders / 1e6 * total:,.2f}")
    goal = "met" if raised >= 600_000 and at_defaults >= 600_000 else "MISSED"
    print(f"  goal: at least 600,000 (FCM's default quota for one project) at both: {goal}")
    print(f"capacity at default quotas: {at_defaults} reminders due in one minute delivered within 60 s")
    print(f"capacity: {raised} reminders due in one minute delivered within 60 s")
    return raised


def save(inputs: Inputs, path: Path = LAST_INPUTS) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(asdict(inputs), indent=2) + "\n")


def saved(path: Path = LAST_INPUTS) -> Inputs:
    if not path.exists():
        raise SystemExit(f"no measured inputs at {path}: run `make bench-capacity` once first")
    return Inputs(**json.loads(path.read_text()))


def overridden(inputs: Inputs, arguments: list[str]) -> Inputs:
    """The inputs with `name=value` arguments applied."""
    types = {field.name: field.type for field in fields(Inputs)}
    changes: dict[str, float | int] = {}
    for argument in arguments:
        name, _, value = argument.partition("=")
        if name not in types:
            raise SystemExit(f"unknown input {name!r}; inputs: {', '.join(types)}")
        changes[name] = int(value) if types[name] == "int" else float(value)
    return replace(inputs, **changes)  # type: ignore[arg-type]


if __name__ == "__main__":
    report(overridden(saved(), sys.argv[1:]))
