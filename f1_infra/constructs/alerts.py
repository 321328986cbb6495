"""The alert tiers: one SNS topic per tier (critical, warning, info) that the environment's alarms,
events and notices publish to."""

from dataclasses import dataclass
from typing import Any, Literal

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from f1_infra.iam import policy_document, statement
from f1_infra.settings.environment import EnvironmentConfig

Tier = Literal["critical", "warning", "info"]
TIERS: tuple[Tier, ...] = ("critical", "warning", "info")
# The tag every alarm carries, so that its tier shows in the console even while it has no actions.
TIER_TAG = "AlertTier"

OWNER_ACTIONS = (
    "sns:GetTopicAttributes",
    "sns:SetTopicAttributes",
    "sns:AddPermission",
    "sns:RemovePermission",
    "sns:DeleteTopic",
    "sns:Subscribe",
    "sns:ListSubscriptionsByTopic",
    "sns:Publish",
)


@dataclass(frozen=True)
class AlertTopics:
    """The ARN of each tier's topic."""

    critical: str
    warning: str
    info: str

    def arn(self, tier: Tier) -> str:
        arn: str = getattr(self, tier)
        return arn

    def actions(self, tier: Tier, *, notify: bool = True) -> dict[str, Any]:
        """The arguments that make an alarm notify its tier's topic of ALARM and OK (none when
        ``notify`` is false), and tag it with its tier."""
        topics = [self.arn(tier)] if notify else []
        return {"alarm_actions": topics, "ok_actions": list(topics), "tags": {TIER_TAG: tier}}


def topic_policy(topic_arn: str, *, partition: str, region: str, account_id: str) -> str:
    """Who may publish to a tier's topic: this account's CloudWatch alarms, EventBridge rules, AWS
    Budgets and RDS event subscriptions, each held to this account (and CloudWatch and RDS to this
    region's alarms and databases)."""

    def publisher(sid: str, service: str, source_arn: str | None = None) -> dict[str, Any]:
        conditions: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
        if source_arn:
            conditions["ArnLike"] = {"aws:SourceArn": source_arn}
        return statement(sid, ["sns:Publish"], [topic_arn], principal={"Service": service}, conditions=conditions)

    return policy_document(
        statement(
            "AccountOwner",
            OWNER_ACTIONS,
            [topic_arn],
            principal={"AWS": f"arn:{partition}:iam::{account_id}:root"},
        ),
        publisher(
            "CloudWatchAlarms",
            "cloudwatch.amazonaws.com",
            f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:*",
        ),
        publisher("EventBridgeRules", "events.amazonaws.com"),
        publisher("BudgetNotifications", "budgets.amazonaws.com"),
        publisher("RdsEvents", "events.rds.amazonaws.com", f"arn:{partition}:rds:{region}:{account_id}:*"),
    )


class Alerts(Construct):
    """A KMS-encrypted topic per tier, publishable by this account's CloudWatch alarms, EventBridge
    rules, AWS Budgets and RDS event subscriptions, with the e-mail subscriptions the environment
    file gives each tier. The critical topic keeps the name and address the single alerts topic had.

    Attributes: ``topics`` (AlertTopics), ``topic_arn`` (the critical topic's).
    """

    def __init__(
        self, scope: Construct, id: str, *, config: EnvironmentConfig, account_id: str, kms_key_arn: str
    ) -> None:
        super().__init__(scope, id)
        arns: dict[str, str] = {}
        for tier in TIERS:
            tier_settings = getattr(config.alerts.tiers, tier)
            # The critical tier keeps the ids of the topic it was before tiers: nothing is replaced.
            prefix = "" if tier == "critical" else f"{tier}_"
            suffix = "" if tier == "critical" else f"-{tier}"
            topic = SnsTopic(
                self, f"{prefix}topic", name=f"{config.name_prefix}-alerts{suffix}", kms_master_key_id=kms_key_arn
            )
            SnsTopicPolicy(
                self,
                f"{prefix}policy",
                arn=topic.arn,
                policy=topic_policy(topic.arn, partition=config.partition, region=config.region, account_id=account_id),
            )
            for email in tier_settings.emails:
                SnsTopicSubscription(
                    self,
                    f"{prefix}email_{email.lower()}",
                    topic_arn=topic.arn,
                    protocol="email",
                    endpoint=email,
                )
            arns[tier] = topic.arn
        self.topics = AlertTopics(**arns)
        self.topic_arn: str = self.topics.critical
