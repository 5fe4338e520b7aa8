"""The prompt library's YAML file: parsed with the line of every entry, and written back byte-stably."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import yaml

from storage.files.issues import Issue
from storage.files.safe_yaml import RefusedYaml, load_with_nodes, node_line
from storage.prompts.validation import (
    LIBRARY_VERSION,
    STARTER_FILE,
    InvalidPrompts,
    PromptIn,
    PromptView,
    validate_entries,
)
from storage.tables.prompts import Theme

# --- YAML files --------------------------------------------------------------------------------


def parse_library(text: str) -> list[PromptIn]:
    """A YAML document (`prompts: [...]`, or a bare list) into validated prompts, all or nothing.

    Issues carry the entry number and the line of the offending field, so HR can go straight to it.
    """
    try:
        data, root = load_with_nodes(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        refused = isinstance(error, RefusedYaml)
        raise InvalidPrompts(
            [
                Issue(
                    line=mark.line + 1 if mark else None,
                    field="",
                    code="refused_yaml" if refused else "not_yaml",
                    message=f"refused: {problem}" if refused else f"not valid YAML: {problem}",
                )
            ]
        ) from None
    entries_node: yaml.Node | None = root
    if isinstance(data, dict):
        unknown = sorted(str(key) for key in data if key not in ("prompts", "version"))
        if unknown or "prompts" not in data:
            raise InvalidPrompts(
                [
                    Issue(
                        line=1,
                        field=", ".join(unknown) if unknown else "prompts",
                        code="unknown_field" if unknown else "missing",
                        message="expected a mapping with the key 'prompts' (a list of prompts)",
                    )
                ]
            )
        version = data.get("version")
        # As strict as the JSON door's schema (integer or null): YAML's `true` equals 1 in Python.
        if version is not None and (type(version) is not int or version != LIBRARY_VERSION):
            raise InvalidPrompts(
                [
                    Issue(
                        line=1,
                        field="version",
                        code="unsupported_version",
                        message=f"this is version {LIBRARY_VERSION} of the format",
                    )
                ]
            )
        data = data["prompts"]
        assert isinstance(root, yaml.MappingNode)
        entries_node = next(v for k, v in root.value if k.value == "prompts")
    if not isinstance(data, list) or not data:
        raise InvalidPrompts(
            [
                Issue(
                    line=entries_node.start_mark.line + 1 if entries_node else 1,
                    field="prompts",
                    code="empty",
                    message="expected a non-empty list of prompts",
                )
            ]
        )
    assert isinstance(entries_node, yaml.SequenceNode)
    nodes = list(entries_node.value)
    try:
        return validate_entries(data, [node.start_mark.line + 1 for node in nodes])
    except InvalidPrompts as error:
        located = []
        for issue in error.issues:
            if issue.entry is not None and issue.field:
                node = nodes[issue.entry - 1]
                issue = issue.model_copy(update={"line": node_line(node, issue.field.split("."))})
            located.append(issue)
        raise InvalidPrompts(located) from None


def dump_library(prompts: Iterable[PromptView]) -> str:
    """The export format, which `parse_library` reads back unchanged (a round trip)."""
    entries = []
    for prompt in prompts:
        entry: dict[str, Any] = {
            "id": prompt.id,
            "theme": prompt.theme.value,
            "state": prompt.state.value,
            "text": {"da": prompt.text.da, "en": prompt.text.en},
        }
        if prompt.rating:
            entry["rating"] = {"da": prompt.rating.da, "en": prompt.rating.en}
        entries.append(entry)
    header = (
        "# Trivselsbot prompt library. Import with `trivselsbot prompts import FILE`.\n"
        "# themes: " + ", ".join(theme.value for theme in Theme) + "\n"
        "# states: draft, active, retired\n"
    )
    body = yaml.safe_dump(
        {"version": LIBRARY_VERSION, "prompts": entries},
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    return header + str(body)


@cache
def starter_library() -> tuple[PromptIn, ...]:
    """The library we ship (storage/content/prompts.yaml); a broken file stops start-up."""
    return tuple(parse_library(STARTER_FILE.read_text(encoding="utf-8")))
