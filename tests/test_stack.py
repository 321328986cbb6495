"""What every environment's stack carries besides the modules: provider, backend, key, alerts."""

import pytest

from f1_infra.settings.environment import EnvironmentConfig
from tests.synth import Stack, policy, statement


def test_provider_region_and_default_tags(stack: Stack, config: EnvironmentConfig) -> None:
    (provider,) = [p for p in stack.doc["provider"]["aws"] if "alias" not in p]
    assert provider["region"] == "us-west-2"
    (default_tags,) = provider["default_tags"]
    assert default_tags["tags"] == {
        **dict(config.tags),
        "Project": "f1-analytics",
        "Environment": stack.name,
        "ManagedBy": "cdktf",
    }


def test_local_state_lives_outside_the_synth_folder(stacks: dict[str, Stack]) -> None:
    # Terraform runs in cdktf.out/stacks/<env>; three levels up is the project root.
    for name in ("dev", "bootstrap"):
        assert stacks[name].doc["terraform"]["backend"] == {
            "local": {"path": f"../../../terraform-state/{name}.tfstate"}
        }


def test_key_is_rotated_and_kept_per_environment(stack: Stack, config: EnvironmentConfig) -> None:
    key = stack.resource("aws_kms_key", "kms/key")
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == config.kms.deletion_window_days
    assert stack.resource("aws_kms_alias", "kms/alias")["name"] == f"alias/f1-analytics-{stack.name}"


@pytest.mark.parametrize(
    ("env", "protected", "window"), [("dev", False, 7), ("staging", False, 30), ("prod", True, 30)]
)
def test_prod_key_cannot_be_destroyed_by_accident(
    stacks: dict[str, Stack], env: str, protected: bool, window: int
) -> None:
    key = stacks[env].resource("aws_kms_key", "kms/key")
    assert key["lifecycle"] == {"prevent_destroy": protected}
    assert key["deletion_window_in_days"] == window


def test_key_policy_lets_logs_alarms_and_events_use_the_key(stack: Stack) -> None:
    document = policy(stack.resource("aws_kms_key", "kms/key"))
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")

    admin = statement(document, "AccountAdministration")
    assert admin["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
    # kms:Put* keeps kms:PutKeyPolicy with the account: without it the key could never be changed.
    assert "kms:Put*" in admin["Action"]
    assert "kms:*" not in admin["Action"]

    logs = statement(document, "CloudWatchLogs")
    assert logs["Principal"] == {"Service": "logs.us-west-2.amazonaws.com"}
    assert set(logs["Action"]) >= {"kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"}
    assert logs["Condition"]["ArnLike"] == {
        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-west-2:{account}:log-group:*"
    }

    publishers = statement(document, "AlarmAndEventPublishers")
    assert publishers["Principal"] == {
        "Service": [
            "cloudwatch.amazonaws.com",
            "events.amazonaws.com",
            "budgets.amazonaws.com",
            "events.rds.amazonaws.com",
        ]
    }
    assert publishers["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]


# The construct path prefix of each tier's topic, policy and subscriptions: the critical tier keeps
# the addresses of the single alerts topic it replaces.
TIER_PATHS = {"critical": "alerts/", "warning": "alerts/warning_", "info": "alerts/info_"}
TIER_NAMES = {"critical": "alerts", "warning": "alerts-warning", "info": "alerts-info"}


@pytest.mark.parametrize("tier", TIER_PATHS)
def test_each_tier_topic_is_encrypted_with_the_environment_key(stack: Stack, tier: str) -> None:
    topic = stack.resource("aws_sns_topic", f"{TIER_PATHS[tier]}topic")
    assert topic["name"] == f"f1-analytics-{stack.name}-{TIER_NAMES[tier]}"
    assert topic["kms_master_key_id"] == stack.ref("aws_kms_key", "kms/key", "arn")


@pytest.mark.parametrize("tier", TIER_PATHS)
def test_alarms_events_and_rds_may_publish_to_each_tier(stack: Stack, tier: str) -> None:
    topic_policy = stack.resource("aws_sns_topic_policy", f"{TIER_PATHS[tier]}policy")
    topic_arn = stack.ref("aws_sns_topic", f"{TIER_PATHS[tier]}topic", "arn")
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    assert topic_policy["arn"] == topic_arn
    document = policy(topic_policy)
    alarms = statement(document, "CloudWatchAlarms")
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Action"] == ["sns:Publish"]
    assert alarms["Resource"] == [topic_arn]
    assert alarms["Condition"]["StringEquals"] == {"aws:SourceAccount": account}
    events = statement(document, "EventBridgeRules")
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert events["Condition"]["StringEquals"] == {"aws:SourceAccount": account}
    rds = statement(document, "RdsEvents")
    assert rds["Principal"] == {"Service": "events.rds.amazonaws.com"}
    assert rds["Condition"] == {
        "StringEquals": {"aws:SourceAccount": account},
        "ArnLike": {"aws:SourceArn": f"arn:aws:rds:us-west-2:{account}:*"},
    }


def test_email_subscriptions_follow_the_environment_file(stack: Stack, config: EnvironmentConfig) -> None:
    topics = {stack.ref("aws_sns_topic", f"{path}topic", "arn"): tier for tier, path in TIER_PATHS.items()}
    # The billing topic in us-east-1 has subscriptions of its own (tests/test_cost.py).
    subscriptions = [s for s in stack.resources("aws_sns_topic_subscription").values() if s["topic_arn"] in topics]
    expected = []
    for topic, tier in topics.items():
        expected += [(topic, e) for e in getattr(config.alerts.tiers, tier).emails]
    assert sorted((s["topic_arn"], s["endpoint"]) for s in subscriptions) == sorted(expected)
    assert {s["protocol"] for s in subscriptions} == {"email"}


def test_outputs_for_operators(stack: Stack) -> None:
    outputs = stack.doc["output"]
    assert outputs["kms_key_arn"]["value"] == stack.ref("aws_kms_key", "kms/key", "arn")
    assert outputs["alerts_topic_arn"]["value"] == stack.ref("aws_sns_topic", "alerts/topic", "arn")
    assert outputs["warning_alerts_topic_arn"]["value"] == stack.ref("aws_sns_topic", "alerts/warning_topic", "arn")
    assert outputs["info_alerts_topic_arn"]["value"] == stack.ref("aws_sns_topic", "alerts/info_topic", "arn")
