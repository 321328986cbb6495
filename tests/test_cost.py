"""Cost visibility, per environment as configured: the billing alarm on AWS/Billing in us-east-1
through its provider alias, its us-east-1 topic and key (and that CloudWatch and Cost Anomaly
Detection can publish through both policies), the anomaly monitor and its subscription, the cost
allocation tag, and the deploy role's Cost Explorer permissions."""

import json
from pathlib import Path

import pytest
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

from f1_infra.constructs.cost import CostControls
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.monitoring import CostConfig
from tests.journeys.journeys import ACCOUNT
from tests.journeys.policy import Request, evaluate
from tests.synth import Stack, policy, statement

BILLING = "aws.billing"


@pytest.fixture
def prod(stacks: dict[str, Stack]) -> Stack:
    return stacks["prod"]


def billing_provider(stack: Stack) -> dict | None:
    return next((p for p in stack.doc["provider"]["aws"] if p.get("alias") == "billing"), None)


def topic_arn(stack: Stack) -> str:
    return stack.ref("aws_sns_topic", "cost/topic", "arn")


def test_cost_controls_exist_exactly_as_configured(stack: Stack, config: EnvironmentConfig) -> None:
    cost = config.monitoring.cost
    alarm, anomaly = cost.billing_alarm_usd is not None, cost.anomaly_monitor != "none"
    assert (billing_provider(stack) is not None) is (alarm or anomaly or cost.activate_environment_tag)
    assert stack.count("aws_cloudwatch_metric_alarm", "cost/") == int(alarm)
    assert stack.count("aws_sns_topic", "cost/") == stack.count("aws_kms_key", "cost/") == int(alarm or anomaly)
    assert stack.count("aws_ce_anomaly_monitor", "cost/") == stack.count("aws_ce_anomaly_subscription", "cost/")
    assert stack.count("aws_ce_anomaly_monitor", "cost/") == int(anomaly)
    assert stack.count("aws_ce_cost_allocation_tag", "cost/") == int(cost.activate_environment_tag)
    assert ("billing_topic_arn" in stack.doc["output"]) is (alarm or anomaly)


@pytest.mark.parametrize(("env", "threshold"), [("dev", None), ("staging", 2200), ("prod", 6600)])
def test_shipped_cost_choices(configs: dict[str, EnvironmentConfig], env: str, threshold: int | None) -> None:
    """staging and prod have an account each: each carries its account-wide controls (billing alarm,
    the one AWS services monitor), and its budget counts the whole account. dev names no account
    and may share one: its budget counts its own Environment tag, and it leaves the account-wide
    controls to the account's owner."""
    config = configs[env]
    cost = config.monitoring.cost
    assert cost.billing_alarm_usd == threshold
    assert cost.anomaly_monitor == ("none" if config.account_id is None else "services")
    # Only a management account may activate the tag, and only once it is in billing data.
    assert cost.activate_environment_tag is False
    assert config.monitoring.budget.filter_by_environment_tag is (config.account_id is None)


def test_billing_alarm_watches_the_accounts_estimated_charges_in_us_east_1(prod: Stack) -> None:
    provider = billing_provider(prod)
    assert provider["region"] == "us-east-1"
    assert provider["default_tags"] == next(p for p in prod.doc["provider"]["aws"] if "alias" not in p)["default_tags"]
    alarm = prod.resource("aws_cloudwatch_metric_alarm", "cost/billing_alarm")
    assert alarm["provider"] == BILLING
    assert (alarm["namespace"], alarm["metric_name"], alarm["dimensions"]) == (
        "AWS/Billing",
        "EstimatedCharges",
        {"Currency": "USD"},
    )
    assert (alarm["statistic"], alarm["comparison_operator"], alarm["threshold"]) == (
        "Maximum",
        "GreaterThanThreshold",
        6600,
    )
    assert alarm["period"] * alarm["evaluation_periods"] <= 86400
    # Alarm actions must name a topic of the alarm's own region: the billing topic, in us-east-1.
    assert alarm["alarm_actions"] == alarm["ok_actions"] == [topic_arn(prod)]
    topic = prod.resource("aws_sns_topic", "cost/topic")
    assert topic["provider"] == BILLING
    key = prod.resource("aws_kms_key", "cost/key")
    assert key["provider"] == BILLING
    assert key["enable_key_rotation"] is True
    assert topic["kms_master_key_id"] == prod.ref("aws_kms_key", "cost/key", "arn")


def test_billing_topic_is_subscribed_by_the_alert_emails(prod: Stack, configs: dict[str, EnvironmentConfig]) -> None:
    subscriptions = [
        s for s in prod.resources("aws_sns_topic_subscription").values() if s["topic_arn"] == topic_arn(prod)
    ]
    assert sorted(s["endpoint"] for s in subscriptions) == sorted(configs["prod"].alerts.tiers.warning.emails)
    assert all(s["protocol"] == "email" and s["provider"] == BILLING for s in subscriptions)


def publish_problems(stack: Stack, service: str, context: dict[str, str]) -> list[str]:
    """What stops `service` from publishing to the billing topic: the topic policy, then the key."""
    key = stack.ref("aws_kms_key", "cost/key", "arn")
    problems = []
    for action, resource, document in (
        ("sns:Publish", topic_arn(stack), policy(stack.resource("aws_sns_topic_policy", "cost/topic_policy"))),
        ("kms:GenerateDataKey", key, policy(stack.resource("aws_kms_key", "cost/key"))),
        ("kms:Decrypt", key, policy(stack.resource("aws_kms_key", "cost/key"))),
    ):
        decision = evaluate(
            Request(action, resource, principal={"Service": service}, context=context),
            resource_policy=document,
            resource_policy_required=True,
        )
        if not decision.allowed:
            problems.append(f"{action}: {decision.reason}")
    return problems


ALARM_CONTEXT = {
    "aws:SourceAccount": ACCOUNT,
    "aws:SourceArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:f1-analytics-prod-estimated-charges",
}


def test_the_billing_alarm_reaches_the_encrypted_topic(prod: Stack) -> None:
    assert publish_problems(prod, "cloudwatch.amazonaws.com", ALARM_CONTEXT) == []
    # The topic policy holds CloudWatch to this account's us-east-1 alarms.
    elsewhere = {**ALARM_CONTEXT, "aws:SourceArn": ALARM_CONTEXT["aws:SourceArn"].replace("us-east-1", "us-west-2")}
    assert publish_problems(prod, "cloudwatch.amazonaws.com", elsewhere)
    assert publish_problems(prod, "cloudwatch.amazonaws.com", {**ALARM_CONTEXT, "aws:SourceAccount": "111122223333"})


def test_the_journey_breaks_without_the_key_grant(prod: Stack) -> None:
    doc = json.loads(json.dumps(prod.doc))
    name = prod.address("aws_kms_key", "cost/key").split(".", 1)[1]
    key = json.loads(doc["resource"]["aws_kms_key"][name]["policy"])
    key["Statement"] = [s for s in key["Statement"] if s.get("Sid") != "BillingPublishers"]
    doc["resource"]["aws_kms_key"][name]["policy"] = json.dumps(key)
    assert publish_problems(Stack(prod.name, doc), "cloudwatch.amazonaws.com", ALARM_CONTEXT)


def test_cost_anomalies_reach_the_billing_topic_immediately(prod: Stack, configs: dict[str, EnvironmentConfig]) -> None:
    assert publish_problems(prod, "costalerts.amazonaws.com", {"aws:SourceAccount": ACCOUNT}) == []
    grant = statement(policy(prod.resource("aws_sns_topic_policy", "cost/topic_policy")), "CostAnomalyDetection")
    assert grant["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    monitor = prod.resource("aws_ce_anomaly_monitor", "cost/anomaly_monitor")
    assert (monitor["monitor_type"], monitor["monitor_dimension"]) == ("DIMENSIONAL", "SERVICE")
    subscription = prod.resource("aws_ce_anomaly_subscription", "cost/anomaly_subscription")
    # An SNS subscriber takes IMMEDIATE frequency only.
    assert subscription["frequency"] == "IMMEDIATE"
    assert subscription["subscriber"] == [{"type": "SNS", "address": topic_arn(prod)}]
    assert subscription["monitor_arn_list"] == [prod.ref("aws_ce_anomaly_monitor", "cost/anomaly_monitor", "arn")]
    threshold = str(configs["prod"].monitoring.cost.anomaly_threshold_usd)
    assert subscription["threshold_expression"] == {
        "dimension": {
            "key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
            "match_options": ["GREATER_THAN_OR_EQUAL"],
            "values": [threshold],
        }
    }
    assert prod.address("aws_sns_topic_policy", "cost/topic_policy") in subscription["depends_on"]


@pytest.fixture(scope="module")
def options(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """The options no shipped file takes: a monitor of the Environment tag and the tag's activation,
    without a billing alarm."""
    app = App(outdir=str(tmp_path_factory.mktemp("cost")))
    stack = TerraformStack(app, "cost")
    AwsProvider(stack, "aws", region="eu-west-1")
    CostControls(
        stack,
        "cost",
        settings=CostConfig(anomaly_monitor="environment_tag", activate_environment_tag=True),
        name_prefix="f1-analytics-qa",
        environment="qa",
        partition="aws",
        account_id="123456789012",
        emails=["qa@f1-analytics.example"],
        default_tags={"Environment": "qa"},
        allowed_account_id="123456789012",
        key_deletion_window_days=7,
        protect=False,
    )
    app.synth()
    return Stack("cost", json.loads(Path(app.outdir, "stacks", "cost", "cdk.tf.json").read_text()))


def test_the_environment_tag_is_activated_and_monitored_when_asked(options: Stack) -> None:
    tag = options.resource("aws_ce_cost_allocation_tag", "cost/environment_tag")
    assert (tag["tag_key"], tag["status"], tag["provider"]) == ("Environment", "Active", BILLING)
    monitor = options.resource("aws_ce_anomaly_monitor", "cost/anomaly_monitor")
    assert monitor["monitor_type"] == "CUSTOM"
    assert json.loads(monitor["monitor_specification"]) == {
        "Tags": {"Key": "Environment", "MatchOptions": ["EQUALS"], "Values": ["qa"]}
    }
    # No alarm: CloudWatch gets neither the topic nor the key.
    assert "aws_cloudwatch_metric_alarm" not in options.doc["resource"]
    topic_policy = policy(options.resource("aws_sns_topic_policy", "cost/topic_policy"))
    assert [s["Sid"] for s in topic_policy["Statement"]] == ["AccountOwner", "CostAnomalyDetection"]
    key = statement(policy(options.resource("aws_kms_key", "cost/key")), "BillingPublishers")
    assert key["Principal"] == {"Service": ["costalerts.amazonaws.com"]}


def test_the_deploy_role_manages_and_the_plan_role_reads_cost_explorer(stacks: dict[str, Stack]) -> None:
    bootstrap = stacks["bootstrap"]
    request = {"aws:RequestedRegion": "us-east-1"}
    for env in ("staging", "prod"):
        deploy = policy(bootstrap.resource("aws_iam_role_policy", f"{env}/policy"))
        plan = policy(bootstrap.resource("aws_iam_role_policy", f"{env}/plan_policy"))
        for action in ("ce:CreateAnomalyMonitor", "ce:CreateAnomalySubscription", "ce:UpdateCostAllocationTagsStatus"):
            assert evaluate(Request(action, "*", context=request), identity=[deploy]).allowed, action
            assert not evaluate(Request(action, "*", context=request), identity=[plan]).allowed, action
        for action in ("ce:GetAnomalyMonitors", "ce:GetAnomalySubscriptions", "ce:ListCostAllocationTags"):
            assert evaluate(Request(action, "*", context=request), identity=[plan]).allowed, action
