"""AWS rules that `terraform validate` does not catch, checked before anything is synthesized.

Each module of this package checks one part of an environment and yields (JSON pointer,
message) pairs; the message says what is wrong and what AWS allows. The rule numbers in
comments refer to docs/aws-rules.md.

Warnings are findings that AWS still applies but an operator should act on (a cost, a deadline,
an API nobody but the nodes can reach): they are printed, never refused.
"""

from collections.abc import Callable, Iterator

from f1_infra.rules import (
    accounts,
    backend,
    cache,
    catalog,
    cluster,
    cluster_services,
    database,
    disaster_recovery,
    general,
    monitoring,
    network,
    production,
    registry,
    storage,
    workloads,
)
from f1_infra.settings.environment import EnvironmentConfig

Finding = tuple[str, str]
Check = Callable[[EnvironmentConfig], Iterator[Finding]]

CHECKS: tuple[Check, ...] = (
    general.check,
    accounts.check,
    backend.check,
    network.check,
    catalog.check,
    cluster.check,
    cluster_services.check,
    database.check,
    cache.check,
    storage.check,
    disaster_recovery.check,
    registry.check,
    monitoring.check,
    workloads.check,
    production.check,
)


def check(config: EnvironmentConfig) -> Iterator[Finding]:
    for rule_set in CHECKS:
        yield from rule_set(config)


WARNINGS: tuple[Check, ...] = (catalog.warnings, cluster.warnings)


def warn(config: EnvironmentConfig) -> Iterator[Finding]:
    for rule_set in WARNINGS:
        yield from rule_set(config)
