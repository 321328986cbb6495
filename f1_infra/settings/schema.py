"""The JSON Schema of an environment file, generated from the settings models.

`envs/schema.json` is this schema written out for editors (completion, descriptions) and
`make docs` writes it; the loader validates files against the schema built here, so the two
never disagree. The shape follows what editors and jsonschema's messages read best: plain
objects with `additionalProperties: false`, maps as `propertyNames` + `additionalProperties`,
the backend's kinds as if/then branches on `type`, optional settings without a null branch.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema, to_jsonable_python

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://f1-analytics.example/envs/schema.json"
_CONSTRAINT_NAMES = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}


class _EnvironmentSchema(GenerateJsonSchema):
    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        result = super().model_schema(schema)
        # Class docstrings are for developers; each field says what it means to users.
        result.pop("title", None)
        result.pop("description", None)
        return result

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        # An optional setting is left out of the file, never written as null.
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        result = super().default_schema(schema)
        if result.get("default", ...) is None:
            del result["default"]
        return result

    def encode_default(self, dft: Any) -> Any:
        if isinstance(dft, BaseModel):
            # Only what differs from the section's own defaults: {} for a section left at its defaults.
            return dft.model_dump(mode="json", exclude_defaults=True)
        return to_jsonable_python(dft)

    def union_schema(self, schema: core_schema.UnionSchema) -> JsonSchemaValue:
        choices = [c[0] if isinstance(c, tuple) else c for c in schema["choices"]]
        if sorted(c["type"] for c in choices) == ["float", "int"]:
            return {"type": "number"}
        return super().union_schema(schema)

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        result: dict[str, Any] = {"type": "object"}
        keys = self.generate_inner(schema["keys_schema"]) if "keys_schema" in schema else {}
        keys.pop("type", None)
        if keys:
            result["propertyNames"] = keys
        if "values_schema" in schema:
            result["additionalProperties"] = self.generate_inner(schema["values_schema"])
        self.update_with_validations(result, schema, self.ValidationsMapping.object)
        return result

    def tagged_union_schema(self, schema: core_schema.TaggedUnionSchema) -> JsonSchemaValue:
        tag = schema["discriminator"]
        assert isinstance(tag, str), "a settings union is discriminated by one key"
        kinds = list(schema["choices"])
        first = self.generate_inner(schema["choices"][kinds[0]])
        description = self._resolve(first)["properties"][tag].get("description", "")
        return {
            "type": "object",
            "required": [tag],
            "properties": {tag: {"description": description, "type": "string", "enum": kinds}},
            "allOf": [
                {
                    "if": {"properties": {tag: {"const": kind}}, "required": [tag]},
                    "then": self.generate_inner(choice),
                }
                for kind, choice in schema["choices"].items()
            ],
        }

    def _resolve(self, node: JsonSchemaValue) -> JsonSchemaValue:
        if "$ref" not in node:
            return node
        return self.definitions[node["$ref"].rsplit("/", 1)[-1]]  # type: ignore[index]

    def sort(self, value: JsonSchemaValue, parent_key: str | None = None) -> JsonSchemaValue:
        return value  # declaration order reads best


def _tidy(node: Any) -> Any:
    """Descriptions first, for people reading the file; JSON Schema names for the constraints
    pydantic keeps under its own names on numbers (int | float)."""
    if isinstance(node, dict):
        ordered = sorted(node.items(), key=lambda item: item[0] != "description")
        return {_CONSTRAINT_NAMES.get(k, k) if "type" in node else k: _tidy(v) for k, v in ordered}
    if isinstance(node, list):
        return [_tidy(v) for v in node]
    return node


def environment_schema(model: type[BaseModel], *, title: str, description: str) -> dict[str, Any]:
    body = _tidy(model.model_json_schema(schema_generator=_EnvironmentSchema))
    properties = {
        "$schema": {
            "description": 'Path of this schema, so editors offer completion and help: "./schema.json".',
            "type": "string",
        },
        **body.pop("properties"),
    }
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": title,
        "description": description,
        **{k: v for k, v in body.items() if k != "$defs"},
        "properties": properties,
        **({"$defs": body["$defs"]} if "$defs" in body else {}),
    }


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
