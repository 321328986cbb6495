"""Building blocks of the settings: the base model and the value types several sections share."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

K = TypeVar("K")
V = TypeVar("V")


class Setting(BaseModel):
    """A section of an environment file: immutable, no keys beyond the declared ones."""

    # python-re: patterns such as the tag key's (?!aws:) need look-ahead.
    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")


# A read-only mapping, as constructs must not change the settings they are given.
FrozenMap = Annotated[dict[K, V], AfterValidator(MappingProxyType)]

# A JSON number that stays an int when the file has an integer, so that values read back
# (alarm descriptions, documentation) show 80 rather than 80.0.
Number = int | float

# jsonschema enforces this; pydantic has no unique-items constraint for ordered sequences.
UNIQUE: dict[str, Any] = {"uniqueItems": True}

CIDR_PATTERN = r"^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$"
REGION_PATTERN = r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$"
KUBERNETES_NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"

Cidr = Annotated[str, Field(pattern=CIDR_PATTERN)]
Region = Annotated[str, Field(pattern=REGION_PATTERN)]
WeeklyWindow = Annotated[
    str,
    Field(pattern=r"^(mon|tue|wed|thu|fri|sat|sun):[0-9]{2}:[0-9]{2}-(mon|tue|wed|thu|fri|sat|sun):[0-9]{2}:[0-9]{2}$"),
]
DailyWindow = Annotated[str, Field(pattern=r"^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$")]
# The retentions CloudWatch Logs accepts, in days.
LogRetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
]

# IAM ARN patterns matched with ArnLike against aws:PrincipalArn (the operator role's trust, the
# environment key's users). An Identity Center permission set's role, for example:
# https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
PRINCIPAL_PATTERN_EXAMPLE = "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_PlatformAdmin_*"
# 10 patterns of 180 characters keep the operator role's trust policy within IAM's default 2,048
# characters (tests/test_cluster.py checks the largest one).
PRINCIPAL_PATTERN_LENGTH_MAX = 180
PrincipalArnPattern = Annotated[
    str,
    Field(
        max_length=PRINCIPAL_PATTERN_LENGTH_MAX,
        pattern=r"^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+$",
        description="an IAM role or user ARN pattern (arn:<partition>:iam::<account or *>:role/<path and name>, * "
        f"and ? as wildcards), e.g. {PRINCIPAL_PATTERN_EXAMPLE}",
    ),
]
