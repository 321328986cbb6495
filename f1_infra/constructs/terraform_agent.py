"""The Terraform Cloud agent that runs the cluster services workspace from inside the VPC.

The Kubernetes API endpoint is private (rule 47): only sources the cluster security group admits
reach it. Terraform Cloud's own runners have no published address range to admit (its IP ranges API
lists api, notifications, sentinel and vcs only), so the `<workspace>-services` workspace runs on an
agent of its own pool (bootstrap stack), and this construct runs that agent: one ECS Fargate task
in the private subnets, with its own security group, which the cluster security group admits on 443.

The agent's token is made by the bootstrap stack and written to a Secrets Manager secret there
(f1_infra/terraform_cloud.py names it); ECS hands it to the container at start. The agent has no
AWS permissions of its own: the runs it executes get the services workspace's dynamic credentials.
"""

import json

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret import DataAwsSecretsmanagerSecret
from cdktf_cdktf_provider_aws.ecs_cluster import EcsCluster, EcsClusterSetting
from cdktf_cdktf_provider_aws.ecs_service import EcsService, EcsServiceNetworkConfiguration
from cdktf_cdktf_provider_aws.ecs_task_definition import EcsTaskDefinition, EcsTaskDefinitionRuntimePlatform
from cdktf_cdktf_provider_aws.eks_access_entry import EksAccessEntry
from cdktf_cdktf_provider_aws.eks_access_policy_association import (
    EksAccessPolicyAssociation,
    EksAccessPolicyAssociationAccessScope,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from f1_infra.constructs.cluster import CLUSTER_ADMIN_POLICY, CLUSTER_VIEW_POLICY
from f1_infra.constructs.network import Network
from f1_infra.iam import policy_document, service_trust_policy, statement
from f1_infra.settings.backend import CloudBackend
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.terraform_cloud import agent_token_secret_name, services_plan_role_arn, services_role_arn

IMAGE = "hashicorp/tfc-agent"
CONTAINER = "tfc-agent"
HTTPS = 443
ANYWHERE = "0.0.0.0/0"


def has_agent(config: EnvironmentConfig) -> bool:
    """An environment gets the agent exactly when its backend is Terraform Cloud: only there does a
    workspace run the services stack remotely. A local or S3 environment applies its services stack
    from wherever its operator runs Terraform (docs/operations.md)."""
    return config.backend.is_cloud


class TerraformAgent(Construct):
    """The agent's ECS cluster, task and service, its security group (HTTPS out; the cluster
    security group admits it on 443), its log group, the task execution role that reads the token
    secret, and the EKS access entry that makes the services workspace's role a cluster
    administrator.

    Attributes: ``security_group_id``, ``log_group_name``, ``service_name``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        account_id: str,
        kms_key_arn: str,
        log_retention_days: int,
        network: Network,
        cluster_name: str,
        cluster_security_group_id: str,
    ) -> None:
        super().__init__(scope, id)
        backend = config.backend
        assert isinstance(backend, CloudBackend)
        agent, prefix, region, partition = backend.agent, config.name_prefix, config.region, config.partition
        name = f"{prefix}-tfc-agent"

        security_group = SecurityGroup(
            self,
            "security_group",
            # A prefix, so that a replacement never collides with the group it replaces.
            name_prefix=f"{name}-",
            description=f"{name}: HTTPS out to Terraform Cloud, registries and the Kubernetes API; nothing in",
            vpc_id=network.vpc_id,
            tags={"Name": name},
        )
        VpcSecurityGroupEgressRule(
            self,
            "to_https",
            security_group_id=security_group.id,
            cidr_ipv4=ANYWHERE,
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            description="Terraform Cloud, provider and chart downloads (through NAT), the Kubernetes API",
        )
        # Rule 47: the private endpoint answers only sources the cluster security group admits.
        VpcSecurityGroupIngressRule(
            self,
            "cluster_from_agent",
            security_group_id=cluster_security_group_id,
            referenced_security_group_id=security_group.id,
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            description="Terraform Cloud agent calls the Kubernetes API (cluster services workspace)",
        )

        log_group = CloudwatchLogGroup(
            self,
            "log_group",
            name=f"/{prefix}/tfc-agent",
            retention_in_days=log_retention_days,
            kms_key_id=kms_key_arn,
        )
        # Made by the bootstrap stack, which must be applied first (docs/operations.md).
        token = DataAwsSecretsmanagerSecret(self, "token_secret", name=agent_token_secret_name(config))
        execution_role = IamRole(
            self,
            "execution_role",
            name=f"{name}-execution",
            description=f"ECS starts the {name} task: reads its token, writes its logs",
            assume_role_policy=service_trust_policy("ecs-tasks.amazonaws.com"),
        )
        execution_policy = IamRolePolicy(
            self,
            "execution_policy",
            role=execution_role.id,
            name="start-agent",
            policy=policy_document(
                statement("AgentToken", ["secretsmanager:GetSecretValue"], [token.arn]),
                statement(
                    "AgentTokenKey",
                    ["kms:Decrypt"],
                    [token.kms_key_id],
                    conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
                ),
                statement("AgentLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{log_group.arn}:*"]),
            ),
        )

        cluster = EcsCluster(
            self,
            "cluster",
            name=name,
            setting=[EcsClusterSetting(name="containerInsights", value="enabled")],
        )
        container = {
            "name": CONTAINER,
            "image": f"{IMAGE}:{agent.version}",
            "essential": True,
            "environment": [
                {"name": "TFC_ADDRESS", "value": f"https://{backend.hostname}"},
                {"name": "TFC_AGENT_NAME", "value": name},
                # The image's version is the one the file pins; by default the agent updates itself.
                {"name": "TFC_AGENT_AUTO_UPDATE", "value": "disabled"},
                # ECS reads the secret only when a task starts: a new token version makes a new task
                # definition, so the service replaces its task and the agent starts with the new token.
                {"name": "AGENT_TOKEN_VERSION", "value": str(agent.token_version)},
            ],
            "secrets": [{"name": "TFC_AGENT_TOKEN", "valueFrom": token.arn}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group.name,
                    "awslogs-region": region,
                    "awslogs-stream-prefix": CONTAINER,
                },
            },
        }
        task = EcsTaskDefinition(
            self,
            "task",
            family=name,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(agent.cpu),
            memory=str(agent.memory_mib),
            execution_role_arn=execution_role.arn,
            runtime_platform=EcsTaskDefinitionRuntimePlatform(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            container_definitions=json.dumps([container]),
        )
        service = EcsService(
            self,
            "service",
            name=name,
            cluster=cluster.arn,
            task_definition=task.arn,
            desired_count=1,
            launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration=EcsServiceNetworkConfiguration(
                subnets=network.private_subnet_ids, security_groups=[security_group.id], assign_public_ip=False
            ),
            # One agent is enough: a run waits for a free agent; a new task starts before the old stops.
            # No circuit breaker: a task that cannot start yet (its token secret or the Secrets Manager
            # endpoint's rule not in place) is retried until it can, rather than given up on.
            deployment_minimum_healthy_percent=0,
            deployment_maximum_percent=200,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            # A task started before its role may read the token cannot start.
            depends_on=[execution_policy],
        )

        # The services workspace's role (bootstrap stack) installs charts: CRDs, cluster roles and
        # webhooks need cluster-admin.
        self._cluster_access(
            "services_access",
            "services_admin",
            cluster_name,
            services_role_arn(config, account_id),
            CLUSTER_ADMIN_POLICY.format(partition=partition),
        )
        # The plan phase of its runs assumes the workspace's plan role: it reads the releases (Helm
        # keeps them in Kubernetes Secrets, which AmazonEKSAdminViewPolicy reads and
        # AmazonEKSViewPolicy does not) and changes nothing in the cluster.
        self._cluster_access(
            "services_plan_access",
            "services_plan_view",
            cluster_name,
            services_plan_role_arn(config, account_id),
            CLUSTER_VIEW_POLICY.format(partition=partition),
        )

        self.security_group_id: str = security_group.id
        self.log_group_name: str = log_group.name
        self.service_name: str = service.name

    def _cluster_access(
        self, entry_id: str, policy_id: str, cluster_name: str, principal_arn: str, policy_arn: str
    ) -> None:
        """An access entry for a principal, with one access policy on the whole cluster."""
        entry = EksAccessEntry(self, entry_id, cluster_name=cluster_name, principal_arn=principal_arn, type="STANDARD")
        EksAccessPolicyAssociation(
            self,
            policy_id,
            cluster_name=cluster_name,
            principal_arn=entry.principal_arn,
            policy_arn=policy_arn,
            access_scope=EksAccessPolicyAssociationAccessScope(type="cluster"),
        )
