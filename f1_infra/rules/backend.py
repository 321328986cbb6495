"""Rules on the state backend that the schema's patterns cannot express."""

from collections.abc import Iterator

from f1_infra.problems import pointer
from f1_infra.rules.names import bucket_name_problems
from f1_infra.settings.environment import EnvironmentConfig


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    backend = config.backend
    if backend.type == "s3" and backend.bucket is not None:
        for message in bucket_name_problems(backend.bucket):
            yield pointer("backend", "bucket"), f"state bucket {backend.bucket!r} {message}"
