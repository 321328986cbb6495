"""Reading a synthesized Terraform JSON stack in tests."""

import json
import re
from collections.abc import Iterator
from typing import Any

REFERENCE = re.compile(r"\$\{([^}]*)\}")


class Stack:
    """One synthesized stack (cdk.tf.json), looked up by construct path below the stack."""

    def __init__(self, name: str, document: dict[str, Any]):
        self.name = name
        self.doc = document

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return self.doc.get("resource", {}).get(type_, {})

    def data(self, type_: str) -> dict[str, dict[str, Any]]:
        return self.doc.get("data", {}).get(type_, {})

    def all_resources(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for type_, items in self.doc.get("resource", {}).items():
            for name, body in items.items():
                yield type_, name, body

    def _name(self, type_: str, path: str, block: str) -> str:
        wanted = f"{self.name}/{path}"
        for name, body in self.doc.get(block, {}).get(type_, {}).items():
            if body["//"]["metadata"]["path"] == wanted:
                return name
        raise KeyError(f"no {type_} at {wanted}")

    def resource(self, type_: str, path: str) -> dict[str, Any]:
        return self.resources(type_)[self._name(type_, path, "resource")]

    def address(self, type_: str, path: str) -> str:
        """The Terraform address of a resource."""
        return f"{type_}.{self._name(type_, path, 'resource')}"

    def ref(self, type_: str, path: str, attribute: str = "id") -> str:
        """The `${...}` expression that refers to a resource's attribute."""
        return "${" + f"{type_}.{self._name(type_, path, 'resource')}.{attribute}" + "}"

    def data_ref(self, type_: str, path: str, attribute: str) -> str:
        return "${" + f"data.{type_}.{self._name(type_, path, 'data')}.{attribute}" + "}"

    def count(self, type_: str, path_prefix: str = "") -> int:
        wanted = f"{self.name}/{path_prefix}"
        return sum(1 for body in self.resources(type_).values() if body["//"]["metadata"]["path"].startswith(wanted))


def policy(body: dict[str, Any], key: str = "policy") -> dict[str, Any]:
    """A policy document stored as a JSON string."""
    return json.loads(body[key])


def statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in document["Statement"] if s.get("Sid") == sid)
