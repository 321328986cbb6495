"""Settings of the VPC (envs/*.json `network`), and the subnet layout computed from its CIDR."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field

from f1_infra.settings.base import UNIQUE, Cidr, LogRetentionDays, Setting

# Private subnets hold EKS nodes and, with the VPC CNI, every pod IP: each gets 1/8 of the VPC.
# Public and database subnets need few addresses: 1/256 each, carved from the fifth eighth.
# Public subnets hold the load balancer, which needs a /27 or larger (rule 48 of docs/aws-rules.md):
# below a /19 VPC they stay /27 and take more of the 1/16 reserved for them before the database tier.
PRIVATE_NEW_BITS = 3
SMALL_NEW_BITS = 8
PUBLIC_MAX_PREFIX = 27
PUBLIC_FIRST_INDEX = 128
DATABASE_FIRST_INDEX = 144
COMPUTED_LAYOUT_MAX_PREFIX = 20

CidrList = Annotated[tuple[Cidr, ...], Field(min_length=2, max_length=4, json_schema_extra=UNIQUE)]


class SubnetLayout(Setting):
    """Subnet CIDRs per tier, index i in availability zone i."""

    public: CidrList = Field(description="Public subnets (load balancers, NAT gateways).")
    private: CidrList = Field(description="Private subnets (EKS nodes and pods), outbound through NAT.")
    database: CidrList = Field(description="Database subnets (RDS, ElastiCache): no route to or from the internet.")

    def tiers(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        yield "public", self.public
        yield "private", self.private
        yield "database", self.database


class FlowLogsConfig(Setting):
    retention_days: LogRetentionDays = Field(365, description="Days CloudWatch keeps flow log records.")
    traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = Field(
        "ALL", description="Which traffic is recorded: ALL, ACCEPT or REJECT."
    )


class NetworkConfig(Setting):
    vpc_cidr: Cidr = Field(
        "10.0.0.0/16",
        description="IPv4 CIDR block of the VPC, /16 to /28. Subnets are computed from it unless listed under "
        "subnets (computing needs /16 to /20).",
    )
    availability_zones: tuple[Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$")], ...] = Field(
        min_length=2,
        max_length=4,
        json_schema_extra=UNIQUE,
        description="Availability zones of the region to spread subnets over: at least 2 (EKS, RDS and "
        "ElastiCache need two), 3 recommended, at most 4.",
    )
    subnets: SubnetLayout | None = Field(
        None,
        description="Explicit subnet CIDRs, one per availability zone in each tier, in the order of "
        "availability_zones. Leave out to compute them from vpc_cidr: private subnets take one eighth of the VPC "
        "each (room for EKS pod IPs), public and database subnets 1/256 each (public ones at least /27, which a "
        "load balancer needs).",
    )
    nat_gateways: Literal["one_per_az", "single"] = Field(
        "one_per_az",
        description="one_per_az keeps private subnets reachable to the internet when a zone fails; single saves "
        "cost (one NAT gateway and one Elastic IP) for throw-away environments.",
    )
    flow_logs: FlowLogsConfig = Field(
        FlowLogsConfig(), description="VPC flow logs delivered to a KMS-encrypted CloudWatch log group."
    )

    @property
    def subnet_layout(self) -> SubnetLayout:
        """The subnets from the file, or computed from the VPC CIDR when the file has none."""
        return self.subnets or compute_subnet_layout(self.vpc_cidr, len(self.availability_zones))


def compute_subnet_layout(vpc_cidr: str, zones: int) -> SubnetLayout:
    vpc = ipaddress.ip_network(vpc_cidr)
    private = list(vpc.subnets(new_prefix=vpc.prefixlen + PRIVATE_NEW_BITS))
    small = list(vpc.subnets(new_prefix=vpc.prefixlen + SMALL_NEW_BITS))
    public_area = ipaddress.ip_network(f"{small[PUBLIC_FIRST_INDEX].network_address}/{vpc.prefixlen + 4}")
    public = list(public_area.subnets(new_prefix=min(vpc.prefixlen + SMALL_NEW_BITS, PUBLIC_MAX_PREFIX)))
    return SubnetLayout(
        public=tuple(str(public[i]) for i in range(zones)),
        private=tuple(str(private[i]) for i in range(zones)),
        database=tuple(str(small[DATABASE_FIRST_INDEX + i]) for i in range(zones)),
    )
