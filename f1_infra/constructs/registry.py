"""ECR: one private repository per service of the environment, their image lifecycle, and their
replication into the disaster-recovery region.

Names are fixed, <project>-<environment>/<service>: ECR has no generated names (no name_prefix),
and a name is what CI pushes to and what pods pull, so it must be predictable. The slash makes the
environment a namespace: the replication filter and a push role's resource pattern
(repository/<project>-<environment>/*) take exactly the environment's repositories.
"""

import json
from collections.abc import Mapping

from cdktf import TerraformProvider, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_replication_configuration import (
    EcrReplicationConfiguration,
    EcrReplicationConfigurationReplicationConfiguration,
    EcrReplicationConfigurationReplicationConfigurationRule,
    EcrReplicationConfigurationReplicationConfigurationRuleDestination,
    EcrReplicationConfigurationReplicationConfigurationRuleRepositoryFilter,
)
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from constructs import Construct

from f1_infra.settings.registry import RegistryConfig, repository_name, repository_prefix


def lifecycle_policy(settings: RegistryConfig) -> str:
    """Untagged images expire after untagged_expiry_days; of the tagged ones, the newest
    tagged_images_kept stay. A `tagged` rule needs a tag pattern: "*" matches every tag."""
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Expire untagged images {settings.untagged_expiry_days} days after their push",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": settings.untagged_expiry_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"Keep the newest {settings.tagged_images_kept} tagged images",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": ["*"],
                        "countType": "imageCountMoreThan",
                        "countNumber": settings.tagged_images_kept,
                    },
                    "action": {"type": "expire"},
                },
            ]
        },
        sort_keys=True,
    )


def _construct_id(service: str) -> str:
    return service.replace("-", "_").replace(".", "_")


class Repositories(Construct):
    """One repository per service in one region: tags immutable (a tag names one image for good,
    so a deployment cannot change under a running release), basic scanning on every push,
    encrypted with ``kms_key_arn``, the lifecycle policy of the settings.

    Attributes: ``repositories`` (service -> EcrRepository).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: RegistryConfig,
        name_prefix: str,
        kms_key_arn: str,
        protect: bool,
        provider: TerraformProvider | None = None,
    ) -> None:
        super().__init__(scope, id)
        policy = lifecycle_policy(settings)
        self.repositories: dict[str, EcrRepository] = {}
        for service in settings.repositories:
            key = _construct_id(service)
            repository = EcrRepository(
                self,
                key,
                name=repository_name(name_prefix, service),
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration=EcrRepositoryImageScanningConfiguration(scan_on_push=True),
                # The key must be in the repository's region; ECR uses it through grants it creates
                # with the caller's kms:CreateGrant, so pulls need no KMS permission of their own.
                # Fixed at creation: changing the key replaces the repository.
                encryption_configuration=[
                    EcrRepositoryEncryptionConfiguration(encryption_type="KMS", kms_key=kms_key_arn)
                ],
                # A throw-away environment can be destroyed with its images; production keeps them.
                force_delete=not protect,
                lifecycle=TerraformResourceLifecycle(prevent_destroy=protect),
                provider=provider,
            )
            EcrLifecyclePolicy(self, f"{key}_lifecycle", repository=repository.name, policy=policy, provider=provider)
            self.repositories[service] = repository


class Registry(Construct):
    """The environment's repositories and, when ``settings.replicate``, their copies in the
    disaster-recovery region: the replica repositories are created here (same names, same
    settings, the DR region's key) before replication starts, so ECR replicates into them instead
    of creating repositories of its own that no stack manages.

    ECR keeps one replication configuration per account and region: this stack owns it, with one
    rule filtered on the environment's prefix. A second environment of the account that
    replicates would overwrite it (RegistryConfig.replicate says so).

    Attributes: ``repository_urls`` and ``repository_arns`` (service -> URL / ARN),
    ``replica_repository_urls`` (empty without replication).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: RegistryConfig,
        name_prefix: str,
        account_id: str,
        kms_key_arn: str,
        protect: bool,
        dr_region: str | None = None,
        dr_provider: TerraformProvider | None = None,
        dr_key_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        primary = Repositories(
            self, "primary", settings=settings, name_prefix=name_prefix, kms_key_arn=kms_key_arn, protect=protect
        )
        self.repository_urls: Mapping[str, str] = {s: r.repository_url for s, r in primary.repositories.items()}
        self.repository_arns: Mapping[str, str] = {s: r.arn for s, r in primary.repositories.items()}
        self.replica_repository_urls: Mapping[str, str] = {}
        if not (settings.replicate and settings.repositories):
            return
        # The rules refuse replication without a disaster-recovery region.
        assert dr_region is not None
        assert dr_provider is not None
        assert dr_key_arn is not None
        replicas = Repositories(
            self,
            "replica",
            settings=settings,
            name_prefix=name_prefix,
            kms_key_arn=dr_key_arn,
            protect=protect,
            provider=dr_provider,
        )
        self.replica_repository_urls = {s: r.repository_url for s, r in replicas.repositories.items()}
        EcrReplicationConfiguration(
            self,
            "replication",
            replication_configuration=EcrReplicationConfigurationReplicationConfiguration(
                rule=[
                    EcrReplicationConfigurationReplicationConfigurationRule(
                        destination=[
                            EcrReplicationConfigurationReplicationConfigurationRuleDestination(
                                region=dr_region, registry_id=account_id
                            )
                        ],
                        repository_filter=[
                            EcrReplicationConfigurationReplicationConfigurationRuleRepositoryFilter(
                                filter=repository_prefix(name_prefix), filter_type="PREFIX_MATCH"
                            )
                        ],
                    )
                ]
            ),
            depends_on=list(replicas.repositories.values()),
        )
