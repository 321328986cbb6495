"""The VPC: three subnet tiers across availability zones, NAT, routing, flow logs."""

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.elasticache_subnet_group import ElasticacheSubnetGroup
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from constructs import Construct

from f1_infra.iam import policy_document, service_trust_policy, statement
from f1_infra.settings.environment import EnvironmentConfig

ANYWHERE = "0.0.0.0/0"
FLOW_LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams")


class Network(Construct):
    """VPC with public, private and database subnets, one per availability zone in each tier.

    Public subnets route to an internet gateway and host the NAT gateways; private subnets
    (EKS) reach the internet through NAT; database subnets have no internet route at all.
    Construct ids of per-zone resources end with the zone letter, so adding or reordering
    zones never renames an existing subnet.

    Attributes: ``vpc_id``, ``vpc_cidr``, ``public_subnet_ids``, ``private_subnet_ids``,
    ``database_subnet_ids``, ``private_route_table_ids``, ``db_subnet_group_name``,
    ``cache_subnet_group_name``.
    """

    def __init__(
        self, scope: Construct, id: str, *, config: EnvironmentConfig, account_id: str, kms_key_arn: str
    ) -> None:
        super().__init__(scope, id)
        net, prefix = config.network, config.name_prefix
        layout = net.subnet_layout
        zones = [(zone, zone[-1]) for zone in net.availability_zones]
        cluster_tag = {f"kubernetes.io/cluster/{config.cluster_name}": "shared"}

        vpc = Vpc(
            self,
            "vpc",
            cidr_block=net.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{prefix}-vpc"},
        )
        # Adopting the default security group with no rules leaves nothing that falls back to it
        # open, since AWS's default allows all traffic between its members.
        DefaultSecurityGroup(self, "default_security_group", vpc_id=vpc.id, tags={"Name": f"{prefix}-default"})

        def subnets(tier: str, cidrs: tuple[str, ...], tags: dict[str, str]) -> list[Subnet]:
            return [
                Subnet(
                    self,
                    f"{tier}_{letter}",
                    vpc_id=vpc.id,
                    cidr_block=cidr,
                    availability_zone=zone,
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{prefix}-{tier}-{zone}", "Tier": tier, **tags},
                )
                for (zone, letter), cidr in zip(zones, cidrs, strict=True)
            ]

        public = subnets("public", layout.public, {"kubernetes.io/role/elb": "1", **cluster_tag})
        private = subnets("private", layout.private, {"kubernetes.io/role/internal-elb": "1", **cluster_tag})
        database = subnets("database", layout.database, {})

        igw = InternetGateway(self, "internet_gateway", vpc_id=vpc.id, tags={"Name": f"{prefix}-igw"})
        public_routes = RouteTable(self, "public_routes", vpc_id=vpc.id, tags={"Name": f"{prefix}-public"})
        Route(
            self, "public_internet", route_table_id=public_routes.id, destination_cidr_block=ANYWHERE, gateway_id=igw.id
        )
        for (_, letter), subnet in zip(zones, public, strict=True):
            RouteTableAssociation(
                self, f"public_{letter}_association", subnet_id=subnet.id, route_table_id=public_routes.id
            )

        nat_zones = zones if net.nat_gateways == "one_per_az" else zones[:1]
        nat_ids = []
        for (zone, letter), subnet in zip(nat_zones, public, strict=False):
            eip = Eip(self, f"nat_{letter}_ip", domain="vpc", tags={"Name": f"{prefix}-nat-{zone}"})
            nat = NatGateway(
                self,
                f"nat_{letter}",
                allocation_id=eip.allocation_id,
                subnet_id=subnet.id,
                tags={"Name": f"{prefix}-nat-{zone}"},
                depends_on=[igw],
            )
            nat_ids.append(nat.id)

        private_route_tables = []
        for i, ((zone, letter), subnet) in enumerate(zip(zones, private, strict=True)):
            table = RouteTable(
                self, f"private_{letter}_routes", vpc_id=vpc.id, tags={"Name": f"{prefix}-private-{zone}"}
            )
            Route(
                self,
                f"private_{letter}_internet",
                route_table_id=table.id,
                destination_cidr_block=ANYWHERE,
                nat_gateway_id=nat_ids[min(i, len(nat_ids) - 1)],
            )
            RouteTableAssociation(self, f"private_{letter}_association", subnet_id=subnet.id, route_table_id=table.id)
            private_route_tables.append(table)

        database_routes = RouteTable(self, "database_routes", vpc_id=vpc.id, tags={"Name": f"{prefix}-database"})
        for (_, letter), subnet in zip(zones, database, strict=True):
            RouteTableAssociation(
                self, f"database_{letter}_association", subnet_id=subnet.id, route_table_id=database_routes.id
            )

        # S3 traffic from the cluster (model artifacts, backups) bypasses NAT: cheaper, and it
        # stays on the AWS network.
        VpcEndpoint(
            self,
            "s3_endpoint",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{config.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in private_route_tables],
            tags={"Name": f"{prefix}-s3"},
        )

        self._flow_logs(config, account_id, kms_key_arn, vpc.id)

        db_subnet_group = DbSubnetGroup(
            self,
            "db_subnet_group",
            name=f"{prefix}-database",
            description=f"{prefix} database subnets",
            subnet_ids=[s.id for s in database],
        )
        cache_subnet_group = ElasticacheSubnetGroup(
            self,
            "cache_subnet_group",
            name=f"{prefix}-cache",
            description=f"{prefix} database subnets",
            subnet_ids=[s.id for s in database],
        )

        self.vpc_id: str = vpc.id
        self.vpc_cidr: str = net.vpc_cidr
        self.public_subnet_ids: list[str] = [s.id for s in public]
        self.private_subnet_ids: list[str] = [s.id for s in private]
        self.database_subnet_ids: list[str] = [s.id for s in database]
        self.private_route_table_ids: list[str] = [t.id for t in private_route_tables]
        self.db_subnet_group_name: str = db_subnet_group.name
        self.cache_subnet_group_name: str = cache_subnet_group.name

    def _flow_logs(self, config: EnvironmentConfig, account_id: str, kms_key_arn: str, vpc_id: str) -> None:
        prefix, partition = config.name_prefix, config.partition
        log_group = CloudwatchLogGroup(
            self,
            "flow_logs",
            name=f"/aws/vpc-flow-logs/{prefix}",
            retention_in_days=config.network.flow_logs.retention_days,
            kms_key_id=kms_key_arn,
        )
        role = IamRole(
            self,
            "flow_logs_role",
            name=f"{prefix}-vpc-flow-logs",
            assume_role_policy=service_trust_policy(
                "vpc-flow-logs.amazonaws.com",
                {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:ec2:{config.region}:{account_id}:vpc-flow-log/*"},
                },
            ),
        )
        IamRolePolicy(
            self,
            "flow_logs_policy",
            role=role.id,
            name="deliver-to-log-group",
            policy=policy_document(
                statement("DeliverFlowLogs", FLOW_LOG_ACTIONS, [f"{log_group.arn}:*"]),
                # DescribeLogGroups has no resource-level permissions: scoped to an ARN it grants
                # nothing (rule 50).
                statement("FindTheLogGroup", ["logs:DescribeLogGroups"], ["*"]),
            ),
        )
        FlowLog(
            self,
            "flow_log",
            vpc_id=vpc_id,
            traffic_type=config.network.flow_logs.traffic_type,
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags={"Name": f"{prefix}-vpc"},
        )
