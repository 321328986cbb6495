"""Alert tiers: every alarm has a tier and notifies that tier's topic, the platform-health
composite combines every critical alarm (within CloudWatch's limits), and RDS events reach the
info tier."""

import re
from typing import Any

from f1_infra.constructs.alerts import TIER_TAG, TIERS
from f1_infra.constructs.cost import BILLING_PROVIDER_ALIAS
from f1_infra.constructs.database import INSTANCE_EVENT_CATEGORIES
from f1_infra.rules.monitoring import (
    COMPOSITE_MAX_ALARMS,
    COMPOSITE_RULE_MAX_CHARACTERS,
    platform_health_alarm_names,
)
from f1_infra.settings.environment import EnvironmentConfig
from tests.synth import Stack

TOPIC_PATHS = {"critical": "alerts/topic", "warning": "alerts/warning_topic", "info": "alerts/info_topic"}
# The tier of each alarm, by the end of its name (docs/alerts.md gives the reasons).
TIER_OF_ALARM = (
    (r"-alb-response-time-p95$", "warning"),
    (r"-alb-response-time-p99$", "critical"),
    (r"-alb-5xx-rate$", "critical"),
    (r"-alb-(api|frontend)-unhealthy-hosts$", "critical"),
    (r"-alb-(api|frontend)-no-healthy-hosts$", "critical"),
    (r"-waf-blocked-requests$", "warning"),
    (r"-(prediction-accuracy|model-training-duration|ingestion-errors|ingestion-stalled)$", "warning"),
    (r"-ml-training-dead-letters$", "critical"),
    (r"-eks-unschedulable-pods$", "critical"),
    (r"-postgres-(cpu|connections|freeable-memory|free-storage)$", "critical"),
    (r"-postgres-replica-[0-9]+-lag$", "critical"),
    (r"-cache-[0-9-]+-(cpu|memory)$", "critical"),
    (r"-cache-[0-9-]+-(evictions|connections|replication-lag)$", "warning"),
    (r"-estimated-charges$", "warning"),
)
APPLICATION_FED = re.compile(
    r"-(prediction-accuracy|model-training-duration|ingestion-errors|ingestion-stalled|alb-[a-z]+-no-healthy-hosts)$"
)


def expected_tier(name: str) -> str:
    tiers = [tier for pattern, tier in TIER_OF_ALARM if re.search(pattern, name)]
    assert len(tiers) == 1, f"{name}: no tier, or more than one, in TIER_OF_ALARM"
    return tiers[0]


def topics(stack: Stack) -> dict[str, str]:
    return {tier: stack.ref("aws_sns_topic", path, "arn") for tier, path in TOPIC_PATHS.items()}


def topic_of(stack: Stack, tier: str, alarm: dict[str, Any]) -> str:
    """The topic an alarm of `tier` notifies: its tier's, or for the billing alarm, which lives in
    us-east-1, the billing topic there (alarm actions name a topic of the alarm's region)."""
    if alarm.get("provider") == f"aws.{BILLING_PROVIDER_ALIAS}":
        return stack.ref("aws_sns_topic", "cost/topic", "arn")
    return topics(stack)[tier]


def alarms(stack: Stack) -> dict[str, dict[str, Any]]:
    """Every metric and composite alarm of the stack, by its Terraform name."""
    return {
        name: body
        for type_ in ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")
        for name, body in stack.resources(type_).items()
    }


def composite_children(stack: Stack) -> list[str]:
    """The Terraform names of the alarms the platform-health rule combines."""
    rule = stack.resource("aws_cloudwatch_composite_alarm", "monitoring/platform_health")["alarm_rule"]
    return re.findall(r'ALARM\("\$\{aws_cloudwatch_metric_alarm\.([^.]+)\.alarm_name\}"\)', rule)


def test_every_alarm_notifies_its_tiers_topic(stack: Stack, config: EnvironmentConfig) -> None:
    """An alarm whose actions name no tier topic, another tier's topic, or differ between ALARM and
    OK fails here; an application-fed alarm has none until applications_live."""
    live = config.monitoring.alarms.applications_live
    for name, body in alarms(stack).items():
        tier = body["tags"][TIER_TAG]
        assert tier in TIERS, name
        if "metric_name" in body or "metric_query" in body:
            assert tier == expected_tier(body["alarm_name"]), body["alarm_name"]
        notifies = live or not APPLICATION_FED.search(body["alarm_name"])
        expected = [topic_of(stack, tier, body)] if notifies else []
        assert body["alarm_actions"] == body["ok_actions"] == expected, name


def test_platform_health_combines_exactly_the_critical_alarms_that_notify(
    stack: Stack, config: EnvironmentConfig
) -> None:
    composite = stack.resource("aws_cloudwatch_composite_alarm", "monitoring/platform_health")
    assert composite["tags"] == {TIER_TAG: "critical"}
    assert composite["alarm_actions"] == composite["ok_actions"] == [topics(stack)["critical"]]
    critical = {
        name
        for name, body in stack.resources("aws_cloudwatch_metric_alarm").items()
        if body["tags"][TIER_TAG] == "critical" and body["alarm_actions"]
    }
    children = composite_children(stack)
    assert len(children) == len(set(children))
    assert set(children) == critical
    # The cluster's, every replica's lag and the dead-letter queue's alarms are among them.
    paths = ["cluster/unschedulable_pods", "monitoring/ml_training_dead_letters_alarm"]
    paths += [f"database/replica_{n}_lag_alarm" for n in range(1, config.database.read_replicas + 1)]
    for path in paths:
        assert stack.address("aws_cloudwatch_metric_alarm", path).split(".")[1] in critical, path


def test_the_rules_know_the_composites_alarms_and_its_limits(stack: Stack, config: EnvironmentConfig) -> None:
    """rules/monitoring.py refuses a file whose composite would exceed CloudWatch's limits; it can
    only do so if it names the alarms the constructs combine."""
    metric_alarms = stack.resources("aws_cloudwatch_metric_alarm")
    names = [metric_alarms[child]["alarm_name"] for child in composite_children(stack)]
    assert names == platform_health_alarm_names(config)
    rule = " OR ".join(f'ALARM("{name}")' for name in names)
    assert len(names) <= COMPOSITE_MAX_ALARMS
    assert len(rule) <= COMPOSITE_RULE_MAX_CHARACTERS


def test_rds_events_of_every_instance_go_to_the_info_topic(stack: Stack, config: EnvironmentConfig) -> None:
    subscription = stack.resource("aws_db_event_subscription", "database/event_subscription")
    assert subscription["sns_topic"] == topics(stack)["info"]
    assert subscription["source_type"] == "db-instance"
    instances = [stack.ref("aws_db_instance", "database/instance", "identifier")]
    instances += [
        stack.ref("aws_db_instance", f"database/replica_{n}", "identifier")
        for n in range(1, config.database.read_replicas + 1)
    ]
    assert subscription["source_ids"] == instances
    assert subscription["event_categories"] == list(INSTANCE_EVENT_CATEGORIES)
    for category in ("backup", "maintenance", "failover", "read replica", "low storage"):
        assert category in subscription["event_categories"]
    assert subscription["name_prefix"] == f"f1-analytics-{stack.name}-postgres-"
    assert "enabled" not in subscription or subscription["enabled"] is True


def test_the_budget_notifies_the_warning_tier(stack: Stack) -> None:
    budget = next(iter(stack.resources("aws_budgets_budget").values()))
    for notification in budget["notification"]:
        assert notification["subscriber_sns_topic_arns"] == [topics(stack)["warning"]]
