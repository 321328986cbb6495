"""Rules on the VPC: CIDRs, availability zones, subnet layout."""

import ipaddress
from collections.abc import Iterator

from f1_infra.problems import pointer
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.network import COMPUTED_LAYOUT_MAX_PREFIX

# AWS accepts VPC and subnet blocks from /16 to /28.
AWS_MIN_PREFIX, AWS_MAX_PREFIX = 16, 28
# The load balancer lives in the public subnets and needs /27 or larger (rule 48).
ALB_SUBNET_MAX_PREFIX = 27


def _parse(value: str) -> tuple[ipaddress.IPv4Network | None, str]:
    try:
        return ipaddress.IPv4Network(value, strict=True), ""
    except ValueError as exc:
        return None, f"{value!r} is not a valid IPv4 CIDR block ({exc}); write it like 10.0.0.0/16"


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    net = config.network
    for i, zone in enumerate(net.availability_zones):
        if not zone.startswith(config.region) or len(zone) != len(config.region) + 1:
            yield (
                pointer("network", "availability_zones", i),
                f"{zone!r} is not an availability zone of region {config.region!r}; "
                f"use {config.region}a, {config.region}b, ...",
            )

    vpc, error = _parse(net.vpc_cidr)
    if vpc is None:
        yield pointer("network", "vpc_cidr"), error
        return
    if not AWS_MIN_PREFIX <= vpc.prefixlen <= AWS_MAX_PREFIX:
        yield pointer("network", "vpc_cidr"), f"/{vpc.prefixlen} is not allowed; AWS accepts /16 to /28"
        return
    if not vpc.is_private:
        yield pointer("network", "vpc_cidr"), f"{vpc} is not a private (RFC 1918) range; use e.g. 10.0.0.0/16"

    if net.subnets is None:
        if vpc.prefixlen > COMPUTED_LAYOUT_MAX_PREFIX:
            yield (
                pointer("network", "vpc_cidr"),
                f"subnets can be computed only for a VPC of /16 to /{COMPUTED_LAYOUT_MAX_PREFIX}; "
                f"list them under network/subnets for a /{vpc.prefixlen}",
            )
        return

    zones = len(net.availability_zones)
    seen: list[tuple[ipaddress.IPv4Network, str]] = []
    for tier, cidrs in net.subnets.tiers():
        if len(cidrs) != zones:
            yield (
                pointer("network", "subnets", tier),
                f"lists {len(cidrs)} subnets for {zones} availability zones; give exactly one per zone",
            )
        for i, cidr in enumerate(cidrs):
            where = pointer("network", "subnets", tier, i)
            subnet, error = _parse(cidr)
            if subnet is None:
                yield where, error
                continue
            if not AWS_MIN_PREFIX <= subnet.prefixlen <= AWS_MAX_PREFIX:
                yield where, f"/{subnet.prefixlen} is not allowed; AWS subnets are /16 to /28"
            elif tier == "public" and subnet.prefixlen > ALB_SUBNET_MAX_PREFIX:
                yield (
                    where,
                    f"{subnet} is too small for the load balancer, which needs a /{ALB_SUBNET_MAX_PREFIX} or larger "
                    "public subnet with at least 8 free addresses",
                )
            if not subnet.subnet_of(vpc):
                yield where, f"{subnet} is outside the VPC {vpc}; subnets must lie inside vpc_cidr"
            for other, other_where in seen:
                if subnet.overlaps(other):
                    yield where, f"{subnet} overlaps {other} at {other_where}; subnets must not overlap"
            seen.append((subnet, where))
