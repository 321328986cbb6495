"""Whole-stack checks, shared by the invariant tests and the hostile-input tests.

Each returns the list of violations; an empty list means the stack holds the property.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

from tests.synth import REFERENCE, Stack

# Addresses inside a Terraform expression: resources, data sources, ephemeral resources,
# variables, locals.
ADDRESS = re.compile(
    r"\b(?:(?:data|ephemeral)\.[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+|var\.[A-Za-z0-9_-]+|local\.[A-Za-z0-9_-]+"
    r"|[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*)"
)
SECRET_KEY = re.compile(r"password|secret|token|private_key|access_key|auth", re.IGNORECASE)
# Keys that mention secrets but hold references, names or switches, never the secret itself.
SECRET_KEY_ALLOWED = re.compile(
    r"(_arn|_id|_ids|_name|_enabled|_version|_type|_scheme|_strategy)$|^manage_|^iam_auth$|^authentication_mode$"
    # the launch template's IMDSv2 switch ("required")
    r"|^http_tokens$"
)
LITERAL_SECRET = re.compile(r"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----")


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON document with its JSON pointer."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")
    else:
        yield path, node


def declared(stack: Stack) -> set[str]:
    doc = stack.doc
    names = {f"{t}.{n}" for t, items in doc.get("resource", {}).items() for n in items}
    names |= {f"data.{t}.{n}" for t, items in doc.get("data", {}).items() for n in items}
    names |= {f"ephemeral.{t}.{n}" for t, items in doc.get("ephemeral", {}).items() for n in items}
    names |= {f"var.{n}" for n in doc.get("variable", {})}
    names |= {f"local.{n}" for n in doc.get("locals", {})}
    return names


def dangling_references(stack: Stack) -> list[str]:
    known = declared(stack)
    dangling = []
    for path, value in walk(stack.doc):
        if isinstance(value, str):
            for expression in REFERENCE.findall(value):
                dangling += [f"{path}: {a}" for a in ADDRESS.findall(expression) if a not in known]
    for type_, name, body in stack.all_resources():
        dangling += [f"{type_}.{name} depends on {d}" for d in body.get("depends_on", []) if d not in known]
    return dangling


def _computed(value: str) -> bool:
    """One Terraform expression that refers to something (a write-only argument may wrap the
    reference, as in jsonencode({...}))."""
    if REFERENCE.fullmatch(value):
        return True
    inner = value[2:-1]
    return value.startswith("${") and value.endswith("}") and "${" not in inner and bool(ADDRESS.search(inner))


def literal_secrets(stack: Stack) -> list[str]:
    found = []
    # cdktf's own metadata (`//`) names outputs, such as the cross-stack ones, by their ids.
    for path, value in walk({key: value for key, value in stack.doc.items() if key != "//"}):
        key = path.rsplit("/", 1)[-1]
        secret_key = SECRET_KEY.search(key) and not SECRET_KEY_ALLOWED.search(key)
        if secret_key and isinstance(value, str) and value and not _computed(value):
            found.append(f"{path} holds a literal value; secrets must come from references")
    found += [f"literal credential {m}" for m in LITERAL_SECRET.findall(json.dumps(stack.doc))]
    return found


# Resources that only describe security groups: a reference from them does not put a group to use.
SECURITY_GROUP_TYPES = (
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
)


def unattached_security_groups(stack: Stack) -> list[str]:
    """Security groups no resource uses (checkov's CKV2_AWS_5, which .checkov.yaml skips because its
    list of resource types lacks aws_db_proxy)."""
    users = json.dumps([body for type_, _, body in stack.all_resources() if type_ not in SECURITY_GROUP_TYPES])
    return [
        f"aws_security_group.{name}"
        for name in stack.resources("aws_security_group")
        if "${aws_security_group." + name + ".id}" not in users
    ]
