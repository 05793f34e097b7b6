"""botocore's model of the MTurk API, read as data: its shapes and operations.

The model files are botocore's own (``botocore/data/mturk/2017-01-17``), found where botocore
is installed and read without importing it: ``botocore.model`` brings botocore's HTTP stack
with it (urllib3, dateutil...), a fifth of a server's start-up for a few lookups. The classes
give what the server reads of botocore's, under botocore's names and with its rules: a member
reference's traits are merged over the shape it names, ``metadata`` holds the constraint
attributes only.
"""

from __future__ import annotations

import gzip
import importlib.util
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

# The attributes botocore's Shape.metadata holds (botocore.model.Shape.METADATA_ATTRS).
METADATA_ATTRS = (
    "required",
    "min",
    "max",
    "pattern",
    "sensitive",
    "enum",
    "idempotencyToken",
    "error",
    "exception",
    "endpointdiscoveryid",
    "retryable",
    "document",
    "union",
    "contextParam",
    "clientContextParams",
    "requiresLength",
)


class Shape:
    """A shape of the model, as botocore's ``Shape`` gives it."""

    def __init__(self, name: str, model: dict[str, Any], shapes: ShapeResolver) -> None:
        self.name = name
        self.type_name: str = model["type"]
        self._model = model
        self._shapes = shapes

    @cached_property
    def metadata(self) -> dict[str, Any]:
        return {name: self._model[name] for name in METADATA_ATTRS if name in self._model}

    def __repr__(self) -> str:
        return f"<{type(self).__name__}({self.name})>"


class StructureShape(Shape):
    @cached_property
    def members(self) -> dict[str, Shape]:
        return {
            name: self._shapes.resolve(reference)
            for name, reference in self._model.get("members", {}).items()
        }

    @property
    def required_members(self) -> list[str]:
        required: list[str] = self.metadata.get("required", [])
        return required


class ListShape(Shape):
    @cached_property
    def member(self) -> Shape:
        return self._shapes.resolve(self._model["member"])


class MapShape(Shape):
    @cached_property
    def key(self) -> Shape:
        return self._shapes.resolve(self._model["key"])

    @cached_property
    def value(self) -> Shape:
        return self._shapes.resolve(self._model["value"])


class StringShape(Shape):
    @property
    def enum(self) -> list[str]:
        values: list[str] = self.metadata.get("enum", [])
        return values


SHAPE_CLASSES: dict[str, type[Shape]] = {
    "structure": StructureShape,
    "list": ListShape,
    "map": MapShape,
    "string": StringShape,
}


class ShapeResolver:
    """Shapes by name; a member reference's own traits (beside ``shape``) override the named
    shape's, as botocore's resolver merges them."""

    def __init__(self, shapes: dict[str, dict[str, Any]]) -> None:
        self._shapes = shapes

    def shape(self, name: str, traits: dict[str, Any] | None = None) -> Shape:
        model = self._shapes[name]
        kind = SHAPE_CLASSES.get(model["type"], Shape)
        return kind(name, {**model, **traits} if traits else model, self)

    def resolve(self, reference: dict[str, Any]) -> Shape:
        traits = {key: value for key, value in reference.items() if key != "shape"}
        return self.shape(reference["shape"], traits)


class OperationModel:
    def __init__(self, name: str, model: dict[str, Any], shapes: ShapeResolver) -> None:
        self.name = name
        self.http: dict[str, Any] = model.get("http", {})
        self._model = model
        self._shapes = shapes

    @cached_property
    def input_shape(self) -> StructureShape | None:
        return self._structure("input")

    @cached_property
    def output_shape(self) -> StructureShape | None:
        return self._structure("output")

    def _structure(self, part: str) -> StructureShape | None:
        """The operation's input or output; None when the model gives it none."""
        if part not in self._model:
            return None
        shape = self._shapes.resolve(self._model[part])
        assert isinstance(shape, StructureShape)
        return shape


class ServiceModel:
    """A service description (a ``service-2.json``), as botocore's ``ServiceModel`` reads it."""

    def __init__(self, description: dict[str, Any], service_name: str) -> None:
        self.service_name = service_name
        self.metadata: dict[str, Any] = description.get("metadata", {})
        self._operations: dict[str, dict[str, Any]] = description.get("operations", {})
        self._shapes = ShapeResolver(description.get("shapes", {}))
        # Each operation's model made once, as botocore caches them: its shapes (and their
        # members, resolved when first read) are then resolved once, not at every request.
        self._operation_models: dict[str, OperationModel] = {}

    @property
    def operation_names(self) -> list[str]:
        return list(self._operations)

    def operation_model(self, name: str) -> OperationModel:
        found = self._operation_models.get(name)
        if found is None:
            found = OperationModel(name, self._operations[name], self._shapes)
            self._operation_models[name] = found
        return found

    def shape_for(self, name: str) -> Shape:
        return self._shapes.shape(name)


def botocore_data(relative: str) -> Any:
    """A file of the installed botocore's data, by its path without suffix (``mturk/
    2017-01-17/service-2``): ``.json`` or, as botocore ships most, ``.json.gz``."""
    found = importlib.util.find_spec("botocore")
    if found is None or not found.submodule_search_locations:
        raise ModuleNotFoundError("botocore is not installed")
    base = Path(next(iter(found.submodule_search_locations))) / "data" / relative
    plain, packed = base.with_name(base.name + ".json"), base.with_name(base.name + ".json.gz")
    if plain.exists():
        return orjson.loads(plain.read_bytes())
    return orjson.loads(gzip.decompress(packed.read_bytes()))
