"""What the template deploys: runtime, data protection, auth, routes and least privilege."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from devstack.template import REPO_ROOT, http_routes, load_template
from selfkind.api.routes import API_ROUTES

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
FUNCTIONS = {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}


def test_functions_run_python_313_on_arm64() -> None:
    function_globals = TEMPLATE["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    for resource in FUNCTIONS.values():
        assert "Runtime" not in resource["Properties"]
        assert "Architectures" not in resource["Properties"]


def test_no_local_only_route_is_deployed() -> None:
    paths = [route.path for route in http_routes()]
    assert paths
    assert not [path for path in paths if path.startswith("/_local")]


def test_no_local_only_setting_is_deployed() -> None:
    # The local stack sets these for itself: the FCM stand-in's URL and the local tick's clock
    template = json.dumps(TEMPLATE)
    for name in ("FCM_URL_OVERRIDE", "LOCAL_TICK_CLOCK"):
        assert name not in template


def test_the_route_table_is_generated_from_the_resolvers() -> None:
    from devstack.openapi import render_route_table

    committed = (REPO_ROOT / "shared/selfkind/api/route_table.py").read_text()
    assert render_route_table() == committed, "the route table drifted from the resolvers: run `make openapi`"


def test_the_deployed_routes_are_the_routes_the_code_knows() -> None:
    deployed = {(route.method, route.path) for route in http_routes() if route.path != "$default"}
    assert deployed == set(API_ROUTES)


def test_every_route_requires_the_jwt_except_the_public_catalog() -> None:
    public = {route.path for route in http_routes() if not route.requires_auth}
    assert public == {
        "/s/{token}",  # the share page: the link's secret is its key
        "/v1/exercises",
        "/v1/exercises/{exercise_id}",
        "/v1/affirmations",
        "/v1/support",
        "/v1/guides",
        "/v1/guides/{guide_id}",
        "/v1/programs",
        "/v1/programs/{program_id}",
        "/v1/prompts",
        "/v1/prompts/{prompt_id}",
        "/v1/instruments/scs-sf",
        "$default",
    }
    auth = RESOURCES["HttpApi"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "JwtAuthorizer"
    assert auth["Authorizers"]["JwtAuthorizer"]["IdentitySource"] == "$request.header.Authorization"


def test_the_table_is_protected() -> None:
    table = RESOURCES["Table"]
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Ref": "TableKey"},
    }
    assert props["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}
    assert table["DeletionPolicy"] == "Retain"
    assert RESOURCES["TableKey"]["Properties"]["EnableKeyRotation"] is True


def test_sync_reads_its_sequence_from_a_local_index() -> None:
    # Strongly consistent reads in sequence order need an LSI (a GSI is eventually consistent).
    (index,) = RESOURCES["Table"]["Properties"]["LocalSecondaryIndexes"]
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["pk", "seq"]


@pytest.mark.parametrize("layer", ["DependenciesLayer", "FirebaseLayer", "SelfkindLayer"])
def test_layers_are_built_for_the_runtime_with_bytecode_python_uses_as_it_is(layer: str) -> None:
    resource = RESOURCES[layer]
    assert resource["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert resource["Properties"]["CompatibleArchitectures"] == ["arm64"]
    build = (REPO_ROOT / resource["Properties"]["ContentUri"] / "Makefile").read_text()
    # /opt is read-only on Lambda: a module without a .pyc Python accepts compiles at every cold start.
    assert "compileall" in build
    assert "--invalidation-mode unchecked-hash" in build


def test_the_dependencies_layer_slims_botocore_after_installing() -> None:
    build = (REPO_ROOT / "layers/deps/Makefile").read_text()
    assert build.index("pip install") < build.index("slim_botocore.py") < build.index("compileall")


def test_the_catalog_function_has_no_aws_permissions() -> None:
    assert "Policies" not in FUNCTIONS["CatalogFunction"]["Properties"]


def test_every_function_has_a_log_group_with_retention() -> None:
    groups = [r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::Logs::LogGroup"]
    named = {g["LogGroupName"]["Fn::Sub"] for g in groups if "LogGroupName" in g}
    assert named == {f"/aws/lambda/${{{name}}}" for name in FUNCTIONS}
    assert all("RetentionInDays" in g for g in groups)


def test_outputs_give_the_api_url_and_user_pool() -> None:
    assert {"ApiUrl", "UserPoolId", "UserPoolClientId"} <= set(TEMPLATE["Outputs"])


def test_reminders_are_found_through_a_sparse_sharded_wheel_and_the_old_index_it_drains() -> None:
    indexes = {index["IndexName"]: index for index in RESOURCES["Table"]["Properties"]["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"wheel", "due"}
    assert [k["AttributeName"] for k in indexes["wheel"]["KeySchema"]] == ["wheel_shard", "wheel_slot"]
    assert [k["AttributeName"] for k in indexes["due"]["KeySchema"]] == ["due_shard", "due_at"]
    worker = FUNCTIONS["ReminderWorkerFunction"]["Properties"]
    [query] = [s for s in worker["Policies"][0]["Statement"] if s["Action"] == ["dynamodb:Query"]]
    assert query["Resource"] == [{"Fn::Sub": "${Table.Arn}/index/due"}, {"Fn::Sub": "${Table.Arn}/index/wheel"}]


def test_the_schedule_passes_its_scheduled_time_retries_and_dead_letters() -> None:
    event = FUNCTIONS["ReminderSchedulerFunction"]["Properties"]["Events"]["EveryMinute"]
    assert event["Type"] == "ScheduleV2"
    props = event["Properties"]
    assert props["ScheduleExpression"] == "rate(1 minute)"
    assert "<aws.scheduler.scheduled-time>" in props["Input"]
    assert props["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert props["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["SchedulerDeadLetterQueue", "Arn"]}


def test_the_sender_consumes_the_queue_with_partial_batch_failures() -> None:
    sender = FUNCTIONS["ReminderSenderFunction"]["Properties"]
    queue = RESOURCES["ReminderQueue"]["Properties"]
    trigger = RESOURCES["ReminderSenderTrigger"]["Properties"]
    assert trigger["EventSourceArn"] == {"Fn::GetAtt": ["ReminderQueue", "Arn"]}
    assert trigger["FunctionName"] == {"Ref": "ReminderSenderFunction.Alias"}
    assert trigger["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert trigger["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "SenderMaxConcurrency"}}
    assert "Events" not in sender
    assert queue["VisibilityTimeout"] >= 6 * sender["Timeout"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["ReminderDeadLetterQueue", "Arn"]}


def test_the_firebase_credentials_live_in_secrets_manager_readable_by_the_sender_only() -> None:
    readers = [
        name
        for name, resource in FUNCTIONS.items()
        for policy in resource["Properties"].get("Policies", [])
        for statement in policy.get("Statement", [])
        if "secretsmanager:GetSecretValue" in statement["Action"]
    ]
    assert readers == ["ReminderSenderFunction"]
    assert RESOURCES["FirebaseServiceAccount"]["Type"] == "AWS::SecretsManager::Secret"


def test_only_the_sender_imports_firebase_admin() -> None:

    importers = sorted(
        str(path.relative_to(REPO_ROOT))
        for folder in ("functions", "shared")
        for path in (REPO_ROOT / folder).rglob("*.py")
        if re.search(r"^\s*(import|from) firebase_admin", path.read_text(), re.MULTILINE)
    )
    assert importers == ["shared/selfkind/adapters/firebase_push.py"]
    sender = (REPO_ROOT / "functions/reminder_sender/app.py").read_text()
    assert "selfkind.adapters.firebase_push" in sender


def _statements(function: str) -> list[dict[str, Any]]:
    return [st for policy in FUNCTIONS[function]["Properties"].get("Policies", []) for st in policy["Statement"]]


def test_the_sender_may_use_its_own_queue_and_no_other() -> None:
    from tests.template.rendered import render

    role = render("prod")["Resources"]["ReminderSenderFunctionRole"]["Properties"]
    assert not [arn for arn in role["ManagedPolicyArns"] if "SQS" in arn]  # AWSLambdaSQSQueueExecutionRole: any queue
    sqs = [st for st in _statements("ReminderSenderFunction") if any(a.startswith("sqs:") for a in st["Action"])]
    assert sqs == [
        {
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ChangeMessageVisibility",
            ],
            "Resource": {"Fn::GetAtt": ["ReminderQueue", "Arn"]},
        }
    ]
    for name, resource in FUNCTIONS.items():  # nobody else reads or deletes messages
        if name != "ReminderSenderFunction":
            actions = {a for st in _statements(name) for a in st["Action"]}
            assert not actions & {"sqs:ReceiveMessage", "sqs:DeleteMessage"}, name
            assert not [e for e in resource["Properties"].get("Events", {}).values() if e["Type"] == "SQS"], name


def test_the_table_key_is_usable_only_through_the_services_that_hold_its_data() -> None:
    via = {
        name: st["Condition"]["StringEquals"]["kms:ViaService"]
        for name in FUNCTIONS
        for st in _statements(name)
        if any(a.startswith("kms:") for a in st["Action"])
    }
    dynamodb = {"Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"}
    assert via == {
        "SyncFunction": dynamodb,
        "AccountFunction": dynamodb,
        "ReminderWorkerFunction": dynamodb,
        "ReminderSenderFunction": [dynamodb, {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}],
    }


def test_the_user_pool_is_protected_in_prod_and_on_the_lite_tier_by_default() -> None:
    pool = RESOURCES["UserPool"]["Properties"]
    assert pool["DeletionProtection"] == {"Fn::If": ["IsProd", "ACTIVE", "INACTIVE"]}
    assert pool["UserPoolTier"] == {"Ref": "UserPoolTier"}
    assert TEMPLATE["Parameters"]["UserPoolTier"]["Default"] == "LITE"


def test_every_function_log_group_masks_emails_and_push_tokens() -> None:
    groups = {
        name: r["Properties"]
        for name, r in RESOURCES.items()
        if r["Type"] == "AWS::Logs::LogGroup" and "LogGroupName" in r["Properties"]
    }
    assert len(groups) == len(FUNCTIONS)
    for name, group in groups.items():
        policy = group["DataProtectionPolicy"]
        (token,) = policy["Configuration"]["CustomDataIdentifier"]
        assert token["Name"] == "FcmRegistrationToken"
        sample = "dXN1cmUtaW5zdGFuY2U:APA91b" + "x" * 140
        assert re.fullmatch(token["Regex"], sample), name
        audit, mask = policy["Statement"]
        email = {"Fn::Sub": "arn:${AWS::Partition}:dataprotection::aws:data-identifier/EmailAddress"}
        assert audit["DataIdentifier"] == mask["DataIdentifier"] == [email, "FcmRegistrationToken"]
        assert "Audit" in audit["Operation"]
        assert mask["Operation"] == {"Deidentify": {"MaskConfig": {}}}


def test_the_access_log_carries_the_authorizers_and_the_integrations_errors_and_no_content() -> None:
    log_format = RESOURCES["HttpApi"]["Properties"]["AccessLogSettings"]["Format"]
    assert '"authorizerError":"$context.authorizer.error"' in log_format
    assert '"integrationError":"$context.integrationErrorMessage"' in log_format
    assert not re.search(r"requestBody|querystring|authorization|identity\.sourceIp", log_format, re.IGNORECASE)
