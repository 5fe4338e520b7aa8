"""HR's question bank as a file: one validation, the YAML format, and the checks across items.

Every door (a YAML file on the command line, a YAML or JSON body at the admin API) becomes a list
of `ItemIn` and goes through `check_import`, so what one door takes every door takes. A problem is
a `BankIssue` naming the file, the line, the item (its id and entry number) and the field; nothing
is written unless there are none. The export (`dump_bank`) reads back unchanged: export, import,
export gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from storage.errors import DomainError
from storage.files.issues import NOT_BLANK, Issue, issues_from
from storage.files.safe_yaml import RefusedYaml, load_with_nodes, node_line
from storage.question_bank import (
    SOCIAL_CAPITAL,
    Item,
    ItemState,
    ItemText,
    ItemUse,
    QuestionBank,
    default_bank,
    default_template,
)

BANK_VERSION = 1  # of the YAML format
ITEM_ID_PATTERN = r"^[a-z0-9_]{2,20}$"
MAX_ITEM_TEXT = 300  # a question read on a phone, above five buttons
SHORT_FORM_SCALE = "degree"
MIN_ROTATION = 3  # storage/rounds/lifecycle.py: MIN_ITEMS, the fewest a pulse asks
# Fixed once an item has been asked: its counters mean this question on this scale. A changed
# wording is a new question (a new id); English may still be added or corrected.
FROZEN_WHEN_ASKED = ("dimension", "scale", "higher_is_better", "use", "text.da")
DIMENSIONS = tuple(default_bank().dimensions)
SCALES = tuple(default_bank().scales)


class BankIssue(Issue):
    """An Issue that also names the file and the item's id (`entry` is its 1-based number)."""

    file: str | None = None
    item: str | None = None

    def describe(self) -> str:
        where = [f"{self.file or '(body)'}:{self.line}" if self.line else self.file or ""]
        if self.item:
            where.append(f"item {self.item}")
        if self.entry is not None:
            where.append(f"entry {self.entry}")
        prefix = ", ".join(part for part in where if part)
        return f"{prefix + ': ' if prefix else ''}{self.field or '(document)'}: {self.message}"


class InvalidBank(DomainError):
    """The file or body was refused; nothing was written. `issues` says where and why."""

    code = "invalid_question_bank"

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = [
            issue if isinstance(issue, BankIssue) else BankIssue(**issue.model_dump())
            for issue in issues
        ]
        super().__init__("; ".join(issue.describe() for issue in self.issues))


class ItemTextIn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    da: str = Field(min_length=1, max_length=MAX_ITEM_TEXT, json_schema_extra=NOT_BLANK)
    en: str | None = Field(
        None, min_length=1, max_length=MAX_ITEM_TEXT, json_schema_extra=NOT_BLANK
    )

    @field_validator("da", "en")
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class ItemIn(BaseModel):
    """An item as HR writes it. Defaults: an active rotation item on the agreement scale."""

    # The schema says what `_item_rules` checks: a short-form item is on the degree scale and a
    # social capital dimension; the follow_up dimension is the follow-up item's alone.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "allOf": [
                {
                    "if": {"required": ["use"], "properties": {"use": {"const": "short_form"}}},
                    "then": {
                        "required": ["scale"],
                        "properties": {
                            "scale": {"const": SHORT_FORM_SCALE},
                            "dimension": {"enum": list(SOCIAL_CAPITAL)},
                            "higher_is_better": {"const": True},
                        },
                    },
                },
                {
                    "if": {"required": ["use"], "properties": {"use": {"const": "follow_up"}}},
                    "then": {"properties": {"dimension": {"const": "follow_up"}}},
                    "else": {"properties": {"dimension": {"not": {"const": "follow_up"}}}},
                },
            ]
        },
    )

    id: str = Field(pattern=ITEM_ID_PATTERN)
    use: ItemUse = ItemUse.ROTATION
    state: ItemState = ItemState.ACTIVE
    dimension: str = Field(json_schema_extra={"enum": list(DIMENSIONS)})
    scale: str = Field("agreement", json_schema_extra={"enum": list(SCALES)})
    higher_is_better: bool = True
    text: ItemTextIn

    @field_validator("dimension")
    @classmethod
    def _known_dimension(cls, value: str) -> str:
        if value not in DIMENSIONS:
            raise ValueError(f"unknown dimension {value!r}; known: {', '.join(DIMENSIONS)}")
        return value

    @field_validator("scale")
    @classmethod
    def _known_scale(cls, value: str) -> str:
        if value not in SCALES:
            raise ValueError(f"unknown scale {value!r}; known: {', '.join(SCALES)}")
        return value

    def as_item(self) -> Item:
        return Item(
            id=self.id,
            dimension=self.dimension,
            text=ItemText(da=self.text.da, en=self.text.en),
            scale=self.scale,
            higher_is_better=self.higher_is_better,
            use=self.use,
            state=self.state,
        )

    @classmethod
    def of(cls, item: Item) -> ItemIn:
        return cls(
            id=item.id,
            use=item.use,
            state=item.state,
            dimension=item.dimension,
            scale=item.scale,
            higher_is_better=item.higher_is_better,
            text=ItemTextIn(da=item.text.da, en=item.text.en),
        )


def _item_rules(item: ItemIn) -> list[tuple[str, str, str]]:
    """Rules of one item that no schema field says: (field, code, message)."""
    problems = []
    if item.use is ItemUse.SHORT_FORM:
        if item.scale != SHORT_FORM_SCALE:
            problems.append(("scale", "short_form_rule", "a short-form item uses the degree scale"))
        if item.dimension not in SOCIAL_CAPITAL:
            problems.append(
                (
                    "dimension",
                    "short_form_rule",
                    f"a short-form item is on one of {', '.join(SOCIAL_CAPITAL)}",
                )
            )
        if not item.higher_is_better:
            problems.append(
                ("higher_is_better", "short_form_rule", "short-form items score high as good")
            )
    if (item.use is ItemUse.FOLLOW_UP) != (item.dimension == "follow_up"):
        problems.append(
            ("dimension", "follow_up_rule", "the follow_up dimension is for the follow-up item")
        )
    return problems


def _field(item: ItemIn, name: str) -> object:
    if name == "text.da":
        return item.text.da
    return getattr(item, name)


def check_import(
    raw_entries: Sequence[object],
    existing: Mapping[str, Item],
    asked: Iterable[str],
    lines: Sequence[int | None] = (),
    source: str | None = None,
) -> list[ItemIn]:
    """Every entry, then the bank they make with what is there: all checked before any write.

    `existing`: the bank's items now; `asked`: ids some round has asked (their meaning is fixed).
    Known ids are updated, new ones added; an item not in the file is left as it is.
    """
    issues: list[BankIssue] = []
    valid: list[tuple[int, ItemIn]] = []
    first_seen: dict[str, int] = {}
    asked_ids = set(asked)

    def issue(number: int | None, item_id: str | None, field: str, code: str, text: str) -> None:
        issues.append(BankIssue(entry=number, item=item_id, field=field, code=code, message=text))

    for index, raw in enumerate(raw_entries):
        number = index + 1
        raw_id = raw.get("id") if isinstance(raw, Mapping) else None
        item_id = raw_id.strip() if isinstance(raw_id, str) else None
        if not isinstance(raw, Mapping):
            issue(number, None, "", "wrong_type", "must be a mapping of fields")
            continue
        try:
            item = ItemIn.model_validate(dict(raw))
        except ValidationError as error:
            for found in issues_from(error, number):
                issues.append(BankIssue(**found.model_dump(), item=item_id))
            continue
        if item.id in first_seen:
            issue(
                number,
                item.id,
                "id",
                "duplicate_id",
                f"duplicate id {item.id!r} (also entry {first_seen[item.id]})",
            )
            continue
        first_seen[item.id] = number
        for field, code, message in _item_rules(item):
            issue(number, item.id, field, code, message)
        before = existing.get(item.id)
        if before is not None and item.id in asked_ids:
            old = ItemIn.of(before)
            for name in FROZEN_WHEN_ASKED:
                if _field(old, name) != _field(item, name):
                    issue(
                        number,
                        item.id,
                        name,
                        "asked_item_changed",
                        "this item has been asked, so its meaning is fixed: give the new "
                        "wording a new id and retire this one",
                    )
        valid.append((number, item))
    if not issues:
        issues.extend(_whole_bank(valid, existing))
    if issues:
        issues.sort(key=lambda found: found.entry or 0)
        raise InvalidBank(_located(issues, lines, source))
    return [item for _, item in valid]


def _whole_bank(valid: list[tuple[int, ItemIn]], existing: Mapping[str, Item]) -> list[BankIssue]:
    """The bank after the import must still hold together: one active follow-up, one active
    short-form item per dimension, enough active rotation items for a pulse."""
    merged = dict(existing)
    numbers: dict[str, int] = {}
    for number, entry in valid:
        merged[entry.id] = entry.as_item()
        numbers[entry.id] = number
    issues: list[BankIssue] = []
    active = [item for item in merged.values() if item.state is ItemState.ACTIVE]
    seen: dict[tuple[ItemUse, str], str] = {}
    for item in sorted(active, key=lambda i: (numbers.get(i.id, 0), i.id)):
        key = (item.use, "" if item.use is ItemUse.FOLLOW_UP else item.dimension)
        if item.use is ItemUse.ROTATION:
            continue
        if key in seen:
            what = "follow-up item" if item.use is ItemUse.FOLLOW_UP else "short-form item"
            issues.append(
                BankIssue(
                    entry=numbers.get(item.id),
                    item=item.id,
                    field="state",
                    code="one_active_per_place",
                    message=f"{seen[key]} is the active {what} already; retire or draft one",
                )
            )
        else:
            seen[key] = item.id
    if issues:
        return issues
    reference = default_bank()
    try:
        bank = QuestionBank.assemble(reference.scales, reference.dimensions, list(merged.values()))
    except ValueError as error:
        issues.append(BankIssue(field="", code="inconsistent", message=str(error)))
        return issues
    if len(default_template(bank, 0)) < MIN_ROTATION:
        issues.append(
            BankIssue(
                field="state",
                code="rotation_too_small",
                message=f"the default rotation needs active rotation items in at least "
                f"{MIN_ROTATION} of the social capital dimensions and the general ones",
            )
        )
    return issues


def _located(
    issues: list[BankIssue], lines: Sequence[int | None], source: str | None
) -> list[BankIssue]:
    result = []
    for found in issues:
        update: dict[str, Any] = {"file": source}
        if found.line is None and found.entry is not None and found.entry - 1 < len(lines):
            update["line"] = lines[found.entry - 1]
        result.append(found.model_copy(update=update))
    return result


# --- the YAML format ---------------------------------------------------------------------------


def _refused(source: str | None, line: int | None, field: str, code: str, text: str) -> InvalidBank:
    return InvalidBank([BankIssue(file=source, line=line, field=field, code=code, message=text)])


def read_bank_file(text: str, source: str | None = None) -> tuple[list[object], list[yaml.Node]]:
    """The entries of a bank file and their nodes (for lines), or InvalidBank at the first
    thing that makes it no bank file at all."""
    try:
        data, root = load_with_nodes(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        refused = isinstance(error, RefusedYaml)
        raise _refused(
            source,
            mark.line + 1 if mark else None,
            "",
            "refused_yaml" if refused else "not_yaml",
            f"refused: {problem}" if refused else f"not valid YAML: {problem}",
        ) from None
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise _refused(source, 1, "items", "missing", "expected a mapping with the key 'items'")
    unknown = sorted(str(key) for key in data if key not in ("items", "version"))
    if unknown or "items" not in data:
        raise _refused(
            source,
            1,
            ", ".join(unknown) if unknown else "items",
            "unknown_field" if unknown else "missing",
            "expected a mapping with the keys 'version' and 'items' (a list of items)",
        )
    version = data.get("version")
    if version is not None and (type(version) is not int or version != BANK_VERSION):
        raise _refused(
            source, 1, "version", "unsupported_version", f"this is version {BANK_VERSION}"
        )
    node = next(v for k, v in root.value if k.value == "items")
    entries = data["items"]
    if not isinstance(entries, list) or not entries or not isinstance(node, yaml.SequenceNode):
        raise _refused(
            source, node.start_mark.line + 1, "items", "empty", "expected a non-empty list"
        )
    return entries, list(node.value)


def parse_bank(
    text: str,
    existing: Mapping[str, Item],
    asked: Iterable[str],
    source: str | None = None,
) -> list[ItemIn]:
    """A YAML bank file into checked items, all or nothing; each issue on its field's line."""
    entries, nodes = read_bank_file(text, source)
    try:
        return check_import(
            entries, existing, asked, [n.start_mark.line + 1 for n in nodes], source
        )
    except InvalidBank as error:
        located = []
        for found in error.issues:
            if found.entry is not None and found.field and found.entry - 1 < len(nodes):
                node = nodes[found.entry - 1]
                found = found.model_copy(update={"line": node_line(node, found.field.split("."))})
            located.append(found)
        raise InvalidBank(located) from None


def without_english(items: Iterable[Item | ItemIn]) -> list[str]:
    """Items English readers get in Danish (HR is told at every import and export)."""
    return [item.id for item in items if not item.text.en and item.state is not ItemState.RETIRED]


def dump_bank(items: Iterable[Item]) -> str:
    """The export format, which `parse_bank` reads back unchanged (a byte-identical round trip)."""
    items = list(items)
    entries = []
    for item in items:
        text = {"da": item.text.da, **({"en": item.text.en} if item.text.en else {})}
        entries.append(
            {
                "id": item.id,
                "use": item.use.value,
                "state": item.state.value,
                "dimension": item.dimension,
                "scale": item.scale,
                "higher_is_better": item.higher_is_better,
                "text": text,
            }
        )
    header = [
        "# Trivselsbot question bank. Import with `trivselsbot questions import FILE`.",
        "# dimensions: " + ", ".join(DIMENSIONS),
        "# scales: " + ", ".join(SCALES) + " (degree: the short form's scale)",
        "# uses: " + ", ".join(use.value for use in ItemUse),
        "# states: " + ", ".join(state.value for state in ItemState),
        "# An item that has been asked keeps its meaning: a new wording needs a new id.",
    ]
    missing = without_english(items)
    if missing:
        header.append("# No English text (English readers see the Danish): " + ", ".join(missing))
    body = yaml.safe_dump(
        {"version": BANK_VERSION, "items": entries},
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    return "\n".join(header) + "\n" + str(body)
