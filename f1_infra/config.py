"""Environment files: loading, validation, and the typed configuration handed to constructs.

This is the only module that reads files or environment variables. Everything it returns is
immutable, and it either returns a valid configuration for every environment file or raises
ConfigError with every problem of every file.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
DEFAULT_ENVS_DIR = PROJECT_ROOT / "envs"
SCHEMA_FILE = "schema.json"

# Environment names become Terraform stack names and parts of AWS resource names, whose
# length limits (32 characters for load balancers, 40 for ElastiCache) leave little room.
ENVIRONMENT_NAME_MAX = 12
RESERVED_ENVIRONMENT_NAMES = frozenset({"bootstrap"})
TOO_DEEP = "the JSON is nested too deeply to be an environment file"


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one environment file, located by a JSON pointer."""

    file: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.pointer or '/'}: {self.message}"


class ConfigError(Exception):
    """Raised with every problem found in every environment file."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def pointer(*parts: str | int) -> str:
    """The JSON pointer (RFC 6901) of a location given as keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


# --------------------------------------------------------------------------- typed configuration


@dataclass(frozen=True)
class KmsConfig:
    deletion_window_days: int


@dataclass(frozen=True)
class AlertsConfig:
    emails: tuple[str, ...]


@dataclass(frozen=True)
class SubnetLayout:
    """Subnet CIDRs per tier, index i in availability zone i."""

    public: tuple[str, ...]
    private: tuple[str, ...]
    database: tuple[str, ...]

    def tiers(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        yield "public", self.public
        yield "private", self.private
        yield "database", self.database


@dataclass(frozen=True)
class FlowLogsConfig:
    retention_days: int
    traffic_type: str


@dataclass(frozen=True)
class NetworkConfig:
    vpc_cidr: str
    availability_zones: tuple[str, ...]
    subnets: SubnetLayout | None
    nat_gateways: str
    flow_logs: FlowLogsConfig

    @property
    def subnet_layout(self) -> SubnetLayout:
        """The subnets from the file, or computed from the VPC CIDR when the file has none."""
        return self.subnets or compute_subnet_layout(self.vpc_cidr, len(self.availability_zones))


# Bucket names end with the hex form of a random_id of this many bytes: unique in S3's global
# namespace, and fixed in the Terraform state after the first apply.
BUCKET_SUFFIX_BYTES = 4
BUCKET_SUFFIX_LENGTH = 2 * BUCKET_SUFFIX_BYTES
BUCKET_KEYS = ("models", "backups", "logs")


@dataclass(frozen=True)
class LifecycleTransition:
    storage_class: str
    days: int


@dataclass(frozen=True)
class BucketLifecycle:
    transitions: tuple[LifecycleTransition, ...]
    expiration_days: int | None
    noncurrent_transitions: tuple[LifecycleTransition, ...]
    noncurrent_expiration_days: int
    abort_incomplete_multipart_days: int


@dataclass(frozen=True)
class ObjectLockConfig:
    retention_days: int


@dataclass(frozen=True)
class BucketConfig:
    name: str
    lifecycle: BucketLifecycle
    object_lock: ObjectLockConfig | None


@dataclass(frozen=True)
class StorageBuckets:
    models: BucketConfig
    backups: BucketConfig
    logs: BucketConfig

    def items(self) -> Iterator[tuple[str, BucketConfig]]:
        for key in BUCKET_KEYS:
            yield key, getattr(self, key)


@dataclass(frozen=True)
class ReplicationConfig:
    region: str
    buckets: tuple[str, ...]
    replicate_delete_markers: bool


@dataclass(frozen=True)
class BucketGrant:
    access: str
    prefix: str | None


@dataclass(frozen=True)
class ServiceAccountConfig:
    namespace: str
    buckets: Mapping[str, BucketGrant]


@dataclass(frozen=True)
class StorageConfig:
    force_destroy: bool
    alb_log_prefix: str
    buckets: StorageBuckets
    replication: ReplicationConfig | None
    service_accounts: Mapping[str, ServiceAccountConfig]


def bucket_name(name_prefix: str, name: str, suffix: str, *, replica: bool = False) -> str:
    """<project>-<environment>-<name>[-dr]-<suffix>: the one place bucket names are made."""
    return f"{name_prefix}-{name}{'-dr' if replica else ''}-{suffix}"


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str


@dataclass(frozen=True)
class NodeGroupConfig:
    instance_types: tuple[str, ...]
    capacity_type: str
    min_size: int
    max_size: int
    desired_size: int
    disk_size_gb: int
    max_unavailable_percentage: int
    labels: Mapping[str, str]
    taints: tuple[Taint, ...]


@dataclass(frozen=True)
class AddonVersions:
    """Pinned add-on versions; None means the default version for the cluster's Kubernetes
    version at creation time (EKS does not upgrade it later on its own)."""

    vpc_cni: str | None
    kube_proxy: str | None
    coredns: str | None
    aws_ebs_csi_driver: str | None


@dataclass(frozen=True)
class ClusterConfig:
    kubernetes_version: str
    allow_extended_support: bool
    public_access_cidrs: tuple[str, ...]
    admin_principal_arns: tuple[str, ...]
    deletion_protection: bool
    log_types: tuple[str, ...]
    log_retention_days: int
    unschedulable_pods_alarm_minutes: int
    addon_versions: AddonVersions
    node_groups: Mapping[str, NodeGroupConfig]


@dataclass(frozen=True)
class DatabaseProxyConfig:
    enabled: bool
    iam_auth: str
    idle_client_timeout_seconds: int
    max_connections_percent: int


@dataclass(frozen=True)
class DatabaseAlarmsConfig:
    """Alarm thresholds; None means "derived from the instance size" (see DatabaseConfig)."""

    cpu_percent: int
    connections: int | None
    freeable_memory_mb: int | None
    free_storage_gb: int | None
    replica_lag_seconds: int


@dataclass(frozen=True)
class DatabaseConfig:
    instance_class: str
    engine_version: str
    username: str
    database_name: str
    allocated_storage_gb: int
    max_allocated_storage_gb: int
    multi_az: bool
    backup_retention_days: int
    backup_window: str
    maintenance_window: str
    deletion_protection: bool
    final_snapshot_identifier: str | None
    monitoring_interval_seconds: int
    performance_insights_retention_days: int
    log_retention_days: int
    slow_query_ms: int
    read_replicas: int
    replica_instance_class: str | None
    proxy: DatabaseProxyConfig
    alarms: DatabaseAlarmsConfig

    @property
    def parameter_group_family(self) -> str:
        return f"postgres{self.engine_version}"

    @property
    def memory_mib(self) -> int | None:
        """Memory of the instance class, or None for a class this project has no size for."""
        return instance_memory_mib(self.instance_class)

    @property
    def connections_threshold(self) -> int | None:
        """The file's threshold, else 80 % of PostgreSQL's default max_connections on RDS
        (LEAST(DBInstanceClassMemory / 9531392, 5000))."""
        if self.alarms.connections is not None:
            return self.alarms.connections
        if self.memory_mib is None:
            return None
        return int(min(self.memory_mib * 2**20 // 9531392, 5000) * 0.8)

    @property
    def freeable_memory_threshold_mb(self) -> int | None:
        """The file's threshold, else 10 % of the instance memory."""
        if self.alarms.freeable_memory_mb is not None:
            return self.alarms.freeable_memory_mb
        return None if self.memory_mib is None else self.memory_mib // 10

    @property
    def free_storage_threshold_gb(self) -> int:
        """The file's threshold, else 10 % of the allocated storage."""
        if self.alarms.free_storage_gb is not None:
            return self.alarms.free_storage_gb
        return max(1, self.allocated_storage_gb // 10)


@dataclass(frozen=True)
class CacheAlarmsConfig:
    engine_cpu_percent: int
    memory_percent: int
    evictions: int
    connections: int
    replication_lag_seconds: int


@dataclass(frozen=True)
class CacheConfig:
    engine: str
    engine_version: str
    node_type: str
    name: str
    cluster_mode: bool
    shards: int
    replicas_per_shard: int
    automatic_failover: bool
    multi_az: bool
    auth_token_length: int
    auth_secret_recovery_days: int
    snapshot_retention_days: int
    snapshot_window: str
    maintenance_window: str
    final_snapshot_identifier: str | None
    maxmemory_policy: str
    slowlog_threshold_us: int
    log_retention_days: int
    alarms: CacheAlarmsConfig

    @property
    def parameter_group_family(self) -> str:
        """redis7, valkey7 or valkey8: the engine followed by the major version."""
        return f"{self.engine}{self.engine_version.split('.', 1)[0]}"

    @property
    def member_cluster_ids(self) -> list[tuple[str, bool]]:
        """Suffixes AWS gives the nodes' cache clusters, each with whether it is a replica at
        creation: <group>-<shard:04>-<node:03> in cluster mode, <group>-<node:03> otherwise."""
        nodes = range(1, self.replicas_per_shard + 2)
        if not self.cluster_mode:
            return [(f"{n:03d}", n > 1) for n in nodes]
        return [(f"{s:04d}-{n:03d}", n > 1) for s in range(1, self.shards + 1) for n in nodes]


# Memory per instance size in GiB for the general-purpose (m) and memory-optimized (r) families,
# relative to "large"; burstable (t) classes are listed by size.
_SIZE_FACTORS = {"large": 1, "xlarge": 2}
_FAMILY_LARGE_GIB = {"m": 8, "r": 16}
_BURSTABLE_GIB = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
_CLASS = re.compile(r"^[a-z]+\.(?P<family>[a-z])[0-9]+[a-z]*\.(?P<size>[a-z0-9]+)$")


def instance_memory_mib(instance_class: str) -> int | None:
    """Memory of an instance class such as db.r5.large, or None when unknown."""
    match = _CLASS.match(instance_class)
    if match is None:
        return None
    family, size = match["family"], match["size"]
    if family == "t":
        gib = _BURSTABLE_GIB.get(size)
    elif family in _FAMILY_LARGE_GIB:
        multiple = size.removesuffix("xlarge")
        factor = _SIZE_FACTORS.get(size) or (
            int(multiple) * 2 if size.endswith("xlarge") and multiple.isdigit() else None
        )
        gib = None if factor is None else _FAMILY_LARGE_GIB[family] * factor
    else:
        gib = None
    return None if gib is None else gib * 1024


@dataclass(frozen=True)
class BackendConfig:
    """Where Terraform keeps the environment's state. Which fields are set depends on ``type``
    (the schema's if/then branches): local has none, cloud has organization, project,
    workspace, hostname and terraform_version, s3 has bucket, key, region and use_lockfile."""

    type: str
    organization: str | None = None
    project: str | None = None
    workspace: str | None = None
    hostname: str | None = None
    terraform_version: str | None = None
    bucket: str | None = None
    key: str | None = None
    region: str | None = None
    use_lockfile: bool | None = None

    @property
    def is_cloud(self) -> bool:
        return self.type == "cloud"


@dataclass(frozen=True)
class HealthCheckConfig:
    path: str
    port: str
    interval_seconds: int
    timeout_seconds: int
    healthy_threshold: int
    unhealthy_threshold: int
    matcher: str


@dataclass(frozen=True)
class TargetGroupConfig:
    name_prefix: str
    port: int
    deregistration_delay_seconds: int
    health_check: HealthCheckConfig


@dataclass(frozen=True)
class TargetGroups:
    api: TargetGroupConfig
    frontend: TargetGroupConfig

    def items(self) -> Iterator[tuple[str, TargetGroupConfig]]:
        yield "api", self.api
        yield "frontend", self.frontend


@dataclass(frozen=True)
class CertificateConfig:
    """An existing ACM certificate (arn), one to create (domain + hosted_zone_id), or neither:
    then the ARN is a Terraform variable."""

    arn: str | None
    domain: str | None
    hosted_zone_id: str | None


@dataclass(frozen=True)
class WafConfig:
    managed_rule_groups: tuple[str, ...]
    rate_limit_per_5_minutes: int
    log_retention_days: int


@dataclass(frozen=True)
class AlbConfig:
    name: str
    deletion_protection: bool
    idle_timeout_seconds: int
    ingress_cidrs: tuple[str, ...]
    certificate: CertificateConfig
    target_groups: TargetGroups
    waf: WafConfig


@dataclass(frozen=True)
class MonitoringAlarmsConfig:
    period_seconds: int
    evaluation_periods: int
    response_time_p95_seconds: float
    response_time_p99_seconds: float
    error_rate_percent: float
    unhealthy_hosts: int
    prediction_accuracy_min_percent: float
    training_duration_max_minutes: float
    ingestion_errors: int
    ingestion_period_seconds: int
    ingestion_stalled_periods: int


@dataclass(frozen=True)
class TrainingConfig:
    schedule: str
    enabled: bool
    visibility_timeout_seconds: int
    message_retention_seconds: int
    max_receive_count: int
    namespace: str
    service_account: str


@dataclass(frozen=True)
class BudgetConfig:
    monthly_limit_usd: float
    actual_threshold_percent: float
    forecast_threshold_percent: float
    filter_by_environment_tag: bool


@dataclass(frozen=True)
class MonitoringConfig:
    alb: AlbConfig
    log_retention_days: int
    custom_metrics_namespace: str
    alarms: MonitoringAlarmsConfig
    training: TrainingConfig
    budget: BudgetConfig


@dataclass(frozen=True)
class EnvironmentConfig:
    """One environment file, validated, with every default filled in."""

    name: str
    source: str
    project: str
    region: str
    production: bool
    tags: Mapping[str, str]
    backend: BackendConfig
    kms: KmsConfig
    alerts: AlertsConfig
    network: NetworkConfig
    cluster: ClusterConfig
    database: DatabaseConfig
    cache: CacheConfig
    storage: StorageConfig
    monitoring: MonitoringConfig

    @property
    def name_prefix(self) -> str:
        """Prefix of every resource name: <project>-<environment>."""
        return f"{self.project}-{self.name}"

    @property
    def cluster_name(self) -> str:
        """The EKS cluster name; subnets carry it in their Kubernetes discovery tag."""
        return f"{self.name_prefix}-eks"

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def default_tags(self) -> dict[str, str]:
        return {
            **self.tags,
            "Project": self.project,
            "Environment": self.name,
            "ManagedBy": "cdktf",
        }


# --------------------------------------------------------------------------- subnet computation

# Private subnets hold EKS nodes and, with the VPC CNI, every pod IP: each gets 1/8 of the VPC.
# Public and database subnets need few addresses: 1/256 each, carved from the fifth eighth.
PRIVATE_NEW_BITS = 3
SMALL_NEW_BITS = 8
PUBLIC_FIRST_INDEX = 128
DATABASE_FIRST_INDEX = 144
COMPUTED_LAYOUT_MAX_PREFIX = 20


def compute_subnet_layout(vpc_cidr: str, zones: int) -> SubnetLayout:
    vpc = ipaddress.ip_network(vpc_cidr)
    private = list(vpc.subnets(new_prefix=vpc.prefixlen + PRIVATE_NEW_BITS))
    small = list(vpc.subnets(new_prefix=vpc.prefixlen + SMALL_NEW_BITS))
    return SubnetLayout(
        public=tuple(str(small[PUBLIC_FIRST_INDEX + i]) for i in range(zones)),
        private=tuple(str(private[i]) for i in range(zones)),
        database=tuple(str(small[DATABASE_FIRST_INDEX + i]) for i in range(zones)),
    )


# --------------------------------------------------------------------------- loading


def _with_defaults(validator_class: type) -> type:
    """A validator that also writes each property's schema default into the instance."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in props.items():
                if "default" in subschema and name not in instance:
                    instance[name] = json.loads(json.dumps(subschema["default"]))
        yield from validate_properties(validator, props, instance, schema)

    return validators.extend(validator_class, {"properties": properties})


_DefaultingValidator = _with_defaults(Draft202012Validator)


def _load_schema(envs_dir: Path) -> dict[str, Any]:
    schema_path = envs_dir / SCHEMA_FILE
    if not schema_path.is_file():
        schema_path = DEFAULT_ENVS_DIR / SCHEMA_FILE
    return json.loads(schema_path.read_text(encoding="utf-8"))


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
            yield where + pointer(key), f"unknown key {key!r}; {hint}"
    elif kind == "required":
        for key in expected:
            if isinstance(value, dict) and key not in value:
                help_text = schema.get("properties", {}).get(key, {}).get("description", "")
                yield where + pointer(key), f"required setting is missing. {help_text}".strip()
    elif kind == "type":
        yield where, f"is {_json_type(value)} {_describe(value)}; expected {expected}"
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


def _build(cls: type, data: Mapping[str, Any]) -> Any:
    """Construct a frozen dataclass tree from schema-validated data (field names = JSON keys)."""
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: _convert(hints[f.name], data.get(f.name)) for f in dataclasses.fields(cls) if f.init})


def _convert(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        return _convert(next(a for a in args if a is not type(None)), value)
    if dataclasses.is_dataclass(tp):
        return _build(tp, value)
    if origin is tuple:
        return tuple(_convert(args[0], v) for v in value)
    if origin in (Mapping, dict):
        return types.MappingProxyType({k: _convert(args[1], v) for k, v in value.items()})
    if tp is int and isinstance(value, float):
        return int(value)  # JSON Schema counts 30.0 as an integer; code that counts needs an int
    return value


def _environment_name_problems(name: str) -> Iterator[str]:
    if not name or not name[0].isalpha() or not all(c.islower() or c.isdigit() for c in name):
        yield f"environment name {name!r} (the file name) must be lowercase letters and digits, starting with a letter"
    if len(name) > ENVIRONMENT_NAME_MAX:
        yield f"environment name {name!r} (the file name) has {len(name)} characters; at most {ENVIRONMENT_NAME_MAX}"
    if name in RESERVED_ENVIRONMENT_NAMES:
        yield f"environment name {name!r} (the file name) is reserved for the bootstrap stack"


def load_environment(path: Path, schema: Mapping[str, Any] | None = None) -> EnvironmentConfig:
    """Load and validate one environment file; raise ConfigError with all of its problems."""
    from f1_infra.rules import check  # the rules import the dataclasses above

    label = str(path)
    name = path.stem
    problems = [Problem(label, "", msg) for msg in _environment_name_problems(name)]
    repeated: list[str] = []
    try:
        # utf-8-sig: editors on Windows may start the file with a byte-order mark.
        data = json.loads(path.read_text(encoding="utf-8-sig"), object_pairs_hook=_unique_keys(repeated))
    except OSError as exc:
        raise ConfigError([*problems, Problem(label, "", f"cannot read the file: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise ConfigError([*problems, Problem(label, "", "the file is not UTF-8 text")]) from None
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise ConfigError([*problems, Problem(label, "", message)]) from None
    except RecursionError:
        raise ConfigError([*problems, Problem(label, "", TOO_DEEP)]) from None
    problems += [
        Problem(label, "", f"key {key!r} appears twice in one object; JSON would silently keep only the last")
        for key in repeated
    ]

    validator = _DefaultingValidator(schema if schema is not None else _load_schema(path.parent))
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
    config = _build(EnvironmentConfig, {**data, "name": name, "source": label})
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
    schemas: dict[Path, dict[str, Any]] = {}
    for path in files:
        folder = path.parent
        if folder not in schemas:
            schemas[folder] = _load_schema(folder)
        try:
            configs.append(load_environment(path, schemas[folder]))
        except ConfigError as exc:
            problems.extend(exc.problems)
    problems.extend(_shared_state_problems(configs))
    if problems:
        raise ConfigError(problems)
    return configs


def _state_location(config: EnvironmentConfig) -> tuple[str, str] | None:
    """Where the environment's state lives, for backends that several files could name alike."""
    backend = config.backend
    if backend.type == "cloud":
        return "workspace", f"{backend.hostname}/{backend.organization}/{backend.workspace}"
    if backend.type == "s3":
        return "key", f"s3://{backend.bucket}/{backend.key}"
    return None


def _shared_state_problems(configs: Iterable[EnvironmentConfig]) -> Iterator[Problem]:
    """Two environments writing one state would destroy each other's resources on every apply."""
    owners: dict[str, str] = {}
    for config in configs:
        location = _state_location(config)
        if location is None:
            continue
        field, where = location
        if where in owners:
            yield Problem(
                config.source,
                pointer("backend", field),
                f"{where} already holds the state of {owners[where]}; every environment needs its own state",
            )
        owners.setdefault(where, config.source)


def report(error: ConfigError, stream: typing.TextIO) -> None:
    """Print each problem on its own line, then a one-line summary."""
    for problem in error.problems:
        print(problem, file=stream)
    print(f"{len(error.problems)} problem(s) found; nothing was synthesized.", file=stream)


def environments_dir() -> Path:
    """The folder of environment files: $ENVS_DIR, or envs/ of this project."""
    return Path(os.environ.get("ENVS_DIR") or DEFAULT_ENVS_DIR)
