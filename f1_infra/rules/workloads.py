"""Rules on the workloads section: one role per service account (rule 45), role names, and the
grants that need something else of the environment (the training queue's one consumer, the RDS
Proxy with IAM authentication)."""

from collections.abc import Iterator

from f1_infra.problems import pointer
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.workloads import PLATFORM_SERVICE_ACCOUNTS

# IAM role names are limited to 64 characters.
ROLE_NAME_MAX = 64


def role_name(name_prefix: str, service_account: str) -> str:
    """<prefix>-<service account>-s3. The suffix dates from when these roles held bucket access
    only; IAM cannot rename a role, so a new name would replace every workload role and change the
    ARNs their service accounts are annotated with."""
    return f"{name_prefix}-{service_account}-s3"


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    accounts = config.workloads.service_accounts
    platform = {(p.namespace, p.name): p for p in PLATFORM_SERVICE_ACCOUNTS}
    proxy = config.database.proxy
    for name, account in accounts.items():
        where = pointer("workloads", "service_accounts", name)
        taken = platform.get((account.namespace, name))
        if taken is not None:
            yield (
                where,
                f"{account.namespace}/{name} already has a role, that of {taken.used_by}; a service account "
                "carries one eks.amazonaws.com/role-arn annotation, so two roles on it leave its pods with only "
                "one of them (rule 45). Give the workload its own service account",
            )
        role = role_name(config.name_prefix, name)
        if len(role) > ROLE_NAME_MAX:
            yield (
                where,
                f"role name {role!r} has {len(role)} characters; IAM allows {ROLE_NAME_MAX}, "
                "so shorten the service account name",
            )
        if not account.grants_anything:
            yield (
                where,
                "grants nothing: list buckets, or set training_queue, database, cache or metrics to true "
                "(IAM refuses a policy without statements); remove the service account if it needs no AWS access",
            )
        if account.database and not (proxy.enabled and proxy.iam_auth == "REQUIRED"):
            yield (
                f"{where}/database",
                "needs the RDS Proxy with IAM authentication (database.proxy.enabled true, iam_auth REQUIRED): the "
                "role connects through the proxy with an IAM token as the master user, whose password only the "
                "proxy holds. Without the proxy, IAM authentication to the instance needs a database user with "
                "the rds_iam role, which this stack does not create",
            )

    consumers = config.workloads.training_consumers()
    if not consumers:
        yield (
            pointer("workloads", "service_accounts"),
            "no service account has training_queue: true; the ML training queue (monitoring.training) always "
            "exists and needs exactly one consumer: set training_queue: true on the training workers' service "
            "account",
        )
    for name in consumers if len(consumers) > 1 else ():
        others = ", ".join(other for other in consumers if other != name)
        yield (
            pointer("workloads", "service_accounts", name, "training_queue"),
            f"is also true for {others}; exactly one service account consumes the training queue",
        )
