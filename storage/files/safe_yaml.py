"""The one YAML loader every importer uses: safe tags only, no anchors or aliases, bounded depth
and size.

`yaml.safe_load` refuses Python objects but not the other two ways a small file costs a lot:
aliases ("billion laughs": ten anchors, each a list of ten aliases to the one before, expand to
10**9 items in the constructor and in every validator after it) and deep nesting (each level is a
recursion in the composer, the constructor and pydantic: a few thousand levels is a
RecursionError, that is a 500 or a traceback). None of our formats needs an alias, an anchor
(YAML's `<<` merge key needs both) or more than a few levels, so each is refused at the first
sign, before anything is built, with a message that says what to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

MAX_DEPTH = 50  # our formats need 4 (units: list → unit → leaders → id)
MAX_YAML_CHARS = 2 * 1024 * 1024  # the same bound as an import file (storage/files/import_files.py)


class RefusedYaml(yaml.MarkedYAMLError):
    """Well-formed YAML that we do not read; `problem` is the one line to show, `problem_mark`
    where it starts (as for PyYAML's own syntax errors)."""

    def __init__(self, problem: str, mark: yaml.Mark | None = None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


ALIASES_REFUSED = (
    "anchors and aliases (&name, *name, <<) are not accepted: write each value out in full"
)
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep: no importer reads such a document"
TOO_LARGE = f"the document is larger than {MAX_YAML_CHARS} characters"


class SafeYamlLoader(yaml.SafeLoader):
    """SafeLoader that refuses every anchor and alias, and nesting deeper than MAX_DEPTH."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # types-PyYAML leaves the parser's methods unannotated: the event is Any.
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise RefusedYaml(ALIASES_REFUSED, event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise RefusedYaml(TOO_DEEP, event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_with_nodes(text: str) -> tuple[Any, yaml.Node | None]:
    """The document's data and its node tree (importers point at lines), composed once.

    Raises yaml.YAMLError: RefusedYaml for what we refuse, PyYAML's own errors for bad syntax
    (several documents in one stream included)."""
    if len(text) > MAX_YAML_CHARS:
        raise RefusedYaml(TOO_LARGE)
    loader = SafeYamlLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def safe_load(text: str) -> Any:
    """Just the data, for files we ship (the question bank, the starter library) and tests."""
    return load_with_nodes(text)[0]


def node_line(node: yaml.Node, path: Sequence[str]) -> int:
    """The line of the deepest node on `path` (a missing field points at its entry)."""
    line = int(node.start_mark.line) + 1
    for part in path:
        if not isinstance(node, yaml.MappingNode):
            break
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                # A nested block starts on the line after its key: point at the key.
                at = key if isinstance(value, yaml.CollectionNode) else value
                line, node = int(at.start_mark.line) + 1, value
                break
        else:
            break
    return line
