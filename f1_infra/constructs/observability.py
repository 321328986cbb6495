"""What the platform says about itself: the application log groups, the alarms (each notifying
the topic of its alert tier) and the composite platform-health alarm. The dashboards are in
dashboards.py."""

from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_composite_alarm import CloudwatchCompositeAlarm
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from cdktf_cdktf_provider_aws.lb import Lb
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup
from constructs import Construct

from f1_infra.constructs.alerts import AlertTopics, Tier
from f1_infra.settings.monitoring import MonitoringAlarmsConfig

LOG_GROUPS = ("application", "api", "ml-pipeline", "ingestion")
DASHBOARD_PERIOD = 300
# WAF publishes BlockedRequests per 5 minutes summed over every rule of the web ACL under Rule=ALL.
WAF_PERIOD = 300
WAF_ALL_RULES = "ALL"


class Alarms:
    """The environment's metric alarms, built into ``scope`` (their Terraform addresses stay as
    they were); ``names`` maps each alarm's key to its name, ``critical`` lists the names of the
    critical alarms that notify (the platform-health composite combines them)."""

    def __init__(self, scope: Construct, *, name_prefix: str, topics: AlertTopics) -> None:
        self._scope = scope
        self._prefix = name_prefix
        self._topics = topics
        self.names: dict[str, str] = {}
        self.critical: list[str] = []

    def add(
        self, key: str, description: str, *, tier: Tier, notify: bool = True, **arguments: Any
    ) -> CloudwatchMetricAlarm:
        """An alarm notifying its tier's topic; with ``notify`` false it has no actions yet (its
        state shows in the console; adding the topic later changes it in place)."""
        alarm = CloudwatchMetricAlarm(
            self._scope,
            f"{key.replace('-', '_')}_alarm",
            alarm_name=f"{self._prefix}-{key}",
            alarm_description=f"{self._prefix}: {description}",
            **self._topics.actions(tier, notify=notify),
            **arguments,
        )
        self.names[key] = alarm.alarm_name
        if tier == "critical" and notify:
            self.critical.append(alarm.alarm_name)
        return alarm


def log_groups(scope: Construct, *, name_prefix: str, retention_days: int, kms_key_arn: str) -> dict[str, str]:
    """The applications' log groups, /<prefix>/<name>; returns name -> log group name."""
    names: dict[str, str] = {}
    for key in LOG_GROUPS:
        group = CloudwatchLogGroup(
            scope,
            f"{key.replace('-', '_')}_logs",
            name=f"/{name_prefix}/{key}",
            retention_in_days=retention_days,
            kms_key_id=kms_key_arn,
        )
        names[key] = group.name
    return names


def load_balancer_alarms(
    alarms: Alarms, limits: MonitoringAlarmsConfig, lb: Lb, target_groups: dict[str, LbTargetGroup]
) -> None:
    """The load balancer's alarms: slow (p95) is a warning; very slow (p99), failing (5xx) or
    without healthy targets is critical."""
    timing = {"period": limits.period_seconds, "evaluation_periods": limits.evaluation_periods}
    alb_dimensions = {"LoadBalancer": lb.arn_suffix}
    for percentile, threshold, tier in (
        ("p95", limits.response_time_p95_seconds, "warning"),
        ("p99", limits.response_time_p99_seconds, "critical"),
    ):
        alarms.add(
            f"alb-response-time-{percentile}",
            f"{percentile} target response time above {threshold} s",
            tier=tier,
            namespace="AWS/ApplicationELB",
            metric_name="TargetResponseTime",
            dimensions=alb_dimensions,
            extended_statistic=percentile,
            comparison_operator="GreaterThanThreshold",
            threshold=threshold,
            # No requests, no response times: a quiet period is not a slow one.
            treat_missing_data="notBreaching",
            **timing,
        )

    def metric(id_: str, name: str) -> CloudwatchMetricAlarmMetricQuery:
        return CloudwatchMetricAlarmMetricQuery(
            id=id_,
            metric=CloudwatchMetricAlarmMetricQueryMetric(
                namespace="AWS/ApplicationELB",
                metric_name=name,
                dimensions=alb_dimensions,
                stat="Sum",
                period=limits.period_seconds,
            ),
        )

    # RequestCount counts only the requests for which the load balancer chose a target: the 503s it
    # answers itself when a target group has no healthy target are in HTTPCode_ELB_5XX_Count alone,
    # so they are added to both sides (AWS, "CloudWatch metrics for your Application Load
    # Balancer"). A 502 or 504 after a target was chosen is then counted twice in the denominator,
    # which can only understate the rate by up to half: all-502 traffic still reads 50 %.
    alarms.add(
        "alb-5xx-rate",
        f"more than {limits.error_rate_percent} % of requests answered with a 5xx (targets or load balancer)",
        tier="critical",
        metric_query=[
            metric("errors", "HTTPCode_Target_5XX_Count"),
            metric("elb_errors", "HTTPCode_ELB_5XX_Count"),
            metric("requests", "RequestCount"),
            CloudwatchMetricAlarmMetricQuery(
                id="error_rate",
                expression="IF(FILL(requests, 0) + FILL(elb_errors, 0) > 0, 100 * (FILL(errors, 0) + "
                "FILL(elb_errors, 0)) / (FILL(requests, 0) + FILL(elb_errors, 0)), 0)",
                label="5xx rate (%)",
                return_data=True,
            ),
        ],
        comparison_operator="GreaterThanThreshold",
        threshold=limits.error_rate_percent,
        # ELB publishes no 5xx count when there were none: missing data is a healthy period.
        treat_missing_data="notBreaching",
        evaluation_periods=limits.evaluation_periods,
    )
    for key, group in target_groups.items():
        per_group = {
            "namespace": "AWS/ApplicationELB",
            "dimensions": {"TargetGroup": group.arn_suffix, "LoadBalancer": lb.arn_suffix},
            **timing,
        }
        alarms.add(
            f"alb-{key}-unhealthy-hosts",
            f"more than {limits.unhealthy_hosts} unhealthy {key} targets",
            tier="critical",
            metric_name="UnHealthyHostCount",
            statistic="Maximum",
            comparison_operator="GreaterThanThreshold",
            threshold=limits.unhealthy_hosts,
            # A group with no registered targets publishes nothing; that is no unhealthy host.
            treat_missing_data="notBreaching",
            **per_group,
        )
        # UnHealthyHostCount stays 0 when a group has no target at all, and the load balancer then
        # answers 503 itself: only the healthy count shows it. Health checks publish it whether or
        # not requests flow, so no data means the group is not served.
        alarms.add(
            f"alb-{key}-no-healthy-hosts",
            f"no healthy {key} target: the load balancer answers 503",
            tier="critical",
            metric_name="HealthyHostCount",
            statistic="Minimum",
            comparison_operator="LessThanThreshold",
            threshold=1,
            treat_missing_data="breaching",
            notify=limits.applications_live,
            **per_group,
        )


def business_alarms(alarms: Alarms, limits: MonitoringAlarmsConfig, namespace: str) -> None:
    """Alarms on the metrics the applications publish to their custom namespace; they notify once
    ``applications_live`` says the applications publish. All are warnings: a worse model or a late
    pipeline is for working hours, and the platform serving requests is watched by critical alarms."""
    custom = {
        "namespace": namespace,
        "period": limits.ingestion_period_seconds,
        "notify": limits.applications_live,
        "tier": "warning",
    }
    alarms.add(
        "prediction-accuracy",
        f"prediction accuracy below {limits.prediction_accuracy_min_percent} %",
        metric_name="PredictionAccuracy",
        statistic="Average",
        comparison_operator="LessThanThreshold",
        threshold=limits.prediction_accuracy_min_percent,
        evaluation_periods=1,
        # Accuracy is published once per evaluation run: between runs the last verdict stands.
        treat_missing_data="ignore",
        **custom,
    )
    alarms.add(
        "model-training-duration",
        f"model training took more than {limits.training_duration_max_minutes} minutes",
        metric_name="ModelTrainingDuration",
        statistic="Maximum",
        comparison_operator="GreaterThanThreshold",
        threshold=limits.training_duration_max_minutes * 60,
        evaluation_periods=1,
        # Published once per training run: between runs the last verdict stands.
        treat_missing_data="ignore",
        **custom,
    )
    alarms.add(
        "ingestion-errors",
        f"more than {limits.ingestion_errors} ingestion errors in {limits.ingestion_period_seconds} s",
        metric_name="IngestionErrors",
        statistic="Sum",
        comparison_operator="GreaterThanThreshold",
        threshold=limits.ingestion_errors,
        evaluation_periods=1,
        # Workers publish errors only when they happen: no data is no error.
        treat_missing_data="notBreaching",
        **custom,
    )
    alarms.add(
        "ingestion-stalled",
        f"no records ingested for {limits.ingestion_stalled_periods} periods of {limits.ingestion_period_seconds} s",
        metric_name="IngestionRecords",
        statistic="Sum",
        comparison_operator="LessThanThreshold",
        threshold=1,
        evaluation_periods=limits.ingestion_stalled_periods,
        # A stalled pipeline publishes nothing at all: no data is exactly what this alarm is for.
        treat_missing_data="breaching",
        **custom,
    )


def waf_alarm(alarms: Alarms, limits: MonitoringAlarmsConfig, *, web_acl_metric_name: str, region: str) -> None:
    """The web ACL blocking more than the file allows in 5 minutes, all rules together: a warning,
    since a block is the WAF doing its job; a sustained rise is an attack or a rule hitting real
    users. A regional web ACL's metrics carry Region, Rule and WebACL (its metric name); Rule=ALL
    sums its rules (https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html)."""
    alarms.add(
        "waf-blocked-requests",
        f"the WAF blocked more than {limits.waf_blocked_requests} requests in {WAF_PERIOD} s",
        tier="warning",
        namespace="AWS/WAFV2",
        metric_name="BlockedRequests",
        dimensions={"WebACL": web_acl_metric_name, "Rule": WAF_ALL_RULES, "Region": region},
        statistic="Sum",
        period=WAF_PERIOD,
        evaluation_periods=1,
        comparison_operator="GreaterThanThreshold",
        threshold=limits.waf_blocked_requests,
        # WAF publishes a count only for periods with blocked requests.
        treat_missing_data="notBreaching",
    )


def platform_health(scope: Construct, *, name_prefix: str, topics: AlertTopics, critical: list[str]) -> None:
    """One alarm that fires while any critical alarm does, on the critical topic."""
    CloudwatchCompositeAlarm(
        scope,
        "platform_health",
        alarm_name=f"{name_prefix}-platform-health",
        alarm_description=f"{name_prefix}: a critical load balancer, cluster, database, cache or queue alarm is firing",
        alarm_rule=" OR ".join(f'ALARM("{name}")' for name in critical),
        **topics.actions("critical"),
    )
