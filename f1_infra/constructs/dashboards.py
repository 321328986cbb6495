"""The four dashboards of the seed, as CloudWatch dashboard bodies: System Health (the system
overview), Application Performance, ML Pipeline and Cost Monitoring. Each body is a dict that
monitoring.py serialises; resource ids in it are Terraform references. Every metric row is
[namespace, metric name, dimension name, value, ..., {options}] and every metric widget names its
region (rule 38)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from f1_infra.constructs.cost import BILLING_CURRENCY, BILLING_METRIC, BILLING_NAMESPACE, BILLING_REGION
from f1_infra.constructs.observability import DASHBOARD_PERIOD

# S3 publishes its storage metrics once a day.
DAILY = 86400
ELB = "AWS/ApplicationELB"
# The services whose estimated charges the cost dashboard breaks out (AWS/Billing ServiceName).
BILLED_SERVICES = ("AmazonEC2", "AmazonEKS", "AmazonRDS", "AmazonElastiCache", "AmazonS3", "AmazonCloudWatch")


@dataclass(frozen=True)
class DashboardFacts:
    """What the dashboards show, by name or reference: the shared facts of the modules."""

    region: str
    namespace: str
    cluster_name: str
    log_groups: Mapping[str, str]
    lb_suffix: str
    target_groups: Mapping[str, str]
    waf_metric_name: str
    database_id: str
    cache_node_ids: Sequence[str]
    training_queue: str
    training_dead_letter_queue: str
    training_rule: str
    buckets: Mapping[str, str]
    budget_name: str
    monthly_budget_usd: float
    billing_alarm_usd: float | None


def widget(
    title: str, metrics: list[list[Any]], region: str, stat: str = "Average", *, width: int = 8, **extra: Any
) -> dict[str, Any]:
    properties = {"title": title, "region": region, "view": "timeSeries", "stat": stat, "period": DASHBOARD_PERIOD}
    return {"type": "metric", "width": width, "height": 6, "properties": {**properties, "metrics": metrics, **extra}}


def logs_widget(title: str, region: str, log_groups: Sequence[str], query: str) -> dict[str, Any]:
    sources = " | ".join(f"SOURCE '{name}'" for name in log_groups)
    return {
        "type": "log",
        "width": 24,
        "height": 6,
        "properties": {"title": title, "region": region, "view": "table", "query": f"{sources} | {query}"},
    }


def text_widget(markdown: str) -> dict[str, Any]:
    return {"type": "text", "width": 24, "height": 3, "properties": {"markdown": markdown}}


ERRORS_QUERY = (
    "fields @timestamp, @log, @message | filter @message like /(?i)(error|exception)/ "
    "| sort @timestamp desc | limit 100"
)


def system_health(facts: DashboardFacts) -> dict[str, Any]:
    """Overall platform status: load balancer, database, cache, nodes, business metrics, recent errors."""
    region, lb, namespace = facts.region, facts.lb_suffix, facts.namespace
    nodes = facts.cache_node_ids
    widgets = [
        widget("ALB requests", [[ELB, "RequestCount", "LoadBalancer", lb]], region, "Sum"),
        widget(
            "ALB target response time (s)",
            [
                [ELB, "TargetResponseTime", "LoadBalancer", lb, {"stat": "p95", "label": "p95"}],
                [ELB, "TargetResponseTime", "LoadBalancer", lb, {"stat": "p99", "label": "p99"}],
            ],
            region,
        ),
        widget(
            "ALB 5xx",
            [
                [ELB, "HTTPCode_Target_5XX_Count", "LoadBalancer", lb],
                [ELB, "HTTPCode_ELB_5XX_Count", "LoadBalancer", lb],
            ],
            region,
            "Sum",
        ),
        widget(
            "Unhealthy targets",
            [
                [ELB, "UnHealthyHostCount", "TargetGroup", group, "LoadBalancer", lb, {"label": key}]
                for key, group in facts.target_groups.items()
            ],
            region,
            "Maximum",
        ),
        widget("RDS CPU (%)", [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", facts.database_id]], region),
        widget(
            "RDS connections", [["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", facts.database_id]], region
        ),
        widget(
            "RDS free storage (bytes)",
            [["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", facts.database_id]],
            region,
        ),
        widget(
            "Redis engine CPU (%)",
            [["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", n] for n in nodes],
            region,
        ),
        widget(
            "Redis memory (%)",
            [["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", n] for n in nodes],
            region,
        ),
        widget(
            "Redis evictions", [["AWS/ElastiCache", "Evictions", "CacheClusterId", n] for n in nodes], region, "Sum"
        ),
        # Published by the cluster's amazon-cloudwatch-observability add-on, cluster-level (dimension
        # ClusterName only): https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-EKS.html
        widget(
            "EKS nodes (Container Insights)",
            [
                ["ContainerInsights", "node_cpu_utilization", "ClusterName", facts.cluster_name],
                ["ContainerInsights", "node_memory_utilization", "ClusterName", facts.cluster_name],
                ["ContainerInsights", "cluster_node_count", "ClusterName", facts.cluster_name, {"stat": "Maximum"}],
            ],
            region,
        ),
        widget("Prediction accuracy (%)", [[namespace, "PredictionAccuracy"]], region),
        widget("Model training duration (s)", [[namespace, "ModelTrainingDuration"]], region, "Maximum"),
        widget(
            "Ingestion",
            [[namespace, "IngestionRecords"], [namespace, "IngestionErrors", {"yAxis": "right"}]],
            region,
            "Sum",
        ),
        logs_widget("Recent errors", region, list(facts.log_groups.values()), ERRORS_QUERY),
    ]
    return {"widgets": widgets}


def application_performance(facts: DashboardFacts) -> dict[str, Any]:
    """The API and the web front end as their users see them: traffic, latency, errors per target
    group, what the WAF blocks, and the data stores' latency behind them."""
    region, lb = facts.region, facts.lb_suffix
    groups = facts.target_groups.items()
    waf = ["Region", region, "Rule", "ALL", "WebACL", facts.waf_metric_name]
    widgets = [
        widget(
            "Requests per target group",
            [[ELB, "RequestCount", "TargetGroup", g, "LoadBalancer", lb, {"label": k}] for k, g in groups],
            region,
            "Sum",
        ),
        widget(
            "Target response time p50 / p95 / p99 (s)",
            [
                [ELB, "TargetResponseTime", "TargetGroup", g, "LoadBalancer", lb, {"stat": p, "label": f"{k} {p}"}]
                for k, g in groups
                for p in ("p50", "p95", "p99")
            ],
            region,
        ),
        widget(
            "Responses by class",
            [
                [ELB, f"HTTPCode_Target_{code}_Count", "LoadBalancer", lb, {"label": f"target {code}"}]
                for code in ("2XX", "4XX", "5XX")
            ]
            + [
                [ELB, f"HTTPCode_ELB_{code}_Count", "LoadBalancer", lb, {"label": f"ALB {code}"}]
                for code in ("4XX", "5XX")
            ],
            region,
            "Sum",
        ),
        widget(
            "Healthy targets",
            [[ELB, "HealthyHostCount", "TargetGroup", g, "LoadBalancer", lb, {"label": k}] for k, g in groups],
            region,
            "Minimum",
        ),
        widget(
            "Connections",
            [
                [ELB, "ActiveConnectionCount", "LoadBalancer", lb],
                [ELB, "TargetConnectionErrorCount", "LoadBalancer", lb, {"yAxis": "right"}],
            ],
            region,
            "Sum",
        ),
        widget(
            "WAF requests",
            [["AWS/WAFV2", "AllowedRequests", *waf], ["AWS/WAFV2", "BlockedRequests", *waf]],
            region,
            "Sum",
        ),
        widget(
            "RDS read / write latency (s)",
            [
                ["AWS/RDS", "ReadLatency", "DBInstanceIdentifier", facts.database_id],
                ["AWS/RDS", "WriteLatency", "DBInstanceIdentifier", facts.database_id],
            ],
            region,
        ),
        widget(
            "Redis cache hit rate (%)",
            [["AWS/ElastiCache", "CacheHitRate", "CacheClusterId", n] for n in facts.cache_node_ids],
            region,
        ),
        widget(
            "Redis connections",
            [["AWS/ElastiCache", "CurrConnections", "CacheClusterId", n] for n in facts.cache_node_ids],
            region,
            "Maximum",
        ),
        logs_widget("API errors", region, [facts.log_groups["api"], facts.log_groups["application"]], ERRORS_QUERY),
    ]
    return {"widgets": widgets}


def ml_pipeline(facts: DashboardFacts) -> dict[str, Any]:
    """Training and prediction: the schedule, the training queue, the metrics the pipeline
    publishes, and the ML and ingestion logs."""
    region, namespace = facts.region, facts.namespace
    queue, dead = facts.training_queue, facts.training_dead_letter_queue
    widgets = [
        widget(
            "Training schedule",
            [
                ["AWS/Events", "Invocations", "RuleName", facts.training_rule],
                ["AWS/Events", "FailedInvocations", "RuleName", facts.training_rule],
            ],
            region,
            "Sum",
        ),
        widget(
            "Training queue",
            [
                ["AWS/SQS", "NumberOfMessagesSent", "QueueName", queue],
                ["AWS/SQS", "NumberOfMessagesDeleted", "QueueName", queue],
                ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue, {"stat": "Maximum"}],
            ],
            region,
            "Sum",
        ),
        widget(
            "Oldest waiting training message (s)",
            [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue]],
            region,
            "Maximum",
        ),
        widget(
            "Dead-lettered training messages",
            [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dead]],
            region,
            "Maximum",
        ),
        widget("Prediction accuracy (%)", [[namespace, "PredictionAccuracy"]], region),
        widget("Model training duration (s)", [[namespace, "ModelTrainingDuration"]], region, "Maximum"),
        widget("Ingested records", [[namespace, "IngestionRecords"]], region, "Sum"),
        widget("Ingestion errors", [[namespace, "IngestionErrors"]], region, "Sum"),
        widget(
            "Model artifacts (bytes)",
            [["AWS/S3", "BucketSizeBytes", "BucketName", facts.buckets["models"], "StorageType", "StandardStorage"]],
            region,
            "Maximum",
            period=DAILY,
        ),
        logs_widget(
            "ML pipeline and ingestion errors",
            region,
            [facts.log_groups["ml-pipeline"], facts.log_groups["ingestion"]],
            ERRORS_QUERY,
        ),
    ]
    return {"widgets": widgets}


def cost_monitoring(facts: DashboardFacts) -> dict[str, Any]:
    """What the account is charged (AWS/Billing lives in us-east-1 only, so those widgets name that
    region), against the environment's budget, and the utilization that shows what could shrink.
    A dashboard cannot show an AWS Budget (it is no CloudWatch metric): its amount is drawn as an
    annotation, and the text widget links to it."""
    region = facts.region
    total = [BILLING_NAMESPACE, BILLING_METRIC, "Currency", BILLING_CURRENCY]
    lines = [{"label": f"budget {facts.budget_name}", "value": facts.monthly_budget_usd}]
    if facts.billing_alarm_usd is not None:
        lines.append({"label": "billing alarm", "value": facts.billing_alarm_usd})
    budgets = "https://console.aws.amazon.com/costmanagement/home#/budgets"
    widgets = [
        text_widget(
            f"**Cost.** Budget `{facts.budget_name}`: {facts.monthly_budget_usd:g} USD a month "
            f"([AWS Budgets]({budgets})). Estimated charges are the whole account's, month to date, from "
            f"{BILLING_REGION}; they appear once billing alerts are enabled in the billing preferences. "
            "[Cost Explorer](https://console.aws.amazon.com/costmanagement/home#/cost-explorer) "
            "breaks them down by the Environment tag once it is an active cost allocation tag."
        ),
        widget(
            "Estimated charges, month to date (USD)",
            [[*total, {"label": "account"}]],
            BILLING_REGION,
            "Maximum",
            width=12,
            period=DAILY // 4,
            annotations={"horizontal": lines},
        ),
        widget(
            "Estimated charges by service (USD)",
            [[*total, "ServiceName", s, {"label": s}] for s in BILLED_SERVICES],
            BILLING_REGION,
            "Maximum",
            width=12,
            period=DAILY // 4,
        ),
        widget(
            "EKS node utilization (%)",
            [
                ["ContainerInsights", "node_cpu_utilization", "ClusterName", facts.cluster_name],
                ["ContainerInsights", "node_memory_utilization", "ClusterName", facts.cluster_name],
            ],
            region,
        ),
        widget(
            "EKS nodes",
            [["ContainerInsights", "cluster_node_count", "ClusterName", facts.cluster_name]],
            region,
            "Maximum",
        ),
        widget(
            "RDS CPU and memory",
            [
                ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", facts.database_id],
                ["AWS/RDS", "FreeableMemory", "DBInstanceIdentifier", facts.database_id, {"yAxis": "right"}],
            ],
            region,
        ),
        widget(
            "Redis engine CPU (%)",
            [["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", n] for n in facts.cache_node_ids],
            region,
        ),
        widget(
            "S3 storage (bytes)",
            [
                ["AWS/S3", "BucketSizeBytes", "BucketName", name, "StorageType", "StandardStorage", {"label": key}]
                for key, name in facts.buckets.items()
            ],
            region,
            "Maximum",
            period=DAILY,
        ),
        widget(
            "S3 objects",
            [
                ["AWS/S3", "NumberOfObjects", "BucketName", name, "StorageType", "AllStorageTypes", {"label": key}]
                for key, name in facts.buckets.items()
            ],
            region,
            "Maximum",
            period=DAILY,
        ),
    ]
    return {"widgets": widgets}


DASHBOARDS = {
    # key: (construct id, name suffix, body). The system overview keeps the address and the name it had.
    "system_health": ("dashboard", "system-overview", system_health),
    "application_performance": ("application_dashboard", "application-performance", application_performance),
    "ml_pipeline": ("ml_pipeline_dashboard", "ml-pipeline", ml_pipeline),
    "cost_monitoring": ("cost_dashboard", "cost-monitoring", cost_monitoring),
}
