"""Rule 49: create_before_destroy extends to everything a resource depends on, so a dependency
with a fixed name would fail its replacement with "already exists". Every such dependency either
takes a generated name or is one whose replacement always comes with a new name."""

import re

from tests.synth import REFERENCE, Stack

ADDRESS = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*")

# Types whose fixed name is acceptable under create_before_destroy, and why.
FIXED_NAME_ALLOWED = {
    "aws_eks_cluster": "the cluster name is its identity (kubeconfig, IRSA issuer, subnet tags); replacing a "
    "cluster is a migration to a new name, never an in-place apply",
    "aws_cloudwatch_log_group": "EKS dictates /aws/eks/<cluster>/cluster; only a new cluster name replaces it",
    "aws_iam_role": "replaced only when its name or path changes; the path never does, so a replacement "
    "always has a new name",
    "aws_iam_role_policy": "replaced only with a new name or a new role, so never under the same (role, name)",
}


def references(node: object) -> set[str]:
    if isinstance(node, dict):
        found = set()
        for key, value in node.items():
            if key == "depends_on":
                found |= {a for d in value for a in ADDRESS.findall(d)}
            elif key != "//":
                found |= references(value)
        return found
    if isinstance(node, list):
        return set().union(*map(references, node)) if node else set()
    if isinstance(node, str):
        return {a for expression in REFERENCE.findall(node) for a in ADDRESS.findall(expression)}
    return set()


def fixed_name_dependencies(stack: Stack) -> dict[str, list[str]]:
    """{create_before_destroy resource: [dependencies with a fixed name]} of one stack."""
    bodies = {f"{type_}.{name}": body for type_, name, body in stack.all_resources()}
    depends = {address: references(body) & bodies.keys() for address, body in bodies.items()}
    found = {}
    for address, body in bodies.items():
        if not body.get("lifecycle", {}).get("create_before_destroy"):
            continue
        closure, todo = set(), [address]
        while todo:
            for dependency in depends[todo.pop()] - closure:
                closure.add(dependency)
                todo.append(dependency)
        fixed = [
            d
            for d in sorted(closure)
            if isinstance(bodies[d].get("name"), str) and "${" not in bodies[d]["name"]
            if d.split(".")[0] not in FIXED_NAME_ALLOWED
        ]
        if fixed:
            found[address] = fixed
    return found


def test_create_before_destroy_never_meets_a_fixed_name(stack: Stack) -> None:
    assert fixed_name_dependencies(stack) == {}


def test_the_check_follows_references_and_dependencies() -> None:
    stack = Stack(
        "dev",
        {
            "resource": {
                "aws_eks_node_group": {
                    "g": {"lifecycle": {"create_before_destroy": True}, "x": "${aws_launch_template.t.id}"}
                },
                "aws_launch_template": {"t": {"name": "fixed", "depends_on": ["aws_security_group.s"]}},
                "aws_security_group": {"s": {"name_prefix": "generated-"}, "u": {"name": "unrelated"}},
            }
        },
    )
    assert fixed_name_dependencies(stack) == {"aws_eks_node_group.g": ["aws_launch_template.t"]}
