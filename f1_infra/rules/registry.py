"""Rules on the ECR repositories (rule 56 of docs/aws-rules.md): their full names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from f1_infra.problems import pointer
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.registry import repository_name

# ECR's repository name (CreateRepository API reference): 2 to 256 characters, path components of
# lowercase letters and digits separated by single '.', '_' or '-', joined by '/'.
REPOSITORY_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
REPOSITORY_NAME_MIN, REPOSITORY_NAME_MAX = 2, 256


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    for i, service in enumerate(config.registry.repositories):
        name = repository_name(config.name_prefix, service)
        if not REPOSITORY_NAME_MIN <= len(name) <= REPOSITORY_NAME_MAX:
            yield (
                pointer("registry", "repositories", i),
                f"repository name {name!r} has {len(name)} characters; ECR allows {REPOSITORY_NAME_MIN} to "
                f"{REPOSITORY_NAME_MAX}",
            )
        elif not REPOSITORY_NAME.match(name):
            yield (
                pointer("registry", "repositories", i),
                f"repository name {name!r} is not valid for ECR: each part between slashes is lowercase letters "
                "and digits with single '.', '_' or '-' between them (the project name must not end with a hyphen "
                "nor contain two in a row)",
            )
