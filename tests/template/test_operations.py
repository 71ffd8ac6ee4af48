"""What operations rely on: alarms that page, the dashboard, safe deploys, lean layers, stacks side by side."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import pytest

from devstack.template import REPO_ROOT, functions, layer_packages, load_template, parameter_defaults, resolve
from tests.template.rendered import physical_name, render

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
FUNCTIONS = {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}
API_FUNCTIONS = sorted(
    name
    for name, r in FUNCTIONS.items()
    if any(e["Type"] == "HttpApi" for e in r["Properties"].get("Events", {}).values())
)
ALARMS = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
OUR_NAMESPACE = {"Fn::Sub": "Selfkind/${Environment}"}


def _watched(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads: its own, or those of its metric-math queries."""
    if "MetricName" in alarm:
        return [{"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"], "Dimensions": alarm["Dimensions"]}]
    return [query["MetricStat"]["Metric"] for query in alarm["Metrics"] if "MetricStat" in query]


def _dimensions(metric: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in metric["Dimensions"]}


# --- Alarms ------------------------------------------------------------------------------------

EXPECTED_ALARMS = {
    "ReminderDeadLetterAlarm": {("AWS/SQS", "ApproximateNumberOfMessagesVisible"), ("AWS/SQS", "NumberOfMessagesSent")},
    "SchedulerDeadLetterAlarm": {("AWS/SQS", "NumberOfMessagesSent")},
    "TickFailureAlarm": {("AWS/SQS", "NumberOfMessagesSent")},
    "TickHeartbeatAlarm": {("custom", "TickShardsDispatched")},
    "ReminderQueueAgeAlarm": {("AWS/SQS", "ApproximateAgeOfOldestMessage"), ("custom", "RemindersEnqueued")},
    "SchedulerErrorsAlarm": {("AWS/Lambda", "Errors")},
    "SchedulerDurationAlarm": {("AWS/Lambda", "Duration")},
    "WorkerErrorsAlarm": {("AWS/Lambda", "Errors")},
    "WorkerErrorRateAlarm": {("AWS/Lambda", "Errors"), ("AWS/Lambda", "Invocations")},
    "WorkerDurationAlarm": {("AWS/Lambda", "Duration")},
    "TickFailuresAlarm": {("custom", "TickFailures")},
    "TickCarriedOverAlarm": {("custom", "TickShards")},
    "SenderErrorsAlarm": {("AWS/Lambda", "Errors")},
    "SenderErrorRateAlarm": {("AWS/Lambda", "Errors"), ("AWS/Lambda", "Invocations")},
    "PushFailureRateAlarm": {("custom", "Pushes")},
    "PushCredentialsAlarm": {("custom", "Pushes")},
    "DevicesRemovedRateAlarm": {("custom", "Pushes"), ("custom", "DevicesRemoved")},
    "ApiServerErrorRateAlarm": {("AWS/ApiGateway", "5xx"), ("AWS/ApiGateway", "Count")},
    "ApiUnauthorizedRateAlarm": {("custom", "ApiUnauthorized"), ("AWS/ApiGateway", "Count")},
    "CognitoThrottlesAlarm": {
        ("AWS/Cognito", "SignInThrottles"),
        ("AWS/Cognito", "TokenRefreshThrottles"),
        ("AWS/Cognito", "SignUpThrottles"),
    },
    "CatalogLatencyAlarm": {("AWS/Lambda", "Duration"), ("AWS/Lambda", "Invocations")},
    "SyncLatencyAlarm": {("AWS/Lambda", "Duration"), ("AWS/Lambda", "Invocations")},
    "AccountLatencyAlarm": {("AWS/Lambda", "Duration"), ("AWS/Lambda", "Invocations")},
    "LambdaThrottlesAlarm": {("AWS/Lambda", "Throttles"), ("AWS/Lambda", "Invocations")},
    "TableThrottlesAlarm": {
        ("AWS/DynamoDB", "ReadThrottleEvents"),
        ("AWS/DynamoDB", "WriteThrottleEvents"),
        ("AWS/DynamoDB", "ConsumedReadCapacityUnits"),
        ("AWS/DynamoDB", "ConsumedWriteCapacityUnits"),
    },
    "TableSystemErrorsAlarm": {("AWS/DynamoDB", "SystemErrors")},
    "RemindersExpiredAlarm": {("custom", "RemindersExpired")},
    "RemindersBadDataAlarm": {("custom", "RemindersFailed")},
    "CatalogErrorsAlarm": {("AWS/Lambda", "Errors"), ("custom", "ServerErrors")},
    "SyncErrorsAlarm": {("AWS/Lambda", "Errors"), ("custom", "ServerErrors")},
    "AccountErrorsAlarm": {("AWS/Lambda", "Errors"), ("custom", "ServerErrors")},
    "SharePageNotFoundAlarm": {("custom", "SharePageViews")},
}
# Silence is the failure these watch (a disabled schedule or trigger): missing data breaches.
SILENCE_BREACHES = {"TickHeartbeatAlarm", "ReminderQueueAgeAlarm"}
RUNBOOK = (REPO_ROOT / "docs/operations.md").read_text()


def test_the_expected_alarms_exist_and_nothing_else() -> None:
    assert set(ALARMS) == set(EXPECTED_ALARMS)


@pytest.mark.parametrize("name", sorted(EXPECTED_ALARMS))
def test_each_alarm_watches_its_metric_and_notifies_the_topic(name: str) -> None:
    alarm = ALARMS[name]
    watched = {
        ("custom" if m["Namespace"] == OUR_NAMESPACE else m["Namespace"], m["MetricName"]) for m in _watched(alarm)
    }
    assert watched == EXPECTED_ALARMS[name]
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert alarm["OKActions"] == [{"Ref": "AlarmTopic"}]
    assert alarm["TreatMissingData"] == ("breaching" if name in SILENCE_BREACHES else "notBreaching")
    description = " ".join(alarm["AlarmDescription"].split())
    assert "First:" in description  # what it means, then what to do first
    if "Metrics" in alarm:  # metric math: exactly one expression is the alarm's value
        assert [q["Id"] for q in alarm["Metrics"] if q.get("ReturnData", True)] == [alarm["Metrics"][0]["Id"]]


def _runbook_anchors() -> set[str]:
    """GitHub's anchors for the runbook's headings: lower case, punctuation dropped, spaces as dashes."""
    headings = re.findall(r"^#{2,4} (.+)$", RUNBOOK, re.MULTILINE)
    return {re.sub(r"[^a-z0-9 _-]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("name", sorted(EXPECTED_ALARMS))
def test_each_alarm_links_its_own_runbook_section(name: str) -> None:
    description = " ".join(ALARMS[name]["AlarmDescription"].split())
    assert description.endswith(f"Runbook: docs/operations.md#{name.lower()}"), description
    assert name.lower() in _runbook_anchors(), f"docs/operations.md has no section '### {name}'"
    section = RUNBOOK.split(f"### {name}\n", 1)[1].split("\n#", 1)[0]
    assert "Logs Insights" in section or "```" in section, f"{name}: the runbook gives no query or command"


@pytest.mark.parametrize(
    "path", ["docs/operations.md", "docs/capacity.md", "README.md", "template.yaml", "tools/lint/skipped-checks.yaml"]
)
def test_every_link_into_the_runbook_lands_on_a_section(path: str) -> None:
    text = (REPO_ROOT / path).read_text()
    links = set(re.findall(r"operations\.md#([A-Za-z0-9_-]+)", text))
    if path == "docs/operations.md":
        links |= set(re.findall(r"\]\(#([A-Za-z0-9_-]+)\)", text))
    assert links
    assert links - _runbook_anchors() == set()


def test_the_runbook_names_no_alarm_that_does_not_exist() -> None:
    named = set(re.findall(r"^### (\w+Alarm)$", RUNBOOK, re.MULTILINE))
    assert named == set(EXPECTED_ALARMS)


def test_alarms_on_our_metrics_name_the_full_dimension_set_with_the_service() -> None:
    # EMF files a value under its exact dimension set: a partial set would match nothing, ever.
    custom = [m for alarm in ALARMS.values() for m in _watched(alarm) if m["Namespace"] == OUR_NAMESPACE]
    assert custom
    for metric in custom:
        if metric["MetricName"] == "ApiUnauthorized":  # from the access log's metric filter, no dimensions
            assert "Dimensions" not in metric
            continue
        dimensions = _dimensions(metric)
        assert "service" in dimensions, metric
        if metric["MetricName"] in {"Pushes", "TickShards"}:
            assert set(dimensions) == {"service", "outcome"}
        if metric["MetricName"] == "DevicesRemoved":
            assert set(dimensions) == {"service"}
        if metric["MetricName"] == "RemindersExpired":
            assert set(dimensions) == {"service", "stage"}
        if metric["MetricName"] == "TickFailures":
            assert set(dimensions) == {"service", "dependency"}
        if metric["MetricName"] == "RemindersFailed":
            assert dimensions == {"service": "reminder-sender", "reason": "bad_data"}


def test_the_401_metric_comes_from_the_access_log() -> None:
    metric_filter = RESOURCES["ApiUnauthorizedMetricFilter"]["Properties"]
    assert metric_filter["LogGroupName"] == {"Ref": "ApiAccessLogs"}
    assert metric_filter["FilterPattern"] == '{ $.status = "401" }'
    (transformation,) = metric_filter["MetricTransformations"]
    assert (transformation["MetricNamespace"], transformation["MetricName"]) == (OUR_NAMESPACE, "ApiUnauthorized")
    assert transformation["DefaultValue"] == 0


def test_cognito_throttles_are_watched_only_with_the_stacks_own_pool() -> None:
    assert RESOURCES["CognitoThrottlesAlarm"]["Condition"] == "UseCognito"


def test_every_dead_letter_queue_has_its_own_alarm_on_messages_newly_arrived() -> None:
    queues = {name for name, r in RESOURCES.items() if r["Type"] == "AWS::SQS::Queue"}
    dead_letter = queues - {"ReminderQueue"}
    assert dead_letter == {"ReminderDeadLetterQueue", "SchedulerDeadLetterQueue", "TickFailureQueue"}
    by_queue: dict[str, list[str]] = {}
    for name, alarm in ALARMS.items():
        for metric in _watched(alarm):
            if metric["Namespace"] == "AWS/SQS" and metric["MetricName"] != "ApproximateAgeOfOldestMessage":
                by_queue.setdefault(_dimensions(metric)["QueueName"]["Fn::GetAtt"][0], []).append(name)
    assert {queue: set(names) for queue, names in by_queue.items()} == {
        "ReminderDeadLetterQueue": {"ReminderDeadLetterAlarm"},
        "SchedulerDeadLetterQueue": {"SchedulerDeadLetterAlarm"},
        "TickFailureQueue": {"TickFailureAlarm"},
    }
    # Depth alone would page for as long as one old message waits: only arrivals count.
    reminders = ALARMS["ReminderDeadLetterAlarm"]["Metrics"][0]["Expression"]
    assert "DIFF(" in reminders
    assert "sent" in reminders
    for name in ("SchedulerDeadLetterAlarm", "TickFailureAlarm"):
        assert (ALARMS[name]["MetricName"], ALARMS[name]["Statistic"]) == ("NumberOfMessagesSent", "Sum")
    assert all(RESOURCES[q]["Properties"]["SqsManagedSseEnabled"] is True for q in queues)


def test_the_heartbeat_expects_every_shard_every_minute_and_breaches_on_silence() -> None:
    alarm = ALARMS["TickHeartbeatAlarm"]
    assert alarm["Threshold"] == {"Ref": "ReminderShards"}
    assert alarm["ComparisonOperator"] == "LessThanThreshold"
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (60, 3, 3)
    assert _dimensions(_watched(alarm)[0]) == {"service": "reminder-scheduler"}


def test_the_reminder_queue_alarm_breaches_when_reminders_were_enqueued_and_the_queue_is_silent() -> None:
    alarm = ALARMS["ReminderQueueAgeAlarm"]
    assert alarm["Threshold"] == 300
    expression = alarm["Metrics"][0]["Expression"]
    assert expression == "IF(FILL(age, -1) < 0 AND FILL(enqueued, 0) > 0, 3600, FILL(age, 0))"
    age = next(m for m in _watched(alarm) if m["MetricName"] == "ApproximateAgeOfOldestMessage")
    assert age["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["ReminderQueue", "QueueName"]}}]


def test_silence_alarms_notify_nobody_while_the_kill_switch_is_off() -> None:
    for name in SILENCE_BREACHES:
        assert ALARMS[name]["ActionsEnabled"] == {"Fn::If": ["RemindersOn", True, False]}, name
    for name in set(ALARMS) - SILENCE_BREACHES:
        assert "ActionsEnabled" not in ALARMS[name], name


@pytest.mark.parametrize(
    ("alarm", "function"),
    [("SchedulerDurationAlarm", "ReminderSchedulerFunction"), ("WorkerDurationAlarm", "ReminderWorkerFunction")],
)
def test_the_tick_duration_alarms_sit_at_80_percent_of_their_timeouts(alarm: str, function: str) -> None:
    timeout_ms = functions()[function].timeout_seconds * 1000
    assert ALARMS[alarm]["Threshold"] == pytest.approx(0.8 * timeout_ms)
    assert f"{functions()[function].timeout_seconds}-second timeout" in ALARMS[alarm]["AlarmDescription"]


def test_tick_failures_are_summed_over_every_dependency_the_worker_uses() -> None:
    watched = {_dimensions(m)["dependency"] for m in _watched(ALARMS["TickFailuresAlarm"])}
    assert watched == {"dynamodb", "sqs"}


def test_carried_over_and_tick_failures_page_only_after_five_minutes_in_a_row() -> None:
    alarm = ALARMS["TickCarriedOverAlarm"]
    assert _dimensions(_watched(alarm)[0]) == {"service": "reminder-worker", "outcome": "carried_over"}
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (60, 5, 5)
    failures = ALARMS["TickFailuresAlarm"]
    assert (failures["EvaluationPeriods"], failures["DatapointsToAlarm"]) == (5, 5)


def test_throttles_are_a_rate_over_every_function_for_five_minutes_running() -> None:
    alarm = ALARMS["LambdaThrottlesAlarm"]
    for metric in ("Throttles", "Invocations"):
        watched = {_dimensions(m)["FunctionName"]["Ref"] for m in _watched(alarm) if m["MetricName"] == metric}
        assert watched == set(FUNCTIONS), metric
    for name in ("LambdaThrottlesAlarm", "TableThrottlesAlarm"):
        alarm = ALARMS[name]
        assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (5, 5), name
        assert alarm["Threshold"] == 5, name  # percent: a throttle the capacity model plans for is no page


def test_api_latency_is_watched_per_route_group() -> None:
    for group in API_FUNCTIONS:
        alarm = ALARMS[group.removesuffix("Function") + "LatencyAlarm"]
        duration = next(q for q in alarm["Metrics"] if q["Id"] == "duration")["MetricStat"]
        assert duration["Stat"] == "p99"
        assert {_dimensions(m)["FunctionName"]["Ref"] for m in _watched(alarm)} == {group}


def test_rates_need_enough_traffic_to_mean_something() -> None:
    for name, alarm in ALARMS.items():
        expression = alarm.get("Metrics", [{}])[0].get("Expression", "")
        if "100 *" in expression:
            assert re.match(r"IF\(\w+ >= \d+, 100 \* .+, 0\)$", expression), (name, expression)


def test_credentials_refused_page_at_the_first_and_count_as_failing_pushes() -> None:
    alarm = ALARMS["PushCredentialsAlarm"]
    assert _dimensions(_watched(alarm)[0]) == {"service": "reminder-sender", "outcome": "credentials_refused"}
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["Period"]) == (1, 1, 60)
    outcomes = {_dimensions(m)["outcome"] for m in _watched(ALARMS["PushFailureRateAlarm"])}
    assert outcomes == {"delivered", "device_gone", "rejected", "retryable", "credentials_refused"}
    assert "refused" in ALARMS["PushFailureRateAlarm"]["Metrics"][0]["Expression"]


def test_devices_removed_is_a_rate_of_pushes_over_15_minutes() -> None:
    alarm = ALARMS["DevicesRemovedRateAlarm"]
    removed = next(m for m in _watched(alarm) if m["MetricName"] == "DevicesRemoved")
    assert _dimensions(removed) == {"service": "reminder-sender"}
    periods = {q["MetricStat"]["Period"] for q in alarm["Metrics"] if "MetricStat" in q}
    assert periods == {900}
    outcomes = {_dimensions(m)["outcome"] for m in _watched(alarm) if m["MetricName"] == "Pushes"}
    assert outcomes == {"delivered", "device_gone", "rejected", "retryable", "credentials_refused"}


def test_descriptions_never_say_retried_where_nothing_is_retried() -> None:
    for name in ("SchedulerErrorsAlarm", "WorkerErrorsAlarm", "TickFailureAlarm", "PushFailureRateAlarm"):
        description = " ".join(ALARMS[name]["AlarmDescription"].split())
        assert "being retried" not in description, name
        assert "failed after retries" not in description, name


def test_the_alarm_email_is_optional_in_dev_and_required_in_prod() -> None:
    subscription = RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert TEMPLATE["Parameters"]["AlarmEmail"]["Default"] == ""
    rule = TEMPLATE["Rules"]["ProdAlarmsReachSomeone"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "Environment"}, "prod"]}
    refused = [a["Assert"]["Fn::Not"][0]["Fn::Equals"] for a in rule["Assertions"]]
    placeholder = "oncall@CHANGE-ME.invalid"
    assert refused == [[{"Ref": "AlarmEmail"}, ""], [{"Ref": "AlarmEmail"}, placeholder]]
    samconfig = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())
    assert f"AlarmEmail={placeholder}" in samconfig["prod"]["deploy"]["parameters"]["parameter_overrides"]
    assert "Rules" in render("prod")  # the SAM transform hands the rule on to CloudFormation


# --- Dashboard ---------------------------------------------------------------------------------


def _dashboard() -> dict[str, Any]:
    body = RESOURCES["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    placeholders = set(re.findall(r"\$\{([^}]+)\}", body))
    for placeholder in placeholders:  # each names a parameter, a pseudo parameter or a resource
        assert placeholder.split(".")[0] in {*RESOURCES, *TEMPLATE["Parameters"], "AWS::Region"}, placeholder
    document: dict[str, Any] = json.loads(re.sub(r"\$\{([^}]+)\}", r"<\1>", body))
    return document


def test_the_dashboard_has_its_sections() -> None:
    headers = [w["properties"]["markdown"] for w in _dashboard()["widgets"] if w["type"] == "text"]
    assert [h.split()[1] for h in headers] == ["API", "Sync", "Reminders", "Lambda", "DynamoDB"]


def _graphs() -> dict[str, list[Any]]:
    return {
        w["properties"]["title"]: w["properties"]["metrics"] for w in _dashboard()["widgets"] if w["type"] == "metric"
    }


@pytest.mark.parametrize(
    ("title", "metric"),
    [
        ("Requests", "Count"),
        ("Latency p50 and p99 (ms)", "Latency"),
        ("4xx and 5xx", "5xx"),
        ("4xx and 5xx", "ApiUnauthorized"),
        ("Pulls", "SyncPulls"),
        ("Pushes", "SyncPushes"),
        ("Records pushed", "SyncRecordsPushed"),
        ("Conflicts (409)", "ClientErrors"),
        ("Due and enqueued (per tick)", "RemindersEnqueued"),
        ("Sent and failed", "Reminders"),
        ("Sent and failed", "RemindersFailed"),
        ("Expired", "RemindersExpired"),
        ("Devices removed", "DevicesRemoved"),
        ("ReminderQueue: oldest message (s) and waiting", "ApproximateAgeOfOldestMessage"),
        ("Dead-letter queues: messages waiting", "ApproximateNumberOfMessagesVisible"),
        ("Consumed capacity", "ConsumedWriteCapacityUnits"),
        ("Throttles", "WriteThrottleEvents"),
    ],
)
def test_the_dashboard_graphs_each_metric_operations_read(title: str, metric: str) -> None:
    assert metric in {line[1] for line in _graphs()[title] if isinstance(line[0], str)}


def test_the_dashboard_shows_every_function_in_the_lambda_section() -> None:
    graphs = _graphs()
    for title in ("Errors", "Concurrency (max)", "Duration p99 (ms)"):
        assert {line[3] for line in graphs[title]} == {f"<{name}>" for name in FUNCTIONS}, title


# --- Metrics -----------------------------------------------------------------------------------


def test_metrics_go_to_one_namespace_per_environment() -> None:
    environment = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == OUR_NAMESPACE
    assert resolve(environment["POWERTOOLS_METRICS_NAMESPACE"], parameter_defaults()) == "Selfkind/dev"
    assert "ENVIRONMENT" not in environment  # read by nothing: the namespace carries it


# --- Safe deploys ------------------------------------------------------------------------------


def test_every_function_is_published_behind_an_alias_on_any_change() -> None:
    assert TEMPLATE["Globals"]["Function"]["AutoPublishAlias"] == "live"
    for name, resource in FUNCTIONS.items():
        assert resource["Properties"]["AutoPublishAliasAllProperties"] is True, name
    for name, resource in RESOURCES.items():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            assert resource["Properties"]["PublishLambdaVersion"] is True, name


def test_a_change_to_a_layer_alone_publishes_a_new_version_of_every_function() -> None:
    # SAM hashes a function's own code only, unless AutoPublishAliasAllProperties and the layers'
    # PublishLambdaVersion bring the layers in: new shared code must not leave the alias behind.
    def versions(rendered: dict[str, Any]) -> set[str]:
        return {name for name, r in rendered["Resources"].items() if r["Type"] == "AWS::Lambda::Version"}

    before = versions(render())
    after = versions(render(locations={"SelfkindLayer": "s3://artifacts/selfkind-changed"}))
    assert len(before) == len(FUNCTIONS)
    assert before.isdisjoint(after)


# The canaries: which functions shift gradually in prod, how, and which alarms roll them back.
CANARIES = {
    "CatalogFunction": ("Canary10Percent5Minutes", ["CatalogErrorsAlarm"]),
    "SyncFunction": ("Canary10Percent5Minutes", ["SyncErrorsAlarm"]),
    "AccountFunction": ("Canary10Percent5Minutes", ["AccountErrorsAlarm"]),
    "ReminderWorkerFunction": ("Linear10PercentEvery2Minutes", ["WorkerErrorRateAlarm"]),
    "ReminderSenderFunction": ("Linear10PercentEvery2Minutes", ["SenderErrorRateAlarm", "PushFailureRateAlarm"]),
}


def test_api_and_reminder_functions_deploy_by_canary_in_prod_rolled_back_by_their_alarms() -> None:
    assert API_FUNCTIONS == ["AccountFunction", "CatalogFunction", "SyncFunction"]
    for name, (kind, alarms) in CANARIES.items():
        preference = FUNCTIONS[name]["Properties"]["DeploymentPreference"]
        assert preference["Type"] == {"Fn::If": ["IsProd", kind, "AllAtOnce"]}, name
        assert preference["Alarms"] == {
            "Fn::If": ["IsProd", [{"Ref": alarm} for alarm in alarms], [{"Ref": "AWS::NoValue"}]]
        }, name
        watched = {_dimensions(m).get("FunctionName", {}).get("Ref") for a in alarms for m in _watched(ALARMS[a])}
        assert name in watched or alarms[-1] == "PushFailureRateAlarm", name
    # The scheduler only splits the tick and switches with its alias (docs/operations.md explains why).
    assert set(FUNCTIONS) - set(CANARIES) == {"ReminderSchedulerFunction"}
    assert "DeploymentPreference" not in FUNCTIONS["ReminderSchedulerFunction"]["Properties"]


def test_the_reminder_canaries_roll_back_on_rates_not_counts() -> None:
    for name in ("WorkerErrorRateAlarm", "SenderErrorRateAlarm", "PushFailureRateAlarm"):
        expression = ALARMS[name]["Metrics"][0]["Expression"]
        assert expression.startswith("IF("), name
        assert "100 *" in expression, name


def test_codedeploy_shifts_the_aliases_and_watches_the_alarms() -> None:
    groups = [r for r in render("prod")["Resources"].values() if r["Type"] == "AWS::CodeDeploy::DeploymentGroup"]
    assert len(groups) == len(CANARIES)
    watched = set()
    configs = []
    for group in groups:
        props = group["Properties"]
        assert props["AutoRollbackConfiguration"]["Enabled"] is True
        assert "DEPLOYMENT_STOP_ON_ALARM" in props["AutoRollbackConfiguration"]["Events"]
        condition, in_prod, elsewhere = props["AlarmConfiguration"]["Fn::If"]
        assert (condition, in_prod["Enabled"], elsewhere) == ("IsProd", True, {})
        watched |= {alarm["Name"]["Ref"] for alarm in in_prod["Alarms"]}
        canary = props["DeploymentConfigName"]["Fn::If"]
        assert canary[0] == "IsProd"
        assert canary[2]["Fn::Sub"][1] == {"ConfigName": "AllAtOnce"}
        configs.append(canary[1]["Fn::Sub"][1]["ConfigName"])
    assert watched == {alarm for _, alarms in CANARIES.values() for alarm in alarms}
    assert sorted(configs) == sorted(kind for kind, _ in CANARIES.values())


@pytest.mark.parametrize("name", ["Table", "TableKey", "UserPool"])
def test_what_holds_user_data_is_never_deleted_or_replaced_by_a_stack_update(name: str) -> None:
    assert RESOURCES[name]["DeletionPolicy"] == "Retain"
    assert RESOURCES[name]["UpdateReplacePolicy"] == "Retain"


# --- The kill switch ----------------------------------------------------------------------------


def test_the_kill_switch_disables_the_schedule_and_the_senders_trigger_without_code() -> None:
    assert TEMPLATE["Parameters"]["RemindersEnabled"]["AllowedValues"] == ["true", "false"]
    assert TEMPLATE["Parameters"]["RemindersEnabled"]["Default"] == "true"
    assert TEMPLATE["Conditions"]["RemindersOn"] == {"Fn::Equals": [{"Ref": "RemindersEnabled"}, "true"]}
    event = FUNCTIONS["ReminderSchedulerFunction"]["Properties"]["Events"]["EveryMinute"]["Properties"]
    assert event["State"] == {"Fn::If": ["RemindersOn", "ENABLED", "DISABLED"]}
    assert RESOURCES["ReminderSenderTrigger"]["Properties"]["Enabled"] == {"Fn::If": ["RemindersOn", True, False]}
    rendered = render("prod")["Resources"]
    [schedule] = [r for r in rendered.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    assert schedule["Properties"]["State"] == {"Fn::If": ["RemindersOn", "ENABLED", "DISABLED"]}
    # Nothing a function runs depends on it: flipping it publishes no version and starts no canary.
    for name, function in FUNCTIONS.items():
        assert "RemindersEnabled" not in json.dumps(function["Properties"]), name


def test_the_runbook_gives_the_one_command_switch() -> None:
    section = RUNBOOK.split("## The kill switch\n", 1)[1].split("\n## ", 1)[0]
    assert "ParameterKey=RemindersEnabled,ParameterValue=false" in section
    assert "ParameterKey=RemindersEnabled,ParameterValue=true" in section


# --- Two stacks in one account and region ------------------------------------------------------

# The property that names a resource where the name must be unique in the account and region.
_NAME_PROPERTY = {
    "AWS::Scheduler::Schedule": "Name",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::IAM::Role": "RoleName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::KMS::Alias": "AliasName",
    "AWS::CodeDeploy::Application": "ApplicationName",
}
# Types whose names need not be unique, or that are named inside a resource of this stack.
_UNNAMED = {
    "AWS::Lambda::Permission",
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::KMS::Key",
    "AWS::SNS::Subscription",
    "AWS::Logs::MetricFilter",  # named within its log group
    "AWS::CodeDeploy::DeploymentGroup",
}


def _names(stack_name: str, environment: str) -> set[tuple[str, str]]:
    rendered = render(environment)
    stack = {
        **parameter_defaults(),
        "Environment": environment,
        "AWS::StackName": stack_name,
        "AWS::Region": "eu-west-1",
        "AWS::AccountId": "123456789012",
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }
    names = set()
    for resource in rendered["Resources"].values():
        kind = resource["Type"]
        assert kind in _NAME_PROPERTY or kind in _UNNAMED, f"{kind}: does its name need to be unique?"
        value = resource.get("Properties", {}).get(_NAME_PROPERTY.get(kind, ""))
        if value is not None:
            names.add((kind, physical_name(value, stack, rendered["Resources"])))
    return names


@pytest.mark.parametrize(
    ("first", "second"),
    [(("selfkind-dev", "dev"), ("selfkind-prod", "prod")), (("selfkind-dev", "dev"), ("selfkind-dev-ana", "dev"))],
)
def test_two_stacks_in_one_account_and_region_claim_no_name_twice(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    assert _names(*first) & _names(*second) == set()


def test_the_schedule_takes_a_generated_name() -> None:
    event = FUNCTIONS["ReminderSchedulerFunction"]["Properties"]["Events"]["EveryMinute"]["Properties"]
    assert event["OmitName"] is True
    [schedule] = [r for r in render()["Resources"].values() if r["Type"] == "AWS::Scheduler::Schedule"]
    assert "Name" not in schedule["Properties"]


# --- Layers ------------------------------------------------------------------------------------


def _layers(function: str) -> tuple[str, ...]:
    return functions()[function].layers


def test_only_the_sender_gets_the_firebase_layer() -> None:
    for name in FUNCTIONS:
        expected = ["DependenciesLayer", "SelfkindLayer"] + (
            ["FirebaseLayer"] if name == "ReminderSenderFunction" else []
        )
        assert list(_layers(name)) == expected, name


def test_the_layer_of_every_function_holds_neither_firebase_admin_nor_grpc_nor_google() -> None:
    for name in set(FUNCTIONS) - {"ReminderSenderFunction"}:
        shipped = layer_packages(functions()[name])
        assert {"aws-lambda-powertools", "pydantic", "boto3"} <= shipped
        assert not {p for p in shipped if p in {"firebase-admin", "grpcio", "protobuf"} or p.startswith("google")}
    requirements = (REPO_ROOT / "layers/deps/requirements.txt").read_text()
    assert not re.search(r"^(firebase|grpc|google)", requirements, re.MULTILINE | re.IGNORECASE)


def test_the_firebase_layer_leaves_out_what_messaging_never_imports() -> None:
    shipped = layer_packages(functions()["ReminderSenderFunction"])
    assert {"firebase-admin", "google-auth", "cryptography", "httpx", "requests"} <= shipped
    assert not shipped & {"grpcio", "google-cloud-firestore", "google-cloud-storage", "google-api-core", "msgpack"}
    firebase = RESOURCES["FirebaseLayer"]
    assert firebase["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    build = (REPO_ROOT / "layers/firebase/Makefile").read_text()
    assert "--no-deps" in build  # else pip brings the left-out packages back as dependencies


def test_layer_names_carry_the_stack_name() -> None:
    for name, resource in RESOURCES.items():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            assert resource["Properties"]["LayerName"]["Fn::Sub"].startswith("${AWS::StackName}-"), name


def test_the_share_page_has_its_own_throttle_from_parameters() -> None:
    from tests.template.rendered import render

    api = render("prod")["Resources"]["HttpApiApiGatewayDefaultStage"]["Properties"]
    [page] = [setting for key, setting in api["RouteSettings"].items() if key == "GET /s/{token}"]
    assert page == {
        "ThrottlingBurstLimit": {"Ref": "SharePageBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "SharePageRateLimit"},
    }
    assert api["DefaultRouteSettings"]["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
