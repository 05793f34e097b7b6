"""The botocore service model of MTurk, the contract for everything on the wire.

Operation names, required members, types, ``min``/``max``/``pattern``/``enum`` constraints and
paginator keys all come from ``botocore/data/mturk/2017-01-17``. One walker checks a value against
a shape; requests turn its findings into the AWS validation message, and the tests use it to check
every response against the output shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from mockturk.quoted import java_text
from mockturk.service_model import (
    ListShape,
    OperationModel,
    ServiceModel,
    Shape,
    ShapeResolver,
    StringShape,
    StructureShape,
    botocore_data,
)

SERVICE_NAME = "mturk"
API_VERSION = "2017-01-17"

PathPart = str | int


@dataclass(frozen=True)
class Violation:
    """One value that breaks one constraint of its shape."""

    path: tuple[PathPart, ...]
    value: Any
    constraint: str

    def aws_path(self) -> str:
        """The member path as the AWS validation message writes it (``hITId``, ``a.1.member.b``)."""
        parts = []
        for part in self.path:
            parts.append(
                f"{part + 1}.member" if isinstance(part, int) else part[:1].lower() + part[1:]
            )
        return ".".join(parts)

    def json_path(self) -> str:
        """The path as a reader of the JSON document writes it (``HITs[3].Reward``)."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out or "(document)"

    def aws_message(self) -> str:
        return (
            f"Value {aws_value(self.value)} at '{self.aws_path()}' failed to satisfy constraint: "
            f"{self.constraint}"
        )


def aws_value(value: Any) -> str:
    """A value as the AWS validation message renders it (Java's toString, quoted, bounded)."""
    if value is None:
        return "null"
    return f"'{java_text(value)}'"


@cache
def _pattern(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "timestamp": (int, float),
    "double": (int, float),
    "float": (int, float),
    "list": (list,),
    "structure": (dict,),
    "map": (dict,),
}


def scalar_violations(shape: Shape, value: Any) -> list[str]:
    """The constraints a present value breaks, for scalar shapes: type, enum, pattern, range."""
    kind = shape.type_name
    expected = _JSON_TYPES.get(kind, (object,))
    if not isinstance(value, expected) or (isinstance(value, bool) and kind != "boolean"):
        return [f"Member must be of type {kind}"]
    found = []
    meta = shape.metadata
    if kind == "string" and isinstance(value, str):  # the type check above made it a str
        if "enum" in meta and value not in meta["enum"]:
            found.append(enum_constraint(meta["enum"]))
        if "pattern" in meta and not _pattern(meta["pattern"]).fullmatch(value):
            found.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
        found.extend(length_violations(meta, java_length(value)))
    elif kind in ("integer", "long") and isinstance(value, int):
        found.extend(range_violations(meta, value))
    return found


# The framework's wording, shared with the checks the model does not state (operations.checks).
NOT_NULL = "Member must not be null"


def enum_constraint(values: Iterable[str]) -> str:
    return f"Member must satisfy enum value set: [{', '.join(sorted(values))}]"


def range_violations(meta: Mapping[str, Any], value: int) -> Iterator[str]:
    """What an integer breaks of a ``min``/``max`` range."""
    if "min" in meta and value < meta["min"]:
        yield f"Member must have value greater than or equal to {meta['min']}"
    if "max" in meta and value > meta["max"]:
        yield f"Member must have value less than or equal to {meta['max']}"


def length_violations(meta: Mapping[str, Any], length: int) -> Iterator[str]:
    """What a string or list of ``length`` breaks of a ``min``/``max`` length."""
    if "min" in meta and length < meta["min"]:
        yield f"Member must have length greater than or equal to {meta['min']}"
    if "max" in meta and length > meta["max"]:
        yield f"Member must have length less than or equal to {meta['max']}"


def string_fast_check(shape: Shape) -> Callable[[Any], bool] | None:
    """For a string shape, a quick test that is True only for values breaking no constraint.

    Loading a large store checks millions of IDs; a False answer is then explained by
    :func:`scalar_violations`. ``None`` for shapes of other types.
    """
    test = string_fast_test(shape, "")
    if test is None:
        return None
    expression, names = test
    fine: Callable[[Any], bool] = eval(f"lambda v: {expression}", names)
    return fine


def string_fast_test(shape: Shape, prefix: str) -> tuple[str, dict[str, Any]] | None:
    """:func:`string_fast_check` as a Python expression of ``v`` (for code that tests many
    values, made once), with the values it names, each name starting with ``prefix``."""
    if shape.type_name != "string":
        return None
    meta = shape.metadata
    pattern = _pattern(meta["pattern"]).fullmatch if "pattern" in meta else None
    low, high = meta.get("min", 0), meta.get("max", float("inf"))

    def fine(value: str) -> bool:
        return (
            value.isascii()
            and low <= len(value) <= high
            and (pattern is None or pattern(value) is not None)
        )

    if "enum" in meta:  # a value is fine if it is one of the enum's that are
        allowed = frozenset(value for value in meta["enum"] if fine(value))
        return f"(type(v) is str and v in {prefix}allowed)", {f"{prefix}allowed": allowed}
    tests = ["type(v) is str", "v.isascii()"]
    tests += [f"{low!r} <= len(v)"] if low > 0 else []
    tests += [f"len(v) <= {high!r}"] if high != float("inf") else []
    tests += [f"{prefix}pattern(v) is not None"] if pattern is not None else []
    return f"({' and '.join(tests)})", {f"{prefix}pattern": pattern}


def java_length(text: str) -> int:
    """A string's length as the AWS framework (Java) counts it: in UTF-16 code units."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def check(
    shape: Shape,
    value: Any,
    path: tuple[PathPart, ...] = (),
    *,
    strict_members: bool = False,
    enforce_required: bool = True,
) -> list[Violation]:
    """Every violation of ``shape`` by ``value``, in model member order.

    ``strict_members`` also reports members the shape does not declare (the real service ignores
    them in requests; responses must never contain them).
    """
    if value is None:
        return []
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return [Violation(path, value, "Member must be of type structure")]
        found: list[Violation] = []
        members = shape.members
        for name, member in members.items():
            item = value.get(name)
            if item is None:
                if enforce_required and name in shape.required_members:
                    found.append(Violation((*path, name), None, NOT_NULL))
                continue
            found.extend(
                check(
                    member,
                    item,
                    (*path, name),
                    strict_members=strict_members,
                    enforce_required=enforce_required,
                )
            )
        if strict_members:
            for name in value.keys() - members.keys():
                found.append(Violation((*path, name), value[name], "Member is not in the model"))
        return found
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [Violation(path, value, "Member must be of type list")]
        found = [
            Violation(path, value, text) for text in length_violations(shape.metadata, len(value))
        ]
        member = shape.member
        if isinstance(member, StructureShape | ListShape):
            for index, item in enumerate(value):
                if item is None:
                    found.append(Violation((*path, index), None, NOT_NULL))
                    continue
                found.extend(
                    check(
                        member,
                        item,
                        (*path, index),
                        strict_members=strict_members,
                        enforce_required=enforce_required,
                    )
                )
            return found
        # AWS reports a bad scalar inside a list once, at the list, nesting the inner constraint.
        for item in value:
            inner = [NOT_NULL] if item is None else scalar_violations(member, item)
            if inner:
                found.append(
                    Violation(path, value, f"Member must satisfy constraint: [{inner[0]}]")
                )
                break
        return found
    return [Violation(path, value, text) for text in scalar_violations(shape, value)]


@dataclass(frozen=True)
class Paginator:
    """Paginator keys of one operation, from ``paginators-1.json``."""

    input_token: str
    output_token: str
    limit_key: str
    result_key: str


# An operation the model gives no input (or output) shape takes (or answers) an object without
# members, as AWS JSON writes it: ``{}``. Every MTurk operation has both today; botocore allows
# either to be missing.
NO_MEMBERS = StructureShape("NoMembers", {"type": "structure", "members": {}}, ShapeResolver({}))


class ServiceSpec:
    """The loaded model: operations, shapes and paginators."""

    def __init__(self, model: ServiceModel, paginators: dict[str, Paginator]) -> None:
        self.model = model
        self.target_prefix: str = model.metadata["targetPrefix"]
        self.operation_names: frozenset[str] = frozenset(model.operation_names)
        self._paginators = paginators
        self._shapes: dict[str, Shape] = {}
        self._enums: dict[str, tuple[str, ...]] = {}

    def operation(self, name: str) -> OperationModel:
        return self.model.operation_model(name)

    def shape(self, name: str) -> Shape:
        # The model builds a new Shape on every shape_for() call; these are immutable.
        shape = self._shapes.get(name)
        if shape is None:
            shape = self._shapes[name] = self.model.shape_for(name)
        return shape

    def enum(self, name: str) -> tuple[str, ...]:
        """The values of an enum shape, sorted."""
        values = self._enums.get(name)
        if values is None:
            shape = self.shape(name)
            if not isinstance(shape, StringShape) or not shape.enum:
                raise ValueError(f"{name} is not an enum shape of the model")
            values = self._enums[name] = tuple(sorted(shape.enum))
        return values

    def paginator(self, operation: str) -> Paginator:
        return self._paginators[operation]

    def input_shape(self, operation: str) -> StructureShape:
        return self.operation(operation).input_shape or NO_MEMBERS

    def output_shape(self, operation: str) -> StructureShape:
        return self.operation(operation).output_shape or NO_MEMBERS

    def input_violations(self, operation: str, params: dict[str, Any]) -> list[Violation]:
        return check(self.input_shape(operation), params)

    def output_violations(self, operation: str, body: dict[str, Any]) -> list[Violation]:
        shape = self.output_shape(operation)
        return check(shape, body, strict_members=True, enforce_required=False)


@lru_cache(maxsize=1)
def load_spec() -> ServiceSpec:
    """Load the MTurk model shipped with the installed botocore (once per process)."""
    service = botocore_data(f"{SERVICE_NAME}/{API_VERSION}/service-2")
    raw = botocore_data(f"{SERVICE_NAME}/{API_VERSION}/paginators-1")["pagination"]
    paginators = {
        name: Paginator(
            input_token=entry["input_token"],
            output_token=entry["output_token"],
            limit_key=entry["limit_key"],
            result_key=entry["result_key"],
        )
        for name, entry in raw.items()
    }
    return ServiceSpec(ServiceModel(service, service_name=SERVICE_NAME), paginators)
