"""Properties every synthesized stack must have, whatever the module."""

import json
import re
from typing import Any

from tests.synth import REFERENCE, Stack

# Addresses inside a Terraform expression: resources, data sources, variables, locals.
ADDRESS = re.compile(
    r"\b(?:data\.[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+|var\.[A-Za-z0-9_-]+|local\.[A-Za-z0-9_-]+"
    r"|[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*)"
)
SECRET_KEY = re.compile(r"password|secret|token|private_key|access_key|auth", re.IGNORECASE)
# Keys that mention secrets but hold references, names or switches, never the secret itself.
# http_tokens is the launch template's IMDSv2 switch ("required").
SECRET_KEY_ALLOWED = re.compile(
    r"(_arn|_id|_ids|_name|_enabled|_version)$|^manage_|^auth_type$|^authentication_mode$|^http_tokens$"
)
LITERAL_SECRET = re.compile(r"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----")


def _walk(node: Any, path: str = "") -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")
    else:
        yield path, node


def _declared(stack: Stack) -> set[str]:
    doc = stack.doc
    names = {f"{t}.{n}" for t, items in doc.get("resource", {}).items() for n in items}
    names |= {f"data.{t}.{n}" for t, items in doc.get("data", {}).items() for n in items}
    names |= {f"var.{n}" for n in doc.get("variable", {})}
    names |= {f"local.{n}" for n in doc.get("locals", {})}
    return names


def test_every_reference_resolves_to_something_declared(stack: Stack) -> None:
    declared = _declared(stack)
    dangling = []
    for path, value in _walk(stack.doc):
        if not isinstance(value, str):
            continue
        for expression in REFERENCE.findall(value):
            for address in ADDRESS.findall(expression):
                if address not in declared:
                    dangling.append(f"{path}: {address}")
    assert not dangling


def test_every_dependency_is_declared(stack: Stack) -> None:
    declared = _declared(stack)
    for type_, name, body in stack.all_resources():
        for dependency in body.get("depends_on", []):
            assert dependency in declared, f"{type_}.{name} depends on undeclared {dependency}"


def test_no_literal_secrets(stack: Stack) -> None:
    for path, value in _walk(stack.doc):
        key = path.rsplit("/", 1)[-1]
        if isinstance(value, str) and value and SECRET_KEY.search(key) and not SECRET_KEY_ALLOWED.search(key):
            assert REFERENCE.fullmatch(value), f"{path} holds a literal value; secrets must come from references"
    assert not LITERAL_SECRET.search(json.dumps(stack.doc))


def test_default_tags_on_every_resource(stack: Stack) -> None:
    (provider,) = stack.doc["provider"]["aws"]
    tags = provider["default_tags"][0]["tags"]
    assert {"Project", "Environment", "ManagedBy"} <= set(tags)
    assert tags["Environment"] == stack.name


def test_every_log_group_is_encrypted_and_expires(stack: Stack) -> None:
    for name, group in stack.resources("aws_cloudwatch_log_group").items():
        assert group["kms_key_id"].startswith("${aws_kms_key."), name
        assert group["retention_in_days"] > 0, name


def test_resource_names_carry_the_environment_prefix(stack: Stack) -> None:
    prefix = f"f1-analytics-{stack.name}"
    for type_, name, body in stack.all_resources():
        if isinstance(body.get("name"), str) and type_ != "aws_iam_role_policy":
            assert prefix in body["name"], f"{type_}.{name} is named {body['name']!r}"
