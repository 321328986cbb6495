"""The computed subnet layout, over every VPC size it is computed for (rules 29 and 48 of
docs/aws-rules.md)."""

import ipaddress
import itertools
from pathlib import Path

import pytest

from f1_infra.settings.network import COMPUTED_LAYOUT_MAX_PREFIX, compute_subnet_layout
from tests.envfiles import problems, set_at

# A load balancer needs a /27 or larger subnet with 8 free addresses (AWS reserves 5 per subnet).
ALB_MAX_PREFIX = 27
VPCS = [f"{base}/{prefix}" for base in ("10.0.0.0", "172.16.0.0", "192.168.0.0") for prefix in range(16, 21)]


@pytest.mark.parametrize("zones", [2, 3, 4])
@pytest.mark.parametrize("vpc_cidr", VPCS)
def test_every_computed_layout_fits_the_vpc_without_overlap(vpc_cidr: str, zones: int) -> None:
    vpc = ipaddress.IPv4Network(vpc_cidr)
    layout = compute_subnet_layout(vpc_cidr, zones)
    subnets = [ipaddress.IPv4Network(c) for _, cidrs in layout.tiers() for c in cidrs]
    assert all(len(cidrs) == zones for _, cidrs in layout.tiers())
    assert all(s.subnet_of(vpc) for s in subnets)
    for a, b in itertools.combinations(subnets, 2):
        assert not a.overlaps(b), (a, b)
    for cidr in layout.public:
        public = ipaddress.IPv4Network(cidr)
        assert public.prefixlen <= ALB_MAX_PREFIX, cidr
        assert public.num_addresses - 5 >= 8, cidr


def test_the_largest_computed_prefix_is_the_last_one_tested() -> None:
    assert COMPUTED_LAYOUT_MAX_PREFIX == 20


def test_a_slash_20_vpc_gets_slash_27_public_subnets() -> None:
    layout = compute_subnet_layout("10.0.0.0/20", 3)
    assert layout.public == ("10.0.8.0/27", "10.0.8.32/27", "10.0.8.64/27")
    assert layout.database == ("10.0.9.0/28", "10.0.9.16/28", "10.0.9.32/28")


def test_the_layout_of_a_slash_16_vpc_is_unchanged() -> None:
    layout = compute_subnet_layout("10.2.0.0/16", 3)
    assert layout.public == ("10.2.128.0/24", "10.2.129.0/24", "10.2.130.0/24")
    assert layout.database == ("10.2.144.0/24", "10.2.145.0/24", "10.2.146.0/24")
    assert layout.private == ("10.2.0.0/19", "10.2.32.0/19", "10.2.64.0/19")


def test_a_listed_public_subnet_too_small_for_the_load_balancer_is_refused(tmp_path: Path) -> None:
    subnets = {
        "public": ["10.0.128.0/28", "10.0.129.0/27", "10.0.130.0/24"],
        "private": ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
        "database": ["10.0.144.0/28", "10.0.145.0/28", "10.0.146.0/28"],
    }
    found = problems(tmp_path, set_at("network", "subnets", value=subnets))
    assert found == [
        (
            "/network/subnets/public/0",
            "10.0.128.0/28 is too small for the load balancer, which needs a /27 or larger public subnet with at "
            "least 8 free addresses",
        )
    ]
