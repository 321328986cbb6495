"""The settings of an environment file, declared once: each field's type, default, bounds and
description. envs/schema.json and docs/environments.md are generated from these models, and the
loader (f1_infra.config) validates files against the same schema. Nothing here imports the rest
of the project."""
