"""The bootstrap stack: Terraform Cloud workspaces, their AWS dynamic credentials, and the
permissions boundary of each environment's roles.

Synthesized only when some environment keeps its state in Terraform Cloud. Everything it needs
comes from those environments' `backend` sections: organization, project, workspace, host and
Terraform version. Its own state is local (it creates the workspaces the other stacks use).
"""

import re
from collections.abc import Sequence

from cdktf import TerraformProvider, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_session_context import DataAwsIamSessionContext
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderAssumeRole, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktf_cdktf_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from cdktf_cdktf_provider_tfe.agent_pool import AgentPool
from cdktf_cdktf_provider_tfe.agent_pool_allowed_workspaces import AgentPoolAllowedWorkspaces
from cdktf_cdktf_provider_tfe.agent_token import AgentToken
from cdktf_cdktf_provider_tfe.notification_configuration import NotificationConfiguration
from cdktf_cdktf_provider_tfe.project import Project
from cdktf_cdktf_provider_tfe.provider import TfeProvider
from cdktf_cdktf_provider_tfe.run_trigger import RunTrigger
from cdktf_cdktf_provider_tfe.variable import Variable
from cdktf_cdktf_provider_tfe.workspace import Workspace
from cdktf_cdktf_provider_tfe.workspace_settings import WorkspaceSettings
from constructs import Construct

from f1_infra.boundary import boundary_name, boundary_path
from f1_infra.constructs.cost import billing_regions
from f1_infra.constructs.encryption import account_administration, environment_key_use
from f1_infra.iam import policy_document, statement
from f1_infra.rules.cache import replication_group_id
from f1_infra.rules.database import identifier as database_identifier
from f1_infra.settings.backend import SERVICES_SUFFIX, CloudBackend, LocalBackend
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.stack import state_backend
from f1_infra.terraform_cloud import (
    agent_pool_name,
    agent_token_secret_name,
    deploy_role_name,
    plan_role_name,
    services_role_name,
)

BOOTSTRAP_STACK = "bootstrap"

# The audience Terraform Cloud puts in the workload identity tokens it issues for AWS.
WORKLOAD_AUDIENCE = "aws.workload.identity"

# HCP Terraform dynamic credentials for AWS: TFC_AWS_PROVIDER_AUTH=true switches them on; with
# TFC_AWS_PLAN_ROLE_ARN and TFC_AWS_APPLY_ROLE_ARN a run assumes one role in its plan phase and
# another in its apply phase (they take the place of TFC_AWS_RUN_ROLE_ARN, one role for both). The
# token's `sub` claim ends with `run_phase:plan` or `run_phase:apply`, which each role's trust
# policy matches, so a plan can never obtain the apply role's credentials.
# https://developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/aws-configuration
PLAN_PHASE, APPLY_PHASE = "plan", "apply"
PROVIDER_AUTH_VARIABLE = "TFC_AWS_PROVIDER_AUTH"
ROLE_VARIABLES = {PLAN_PHASE: "TFC_AWS_PLAN_ROLE_ARN", APPLY_PHASE: "TFC_AWS_APPLY_ROLE_ARN"}

# IAM service prefix of each AWS provider resource or data source type, by longest type prefix.
# The deploy role may use exactly these services; tests/test_bootstrap.py fails when a stack uses
# a type missing here, so a module that brings a new service also extends its deploy permissions.
SERVICE_OF_TYPE: dict[str, str] = {
    "aws_vpc": "ec2",
    "aws_subnet": "ec2",
    "aws_route": "ec2",
    "aws_internet_gateway": "ec2",
    "aws_egress_only_internet_gateway": "ec2",
    "aws_nat_gateway": "ec2",
    "aws_eip": "ec2",
    "aws_security_group": "ec2",
    "aws_network_acl": "ec2",
    "aws_default_": "ec2",
    "aws_flow_log": "ec2",
    "aws_launch_template": "ec2",
    "aws_ec2_": "ec2",
    "aws_ami": "ec2",
    "aws_availability_zones": "ec2",
    "aws_kms_": "kms",
    "aws_sns_": "sns",
    "aws_cloudwatch_log_": "logs",
    "aws_cloudwatch_metric_alarm": "cloudwatch",
    "aws_cloudwatch_composite_alarm": "cloudwatch",
    "aws_cloudwatch_dashboard": "cloudwatch",
    "aws_cloudwatch_event_": "events",
    "aws_iam_": "iam",
    "aws_eks_": "eks",
    "aws_db_": "rds",
    "aws_rds_": "rds",
    "aws_elasticache_": "elasticache",
    "aws_s3_": "s3",
    "aws_lb": "elasticloadbalancing",
    "aws_alb": "elasticloadbalancing",
    "aws_secretsmanager_": "secretsmanager",
    "aws_autoscaling_": "autoscaling",
    "aws_acm_": "acm",
    "aws_ssm_": "ssm",
    "aws_sqs_": "sqs",
    "aws_wafv2_": "wafv2",
    "aws_route53_": "route53",
    "aws_budgets_": "budgets",
    "aws_ce_": "ce",
    "aws_guardduty_": "guardduty",
    "aws_cloudtrail": "cloudtrail",
    "aws_ecs_": "ecs",
    "aws_ecr_": "ecr",
}
# Data sources that Terraform answers without calling AWS, or that need no permission.
NO_PERMISSION_TYPES = frozenset(
    {"aws_caller_identity", "aws_partition", "aws_region", "aws_iam_policy_document", "aws_elb_service_account"}
)
# Services whose API is global: the region condition of the other services cannot apply.
# Budgets, Cost Explorer and Route 53 answer from us-east-1 whatever the environment's region, so
# the region condition would deny them; each gets its own statement instead.
GLOBAL_SERVICES = frozenset({"iam", "budgets", "ce", "route53"})
BUDGET_ACTIONS = (
    "budgets:ViewBudget",
    "budgets:ModifyBudget",
    "budgets:ListTagsForResource",
    "budgets:TagResource",
    "budgets:UntagResource",
)
# Cost Anomaly Detection monitors and subscriptions, and the cost allocation tag status. None of
# these actions takes a resource ARN on create, so the statement names "*" (Service Authorization
# Reference, AWS Cost Explorer Service).
COST_EXPLORER_ACTIONS = (
    "ce:CreateAnomalyMonitor",
    "ce:UpdateAnomalyMonitor",
    "ce:DeleteAnomalyMonitor",
    "ce:CreateAnomalySubscription",
    "ce:UpdateAnomalySubscription",
    "ce:DeleteAnomalySubscription",
    "ce:UpdateCostAllocationTagsStatus",
    "ce:TagResource",
    "ce:UntagResource",
)
COST_EXPLORER_READ_ACTIONS = (
    "ce:GetAnomalyMonitors",
    "ce:GetAnomalySubscriptions",
    "ce:ListCostAllocationTags",
    "ce:ListTagsForResource",
)
DNS_ACTIONS = ("route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets")

# What Terraform needs to manage the environment's roles, policies, instance profiles and the
# EKS cluster's OIDC provider. The actions that give a role permissions are in BOUNDED_ROLE_ACTIONS,
# PassRole is in its own statement.
IAM_ACTIONS = (
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    # iam:PermissionsBoundary is not in this action's request context, so it cannot carry the
    # boundary condition; the trust policy it changes belongs to a role that has the boundary.
    "iam:UpdateAssumeRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:ListRoleTags",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:CreatePolicy",
    "iam:DeletePolicy",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyVersions",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
    "iam:CreateInstanceProfile",
    "iam:DeleteInstanceProfile",
    "iam:GetInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:TagInstanceProfile",
    "iam:UntagInstanceProfile",
    "iam:CreateOpenIDConnectProvider",
    "iam:DeleteOpenIDConnectProvider",
    "iam:GetOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:RemoveClientIDFromOpenIDConnectProvider",
    "iam:TagOpenIDConnectProvider",
    "iam:UntagOpenIDConnectProvider",
)
# The actions that create a role or change what it may do: allowed only on roles whose permissions
# boundary is the environment's (condition iam:PermissionsBoundary), so no role a run creates can
# do more than the boundary allows, whatever its policies say.
BOUNDED_ROLE_ACTIONS = (
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
)
# Changes to the boundary policy itself, denied even if a future resource pattern matched it.
BOUNDARY_POLICY_CHANGES = (
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
)
# The services the environment stacks hand their roles to: the service principals of the roles'
# trust policies. tests/test_bootstrap.py compares this with the synthesized trust policies.
PASSED_TO_SERVICES = (
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "eks.amazonaws.com",
    "monitoring.rds.amazonaws.com",
    "rds.amazonaws.com",
    "s3.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
)

# What the environment stacks' roles may ever do (their permissions boundary): the services of
# their inline policies and of the AWS managed policies they attach (acm, cognito-idp, shield,
# waf-regional and wafv2 for the load balancer controller's published policy). tests/test_bootstrap.py
# fails when a role of an environment stack is granted an action outside these.
WORKLOAD_SERVICES = (
    "acm",
    "autoscaling",
    "cognito-idp",
    "ec2",
    "ecr",
    "eks",
    "eks-auth",
    "elasticloadbalancing",
    "kms",
    "logs",
    "s3",
    "secretsmanager",
    "shield",
    "sqs",
    "waf-regional",
    "wafv2",
    # The CloudWatch agent forwards Application Signals traces to X-Ray (CloudWatchAgentServerPolicy
    # and AWSXrayWriteOnlyAccess, which the add-on's documentation requires).
    "xray",
)
# Services of which the roles use one action: the boundary admits that action only.
# PutMetricData, the one CloudWatch action without resource-level permissions, is granted on "*"
# and held to the custom namespace by the workloads' policies (f1_infra/constructs/workloads.py);
# the CloudWatch agent of the amazon-cloudwatch-observability add-on publishes the Container
# Insights metrics with it (CloudWatchAgentServerPolicy). rds-db:connect is how a workload logs in
# to the RDS Proxy with an IAM token. ssm:GetParameter: the CloudWatch agent may read its
# configuration from parameters named AmazonCloudWatch-* (CloudWatchAgentServerPolicy).
WORKLOAD_ACTIONS = (
    "cloudwatch:PutMetricData",
    "rds-db:connect",
    "ssm:GetParameter",
)
# Grants of a policy the project keeps as published (f1_infra/policies) that the boundary cuts on
# purpose, with why: a bounded role does not get them whatever its policy says.
CUT_BY_BOUNDARY = {
    "iam:ListServerCertificates": "the load balancer controller lists IAM server certificates for listeners that "
    "name one; the platform's listeners use ACM certificates",
    "iam:GetServerCertificate": "the same, for one certificate",
}
# AmazonEKSClusterPolicy creates the load balancing service-linked role for Kubernetes services
# of type LoadBalancer: the one IAM write the boundary lets through.
SERVICE_LINKED_ROLE_SERVICES = ("elasticloadbalancing.amazonaws.com",)
# What each AWS managed policy the stacks attach grants, as `<service>:*` for "some actions of the
# service" or an exact action (AWS managed policy reference). A test fails on an attached policy
# missing here.
MANAGED_POLICY_GRANTS: dict[str, tuple[str, ...]] = {
    "AmazonEKSClusterPolicy": (
        "autoscaling:*",
        "ec2:*",
        "elasticloadbalancing:*",
        "kms:*",
        "iam:CreateServiceLinkedRole",
    ),
    "AmazonEKSWorkerNodePolicy": ("ec2:*", "eks:*", "eks-auth:*"),
    "AmazonEC2ContainerRegistryPullOnly": ("ecr:*",),
    "AmazonEKS_CNI_Policy": ("ec2:*",),
    "service-role/AmazonEBSCSIDriverPolicy": ("ec2:*",),
    "service-role/AmazonRDSEnhancedMonitoringRole": ("logs:*",),
    "CloudWatchAgentServerPolicy": ("cloudwatch:PutMetricData", "ec2:*", "logs:*", "ssm:GetParameter", "xray:*"),
    "AWSXrayWriteOnlyAccess": ("xray:*",),
}

# Policies that would turn a role the workspace creates into an administrator of the account.
FORBIDDEN_MANAGED_POLICIES = ("AdministratorAccess", "IAMFullAccess", "PowerUserAccess")


def service_of(resource_type: str) -> str | None:
    """The IAM service that manages a resource type, or None when the table lacks it."""
    matches = [prefix for prefix in SERVICE_OF_TYPE if resource_type.startswith(prefix)]
    return SERVICE_OF_TYPE[max(matches, key=len)] if matches else None


def deploy_services() -> list[str]:
    return sorted(set(SERVICE_OF_TYPE.values()))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def trust_subject(backend: CloudBackend, phase: str) -> str:
    """The `sub` claim of the workspace's runs in one phase (`plan` or `apply`). Workspace names are
    unique in an organization, so with no project named any project matches."""
    project = backend.project or "*"
    return f"organization:{backend.organization}:project:{project}:workspace:{backend.workspace}:run_phase:{phase}"


def deploy_regions(config: EnvironmentConfig) -> list[str]:
    """The environment's region, its disaster-recovery region when it has one, and us-east-1 when
    its cost controls notify from there (the billing alarm and its topic)."""
    regions = [config.region]
    dr_region = config.disaster_recovery_region
    for region in [*([dr_region] if dr_region else []), *billing_regions(config.monitoring.cost)]:
        if region not in regions:
            regions.append(region)
    return regions


def boundary_policy(config: EnvironmentConfig, account_id: str) -> str:
    """The permissions boundary of the environment's roles: the workload services and actions in
    the environment's regions, no IAM changes (but the one service-linked role AWS creates for EKS)."""
    return policy_document(
        statement(
            "WorkloadServices",
            [*(f"{service}:*" for service in WORKLOAD_SERVICES), *WORKLOAD_ACTIONS],
            ["*"],
            conditions={"StringEquals": {"aws:RequestedRegion": deploy_regions(config)}},
        ),
        statement(
            "ServiceLinkedRoles",
            ["iam:CreateServiceLinkedRole"],
            [f"arn:{config.partition}:iam::{account_id}:role/aws-service-role/*"],
            conditions={"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLE_SERVICES)}},
        ),
        statement(
            "NoIamChanges",
            ["iam:*"],
            ["*"],
            # IfExists: every IAM action without the key (all but CreateServiceLinkedRole) is denied.
            conditions={"StringNotEqualsIfExists": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLE_SERVICES)}},
            effect="Deny",
        ),
    )


def deploy_policy(config: EnvironmentConfig, account_id: str, boundary_arn: str) -> str:
    """What the workspace's runs may do in AWS: the services the stacks use, in the environment's
    regions; IAM only on roles and policies named with the environment's prefix, and roles only
    with the environment's permissions boundary."""
    iam = f"arn:{config.partition}:iam::{account_id}"
    prefix = config.name_prefix
    roles = f"{iam}:role/{prefix}-*"
    regional = [s for s in deploy_services() if s not in GLOBAL_SERVICES and s != "s3"]
    forbidden = [f"arn:{config.partition}:iam::aws:policy/{name}" for name in FORBIDDEN_MANAGED_POLICIES]
    zone = config.monitoring.alb.certificate.hosted_zone_id
    dns = (
        [
            statement("EnvironmentDns", DNS_ACTIONS, [f"arn:{config.partition}:route53:::hostedzone/{zone}"]),
            statement("DnsChangeStatus", ["route53:GetChange"], [f"arn:{config.partition}:route53:::change/*"]),
        ]
        if zone
        else []
    )
    return policy_document(
        statement(
            "EnvironmentServices",
            [f"{service}:*" for service in regional],
            ["*"],
            conditions={"StringEquals": {"aws:RequestedRegion": deploy_regions(config)}},
        ),
        statement(
            "EnvironmentBuckets",
            ["s3:*"],
            [f"arn:{config.partition}:s3:::{prefix}-*", f"arn:{config.partition}:s3:::{prefix}-*/*"],
            conditions={"StringEquals": {"aws:RequestedRegion": deploy_regions(config)}},
        ),
        statement(
            "EnvironmentBudgets",
            BUDGET_ACTIONS,
            [f"arn:{config.partition}:budgets::{account_id}:budget/{prefix}-*"],
        ),
        statement("CostExplorer", [*COST_EXPLORER_ACTIONS, *COST_EXPLORER_READ_ACTIONS], ["*"]),
        *dns,
        statement(
            "EnvironmentIam",
            IAM_ACTIONS,
            [
                roles,
                f"{iam}:policy/{prefix}-*",
                f"{iam}:instance-profile/{prefix}-*",
                f"{iam}:oidc-provider/oidc.eks.{config.region}.amazonaws.com/*",
            ],
        ),
        statement(
            "EnvironmentRolesWithBoundary",
            BOUNDED_ROLE_ACTIONS,
            [roles],
            conditions={"StringEquals": {"iam:PermissionsBoundary": boundary_arn}},
        ),
        statement(
            "PassEnvironmentRoles",
            ["iam:PassRole"],
            [roles],
            conditions={"StringEquals": {"iam:PassedToService": list(PASSED_TO_SERVICES)}},
        ),
        statement(
            "ReadAwsManagedPolicies",
            ["iam:GetPolicy", "iam:GetPolicyVersion"],
            [f"arn:{config.partition}:iam::aws:policy/*"],
        ),
        statement(
            "ServiceLinkedRoles",
            ["iam:CreateServiceLinkedRole"],
            [f"{iam}:role/aws-service-role/*"],
        ),
        statement(
            "NoAdministratorPolicies",
            ["iam:AttachRolePolicy"],
            ["*"],
            conditions={"ArnEquals": {"iam:PolicyARN": forbidden}},
            effect="Deny",
        ),
        # PutRolePermissionsBoundary carries the policy in iam:PermissionsBoundary, not iam:PolicyARN
        # (rule 51): a Deny on the latter would never match.
        statement(
            "NoAdministratorBoundaries",
            ["iam:PutRolePermissionsBoundary"],
            ["*"],
            conditions={"ArnEquals": {"iam:PermissionsBoundary": forbidden}},
            effect="Deny",
        ),
        statement("KeepRoleBoundaries", ["iam:DeleteRolePermissionsBoundary"], ["*"], effect="Deny"),
        statement("KeepTheBoundary", BOUNDARY_POLICY_CHANGES, [boundary_arn], effect="Deny"),
        *confinement(config),
    )


# The tag every resource of an environment carries (provider default_tags, f1_infra/stack.py): runs
# of one environment may not act on a resource tagged for another, nor create or tag one for it.
ENVIRONMENT_TAG = "Environment"
# Creates of the resources that hold or guard data must carry the environment's tag: the AWS
# provider sends the default tags with each of these create calls, and each action takes
# aws:RequestTag in its request. Not every create does (ec2:CreateRoute, logs:CreateLogStream,
# kms:CreateGrant take no tags), so the requirement cannot cover every create.
TAGGED_CREATES = (
    "ec2:CreateVpc",
    "eks:CreateCluster",
    "eks:CreateNodegroup",
    "elasticache:CreateReplicationGroup",
    "kms:CreateKey",
    "rds:CreateDBInstance",
    "rds:CreateDBInstanceReadReplica",
    "rds:CreateDBProxy",
    "secretsmanager:CreateSecret",
)


def confinement(config: EnvironmentConfig) -> list[dict[str, object]]:
    """Deny statements that keep a workspace's runs to its own environment when environments share
    an account (and change nothing when they do not): nothing on a resource whose Environment tag
    names another environment, no create or tag naming another one, and the stateful creates only
    with the environment's own tag. S3 buckets take no aws:ResourceTag condition; the deploy policy
    scopes them by name instead (EnvironmentBuckets)."""
    resource_tag, request_tag = f"aws:ResourceTag/{ENVIRONMENT_TAG}", f"aws:RequestTag/{ENVIRONMENT_TAG}"
    return [
        statement(
            "OnlyThisEnvironmentsResources",
            ["*"],
            ["*"],
            # A negated operator holds when the key is missing: Null limits the Deny to tagged resources.
            conditions={"StringNotEquals": {resource_tag: config.name}, "Null": {resource_tag: "false"}},
            effect="Deny",
        ),
        statement(
            "CreateOnlyForThisEnvironment",
            ["*"],
            ["*"],
            conditions={"StringNotEquals": {request_tag: config.name}, "Null": {request_tag: "false"}},
            effect="Deny",
        ),
        statement(
            "TagStatefulCreates",
            TAGGED_CREATES,
            ["*"],
            conditions={"StringNotEquals": {request_tag: config.name}},
            effect="Deny",
        ),
    ]


# What a plan reads of each service, beyond Describe*, Get* and List*: Secrets Manager's Get*
# would include GetSecretValue, so its read actions are named one by one.
SECRET_METADATA_ACTIONS = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:ListSecrets",
    "secretsmanager:ListSecretVersionIds",
)
READ_VERBS = ("Describe*", "Get*", "List*")


def read_actions(service: str) -> list[str]:
    if service == "secretsmanager":
        return list(SECRET_METADATA_ACTIONS)
    return [f"{service}:{verb}" for verb in READ_VERBS]


def refreshed_secret_patterns(config: EnvironmentConfig, account_id: str) -> list[str]:
    """The secrets whose values a plan reads: the database's master secret (name_prefix
    `<identifier>-master-`, constructs/database.py) and the cache's AUTH token secret
    (`<replication group>-auth-token`, constructs/cache.py). The AWS provider of the bindings (6.25)
    reads the value of every `aws_secretsmanager_secret_version` it refreshes, write-only or not
    (terraform-provider-aws #42383, changed in 6.26 by #44876)."""
    secrets = f"arn:{config.partition}:secretsmanager:{config.region}:{account_id}:secret"
    return [
        f"{secrets}:{database_identifier(config)}-master-*",
        f"{secrets}:{replication_group_id(config)}-auth-token-*",
    ]


def plan_policy(config: EnvironmentConfig, account_id: str) -> str:
    """What the plan phase of the environment workspace's runs may do: read the configuration of
    every resource type the stacks use (the refresh), in the environment's regions, and nothing
    that creates, changes or deletes anything. Two secret values: the database module opens the
    ephemeral `aws_secretsmanager_secret_version` of its master secret (constructs/database.py)
    in the plan as well as in the apply (Terraform opens an ephemeral resource in every phase that
    evaluates it), and the refresh of a secret version reads its value (`refreshed_secret_patterns`);
    the plan decrypts them only through Secrets Manager and only for those secrets (encryption
    context SecretARN)."""
    prefix = config.name_prefix
    regional = [s for s in deploy_services() if s not in GLOBAL_SERVICES and s != "s3"]
    zone = config.monitoring.alb.certificate.hosted_zone_id
    secrets = refreshed_secret_patterns(config, account_id)
    dns = (
        [
            statement(
                "ReadEnvironmentDns",
                ["route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ListTagsForResource"],
                [f"arn:{config.partition}:route53:::hostedzone/{zone}"],
            ),
            statement("ReadDnsChangeStatus", ["route53:GetChange"], [f"arn:{config.partition}:route53:::change/*"]),
        ]
        if zone
        else []
    )
    return policy_document(
        statement(
            "ReadEnvironmentServices",
            [action for service in regional for action in read_actions(service)],
            ["*"],
            conditions={"StringEquals": {"aws:RequestedRegion": deploy_regions(config)}},
        ),
        statement(
            "ReadEnvironmentBuckets",
            read_actions("s3"),
            [f"arn:{config.partition}:s3:::{prefix}-*"],
            conditions={"StringEquals": {"aws:RequestedRegion": deploy_regions(config)}},
        ),
        statement(
            "ReadEnvironmentBudgets",
            ["budgets:ViewBudget", "budgets:ListTagsForResource"],
            [f"arn:{config.partition}:budgets::{account_id}:budget/{prefix}-*"],
        ),
        statement("ReadCostExplorer", COST_EXPLORER_READ_ACTIONS, ["*"]),
        *dns,
        statement(
            "ReadIam",
            ["iam:Get*", "iam:List*"],
            [f"arn:{config.partition}:iam::{account_id}:*", f"arn:{config.partition}:iam::aws:policy/*"],
        ),
        statement("ReadRefreshedSecrets", ["secretsmanager:GetSecretValue"], secrets),
        statement(
            "DecryptRefreshedSecrets",
            ["kms:Decrypt"],
            [f"arn:{config.partition}:kms:{config.region}:{account_id}:key/*"],
            conditions={
                "StringEquals": {"kms:ViaService": f"secretsmanager.{config.region}.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:SecretARN": secrets},
            },
        ),
        # s3:Get* reads bucket configuration; the objects are data no refresh reads.
        statement("NoObjectReads", ["s3:GetObject*"], ["*"], effect="Deny"),
        confinement(config)[0],
    )


class CloudWorkspace(Construct):
    """One environment's Terraform Cloud workspaces and the AWS roles their runs assume through
    dynamic provider credentials:

    - the environment workspace: remote execution, a pinned Terraform, the deploy role with the
      environment's permissions boundary;
    - the cluster services workspace (`<workspace>-services`): agent execution on a pool of its own,
      whose agent runs in the environment's VPC (constructs/terraform_agent.py), because the
      Kubernetes API it installs into is private; started again by every apply of the environment
      workspace (run trigger), reading the environment's outputs (remote state sharing); its role
      has no AWS permissions, only cluster-admin through an EKS access entry (environment stack);
    - the agent pool's token, kept in a Secrets Manager secret of the environment's region for the
      agent to start with.

    Each workspace has two roles: its runs assume the apply role (the deploy role, for the
    environment workspace) only in their apply phase, and a read-only plan role in their plan phase.

    Attributes: ``workspace_id``, ``role_arn`` (apply), ``plan_role_arn``, ``boundary_arn``,
    ``services_workspace_id``, ``services_role_arn`` (apply), ``services_plan_role_arn``,
    ``agent_pool_id``, ``agent_token_secret_arn``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        oidc_provider_arn: str,
        project_id: str | None,
        provider: TfeProvider,
        aws: TerraformProvider | None,
        bootstrap_principal_arn: str,
    ) -> None:
        super().__init__(scope, id)
        backend = config.backend
        assert isinstance(backend, CloudBackend)
        assert config.account_id is not None
        account_id = config.account_id
        self._config, self._provider, self._oidc_provider_arn = config, provider, oidc_provider_arn
        self._project_id = project_id
        # The environment's account (None: the bootstrap's own credentials), and its tag on what is
        # made there, so that the environment's runs may use it and no other environment's may.
        self._aws, self._tags = aws, {ENVIRONMENT_TAG: config.name}
        workspace = self._workspace(
            "workspace", backend, f"the {config.name} stack, deployed with `cdktf deploy {config.name}`"
        )
        services_backend = backend.for_services()
        assert isinstance(services_backend, CloudBackend)
        services_stack = f"{config.name}{SERVICES_SUFFIX}"
        services = self._workspace(
            "services_workspace",
            services_backend,
            f"the {services_stack} stack (Helm releases in the cluster), run by the agent in the VPC",
            # A run started by the environment's apply (run trigger) re-plans the reviewed configuration
            # with the environment's new outputs; waiting for a confirmation would hold the queue.
            auto_apply_run_trigger=True,
        )
        WorkspaceSettings(
            self,
            "settings",
            provider=provider,
            workspace_id=workspace.id,
            execution_mode="remote",
            # Every apply waits for a confirmation (cdktf deploy's prompt, --auto-approve in CI).
            auto_apply=False,
            # The services stack reads the environment's outputs (cdktf cross-stack references are a
            # terraform_remote_state lookup); no other workspace may.
            global_remote_state=False,
            remote_state_consumer_ids=[services.id],
        )
        pool = AgentPool(
            self,
            "agent_pool",
            provider=provider,
            name=agent_pool_name(config),
            organization=backend.organization,
            organization_scoped=False,
        )
        allowed = AgentPoolAllowedWorkspaces(
            self, "agent_pool_workspaces", provider=provider, agent_pool_id=pool.id, allowed_workspace_ids=[services.id]
        )
        WorkspaceSettings(
            self,
            "services_settings",
            provider=provider,
            workspace_id=services.id,
            execution_mode="agent",
            agent_pool_id=pool.id,
            auto_apply=False,
            global_remote_state=False,
            # A pool that is not organization-wide accepts only the workspaces it allows.
            depends_on=[allowed],
        )
        RunTrigger(self, "services_trigger", provider=provider, workspace_id=services.id, sourceable_id=workspace.id)
        notices = backend.notifications
        for notices_id, target in (("notices", workspace), ("services_notices", services)):
            if notices.email_user_ids:
                NotificationConfiguration(
                    self,
                    notices_id,
                    provider=provider,
                    workspace_id=target.id,
                    name=f"{config.name_prefix} deployments",
                    destination_type="email",
                    email_user_ids=list(notices.email_user_ids),
                    triggers=list(notices.triggers),
                    enabled=True,
                )

        role, plan_role = self._run_roles("", workspace.id, backend, deploy_role_name(config))
        services_role, services_plan_role = self._run_roles(
            "services_", services.id, services_backend, services_role_name(config)
        )
        boundary = IamPolicy(
            self,
            "boundary",
            provider=aws,
            tags=self._tags,
            name=boundary_name(config),
            path=boundary_path(config),
            description=f"Permissions boundary of every role of the {config.name} stack",
            policy=boundary_policy(config, account_id),
        )
        IamRolePolicy(
            self,
            "policy",
            provider=aws,
            role=role.id,
            name="deploy",
            policy=deploy_policy(config, account_id, boundary.arn),
        )
        IamRolePolicy(
            self, "plan_policy", provider=aws, role=plan_role.id, name="plan", policy=plan_policy(config, account_id)
        )
        secret_arn = self._agent_token(pool.id, backend, account_id, bootstrap_principal_arn)

        self.workspace_id: str = workspace.id
        self.role_arn: str = role.arn
        self.plan_role_arn: str = plan_role.arn
        self.boundary_arn: str = boundary.arn
        self.services_workspace_id: str = services.id
        self.services_role_arn: str = services_role.arn
        self.services_plan_role_arn: str = services_plan_role.arn
        self.agent_pool_id: str = pool.id
        self.agent_token_secret_arn: str = secret_arn

    def _workspace(
        self, id: str, backend: CloudBackend, purpose: str, *, auto_apply_run_trigger: bool | None = None
    ) -> Workspace:
        return Workspace(
            self,
            id,
            provider=self._provider,
            name=backend.workspace,
            organization=backend.organization,
            project_id=self._project_id,
            description=f"{self._config.name_prefix}: {purpose}",
            terraform_version=backend.terraform_version,
            # CLI-driven: `cdktf deploy` uploads cdktf.out/stacks/<stack>, so the root is the upload.
            working_directory="",
            queue_all_runs=False,
            auto_apply_run_trigger=auto_apply_run_trigger,
        )

    def _run_roles(self, prefix: str, workspace_id: str, backend: CloudBackend, name: str) -> tuple[IamRole, IamRole]:
        """The apply and plan roles only the runs of one workspace can assume, each in its own run
        phase, and the workspace variables that make Terraform Cloud fetch their credentials
        (construct ids `<prefix>role` and `<prefix>plan_role`; variables `<prefix>provider_auth`,
        `<prefix>run_role_arn` for the apply role, which held TFC_AWS_RUN_ROLE_ARN before the
        phases had roles of their own, and `<prefix>plan_role_arn`)."""
        roles = {
            APPLY_PHASE: self._role(f"{prefix}role", backend, name, APPLY_PHASE),
            PLAN_PHASE: self._role(f"{prefix}plan_role", backend, plan_role_name(name), PLAN_PHASE),
        }
        for variable_id, key, value in (
            ("provider_auth", PROVIDER_AUTH_VARIABLE, "true"),
            ("run_role_arn", ROLE_VARIABLES[APPLY_PHASE], roles[APPLY_PHASE].arn),
            ("plan_role_arn", ROLE_VARIABLES[PLAN_PHASE], roles[PLAN_PHASE].arn),
        ):
            Variable(
                self,
                f"{prefix}{variable_id}",
                provider=self._provider,
                workspace_id=workspace_id,
                category="env",
                key=key,
                value=value,
                description="AWS dynamic provider credentials",
            )
        return roles[APPLY_PHASE], roles[PLAN_PHASE]

    def _role(self, id: str, backend: CloudBackend, name: str, phase: str) -> IamRole:
        host = backend.hostname
        trust = policy_document(
            statement(
                "TerraformCloudRuns",
                ["sts:AssumeRoleWithWebIdentity"],
                principal={"Federated": self._oidc_provider_arn},
                conditions={
                    "StringEquals": {f"{host}:aud": WORKLOAD_AUDIENCE},
                    "StringLike": {f"{host}:sub": trust_subject(backend, phase)},
                },
            )
        )
        return IamRole(
            self,
            id,
            provider=self._aws,
            tags=self._tags,
            name=name,
            description=f"Terraform Cloud runs of workspace {backend.workspace}, {phase} phase",
            assume_role_policy=trust,
        )

    def _agent_token(self, pool_id: str, backend: CloudBackend, account_id: str, writer_arn: str) -> str:
        """The agent pool's token, and the secret the agent's task reads it from (in the
        environment's region). The tfe provider's ephemeral `tfe_agent_token` does nothing since
        provider 0.66 (deprecated in favour of the managed resource), so the token is a managed
        resource: it is in this stack's state, and written to the secret through a write-only
        argument, so no second copy lands in the state. Raising `backend.agent.token_version`
        replaces the token (its description carries the version) and rewrites the secret. The key
        serves the environment's roles (the agent's) and the bootstrap stack's own principal, which
        writes the secret."""
        config, version = self._config, backend.agent.token_version
        token = AgentToken(
            self,
            "agent_token",
            provider=self._provider,
            agent_pool_id=pool_id,
            description=f"{agent_pool_name(config)} agent (ECS), token version {version}",
        )
        key = KmsKey(
            self,
            "agent_token_key",
            provider=self._aws,
            tags=self._tags,
            region=config.region,
            description=f"Encrypts the Terraform Cloud agent token of {config.name_prefix}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy_document(
                account_administration(config.partition, account_id),
                environment_key_use(config, account_id, writer_arn),
            ),
        )
        KmsAlias(
            self,
            "agent_token_key_alias",
            provider=self._aws,
            region=config.region,
            name=f"alias/{agent_token_secret_name(config)}",
            target_key_id=key.key_id,
        )
        secret = SecretsmanagerSecret(
            self,
            "agent_token_secret",
            provider=self._aws,
            tags=self._tags,
            region=config.region,
            # A fixed name: the environment stack looks the secret up by it.
            name=agent_token_secret_name(config),
            description=f"Terraform Cloud agent pool token of {config.name_prefix}, read by the agent's ECS task",
            kms_key_id=key.arn,
            recovery_window_in_days=7,
        )
        SecretsmanagerSecretVersion(
            self,
            "agent_token_value",
            provider=self._aws,
            region=config.region,
            secret_id=secret.id,
            secret_string_wo=token.token,
            secret_string_wo_version=version,
        )
        return secret.arn


class BootstrapStack(TerraformStack):
    """Workspaces and dynamic credentials for every environment whose backend is Terraform Cloud.

    Each environment's roles, boundary and agent token are made in its own account (`account_id`),
    with one Terraform Cloud OIDC provider per account and host. The stack reaches an account with
    its own credentials, or, when the environment files name a `backend.bootstrap_role`, through
    a provider that assumes that role there: one apply sets up every account and the workspaces
    that point at them (docs/decisions.md). IAM being global, the providers' region is the first
    cloud environment's.

    Attributes: ``workspaces`` (environment name -> CloudWorkspace).
    """

    def __init__(self, scope: Construct, id: str, *, configs: Sequence[EnvironmentConfig]) -> None:
        super().__init__(scope, id)
        clouds = sorted((c for c in configs if c.backend.is_cloud), key=lambda c: c.name)
        if not clouds:
            raise ValueError("the bootstrap stack needs at least one environment with a cloud backend")
        first = clouds[0]
        tags = [AwsProviderDefaultTags(tags={"Project": first.project, "Environment": id, "ManagedBy": "cdktf"})]
        # The first file of each account says how to reach it (the loader checks that the others agree).
        accounts: dict[str, EnvironmentConfig] = {}
        for config in clouds:
            assert config.account_id is not None
            accounts.setdefault(config.account_id, config)
        own = [account for account, config in accounts.items() if config.backend.bootstrap_role is None]
        AwsProvider(self, "aws", region=first.region, allowed_account_ids=own or None, default_tags=tags)
        state_backend(self, id, LocalBackend())
        # Whoever runs the stack writes the agent tokens of the accounts it reaches itself; for a
        # role session, that is the role.
        own_principal = (
            DataAwsIamSessionContext(self, "caller_role", arn=DataAwsCallerIdentity(self, "caller").arn).issuer_arn
            if own
            else ""
        )
        reach: dict[str, tuple[AwsProvider | None, str]] = {}
        for account, config in accounts.items():
            role = config.backend.bootstrap_role
            if role is None:
                reach[account] = (None, own_principal)
                continue
            role_arn = f"arn:{config.partition}:iam::{account}:role/{role}"
            provider = AwsProvider(
                self,
                f"aws_{account}",
                alias=f"account_{account}",
                region=first.region,
                allowed_account_ids=[account],
                assume_role=[AwsProviderAssumeRole(role_arn=role_arn, session_name=f"{first.project}-bootstrap")],
                default_tags=tags,
            )
            reach[account] = (provider, role_arn)

        hosts = sorted({c.backend.hostname for c in clouds if c.backend.hostname})
        providers: dict[str, TfeProvider] = {}
        for host in hosts:
            # One provider per Terraform Cloud host; aliases only when there are several.
            alias = _slug(host) if len(hosts) > 1 else None
            providers[host] = TfeProvider(self, f"tfe_{_slug(host)}" if alias else "tfe", hostname=host, alias=alias)
        oidc: dict[tuple[str, str], str] = {}
        for account, host in sorted({(c.account_id or "", c.backend.hostname or "") for c in clouds}):
            provider = reach[account][0]
            # The provider of the account the stack's own credentials reach keeps the id it had
            # when every environment lived there.
            oidc[account, host] = IamOpenidConnectProvider(
                self,
                f"oidc_{_slug(host)}" if provider is None else f"oidc_{_slug(host)}_{account}",
                provider=provider,
                url=f"https://{host}",
                client_id_list=[WORKLOAD_AUDIENCE],
            ).arn
        projects: dict[tuple[str, str, str], str] = {}
        for config in clouds:
            backend = config.backend
            if backend.project is None:
                continue
            key = (backend.hostname or "", backend.organization or "", backend.project)
            if key not in projects:
                projects[key] = Project(
                    self,
                    f"project_{_slug(backend.organization or '')}_{_slug(backend.project)}",
                    provider=providers[key[0]],
                    organization=backend.organization,
                    name=backend.project,
                ).id

        self.workspaces: dict[str, CloudWorkspace] = {}
        for config in clouds:
            backend = config.backend
            host = backend.hostname or ""
            project_key = (host, backend.organization or "", backend.project or "")
            aws, principal = reach[config.account_id or ""]
            self.workspaces[config.name] = CloudWorkspace(
                self,
                config.name,
                config=config,
                oidc_provider_arn=oidc[config.account_id or "", host],
                project_id=projects.get(project_key),
                provider=providers[host],
                aws=aws,
                bootstrap_principal_arn=principal,
            )
