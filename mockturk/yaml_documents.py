"""YAML fixture documents, read with PyYAML's safe loader and bounds on what a document may
make it build: nesting depth, and what aliases expand to."""

from __future__ import annotations

from typing import Any

import yaml
from yaml import YAMLError

MAX_YAML_DEPTH = 100


class _YAMLLoader(yaml.SafeLoader):
    """PyYAML's safe loader with nesting bounded (a fixture needs about six levels).

    PyYAML builds nested values recursively, so without a bound a deep document fails only
    at Python's recursion limit, at a depth that depends on the caller's stack.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self._depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                problem=f"values nested more than {MAX_YAML_DEPTH} levels deep",
                problem_mark=self.get_mark(),
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Aliases may repeat a value (a HIT template merged with <<: *defaults), but each repetition
# costs as much as writing it out: a few hundred bytes of nested aliases expand to gigabytes.
# What aliases add is bounded by the document's own size, ten times over.
MIN_YAML_ALIAS_NODES = 100_000
YAML_ALIAS_RATIO = 10


class _BoundedAliasLoader(_YAMLLoader):
    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None:
            _check_alias_expansion(node)
        return node


def _check_alias_expansion(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand it past the bound, or refer to themselves."""
    sizes: dict[int, int] = {}  # a node's size with its aliases written out, by id
    distinct = 0
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while pending:
        node, children_done = pending.pop()
        key = id(node)
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise yaml.composer.ComposerError(problem="an alias refers to a value that holds it")
        open_nodes.add(key)
        distinct += 1
        pending.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise yaml.composer.ComposerError(
                    problem="an alias refers to a value that holds it"
                )
            if id(child) not in sizes:
                pending.append((child, False))
    through_aliases = sizes[id(root)] - distinct
    allowed = max(MIN_YAML_ALIAS_NODES, YAML_ALIAS_RATIO * distinct)
    if through_aliases > allowed:
        raise yaml.composer.ComposerError(
            problem=f"aliases expand the document by {through_aliases} values, more than the"
            f" {allowed} allowed ({YAML_ALIAS_RATIO} times its own {distinct}, or"
            f" {MIN_YAML_ALIAS_NODES})"
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def parse(raw: bytes) -> Any:
    """A YAML document, every failure to read it a YAMLError.

    PyYAML itself raises ValueError for impossible dates (``2026-02-30``) and for integers of
    more than 4300 digits.
    """
    try:
        return yaml.load(raw, Loader=_BoundedAliasLoader)
    except ValueError as error:
        raise yaml.YAMLError(f"a value PyYAML cannot construct: {error}") from None


__all__ = ["YAMLError", "parse"]
