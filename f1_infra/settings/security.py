"""Settings of the security section (envs/*.json `security`): GuardDuty findings and the CloudTrail
trail."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from f1_infra.settings.base import Number, Setting


class GuardDutyConfig(Setting):
    detector: Literal["create", "adopt"] = Field(
        "create",
        description="create: this stack creates the account's GuardDuty detector in the region. adopt: the account "
        "already has one (enabled by the organization's GuardDuty administrator, or by another environment file of the "
        "same account), and no detector resource is made. An account has at most one detector per region: creating a "
        "second one fails at apply, so every environment file but one that may share the account and region says "
        "adopt. Either way the findings rule below receives the account's findings, which GuardDuty sends to the "
        "default event bus of the account and region.",
    )
    min_severity: Number = Field(
        7,
        ge=1,
        le=10,
        description="Findings of at least this severity notify the critical alerts topic: 1 to 10 (low 1-3.9, medium "
        "4-6.9, high 7-8.9, critical 9-10). 7 pages on high and critical findings only.",
    )


class CloudTrailConfig(Setting):
    enabled: bool = Field(
        False,
        description="Create a multi-region CloudTrail trail of the account's management events into the logs bucket "
        "(prefix cloudtrail/), encrypted with the environment key, with log file validation. Leave false when the "
        "organization already records the account with an organization trail: a second trail of the same events is "
        "billed per event.",
    )


class SecurityConfig(Setting):
    guardduty: GuardDutyConfig = Field(
        GuardDutyConfig(),
        description="GuardDuty: the detector (created here or adopted) and the EventBridge rule sending findings of "
        "min_severity or more to the critical alerts topic.",
    )
    cloudtrail: CloudTrailConfig = Field(
        CloudTrailConfig(), description="The environment's own CloudTrail trail, when the organization has none."
    )
