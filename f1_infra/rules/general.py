"""Rules on the environment as a whole: tags and naming."""

from collections.abc import Iterator

from f1_infra.problems import pointer
from f1_infra.settings.environment import EnvironmentConfig

RESERVED_TAGS = ("Project", "Environment", "ManagedBy")
# Resource names are <project>-<environment>-<thing>; the longest fixed <thing> we append to a
# name limited to 32 characters (load balancers, target groups) is 7 characters long.
NAME_PREFIX_MAX = 24


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    for key in RESERVED_TAGS:
        if key in config.tags:
            yield pointer("tags", key), f"tag {key!r} is set by the project itself; remove it from tags"
    for tier in ("critical", "warning", "info"):
        seen: dict[str, int] = {}
        for i, email in enumerate(getattr(config.alerts.tiers, tier).emails):
            if email.lower() in seen:
                yield (
                    pointer("alerts", "tiers", tier, "emails", i),
                    f"{email!r} repeats entry {seen[email.lower()]} (addresses are compared ignoring case)",
                )
            seen.setdefault(email.lower(), i)
    if len(config.name_prefix) > NAME_PREFIX_MAX:
        yield (
            pointer("project"),
            f"resource name prefix {config.name_prefix!r} has {len(config.name_prefix)} characters; "
            f"project and environment name together must stay within {NAME_PREFIX_MAX} "
            "so that load balancer and target group names fit AWS's 32-character limit",
        )
