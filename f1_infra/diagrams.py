"""Mermaid pictures of one synthesized stack for docs/architecture.md: the network (zones, tiers,
CIDRs, routes, endpoints and what sits in which subnets), who may connect to whom (security group
rules), what each IAM role's principals reach, and the disaster-recovery region.

Everything is read from the Terraform JSON, never from the settings, so a picture shows what
`cdktf deploy` would create and the staleness test catches a picture a stack change left behind.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

REFERENCE = re.compile(r"\$\{([^}]*)\}")
ADDRESS = re.compile(r"\b(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)")
INTERNET = "0.0.0.0/0"
# Resources drawn as part of the subnets, or as the routes between them, rather than as boxes.
NETWORK_PLUMBING = {
    "aws_subnet",
    "aws_route_table_association",
    "aws_nat_gateway",
    "aws_db_subnet_group",
    "aws_elasticache_subnet_group",
}
ENGINE = {"redis": "Redis", "valkey": "Valkey"}


def references(node: Any) -> Iterator[tuple[str, str]]:
    """(address, type) of every resource or data source a block refers to."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "//":
                yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)
    elif isinstance(node, str):
        for expression in REFERENCE.findall(node):
            for data, type_, name in ADDRESS.findall(expression):
                yield f"{data}{type_}.{name}", type_
    if isinstance(node, dict) and isinstance(node.get("depends_on"), list):
        for dependency in node["depends_on"]:
            for data, type_, name in ADDRESS.findall(dependency):
                yield f"{data}{type_}.{name}", type_


def _refs(stack: _Stack, node: Any, type_: str) -> list[str]:
    """The addresses of type `type_` an expression refers to, in order, without depends_on."""
    found = [a for a, t in references({"value": node}) if t == type_ and a in stack.bodies]
    return list(dict.fromkeys(found))


def _id(address: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", address)


def _label(*lines: str) -> str:
    """A quoted Mermaid label; interpolations become * so a generated name reads as a pattern."""
    text = "<br/>".join(
        REFERENCE.sub("*", line).replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
        for line in lines
        if line
    )
    return f'"{text}"'


def _edge(source: str, target: str, text: str = "", arrow: str = "-->") -> str:
    return f"  {source} {arrow}|{_label(text)}| {target}" if text else f"  {source} {arrow} {target}"


class _Stack:
    """The resources of one stack by address, and the questions the pictures ask of them."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.bodies: dict[str, Mapping[str, Any]] = {}
        for type_, items in document.get("resource", {}).items():
            for name, body in items.items():
                self.bodies[f"{type_}.{name}"] = body
        self.locals: dict[str, Any] = dict(document.get("locals", {}))
        providers = document.get("provider", {}).get("aws", [])
        self.region = next((p["region"] for p in providers if "alias" not in p), "")
        self.regions = {f"aws.{p['alias']}": p["region"] for p in providers if "alias" in p}

    def of_type(self, type_: str) -> list[tuple[str, Mapping[str, Any]]]:
        return sorted((a, b) for a, b in self.bodies.items() if a.split(".", 1)[0] == type_)

    def users(self, address: str) -> list[str]:
        """Resources other than security groups and their rules that refer to `address`."""
        return sorted(
            a
            for a, body in self.bodies.items()
            if address in {r for r, _ in references(body)}
            and not a.startswith(("aws_security_group", "aws_vpc_security_group_"))
        )

    def region_of(self, body: Mapping[str, Any]) -> str:
        return self.regions.get(body.get("provider", ""), self.region)

    def describe(self, address: str) -> tuple[str, ...]:
        """What a resource is, in the words an operator uses, and what sets it apart."""
        type_ = address.split(".", 1)[0]
        body = self.bodies[address]
        if type_ == "aws_lb":
            reach = "internal" if body.get("internal") else "internet-facing"
            return (f"ALB {body.get('name', '')}", reach)
        if type_ == "aws_eks_cluster":
            return (f"EKS control plane {body.get('version', '')}", "private API endpoint ENIs")
        if type_ == "aws_eks_node_group":
            scaling = body.get("scaling_config", {})
            return (
                f"node group {body['//']['metadata']['path'].rsplit('/', 1)[-1]}",
                f"{', '.join(body.get('instance_types', []))} {body.get('capacity_type', '')}",
                f"{scaling.get('min_size')} to {scaling.get('max_size')} nodes",
            )
        if type_ == "aws_db_instance":
            role = "read replica" if body.get("replicate_source_db") else "primary"
            standby = ", Multi-AZ standby" if body.get("multi_az") else ""
            return (f"PostgreSQL {role}", f"{body.get('instance_class', '')}{standby}")
        if type_ == "aws_db_proxy":
            return (f"RDS Proxy {body.get('name', '')}", "TLS required" if body.get("require_tls") else "")
        if type_ == "aws_elasticache_replication_group":
            shards = body.get("num_node_groups", 1)
            nodes = 1 + int(body.get("replicas_per_node_group", 0))
            return (
                f"{ENGINE.get(body.get('engine', ''), body.get('engine', ''))} {body.get('node_type', '')}",
                f"{shards} shard(s) x {nodes} node(s)",
            )
        if type_ == "aws_vpc_endpoint":
            service = body.get("service_name", "").rsplit(".", 1)[-1]
            return (f"{service} endpoint", str(body.get("vpc_endpoint_type", "")).lower())
        if type_ == "aws_s3_bucket":
            return (f"S3 {body.get('bucket', '')}",)
        if type_ == "aws_sqs_queue":
            return (f"SQS {body.get('name', '')}",)
        if type_ == "aws_kms_key":
            aliases = [b["name"] for _, b in self.of_type("aws_kms_alias") if address in _refs(self, b, "aws_kms_key")]
            return (f"KMS {', '.join(aliases) or 'key'}",)
        if type_ == "aws_cloudwatch_log_group":
            return (f"log group {body.get('name', '')}",)
        if type_ == "aws_ecr_repository":
            return (f"ECR {body.get('name', '')}",)
        if type_ == "aws_db_instance_automated_backups_replication":
            return ("replicated automated backups", f"kept {body.get('retention_period', 7)} days")
        if type_ == "aws_launch_template":
            return ("EKS nodes and pods",)
        return (address,)


# --------------------------------------------------------------------------- network


def network(document: Mapping[str, Any]) -> str:
    """The VPC: one box per tier, a subnet per zone, default routes, and what each subnet holds."""
    stack = _Stack(document)
    vpcs = stack.of_type("aws_vpc")
    if not vpcs:
        return ""
    vpc_address, vpc = vpcs[0]
    subnets = stack.of_type("aws_subnet")
    tiers: dict[str, list[str]] = defaultdict(list)
    for address, body in subnets:
        tiers[body.get("tags", {}).get("Tier", "subnets")].append(address)
    zone = {a: b.get("availability_zone", "") for a, b in subnets}
    nat_in = {subnet: nat for nat, b in stack.of_type("aws_nat_gateway") for subnet in _refs(stack, b, "aws_subnet")}

    lines = ["```mermaid", "flowchart TB", f"  internet(({_label('Internet')}))"]
    title = _label(f"VPC {vpc.get('cidr_block', '')} in {stack.region}")
    lines.append(f"  subgraph {_id(vpc_address)}[{title}]")
    for address, _ in stack.of_type("aws_internet_gateway"):
        lines.append(f"    {_id(address)}[{_label('internet gateway')}]")
    routes = _default_routes(stack)
    gateways_of = {t: {routes.get(m, "") for m in members} for t, members in tiers.items()}
    # Outermost first: the tier that routes to the internet gateway, then through NAT, then none.
    tiers = dict(
        sorted(
            tiers.items(),
            key=lambda t: (
                not any(g.startswith("aws_internet_gateway") for g in gateways_of[t[0]]),
                not any(gateways_of[t[0]]),
            ),
        )
    )
    for tier, members in tiers.items():
        closed = "" if any(m in routes for m in members) else ": no route out of the VPC"
        lines.append(f"    subgraph tier_{tier}[{_label(f'{tier} subnets{closed}')}]")
        lines.append("      direction LR")
        for subnet in sorted(members, key=lambda s: zone[s]):
            nat = ["NAT gateway"] if subnet in nat_in else []
            lines.append(f"      {_id(subnet)}[{_label(zone[subnet], stack.bodies[subnet]['cidr_block'], *nat)}]")
        lines.append("    end")
    placed = _placements(stack, {a for a, _ in subnets})
    for address in placed:
        lines.append(f"    {_id(address)}[{_label(*stack.describe(address))}]")
    gateways = [(a, b) for a, b in stack.of_type("aws_vpc_endpoint") if b.get("vpc_endpoint_type") == "Gateway"]
    for address, _ in gateways:
        lines.append(f"    {_id(address)}[{_label(*stack.describe(address))}]")
    lines.append("  end")

    for address, _ in stack.of_type("aws_internet_gateway"):
        lines.append(_edge(_id(address), "internet", arrow="<-->"))
    nat_subnet = {nat: subnet for subnet, nat in nat_in.items()}
    for group, gateway in _grouped(routes, tiers):
        # A NAT gateway is drawn as part of the public subnet that holds it.
        hop = _id(nat_subnet.get(gateway, gateway))
        lines.append(_edge(group, hop, "0.0.0.0/0 via NAT" if gateway in nat_subnet else "0.0.0.0/0"))
    for address, subnet_set in placed.items():
        for group, _ in _grouped(dict.fromkeys(subnet_set, address), tiers):
            lines.append(_edge(_id(address), group, arrow="---"))
    for address, body in gateways:
        tables = set(_refs(stack, body, "aws_route_table"))
        users = {s: address for s, table in _route_tables(stack).items() if table in tables}
        for group, _ in _grouped(users, tiers):
            lines.append(_edge(group, _id(address), "prefix list route", arrow="-.->"))
        service = body.get("service_name", "").rsplit(".", 1)[-1]
        buckets = [b for b, body_ in stack.of_type("aws_s3_bucket") if stack.region_of(body_) == stack.region]
        if service == "s3" and buckets:
            names = [stack.bodies[b]["bucket"] for b in buckets]
            lines.append(f"  {_id(address)} -.-> s3_buckets[({_label('S3 buckets', *names)})]")
    lines.append("```")
    return "\n".join(lines)


def _route_tables(stack: _Stack) -> dict[str, str]:
    """Subnet address -> route table address."""
    tables = {}
    for _, body in stack.of_type("aws_route_table_association"):
        for subnet in _refs(stack, body, "aws_subnet"):
            tables[subnet] = _refs(stack, body, "aws_route_table")[0]
    return tables


def _default_routes(stack: _Stack) -> dict[str, str]:
    """Subnet address -> the gateway its default route leads to (internet or NAT gateway)."""
    gateway_of: dict[str, str] = {}
    for _, body in stack.of_type("aws_route"):
        if body.get("destination_cidr_block") == INTERNET:
            table = _refs(stack, body, "aws_route_table")[0]
            hops = _refs(stack, body, "aws_nat_gateway") or _refs(stack, body, "aws_internet_gateway")
            gateway_of[table] = hops[0]
    return {subnet: gateway_of[t] for subnet, t in _route_tables(stack).items() if t in gateway_of}


def _grouped(by_subnet: Mapping[str, str], tiers: Mapping[str, list[str]]) -> Iterator[tuple[str, str]]:
    """(Mermaid id, value) pairs: a whole tier when every subnet of it has the value, else each subnet."""
    for tier, members in tiers.items():
        values = {by_subnet.get(m) for m in members}
        if len(values) == 1 and None not in values:
            yield f"tier_{tier}", values.pop()
            continue
        for member in members:
            if member in by_subnet:
                yield _id(member), by_subnet[member]


def _placements(stack: _Stack, subnets: set[str]) -> dict[str, set[str]]:
    """Resources with network interfaces in subnets, directly or through a subnet group."""
    groups = {
        a: set(_refs(stack, b, "aws_subnet"))
        for a, b in stack.bodies.items()
        if a.split(".", 1)[0] in {"aws_db_subnet_group", "aws_elasticache_subnet_group"}
    }
    placed: dict[str, set[str]] = {}
    for address, body in sorted(stack.bodies.items()):
        type_ = address.split(".", 1)[0]
        if type_ in NETWORK_PLUMBING:
            continue
        direct = {r for r, t in references({"value": {k: v for k, v in body.items() if k != "depends_on"}})}
        found = direct & subnets
        for group in direct & groups.keys():
            found |= groups[group]
        if found:
            placed[address] = found
    # A replica in the primary's region lives in the primary's subnet group.
    for address, body in stack.of_type("aws_db_instance"):
        for source in _refs(stack, body.get("replicate_source_db", ""), "aws_db_instance"):
            if address not in placed and source in placed:
                placed[address] = placed[source]
    return placed


# --------------------------------------------------------------------------- traffic


def traffic(document: Mapping[str, Any]) -> str:
    """Security groups as the things that use them; an arrow is a rule letting the source connect."""
    stack = _Stack(document)
    groups = stack.of_type("aws_security_group")
    if not groups:
        return ""
    vpc_cidrs = [ipaddress.ip_network(b["cidr_block"]) for _, b in stack.of_type("aws_vpc")]
    allowed: dict[tuple[str, str], set[str]] = defaultdict(set)
    for target, body in groups:
        for rule in body.get("ingress", []):
            ports = _ports(rule.get("protocol"), rule.get("from_port"), rule.get("to_port"))
            for source in _refs(stack, rule.get("security_groups", []), "aws_security_group"):
                allowed[(source, target)].add(ports)
            for cidr in rule.get("cidr_blocks", []):
                allowed[(cidr, target)].add(ports)
    for direction in ("ingress", "egress"):
        for _, rule in stack.of_type(f"aws_vpc_security_group_{direction}_rule"):
            own = _refs(stack, rule["security_group_id"], "aws_security_group")[0]
            ports = _ports(rule.get("ip_protocol"), rule.get("from_port"), rule.get("to_port"))
            peers = _refs(stack, rule.get("referenced_security_group_id", ""), "aws_security_group")
            if direction == "ingress":
                # A group of another stack (an operator's bastion) is shown by its id, like a CIDR.
                outside = rule.get("referenced_security_group_id") or rule.get("cidr_ipv4", "")
                for peer in peers or [outside]:
                    allowed[(peer, own)].add(ports)
            elif "cidr_ipv4" in rule and not _inside(rule["cidr_ipv4"], vpc_cidrs):
                allowed[(own, rule["cidr_ipv4"])].add(ports)

    lines = ["```mermaid", "flowchart LR"]
    outside = sorted({end for pair in allowed for end in pair if end not in stack.bodies})
    for cidr in outside:
        text = "Internet" if cidr == INTERNET else cidr
        lines.append(f"  {_id(cidr)}(({_label(text)}))")
    for address, body in groups:
        users = list(dict.fromkeys(line for u in stack.users(address) for line in stack.describe(u)[:1]))
        lines.append(f"  {_id(address)}[{_label(*users, 'SG ' + body.get('name', ''))}]")
    for (source, target), ports in sorted(allowed.items()):
        if source != target:
            lines.append(_edge(_id(source), _id(target), ", ".join(sorted(ports, key=_port_order))))
    lines.append("```")
    return "\n".join(lines)


def _ports(protocol: Any, start: Any, end: Any) -> str:
    if str(protocol) == "-1":
        return "all traffic"
    return f"{protocol} {start}" if start == end else f"{protocol} {start}-{end}"


def _port_order(ports: str) -> tuple[int, str]:
    digits = re.search(r"\d+", ports)
    return (int(digits.group()) if digits else 0, ports)


def _inside(cidr: str, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    candidate = ipaddress.ip_network(cidr)
    return any(candidate.version == n.version and candidate.subnet_of(n) for n in networks)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- trust


def trust(document: Mapping[str, Any]) -> str:
    """Who may assume each IAM role, and what the role's policies let it reach."""
    stack = _Stack(document)
    roles = stack.of_type("aws_iam_role")
    if not roles:
        return ""
    lines = ["```mermaid", "flowchart LR"]
    nodes: dict[str, str] = {}
    edges: list[str] = []

    def node(key: str, *text: str, shape: tuple[str, str] = ("[", "]")) -> str:
        if key not in nodes:
            nodes[key] = f"  {_id(key)}{shape[0]}{_label(*text)}{shape[1]}"
        return _id(key)

    for role, body in roles:
        role_id = node(role, f"role {body.get('name', '')}")
        for principal in _principals(stack, json.loads(body["assume_role_policy"])):
            edges.append(_edge(node(principal, principal, shape=("([", "])")), role_id, "assumes"))
        for _, policy in stack.of_type("aws_iam_role_policy"):
            if role not in _refs(stack, policy["role"], "aws_iam_role"):
                continue
            reach: dict[str, list[str]] = defaultdict(list)
            for statement in json.loads(policy["policy"])["Statement"]:
                actions = _listed(statement.get("Action"))
                for target in _listed(statement.get("Resource")):
                    reach[_target(stack, target)] += [a for a in actions if a not in reach[_target(stack, target)]]
            for target, actions in reach.items():
                text = stack.describe(target) if target in stack.bodies else (target,)
                edges.append(_edge(role_id, node(target, *text), _actions(actions)))
        for _, attachment in stack.of_type("aws_iam_role_policy_attachment"):
            if role in _refs(stack, attachment["role"], "aws_iam_role"):
                managed = attachment["policy_arn"].rsplit("/", 1)[-1]
                edges.append(_edge(role_id, node(managed, f"AWS managed policy {managed}"), "attached"))
    lines += [*nodes.values(), *edges, "```"]
    return "\n".join(lines)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _principals(stack: _Stack, policy: Mapping[str, Any]) -> Iterator[str]:
    """An AWS service, a Kubernetes service account trusted through the cluster's OIDC provider, or
    principals of an account (those whose ARN matches an aws:PrincipalArn pattern, when one is set)."""
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal", {})
        yield from (f"service {s}" for s in _listed(principal.get("Service")))
        for account in _listed(principal.get("AWS")):
            patterns = _listed(statement.get("Condition", {}).get("ArnLike", {}).get("aws:PrincipalArn"))
            where = "this account" if account.endswith(":root") else account
            if patterns:
                yield from (f"{where}'s {pattern.split(':', 5)[-1]}" for pattern in patterns)
            else:
                yield f"any principal of {where}" if account.endswith(":root") else account
        for federated in _listed(principal.get("Federated")):
            subjects = [
                v
                for condition in statement.get("Condition", {}).values()
                for k, v in condition.items()
                if k.endswith(":sub")
            ]
            if _refs(stack, federated, "aws_iam_openid_connect_provider") and subjects:
                for subject in subjects:
                    yield f"pod with {subject.removeprefix('system:serviceaccount:').replace(':', '/')}"
            else:
                yield f"federated {REFERENCE.sub('*', federated)}"


LOCAL = re.compile(r"\$\{local\.([A-Za-z0-9_-]+)\}")


def _target(stack: _Stack, resource: str) -> str:
    """The resource a policy's Resource entry names: an address when it refers to one (directly or
    through a local, such as the RDS Proxy's resource id), else the ARN."""
    expanded = LOCAL.sub(lambda m: str(stack.locals.get(m[1], m[0])), resource)
    found = [a for a, _ in references({"value": expanded}) if a in stack.bodies]
    if found:
        return found[0]
    return "any resource" if resource == "*" else REFERENCE.sub("*", resource)


def _actions(actions: list[str]) -> str:
    return ", ".join(actions) if len(actions) <= 3 else f"{', '.join(actions[:2])} and {len(actions) - 2} more"


# --------------------------------------------------------------------------- disaster recovery


# What the disaster-recovery picture shows of the resources in another region.
DR_SHOWN_TYPES = frozenset(
    {"aws_s3_bucket", "aws_kms_key", "aws_db_instance_automated_backups_replication", "aws_ecr_repository"}
)


def disaster_recovery(document: Mapping[str, Any]) -> str:
    """Resources in a region other than the stack's, and what replicates into them; "" if none.
    The cost controls in us-east-1 are there for the billing metrics, not for recovery."""
    # Imported here: this module is imported before the provider bindings are set to load on demand.
    from f1_infra.constructs.cost import BILLING_PROVIDER_ALIAS

    stack = _Stack(document)
    billing = f"aws.{BILLING_PROVIDER_ALIAS}"
    remote = {
        a: b for a, b in stack.bodies.items() if stack.region_of(b) != stack.region and b.get("provider") != billing
    }
    if not remote:
        return ""
    shown = {a: b for a, b in remote.items() if a.split(".", 1)[0] in DR_SHOWN_TYPES}
    lines = ["```mermaid", "flowchart LR"]
    edges = []
    sources: list[str] = []
    for _, body in stack.of_type("aws_s3_bucket_replication_configuration"):
        source = _refs(stack, body["bucket"], "aws_s3_bucket")[0]
        sources.append(source)
        role = stack.bodies[_refs(stack, body["role"], "aws_iam_role")[0]].get("name", "")
        for rule in body.get("rule", []):
            markers = rule.get("delete_marker_replication", {}).get("status") == "Enabled"
            text = f"replicated by {role}" + ("" if markers else ", without delete markers")
            for replica in _refs(stack, rule.get("destination", {}), "aws_s3_bucket"):
                edges.append(_edge(_id(source), _id(replica), text))
    for _, body in stack.of_type("aws_s3_bucket_server_side_encryption_configuration"):
        bucket = _refs(stack, body["bucket"], "aws_s3_bucket")[0]
        for key in _refs(stack, body, "aws_kms_key"):
            if bucket in shown and key in shown:
                edges.append(_edge(_id(bucket), _id(key), "encrypted with", arrow="-.->"))
    for address, body in stack.of_type("aws_db_instance_automated_backups_replication"):
        for source in _refs(stack, body["source_db_instance_arn"], "aws_db_instance"):
            sources.append(source)
            edges.append(_edge(_id(source), _id(address), "automated backups and transaction logs"))
    # ECR replicates into the repository of the same name in the other region.
    replicated = {b.get("name"): a for a, b in stack.of_type("aws_ecr_repository") if a in shown}
    if stack.of_type("aws_ecr_replication_configuration"):
        for address, body in stack.of_type("aws_ecr_repository"):
            if address not in shown and body.get("name") in replicated:
                sources.append(address)
                edges.append(_edge(_id(address), _id(replicated[body["name"]]), "replicated by ECR"))
    for address, body in [
        *stack.of_type("aws_db_instance_automated_backups_replication"),
        *stack.of_type("aws_ecr_repository"),
    ]:
        for key in _refs(stack, body, "aws_kms_key"):
            if address in shown and key in shown:
                edges.append(_edge(_id(address), _id(key), "encrypted with", arrow="-.->"))
    lines.append(f"  subgraph primary[{_label(f'{stack.region} (primary)')}]")
    lines += [f"    {_id(a)}[{_label(*stack.describe(a))}]" for a in sorted(set(sources))]
    lines.append("  end")
    for region in sorted({stack.region_of(b) for b in shown.values()}):
        lines.append(f"  subgraph dr_{region.replace('-', '_')}[{_label(f'{region} (disaster recovery)')}]")
        lines += [
            f"    {_id(a)}[{_label(*stack.describe(a))}]"
            for a, b in sorted(shown.items())
            if stack.region_of(b) == region
        ]
        lines.append("  end")
    lines += [*edges, "```"]
    return "\n".join(lines)


def remote_resources(document: Mapping[str, Any]) -> dict[str, int]:
    """Resource types the stack creates outside its own region, with their counts."""
    stack = _Stack(document)
    counts: dict[str, int] = defaultdict(int)
    for address, body in stack.bodies.items():
        if stack.region_of(body) != stack.region:
            counts[address.split(".", 1)[0]] += 1
    return dict(sorted(counts.items()))
