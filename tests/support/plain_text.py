"""Checks that people's words on a card are plain text: one block each, no Markdown structure."""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt

# CommonMark with the extensions some Adaptive Card hosts add (strikethrough, tables).
MARKDOWN = MarkdownIt("commonmark").enable(["strikethrough", "table"])


def assert_plain_one_line(text: str) -> None:
    """No structure a TextBlock's Markdown subset, or a full CommonMark renderer, could make of it."""
    assert "\n" not in text and "\r" not in text
    assert not text.startswith(("- ", "* ", "+ ", "1. ", "1) ", "#"))
    for mark in ("**", "[", "](", "_", "<", "`", "~~", "{{"):
        assert mark not in text, (mark, text)
    html = MARKDOWN.render(text)
    if text.strip():
        # One paragraph and nothing inside it: the only tags are the paragraph's own two.
        assert html.startswith("<p>") and html.endswith("</p>\n"), html
        assert html.count("<") == 2, html


def blocks_between(body: list[dict[str, Any]], title: str, end: str | None) -> list[dict[str, Any]]:
    """A card's elements after the one whose text is `title`, up to one starting with `end`."""
    texts = [element.get("text", "") for element in body]
    start = texts.index(title) + 1
    stop = len(body)
    if end is not None:
        stop = next(i for i in range(start, len(texts)) if texts[i].startswith(end))
    return body[start:stop]
