"""The disaster-recovery region: the provider that creates resources there, and the KMS key of the
database's replicated backups and the replicated container images."""

from cdktf import TerraformProvider, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from f1_infra.constructs.encryption import account_administration, environment_key_use
from f1_infra.iam import policy_document
from f1_infra.providers import aws_provider
from f1_infra.settings.environment import EnvironmentConfig

# The provider alias of every resource in the disaster-recovery region.
PROVIDER_ALIAS = "disaster_recovery"


def restorers(config: EnvironmentConfig) -> tuple[str, ...]:
    """Who besides the environment's roles uses the keys of the copies: the people who restore."""
    dr = config.disaster_recovery
    return dr.restore_principal_arn_patterns if dr is not None else ()


def copies_key(
    scope: Construct,
    id: str,
    *,
    config: EnvironmentConfig,
    account_id: str,
    provider: TerraformProvider,
    purpose: str,
    alias: str,
) -> KmsKey:
    """A rotated key of the disaster-recovery region for copies (construct ids `id` and
    `<id>_alias`, alias `alias/<alias>`): used by the environment's roles and its restorers, and
    as safe from deletion as the data it protects, since the copies are unreadable without it."""
    key = KmsKey(
        scope,
        id,
        description=f"{config.name_prefix}: {purpose}",
        enable_key_rotation=True,
        deletion_window_in_days=config.kms.deletion_window_days,
        policy=policy_document(
            account_administration(config.partition, account_id),
            environment_key_use(config, account_id, *restorers(config)),
        ),
        lifecycle=TerraformResourceLifecycle(prevent_destroy=config.production),
        provider=provider,
    )
    KmsAlias(scope, f"{id}_alias", name=f"alias/{alias}", target_key_id=key.key_id, provider=provider)
    return key


def needs_key(config: EnvironmentConfig) -> bool:
    """Whether anything of the environment is encrypted in the DR region with the shared key (the
    bucket replicas have their own key, f1_infra/constructs/storage.py)."""
    return config.database.backup_replication is not None or config.registry.replicate


class DisasterRecovery(Construct):
    """The AWS provider of the disaster-recovery region and, when the database's backups or the
    images are replicated, a key of that region for them. RDS and ECR use the key through grants
    that the deploy role creates (kms:CreateGrant, which the key admits for the environment's
    principals); operators who restore there need their role in kms.key_user_arn_patterns.

    Attributes: ``region``, ``provider``, ``key_arn`` (None when nothing needs the key).
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig, region: str, account_id: str) -> None:
        super().__init__(scope, id)
        self.region = region
        self.provider: TerraformProvider = aws_provider(
            self,
            "provider",
            region=region,
            default_tags=config.default_tags,
            account_id=config.account_id,
            alias=PROVIDER_ALIAS,
        )
        self.key_arn: str | None = None
        if needs_key(config):
            self.key_arn = copies_key(
                self,
                "key",
                config=config,
                account_id=account_id,
                provider=self.provider,
                purpose=f"replicated database backups and container images in {region}",
                alias=f"{config.name_prefix}-dr",
            ).arn
