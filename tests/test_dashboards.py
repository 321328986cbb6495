"""The seed's four dashboards, per environment: each exists with its URL, and every metric it
draws is one CloudWatch has: a known namespace, a metric of that namespace, and a dimension set
that namespace publishes the metric with (a row with a wrong dimension set draws an empty graph,
silently)."""

import json
from typing import Any

import pytest

from f1_infra.settings.environment import EnvironmentConfig
from tests.synth import Stack

ELB = "AWS/ApplicationELB"
LB, LB_TG, TG = frozenset({"LoadBalancer"}), frozenset({"LoadBalancer", "TargetGroup"}), frozenset({"TargetGroup"})

# namespace -> metric -> the dimension sets CloudWatch publishes it with, and the page that says so.
METRICS: dict[str, dict[str, set[frozenset[str]]]] = {
    # https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
    ELB: {
        "RequestCount": {LB, LB_TG},
        "TargetResponseTime": {LB, LB_TG},
        "HTTPCode_Target_2XX_Count": {LB, LB_TG},
        "HTTPCode_Target_4XX_Count": {LB, LB_TG},
        "HTTPCode_Target_5XX_Count": {LB, LB_TG},
        "HTTPCode_ELB_4XX_Count": {LB},
        "HTTPCode_ELB_5XX_Count": {LB},
        "HealthyHostCount": {LB_TG},
        "UnHealthyHostCount": {LB_TG},
        "ActiveConnectionCount": {LB},
        "TargetConnectionErrorCount": {LB, LB_TG},
        "RequestCountPerTarget": {TG, LB_TG},
    },
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html (dimensions:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/dimensions.html)
    "AWS/RDS": {
        m: {frozenset({"DBInstanceIdentifier"})}
        for m in ("CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "FreeableMemory", "ReadLatency")
    }
    | {"WriteLatency": {frozenset({"DBInstanceIdentifier"})}},
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html (dimensions:
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.html)
    "AWS/ElastiCache": {
        m: {frozenset({"CacheClusterId"}), frozenset({"CacheClusterId", "CacheNodeId"})}
        for m in (
            "EngineCPUUtilization",
            "DatabaseMemoryUsagePercentage",
            "Evictions",
            "CacheHitRate",
            "CurrConnections",
        )
    },
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-EKS.html
    "ContainerInsights": {
        m: {frozenset({"ClusterName"})}
        for m in ("node_cpu_utilization", "node_memory_utilization", "cluster_node_count")
    },
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
    "AWS/SQS": {
        m: {frozenset({"QueueName"})}
        for m in (
            "ApproximateNumberOfMessagesVisible",
            "ApproximateAgeOfOldestMessage",
            "NumberOfMessagesSent",
            "NumberOfMessagesDeleted",
        )
    },
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
    "AWS/Events": {m: {frozenset({"RuleName"})} for m in ("Invocations", "FailedInvocations", "TriggeredRules")},
    # https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html
    "AWS/WAFV2": {m: {frozenset({"Region", "Rule", "WebACL"})} for m in ("AllowedRequests", "BlockedRequests")},
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html (daily storage metrics)
    "AWS/S3": {m: {frozenset({"BucketName", "StorageType"})} for m in ("BucketSizeBytes", "NumberOfObjects")},
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/monitor_estimated_charges_with_cloudwatch.html
    # (us-east-1 only; Currency alone is the account's total, with ServiceName one service's share)
    "AWS/Billing": {"EstimatedCharges": {frozenset({"Currency"}), frozenset({"Currency", "ServiceName"})}},
}
# What the applications publish to their own namespace, without dimensions (docs/deploying-a-service.md).
CUSTOM_METRICS = ("PredictionAccuracy", "ModelTrainingDuration", "IngestionRecords", "IngestionErrors")
BILLING_REGION = "us-east-1"

DASHBOARDS = {
    "system_health": ("monitoring/dashboard", "system-overview"),
    "application_performance": ("monitoring/application_dashboard", "application-performance"),
    "ml_pipeline": ("monitoring/ml_pipeline_dashboard", "ml-pipeline"),
    "cost_monitoring": ("monitoring/cost_dashboard", "cost-monitoring"),
}


def body(stack: Stack, key: str) -> dict[str, Any]:
    return json.loads(stack.resource("aws_cloudwatch_dashboard", DASHBOARDS[key][0])["dashboard_body"])


def rows(document: dict[str, Any]) -> list[tuple[dict[str, Any], list[Any]]]:
    return [(w, m) for w in document["widgets"] if w["type"] == "metric" for m in w["properties"]["metrics"]]


def metric_problem(row: list[Any], custom_namespace: str) -> str | None:
    """Why CloudWatch would draw nothing for a metric row, or None."""
    if not isinstance(row, list) or len(row) < 2:
        return f"{row!r}: not [namespace, metric, ...]"
    parts = row[:-1] if isinstance(row[-1], dict) else row
    if len(parts) % 2 or not all(isinstance(p, str) and p for p in parts):
        return f"{row!r}: namespace, metric name, then dimension name/value pairs"
    namespace, metric, pairs = parts[0], parts[1], parts[2:]
    dimensions = frozenset(pairs[0::2])
    if namespace == custom_namespace:
        return None if metric in CUSTOM_METRICS and not dimensions else f"{row!r}: not a custom metric as published"
    if namespace not in METRICS:
        return f"{row!r}: unknown namespace {namespace}"
    if metric not in METRICS[namespace]:
        return f"{row!r}: {namespace} has no metric {metric}"
    if dimensions not in METRICS[namespace][metric]:
        return f"{row!r}: {namespace} {metric} is published with {sorted(map(sorted, METRICS[namespace][metric]))}"
    return None


def test_the_four_dashboards_exist_with_their_urls(stack: Stack, config: EnvironmentConfig) -> None:
    urls = stack.doc["output"]["dashboard_urls"]["value"]
    assert set(urls) == set(DASHBOARDS)
    for key, (path, suffix) in DASHBOARDS.items():
        name = f"f1-analytics-{stack.name}-{suffix}"
        assert stack.resource("aws_cloudwatch_dashboard", path)["dashboard_name"] == name
        assert urls[key] == (
            f"https://{config.region}.console.aws.amazon.com/cloudwatch/home?region={config.region}"
            f"#dashboards/dashboard/{name}"
        )
    # The existing output still names the system overview, now the system health dashboard.
    assert stack.doc["output"]["dashboard_url"]["value"] == urls["system_health"]


@pytest.mark.parametrize("key", DASHBOARDS)
def test_every_metric_of_every_dashboard_exists(stack: Stack, config: EnvironmentConfig, key: str) -> None:
    document = body(stack, key)
    assert rows(document)
    for widget in document["widgets"]:
        assert widget["type"] in ("metric", "log", "text")
        if widget["type"] != "text":
            assert widget["properties"]["region"]  # rule 38
    for widget, row in rows(document):
        assert metric_problem(row, config.monitoring.custom_metrics_namespace) is None
        # Billing metrics exist only in us-east-1; everything else is the environment's.
        expected = BILLING_REGION if row[0] == "AWS/Billing" else config.region
        assert widget["properties"]["region"] == expected, row


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (["AWS/RDS", "CPUUtilization", "CacheClusterId", "x"], "published with"),
        ([ELB, "HTTPCode_ELB_5XX_Count", "TargetGroup", "t", "LoadBalancer", "l"], "published with"),
        (["AWS/Billing", "EstimatedCharges"], "published with"),
        (["AWS/RDS", "CPUUtilisation", "DBInstanceIdentifier", "x"], "no metric"),
        (["AWS/Nope", "X"], "unknown namespace"),
        (["F1Analytics", "PredictionAccuracy", "Model", "v1"], "custom metric"),
        (["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier"], "pairs"),
    ],
)
def test_the_metric_check_refuses_what_cloudwatch_does_not_publish(row: list[Any], problem: str) -> None:
    assert problem in (metric_problem(row, "F1Analytics") or "")


def test_cost_dashboard_draws_the_accounts_charges_against_the_budget(stack: Stack, config: EnvironmentConfig) -> None:
    document = body(stack, "cost_monitoring")
    billing = [(w, m) for w, m in rows(document) if m[0] == "AWS/Billing"]
    assert ["AWS/Billing", "EstimatedCharges", "Currency", "USD"] in [m[:4] for _, m in billing]
    (total,) = [w for w in document["widgets"] if w["properties"].get("annotations")]
    lines = total["properties"]["annotations"]["horizontal"]
    assert {
        "label": f"budget f1-analytics-{stack.name}-monthly-cost",
        "value": config.monitoring.budget.monthly_limit_usd,
    } in lines
    alarm = config.monitoring.cost.billing_alarm_usd
    assert ({"label": "billing alarm", "value": alarm} in lines) is (alarm is not None)
    (text,) = [w for w in document["widgets"] if w["type"] == "text"]
    assert "billing alerts are enabled" in text["properties"]["markdown"]
    assert "costmanagement/home#/budgets" in text["properties"]["markdown"]


def test_dashboards_name_the_environments_own_resources(stack: Stack) -> None:
    pipeline = {tuple(m[:4]) for _, m in rows(body(stack, "ml_pipeline"))}
    queue = stack.ref("aws_sqs_queue", "monitoring/training_queue", "name")
    dead = stack.ref("aws_sqs_queue", "monitoring/training_dead_letter_queue", "name")
    rule = stack.ref("aws_cloudwatch_event_rule", "monitoring/training_schedule", "name")
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dead) in pipeline
    assert ("AWS/SQS", "NumberOfMessagesSent", "QueueName", queue) in pipeline
    assert ("AWS/Events", "FailedInvocations", "RuleName", rule) in pipeline
    cost = [m for _, m in rows(body(stack, "cost_monitoring")) if m[0] == "AWS/S3"]
    buckets = {m[3] for m in cost}
    assert buckets == {
        stack.ref("aws_s3_bucket", f"storage/{k}/bucket", "bucket") for k in ("models", "backups", "logs")
    }
    application = [m for _, m in rows(body(stack, "application_performance")) if m[0] == "AWS/WAFV2"]
    acl = stack.resource("aws_wafv2_web_acl", "monitoring/waf")["visibility_config"]["metric_name"]
    assert all(m[m.index("WebACL") + 1] == acl for m in application)
    groups = {m[3] for _, m in rows(body(stack, "application_performance")) if "TargetGroup" in m[2:3]}
    assert groups == {
        stack.ref("aws_lb_target_group", f"monitoring/{k}_target_group", "arn_suffix") for k in ("api", "frontend")
    }
