"""Rules on the state backend that the schema's patterns cannot express."""

import ipaddress
from collections.abc import Iterator

from f1_infra.config import EnvironmentConfig, pointer


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    backend = config.backend
    if backend.type == "s3" and backend.bucket is not None:
        yield from _bucket_name(backend.bucket)


def _bucket_name(bucket: str) -> Iterator[tuple[str, str]]:
    where = pointer("backend", "bucket")
    if ".." in bucket:
        yield where, f"bucket name {bucket!r} has two adjacent dots; S3 bucket names may not"
    try:
        ipaddress.IPv4Address(bucket)
    except ValueError:
        pass
    else:
        yield where, f"bucket name {bucket!r} is formatted as an IP address; S3 bucket names may not be"
    if bucket.startswith(("xn--", "sthree-")) or bucket.endswith(("-s3alias", "--ol-s3", "--x-s3")):
        yield (
            where,
            f"bucket name {bucket!r} uses a prefix or suffix that S3 reserves "
            "(xn--, sthree-, -s3alias, --ol-s3, --x-s3)",
        )
