"""IAM roles of the application's Kubernetes service accounts (IRSA): one role for each service
account of the environment file's `workloads` section, with one inline policy made of everything it
lists. A service account carries one eks.amazonaws.com/role-arn annotation (rule 45), so everything
a workload may do has to be in that one role."""

from typing import Any

from constructs import Construct

from f1_infra.constructs.events import consumer_statements
from f1_infra.constructs.irsa import OidcProvider, ServiceAccountRole
from f1_infra.constructs.storage import Storage, bucket_access_statements
from f1_infra.iam import policy_document, statement
from f1_infra.rules.workloads import role_name
from f1_infra.settings.workloads import ServiceAccountConfig, WorkloadsConfig

# Where PutMetricData can be limited: the action has no resource-level permissions, so its
# Resource is "*" and the cloudwatch:namespace condition key holds it to one namespace (CloudWatch
# user guide, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
METRICS_ACTIONS = ("cloudwatch:PutMetricData",)


class WorkloadRoles(Construct):
    """One role per service account, trusted by that service account only (``ServiceAccountRole``
    pins the namespace, the name and the audience), with one inline policy named after it:

    - ``buckets``: the bucket statements of the storage module (``bucket_access_statements``);
    - ``training_queue``: the consumer statements of the training queue (``consumer_statements``);
    - ``database``: ``rds-db:connect`` on the RDS Proxy's master user (``database_user_arn``);
    - ``cache``: ``secretsmanager:GetSecretValue`` on the cache's AUTH secret, and ``kms:Decrypt`` of
      its key only through Secrets Manager and only for that secret;
    - ``metrics``: ``cloudwatch:PutMetricData`` to ``metrics_namespace`` only.

    Attributes: ``role_arns`` (service account name -> role ARN), ``training_consumer_role_arn``
    (the role of the service account that consumes the training queue; None when none does).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: WorkloadsConfig,
        name_prefix: str,
        region: str,
        oidc: OidcProvider,
        storage: Storage,
        kms_key_arn: str,
        training_queue_arn: str,
        training_queue_key_arn: str,
        database_user_arn: str | None,
        cache_secret_arn: str,
        cache_secret_key_arn: str,
        metrics_namespace: str,
    ) -> None:
        super().__init__(scope, id)
        self._region = region
        self._buckets = {key: (bucket.arn, key in storage.kms_buckets) for key, bucket in storage.buckets.items()}
        self._kms_key_arn = kms_key_arn
        self._training = (training_queue_arn, training_queue_key_arn)
        self._database_user_arn = database_user_arn
        self._cache = (cache_secret_arn, cache_secret_key_arn)
        self._metrics_namespace = metrics_namespace

        self.role_arns: dict[str, str] = {}
        self.training_consumer_role_arn: str | None = None
        for name, account in settings.service_accounts.items():
            role = ServiceAccountRole(
                self,
                # The ids (and role names) the bucket roles had: their Terraform addresses stay.
                name.replace("-", "_"),
                name=role_name(name_prefix, name),
                oidc=oidc,
                namespace=account.namespace,
                service_account=name,
                policy=policy_document(*self.statements(name, account)),
            )
            self.role_arns[name] = role.arn
            if account.training_queue:
                self.training_consumer_role_arn = role.arn

    def statements(self, name: str, account: ServiceAccountConfig) -> list[dict[str, Any]]:
        """The statements of one service account's policy, in the order of its settings."""
        statements = bucket_access_statements(account.buckets, self._buckets, self._kms_key_arn, self._region)
        if account.training_queue:
            statements += consumer_statements(*self._training, self._region)
        if account.database:
            if self._database_user_arn is None:
                # f1_infra/rules/workloads.py refuses such a file; this guards other callers.
                raise ValueError(f"{name}: database access needs an RDS Proxy that requires IAM authentication")
            statements.append(statement("ConnectToDatabase", ["rds-db:connect"], [self._database_user_arn]))
        if account.cache:
            secret_arn, key_arn = self._cache
            statements += [
                statement("ReadCacheAuthToken", ["secretsmanager:GetSecretValue"], [secret_arn]),
                # Secrets Manager decrypts for the caller with the secret's ARN as encryption context
                # (Secrets Manager user guide, "Secret encryption and decryption",
                # https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
                statement(
                    "DecryptCacheAuthToken",
                    ["kms:Decrypt"],
                    [key_arn],
                    conditions={
                        "StringEquals": {
                            "kms:ViaService": f"secretsmanager.{self._region}.amazonaws.com",
                            "kms:EncryptionContext:SecretARN": secret_arn,
                        }
                    },
                ),
            ]
        if account.metrics:
            statements.append(
                statement(
                    "PublishMetrics",
                    METRICS_ACTIONS,
                    ["*"],
                    conditions={"StringEquals": {"cloudwatch:namespace": self._metrics_namespace}},
                )
            )
        return statements
