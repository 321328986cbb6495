"""A small IAM policy evaluator: would AWS allow one request, given the policies a stack writes?

Journey tests ask questions such as "can the API's role read a model object" or "can CloudWatch
publish to the alerts topic". Checking each statement by eye misses how statements combine: a
Deny elsewhere, a permissions boundary, a key policy that must name the caller, a condition key
the request does not carry. `evaluate` combines them as AWS documents it, for requests within one
account:

1. An explicit Deny in any policy that applies (identity, boundary, resource) decides: denied.
2. A resource policy Allow that names the principal itself (an IAM user, a role session, a
   service, a federated principal, or everyone: `"*"`, `{"AWS": "*"}`) allows on its own.
3. A resource policy Allow that names a role's ARN allows too, but is capped by the role's
   permissions boundary (the AWS page below: "Resource-based policies that grant permissions to an
   IAM role ARN are limited by an implicit deny in a permissions boundary").
4. A resource policy Allow that names the account (`arn:aws:iam::<account>:root` or the bare
   account ID) delegates to the account: it grants nothing by itself, the identity side must allow.
5. Otherwise an identity policy must allow, and the boundary, when there is one, must allow too.
6. KMS key policies and role trust policies must allow the principal even within the account
   (`resource_policy_required=True`): an account delegation (4.) then still needs rule 5.
7. A request to a resource of another account (the account of the resource's ARN is not the
   caller's) needs both sides: the resource policy must name the principal or its account, and
   an identity policy must allow. Without a resource policy it is denied.

Not modelled: SCPs, RCPs, session policies, VPC endpoint policies, ACLs, KMS grants, and of
cross-account requests anything beyond rule 7; Date, IpAddress and Binary condition operators
raise ValueError rather than guess.

References are matched as text. A synthesized policy names resources through Terraform
expressions (`"${aws_s3_bucket.models_bucket_ABC.arn}/*"`); the request names its resource the same
way (`"${aws_s3_bucket.models_bucket_ABC.arn}/models/x"`), so exact and wildcard matching work on
the literal strings, and `*` matches across them. A `${...}` whose inside has a colon
(`${aws:username}`, `${aws:PrincipalTag/team}`, `${s3:prefix}`, with an optional `, 'default'`)
is an IAM policy variable and is replaced from the request context; `${*}`, `${?}` and `${$}` stand
for those characters; any other `${...}` is a Terraform expression and stays as written.

Choices where the documentation leaves room:
- The Resource element is one case-sensitive wildcard match over the whole string; the ARN
  condition operators match each of the six colon-separated parts on its own, as documented, and
  fall back to one match over the whole string when either side is not a six-part ARN (a bare
  `${aws_x.y.arn}` reference).
- An operator without a set qualifier, given several request values, holds when one of them
  passes (the documentation asks for ForAnyValue/ForAllValues on multivalued keys).
- NotPrincipal excludes any principal one of its entries names, its account included; AWS is
  stricter for role sessions. A Deny with NotPrincipal applies to every principal that has a
  permissions boundary, as the boundaries page warns.
- A principal given as `${aws_iam_role.x.arn}` is a role, `${aws_iam_user.x.arn}` a user; name it
  the way the resource policy does, since principals too are matched as text. Its account comes
  from its ARN or from `aws:PrincipalAccount` in the context. `aws:PrincipalArn` (not for role
  sessions) and `aws:PrincipalAccount` are added to the context when not given.

Sources (AWS IAM User Guide):
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
  (a missing key makes an operator false, a negated one true, except ...IfExists and Null)
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
  (operators and keys are ANDed, values ORed, and a negated operator's values NORed)
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
  (ForAllValues holds for a missing or empty key, ForAnyValue does not)
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
  (`"*"` and `{"AWS": "*"}` are equivalent; an account principal delegates to the account)
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
- https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
"""

import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.synth import Stack

Document = Mapping[str, Any]
ContextValue = str | bool | int | float | Sequence[str]


@dataclass(frozen=True)
class Request:
    """One API call: `principal` is `{"AWS": arn}`, `{"Service": name}` or `{"Federated": provider}`;
    `context` holds the request's condition keys (names are case-insensitive)."""

    action: str
    resource: str
    principal: Mapping[str, str] = field(default_factory=dict)
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """The outcome and why: the statement that decided, or what was missing."""

    allowed: bool
    reason: str


def evaluate(
    request: Request,
    identity: Iterable[Document] = (),
    *,
    boundary: Document | None = None,
    resource_policy: Document | None = None,
    resource_policy_required: bool = False,
) -> Decision:
    """Whether AWS allows `request` under these policies (the rules in the module docstring).

    `identity` are the principal's identity policies, `boundary` its permissions boundary,
    `resource_policy` the policy of the resource it calls (bucket, topic, key, role trust policy).
    """
    caller = _caller(request)
    context = _context(request, caller)
    identity = list(identity)
    sources = [
        (f"identity policy {i + 1}" if len(identity) > 1 else "identity policy", d) for i, d in enumerate(identity)
    ]
    limits = [("permissions boundary", boundary)] if boundary is not None else []
    if deny := _first_in([*sources, *limits], "Deny", request, context):
        return Decision(False, f"explicit deny by {deny}")
    if resource_policy is not None and (deny := _resource_deny(resource_policy, request, caller, context, boundary)):
        return Decision(False, f"explicit deny by resource policy statement {deny}")

    grant, kind = _resource_grant(resource_policy, request, caller, context)
    allows = _first_in(sources, "Allow", request, context)
    capped = boundary is not None and _first(boundary, "Allow", request, context) is None

    owner = _resource_account(request.resource)
    if owner and caller.account and ACCOUNT_ID.fullmatch(caller.account) and owner != caller.account:
        if grant is None:
            return Decision(
                False,
                f"the resource is in account {owner}, not the caller's {caller.account}, and no resource policy "
                "statement allows the caller",
            )
        if not allows or capped:
            return Decision(
                False,
                f"resource policy statement {grant} allows, but a request to another account "
                "needs the caller's own policies to allow it too",
            )
        return Decision(True, f"allowed by {allows} and, in account {owner}, by resource policy statement {grant}")

    if kind == "direct":
        return Decision(True, f"allowed by resource policy statement {grant}, which grants the principal itself")
    if kind == "role" and not capped:
        return Decision(True, f"allowed by resource policy statement {grant}, which names the role")
    if resource_policy_required and grant is None:
        return Decision(False, "the resource policy must allow the principal, and none of its statements does")
    if allows and not capped:
        delegated = f", delegated to the account by resource policy statement {grant}" if kind == "account" else ""
        return Decision(True, f"allowed by {allows}{delegated}")
    if capped and (allows or kind == "role"):
        which = allows or f"resource policy statement {grant} (naming the role)"
        return Decision(False, f"{which} allows, but the permissions boundary does not")
    if kind == "account":
        return Decision(
            False, f"resource policy statement {grant} delegates to the account, but no identity statement allows"
        )
    return Decision(False, "no statement allows")


def role_policies(stack: Stack, role_path: str) -> list[dict[str, Any]]:
    """The identity policy documents of a role the stack declares: its aws_iam_role_policy
    resources, inline_policy blocks, and attachments of aws_iam_policy resources of the stack.

    Policies outside the stack (AWS managed ones) are not documents here: see `managed_policy_arns`.
    """
    role = stack.resource("aws_iam_role", role_path)
    refers = _refers_to(stack.address("aws_iam_role", role_path), role.get("name"))
    documents = [_load(b["policy"]) for b in role.get("inline_policy", []) if b.get("policy")]
    documents += [_load(b["policy"]) for b in stack.resources("aws_iam_role_policy").values() if refers(b["role"])]
    policies = {"${aws_iam_policy." + name + ".arn}": body for name, body in stack.resources("aws_iam_policy").items()}
    for arn in _attached_arns(stack, refers):
        if arn in policies:
            documents.append(_load(policies[arn]["policy"]))
    return documents


def managed_policy_arns(stack: Stack, role_path: str) -> list[str]:
    """The ARNs of policies attached to the role that the stack does not declare (AWS managed)."""
    role = stack.resource("aws_iam_role", role_path)
    refers = _refers_to(stack.address("aws_iam_role", role_path), role.get("name"))
    arns = list(role.get("managed_policy_arns", [])) + _attached_arns(stack, refers)
    return [arn for arn in arns if not arn.startswith("${aws_iam_policy.")]


def boundary_policy(stacks: Iterable[Stack], stack: Stack, role_path: str) -> dict[str, Any] | None:
    """The permissions boundary document of a role, found among the aws_iam_policy resources of
    `stacks` (the bootstrap stack creates the environments' boundaries) by its `policy/<path><name>`.

    None when the role has no boundary; KeyError when it has one that no stack declares.
    """
    arn = stack.resource("aws_iam_role", role_path).get("permissions_boundary")
    if not arn:
        return None
    for other in stacks:
        for body in other.resources("aws_iam_policy").values():
            if arn.endswith(f":policy{body.get('path', '/')}{body.get('name')}"):
                return _load(body["policy"])
    raise KeyError(f"no stack declares the permissions boundary {arn}")


# Statements


def _load(policy: str | Document) -> dict[str, Any]:
    return json.loads(policy) if isinstance(policy, str) else dict(policy)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _statements(document: Document) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for i, statement in enumerate(_as_list(document.get("Statement", []))):
        yield (repr(statement["Sid"]) if statement.get("Sid") else f"#{i + 1}"), statement


def _variables(document: Document) -> bool:
    """Policy variables exist from policy language version 2012-10-17; before, `${...}` is literal."""
    return document.get("Version") == "2012-10-17"


def _first_in(sources: list[tuple[str, Document]], effect: str, request: Request, context: "_Context") -> str | None:
    """ "<source> statement <label>" of the first statement with `effect` that matches, in order."""
    for source, document in sources:
        if label := _first(document, effect, request, context):
            return f"{source} statement {label}"
    return None


def _first(document: Document, effect: str, request: Request, context: "_Context") -> str | None:
    """The label of the first statement of `document` with `effect` that matches the request,
    its principal aside (identity policies and boundaries have none)."""
    variables = _variables(document)
    return next(
        (
            label
            for label, statement in _statements(document)
            if statement["Effect"] == effect and _matches(statement, request, context, variables)
        ),
        None,
    )


def _matches(statement: Mapping[str, Any], request: Request, context: "_Context", variables: bool) -> bool:
    """Action, resource and condition of a statement match the request."""
    if "Action" in statement:
        if not any(_glob(a, request.action, True, None) for a in _as_list(statement["Action"])):
            return False
    elif any(_glob(a, request.action, True, None) for a in _as_list(statement.get("NotAction", []))):
        return False
    values = context if variables else None
    if "Resource" in statement:
        if not any(_glob(r, request.resource, False, values) for r in _as_list(statement["Resource"])):
            return False
    # No Resource at all: a role trust policy, whose resource is the role it belongs to.
    elif any(_glob(r, request.resource, False, values) for r in _as_list(statement.get("NotResource", []))):
        return False
    return _conditions_hold(statement.get("Condition", {}), context, variables)


# Principals


@dataclass(frozen=True)
class _Caller:
    kind: str  # service, federated, user, role, session, account, none
    name: str  # the service, provider or ARN as given
    account: str | None = None
    role_name: str | None = None  # for a role session: the role it is a session of


ACCOUNT_ID = re.compile(r"\d{12}")


def _resource_account(resource: str) -> str | None:
    """The account of an ARN naming a resource, when it names one (S3 bucket ARNs do not)."""
    parts = resource.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[0] == "arn" and ACCOUNT_ID.fullmatch(parts[4]) else None


ARN_PRINCIPAL = re.compile(r"arn:[^:]+:(?P<service>iam|sts)::(?P<account>[^:]+):(?P<resource>.+)")
ACCOUNT_ROOT = re.compile(r"(?:arn:[^:]+:iam::(?P<account>[^:]+):root|(?P<id>\d{12}))")


def _caller(request: Request) -> _Caller:
    principal = dict(request.principal)
    for kind, key in (("service", "Service"), ("federated", "Federated")):
        if key in principal:
            return _Caller(kind, principal[key])
    arn = principal.get("AWS")
    if arn is None:
        return _Caller("none", "")
    account = next((str(v) for k, v in request.context.items() if k.lower() == "aws:principalaccount"), None)
    if root := ACCOUNT_ROOT.fullmatch(arn):
        return _Caller("account", arn, root["account"] or root["id"])
    if parsed := ARN_PRINCIPAL.fullmatch(arn):
        account, resource = parsed["account"], parsed["resource"]
        if parsed["service"] == "sts" and resource.startswith("assumed-role/"):
            return _Caller("session", arn, account, resource.split("/")[1])
        return _Caller("user" if resource.startswith("user/") else "role", arn, account)
    return _Caller("user" if arn.startswith("${aws_iam_user.") else "role", arn, account)


def _principal_match(entries: Any, caller: _Caller) -> str | None:
    """How a Principal element names the caller: "direct" (the caller itself, or everyone),
    "role" (the ARN of the caller's role), "account" (the caller's account), or None."""
    if entries == "*":
        return "direct"
    found: set[str] = set()
    for key, values in dict(entries).items():
        for entry in _as_list(values):
            found.add(_entry_match(key, entry, caller) or "")
    return next((kind for kind in ("direct", "role", "account") if kind in found), None)


def _entry_match(key: str, entry: str, caller: _Caller) -> str | None:
    if key == "AWS" and entry == "*":
        return "direct"
    if key == "Service":
        return "direct" if caller.kind == "service" and entry.lower() == caller.name.lower() else None
    if key == "Federated":
        return "direct" if caller.kind == "federated" and entry == caller.name else None
    if key != "AWS" or caller.kind in ("service", "federated", "none"):
        return None
    if entry == caller.name:
        return "role" if caller.kind == "role" else "direct"
    if root := ACCOUNT_ROOT.fullmatch(entry):
        if caller.account is None or (root["account"] or root["id"]) != caller.account:
            return None
        return "direct" if caller.kind == "account" else "account"
    parsed = ARN_PRINCIPAL.fullmatch(entry)
    if caller.kind != "session" or not parsed or (parsed["service"], parsed["account"]) != ("iam", caller.account):
        return None
    resource = parsed["resource"]
    return "role" if resource.startswith("role/") and resource.rsplit("/", 1)[-1] == caller.role_name else None


def _resource_deny(
    document: Document, request: Request, caller: _Caller, context: "_Context", boundary: Document | None
) -> str | None:
    """The label of a Deny statement of a resource policy that concerns the caller and matches."""
    for label, statement in _statements(document):
        if statement["Effect"] != "Deny":
            continue
        if "Principal" in statement:
            concerned = _principal_match(statement["Principal"], caller) is not None
        else:
            # The boundaries page: a Deny with NotPrincipal always denies a principal with a boundary.
            excluded = _principal_match(statement.get("NotPrincipal", {}), caller) is not None
            concerned = boundary is not None or not excluded
        if concerned and _matches(statement, request, context, _variables(document)):
            return label
    return None


RANK = {"direct": 3, "role": 2, "account": 1, None: 0}


def _resource_grant(
    document: Document | None, request: Request, caller: _Caller, context: "_Context"
) -> tuple[str | None, str | None]:
    """The strongest Allow of a resource policy for the caller: its label and how it names the caller."""
    best: tuple[str | None, str | None] = (None, None)
    for label, statement in _statements(document or {}):
        if statement["Effect"] != "Allow" or not _matches(statement, request, context, _variables(document or {})):
            continue
        if "Principal" in statement:
            kind = _principal_match(statement["Principal"], caller)
        else:
            kind = None if _principal_match(statement.get("NotPrincipal", {}), caller) else "direct"
        if RANK[kind] > RANK[best[1]]:
            best = (label, kind)
    return best


# Wildcards and policy variables


class _Context:
    """The request's condition keys, looked up without regard to case, each as a list of strings."""

    def __init__(self, values: Mapping[str, ContextValue]):
        self._values = {key.lower(): _strings(value) for key, value in values.items()}

    def get(self, key: str) -> list[str] | None:
        return self._values.get(key.lower())

    def single(self, key: str) -> str | None:
        """The value of a single-valued key (a policy variable cannot use a multivalued one)."""
        values = self.get(key)
        return values[0] if values is not None and len(values) == 1 else None


def _strings(value: ContextValue) -> list[str]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, str | int | float):
        return [str(value)]
    return [item for v in value for item in _strings(v)]


def _context(request: Request, caller: _Caller) -> _Context:
    derived: dict[str, ContextValue] = {}
    # A session's aws:PrincipalArn is its role's ARN, whose path the session ARN does not carry.
    if caller.kind in ("user", "role", "account"):
        derived["aws:PrincipalArn"] = caller.name
        if caller.account is not None:
            derived["aws:PrincipalAccount"] = caller.account
    given = {key.lower() for key in request.context}
    return _Context({**{k: v for k, v in derived.items() if k.lower() not in given}, **request.context})


PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
VARIABLE = re.compile(r"\s*(?P<key>[A-Za-z0-9-]+:[^,\s]+)\s*(?:,\s*'(?P<default>(?:[^']|'')*)'\s*)?")


def _substitute(text: str, context: _Context | None) -> list[tuple[str, bool]] | None:
    """`text` cut into (piece, is_literal) parts: policy variables replaced from the context (None
    when one has no value), `${*}`-style escapes and Terraform expressions kept as literal text."""
    parts: list[tuple[str, bool]] = []
    position = 0
    for found in PLACEHOLDER.finditer(text):
        parts.append((text[position : found.start()], False))
        inner = found[1]
        variable = VARIABLE.fullmatch(inner) if context is not None else None
        if context is not None and inner in ("*", "?", "$"):
            parts.append((inner, True))
        elif variable:
            value = context.single(variable["key"]) if context is not None else None
            if value is None and variable["default"] is not None:
                value = variable["default"].replace("''", "'")
            if value is None:
                return None
            parts.append((value, True))
        else:
            parts.append((found[0], True))
        position = found.end()
    parts.append((text[position:], False))
    return parts


def _glob(pattern: str, value: str, ignore_case: bool, context: _Context | None) -> bool:
    """`*` and `?` wildcard matching of a whole string, with policy variables from `context`."""
    parts = _substitute(pattern, context)
    if parts is None:
        return False
    regex = "".join(
        re.escape(piece) if literal else "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in piece)
        for piece, literal in parts
    )
    return re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def _literal(pattern: str, context: _Context | None) -> str | None:
    parts = _substitute(pattern, context)
    return None if parts is None else "".join(piece for piece, _ in parts)


def _arn_like(pattern: str, value: str, context: _Context | None) -> bool:
    """ArnLike: each of the six colon-separated parts matched on its own."""
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    if len(pattern_parts) < 6 or len(value_parts) < 6:
        return _glob(pattern, value, False, context)
    return all(_glob(p, v, False, context) for p, v in zip(pattern_parts, value_parts, strict=True))


# Conditions


def _string_equals(pattern: str, value: str, context: _Context | None) -> bool:
    return _literal(pattern, context) == value


def _string_equals_ignore_case(pattern: str, value: str, context: _Context | None) -> bool:
    expected = _literal(pattern, context)
    return expected is not None and expected.casefold() == value.casefold()


def _string_like(pattern: str, value: str, context: _Context | None) -> bool:
    return _glob(pattern, value, False, context)


def _bool(pattern: str, value: str, context: _Context | None) -> bool:
    return str(pattern).lower() == value.lower()


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, str, _Context | None], bool]:
    def test(pattern: str, value: str, context: _Context | None) -> bool:
        try:
            return compare(float(value), float(pattern))
        except ValueError:
            return False

    return test


# Each operator: its test of one request value against one policy value, and whether it negates.
OPERATORS: dict[str, tuple[Callable[[str, str, _Context | None], bool], bool]] = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ignore_case, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (_bool, False),
    "NumericEquals": (_numeric(operator.eq), False),
    "NumericNotEquals": (_numeric(operator.eq), True),
    "NumericLessThan": (_numeric(operator.lt), False),
    "NumericLessThanEquals": (_numeric(operator.le), False),
    "NumericGreaterThan": (_numeric(operator.gt), False),
    "NumericGreaterThanEquals": (_numeric(operator.ge), False),
}
# Operators whose values may hold policy variables.
WITH_VARIABLES = {name for name in OPERATORS if name.startswith(("String", "Arn"))}


def _conditions_hold(condition: Mapping[str, Mapping[str, Any]], context: _Context, variables: bool) -> bool:
    """Every operator, and every key under it, holds."""
    return all(
        _condition_holds(name, key, _strings(_as_list(values)), context, variables)
        for name, block in condition.items()
        for key, values in block.items()
    )


def _condition_holds(name: str, key: str, policy_values: list[str], context: _Context, variables: bool) -> bool:
    qualifier, _, base = name.rpartition(":")
    if qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise ValueError(f"unknown set qualifier in condition operator {name}")
    request_values = context.get(key)
    if base == "Null":
        return any((value.lower() == "true") == (not request_values) for value in policy_values)
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base not in OPERATORS:
        raise ValueError(f"condition operator {name} is not supported")
    test, negated = OPERATORS[base]
    if not request_values:
        if if_exists or qualifier == "ForAllValues":
            return True
        return negated and qualifier == ""
    substitute = context if variables and base in WITH_VARIABLES else None

    def holds(value: str) -> bool:
        matched = any(test(p, value, substitute) for p in policy_values)
        return not matched if negated else matched

    if qualifier == "ForAllValues":
        return all(holds(value) for value in request_values)
    return any(holds(value) for value in request_values)


# Stack lookups


def _refers_to(address: str, name: str | None) -> Callable[[str], bool]:
    """Whether a role argument (`${aws_iam_role.x.id}`, `.name`, the literal name) is this role."""
    references = {"${" + address + ".id}", "${" + address + ".name}", "${" + address + ".arn}"}
    return lambda value: value in references or (name is not None and value == name)


def _attached_arns(stack: Stack, refers: Callable[[str], bool]) -> list[str]:
    arns = [b["policy_arn"] for b in stack.resources("aws_iam_role_policy_attachment").values() if refers(b["role"])]
    arns += [
        b["policy_arn"]
        for b in stack.resources("aws_iam_policy_attachment").values()
        if any(refers(r) for r in b.get("roles", []))
    ]
    return arns
