"""Activities to and from JSON the way msrest does it, at a fraction of the cost.

msrest's `Serializer.body(activity, "Activity")` first rebuilds the whole model with a deserializer,
then walks it with per-attribute key transformers and validation: about a third of a millisecond
for a card, on every send. This walks the same `_attribute_map`s directly. It handles the shapes
the Bot Framework schema uses (models, lists and dicts of them, str/bool/int/float, ISO dates,
free `object` values); anything else raises `Unsupported` and the caller falls back to msrest, so
the output is always what the SDK would have sent (tests/test_connector_client.py compares them).

Parsing an incoming activity is the same walk the other way (`parse_activity`): the models the SDK's
`Activity().deserialize` would build, unknown keys kept in `additional_properties` as msrest keeps
them, and msrest itself for any value of another shape (so malformed input fails exactly as before).
"""

from __future__ import annotations

import datetime
import re
from enum import Enum
from typing import Any

from botbuilder.schema import Activity, ConversationParameters, ConversationReference
from botframework.connector import models as connector_models
from msrest import Deserializer, Serializer
from msrest.serialization import Model

_MSREST = Serializer({k: v for k, v in vars(connector_models).items() if isinstance(v, type)})
_BASIC = (str, int, float, bool)
_PLAIN = frozenset({str, int, float, bool, type(None)})


class Unsupported(Exception):
    """A value this fast path does not reproduce exactly; msrest serializes the whole body."""


def _model(model: Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    attribute_map: dict[str, dict[str, str]] = type(model)._attribute_map
    for attr, desc in attribute_map.items():
        value = getattr(model, attr, None)
        if value is None:
            continue
        key = desc["key"]
        if attr == "additional_properties" and key == "":
            out.update(value)
            continue
        if "." in key:
            raise Unsupported("flattened key")
        out[key] = _typed(value, desc["type"])
    return out


def _typed(value: Any, kind: str) -> Any:
    if kind == "str":
        if type(value) is str:
            return value
        if isinstance(value, Enum):
            return value.value
        return str(value)
    if kind == "object":
        return _object(value)
    if kind[0] == "[":
        if not isinstance(value, list):
            raise Unsupported("list expected")
        inner = kind[1:-1]
        return [None if item is None else _typed(item, inner) for item in value]
    if kind[0] == "{":
        if not isinstance(value, dict):
            raise Unsupported("dict expected")
        inner = kind[1:-1]
        return {str(k): (None if v is None else _typed(v, inner)) for k, v in value.items()}
    if kind == "bool" and type(value) is bool:
        return value
    if kind == "int" and type(value) is int:
        return value
    if kind == "float" and type(value) in (int, float):
        return float(value)
    if kind == "iso-8601" and isinstance(value, datetime.datetime):
        return Serializer.serialize_iso(value)
    if isinstance(value, Model):  # msrest, too, walks the instance's own map (subclasses)
        return _model(value)
    raise Unsupported(kind)


def _object(value: Any) -> Any:
    kind = type(value)
    if kind in _BASIC or value is None:
        return value
    if kind is dict:
        return {
            (k if type(k) is str else str(k)): (v if type(v) in _PLAIN else _object(v))
            for k, v in value.items()
        }
    if kind is list:
        return [item if type(item) in _PLAIN else _object(item) for item in value]
    if isinstance(value, Model):
        return _model(value)
    if kind is datetime.datetime:
        return Serializer.serialize_iso(value)
    raise Unsupported(kind.__name__)


def activity_body(activity: Activity) -> dict[str, Any]:
    """The JSON body the SDK's connector client would send for `activity`."""
    try:
        return _model(activity)
    except Unsupported:
        return _MSREST.body(activity, "Activity")  # type: ignore[no-any-return]


def conversation_parameters_body(parameters: ConversationParameters) -> dict[str, Any]:
    try:
        return _model(parameters)
    except Unsupported:
        return _MSREST.body(parameters, "ConversationParameters")  # type: ignore[no-any-return]


def reference_body(reference: ConversationReference) -> dict[str, Any]:
    """`reference.serialize()`, as stored for proactive messages, without msrest's walk: a push
    that creates thousands of 1:1 chats stores one reference each, and msrest's serialization of
    them was 5% of the worker's profile."""
    try:
        return _model(reference)
    except Unsupported:
        return reference.serialize()  # type: ignore[no-any-return]


def msrest_body(model: Model, kind: str) -> Any:
    """The SDK's own serialization (for tests that compare, and for the fallback)."""
    return _MSREST.body(model, kind)


# --- incoming: JSON -> Activity --------------------------------------------------------------------

_CLASSES: dict[str, type[Model]] = Activity._infer_class_models()
# A full timestamp with a zone and at most microseconds: the same instant and offset as msrest's
# isodate parse (other forms, e.g. .NET's seven fraction digits, go to msrest).
_PLAIN_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)\Z")
_Fields = tuple[tuple[tuple[str, str, str], ...], frozenset[str], bool]
_FIELDS: dict[type[Model], _Fields] = {}


def _fields(cls: type[Model]) -> _Fields:
    """The class's (attribute, JSON key, type) triples, its JSON keys, and whether its __init__
    does nothing but store its arguments (then the instance is filled directly, in one go)."""
    found = _FIELDS.get(cls)
    if found is None:
        fields = tuple((attr, d["key"], d["type"]) for attr, d in cls._attribute_map.items())
        if any("." in key or key == "" for _, key, _ in fields):
            raise Unsupported("flattened or additional-properties key")
        plain = set(vars(cls())) == {attr for attr, _, _ in fields} | {"additional_properties"}
        found = _FIELDS[cls] = (fields, frozenset(key for _, key, _ in fields), plain)
    return found


def _parse_model(cls: type[Model], data: Any) -> Model:
    if type(data) is not dict:
        raise Unsupported("object expected")
    fields, known, plain = _fields(cls)
    values: dict[str, Any] = {}
    for attr, key, kind in fields:
        raw = data.get(key)
        values[attr] = None if raw is None else _parse(raw, kind)
    extra = {}
    if len(data) > len(known) or not known.issuperset(data):
        extra = {key: value for key, value in data.items() if key not in known}
    if plain:
        model = cls.__new__(cls)
        values["additional_properties"] = extra
        model.__dict__.update(values)
    else:
        model = cls(**values)
        if extra:
            model.additional_properties = extra
    return model


def _parse(raw: Any, kind: str) -> Any:
    if kind == "str":
        if type(raw) is str:
            return raw
        raise Unsupported("str expected")
    if kind == "object":
        return raw
    if kind[0] == "[":
        if type(raw) is not list:
            raise Unsupported("list expected")
        inner = kind[1:-1]
        return [None if item is None else _parse(item, inner) for item in raw]
    if kind[0] == "{":
        if type(raw) is not dict:
            raise Unsupported("dict expected")
        inner = kind[1:-1]
        return {k: (None if v is None else _parse(v, inner)) for k, v in raw.items()}
    if kind == "bool" and type(raw) is bool:
        return raw
    if kind == "int" and type(raw) is int:
        return raw
    if kind == "float" and type(raw) in (int, float):
        return float(raw)
    if kind == "iso-8601" and type(raw) is str:
        if _PLAIN_ISO.match(raw):  # what Teams sends; the stdlib parses it ten times faster
            return datetime.datetime.fromisoformat(raw)
        return Deserializer.deserialize_iso(raw)
    cls = _CLASSES.get(kind)
    if cls is not None:
        return _parse_model(cls, raw)
    raise Unsupported(kind)


def parse_activity(body: dict[str, Any]) -> Activity:
    """What `Activity().deserialize(body)` returns (and raises), without msrest's per-key machinery."""
    try:
        return _parse_model(Activity, body)
    except Unsupported:
        return Activity().deserialize(body)
    except Exception:  # e.g. a malformed date: msrest decides how it fails
        return Activity().deserialize(body)
