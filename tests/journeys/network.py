"""Security group paths over a synthesized stack: may a connection from A reach B on a port?

Journey tests ask "can the API pods reach the database", "is the load balancer open to the
internet on 443". The answer is spread over inline blocks of aws_security_group, separate
aws_vpc_security_group_ingress_rule / egress_rule (and the older aws_security_group_rule)
resources, and the `security_groups`-style arguments of the resources that use the groups. This
module gathers those rules and answers for one connection:

- A connection is open when an egress rule of the source lets it out and an ingress rule of the
  target lets it in. Security groups are stateful: replies need no rule, so only the direction
  that opens the connection is checked.
- A rule matches when its protocol does (`-1` is every protocol and port) and, for TCP and UDP,
  the port lies within from_port..to_port; and when its peer does: a group the other side is a
  member of (`self` means the rule's own group), or a CIDR that contains the other side's
  address or network (10.2.0.0/16 admits 10.2.1.0/24). A side given both by its groups and its
  CIDR is matched by either, as a packet carries both.
- A group is named by its construct path below the stack (`"database/security_group"`); the
  functions also take its Terraform name or its `${aws_security_group.<name>.id}` reference, and a
  list of groups where a resource has several (their rules add up). Groups the stack only refers
  to are named by the reference's expression (`"data.aws_security_group.x.id"`) or the literal ID.

What the rules come to on AWS, not only what the stack writes:
- Terraform removes the allow-all egress rule AWS gives a new group (aws_security_group: "NOTE on
  Egress rules"), and every rule of an adopted aws_default_security_group; neither adds rules here.
- The security group EKS creates for a cluster (`vpc_config.cluster_security_group_id`) comes with
  all traffic in from itself and all traffic out, IPv4 and IPv6
  (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html); it is named
  `"<cluster path>.cluster_security_group_id"`.

Not modelled: network ACLs, route tables, prefix list contents (a prefix list peer matches only its
own ID given as the CIDR), a CIDR that is a Terraform expression (matches only the same text),
`count`/`for_each` copies of a rule resource.
"""

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.synth import Stack

Groups = str | Sequence[str]

GROUP_TYPES = ("aws_security_group", "aws_default_security_group")
# Arguments through which a resource puts its network interfaces in security groups.
ATTACHING = ("security_groups", "security_group_ids", "vpc_security_group_ids")
PROTOCOLS = {"all": "-1", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
GROUP_REFERENCE = re.compile(r"\$\{(aws_security_group|aws_default_security_group)\.([^.}]+)\.id\}")
CLUSTER_GROUP = re.compile(r"\$\{aws_eks_cluster\.([^.}]+)\.vpc_config(?:\[0\]|\.0)\.cluster_security_group_id\}")
REFERENCE = re.compile(r"\$\{([^}]*)\}")
# The name of a group the stack only refers to: the expression of the reference.
EXPRESSION = re.compile(r"(?:data|var|local|module)\.")


@dataclass(frozen=True)
class Rule:
    """One rule for one peer: a block with three CIDRs and a group is four rules."""

    group: str
    direction: str  # "ingress" or "egress"
    protocol: str  # "-1" (all), "tcp", "udp", "icmp", "icmpv6" or a protocol number
    from_port: int | None
    to_port: int | None
    peer: str  # a CIDR, a group, or a prefix list ID
    peer_kind: str  # "cidr", "group" or "prefix_list"
    address: str  # where the stack declares it, e.g. aws_security_group.x.ingress[0]
    description: str = ""

    def __str__(self) -> str:
        ports = "all" if self.protocol == "-1" else f"{self.protocol} {self.from_port}-{self.to_port}"
        way = "from" if self.direction == "ingress" else "to"
        return f"{self.group} {self.direction} {ports} {way} {self.peer} ({self.address})"


@dataclass(frozen=True)
class Path:
    """A connection's two halves: the egress rule that lets it out, the ingress rule that lets it in."""

    egress: Rule | None
    ingress: Rule | None
    reason: str

    @property
    def open(self) -> bool:
        return self.egress is not None and self.ingress is not None

    def __bool__(self) -> bool:
        return self.open


def group_key(stack: Stack, group: str) -> str:
    """The name this module gives a group: its construct path, for a group the stack declares.

    Takes the path, the Terraform name, a `${...}` reference, or a name `groups_of` returns. A bare
    string that names no group of the stack is refused (KeyError), so that a typo cannot pass for
    a closed path.
    """
    names = _group_names(stack)
    if group in names:
        return names[group]
    if group.startswith("${"):
        return _key(stack, group)
    known = set(names.values()) | {_cluster_key(stack, name) for name in stack.resources("aws_eks_cluster")}
    if group in known or group.startswith("sg-") or EXPRESSION.match(group):
        return group
    raise KeyError(f"{stack.name} declares no security group {group!r}")


def rules(stack: Stack) -> list[Rule]:
    """Every security group rule of the stack, with those EKS gives its cluster security group."""
    found = [
        rule
        for type_ in GROUP_TYPES
        for name, body in stack.resources(type_).items()
        for rule in _inline(stack, type_, name, body)
    ]
    for direction in ("ingress", "egress"):
        for name, body in stack.resources(f"aws_vpc_security_group_{direction}_rule").items():
            found += _vpc_rule(stack, direction, f"aws_vpc_security_group_{direction}_rule.{name}", body)
    for name, body in stack.resources("aws_security_group_rule").items():
        found += _block(
            stack,
            _key(stack, body["security_group_id"]),
            body["type"],
            f"aws_security_group_rule.{name}",
            body,
            peer_key="source_security_group_id",
        )
    for name in stack.resources("aws_eks_cluster"):
        own = _cluster_key(stack, name)
        address = f"aws_eks_cluster.{name} (created by EKS)"
        found.append(Rule(own, "ingress", "-1", None, None, own, "group", address, "EKS default: all from itself"))
        found += [
            Rule(own, "egress", "-1", None, None, cidr, "cidr", address, "EKS default: all out")
            for cidr in ("0.0.0.0/0", "::/0")
        ]
    return found


def admits(
    stack: Stack,
    target_sg: Groups,
    port: int,
    source_sg: Groups | None = None,
    source_cidr: str | None = None,
    protocol: str = "tcp",
) -> Rule | None:
    """The ingress rule of the target's groups that admits a connection from the source, if any."""
    return _find(stack, "ingress", target_sg, port, source_sg, source_cidr, protocol)


def egress_allows(
    stack: Stack,
    source_sg: Groups,
    port: int,
    dest_sg: Groups | None = None,
    dest_cidr: str | None = None,
    protocol: str = "tcp",
) -> Rule | None:
    """The egress rule of the source's groups that lets a connection out to the destination, if any."""
    return _find(stack, "egress", source_sg, port, dest_sg, dest_cidr, protocol)


def path_open(
    stack: Stack,
    source: Groups,
    target: Groups,
    port: int,
    *,
    source_cidr: str | None = None,
    target_cidr: str | None = None,
    protocol: str = "tcp",
) -> Path:
    """Whether a connection from the source's groups reaches the target's groups: both halves and
    why not. The CIDRs are where the two sides live (a subnet), for rules written with CIDRs."""
    out = egress_allows(stack, source, port, target, target_cidr, protocol)
    into = admits(stack, target, port, source, source_cidr, protocol)
    connection = f"{protocol} {port} from {', '.join(_names(stack, source))} to {', '.join(_names(stack, target))}"
    if out and into:
        return Path(out, into, f"{connection}: out by {out}, in by {into}")
    missing = " and ".join(
        half
        for half, rule in (("no egress rule lets it out", out), ("no ingress rule lets it in", into))
        if rule is None
    )
    return Path(out, into, f"{connection}: {missing}")


def groups_of(stack: Stack, type_: str, path: str) -> list[str]:
    """The security groups of a resource's network interfaces: `security_groups` (load balancer,
    ECS service), `vpc_security_group_ids` (RDS instance and proxy, launch template),
    `security_group_ids` (ElastiCache, VPC endpoint, EKS `vpc_config`), wherever they are nested.

    A security group is its own group. An EKS cluster adds the security group EKS creates for it.
    A managed node group has the groups of its launch template, or, when the template names none or
    there is no template, the cluster security group, as EKS does.
    """
    if type_ in GROUP_TYPES:
        return [group_key(stack, path)]
    body = stack.resource(type_, path)
    if type_ == "aws_eks_node_group":
        template = REFERENCE.fullmatch(str(body.get("launch_template", {}).get("id", "")))
        found = _attached(stack, _body(stack, template[1].rsplit(".", 1)[0])) if template else []
        if not found:
            cluster = re.fullmatch(r"\$\{aws_eks_cluster\.([^.}]+)\.(?:name|id)\}", body["cluster_name"])
            found = [_cluster_key(stack, cluster[1])] if cluster else []
        return found
    found = _attached(stack, body)
    if type_ == "aws_eks_cluster":
        found.append(_cluster_key(stack, stack.address(type_, path).split(".", 1)[1]))
    return found


# Reading rules


def _group_names(stack: Stack) -> dict[str, str]:
    """Terraform name -> construct path below the stack (or the name, without metadata)."""
    prefix = f"{stack.name}/"
    return {
        name: body.get("//", {}).get("metadata", {}).get("path", name).removeprefix(prefix)
        for type_ in GROUP_TYPES
        for name, body in stack.resources(type_).items()
    }


def _cluster_key(stack: Stack, name: str) -> str:
    path = stack.resources("aws_eks_cluster")[name].get("//", {}).get("metadata", {}).get("path", name)
    return f"{path.removeprefix(f'{stack.name}/')}.cluster_security_group_id"


def _key(stack: Stack, value: str) -> str:
    """The name of a group a rule or resource refers to."""
    if found := GROUP_REFERENCE.fullmatch(value):
        return _group_names(stack).get(found[2], found[2])
    if found := CLUSTER_GROUP.fullmatch(value):
        return _cluster_key(stack, found[1])
    if found := REFERENCE.fullmatch(value):
        return found[1]
    return value


def _port(value: Any) -> int | None:
    return None if value is None else int(value)


def _protocol(value: Any) -> str:
    text = str(value).lower()
    return PROTOCOLS.get(text, text)


def _block(
    stack: Stack, group: str, direction: str, address: str, block: Mapping[str, Any], peer_key: str
) -> list[Rule]:
    """The rules of one inline block or aws_security_group_rule: one per peer."""

    def rule(peer: str, kind: str) -> Rule:
        return Rule(
            group,
            direction,
            _protocol(block["protocol"]),
            _port(block.get("from_port")),
            _port(block.get("to_port")),
            peer,
            kind,
            address,
            block.get("description") or "",
        )

    peers = [rule(c, "cidr") for key in ("cidr_blocks", "ipv6_cidr_blocks") for c in block.get(key) or []]
    peers += [rule(p, "prefix_list") for p in block.get("prefix_list_ids") or []]
    referenced = block.get(peer_key) or []
    peers += [rule(_key(stack, g), "group") for g in ([referenced] if isinstance(referenced, str) else referenced)]
    if block.get("self"):
        peers.append(rule(group, "group"))
    return peers


def _inline(stack: Stack, type_: str, name: str, body: Mapping[str, Any]) -> Iterator[Rule]:
    group = _group_names(stack)[name]
    for direction in ("ingress", "egress"):
        for i, block in enumerate(body.get(direction) or []):
            yield from _block(
                stack, group, direction, f"{type_}.{name}.{direction}[{i}]", block, peer_key="security_groups"
            )


def _vpc_rule(stack: Stack, direction: str, address: str, body: Mapping[str, Any]) -> list[Rule]:
    """An aws_vpc_security_group_{ingress,egress}_rule: exactly one peer."""
    peers = [
        (body.get(k), kind)
        for k, kind in (("cidr_ipv4", "cidr"), ("cidr_ipv6", "cidr"), ("prefix_list_id", "prefix_list"))
    ]
    if body.get("referenced_security_group_id"):
        peers.append((_key(stack, body["referenced_security_group_id"]), "group"))
    return [
        Rule(
            _key(stack, body["security_group_id"]),
            direction,
            _protocol(body["ip_protocol"]),
            _port(body.get("from_port")),
            _port(body.get("to_port")),
            peer,
            kind,
            address,
            body.get("description") or "",
        )
        for peer, kind in peers
        if peer
    ]


# Matching


def _names(stack: Stack, groups: Groups | None) -> list[str]:
    if groups is None:
        return []
    return [group_key(stack, g) for g in ([groups] if isinstance(groups, str) else groups)]


def _covers(rule_cidr: str, cidr: str) -> bool:
    try:
        outer, inner = ipaddress.ip_network(rule_cidr, strict=False), ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return rule_cidr == cidr
    return outer.version == inner.version and inner.subnet_of(outer)


def _carries(rule: Rule, protocol: str, port: int) -> bool:
    if rule.protocol == "-1":
        return True
    if rule.protocol != _protocol(protocol):
        return False
    if rule.from_port is None or rule.from_port == -1:
        return True
    if rule.protocol in ("tcp", "udp"):
        return rule.from_port <= port <= (rule.to_port if rule.to_port is not None else rule.from_port)
    return port == rule.from_port  # ICMP: from_port is the type


def _peer_matches(rule: Rule, groups: list[str], cidr: str | None) -> bool:
    if rule.peer_kind == "group":
        return rule.peer in groups
    return cidr is not None and (_covers(rule.peer, cidr) if rule.peer_kind == "cidr" else rule.peer == cidr)


def _find(
    stack: Stack, direction: str, own: Groups, port: int, peer: Groups | None, cidr: str | None, protocol: str
) -> Rule | None:
    mine, theirs = _names(stack, own), _names(stack, peer)
    return next(
        (
            rule
            for rule in rules(stack)
            if rule.direction == direction
            and rule.group in mine
            and _carries(rule, protocol, port)
            and _peer_matches(rule, theirs, cidr)
        ),
        None,
    )


# Attachments


def _body(stack: Stack, address: str) -> Mapping[str, Any]:
    type_, name = address.split(".", 1)
    return stack.resources(type_).get(name, {})


def _attached(stack: Stack, body: Mapping[str, Any]) -> list[str]:
    """The groups named by the attaching arguments anywhere in a resource's body, in order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "//":
                    continue
                if key in ATTACHING:
                    found.extend(_key(stack, v) for v in ([value] if isinstance(value, str) else value))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body)
    return list(dict.fromkeys(found))
