"""Naming rules shared by several modules: RDS and ElastiCache identifiers (instances,
replication groups, snapshots) and S3 bucket names (the buckets we create, the state bucket of an
s3 backend)."""

import ipaddress
import re
from collections.abc import Iterator

_CHARACTERS = re.compile(r"^[A-Za-z0-9-]+$")


def identifier_problem(value: str, maximum: int, what: str) -> str | None:
    """Why AWS would refuse `value` as an identifier, or None: 1 to `maximum` letters, digits and
    hyphens, starting with a letter, with no trailing or doubled hyphen."""
    allowed = (
        f"{what} must have 1 to {maximum} letters, digits or hyphens, start with a letter, "
        "and neither end with a hyphen nor contain two hyphens in a row"
    )
    if not value or len(value) > maximum:
        return f"{what} {value!r} has {len(value)} characters; {allowed}"
    if not _CHARACTERS.match(value) or not value[0].isalpha() or value.endswith("-") or "--" in value:
        return f"{what} {value!r} is not valid; {allowed}"
    return None


# S3 bucket naming rules (rule 7).
BUCKET_NAME_MIN, BUCKET_NAME_MAX = 3, 63
_BUCKET_CHARACTERS = re.compile(r"^[a-z0-9.-]+$")
BUCKET_FORBIDDEN_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_FORBIDDEN_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3")


def bucket_name_problems(name: str) -> Iterator[str]:
    """What S3 would refuse about a bucket name, each as a sentence."""
    if not BUCKET_NAME_MIN <= len(name) <= BUCKET_NAME_MAX:
        yield f"has {len(name)} characters; S3 allows {BUCKET_NAME_MIN} to {BUCKET_NAME_MAX}"
    if not _BUCKET_CHARACTERS.match(name):
        bad = "".join(sorted({c for c in name if not re.match(r"[a-z0-9.-]", c)}))
        yield f"contains {bad!r}; S3 allows only lowercase letters, digits, dots and hyphens"
    if name and not (name[0].isalnum() and name[-1].isalnum()):
        yield "must start and end with a lowercase letter or a digit"
    if ".." in name:
        yield "contains '..'; S3 refuses adjacent dots"
    try:
        ipaddress.IPv4Address(name)
        yield "is shaped like an IP address, which S3 refuses"
    except ValueError:
        pass
    for prefix in BUCKET_FORBIDDEN_PREFIXES:
        if name.startswith(prefix):
            yield f"starts with {prefix!r}, a prefix S3 reserves"
    for suffix in BUCKET_FORBIDDEN_SUFFIXES:
        if name.endswith(suffix):
            yield f"ends with {suffix!r}, a suffix S3 reserves"


SECRET_RECOVERY_MIN = 7


def secret_recovery_problem(days: int) -> str | None:
    """Why Secrets Manager would refuse a deleted secret's recovery window, or None."""
    if 0 < days < SECRET_RECOVERY_MIN:
        return f"is {days}; Secrets Manager accepts 0 (delete at once) or {SECRET_RECOVERY_MIN} to 30 days"
    return None
