"""Rules on the EKS cluster: Kubernetes version support, endpoint exposure and who reaches the
API, access entries and who may assume the operator role, node group sizing and Spot diversity
(rules 24-30 and 47 of docs/aws-rules.md)."""

import datetime
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

from f1_infra.problems import pointer
from f1_infra.settings.base import PRINCIPAL_PATTERN_EXAMPLE
from f1_infra.settings.cluster import ClusterConfig, NodeGroupConfig
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.terraform_cloud import deploy_role_name, plan_role_name, services_role_name


@dataclass(frozen=True)
class KubernetesVersion:
    standard_support_end: datetime.date
    extended_support_end: datetime.date


# EKS support calendar, from https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
# as of 2026-11-26. Each version: 14 months of standard support, then 12 of extended support at
# about 6x the control-plane price. Add new versions here when EKS releases them; a version that
# is not listed is refused rather than guessed.
KUBERNETES_VERSIONS_AS_OF = datetime.date(2026, 11, 26)
KUBERNETES_VERSIONS: dict[str, KubernetesVersion] = {
    "1.28": KubernetesVersion(datetime.date(2024, 11, 26), datetime.date(2025, 11, 26)),
    "1.29": KubernetesVersion(datetime.date(2025, 3, 23), datetime.date(2026, 3, 23)),
    "1.30": KubernetesVersion(datetime.date(2025, 7, 23), datetime.date(2026, 7, 23)),
    "1.31": KubernetesVersion(datetime.date(2025, 11, 26), datetime.date(2026, 11, 26)),
    "1.32": KubernetesVersion(datetime.date(2026, 3, 23), datetime.date(2027, 3, 23)),
    "1.33": KubernetesVersion(datetime.date(2026, 7, 29), datetime.date(2027, 7, 29)),
    "1.34": KubernetesVersion(datetime.date(2026, 12, 2), datetime.date(2027, 12, 2)),
    "1.35": KubernetesVersion(datetime.date(2027, 3, 27), datetime.date(2028, 3, 27)),
}
EXTENDED_SUPPORT_COST = "about 6 times the standard control-plane price per cluster hour"

MINOR_VERSION = re.compile(r"^[0-9]+\.[0-9]+$")
PATCH_VERSION = re.compile(r"^([0-9]+\.[0-9]+)\.[0-9]+$")
ANYWHERE = ipaddress.IPv4Network("0.0.0.0/0")
# Access entries take IAM role or user ARNs; an STS assumed-role ARN is a session, not a principal.
PRINCIPAL_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]{1,512}$")
# An operator role pattern, component by component: ArnLike matches each of the six components
# of an ARN on its own, * and ? within one
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN).
ARN_COMPONENTS = re.compile(
    r"^arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):(?P<resource>.*)$"
)
PATTERN_ACCOUNT = re.compile(r"^(\*|[0-9]{12})$")
# The characters of IAM names (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html),
# for the path too (IAM allows more there; the Identity Center paths need no more), plus / and the two
# wildcards: none of them is special to fnmatch, so fnmatchcase matches as ArnLike does.
PATTERN_RESOURCE = re.compile(r"^(?P<kind>role|user)/(?P<name>[A-Za-z0-9+=,.@_/*?-]+)$")
# The role of a permission set nobody has, with and without the region Identity Center puts in the
# path: a pattern that matches it matches the role of every permission set.
ANY_PERMISSION_SET_ROLES = (
    "aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_Zq7NoSuchPermissionSet_0123456789abcdef",
    "aws-reserved/sso.amazonaws.com/AWSReservedSSO_Zq7NoSuchPermissionSet_0123456789abcdef",
)
REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")
# node_group_name_prefix: EKS appends a 26-character suffix to a prefix of at most 37 characters.
NODE_GROUP_PREFIX_MAX = 37
# Graviton instance families carry a "g" among the attribute letters after the generation digit
# (m7g, c6gn, r8gd, t4g, g5g); the leading "g" of GPU families (g5, g6e) is the class, not arm64.
# The first Graviton family, a1, predates that naming and has no such letter.
ARM_CLASSES = ("a",)
INSTANCE_TYPE = re.compile(r"^(?P<cls>[a-z]+?)(?P<gen>[0-9]+)(?P<attrs>[a-z-]*)\.(?P<size>[a-z0-9]+)$")


def today() -> datetime.date:
    """The date versions are judged by (tests replace it to judge other dates)."""
    return datetime.date.today()


def architecture(instance_type: str) -> str:
    match = INSTANCE_TYPE.match(instance_type)
    return "arm64" if match and ("g" in match["attrs"] or match["cls"] in ARM_CLASSES) else "x86_64"


def node_group_prefix(config: EnvironmentConfig, name: str) -> str:
    """The node_group_name_prefix of a node group (also used by the construct)."""
    return f"{config.name_prefix}-{name.replace('_', '-')}-"


def operator_role_name(config: EnvironmentConfig) -> str:
    """The name of the cluster operator role (also used by the construct): fixed, so that operators
    can name it in their permission sets and CLI profiles before it exists."""
    return f"{config.name_prefix}-cluster-operator"


def access_entry_id(kind: str, arn: str) -> str:
    """The construct id of a principal's access entry (also used by the construct): the kind
    (admin, namespace) and the principal's type and name, so reordering a list renames nothing."""
    return f"{kind}_" + "".join(c if c.isalnum() else "_" for c in arn.split(":", 5)[-1].lower())


def access_principals(cluster: ClusterConfig) -> list[tuple[str, str, tuple[str | int, ...]]]:
    """(kind, principal ARN, location in the file) of every access entry the file asks for."""
    found: list[tuple[str, str, tuple[str | int, ...]]] = [
        ("admin", arn, ("cluster", "admin_principal_arns", i)) for i, arn in enumerate(cluster.admin_principal_arns)
    ]
    found += [
        ("namespace", item.principal_arn, ("cluster", "namespace_access", i, "principal_arn"))
        for i, item in enumerate(cluster.namespace_access)
    ]
    return found


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    yield from _version(config)
    yield from _endpoint(config)
    yield from _api_access(config)
    yield from _access_entries(config)
    yield from _operator_role(config)
    missing = [t for t in REQUIRED_LOG_TYPES if t not in config.cluster.log_types]
    if missing:
        yield (
            pointer("cluster", "log_types"),
            f"lacks {', '.join(missing)}; api, audit and authenticator logs are always kept (who did what, when)",
        )
    for name, group in config.cluster.node_groups.items():
        yield from _node_group(config, name, group)


def version_refused(config: EnvironmentConfig) -> bool:
    """Whether the cluster's Kubernetes version is itself refused (then rules that compare other
    versions with it have nothing to compare with)."""
    return any(True for _ in _version(config))


def _version(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    where = pointer("cluster", "kubernetes_version")
    version, now = config.cluster.kubernetes_version, today()
    if not MINOR_VERSION.match(version):
        patch = PATCH_VERSION.match(version)
        hint = f"write {patch[1]!r}: " if patch else ""
        yield where, f"{version!r} is not a Kubernetes minor version; {hint}EKS takes major.minor only{_example(now)}"
        return
    known = KUBERNETES_VERSIONS.get(version)
    if known is None:
        listed = ", ".join(KUBERNETES_VERSIONS)
        yield (
            where,
            f"{version!r} is not in the project's EKS version table (as of {KUBERNETES_VERSIONS_AS_OF}: {listed}); "
            "if EKS offers it now, add it with its support dates to f1_infra/rules/cluster.py",
        )
        return
    if now >= known.extended_support_end:
        yield (
            where,
            f"Kubernetes {version} cannot be created: EKS extended support ended on {known.extended_support_end}; "
            f"{_use_standard(now)}",
        )


def warnings(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    """What applies but an operator should act on: a version in extended support (a cost, then a
    deadline), and an API that nobody but the nodes can reach."""
    yield from _version_warnings(config)
    yield from _api_access_warnings(config)
    yield from _operator_session_warnings(config)


def _operator_session_warnings(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    """A session of a role that assumes another role is role chaining, held to 1 hour: a longer
    maximum helps only IAM users (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html)."""
    role = config.cluster.operator_role
    if role is None or role.max_session_hours == 1:
        return
    if any(_resource_kind(p) == "user" for p in role.trusted_principal_arn_patterns):
        return
    yield (
        pointer("cluster", "operator_role", "max_session_hours"),
        f"is {role.max_session_hours}, but every trusted pattern is a role: a role's session (an Identity Center "
        "one too) that assumes the operator role is role chaining, which AWS holds to 1 hour (asking for more "
        "fails); set 1, or trust the IAM users who need longer sessions",
    )


def _resource_kind(pattern: str) -> str | None:
    components = ARN_COMPONENTS.match(pattern)
    resource = PATTERN_RESOURCE.match(components["resource"]) if components else None
    return resource["kind"] if resource else None


def _api_access_warnings(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    """Rule 47: a private-only endpoint answers only sources the cluster security group admits."""
    cluster = config.cluster
    if cluster.public_access_cidrs or cluster.api_access.cidrs or cluster.api_access.security_group_ids:
        return
    yield (
        pointer("cluster", "api_access"),
        "the API endpoint is private and api_access admits no network, so only the nodes can reach the Kubernetes "
        "API (no kubectl, no Helm); list your VPN range in cluster/api_access/cidrs or a bastion's security group "
        "in cluster/api_access/security_group_ids (or your public address in cluster/public_access_cidrs)",
    )


def _version_warnings(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    """A version in extended support is not refused, so that a shipped file keeps working until
    its version really goes away."""
    version, now = config.cluster.kubernetes_version, today()
    known = KUBERNETES_VERSIONS.get(version)
    if known is None or not known.standard_support_end <= now < known.extended_support_end:
        return
    where = pointer("cluster", "kubernetes_version")
    left = f"Kubernetes {version} left EKS standard support on {known.standard_support_end}"
    if config.cluster.allow_extended_support:
        yield (
            where,
            f"{left}; the cluster stays on it in extended support, which costs {EXTENDED_SUPPORT_COST}, "
            f"until {known.extended_support_end}, when it can no longer be created; {_use_standard(now)}",
        )
    else:
        # The cluster's upgrade policy is STANDARD: EKS upgrades it by itself, on its own schedule.
        yield (
            where,
            f"{left}; with allow_extended_support false EKS upgrades the cluster to the next version by itself, "
            f"and keeping {version} (cluster/allow_extended_support: true) costs {EXTENDED_SUPPORT_COST} until "
            f"{known.extended_support_end}; {_use_standard(now)}",
        )


def in_standard_support(on: datetime.date) -> list[str]:
    """The versions of the table in standard support on a date, newest first."""
    current = [v for v, support in KUBERNETES_VERSIONS.items() if on < support.standard_support_end]
    return sorted(current, key=lambda v: tuple(int(p) for p in v.split(".")), reverse=True)


def _use_standard(on: datetime.date) -> str:
    current = in_standard_support(on)
    if current:
        return f"use a version in standard support, e.g. {current[0]}"
    return (
        f"no version of the project's EKS version table (as of {KUBERNETES_VERSIONS_AS_OF}) is in standard "
        f"support on {on}; add the versions EKS released since, with their support dates, to "
        "f1_infra/rules/cluster.py"
    )


def _example(on: datetime.date) -> str:
    current = in_standard_support(on)
    return f", e.g. {current[0]!r}" if current else ""


def _endpoint(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    for i, cidr in enumerate(config.cluster.public_access_cidrs):
        where = pointer("cluster", "public_access_cidrs", i)
        try:
            network = ipaddress.IPv4Network(cidr, strict=True)
        except ValueError as exc:
            yield where, f"{cidr!r} is not a valid IPv4 CIDR block ({exc}); write it like 203.0.113.0/24"
            continue
        if network == ANYWHERE and config.production:
            yield (
                where,
                "0.0.0.0/0 opens the Kubernetes API endpoint to the whole internet, which production refuses; "
                "list your office or VPN ranges, or none to keep the endpoint private",
            )


def _api_access(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    """Rule 47: the sources admitted to the private endpoint are valid networks, none the whole
    internet in production, and none already covered by another (a second rule would admit nothing new)."""
    networks: list[tuple[int, ipaddress.IPv4Network]] = []
    for i, cidr in enumerate(config.cluster.api_access.cidrs):
        where = pointer("cluster", "api_access", "cidrs", i)
        try:
            network = ipaddress.IPv4Network(cidr, strict=True)
        except ValueError as exc:
            yield where, f"{cidr!r} is not a valid IPv4 CIDR block ({exc}); write it like 10.250.0.0/20"
            continue
        if network.prefixlen == 0 and config.production:
            yield (
                where,
                f"{cidr} admits every address to the Kubernetes API, which production refuses; list your VPN or "
                "office ranges instead",
            )
        for j, other in networks:
            if network.subnet_of(other):
                yield where, f"{cidr} is inside {other} (item {j}), which admits it already; remove it"
            elif other.subnet_of(network):
                yield where, f"{cidr} contains {other} (item {j}), which it admits already; remove item {j}"
        networks.append((i, network))


def _access_entries(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    """Rule 26: every principal is an IAM role or user of the right partition, gets one access
    entry only (EKS refuses a second one for the same principal), and is none that EKS gives an
    entry of its own."""
    seen: dict[str, tuple[str, tuple[str | int, ...]]] = {}
    ids: dict[str, tuple[str, tuple[str | int, ...]]] = {}
    for kind, arn, location in access_principals(config.cluster):
        where = pointer(*location)
        match = PRINCIPAL_ARN.match(arn)
        if match is None:
            yield (
                where,
                f"{arn!r} is not an IAM role or user ARN; access entries need arn:{config.partition}:iam::"
                "<12-digit account>:role/<name> (or user/<name>), never an sts assumed-role session ARN",
            )
            continue
        if match[1] != config.partition:
            yield where, f"{arn!r} is in partition {match[1]!r} but region {config.region} is in {config.partition!r}"
            continue
        yield from _duplicate_entry(config, where, arn)
        # IAM names ignore case: Admin and admin are one role, so one access entry.
        first = seen.setdefault(arn.lower(), (arn, location))
        if first[1] != location:
            yield where, _second_entry(arn, first[1])
            continue
        key = access_entry_id(kind, arn)
        other = ids.setdefault(key, (arn, location))
        if other[1] != location:
            yield (
                where,
                f"{arn!r} and {other[0]!r} ({_item(other[1])}) would share the Terraform address {key!r}, which "
                "keeps only the letters and digits of the principal's type and name; two such principals cannot "
                "both be listed",
            )


def _operator_role(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    """Who may assume the operator role: IAM role or user ARN patterns of the environment's
    partition (a pattern of another shape or partition never matches a caller, so the role would
    be out of reach), and in production none that hands cluster-admin to every role or user."""
    role = config.cluster.operator_role
    if role is None:
        return
    for i, pattern in enumerate(role.trusted_principal_arn_patterns):
        problem = principal_pattern_problem(config, pattern, "become cluster administrator")
        if problem:
            yield pointer("cluster", "operator_role", "trusted_principal_arn_patterns", i), problem


def principal_pattern_problem(config: EnvironmentConfig, pattern: str, power: str) -> str | None:
    """What is wrong with an aws:PrincipalArn pattern of the environment file, if anything; in
    production, a pattern matching every role or user, or every permission set's role, which would
    let any of them `power` (e.g. "become cluster administrator")."""
    partition = config.partition
    example = PRINCIPAL_PATTERN_EXAMPLE.replace("arn:aws:", f"arn:{partition}:", 1)
    components = ARN_COMPONENTS.match(pattern)
    if components and components["service"] == "sts":
        return (
            f"{pattern!r} is an STS session ARN; aws:PrincipalArn of a session is the ARN of its role, so match "
            f"the role, e.g. {example}"
        )
    resource = PATTERN_RESOURCE.match(components["resource"]) if components else None
    if not (
        components
        and resource
        and components["service"] == "iam"
        and not components["region"]
        and PATTERN_ACCOUNT.match(components["account"])
    ):
        return (
            f"{pattern!r} is not an IAM role or user ARN pattern; write arn:{partition}:iam::<12-digit account or "
            "*>:role/<path and name> (or user/<path and name>), with * and ? as wildcards in the path and name, "
            f"e.g. {example}"
        )
    if components["partition"] != partition:
        return (
            f"{pattern!r} is in partition {components['partition']!r} but region {config.region} is in "
            f"{partition!r}, so it matches no caller"
        )
    if not config.production:
        return None
    kind, name = resource["kind"], resource["name"]
    if not re.sub(r"[*?/]", "", name):
        return (
            f"{pattern!r} matches every {kind} of the account, so any of them could {power}, "
            f"which production refuses; match the operators' own role, e.g. {example}"
        )
    if kind == "role" and any(fnmatchcase(probe, name) for probe in ANY_PERMISSION_SET_ROLES):
        return (
            f"{pattern!r} matches the role of every IAM Identity Center permission set, read-only ones too, so "
            f"anyone who signs in through Identity Center could {power}, which production "
            f"refuses; name the permission set, e.g. {example}"
        )
    return None


def _item(location: tuple[str | int, ...]) -> str:
    return f"{location[1]} item {location[2]}"


def _second_entry(arn: str, first: tuple[str | int, ...]) -> str:
    if first[1] == "admin_principal_arns":
        return (
            f"{arn!r} is already a cluster administrator ({_item(first)}), which covers every namespace; EKS keeps "
            "one access entry per principal, so list it in one place only"
        )
    return (
        f"{arn!r} is already listed ({_item(first)}); EKS keeps one access entry per principal, so give it one "
        "item with all its namespaces"
    )


def _duplicate_entry(config: EnvironmentConfig, where: str, arn: str) -> Iterator[tuple[str, str]]:
    """Roles that EKS gives an access entry itself: listing one fails the apply with "access entry
    resource is already in use" (rule 26)."""
    role = arn.rsplit(":", 1)[-1]
    if role == f"role/{config.name_prefix}-eks-node":
        yield where, f"{arn!r} is the node role, which EKS gives an access entry of its own; remove it"
        return
    cloud = config.backend.type == "cloud"
    # Roles the stacks give an access entry of their own, and why.
    own_entries = {
        operator_role_name(config): (
            bool(config.cluster.operator_role),
            "the cluster operator role, which gets cluster-admin through an access entry of its own "
            "(cluster/operator_role)",
        ),
        deploy_role_name(config): (
            cloud,
            "the Terraform Cloud deploy role, which creates the cluster and so already gets cluster-admin access "
            "(bootstrap_cluster_creator_admin_permissions)",
        ),
        services_role_name(config): (
            cloud,
            "the role of the cluster services workspace, which the stack gives an access entry of its own "
            "(constructs/terraform_agent.py)",
        ),
        plan_role_name(services_role_name(config)): (
            cloud,
            "the plan role of the cluster services workspace, which the stack gives a read-only access entry of "
            "its own (constructs/terraform_agent.py)",
        ),
    }
    applies, what = own_entries.get(role.removeprefix("role/"), (False, ""))
    if applies:
        yield where, f"{arn!r} is {what}; remove it"


def _node_group(config: EnvironmentConfig, name: str, group: NodeGroupConfig) -> Iterator[tuple[str, str]]:
    base = ("cluster", "node_groups", name)
    prefix = node_group_prefix(config, name)
    if len(prefix) > NODE_GROUP_PREFIX_MAX:
        yield (
            pointer(*base),
            f"node group name prefix {prefix!r} has {len(prefix)} characters; EKS allows {NODE_GROUP_PREFIX_MAX}, "
            "so shorten the node group name",
        )
    if group.min_size > group.max_size:
        yield pointer(*base, "min_size"), f"min_size {group.min_size} is above max_size {group.max_size}"
    elif not group.min_size <= group.desired_size <= group.max_size:
        yield (
            pointer(*base, "desired_size"),
            f"desired_size {group.desired_size} is outside min_size..max_size ({group.min_size}..{group.max_size})",
        )

    types = group.instance_types
    archs = {t: architecture(t) for t in types}
    if len(set(archs.values())) > 1:
        listing = ", ".join(f"{t} ({a})" for t, a in archs.items())
        yield (
            pointer(*base, "instance_types"),
            f"mixes architectures ({listing}); a node group runs one AMI, so all instance types must be "
            "x86_64 or all arm64 (Graviton)",
        )
    if group.capacity_type == "SPOT":
        if len(types) < 2:
            yield (
                pointer(*base, "instance_types"),
                f"a SPOT group with only {types[0]} depends on one Spot capacity pool; list at least two "
                "instance types of the same size, e.g. m5.large, m5a.large, m6i.large",
            )
        sizes = {_size_class(t) for t in types}
        if len(sizes) > 1:
            yield (
                pointer(*base, "instance_types"),
                f"SPOT instance types {', '.join(types)} differ in size; the cluster autoscaler sizes a group by one "
                "instance type, so use one size of one class (e.g. all *.large of m5, m5a, m6i)",
            )


def _size_class(instance_type: str) -> tuple[str, str]:
    match = INSTANCE_TYPE.match(instance_type)
    return (match["cls"], match["size"]) if match else (instance_type, "")
