"""The OpenAPI 3.1 document of the admin API, built from its route table and its pydantic models.

Schemas come from the same models that validate the requests, so the document says what the code
accepts; paths come from the same table that registers the routes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot.admin.routing import ACTING_AS, ACTING_AS_PATTERN, Route

REF = "#/components/schemas/{model}"
ERRORS = {
    "400": "Invalid input: `issues` names each field (and for imports the entry and line)",
    "401": "Missing or wrong bearer token",
    "404": "Not found, or the admin API is disabled (no BOT_ADMIN_TOKEN)",
    "409": "Conflict: the id is taken",
}
BODY_ERRORS = {
    "413": "The body is larger than the server takes (256 KiB)",
}
TOO_MANY = (
    "Too many requests from this address, or too many failed tokens from anywhere: wait the "
    "`Retry-After` seconds (a missing or wrong token counts as ten requests)"
)


def _content(kind: type[BaseModel] | str, media: str = "application/json") -> dict[str, Any]:
    if isinstance(kind, str):
        return {kind: {"schema": {"type": "string"}}}
    return {media: {"schema": {"$ref": REF.format(model=kind.__name__)}}}


def _files(media_types: Sequence[str]) -> dict[str, Any]:
    """A file download: the bytes of one of these types (with Content-Disposition)."""
    return {media: {"schema": {"type": "string", "format": "binary"}} for media in media_types}


def openapi_document(
    routes: Sequence[Route], error_model: type[BaseModel], rate_limited: type[BaseModel]
) -> dict[str, Any]:
    models: list[type[BaseModel]] = [error_model, rate_limited]
    for route in routes:
        for kind in (route.request, route.response, route.yaml_body):
            if isinstance(kind, type) and kind not in models:
                models.append(kind)
    _, schemas = models_json_schema([(model, "validation") for model in models], ref_template=REF)
    error = {
        code: {"description": text, "content": _content(error_model)}
        for code, text in ERRORS.items()
    }
    error["429"] = {
        "description": TOO_MANY,
        "headers": {
            "Retry-After": {
                "description": "whole seconds to wait before trying again",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        },
        "content": _content(rate_limited),
    }
    body_errors = {
        code: {"description": text, "content": _content(error_model)}
        for code, text in BODY_ERRORS.items()
    }
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation: dict[str, Any] = {
            "summary": route.summary,
            "operationId": route.handler.__name__,
            "security": [{"bearer": []}],
            "responses": {
                str(route.status): {
                    "description": "OK",
                    **(
                        {"content": _content(route.response, route.response_media)}
                        if route.response
                        else {}
                    ),
                    **({"content": _files(route.files)} if route.files else {}),
                },
                **error,
                **(body_errors if route.request is not None else {}),
            },
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", route.path)
        ]
        parameters += [
            {
                "name": query.name,
                "in": "query",
                "required": query.required,
                "description": query.description,
                "schema": {
                    "type": "string",
                    **({"enum": list(query.choices)} if query.choices else {}),
                    **({"pattern": query.pattern} if query.pattern else {}),
                    **dict(query.schema),
                },
            }
            for query in route.query
        ]
        if route.acting_as:
            parameters.append(
                {
                    "name": ACTING_AS,
                    "in": "header",
                    "required": False,
                    "description": (
                        "Your own Entra ID (AAD) object id, one of BOT_HR_ADMINS: the audit log "
                        "names you, and a push's delivery status card comes to your chat"
                    ),
                    "schema": {"type": "string", "pattern": ACTING_AS_PATTERN},
                }
            )
        if parameters:
            operation["parameters"] = parameters
        if route.request is not None:
            content = _content(route.request)
            if route.yaml_body:
                content.update(_content(route.yaml_body, "application/yaml"))
            operation["requestBody"] = {"required": True, "content": content}
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Trivselsbot admin API",
            "version": "1",
            "description": (
                "HR's API for the prompt library, publishing, the MED document, the released results "
                "and who looked at them. Every call needs `Authorization: Bearer <BOT_ADMIN_TOKEN>`. "
                "Texts are Danish first, English too."
            ),
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas.get("$defs", {}),
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }
