"""The EKS cluster: control plane, managed node groups, add-ons, IRSA roles, autoscaler wiring."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Fn, ITerraformDependable, TerraformLocal, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_aws.autoscaling_group_tag import AutoscalingGroupTagA, AutoscalingGroupTagTag
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.eks_access_entry import EksAccessEntry
from cdktf_cdktf_provider_aws.eks_access_policy_association import (
    EksAccessPolicyAssociation,
    EksAccessPolicyAssociationAccessScope,
)
from cdktf_cdktf_provider_aws.eks_addon import EksAddon
from cdktf_cdktf_provider_aws.eks_cluster import (
    EksCluster,
    EksClusterAccessConfig,
    EksClusterEncryptionConfig,
    EksClusterEncryptionConfigProvider,
    EksClusterUpgradePolicy,
    EksClusterVpcConfig,
)
from cdktf_cdktf_provider_aws.eks_node_group import (
    EksNodeGroup,
    EksNodeGroupLaunchTemplate,
    EksNodeGroupScalingConfig,
    EksNodeGroupTaint,
    EksNodeGroupUpdateConfig,
)
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.launch_template import (
    LaunchTemplate,
    LaunchTemplateBlockDeviceMappings,
    LaunchTemplateBlockDeviceMappingsEbs,
    LaunchTemplateMetadataOptions,
    LaunchTemplateTagSpecifications,
)
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from f1_infra.constructs.alerts import AlertTopics
from f1_infra.constructs.irsa import OidcProvider, ServiceAccountRole
from f1_infra.constructs.network import Network
from f1_infra.iam import account_principals_trust_policy, policy_document, service_trust_policy, statement
from f1_infra.rules.cluster import access_entry_id, architecture, node_group_prefix, operator_role_name
from f1_infra.settings.cluster import NodeGroupConfig, OperatorRole
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.workloads import CLUSTER_AUTOSCALER, EBS_CSI, VPC_CNI

ANYWHERE = "0.0.0.0/0"
CLUSTER_ADMIN_POLICY = "arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
# Lists and reads every Kubernetes resource, Secrets included; changes none.
CLUSTER_VIEW_POLICY = "arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy"
# Namespace-scoped access entries: https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
NAMESPACE_POLICIES = {
    "view": "arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
    "edit": "arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
}
API_PORT = 443


@dataclass(frozen=True)
class ControlPlanePort:
    """A port on which the control plane opens connections to the nodes: to kubelets, or to pods
    (with the VPC CNI a pod's address is on the node's interfaces, behind the node security group).

    ``key`` is part of the two rules' construct ids (``nodes_from_cluster_<key>``,
    ``cluster_to_nodes_<key>``), so it is part of their Terraform addresses: never rename one.
    ``reason`` and ``component`` become the ingress and egress rules' descriptions.
    """

    key: str
    port: int
    component: str
    reason: str
    source: str


# Every port the control plane calls on the nodes, declared once: the node security group admits
# the cluster security group on each, and the cluster security group lets it out (rule 46).
# Admission webhooks and aggregated APIs run in pods and are called on the pod's port, not on the
# Service's 443, so each component that serves one needs its container port here. terraform-aws-eks
# opens 4443, 6443, 8443, 9443 and 10251 for components one may install
# (node_security_group_recommended_rules, node_groups.tf, v21.19); this table holds only the ports of
# components this platform installs. Add a row when you install another (Karpenter 8443,
# prometheus-adapter 6443, upstream metrics-server 4443).
CONTROL_PLANE_PORTS: tuple[ControlPlanePort, ...] = (
    ControlPlanePort(
        "webhooks",
        443,
        "Admission webhooks on pods",
        "API server calls admission webhooks on pods",
        "https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html",
    ),
    ControlPlanePort(
        "kubelet",
        10250,
        "Kubelet API",
        "API server reaches kubelets (logs, exec)",
        "https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html",
    ),
    ControlPlanePort(
        "webhooks_9443",
        9443,
        "Webhooks of the AWS Load Balancer Controller and the CloudWatch agent operator",
        "API server calls the load balancer controller and CloudWatch agent operator webhooks on pod port 9443",
        "https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/2460 (the controller's "
        "webhook-bind-port); "
        "https://github.com/aws-observability/helm-charts charts/amazon-cloudwatch-observability values.yaml "
        "(manager.ports.containerPort)",
    ),
    ControlPlanePort(
        "metrics_server",
        10251,
        "metrics-server of the EKS add-on",
        "API server proxies the metrics API (kubectl top, autoscaling) to metrics-server on pod port 10251",
        "https://docs.aws.amazon.com/eks/latest/userguide/metrics-server.html (the add-on build listens on "
        "10251; upstream uses 4443); terraform-aws-modules/terraform-aws-eks#3557",
    ),
)
AMI_TYPES = {"x86_64": "AL2023_x86_64_STANDARD", "arm64": "AL2023_ARM_64_STANDARD"}
# AL2023 AMIs boot from /dev/xvda.
ROOT_DEVICE = "/dev/xvda"

AUTOSCALER_READ_ACTIONS = (
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
)
AUTOSCALER_WRITE_ACTIONS = ("autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup")
SECRETS_KEY_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey")

# The amazon-cloudwatch-observability add-on: Container Insights with enhanced observability (the
# CloudWatch agent) and Fluent Bit, both running as this service account; the managed policies
# are the ones the add-on's documentation requires for it:
# https://docs.aws.amazon.com/eks/latest/userguide/amazon-cloudwatch-observability.html
CLOUDWATCH_NAMESPACE = "amazon-cloudwatch"
CLOUDWATCH_SERVICE_ACCOUNT = "cloudwatch-agent"
CLOUDWATCH_AGENT_POLICIES = ("CloudWatchAgentServerPolicy", "AWSXrayWriteOnlyAccess")
# The log groups the agent (performance: the metrics' embedded-metric-format events) and Fluent Bit
# (container, node and host logs) write to, /aws/containerinsights/<cluster>/<name>:
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-setup-logs-FluentBit.html
CONTAINER_INSIGHTS_LOG_GROUPS = ("application", "dataplane", "host", "performance")


class Cluster(Construct):
    """An EKS cluster reachable privately from the nodes and the file's operator networks
    (publicly only from the CIDRs in the file), with envelope-encrypted secrets, control-plane logs
    in a KMS-encrypted log group, access entries for the file's administrators and namespace users,
    the operator role people assume to administer the cluster (when the file asks for one),
    managed node groups from the file, the four core add-ons plus metrics-server and CloudWatch
    observability (Container Insights and Fluent Bit, into KMS-encrypted log groups), IRSA roles
    for vpc-cni, the EBS CSI driver, the CloudWatch agent and the cluster autoscaler, the ASG tags
    the autoscaler discovers node groups by, and the node security group rules for every port the
    control plane calls (CONTROL_PLANE_PORTS).

    Attributes: ``name``, ``endpoint``, ``arn``, ``oidc`` (OidcProvider),
    ``node_security_group_id``, ``cluster_security_group_id``, ``autoscaler_role_arn``,
    ``cloudwatch_agent_role_arn``, ``operator_role_arn`` (None without ``cluster.operator_role``),
    ``container_insights_log_groups`` (application, dataplane, host, performance -> log group name),
    ``control_plane_ports`` (ControlPlanePort: port, component, reason, source),
    ``critical_alarm_names`` (the unschedulable-pods alarm, for the platform-health composite).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        account_id: str,
        kms_key_arn: str,
        alert_topics: AlertTopics,
        network: Network,
    ) -> None:
        super().__init__(scope, id)
        self._config = config
        spec, name, partition = config.cluster, config.cluster_name, config.partition
        self._prefix, self._partition = config.name_prefix, partition

        cluster_sg, node_sg = self._security_groups(network)

        role = IamRole(
            self,
            "cluster_role",
            name=f"{self._prefix}-eks-cluster",
            assume_role_policy=service_trust_policy("eks.amazonaws.com"),
        )
        cluster_policy = IamRolePolicyAttachment(
            self,
            "cluster_policy",
            role=role.name,
            policy_arn=f"arn:{partition}:iam::aws:policy/AmazonEKSClusterPolicy",
        )
        secrets_key_policy = IamRolePolicy(
            self,
            "cluster_secrets_key",
            role=role.id,
            name="encrypt-secrets",
            policy=policy_document(statement("SecretsEnvelopeEncryption", SECRETS_KEY_ACTIONS, [kms_key_arn])),
        )
        # Created by us before the cluster, so EKS does not create it without retention or KMS
        # (and a destroy removes it, which avoids "log group already exists" on re-create).
        log_group = CloudwatchLogGroup(
            self,
            "log_group",
            name=f"/aws/eks/{name}/cluster",
            retention_in_days=spec.log_retention_days,
            kms_key_id=kms_key_arn,
        )
        public = bool(spec.public_access_cidrs)
        cluster = EksCluster(
            self,
            "cluster",
            name=name,
            version=spec.kubernetes_version,
            role_arn=role.arn,
            vpc_config=EksClusterVpcConfig(
                subnet_ids=network.private_subnet_ids,
                security_group_ids=[cluster_sg.id],
                endpoint_private_access=True,
                endpoint_public_access=public,
                public_access_cidrs=list(spec.public_access_cidrs) if public else None,
            ),
            # API: access entries only, no aws-auth ConfigMap. The principal that creates the
            # cluster keeps admin through its own entry, so the first apply can manage it.
            access_config=EksClusterAccessConfig(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=True
            ),
            encryption_config=EksClusterEncryptionConfig(
                resources=["secrets"], provider=EksClusterEncryptionConfigProvider(key_arn=kms_key_arn)
            ),
            enabled_cluster_log_types=list(spec.log_types),
            upgrade_policy=EksClusterUpgradePolicy(
                support_type="EXTENDED" if spec.allow_extended_support else "STANDARD"
            ),
            deletion_protection=spec.deletion_protection,
            # EKS installs self-managed kube-proxy and CoreDNS for the nodes to join; the managed
            # add-ons below adopt them (OVERWRITE) once the nodes exist.
            bootstrap_self_managed_addons=True,
            # EKS checks the role's access to the secrets key when it creates the cluster.
            depends_on=[log_group, cluster_policy, secrets_key_policy],
        )

        oidc_provider = IamOpenidConnectProvider(
            self,
            "oidc_provider",
            url=cluster.identity.get(0).oidc.get(0).issuer,
            client_id_list=["sts.amazonaws.com"],
            tags={"Name": f"{name}-irsa"},
        )
        # A local keeps the quoted "https://" out of the policy documents, so they stay plain JSON.
        issuer_host = TerraformLocal(
            self, "oidc_issuer_host", Fn.replace(cluster.identity.get(0).oidc.get(0).issuer, "https://", "")
        )
        self.oidc = OidcProvider(arn=oidc_provider.arn, issuer_host=issuer_host.as_string)

        self._access_entries(cluster.name)
        self.operator_role_arn: str | None = (
            self._operator_role(spec.operator_role, cluster, account_id) if spec.operator_role else None
        )
        node_role, node_policies = self._node_role()

        vpc_cni_role = ServiceAccountRole(
            self,
            "vpc_cni_irsa",
            name=f"{self._prefix}-vpc-cni",
            oidc=self.oidc,
            namespace=VPC_CNI.namespace,
            service_account=VPC_CNI.name,
            managed_policy_arns=[f"arn:{partition}:iam::aws:policy/AmazonEKS_CNI_Policy"],
        )
        # Before any node: nodes without a CNI never become Ready and the node group fails.
        vpc_cni = self._addon(
            "vpc_cni",
            "vpc-cni",
            cluster.name,
            spec.addon_versions.vpc_cni,
            role_arn=vpc_cni_role.arn,
            configuration=json.dumps({"enableNetworkPolicy": "true"}),
            # The add-on's pods call AWS with the role as soon as they start.
            after=vpc_cni_role.dependables,
        )

        node_groups = [
            self._node_group(
                group_name, group, cluster.name, node_role.arn, node_sg.id, network, [*node_policies, vpc_cni]
            )
            for group_name, group in spec.node_groups.items()
        ]

        # After the node groups: CoreDNS and the EBS CSI controller are Deployments that stay
        # DEGRADED (and time out after 20 minutes) with no node to run on.
        ebs_csi_role = ServiceAccountRole(
            self,
            "ebs_csi_irsa",
            name=f"{self._prefix}-ebs-csi",
            oidc=self.oidc,
            namespace=EBS_CSI.namespace,
            service_account=EBS_CSI.name,
            managed_policy_arns=[f"arn:{partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
        )
        versions = spec.addon_versions
        self._addon("kube_proxy", "kube-proxy", cluster.name, versions.kube_proxy, after=node_groups)
        self._addon("coredns", "coredns", cluster.name, versions.coredns, after=node_groups)
        self._addon(
            "ebs_csi",
            "aws-ebs-csi-driver",
            cluster.name,
            versions.aws_ebs_csi_driver,
            role_arn=ebs_csi_role.arn,
            after=[*node_groups, *ebs_csi_role.dependables],
        )
        # A community add-on (https://docs.aws.amazon.com/eks/latest/userguide/community-addons.html):
        # the metrics API behind kubectl top and the horizontal pod autoscaler. A Deployment, so after
        # the nodes; the API server reaches it on 10251 (CONTROL_PLANE_PORTS).
        self._addon("metrics_server", "metrics-server", cluster.name, versions.metrics_server, after=node_groups)
        self.container_insights_log_groups = self._container_insights(
            cluster.name, kms_key_arn, spec.log_retention_days, node_groups
        )

        autoscaler_role = self._autoscaler_role(account_id)
        # Critical: pods that cannot start are services without capacity.
        unschedulable = CloudwatchMetricAlarm(
            self,
            "unschedulable_pods",
            alarm_name=f"{name}-unschedulable-pods",
            alarm_description=(
                f"Pods of {name} stayed unschedulable for {spec.unschedulable_pods_alarm_minutes} minutes: "
                "a node group is at max_size or Spot capacity is short."
            ),
            namespace="AWS/EKS",
            metric_name="scheduler_pending_pods_UNSCHEDULABLE",
            dimensions={"ClusterName": name},
            statistic="Maximum",
            period=60,
            evaluation_periods=spec.unschedulable_pods_alarm_minutes,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            **alert_topics.actions("critical"),
        )
        self.critical_alarm_names: list[str] = [unschedulable.alarm_name]

        self.name: str = cluster.name
        self.endpoint: str = cluster.endpoint
        # The API server's CA bundle (base64 PEM), for clients such as the services stack's helm provider.
        self.certificate_authority: str = cluster.certificate_authority.get(0).data
        self.arn: str = cluster.arn
        self.node_security_group_id: str = node_sg.id
        self.cluster_security_group_id: str = cluster_sg.id
        self.autoscaler_role_arn: str = autoscaler_role.arn
        # The ports the node security group admits from the control plane, with what each is for.
        self.control_plane_ports: tuple[ControlPlanePort, ...] = CONTROL_PLANE_PORTS

    def _security_groups(self, network: Network) -> tuple[SecurityGroup, SecurityGroup]:
        """Control plane and node groups, each allowing the other only what Kubernetes needs."""
        prefix = self._prefix
        cluster_sg = SecurityGroup(
            self,
            "cluster_security_group",
            # Prefixes: the node groups' create_before_destroy extends to what they depend on, and a
            # replacement under the same name would fail with "already exists" (rule 49).
            name_prefix=f"{prefix}-eks-cluster-",
            description="EKS control plane: the API server, reached by the nodes",
            vpc_id=network.vpc_id,
            tags={"Name": f"{prefix}-eks-cluster"},
        )
        node_sg = SecurityGroup(
            self,
            "node_security_group",
            name_prefix=f"{prefix}-eks-nodes-",
            description="EKS nodes and, with the VPC CNI, every pod",
            vpc_id=network.vpc_id,
            tags={"Name": f"{prefix}-eks-nodes", f"kubernetes.io/cluster/{self._config.cluster_name}": "owned"},
        )
        cluster_id, node_id = cluster_sg.id, node_sg.id

        VpcSecurityGroupIngressRule(
            self,
            "cluster_from_nodes_api",
            security_group_id=cluster_id,
            referenced_security_group_id=node_id,
            ip_protocol="tcp",
            from_port=API_PORT,
            to_port=API_PORT,
            description="Nodes and pods call the Kubernetes API",
        )
        VpcSecurityGroupIngressRule(
            self,
            "nodes_from_nodes",
            security_group_id=node_id,
            referenced_security_group_id=node_id,
            ip_protocol="-1",
            description="Pod to pod and DNS across nodes; network policies filter",
        )
        for entry in CONTROL_PLANE_PORTS:
            # In at the node group, and out of the control plane's interfaces, which carry the
            # cluster group: it allows no other egress (EKS's own cluster group on the same
            # interfaces allows all today; this path does not rely on it).
            for rule, rule_id, group, peer, description in (
                (VpcSecurityGroupIngressRule, f"nodes_from_cluster_{entry.key}", node_id, cluster_id, entry.reason),
                (VpcSecurityGroupEgressRule, f"cluster_to_nodes_{entry.key}", cluster_id, node_id, entry.component),
            ):
                rule(
                    self,
                    rule_id,
                    security_group_id=group,
                    referenced_security_group_id=peer,
                    ip_protocol="tcp",
                    from_port=entry.port,
                    to_port=entry.port,
                    description=description,
                )
        self._api_access(cluster_id)
        # Inside the VPC, pods reach the databases, caches, endpoints and the DNS resolver on
        # their own ports; outside it, only HTTPS (container registries, AWS APIs, external APIs).
        VpcSecurityGroupEgressRule(
            self,
            "nodes_to_vpc",
            security_group_id=node_id,
            cidr_ipv4=network.vpc_cidr,
            ip_protocol="-1",
            description="Anything inside the VPC",
        )
        VpcSecurityGroupEgressRule(
            self,
            "nodes_to_https",
            security_group_id=node_id,
            cidr_ipv4=ANYWHERE,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS to registries and AWS APIs through NAT",
        )
        return cluster_sg, node_sg

    def _api_access(self, cluster_sg_id: str) -> None:
        """Rule 47: the private endpoint answers only what the cluster security group admits on 443,
        so the operators' networks and groups from the file are admitted there. Each rule is keyed
        by its source, so reordering the lists renames nothing."""
        access = self._config.cluster.api_access
        sources: list[tuple[str, dict[str, str]]] = [
            (f"cluster_from_cidr_{_slug(cidr)}", {"cidr_ipv4": cidr}) for cidr in access.cidrs
        ]
        sources += [
            (f"cluster_from_{_slug(group)}", {"referenced_security_group_id": group})
            for group in access.security_group_ids
        ]
        for rule_id, source in sources:
            VpcSecurityGroupIngressRule(
                self,
                rule_id,
                security_group_id=cluster_sg_id,
                ip_protocol="tcp",
                from_port=API_PORT,
                to_port=API_PORT,
                description="Operators reach the Kubernetes API (cluster api_access)",
                **source,
            )

    def _access_entries(self, cluster_name: str) -> None:
        """One access entry per principal (the rules refuse a principal listed twice): cluster
        admins, and principals with view or edit rights in some namespaces only."""
        spec = self._config.cluster
        grants = [
            (arn, CLUSTER_ADMIN_POLICY, EksAccessPolicyAssociationAccessScope(type="cluster"), "admin")
            for arn in spec.admin_principal_arns
        ]
        grants += [
            (
                item.principal_arn,
                NAMESPACE_POLICIES[item.level],
                EksAccessPolicyAssociationAccessScope(type="namespace", namespaces=list(item.namespaces)),
                "namespace",
            )
            for item in spec.namespace_access
        ]
        for arn, policy_arn, scope, kind in grants:
            # Keyed by the principal (role/name), so reordering a list renames nothing; a changed
            # level replaces the association under the same address.
            self._access_entry(access_entry_id(kind, arn), cluster_name, arn, policy_arn, scope)

    def _access_entry(
        self,
        key: str,
        cluster_name: str,
        principal_arn: str,
        policy_arn: str,
        scope: EksAccessPolicyAssociationAccessScope,
    ) -> None:
        """One principal's access entry (`key`) and its access policy (`<key>_policy`)."""
        entry = EksAccessEntry(self, key, cluster_name=cluster_name, principal_arn=principal_arn, type="STANDARD")
        EksAccessPolicyAssociation(
            self,
            f"{key}_policy",
            cluster_name=cluster_name,
            # Referencing the entry orders the association after it.
            principal_arn=entry.principal_arn,
            policy_arn=policy_arn.format(partition=self._partition),
            access_scope=scope,
        )

    def _operator_role(self, settings: OperatorRole, cluster: EksCluster, account_id: str) -> str:
        """The role people assume to administer the cluster, with cluster-admin through its own
        access entry; returns its ARN.

        Its name is fixed, so that permission sets and CLI profiles can name it before it exists.
        Rule 49 does not reach it: nothing with create_before_destroy depends on the role, its
        policy or its access entry (tests/test_replacement.py), so a replacement deletes it first.

        The trust admits sts:AssumeRole only, not sts:TagSession: the AWS CLI passes no session tags
        when it assumes the role (a profile's role_arn, aws eks get-token --role-arn), and a caller
        that does is refused (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html).
        """
        partition = self._partition
        role = IamRole(
            self,
            "operator_role",
            name=operator_role_name(self._config),
            description=f"People administering the EKS cluster {self._config.cluster_name} (cluster.operator_role)",
            assume_role_policy=account_principals_trust_policy(
                partition, account_id, settings.trusted_principal_arn_patterns
            ),
            max_session_duration=settings.max_session_hours * 3600,
        )
        # update-kubeconfig reads the endpoint and certificate with DescribeCluster, under the
        # credentials it runs with; Kubernetes access itself comes from the access entry.
        IamRolePolicy(
            self,
            "operator_policy",
            role=role.id,
            name="describe-cluster",
            policy=policy_document(statement("DescribeCluster", ["eks:DescribeCluster"], [cluster.arn])),
        )
        self._access_entry(
            "operator_access",
            cluster.name,
            role.arn,
            CLUSTER_ADMIN_POLICY,
            EksAccessPolicyAssociationAccessScope(type="cluster"),
        )
        return role.arn

    def _container_insights(
        self, cluster_name: str, kms_key_arn: str, retention_days: int, node_groups: Sequence[EksNodeGroup]
    ) -> dict[str, str]:
        """The amazon-cloudwatch-observability add-on with its IRSA role, and the log groups it
        writes to; returns name -> log group name.

        The log groups are created first, with the cluster's log retention and the environment key:
        otherwise the agent and Fluent Bit create them on their first write, never expiring and
        without the key, and a later create here would fail with "already exists". The key policy
        admits logs.<region>.amazonaws.com for every log group of the account (encryption.py), which
        is all CloudWatch Logs needs to encrypt what the agent writes; the agent itself needs no
        key permission."""
        config = self._config
        groups = {
            name: CloudwatchLogGroup(
                self,
                f"container_insights_{name}",
                name=f"/aws/containerinsights/{config.cluster_name}/{name}",
                retention_in_days=retention_days,
                kms_key_id=kms_key_arn,
            )
            for name in CONTAINER_INSIGHTS_LOG_GROUPS
        }
        role = ServiceAccountRole(
            self,
            "cloudwatch_agent_irsa",
            name=f"{self._prefix}-cloudwatch-agent",
            oidc=self.oidc,
            namespace=CLOUDWATCH_NAMESPACE,
            service_account=CLOUDWATCH_SERVICE_ACCOUNT,
            managed_policy_arns=[
                f"arn:{self._partition}:iam::aws:policy/{policy}" for policy in CLOUDWATCH_AGENT_POLICIES
            ],
        )
        # The agent and Fluent Bit are DaemonSets and the operator a Deployment: after the nodes,
        # with the role's policies attached, and after the log groups they write to.
        self._addon(
            "cloudwatch_observability",
            "amazon-cloudwatch-observability",
            cluster_name,
            config.cluster.addon_versions.amazon_cloudwatch_observability,
            role_arn=role.arn,
            after=[*node_groups, *role.dependables, *groups.values()],
        )
        self.cloudwatch_agent_role_arn: str = role.arn
        return {name: group.name for name, group in groups.items()}

    def _node_role(self) -> tuple[IamRole, list[IamRolePolicyAttachment]]:
        role = IamRole(
            self,
            "node_role",
            name=f"{self._prefix}-eks-node",
            assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
        )
        # The CNI policy is on vpc-cni's own IRSA role, not on every node.
        attachments = [
            IamRolePolicyAttachment(
                self, f"node_{policy}", role=role.name, policy_arn=f"arn:{self._partition}:iam::aws:policy/{policy}"
            )
            for policy in ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")
        ]
        return role, attachments

    def _addon(
        self,
        id: str,
        addon_name: str,
        cluster_name: str,
        version: str | None,
        *,
        role_arn: str | None = None,
        configuration: str | None = None,
        after: Sequence[ITerraformDependable] = (),
    ) -> EksAddon:
        return EksAddon(
            self,
            id,
            cluster_name=cluster_name,
            addon_name=addon_name,
            addon_version=version,
            service_account_role_arn=role_arn,
            configuration_values=configuration,
            # The file is the source of truth: take over what EKS bootstrapped, undo manual edits.
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            depends_on=list(after) or None,
        )

    def _node_group(
        self,
        group_name: str,
        group: NodeGroupConfig,
        cluster_name: str,
        node_role_arn: str,
        node_sg_id: str,
        network: Network,
        depends_on: list[ITerraformDependable],
    ) -> EksNodeGroup:
        config, prefix = self._config, self._prefix
        launch_template = LaunchTemplate(
            self,
            f"{group_name}_launch_template",
            name_prefix=f"{prefix}-{group_name.replace('_', '-')}-",
            description=f"{prefix} EKS node group {group_name}",
            update_default_version=True,
            vpc_security_group_ids=[node_sg_id],
            # Hop limit 1: pods (one network hop further than the node) cannot reach the instance
            # metadata service, so they cannot borrow the node role's credentials; they get AWS
            # access from their own IRSA roles. Host-network pods (aws-node, kube-proxy) still can.
            metadata_options=LaunchTemplateMetadataOptions(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            # Encrypted with the account's EBS key: the environment key would need a key-policy
            # grant for the Auto Scaling service-linked role, which a fresh account may not have yet.
            block_device_mappings=[
                LaunchTemplateBlockDeviceMappings(
                    device_name=ROOT_DEVICE,
                    ebs=LaunchTemplateBlockDeviceMappingsEbs(
                        volume_size=group.disk_size_gb,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            # Instances and volumes launched by the node group's ASG get no provider default tags.
            tag_specifications=[
                LaunchTemplateTagSpecifications(
                    resource_type=kind, tags={**config.default_tags, "Name": f"{prefix}-{group_name.replace('_', '-')}"}
                )
                for kind in ("instance", "volume")
            ],
        )
        node_group = EksNodeGroup(
            self,
            group_name,
            cluster_name=cluster_name,
            node_group_name_prefix=node_group_prefix(config, group_name),
            node_role_arn=node_role_arn,
            subnet_ids=network.private_subnet_ids,
            ami_type=AMI_TYPES[architecture(group.instance_types[0])],
            capacity_type=group.capacity_type,
            instance_types=list(group.instance_types),
            scaling_config=EksNodeGroupScalingConfig(
                min_size=group.min_size, max_size=group.max_size, desired_size=group.desired_size
            ),
            update_config=EksNodeGroupUpdateConfig(max_unavailable_percentage=group.max_unavailable_percentage),
            launch_template=EksNodeGroupLaunchTemplate(
                id=launch_template.id, version=Token.as_string(launch_template.latest_version)
            ),
            labels=dict(group.labels) or None,
            taint=[EksNodeGroupTaint(key=t.key, value=t.value or None, effect=t.effect) for t in group.taints] or None,
            # The cluster autoscaler owns desired_size after creation; a new group replaces the
            # old one before it goes (the name prefix leaves room for both).
            lifecycle=TerraformResourceLifecycle(
                create_before_destroy=True, ignore_changes=["scaling_config[0].desired_size"]
            ),
            depends_on=depends_on,
        )
        self._autoscaler_tags(group_name, group, node_group)
        return node_group

    def _autoscaler_tags(self, group_name: str, group: NodeGroupConfig, node_group: EksNodeGroup) -> None:
        """Auto-discovery tags on the group's ASG (managed node group tags do not reach it), plus the
        node-template tags that let the autoscaler scale a group up from zero nodes."""
        asg_name = node_group.resources.get(0).autoscaling_groups.get(0).name
        template = "k8s.io/cluster-autoscaler/node-template"
        tags = {
            "autoscaler_enabled": ("k8s.io/cluster-autoscaler/enabled", "true"),
            "autoscaler_owned": (f"k8s.io/cluster-autoscaler/{self._config.cluster_name}", "owned"),
        }
        for key, value in group.labels.items():
            tags[f"label_{_slug(key)}"] = (f"{template}/label/{key}", value)
        for taint in group.taints:
            tags[f"taint_{_slug(taint.key)}"] = (
                f"{template}/taint/{taint.key}",
                f"{taint.value}:{_kube_effect(taint.effect)}",
            )
        for tag_id, (key, value) in tags.items():
            AutoscalingGroupTagA(
                self,
                f"{group_name}_{tag_id}",
                autoscaling_group_name=asg_name,
                tag=AutoscalingGroupTagTag(key=key, value=value, propagate_at_launch=False),
            )

    def _autoscaler_role(self, account_id: str) -> ServiceAccountRole:
        config, partition, region = self._config, self._partition, self._config.region
        cluster_tag = f"aws:ResourceTag/k8s.io/cluster-autoscaler/{config.cluster_name}"
        policy = policy_document(
            # Describe* and the EC2 reads do not support resource-level permissions.
            statement("Discover", AUTOSCALER_READ_ACTIONS, ["*"]),
            statement(
                "DescribeNodeGroups",
                ["eks:DescribeNodegroup"],
                [f"arn:{partition}:eks:{region}:{account_id}:nodegroup/{config.cluster_name}/*/*"],
            ),
            statement(
                "ScaleOwnedGroups",
                AUTOSCALER_WRITE_ACTIONS,
                [f"arn:{partition}:autoscaling:{region}:{account_id}:autoScalingGroup:*:autoScalingGroupName/*"],
                conditions={"StringEquals": {cluster_tag: "owned"}},
            ),
        )
        return ServiceAccountRole(
            self,
            "autoscaler_irsa",
            name=f"{self._prefix}-cluster-autoscaler",
            oidc=self.oidc,
            namespace=CLUSTER_AUTOSCALER.namespace,
            service_account=CLUSTER_AUTOSCALER.name,
            policy=policy,
        )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower())


def _kube_effect(effect: str) -> str:
    """EKS spells taint effects NO_SCHEDULE; Kubernetes (and the autoscaler's tags) NoSchedule."""
    return "".join(part.capitalize() for part in effect.split("_"))
