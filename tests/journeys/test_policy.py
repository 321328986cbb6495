"""The IAM policy evaluator against the AWS rules it models (tests/journeys/policy.py)."""

import json
from typing import Any

import pytest

from tests.journeys.policy import (
    Decision,
    Request,
    boundary_policy,
    evaluate,
    managed_policy_arns,
    role_policies,
)
from tests.synth import Stack

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/f1/api"
USER = f"arn:aws:iam::{ACCOUNT}:user/ops"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/api/pod-1"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
BUCKET = "${aws_s3_bucket.models_bucket_ABC.arn}"
STACK_ACCOUNT = "${data.aws_caller_identity.caller.account_id}"
MISSING = object()


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def request(action: str = "s3:GetObject", resource: str = f"{BUCKET}/models/x", **context: Any) -> Request:
    return Request(action, resource, {"AWS": ROLE}, context)


def allowed(statement: dict[str, Any], req: Request | None = None, **kwargs: Any) -> bool:
    return evaluate(req or request(), [document(statement)], **kwargs).allowed


# Actions and resources


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:GetObject", "s3:GetObject", True),
        ("s3:Get*", "s3:GetObjectVersion", True),
        ("s3:Get*", "s3:PutObject", False),
        ("*", "kms:Decrypt", True),
        ("s3:?etObject", "s3:GetObject", True),
        ("s3:?etObject", "s3:GeetObject", False),
        ("S3:getobject", "s3:GetObject", True),
        ("s3:GetObject", "S3:GETOBJECT", True),
    ],
)
def test_actions_match_with_wildcards_and_without_regard_to_case(pattern: str, action: str, expected: bool) -> None:
    assert allowed(allow(pattern), request(action)) is expected


def test_resources_match_case_sensitively() -> None:
    assert allowed(allow(resource="arn:aws:s3:::Models/*"), request(resource="arn:aws:s3:::Models/x"))
    assert not allowed(allow(resource="arn:aws:s3:::Models/*"), request(resource="arn:aws:s3:::models/x"))


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (f"{BUCKET}/models/2025/driver.bin", True),
        (f"{BUCKET}/", True),
        (BUCKET, False),
        ("${aws_s3_bucket.backups_bucket_DEF.arn}/models/x", False),
    ],
)
def test_wildcards_match_across_terraform_references(resource: str, expected: bool) -> None:
    assert allowed(allow(resource=[f"{BUCKET}/*"]), request(resource=resource)) is expected


def test_not_action_applies_to_every_other_action() -> None:
    statement = {"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*"}
    assert allowed(statement, request("s3:GetObject"))
    assert not allowed(statement, request("s3:DeleteObject"))


def test_not_resource_applies_to_every_other_resource() -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": f"{BUCKET}/secret/*"}
    assert allowed(statement, request(resource=f"{BUCKET}/models/x"))
    assert not allowed(statement, request(resource=f"{BUCKET}/secret/x"))


# Combining policies


def test_nothing_allows_without_a_statement() -> None:
    assert evaluate(request()) == Decision(False, "no statement allows")


def test_the_allowing_statement_is_named() -> None:
    decision = evaluate(request(), [document(allow(Sid="ReadModels"))])
    assert decision == Decision(True, "allowed by identity policy statement 'ReadModels'")


def test_explicit_deny_beats_allow() -> None:
    decision = evaluate(request(), [document(allow()), document(deny(Sid="NoReads"))])
    assert decision == Decision(False, "explicit deny by identity policy 2 statement 'NoReads'")


def test_boundary_caps_an_identity_allow() -> None:
    boundary = document(allow("kms:*"))
    decision = evaluate(request(), [document(allow(Sid="ReadModels"))], boundary=boundary)
    assert decision == Decision(
        False, "identity policy statement 'ReadModels' allows, but the permissions boundary does not"
    )
    assert evaluate(request(), [document(allow())], boundary=document(allow("s3:*"))).allowed


def test_boundary_alone_grants_nothing() -> None:
    assert not evaluate(request(), [], boundary=document(allow("s3:*"))).allowed


def test_deny_in_the_boundary_denies() -> None:
    boundary = document(allow("*"), deny("s3:*", Sid="NoS3"))
    decision = evaluate(request(), [document(allow())], boundary=boundary)
    assert decision == Decision(False, "explicit deny by permissions boundary statement 'NoS3'")


def test_deny_in_the_resource_policy_beats_an_identity_allow() -> None:
    bucket_policy = document(
        deny(
            "s3:*",
            [BUCKET, f"{BUCKET}/*"],
            Principal={"AWS": "*"},
            Sid="DenyInsecureTransport",
            Condition={"Bool": {"aws:SecureTransport": "false"}},
        )
    )
    identity = [document(allow())]
    assert evaluate(request(**{"aws:SecureTransport": "true"}), identity, resource_policy=bucket_policy).allowed
    decision = evaluate(request(**{"aws:SecureTransport": False}), identity, resource_policy=bucket_policy)
    assert decision == Decision(False, "explicit deny by resource policy statement 'DenyInsecureTransport'")


# Resource policies and principals


def topic_policy(principal: Any, **condition: Any) -> dict[str, Any]:
    topic = "${aws_sns_topic.alerts_topic_123.arn}"
    return document(allow("sns:Publish", topic, Principal=principal, Sid="Publishers", **condition))


def publish(principal: dict[str, str], **context: Any) -> Request:
    return Request("sns:Publish", "${aws_sns_topic.alerts_topic_123.arn}", principal, context)


def test_a_resource_policy_grants_a_service_principal_on_its_own() -> None:
    policy = topic_policy(
        {"Service": "cloudwatch.amazonaws.com"}, Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    )
    cloudwatch = {"Service": "cloudwatch.amazonaws.com"}
    decision = evaluate(publish(cloudwatch, **{"aws:SourceAccount": ACCOUNT}), resource_policy=policy)
    assert decision == Decision(
        True, "allowed by resource policy statement 'Publishers', which grants the principal itself"
    )
    assert not evaluate(publish(cloudwatch, **{"aws:SourceAccount": "999999999999"}), resource_policy=policy).allowed
    assert not evaluate(publish({"Service": "events.amazonaws.com"}), resource_policy=policy).allowed


@pytest.mark.parametrize("everyone", ["*", {"AWS": "*"}])
@pytest.mark.parametrize("principal", [{"Service": "events.amazonaws.com"}, {"AWS": ROLE}])
def test_star_and_aws_star_name_every_principal(everyone: Any, principal: dict[str, str]) -> None:
    assert evaluate(publish(principal), resource_policy=topic_policy(everyone)).allowed


def test_a_grant_to_a_role_arn_is_capped_by_its_boundary() -> None:
    # The documented same-account rule: a role ARN in a resource policy is limited by the boundary.
    policy = topic_policy({"AWS": ROLE})
    assert evaluate(publish({"AWS": ROLE}), resource_policy=policy).allowed
    capped = evaluate(publish({"AWS": ROLE}), boundary=document(allow("s3:*")), resource_policy=policy)
    assert capped == Decision(
        False, "resource policy statement 'Publishers' (naming the role) allows, but the permissions boundary does not"
    )


@pytest.mark.parametrize("principal", [USER, SESSION])
def test_a_grant_to_a_user_or_a_role_session_is_not_capped_by_a_boundary(principal: str) -> None:
    policy = topic_policy({"AWS": principal})
    assert evaluate(publish({"AWS": principal}), boundary=document(allow("s3:*")), resource_policy=policy).allowed


def test_a_role_arn_names_the_sessions_of_that_role() -> None:
    assert evaluate(publish({"AWS": SESSION}), resource_policy=topic_policy({"AWS": ROLE})).allowed
    other = f"arn:aws:sts::{ACCOUNT}:assumed-role/ingestion/pod-1"
    assert not evaluate(publish({"AWS": other}), resource_policy=topic_policy({"AWS": ROLE})).allowed


@pytest.mark.parametrize("root", [ROOT, ACCOUNT])
def test_the_account_root_delegates_to_identity_policies(root: str) -> None:
    policy = topic_policy({"AWS": root})
    alone = evaluate(publish({"AWS": ROLE}), resource_policy=policy)
    assert alone == Decision(
        False, "resource policy statement 'Publishers' delegates to the account, but no identity statement allows"
    )
    assert evaluate(publish({"AWS": ROLE}), [document(allow("sns:Publish"))], resource_policy=policy).allowed
    # The same grant for another account's role is no grant at all.
    assert not evaluate(publish({"AWS": "arn:aws:iam::999999999999:role/api"}), resource_policy=policy).allowed


def test_the_account_of_a_referenced_role_comes_from_the_context() -> None:
    account = STACK_ACCOUNT
    policy = topic_policy({"AWS": f"arn:aws:iam::{account}:root"})
    principal = {"AWS": "${aws_iam_role.api_role_123.arn}"}
    identity = [document(allow("sns:Publish"))]
    req = Request("sns:Publish", "${aws_sns_topic.alerts_topic_123.arn}", principal, {"aws:PrincipalAccount": account})
    assert evaluate(req, identity, resource_policy=policy, resource_policy_required=True).allowed
    without_account = Request(req.action, req.resource, principal)
    assert not evaluate(without_account, identity, resource_policy=policy, resource_policy_required=True).allowed


def test_a_key_policy_must_allow_even_within_the_account() -> None:
    decrypt = Request("kms:Decrypt", "${aws_kms_key.kms_key_1.arn}", {"AWS": ROLE})
    identity = [document(allow("kms:Decrypt", "${aws_kms_key.kms_key_1.arn}"))]
    services_only = document(allow("kms:Decrypt", Principal={"Service": "logs.amazonaws.com"}))
    decision = evaluate(decrypt, identity, resource_policy=services_only, resource_policy_required=True)
    assert decision == Decision(False, "the resource policy must allow the principal, and none of its statements does")
    # Where a resource policy is optional, the identity policy is enough.
    assert evaluate(decrypt, identity, resource_policy=services_only).allowed
    delegating = document(allow("kms:*", Principal={"AWS": ROOT}, Sid="AccountAdministration"))
    decision = evaluate(decrypt, identity, resource_policy=delegating, resource_policy_required=True)
    assert decision.allowed
    assert decision.reason == (
        "allowed by identity policy statement #1, delegated to the account by resource policy statement "
        "'AccountAdministration'"
    )


def test_not_principal_in_a_deny_spares_only_the_listed_principals() -> None:
    policy = document(
        allow("sns:Publish", Principal={"AWS": "*"}),
        deny("sns:Publish", NotPrincipal={"AWS": USER}, Sid="OnlyOps"),
    )
    assert evaluate(publish({"AWS": USER}), resource_policy=policy).allowed
    assert evaluate(publish({"AWS": ROLE}), resource_policy=policy) == Decision(
        False, "explicit deny by resource policy statement 'OnlyOps'"
    )
    # The boundaries page: such a Deny denies every principal that has a boundary, listed or not.
    assert not evaluate(publish({"AWS": USER}), boundary=document(allow("*")), resource_policy=policy).allowed


# Conditions


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("StringEquals", "F1Analytics/prod", "F1Analytics/prod", True),
        ("StringEquals", "F1Analytics/prod", "F1Analytics/dev", False),
        ("StringEquals", "F1Analytics/prod", MISSING, False),
        ("StringNotEquals", "F1Analytics/prod", "F1Analytics/dev", True),
        ("StringNotEquals", "F1Analytics/prod", "F1Analytics/prod", False),
        ("StringNotEquals", "F1Analytics/prod", MISSING, True),
        ("StringEqualsIgnoreCase", "F1Analytics/PROD", "f1analytics/prod", True),
        ("StringNotEqualsIgnoreCase", "F1Analytics/PROD", "f1analytics/prod", False),
        ("StringLike", "F1Analytics/*", "F1Analytics/prod", True),
        ("StringLike", "F1Analytics/?rod", "F1Analytics/prod", True),
        ("StringLike", "F1Analytics/*", "f1analytics/prod", False),
        ("StringNotLike", "F1Analytics/*", "Other/prod", True),
        ("StringNotLike", "F1Analytics/*", MISSING, True),
        ("ArnLike", "arn:aws:cloudwatch:us-west-2:*:alarm:*", "arn:aws:cloudwatch:us-west-2:123:alarm:cpu", True),
        ("ArnEquals", "arn:aws:cloudwatch:us-west-2:*:alarm:*", "arn:aws:events:us-west-2:123:rule/x", False),
        # The operators page's example: StringLike matches this, ArnLike does not (one part at a time).
        (
            "StringLike",
            "arn:aws:svc:*:111122223333:finance/*",
            "arn:aws:svc:us-east-2:999:store/abc:111122223333:finance/d",
            True,
        ),
        (
            "ArnLike",
            "arn:aws:svc:*:111122223333:finance/*",
            "arn:aws:svc:us-east-2:999:store/abc:111122223333:finance/d",
            False,
        ),
        ("ArnLike", f"{BUCKET}/*", f"{BUCKET}/models", True),
        ("ArnNotLike", "arn:aws:cloudwatch:*:*:alarm:*", "arn:aws:events:us-west-2:123:rule/x", True),
        ("ArnNotEquals", "arn:aws:cloudwatch:*:*:alarm:*", MISSING, True),
        ("ArnLike", "arn:aws:cloudwatch:*:*:alarm:*", MISSING, False),
        ("Bool", "true", True, True),
        ("Bool", "false", "true", False),
        ("Bool", "false", MISSING, False),
        ("NumericEquals", "10", 10, True),
        ("NumericNotEquals", "10", "11", True),
        ("NumericNotEquals", "10", MISSING, True),
        ("NumericLessThan", "1.2", "1.1", True),
        ("NumericLessThan", "1.2", "1.2", False),
        ("NumericLessThanEquals", "1.2", "1.2", True),
        ("NumericGreaterThan", "5", "6", True),
        ("NumericGreaterThanEquals", "5", "4", False),
        ("NumericGreaterThan", "5", "six", False),
        ("NumericEquals", "10", MISSING, False),
        ("Null", "true", MISSING, True),
        ("Null", "true", "x", False),
        ("Null", "false", "x", True),
        ("Null", "false", MISSING, False),
    ],
)
def test_condition_operators(operator: str, policy_value: str, request_value: Any, expected: bool) -> None:
    context = {} if request_value is MISSING else {"test:key": request_value}
    statement = allow(Condition={operator: {"test:key": policy_value}})
    assert allowed(statement, request(**context)) is expected


@pytest.mark.parametrize(
    ("operator", "request_value", "expected"),
    [
        ("StringEqualsIfExists", MISSING, True),
        ("StringEqualsIfExists", "us-west-2", True),
        ("StringEqualsIfExists", "eu-west-1", False),
        ("StringNotEqualsIfExists", MISSING, True),
        ("StringNotEqualsIfExists", "us-west-2", False),
        ("ArnLikeIfExists", MISSING, True),
        ("NumericLessThanIfExists", MISSING, True),
    ],
)
def test_if_exists_holds_without_the_key_and_tests_it_when_present(
    operator: str, request_value: Any, expected: bool
) -> None:
    context = {} if request_value is MISSING else {"aws:RequestedRegion": request_value}
    statement = allow(Condition={operator: {"aws:RequestedRegion": "us-west-2"}})
    assert allowed(statement, request(**context)) is expected


def test_a_negated_if_exists_deny_still_denies_without_the_key() -> None:
    # The operators page: a Deny with StringNotEqualsIfExists denies even when the key is missing.
    boundary = document(allow("*"), deny("iam:*", Condition={"StringNotEqualsIfExists": {"iam:AWSServiceName": "elb"}}))
    identity = [document(allow("iam:*"))]
    assert not evaluate(request("iam:CreateRole"), identity, boundary=boundary).allowed
    slr = request("iam:CreateServiceLinkedRole", **{"iam:AWSServiceName": "elb"})
    assert evaluate(slr, identity, boundary=boundary).allowed


def test_values_of_a_key_are_ored_and_negated_values_nored() -> None:
    regions = {"aws:RequestedRegion": ["us-west-2", "us-east-1"]}
    assert allowed(allow(Condition={"StringEquals": regions}), request(**{"aws:RequestedRegion": "us-east-1"}))
    assert not allowed(allow(Condition={"StringNotEquals": regions}), request(**{"aws:RequestedRegion": "us-east-1"}))
    assert allowed(allow(Condition={"StringNotEquals": regions}), request(**{"aws:RequestedRegion": "eu-west-1"}))


def test_keys_and_operators_are_anded() -> None:
    condition = {
        "StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com", "aws:SourceAccount": ACCOUNT},
        "Bool": {"aws:SecureTransport": "true"},
    }
    every = {
        "kms:ViaService": "s3.us-west-2.amazonaws.com",
        "aws:SourceAccount": ACCOUNT,
        "aws:SecureTransport": "true",
    }
    assert allowed(allow(Condition=condition), request(**every))
    for key in every:
        assert not allowed(allow(Condition=condition), request(**{k: v for k, v in every.items() if k != key})), key


def test_condition_key_names_ignore_case_and_values_do_not() -> None:
    statement = allow(Condition={"StringEquals": {"kms:ViaService": "secretsmanager.us-west-2.amazonaws.com"}})
    assert allowed(statement, request(**{"KMS:VIASERVICE": "secretsmanager.us-west-2.amazonaws.com"}))
    assert not allowed(statement, request(**{"kms:ViaService": "SecretsManager.us-west-2.amazonaws.com"}))


@pytest.mark.parametrize(
    ("operator", "request_value", "expected"),
    [
        ("ForAnyValue:StringEquals", ["b", "c"], True),
        ("ForAnyValue:StringEquals", ["c"], False),
        ("ForAnyValue:StringEquals", [], False),
        ("ForAnyValue:StringEquals", MISSING, False),
        ("ForAllValues:StringEquals", ["a", "b"], True),
        ("ForAllValues:StringEquals", ["a", "c"], False),
        ("ForAllValues:StringEquals", [], True),
        ("ForAllValues:StringEquals", MISSING, True),
        ("ForAnyValue:StringNotEquals", ["a", "c"], True),
        ("ForAllValues:StringNotEquals", ["a", "c"], False),
    ],
)
def test_set_qualifiers(operator: str, request_value: Any, expected: bool) -> None:
    context = {} if request_value is MISSING else {"aws:TagKeys": request_value}
    assert allowed(allow(Condition={operator: {"aws:TagKeys": ["a", "b"]}}), request(**context)) is expected


@pytest.mark.parametrize(
    ("tag_keys", "denied"),
    [(["key1:legal"], False), (["key1:hr", "key1:personnel"], False), (["key2:audit"], True), (MISSING, True)],
)
def test_for_all_values_with_a_negated_operator_as_in_the_documentation(tag_keys: Any, denied: bool) -> None:
    # The multivalued context keys page's table for ForAllValues:StringNotLike in a Deny.
    policies = [
        document(
            allow("iam:TagRole"), deny("iam:Tag*", Condition={"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}})
        )
    ]
    context = {} if tag_keys is MISSING else {"aws:TagKeys": tag_keys}
    assert evaluate(request("iam:TagRole", "*", **context), policies).allowed is not denied


def test_unsupported_operators_are_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="DateLessThan"):
        evaluate(request(), [document(allow(Condition={"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}))])


# Policy variables


def test_policy_variables_come_from_the_context() -> None:
    statement = allow(resource="arn:aws:s3:::home/${aws:username}/*")
    assert allowed(statement, request(resource="arn:aws:s3:::home/alice/notes", **{"aws:username": "alice"}))
    assert not allowed(statement, request(resource="arn:aws:s3:::home/bob/notes", **{"aws:username": "alice"}))
    # A variable without a value matches nothing.
    assert not allowed(statement, request(resource="arn:aws:s3:::home/alice/notes"))


def test_policy_variables_in_conditions_with_defaults_and_escapes() -> None:
    team = allow(Condition={"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team, 'shared'}/"}})
    assert allowed(team, request(**{"s3:prefix": "ml/", "aws:PrincipalTag/team": "ml"}))
    assert allowed(team, request(**{"s3:prefix": "shared/"}))
    star = allow(resource="arn:aws:s3:::literal${*}")
    assert allowed(star, request(resource="arn:aws:s3:::literal*"))
    assert not allowed(star, request(resource="arn:aws:s3:::literally"))


def test_variables_are_literal_text_before_policy_version_2012() -> None:
    old = {"Version": "2008-10-17", "Statement": [allow(resource="arn:aws:s3:::home/${aws:username}")]}
    assert evaluate(request(resource="arn:aws:s3:::home/${aws:username}", **{"aws:username": "x"}), [old]).allowed
    assert not evaluate(request(resource="arn:aws:s3:::home/x", **{"aws:username": "x"}), [old]).allowed


def test_opposite_expectations_fail() -> None:
    # The same policies decide both ways, so a journey test asserting the wrong outcome would fail.
    policies = [document(allow("s3:GetObject", f"{BUCKET}/*"))]
    read, write = evaluate(request("s3:GetObject"), policies), evaluate(request("s3:PutObject"), policies)
    with pytest.raises(AssertionError):
        assert not read.allowed, read.reason
    with pytest.raises(AssertionError):
        assert write.allowed, write.reason


# Reading a stack's policies


def iam_stack() -> Stack:
    def meta(path: str) -> dict[str, Any]:
        return {"//": {"metadata": {"path": f"t/{path}"}}}

    doc = document(allow("sqs:ReceiveMessage"))
    return Stack(
        "t",
        {
            "resource": {
                "aws_iam_role": {
                    "api": {
                        **meta("api_role"),
                        "name": "t-api",
                        "inline_policy": [{"name": "a", "policy": '{"Statement": []}'}],
                        "permissions_boundary": f"arn:aws:iam::{STACK_ACCOUNT}:policy/b/t-boundary",
                    },
                    "other": {**meta("other_role"), "name": "t-other"},
                },
                "aws_iam_role_policy": {
                    "by_id": {"role": "${aws_iam_role.api.id}", "policy": '{"Sid": 1}'},
                    "by_name": {"role": "t-api", "policy": '{"Sid": 2}'},
                    "elsewhere": {"role": "${aws_iam_role.other.id}", "policy": '{"Sid": 3}'},
                },
                "aws_iam_policy": {"queue": {"name": "t-queue", "policy": json.dumps(doc)}},
                "aws_iam_role_policy_attachment": {
                    "queue": {"role": "${aws_iam_role.api.name}", "policy_arn": "${aws_iam_policy.queue.arn}"},
                    "managed": {
                        "role": "${aws_iam_role.api.name}",
                        "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                    },
                },
            }
        },
    )


def test_role_policies_gather_inline_role_policy_and_attached_documents() -> None:
    stack = iam_stack()
    documents = role_policies(stack, "api_role")
    assert documents[:3] == [{"Statement": []}, {"Sid": 1}, {"Sid": 2}]
    assert documents[3]["Statement"][0]["Action"] == "sqs:ReceiveMessage"
    assert len(documents) == 4
    assert managed_policy_arns(stack, "api_role") == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert role_policies(stack, "other_role") == [{"Sid": 3}]


def test_boundary_policy_is_found_by_path_and_name_in_any_stack() -> None:
    stack = iam_stack()
    bootstrap = Stack(
        "bootstrap",
        {"resource": {"aws_iam_policy": {"b": {"name": "t-boundary", "path": "/b/", "policy": '{"Statement": []}'}}}},
    )
    assert boundary_policy([stack, bootstrap], stack, "api_role") == {"Statement": []}
    assert boundary_policy([stack], stack, "other_role") is None
    with pytest.raises(KeyError, match="t-boundary"):
        boundary_policy([stack], stack, "api_role")


def test_flow_logs_write_to_their_log_group_within_the_boundary_regions(stacks: dict[str, Stack], stack: Stack) -> None:
    # A journey over the synthesized stack: the boundary (where there is one) holds the role to its regions.
    role = "network/flow_logs_role"
    policies, boundary = role_policies(stack, role), boundary_policy(stacks.values(), stack, role)
    stream = stack.ref("aws_cloudwatch_log_group", "network/flow_logs", "arn") + ":log-stream:eni-1-all"
    principal = {"AWS": stack.ref("aws_iam_role", role, "arn")}
    put = Request("logs:PutLogEvents", stream, principal, {"aws:RequestedRegion": "us-west-2"})
    assert evaluate(put, policies, boundary=boundary).allowed
    assert not evaluate(
        Request("logs:DeleteLogGroup", stream, principal, put.context), policies, boundary=boundary
    ).allowed
    elsewhere = evaluate(
        Request(put.action, put.resource, principal, {"aws:RequestedRegion": "eu-west-1"}), policies, boundary=boundary
    )
    assert elsewhere.allowed is (boundary is None), elsewhere.reason


def test_a_request_to_another_account_needs_both_sides() -> None:
    caller = {"AWS": "arn:aws:iam::111111111111:role/deployer"}
    request = Request("kms:Decrypt", "arn:aws:kms:us-west-2:222222222222:key/k", principal=caller)
    identity = {"Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}
    opened = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                "Action": "kms:Decrypt",
                "Resource": "*",
            }
        ]
    }
    alone = evaluate(request, [identity])
    assert not alone.allowed
    assert "in account 222222222222, not the caller's 111111111111" in alone.reason
    assert evaluate(request, [identity], resource_policy=opened).allowed
    assert not evaluate(request, [], resource_policy=opened).allowed
    # The same request inside one account needs no resource policy.
    same = Request("kms:Decrypt", "arn:aws:kms:us-west-2:111111111111:key/k", principal=caller)
    assert evaluate(same, [identity]).allowed
