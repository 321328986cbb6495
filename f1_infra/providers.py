"""The AWS provider of an environment's stacks, in its own region or another one."""

from collections.abc import Mapping

from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct


def aws_provider(
    scope: Construct,
    id: str,
    *,
    region: str,
    default_tags: Mapping[str, str],
    account_id: str | None,
    alias: str | None = None,
) -> AwsProvider:
    """The environment's tags on every resource and, with an `account_id` in the file, a refusal of
    any other account before Terraform changes anything (allowed_account_ids)."""
    return AwsProvider(
        scope,
        id,
        region=region,
        alias=alias,
        allowed_account_ids=[account_id] if account_id else None,
        default_tags=[AwsProviderDefaultTags(tags=dict(default_tags))],
    )
