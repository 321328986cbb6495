"""Properties every synthesized stack must have, whatever the module."""

from tests.invariants import dangling_references, literal_secrets, unattached_security_groups
from tests.synth import Stack


def test_every_reference_and_dependency_resolves_to_something_declared(stack: Stack) -> None:
    assert dangling_references(stack) == []


def test_no_literal_secrets(stack: Stack) -> None:
    assert literal_secrets(stack) == []


def test_every_security_group_is_attached(stack: Stack) -> None:
    assert unattached_security_groups(stack) == []


def test_default_tags_on_every_resource(stack: Stack) -> None:
    # Aliased providers (other regions) tag their resources the same way.
    for provider in stack.doc["provider"]["aws"]:
        tags = provider["default_tags"][0]["tags"]
        assert {"Project", "Environment", "ManagedBy"} <= set(tags)
        assert tags["Environment"] == stack.name


def test_every_log_group_is_encrypted_and_expires(stack: Stack) -> None:
    groups = stack.resources("aws_cloudwatch_log_group")
    assert len(groups) >= 10  # flow logs, EKS, RDS, ElastiCache, WAF and the application's four
    for name, group in groups.items():
        assert group["kms_key_id"].startswith("${aws_kms_key."), name
        assert group["retention_in_days"] > 0, name


def test_resource_names_carry_the_environment_prefix(stack: Stack) -> None:
    prefix = f"f1-analytics-{stack.name}"
    for type_, name, body in stack.all_resources():
        # A DNS record is named by its domain, which the file gives.
        if isinstance(body.get("name"), str) and type_ not in ("aws_iam_role_policy", "aws_route53_record"):
            assert prefix in body["name"], f"{type_}.{name} is named {body['name']!r}"


def test_the_checks_detect_what_they_look_for() -> None:
    bad = Stack(
        "dev",
        {
            "resource": {
                "aws_db_instance": {"db": {"password": "hunter22", "vpc_security_group_ids": ["${aws_sg.gone.id}"]}},
                "aws_s3_bucket": {"b": {"depends_on": ["aws_iam_role.missing"]}},
                "aws_security_group": {
                    "used": {},
                    "idle": {"ingress": [{"security_groups": ["${aws_security_group.used.id}"]}]},
                },
                "aws_vpc_security_group_egress_rule": {"r": {"security_group_id": "${aws_security_group.idle.id}"}},
                "aws_db_proxy": {"p": {"vpc_security_group_ids": ["${aws_security_group.used.id}"]}},
            }
        },
    )
    assert literal_secrets(bad) == [
        "/resource/aws_db_instance/db/password holds a literal value; secrets must come from references"
    ]
    assert dangling_references(bad) == [
        "/resource/aws_db_instance/db/vpc_security_group_ids/0: aws_sg.gone",
        "aws_s3_bucket.b depends on aws_iam_role.missing",
    ]
    assert unattached_security_groups(bad) == ["aws_security_group.idle"]
