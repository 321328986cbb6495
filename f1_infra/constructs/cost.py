"""What the environment costs: the monthly budget (notifying the alerts topic), and the cost
controls that live in us-east-1: the billing alarm, the Cost Anomaly Detection monitor, both
notifying the billing topic there, and the activation of the Environment cost allocation tag."""

import json
from collections.abc import Mapping, Sequence

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.budgets_budget import BudgetsBudget, BudgetsBudgetCostFilter, BudgetsBudgetNotification
from cdktf_cdktf_provider_aws.ce_anomaly_monitor import CeAnomalyMonitor
from cdktf_cdktf_provider_aws.ce_anomaly_subscription import (
    CeAnomalySubscription,
    CeAnomalySubscriptionSubscriber,
    CeAnomalySubscriptionThresholdExpression,
    CeAnomalySubscriptionThresholdExpressionDimension,
)
from cdktf_cdktf_provider_aws.ce_cost_allocation_tag import CeCostAllocationTag
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from f1_infra.constructs.alerts import OWNER_ACTIONS, TIER_TAG
from f1_infra.constructs.encryption import PUBLISHER_KEY_ACTIONS, account_administration
from f1_infra.iam import policy_document, statement
from f1_infra.providers import aws_provider
from f1_infra.settings.monitoring import BudgetConfig, CostConfig

# The key the provider's default_tags give every resource the environment's name under.
ENVIRONMENT_TAG = "Environment"
# AWS/Billing metrics exist only in us-east-1 (rule 41), and CloudWatch alarm actions must name an
# SNS topic of the alarm's own region: the billing alarm, its topic and the topic's key live there.
BILLING_REGION = "us-east-1"
BILLING_PROVIDER_ALIAS = "billing"
BILLING_NAMESPACE = "AWS/Billing"
BILLING_METRIC = "EstimatedCharges"
BILLING_CURRENCY = "USD"
# AWS publishes the estimated charges a few times a day: a 6-hour period always holds a data point
# once billing alerts are enabled.
BILLING_PERIOD_SECONDS = 21600
CLOUDWATCH = "cloudwatch.amazonaws.com"
COST_ANOMALY_DETECTION = "costalerts.amazonaws.com"


def environment_tag_filter(environment: str) -> str:
    """A budget's TagKeyValue filter value for the environment's costs: user:<key>$<value>."""
    return f"user:{ENVIRONMENT_TAG}${environment}"


def monthly_budget(
    scope: Construct, *, settings: BudgetConfig, name_prefix: str, environment: str, topic_arn: str
) -> None:
    """A monthly cost budget notifying the alerts topic of actual and forecast spend."""
    BudgetsBudget(
        scope,
        "budget",
        name=f"{name_prefix}-monthly-cost",
        budget_type="COST",
        time_unit="MONTHLY",
        limit_amount=f"{settings.monthly_limit_usd:.2f}",
        limit_unit="USD",
        # Only this environment's resources, which the provider tags with Environment; the tag
        # must be activated as a cost allocation tag (docs/modules/monitoring.md).
        cost_filter=(
            [BudgetsBudgetCostFilter(name="TagKeyValue", values=[environment_tag_filter(environment)])]
            if settings.filter_by_environment_tag
            else None
        ),
        notification=[
            BudgetsBudgetNotification(
                notification_type=kind,
                comparison_operator="GREATER_THAN",
                threshold=threshold,
                threshold_type="PERCENTAGE",
                subscriber_sns_topic_arns=[topic_arn],
            )
            for kind, threshold in (
                ("ACTUAL", settings.actual_threshold_percent),
                ("FORECASTED", settings.forecast_threshold_percent),
            )
        ],
    )


def has_billing_topic(settings: CostConfig) -> bool:
    """Whether the environment notifies anything from us-east-1 (billing alarm or anomaly monitor)."""
    return settings.billing_alarm_usd is not None or settings.anomaly_monitor != "none"


def billing_regions(settings: CostConfig) -> list[str]:
    """The regions the cost controls create regional resources in (CloudWatch, SNS, KMS)."""
    return [BILLING_REGION] if has_billing_topic(settings) else []


class CostControls(Construct):
    """The cost controls of ``settings`` that live in us-east-1, through a provider alias for that
    region: the billing topic (KMS-encrypted with a key of its own there, subscribed by the
    environment's alert e-mails; the warning tier of cost), the billing alarm on the account's
    estimated charges, the Cost Anomaly Detection monitor with an immediate subscription to the
    topic, and the activation of the Environment cost allocation tag. Nothing is created when the
    settings ask for none of them.

    Attributes: ``billing_topic_arn``, ``billing_alarm_name``, ``anomaly_monitor_arn`` (each None
    when not created).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: CostConfig,
        name_prefix: str,
        environment: str,
        partition: str,
        account_id: str,
        emails: Sequence[str],
        default_tags: Mapping[str, str],
        allowed_account_id: str | None,
        key_deletion_window_days: int,
        protect: bool,
    ) -> None:
        super().__init__(scope, id)
        self.billing_topic_arn: str | None = None
        self.billing_alarm_name: str | None = None
        self.anomaly_monitor_arn: str | None = None
        if not (has_billing_topic(settings) or settings.activate_environment_tag):
            return
        # Also when the environment's region is us-east-1: the billing topic stays its own, with
        # the same addresses wherever the environment runs.
        provider = aws_provider(
            self,
            "provider",
            region=BILLING_REGION,
            default_tags=default_tags,
            account_id=allowed_account_id,
            alias=BILLING_PROVIDER_ALIAS,
        )
        if settings.activate_environment_tag:
            CeCostAllocationTag(self, "environment_tag", tag_key=ENVIRONMENT_TAG, status="Active", provider=provider)
        if not has_billing_topic(settings):
            return

        publishers = [
            *([CLOUDWATCH] if settings.billing_alarm_usd is not None else []),
            *([COST_ANOMALY_DETECTION] if settings.anomaly_monitor != "none" else []),
        ]
        key = KmsKey(
            self,
            "key",
            description=f"{name_prefix}: billing notifications in {BILLING_REGION}",
            enable_key_rotation=True,
            deletion_window_in_days=key_deletion_window_days,
            policy=policy_document(
                account_administration(partition, account_id),
                # No source conditions, as on the environment key: the topic policy carries them.
                statement("BillingPublishers", PUBLISHER_KEY_ACTIONS, ["*"], principal={"Service": publishers}),
            ),
            lifecycle=TerraformResourceLifecycle(prevent_destroy=protect),
            provider=provider,
        )
        KmsAlias(self, "key_alias", name=f"alias/{name_prefix}-billing", target_key_id=key.key_id, provider=provider)
        topic = SnsTopic(self, "topic", name=f"{name_prefix}-billing", kms_master_key_id=key.arn, provider=provider)
        source = {"StringEquals": {"aws:SourceAccount": account_id}}
        grants = {
            CLOUDWATCH: statement(
                "CloudWatchAlarms",
                ["sns:Publish"],
                [topic.arn],
                principal={"Service": CLOUDWATCH},
                conditions={
                    **source,
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:cloudwatch:{BILLING_REGION}:{account_id}:alarm:*"},
                },
            ),
            COST_ANOMALY_DETECTION: statement(
                "CostAnomalyDetection",
                ["sns:Publish"],
                [topic.arn],
                principal={"Service": COST_ANOMALY_DETECTION},
                conditions=source,
            ),
        }
        topic_policy = SnsTopicPolicy(
            self,
            "topic_policy",
            arn=topic.arn,
            policy=policy_document(
                statement(
                    "AccountOwner",
                    OWNER_ACTIONS,
                    [topic.arn],
                    principal={"AWS": f"arn:{partition}:iam::{account_id}:root"},
                ),
                *(grants[p] for p in publishers),
            ),
            provider=provider,
        )
        for email in emails:
            SnsTopicSubscription(
                self, f"email_{email.lower()}", topic_arn=topic.arn, protocol="email", endpoint=email, provider=provider
            )
        self.billing_topic_arn = topic.arn

        if settings.billing_alarm_usd is not None:
            alarm = CloudwatchMetricAlarm(
                self,
                "billing_alarm",
                alarm_name=f"{name_prefix}-estimated-charges",
                alarm_description=f"{name_prefix}: the account's estimated charges this month are above "
                f"{settings.billing_alarm_usd} USD",
                namespace=BILLING_NAMESPACE,
                metric_name=BILLING_METRIC,
                dimensions={"Currency": BILLING_CURRENCY},
                statistic="Maximum",
                period=BILLING_PERIOD_SECONDS,
                evaluation_periods=1,
                comparison_operator="GreaterThanThreshold",
                threshold=settings.billing_alarm_usd,
                # Until billing alerts are enabled the metric does not exist: the alarm stays
                # INSUFFICIENT_DATA rather than paging, and a late data point changes nothing.
                treat_missing_data="ignore",
                alarm_actions=[topic.arn],
                ok_actions=[topic.arn],
                # The warning tier, on the topic of its own region (docs/alerts.md).
                tags={TIER_TAG: "warning"},
                provider=provider,
            )
            self.billing_alarm_name = alarm.alarm_name

        if settings.anomaly_monitor != "none":
            monitor = CeAnomalyMonitor(
                self,
                "anomaly_monitor",
                name=f"{name_prefix}-{settings.anomaly_monitor.replace('_', '-')}",
                provider=provider,
                **(
                    {"monitor_type": "DIMENSIONAL", "monitor_dimension": "SERVICE"}
                    if settings.anomaly_monitor == "services"
                    else {
                        "monitor_type": "CUSTOM",
                        "monitor_specification": json.dumps(
                            {"Tags": {"Key": ENVIRONMENT_TAG, "MatchOptions": ["EQUALS"], "Values": [environment]}}
                        ),
                    }
                ),
            )
            # An SNS subscriber is allowed with IMMEDIATE frequency only (DAILY and WEEKLY are e-mail).
            CeAnomalySubscription(
                self,
                "anomaly_subscription",
                name=f"{name_prefix}-cost-anomalies",
                frequency="IMMEDIATE",
                monitor_arn_list=[monitor.arn],
                subscriber=[CeAnomalySubscriptionSubscriber(type="SNS", address=topic.arn)],
                threshold_expression=CeAnomalySubscriptionThresholdExpression(
                    dimension=CeAnomalySubscriptionThresholdExpressionDimension(
                        key="ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                        match_options=["GREATER_THAN_OR_EQUAL"],
                        values=[str(settings.anomaly_threshold_usd)],
                    )
                ),
                # Cost Anomaly Detection publishes only once the topic policy admits it.
                depends_on=[topic_policy],
                provider=provider,
            )
            self.anomaly_monitor_arn = monitor.arn
