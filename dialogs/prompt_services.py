"""The prompt services a flow may call, grouped so the shared `Services` grows by one field."""

from __future__ import annotations

from dataclasses import dataclass

from storage.answers.reflections import Reflections
from storage.prompts.channel_posts import ChannelPosts
from storage.prompts.library import PromptLibrary
from storage.prompts.publisher import Publisher


@dataclass(frozen=True)
class PromptServices:
    """The library, publishing, reflections and channel posts; built once by bot/ at start-up."""

    library: PromptLibrary
    publisher: Publisher
    reflections: Reflections
    channel_posts: ChannelPosts
    open_days: int  # how long a published prompt stays open unless HR says otherwise
