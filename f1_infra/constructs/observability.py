"""What the platform says about itself: the application log groups, the alarms (each notifying
the alerts topic) and the composite platform-health alarm. The dashboards are in dashboards.py."""

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

from f1_infra.settings.monitoring import MonitoringAlarmsConfig

LOG_GROUPS = ("application", "api", "ml-pipeline", "ingestion")
DASHBOARD_PERIOD = 300


class Alarms:
    """The environment's metric alarms, built into ``scope`` (their Terraform addresses stay as
    they were); ``names`` maps each alarm's key to its name."""

    def __init__(self, scope: Construct, *, name_prefix: str, topic_arn: str) -> None:
        self._scope = scope
        self._prefix = name_prefix
        self._topic = topic_arn
        self.names: dict[str, str] = {}

    def add(self, key: str, description: str, *, notify: bool = True, **arguments: Any) -> CloudwatchMetricAlarm:
        """An alarm notifying the topic; with ``notify`` false it has no actions yet (its state
        shows in the console; adding the topic later changes it in place)."""
        actions = [self._topic] if notify else []
        alarm = CloudwatchMetricAlarm(
            self._scope,
            f"{key.replace('-', '_')}_alarm",
            alarm_name=f"{self._prefix}-{key}",
            alarm_description=f"{self._prefix}: {description}",
            alarm_actions=actions,
            ok_actions=actions,
            **arguments,
        )
        self.names[key] = alarm.alarm_name
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
) -> list[str]:
    """The load balancer's alarms; returns the names of the critical ones."""
    timing = {"period": limits.period_seconds, "evaluation_periods": limits.evaluation_periods}
    alb_dimensions = {"LoadBalancer": lb.arn_suffix}
    for percentile, threshold in (
        ("p95", limits.response_time_p95_seconds),
        ("p99", limits.response_time_p99_seconds),
    ):
        alarms.add(
            f"alb-response-time-{percentile}",
            f"{percentile} target response time above {threshold} s",
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
    critical = [alarms.names["alb-response-time-p99"], alarms.names["alb-5xx-rate"]]
    for key, group in target_groups.items():
        per_group = {
            "namespace": "AWS/ApplicationELB",
            "dimensions": {"TargetGroup": group.arn_suffix, "LoadBalancer": lb.arn_suffix},
            **timing,
        }
        alarms.add(
            f"alb-{key}-unhealthy-hosts",
            f"more than {limits.unhealthy_hosts} unhealthy {key} targets",
            metric_name="UnHealthyHostCount",
            statistic="Maximum",
            comparison_operator="GreaterThanThreshold",
            threshold=limits.unhealthy_hosts,
            # A group with no registered targets publishes nothing; that is no unhealthy host.
            treat_missing_data="notBreaching",
            **per_group,
        )
        critical.append(alarms.names[f"alb-{key}-unhealthy-hosts"])
        # UnHealthyHostCount stays 0 when a group has no target at all, and the load balancer then
        # answers 503 itself: only the healthy count shows it. Health checks publish it whether or
        # not requests flow, so no data means the group is not served.
        alarms.add(
            f"alb-{key}-no-healthy-hosts",
            f"no healthy {key} target: the load balancer answers 503",
            metric_name="HealthyHostCount",
            statistic="Minimum",
            comparison_operator="LessThanThreshold",
            threshold=1,
            treat_missing_data="breaching",
            notify=limits.applications_live,
            **per_group,
        )
        if limits.applications_live:
            critical.append(alarms.names[f"alb-{key}-no-healthy-hosts"])
    return critical


def business_alarms(alarms: Alarms, limits: MonitoringAlarmsConfig, namespace: str) -> None:
    """Alarms on the metrics the applications publish to their custom namespace; they notify once
    ``applications_live`` says the applications publish."""
    custom = {"namespace": namespace, "period": limits.ingestion_period_seconds, "notify": limits.applications_live}
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


def platform_health(scope: Construct, *, name_prefix: str, topic_arn: str, critical: list[str]) -> None:
    """One alarm that fires while any critical alarm does."""
    CloudwatchCompositeAlarm(
        scope,
        "platform_health",
        alarm_name=f"{name_prefix}-platform-health",
        alarm_description=f"{name_prefix}: a critical load balancer, database or cache alarm is firing",
        alarm_rule=" OR ".join(f'ALARM("{name}")' for name in critical),
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
    )
