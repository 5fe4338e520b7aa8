"""Free-text comments (pulse comments and reflection texts): when they may be shown, and how they are kept.

Rule 6: comments are shown only when the group reaches the comment threshold, which is higher than
k because words identify a person where a count does not (how someone writes, what they mention).
The threshold is never below k. A comment is kept as one line of visible characters, so nobody
can be recognised by their line breaks or hidden characters and one person's text cannot pose
as several comments.
"""

from __future__ import annotations

import unicodedata

DEFAULT_MIN_COMMENT_GROUP_SIZE = 7  # Viva Glint's default is 10; municipal teams are often 8–15

# Zero-width non-joiner and joiner: parts of emoji sequences (👩‍💻) and of words in some scripts.
# Tag characters: parts of subdivision flag emoji. Everything else of Cc and Cf goes.
_KEPT_FORMAT = frozenset({"\u200c", "\u200d", *map(chr, range(0xE0020, 0xE0080))})


def comment_threshold(k: int, requested: int) -> int:
    """The comment threshold in force: the one asked for, but never below k (rule 6)."""
    return max(k, requested)


def comments_shown(responses: int, k: int, requested: int) -> bool:
    """True when a round's comments (or reflection texts) may be shown: enough people answered."""
    return responses >= comment_threshold(k, requested)


def _hidden(character: str) -> bool:
    """A control or invisible format character (bidi overrides, zero-width spaces, BOM, …)."""
    return unicodedata.category(character) in ("Cc", "Cf") and character not in _KEPT_FORMAT


def one_line(text: str) -> str:
    """The text as one line of visible characters: every run of whitespace (line breaks too)
    becomes one space, control and invisible format characters are removed.

    The one cleaning of comment text: used when a comment is stored, and again by the cards
    before they escape it for display (rows stored before this rule existed are not clean)."""
    visible = "".join(c for c in text if c.isspace() or not _hidden(c))
    return " ".join(visible.split())
