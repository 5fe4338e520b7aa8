"""People's own words on a card: one block each, shown as plain text (rule 6).

A TextBlock renders a Markdown subset (lists `- ` and `1. `, `**bold**`, `_italics_`,
`[link](url)`) and some clients more (`~~strike~~`, code, autolinks `<…>`, `{{DATE(…)}}`). A comment
written as "x\\n- enig\\n- også mig" would look like three people agreeing, and a link could hide
where it points. Backslash escapes are not honoured by every Teams client, so the characters
that make structure are replaced by look-alikes that make none, after the text is made one line
(storage/comments.one_line, the same cleaning as when it was stored).
"""

from __future__ import annotations

import re
from typing import Any

from storage.comments import one_line

_LOOKALIKES = str.maketrans(
    {
        "*": "\u2217",  # ∗ bold, italics, bullets
        "_": "\uff3f",  # ＿ italics, bold
        "~": "\u223c",  # ∼ strikethrough
        "`": "\u02cb",  # ˋ code
        "[": "\uff3b",  # ［ links
        "]": "\uff3d",  # ］
        "<": "\u2039",  # ‹ autolinks, HTML, mentions
        ">": "\u203a",  # › and block quotes
    }
)
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")  # &amp; &#42; … would decode into other characters
_TEMPLATE = re.compile(r"\{\{")  # {{DATE(…)}} and {{TIME(…)}} are evaluated by the renderer
# A bullet, heading or rule (`- `, `+ `, `# `, `---`) or a numbered item (`1. `, `1) `).
_LEADING_MARKER = re.compile(r"^(?:([-+#])|([0-9]{1,9})([.)])(?=\s|$))")
_LEADING = {"-": "\u2010", "+": "\uff0b", "#": "\uff03", ".": "\u2024", ")": "\uff09"}


def _unmark_start(match: re.Match[str]) -> str:
    """A list item, heading or rule can only start a line; a comment is one line, so only here.

    A leading -, + or # is replaced whatever follows (`---` and `## ` make structure too)."""
    sign, digits, closing = match.groups()
    if sign:
        return _LEADING[sign]
    return digits + _LEADING[closing]


def plain_text(text: str) -> str:
    """What a card shows of someone's free text: one line that no renderer reads as structure."""
    line = one_line(text).translate(_LOOKALIKES)
    line = _ENTITY.sub("\uff06", line)
    line = _TEMPLATE.sub("\uff5b\uff5b", line)
    return _LEADING_MARKER.sub(_unmark_start, line)


def comment_block(text: str) -> dict[str, Any]:
    """One comment as its own TextBlock, set off by a separator line that no text can draw."""
    return {
        "type": "TextBlock",
        "text": plain_text(text),
        "wrap": True,
        "separator": True,
        "spacing": "Small",
    }
