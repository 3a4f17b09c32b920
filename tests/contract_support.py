"""What the providers' contract tests share: walking an OpenAPI 3.0 document, validating
against its schemas, the named examples, and the scripted-provider fixtures' plumbing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx2
from openapi_schema_validator import OAS30Validator

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SCHEMA_KEYWORDS = {
    "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties",
    "minProperties", "required", "enum", "type", "allOf", "oneOf", "anyOf", "not", "items",
    "properties", "additionalProperties", "description", "format", "default", "nullable",
    "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example", "deprecated",
    "$ref",
}  # fmt: skip
OPERATION_KEYS = {
    "tags", "summary", "description", "externalDocs", "operationId", "parameters",
    "requestBody", "responses", "callbacks", "deprecated", "security", "servers",
}  # fmt: skip


def walk(node, where="#"):
    """Every (location, mapping) in a document's ``node``."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}/{index}")


def schemas(schema, where):
    """A schema and every schema inside it."""
    yield where, schema
    for key in ("allOf", "oneOf", "anyOf"):
        for index, inner in enumerate(schema.get(key, [])):
            yield from schemas(inner, f"{where}/{key}/{index}")
    for key in ("items", "not"):
        if isinstance(schema.get(key), dict):
            yield from schemas(schema[key], f"{where}/{key}")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from schemas(schema["additionalProperties"], f"{where}/additionalProperties")
    for name, inner in schema.get("properties", {}).items():
        yield from schemas(inner, f"{where}/properties/{name}")


class Document:
    """One OpenAPI 3.0 document: its operations, references and schemas."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.components = spec["components"]

    def operations(self):
        """(path, method, operation) for every operation."""
        for path, item in self.spec["paths"].items():
            for method, operation in item.items():
                if method in HTTP_METHODS:
                    yield path, method, operation

    def lookup(self, ref: str):
        assert ref.startswith("#/"), ref
        node = self.spec
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.lookup(node["$ref"])
        return node

    def schemas(self):
        """The components' schemas and those written inline under the paths."""
        for name, schema in self.components["schemas"].items():
            yield from schemas(schema, f"#/components/schemas/{name}")
        for where, node in walk(self.spec["paths"], "#/paths"):
            if isinstance(node.get("schema"), dict):
                yield from schemas(node["schema"], f"{where}/schema")

    def validator(self, schema) -> OAS30Validator:
        return OAS30Validator({"allOf": [schema], "components": self.components})

    def errors(self, schema, value) -> list[str]:
        return [e.message for e in self.validator(schema).iter_errors(value)]


def examples_of(spec: dict[str, Any]) -> Callable[[str], dict]:
    """``example(name)``: a fresh copy of the document's named example ``name``."""
    examples = spec["components"]["examples"]

    def example(name: str) -> dict:
        return json.loads(json.dumps(examples[name]["value"]))

    return example


Answer = httpx2.Response | Exception


def next_answer(queue: list[Answer]) -> httpx2.Response:
    """The next scripted answer (the last one repeats); an exception is raised."""
    answer = queue.pop(0) if len(queue) > 1 else queue[0]
    if isinstance(answer, Exception):
        raise answer
    return answer


Client = TypeVar("Client")


@contextmanager
def closing_clients(build: Callable[..., Client]) -> Iterator[Callable[..., Client]]:
    """A ``make_client`` fixture's factory: builds clients with ``build``, closes them all at
    the end."""
    made: list[Any] = []

    def make(*args, **kwargs) -> Client:
        client = build(*args, **kwargs)
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            client.close()


def recorded_sleeps(monkeypatch, target: str) -> list[float]:
    """Records the waits ``target`` (a ``time.sleep`` to patch) is asked for instead of
    sleeping."""
    waits: list[float] = []
    monkeypatch.setattr(target, waits.append)
    return waits
