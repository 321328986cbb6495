"""Environment files: loading and validation into the typed settings handed to constructs.

This is the only module that reads files or environment variables. It validates each file
against the schema generated from the settings (f1_infra.settings), builds the settings, then
runs the AWS rules (f1_infra.rules). It either returns valid settings for every environment
file or raises ConfigError with every problem of every file. Warnings (`warnings`) are asked for
separately, on valid settings, and never stop anything.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pydantic
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from f1_infra.problems import ConfigError, Problem, pointer
from f1_infra.rules import accounts, check, warn
from f1_infra.settings import environment
from f1_infra.settings import schema as settings_schema
from f1_infra.settings.environment import EnvironmentConfig

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
DEFAULT_ENVS_DIR = PROJECT_ROOT / "envs"
SCHEMA_FILE = "schema.json"

# Environment names become Terraform stack names and parts of AWS resource names, whose
# length limits (32 characters for load balancers, 40 for ElastiCache) leave little room.
ENVIRONMENT_NAME_MAX = 12
RESERVED_ENVIRONMENT_NAMES = frozenset({"bootstrap"})
TOO_DEEP = "the JSON is nested too deeply to be an environment file"


# --------------------------------------------------------------------------- loading


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(environment_schema())


@functools.cache
def environment_schema() -> dict[str, Any]:
    """The JSON Schema of an environment file, as generated from the settings."""
    return settings_schema.environment_schema(
        EnvironmentConfig, title=environment.TITLE, description=environment.DESCRIPTION
    )


def _describe(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    return "null"


def _schema_problems(error: ValidationError) -> Iterator[tuple[str, str]]:
    """Translate one schema error into located, actionable messages."""
    where = pointer(*error.absolute_path)
    kind, expected, value, schema = error.validator, error.validator_value, error.instance, error.schema
    if "propertyNames" in error.schema_path:
        # The key itself is the instance here; point at it rather than at its object.
        yield where + pointer(value), f"key {value!r} is not allowed: {schema.get('description', error.message)}"
    elif kind == "additionalProperties" and isinstance(value, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in sorted(set(value) - set(allowed)):
            hint = f"allowed keys here: {', '.join(allowed)}" if allowed else "no extra keys are allowed here"
            moved = environment.MOVED_SETTINGS.get(where + pointer(key))
            yield where + pointer(key), f"unknown key {key!r}: {moved}" if moved else f"unknown key {key!r}; {hint}"
    elif kind == "required":
        for key in expected:
            if isinstance(value, dict) and key not in value:
                help_text = schema.get("properties", {}).get(key, {}).get("description", "")
                yield where + pointer(key), f"required setting is missing. {help_text}".strip()
    elif kind == "type":
        shown = "null" if value is None else f"{_json_type(value)} {_describe(value)}"
        yield where, f"is {shown}; expected {expected}"
    elif kind == "const":
        yield where, f"is {_describe(value)}; the only allowed value is {_describe(expected)}"
    elif kind == "enum":
        yield where, f"is {_describe(value)}; allowed values: {', '.join(_describe(v) for v in expected)}"
    elif kind == "pattern":
        help_text = schema.get("description", "")
        yield where, f"{_describe(value)} is not in the expected form ({expected}). {help_text}".strip()
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }
        yield where, f"is {_describe(value)}; must be {words[kind]} {expected}"
    elif kind in ("minItems", "maxItems"):
        bound = "at least" if kind == "minItems" else "at most"
        yield where, f"has {len(value)} items; must have {bound} {expected}"
    elif kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        yield where, f"{_describe(value)} has {len(value)} characters; must have {bound} {expected}"
    elif kind == "uniqueItems":
        yield where, "lists the same item twice; items must be unique"
    else:
        yield where, error.message


def _unique_keys(repeated: list[str]) -> typing.Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                repeated.append(key)
            result[key] = value
        return result

    return hook


_BLANK = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null|NaN|-?Infinity")


def _repeated_keys(text: str) -> list[tuple[str, str, int]]:
    """(pointer of the object, key, line of the repetition) for each key an object repeats.

    The standard parser reports no positions; this walk runs only on a file it has already
    parsed and found a repeated key in, so it can take the syntax as valid.
    """
    found: list[tuple[str, str, int]] = []

    def skip(i: int) -> int:
        end = _BLANK.match(text, i)
        assert end is not None
        return end.end()

    def value(i: int, path: tuple[str | int, ...]) -> int:
        i = skip(i)
        if text[i] == "{":
            seen: set[str] = set()
            i = skip(i + 1)
            while text[i] != "}":
                key, i = json.decoder.scanstring(text, skip(i) + 1)
                if key in seen:
                    found.append((pointer(*path), key, text.count("\n", 0, i) + 1))
                seen.add(key)
                i = skip(value(skip(i) + 1, (*path, key)))  # past the colon, then the value
                i = skip(i + 1) if text[i] == "," else i
            return i + 1
        if text[i] == "[":
            i, index = skip(i + 1), 0
            while text[i] != "]":
                i = skip(value(i, (*path, index)))
                i, index = (skip(i + 1) if text[i] == "," else i), index + 1
            return i + 1
        if text[i] == '"':
            return json.decoder.scanstring(text, i + 1)[1]
        scalar = _SCALAR.match(text, i)
        assert scalar is not None
        return scalar.end()

    value(0, ())
    return found


def _finite(not_finite: list[str]) -> typing.Callable[[str], float | None]:
    """A JSON number reader that turns what JSON cannot hold (NaN, Infinity, 1e400) into null,
    so the schema points at where it stands, and remembers it for the message."""

    def parse(text: str) -> float | None:
        number = float(text)
        if math.isfinite(number):
            return number
        not_finite.append(text)
        return None

    return parse


def _environment_name_problems(name: str) -> Iterator[str]:
    if not name or not name[0].isalpha() or not all(c.islower() or c.isdigit() for c in name):
        yield f"environment name {name!r} (the file name) must be lowercase letters and digits, starting with a letter"
    if len(name) > ENVIRONMENT_NAME_MAX:
        yield f"environment name {name!r} (the file name) has {len(name)} characters; at most {ENVIRONMENT_NAME_MAX}"
    if name in RESERVED_ENVIRONMENT_NAMES:
        yield f"environment name {name!r} (the file name) is reserved for the bootstrap stack"


def load_environment(path: Path) -> EnvironmentConfig:
    """Load and validate one environment file; raise ConfigError with all of its problems."""
    label = str(path)
    name = path.stem
    problems = [Problem(label, "", msg) for msg in _environment_name_problems(name)]
    repeated: list[str] = []
    not_finite: list[str] = []
    try:
        # utf-8-sig: editors on Windows may start the file with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(
            text,
            object_pairs_hook=_unique_keys(repeated),
            parse_float=_finite(not_finite),
            parse_constant=_finite(not_finite),
        )
    except OSError as exc:
        raise ConfigError([*problems, Problem(label, "", f"cannot read the file: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise ConfigError([*problems, Problem(label, "", "the file is not UTF-8 text")]) from None
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise ConfigError([*problems, Problem(label, "", message)]) from None
    except RecursionError:
        raise ConfigError([*problems, Problem(label, "", TOO_DEEP)]) from None
    if repeated:
        problems += [
            Problem(
                label,
                where,
                f"key {key!r} appears twice in one object (again at line {line}); JSON would "
                "silently keep only the last",
            )
            for where, key, line in _repeated_keys(text)
        ]
    problems += [
        Problem(label, "", f"{text} is not a finite number; JSON numbers here must be finite")
        for text in dict.fromkeys(not_finite)
    ]

    validator = _validator()
    try:
        errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    except RecursionError:
        raise ConfigError([*problems, Problem(label, "", TOO_DEEP)]) from None
    for error in errors:
        # jsonschema reports one error per missing key, each listing them all: keep each once.
        problems.extend(p for p in (Problem(label, w, m) for w, m in _schema_problems(error)) if p not in problems)
    if problems:
        raise ConfigError(problems)

    data.pop("$schema", None)
    try:
        config = EnvironmentConfig.model_validate({**data, "name": name, "source": label})
    except pydantic.ValidationError as exc:
        # The schema is generated from these models, so this is a disagreement between the two
        # validators; it is still reported as a problem of the file, never as a traceback.
        raise ConfigError(Problem(label, pointer(*e["loc"]), e["msg"]) for e in exc.errors()) from None
    problems.extend(Problem(label, where, msg) for where, msg in check(config))
    if problems:
        raise ConfigError(problems)
    return config


def environment_files(envs_dir: Path) -> list[Path]:
    return sorted(p for p in envs_dir.glob("*.json") if p.name != SCHEMA_FILE)


def load_environments(envs_dir: Path) -> list[EnvironmentConfig]:
    """Every environment file of a folder, or ConfigError with the problems of all of them."""
    files = environment_files(envs_dir)
    if not files:
        raise ConfigError([Problem(str(envs_dir), "", "no environment files (*.json besides schema.json) found")])
    return load_files(files)


def load_files(files: Iterable[Path]) -> list[EnvironmentConfig]:
    configs: list[EnvironmentConfig] = []
    problems: list[Problem] = []
    for path in files:
        try:
            configs.append(load_environment(path))
        except ConfigError as exc:
            problems.extend(exc.problems)
    problems.extend(_shared_state_problems(configs))
    problems.extend(accounts.check_together(configs))
    problems.extend(accounts.check_names_together(configs))
    problems.extend(_shared_tag_activation_problems(configs))
    problems.extend(_shared_detector_problems(configs))
    if problems:
        raise ConfigError(problems)
    return configs


def _state_locations(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    """Where the environment's states live (its own stack's and its cluster services stack's), for
    backends that several files could name alike. A local state is named after its stack, and stack
    names are unique."""
    for backend in (config.backend, config.backend.for_services()):
        if backend.type == "cloud":
            yield "workspace", f"{backend.hostname}/{backend.organization}/{backend.workspace}"
        elif backend.type == "s3":
            yield "key", f"s3://{backend.bucket}/{backend.key}"


def _shared_state_problems(configs: Iterable[EnvironmentConfig]) -> Iterator[Problem]:
    """Two environments writing one state would destroy each other's resources on every apply. The
    cluster services stacks count too: `qa` in workspace x-services and `uat` in workspace x would
    share x-services. Each file that shares a state is named, since any of them may be the one to
    change."""
    sharing: dict[tuple[str, str], list[EnvironmentConfig]] = {}
    for config in configs:
        for location in _state_locations(config):
            sharing.setdefault(location, []).append(config)
    reported: set[tuple[str, str]] = set()
    for (field, where), owners in sharing.items():
        for config in owners if len(owners) > 1 else ():
            # Once per file and setting: two files naming one workspace share both of their states.
            if (config.source, field) in reported:
                continue
            reported.add((config.source, field))
            others = ", ".join(o.source for o in owners if o is not config)
            yield Problem(
                config.source,
                pointer("backend", field),
                f"{where} is also the state of {others}; every environment needs its own state",
            )


def _shared_tag_activation_problems(configs: Iterable[EnvironmentConfig]) -> Iterator[Problem]:
    """A cost allocation tag has one status per organization: two stacks activating it would each
    deactivate it for the other when destroyed, and their plans would never settle."""
    owners = [c for c in configs if c.monitoring.cost.activate_environment_tag]
    for config in owners if len(owners) > 1 else ():
        others = ", ".join(o.source for o in owners if o is not config)
        yield Problem(
            config.source,
            pointer("monitoring", "cost", "activate_environment_tag"),
            f"{others} activates the Environment cost allocation tag too; its status is one per organization: "
            "activate it in one environment file",
        )


def _shared_detector_problems(configs: Iterable[EnvironmentConfig]) -> Iterator[Problem]:
    """An account has at most one GuardDuty detector per region, and a second CreateDetector fails at
    apply. Two files that create a detector in one region clash when they name the same account, or
    when either names none (it could be anywhere): each of them is named."""
    creating: dict[str, list[EnvironmentConfig]] = {}
    for config in configs:
        if config.security.guardduty.detector == "create":
            creating.setdefault(config.region, []).append(config)
    for region, owners in creating.items():
        for config in owners:
            clashing = [o for o in owners if o is not config and accounts.may_share_an_account(o, config)]
            if not clashing:
                continue
            others = ", ".join(o.source for o in clashing)
            yield Problem(
                config.source,
                pointer("security", "guardduty", "detector"),
                f"is create, as in {others} for {region}; an account has one GuardDuty detector per region, and "
                "the files name the same account or leave it open: set adopt in all but one of them",
            )


def report(error: ConfigError, stream: typing.TextIO) -> None:
    """Print each problem on its own line, then a one-line summary."""
    for problem in error.problems:
        print(problem, file=stream)
    print(f"{len(error.problems)} problem(s) found; nothing was synthesized.", file=stream)


def warnings(configs: Iterable[EnvironmentConfig]) -> list[Problem]:
    """What valid environment files should still change, e.g. a Kubernetes version in extended support."""
    return [Problem(c.source, where, message) for c in configs for where, message in warn(c)]


def report_warnings(found: Iterable[Problem], stream: typing.TextIO) -> None:
    for problem in found:
        print(f"warning: {problem}", file=stream)


def environments_dir() -> Path:
    """The folder of environment files: $ENVS_DIR, or envs/ of this project."""
    return Path(os.environ.get("ENVS_DIR") or DEFAULT_ENVS_DIR)
