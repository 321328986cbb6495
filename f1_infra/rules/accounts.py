"""Rules on the AWS account an environment lives in, and who may use its key."""

from collections.abc import Iterable, Iterator

from f1_infra.problems import Problem, pointer
from f1_infra.rules.cluster import principal_pattern_problem
from f1_infra.settings.backend import CloudBackend
from f1_infra.settings.base import PRINCIPAL_PATTERN_EXAMPLE
from f1_infra.settings.environment import EnvironmentConfig

KEY_USER_POWER = "decrypt the environment's secrets and data"


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    if config.backend.is_cloud and config.account_id is None:
        yield (
            pointer("account_id"),
            "is required with a cloud backend: the bootstrap stack creates the workspace's roles in that account "
            "and the AWS provider refuses any other one before it changes anything; give the 12 digits of the "
            "environment's account",
        )
    patterns = config.kms.key_user_arn_patterns
    for i, pattern in enumerate(patterns):
        where = pointer("kms", "key_user_arn_patterns", i)
        problem = principal_pattern_problem(config, pattern, KEY_USER_POWER)
        if problem:
            yield where, problem
            continue
        account = pattern.split(":")[4]
        if config.account_id is not None and account not in ("*", config.account_id):
            yield (
                where,
                f"{pattern!r} names account {account}, but the key admits only principals of the environment's "
                f"account {config.account_id}, so it matches no caller",
            )
    if not config.backend.is_cloud and not patterns:
        example = PRINCIPAL_PATTERN_EXAMPLE.replace("arn:aws:", f"arn:{config.partition}:", 1)
        yield (
            pointer("kms", "key_user_arn_patterns"),
            f"is empty, but a {config.backend.type} backend is deployed with the credentials of whoever runs "
            "`cdktf deploy`, and creating the encrypted database, cache and secrets needs them to use the key: name "
            f"their role, e.g. {example}",
        )


def check_together(configs: Iterable[EnvironmentConfig]) -> Iterator[Problem]:
    """The bootstrap stack reaches each account either with its own credentials or through the
    account's `backend.bootstrap_role`; its own credentials are in one account only."""
    reached: list[tuple[EnvironmentConfig, str, str | None]] = [
        (config, config.account_id, config.backend.bootstrap_role)
        for config in configs
        if isinstance(config.backend, CloudBackend) and config.account_id is not None
    ]
    roles: dict[str, tuple[str | None, EnvironmentConfig]] = {}
    for config, account, role in reached:
        first_role, first = roles.setdefault(account, (role, config))
        if first_role != role:
            yield Problem(
                config.source,
                pointer("backend", "bootstrap_role"),
                f"is {role!r} but {first.source} reaches the same account {account} with {first_role!r}; the "
                "bootstrap stack reaches an account one way, so give both files the same role",
            )
    own = sorted({account for account, (role, _) in roles.items() if role is None})
    if len(own) > 1:
        for config, _, role in reached:
            if role is None:
                yield Problem(
                    config.source,
                    pointer("backend", "bootstrap_role"),
                    f"is needed: environments in accounts {', '.join(own)} name no role, but the bootstrap stack's "
                    "own credentials are in one account only; name the role it assumes in the others, e.g. "
                    "OrganizationAccountAccessRole",
                )


def may_share_an_account(one: EnvironmentConfig, other: EnvironmentConfig) -> bool:
    """Whether two environments can be in one account: they name the same one, or either names none."""
    return one.account_id is None or other.account_id is None or one.account_id == other.account_id


def check_names_together(configs: Iterable[EnvironmentConfig]) -> Iterator[Problem]:
    """Every name pattern of an environment (`<prefix>-*`: its roles, buckets, the key's users) would
    also match the resources of one whose name extends it (`prod` and `prod-eu`) in the same account."""
    configs = list(configs)
    for config in configs:
        for other in configs:
            if other is config or not may_share_an_account(config, other):
                continue
            if other.name_prefix.startswith(f"{config.name_prefix}-"):
                yield Problem(
                    config.source,
                    "",
                    f"the names of {config.name} ({config.name_prefix}-*) also match those of {other.name} "
                    f"({other.source}), which can be in the same account: its runs could change {other.name}'s "
                    "roles and buckets; rename one of the files, or give both an account_id of their own",
                )
