"""One route of the admin API, as both the router and the OpenAPI document read it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


ACTING_AS = "X-Trivselsbot-As"
ACTING_AS_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,99}$"


@dataclass(frozen=True)
class Query:
    """A query parameter; `choices` are the only values it takes (documented as an enum)."""

    name: str
    description: str
    choices: tuple[str, ...] = ()
    required: bool = False
    pattern: str | None = None
    schema: tuple[tuple[str, Any], ...] = ()  # more of its JSON schema (format, type, bounds)


@dataclass(frozen=True)
class Route:
    """One endpoint: how it is routed and how the OpenAPI document describes it."""

    method: str
    path: str
    handler: Handler
    summary: str
    request: type[BaseModel] | str | None = None  # a model, or a media type for raw bodies
    response: type[BaseModel] | str | None = None
    status: int = 200
    query: tuple[Query, ...] = ()
    response_media: str = "application/json"
    yaml_body: type[BaseModel] | None = None  # also takes this as YAML (the export format)
    files: tuple[str, ...] = ()  # answers with a file of one of these media types
    acting_as: bool = False  # takes the X-Trivselsbot-As header (which HR person calls)
