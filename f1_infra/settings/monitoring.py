"""Settings of the monitoring section (envs/*.json `monitoring`): the load balancer and its WAF,
log groups, alarms, the ML training schedule and the cost budget."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field

from f1_infra.settings.base import UNIQUE, Cidr, LogRetentionDays, Number, Setting

TARGET_GROUP_DESCRIPTION = (
    "A target group (target type ip) that the AWS Load Balancer Controller fills through a TargetGroupBinding."
)
HEALTH_CHECK_DESCRIPTION = "Health check the load balancer runs against each registered pod IP."
NAME_PREFIX_DESCRIPTION = (
    "Prefix of the target group's name (1 to 6 letters, digits or hyphens); AWS appends a unique suffix, so the "
    "group can be replaced before the old one is deleted."
)


class HealthCheckConfig(Setting):
    path: str = Field("/", pattern=r"^/[^\s]{0,1023}$", description="HTTP path of the health endpoint; starts with /.")
    port: str = Field(
        "traffic-port",
        pattern=r"^(traffic-port|[1-9][0-9]{0,4})$",
        description='Port probed: "traffic-port" (the port the target was registered with) or a port number.',
    )
    interval_seconds: int = Field(
        30,
        ge=5,
        le=300,
        description="Seconds between health checks (5 to 300); must be more than timeout_seconds.",
    )
    timeout_seconds: int = Field(
        5, ge=2, le=120, description="Seconds without a response after which a check fails (2 to 120)."
    )
    healthy_threshold: int = Field(
        3,
        ge=2,
        le=10,
        description="Consecutive successful checks before an unhealthy target is healthy again (2 to 10).",
    )
    unhealthy_threshold: int = Field(
        3, ge=2, le=10, description="Consecutive failed checks before a target is unhealthy (2 to 10)."
    )
    matcher: str = Field(
        "200",
        pattern=r"^[0-9]{3}(-[0-9]{3})?(,[0-9]{3}(-[0-9]{3})?)*$",
        description="HTTP codes that count as healthy: codes from 200 to 499, listed (200,204) or as a range "
        "(200-299).",
    )


class ApiHealthCheck(HealthCheckConfig):
    path: str = Field(
        "/health", pattern=r"^/[^\s]{0,1023}$", description="HTTP path of the health endpoint; starts with /."
    )


class TargetGroupConfig(Setting):
    name_prefix: str = Field("web-", pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$", description=NAME_PREFIX_DESCRIPTION)
    port: int = Field(
        3000,
        ge=1,
        le=65535,
        description="Port the pods listen on (the TargetGroupBinding registers pod IPs on this port).",
    )
    deregistration_delay_seconds: int = Field(
        30,
        ge=0,
        le=3600,
        description="Seconds a deregistering pod keeps receiving in-flight requests (0 to 3600).",
    )
    health_check: HealthCheckConfig = Field(HealthCheckConfig(), description=HEALTH_CHECK_DESCRIPTION)


class ApiTargetGroup(TargetGroupConfig):
    name_prefix: str = Field("api-", pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$", description=NAME_PREFIX_DESCRIPTION)
    port: int = Field(
        8000,
        ge=1,
        le=65535,
        description="Port the pods listen on (the TargetGroupBinding registers pod IPs on this port).",
    )
    health_check: ApiHealthCheck = Field(ApiHealthCheck(), description=HEALTH_CHECK_DESCRIPTION)


class TargetGroups(Setting):
    api: ApiTargetGroup = Field(ApiTargetGroup(), description=TARGET_GROUP_DESCRIPTION)
    frontend: TargetGroupConfig = Field(TargetGroupConfig(), description=TARGET_GROUP_DESCRIPTION)

    def items(self) -> Iterator[tuple[str, TargetGroupConfig]]:
        yield "api", self.api
        yield "frontend", self.frontend


class CertificateConfig(Setting):
    """An existing ACM certificate (arn), one to create (domain + hosted_zone_id), or neither:
    then the ARN is a Terraform variable."""

    arn: str | None = Field(None, description="ARN of an issued ACM certificate in the environment's region.")
    domain: str | None = Field(
        None,
        pattern=r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
        description="Domain name the certificate is created for and the alias record points at the load balancer "
        "(e.g. api.example.com).",
    )
    hosted_zone_id: str | None = Field(
        None,
        pattern=r"^Z[A-Z0-9]{1,31}$",
        description="Route 53 public hosted zone (Z...) holding domain: receives the validation records and the "
        "alias record.",
    )


class WafConfig(Setting):
    managed_rule_groups: tuple[Annotated[str, Field(pattern=r"^AWSManagedRules[A-Za-z0-9]+$")], ...] = Field(
        (
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesAmazonIpReputationList",
            "AWSManagedRulesAnonymousIpList",
        ),
        min_length=1,
        json_schema_extra=UNIQUE,
        description="AWS managed rule groups evaluated in this order (vendor AWS).",
    )
    rate_limit_per_5_minutes: int = Field(
        2000,
        ge=10,
        le=2000000000,
        description="Requests one client IP may send in any 5-minute window before it is blocked (10 to 2000000000).",
    )
    log_retention_days: LogRetentionDays = Field(90, description="Days the WAF log group keeps its logs.")


class AlbConfig(Setting):
    name: str = Field(
        "alb",
        pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
        description="Suffix of the load balancer's name <project>-<environment>-<name>; the whole name has at most "
        "32 characters.",
    )
    deletion_protection: bool = Field(
        True,
        description="Refuse deletion of the load balancer until this is switched off; must be true when production "
        "is true.",
    )
    idle_timeout_seconds: int = Field(
        60, ge=1, le=4000, description="Seconds an idle connection stays open (1 to 4000)."
    )
    ingress_cidrs: tuple[Cidr, ...] = Field(
        ("0.0.0.0/0",),
        min_length=1,
        json_schema_extra=UNIQUE,
        description="IPv4 CIDR blocks allowed to reach the listeners on ports 80 and 443.",
    )
    certificate: CertificateConfig = Field(
        CertificateConfig(),
        description="Certificate of the HTTPS listener: give arn (an existing ACM certificate in the environment's "
        "region), or domain and hosted_zone_id (a DNS-validated certificate is created, with an alias record to the "
        "load balancer), or neither: the ARN is then the Terraform variable alb_certificate_arn, given with -var at "
        "deploy. Only a local or s3 backend may give neither: a Terraform Cloud workspace plans with nothing set by "
        "hand.",
    )
    target_groups: TargetGroups = Field(
        TargetGroups(), description="The two target groups; /api/* goes to api, everything else to frontend."
    )
    waf: WafConfig = Field(WafConfig(), description="The regional WAF web ACL in front of the load balancer.")


class MonitoringAlarmsConfig(Setting):
    period_seconds: int = Field(
        60, ge=10, description="Period of the load balancer alarms: 10, 20, 30 or a multiple of 60."
    )
    evaluation_periods: int = Field(
        5, ge=1, description="Consecutive periods a load balancer alarm must breach before it fires."
    )
    response_time_p95_seconds: Number = Field(
        1,
        gt=0,
        description="p95 of TargetResponseTime above which the latency alarm fires, in seconds (not milliseconds).",
    )
    response_time_p99_seconds: Number = Field(
        3,
        gt=0,
        description="p99 of TargetResponseTime above which the critical latency alarm fires, in seconds; at least "
        "the p95 threshold.",
    )
    error_rate_percent: Number = Field(
        5,
        gt=0,
        le=100,
        description="Share of requests answered with a 5xx, from a target or from the load balancer itself (a 502, "
        "503 or 504 when no target could answer), in percent (0 to 100), above which the critical error-rate alarm "
        "fires.",
    )
    unhealthy_hosts: int = Field(
        0,
        ge=0,
        description="Unhealthy targets per target group above which the critical alarm fires (0: any unhealthy "
        "target).",
    )
    prediction_accuracy_min_percent: Number = Field(
        70,
        gt=0,
        le=100,
        description="PredictionAccuracy (percent, 0 to 100) below which the accuracy alarm fires.",
    )
    training_duration_max_minutes: Number = Field(
        120, gt=0, description="ModelTrainingDuration above which the training alarm fires, in minutes."
    )
    ingestion_errors: int = Field(
        0, ge=0, description="IngestionErrors per ingestion period above which the ingestion alarm fires."
    )
    ingestion_period_seconds: int = Field(
        3600, ge=60, description="Period of the ingestion and business-metric alarms, a multiple of 60."
    )
    ingestion_stalled_periods: int = Field(
        3,
        ge=1,
        description="Consecutive ingestion periods without any IngestionRecords after which the stalled-ingestion "
        "alarm fires.",
    )
    waf_blocked_requests: int = Field(
        1000,
        ge=1,
        description="Requests the WAF web ACL blocks in 5 minutes (all its rules together) above which the warning "
        "alarm fires: a sustained attack or a rule blocking legitimate traffic.",
    )
    applications_live: bool = Field(
        False,
        description="Whether the alarms on what the applications feed notify: the custom-metric alarms (prediction "
        "accuracy, training duration, ingestion errors, ingestion stalled) and each target group's no-healthy-"
        "targets alarm. Before any service runs, none of these metrics exists, and the alarms that treat missing "
        "data as breaching (ingestion stalled, no healthy targets) would page from the first apply. While false they "
        "are created without actions and left out of the platform-health composite: their state shows in the "
        "console, nobody is paged. Set true once the services are deployed and publishing "
        "(docs/deploying-a-service.md).",
    )


class TrainingConfig(Setting):
    schedule: str = Field(
        "cron(0 3 * * ? *)",
        pattern=r"^(rate|cron)\(.*\)$",
        description="EventBridge schedule expression: rate(1 hour) / rate(6 hours) (singular unit for 1), or "
        "cron(minutes hours day-of-month month day-of-week year) with ? in one of the day fields. Times are UTC.",
    )
    enabled: bool = Field(True, description="Whether the schedule fires.")
    visibility_timeout_seconds: int = Field(
        900,
        ge=0,
        le=43200,
        description="Seconds a received message stays hidden from other workers (0 to 43200); longer than a worker "
        "needs to start a job.",
    )
    message_retention_seconds: int = Field(
        345600, ge=60, le=1209600, description="Seconds an unconsumed message is kept (60 to 1209600)."
    )
    max_receive_count: int = Field(
        5,
        ge=1,
        le=1000,
        description="Receives after which a message moves to the dead-letter queue (1 to 1000).",
    )


class BudgetConfig(Setting):
    monthly_limit_usd: Number = Field(gt=0, description="Monthly cost budget in US dollars.")
    actual_threshold_percent: Number = Field(
        80,
        gt=0,
        le=1000,
        description="Notify when actual spend passes this share of the budget (percent, 0 to 1000).",
    )
    forecast_threshold_percent: Number = Field(
        100,
        gt=0,
        le=1000,
        description="Notify when forecast spend passes this share of the budget (percent, 0 to 1000).",
    )
    filter_by_environment_tag: bool = Field(
        False,
        description="Count only costs tagged Environment=<environment> (cost filter TagKeyValue "
        "user:Environment$<environment>), for environments sharing an account. Needs the Environment tag activated "
        "as a cost allocation tag in the organization's management account (cost.activate_environment_tag there, or "
        "the billing console); until then the budget counts nothing. False counts the whole account, for an account "
        "per environment.",
    )


class CostConfig(Setting):
    billing_alarm_usd: Number | None = Field(
        None,
        gt=0,
        description="Month-to-date estimated charges of the whole account (AWS/Billing EstimatedCharges, "
        "Currency=USD, in us-east-1) above which the billing alarm notifies the billing topic; null: no alarm. "
        "Needs billing alerts enabled once in the account's billing preferences (before that the metric does not "
        "exist and the alarm stays INSUFFICIENT_DATA). Account-wide: set it in one environment per account, at "
        "the account's total.",
    )
    anomaly_monitor: Literal["none", "services", "environment_tag"] = Field(
        "none",
        description="Cost Anomaly Detection monitor notifying the billing topic: services (the AWS services "
        "monitor, DIMENSIONAL SERVICE: one per account, so one environment per account, and none if the account "
        "already has one), environment_tag (a CUSTOM monitor of the costs tagged Environment=<environment>: only "
        "in the organization's management account, with the tag activated as a cost allocation tag), or none.",
    )
    anomaly_threshold_usd: Number = Field(
        100,
        gt=0,
        description="Total cost impact in US dollars from which a detected anomaly is sent to the billing topic "
        "(sent as soon as it is detected).",
    )
    activate_environment_tag: bool = Field(
        False,
        description="Activate the Environment tag as a cost allocation tag (aws_ce_cost_allocation_tag). Only the "
        "organization's management (payer) account may, and only once the tag appears in its billing data (up to "
        "24 hours after the first tagged resource exists): an apply before either fails. The status is one per "
        "organization: set it in at most one environment file.",
    )


class MonitoringConfig(Setting):
    alb: AlbConfig = Field(
        AlbConfig(), description="The internet-facing Application Load Balancer in the public subnets."
    )
    log_retention_days: LogRetentionDays = Field(
        description="Days the application, api, ml-pipeline and ingestion log groups keep their logs."
    )
    custom_metrics_namespace: str = Field(
        min_length=1,
        max_length=255,
        pattern=r"^[A-Za-z0-9./_#:-]+$",
        description="CloudWatch namespace the applications publish PredictionAccuracy (percent), "
        "ModelTrainingDuration (seconds), IngestionRecords and IngestionErrors (counts) to, without dimensions. Must "
        "not start with AWS/.",
    )
    alarms: MonitoringAlarmsConfig = Field(
        MonitoringAlarmsConfig(), description="Alarm thresholds and periods; every alarm notifies the alerts topic."
    )
    training: TrainingConfig = Field(
        TrainingConfig(),
        description="The ML training schedule: an EventBridge rule putting a message on an encrypted SQS queue that "
        "the training workers consume (the workloads service account with training_queue true).",
    )
    budget: BudgetConfig = Field(
        description="The monthly AWS cost budget of the environment, notifying the alerts topic."
    )
    cost: CostConfig = Field(
        CostConfig(),
        description="Cost visibility beyond the budget: the us-east-1 billing alarm, the Cost Anomaly Detection "
        "monitor and the activation of the Environment cost allocation tag; they notify the billing topic in "
        "us-east-1.",
    )
