"""The AWS provider of an environment's stacks, in its own region or another one."""

from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from f1_infra.settings.environment import EnvironmentConfig


def aws_provider(
    scope: Construct, id: str, *, config: EnvironmentConfig, region: str | None = None, alias: str | None = None
) -> AwsProvider:
    """The environment's tags on every resource, and with an `account_id` in the file, a refusal of
    any other account before Terraform changes anything (allowed_account_ids)."""
    return AwsProvider(
        scope,
        id,
        region=region or config.region,
        alias=alias,
        allowed_account_ids=[config.account_id] if config.account_id else None,
        default_tags=[AwsProviderDefaultTags(tags=config.default_tags)],
    )
