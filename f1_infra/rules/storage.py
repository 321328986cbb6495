"""Rules on the S3 buckets: names, lifecycle schedules, replication (rules 1-7)."""

from collections.abc import Iterator, Sequence

from f1_infra.problems import pointer
from f1_infra.rules.names import bucket_name_problems
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.storage import BUCKET_SUFFIX_LENGTH, BucketLifecycle, LifecycleTransition, bucket_name

# S3's order of storage classes: a lifecycle rule may only move objects down this list.
CLASS_ORDER = ("STANDARD_IA", "INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
# Classes that objects must stay in for 30 days, both before entering and before leaving them.
INFREQUENT_ACCESS = ("STANDARD_IA", "ONEZONE_IA")
IA_MIN_DAYS = 30
# Sources disagree between 30 and 90 days for GLACIER(_IR) -> DEEP_ARCHIVE; 90 is always accepted.
ARCHIVE_GAP_DAYS = 90
ARCHIVES = ("GLACIER_IR", "GLACIER")

# What the random suffix looks like, for checking names before it exists.
SUFFIX_PLACEHOLDER = "0" * BUCKET_SUFFIX_LENGTH


def transition_problems(transitions: Sequence[LifecycleTransition], kind: str) -> Iterator[tuple[int, str]]:
    """Rules 1-3 for one list of transitions; yields (index, message)."""
    previous: LifecycleTransition | None = None
    seen: dict[str, int] = {}
    for i, step in enumerate(transitions):
        cls, days = step.storage_class, step.days
        if cls in seen:
            yield i, f"{cls} already appears at transition {seen[cls]}; S3 allows each storage class once per rule"
            continue
        seen[cls] = i
        if cls in INFREQUENT_ACCESS and days < IA_MIN_DAYS:
            yield i, f"{kind} to {cls} after {days} days; S3 requires at least {IA_MIN_DAYS} days for {cls}"
        if previous is not None:
            before, gap = previous.storage_class, days - previous.days
            if CLASS_ORDER.index(cls) < CLASS_ORDER.index(before):
                yield (
                    i,
                    (
                        f"{cls} comes after {before}, but S3 moves objects only along "
                        f"{' -> '.join(CLASS_ORDER)}; list transitions in that order"
                    ),
                )
            elif gap <= 0:
                yield i, f"{cls} after {days} days is not later than {before} after {previous.days} days"
            elif before in INFREQUENT_ACCESS and gap < IA_MIN_DAYS:
                yield (
                    i,
                    (
                        f"{cls} after {days} days leaves objects only {gap} days in {before}; "
                        f"S3 requires at least {IA_MIN_DAYS} days there (so at least {previous.days + IA_MIN_DAYS})"
                    ),
                )
            elif cls == "DEEP_ARCHIVE" and before in ARCHIVES and gap < ARCHIVE_GAP_DAYS:
                yield (
                    i,
                    (
                        f"DEEP_ARCHIVE after {days} days leaves objects only {gap} days in {before}; "
                        f"keep at least {ARCHIVE_GAP_DAYS} days there (so at least {previous.days + ARCHIVE_GAP_DAYS})"
                    ),
                )
        previous = step


def lifecycle_problems(lifecycle: BucketLifecycle, where: str) -> Iterator[tuple[str, str]]:
    """Rules 1-4. Rule 5 (no date-based actions mixed with day-based ones) holds by construction:
    the schema accepts only days. Rule 6 (an explicit filter) is the construct's job."""
    for field, kind in (("transitions", "transition"), ("noncurrent_transitions", "noncurrent transition")):
        steps = getattr(lifecycle, field)
        for i, message in transition_problems(steps, kind):
            yield f"{where}/{field}/{i}", message
    for field, steps in (
        ("expiration_days", lifecycle.transitions),
        ("noncurrent_expiration_days", lifecycle.noncurrent_transitions),
    ):
        days = getattr(lifecycle, field)
        last = max(steps, key=lambda s: s.days, default=None)
        if days is not None and last is not None and days <= last.days:
            yield (
                f"{where}/{field}",
                (
                    f"{days} days is not after the transition to {last.storage_class} at {last.days} days; "
                    "expiration must come after every transition"
                ),
            )


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    storage = config.storage
    if storage.force_destroy and config.production:
        yield (
            pointer("storage", "force_destroy"),
            ("force_destroy would let a destroy delete every object; it is refused when production is true"),
        )
    if "AWSLogs" in storage.alb_log_prefix:
        yield pointer("storage", "alb_log_prefix"), "must not contain 'AWSLogs'; the load balancer appends it itself"

    replicated = storage.replication.buckets if storage.replication else ()
    for key, bucket in storage.buckets.items():
        names = [bucket_name(config.name_prefix, bucket.name, SUFFIX_PLACEHOLDER)]
        if key in replicated:
            names.append(bucket_name(config.name_prefix, bucket.name, SUFFIX_PLACEHOLDER, replica=True))
        for name in names:
            for message in bucket_name_problems(name):
                yield pointer("storage", "buckets", key, "name"), f"bucket name {name!r} {message}"
        yield from lifecycle_problems(bucket.lifecycle, pointer("storage", "buckets", key, "lifecycle"))

    replication = storage.replication
    if replication is not None and "logs" not in replication.buckets:
        yield (
            pointer("storage", "replication", "buckets"),
            (
                "list 'logs' too: the replicas' server access logs go to the replica of the logs bucket, "
                "since S3 logs only to a bucket in the same region"
            ),
        )
