"""What AWS offers, known offline: regions from botocore's endpoint data, and a dated snapshot
(snapshot.json) of availability zone letters and of EC2, RDS for PostgreSQL and ElastiCache
instance types. `python -m f1_infra.catalog.refresh` rewrites the snapshot from the AWS APIs;
its "sources" say where each list came from and "as_of" when."""

from __future__ import annotations

import difflib
import functools
import json
from dataclasses import dataclass
from pathlib import Path

import botocore
import botocore.session

SNAPSHOT_FILE = Path(__file__).resolve().parent / "snapshot.json"
# The partitions the settings can express (EnvironmentConfig.partition).
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
SUGGESTIONS = 3


@dataclass(frozen=True)
class Snapshot:
    as_of: str
    availability_zones: dict[str, str]
    ec2_instance_types: frozenset[str]
    rds_postgres_instance_classes: frozenset[str]
    elasticache_node_types: frozenset[str]


@functools.cache
def snapshot() -> Snapshot:
    data = json.loads(SNAPSHOT_FILE.read_text())
    return Snapshot(
        as_of=data["as_of"],
        availability_zones=data["availability_zones"],
        ec2_instance_types=frozenset(data["ec2_instance_types"]),
        rds_postgres_instance_classes=frozenset(data["rds_postgres_instance_classes"]),
        elasticache_node_types=frozenset(data["elasticache_node_types"]),
    )


@functools.cache
def regions() -> frozenset[str]:
    """Every region of botocore's endpoint data in the partitions the settings can express."""
    session = botocore.session.get_session()
    return frozenset(r for p in PARTITIONS for r in session.get_available_regions("ec2", partition_name=p))


def botocore_version() -> str:
    return botocore.__version__


def nearest(value: str, known: frozenset[str]) -> list[str]:
    """Up to three known names closest to value, those of its own family (what precedes the last
    dot, e.g. t3 or db.r5) first: a wrong size is the likelier mistake than a wrong family."""
    family = value.rpartition(".")[0]
    same_family = sorted(k for k in known if family and k.rpartition(".")[0] == family)
    found = difflib.get_close_matches(value, same_family, n=SUGGESTIONS, cutoff=0.0)
    if len(found) < SUGGESTIONS:
        found += difflib.get_close_matches(value, sorted(known - set(found)), n=SUGGESTIONS - len(found), cutoff=0.6)
    return found
