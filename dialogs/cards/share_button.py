"""The summary card's "Del med teamet" button (the rest of sharing is dialogs/cards/share.py).

Apart from the card it opens, so that the summary card can offer it without importing the post,
which is built from the summary card's own pieces.
"""

from __future__ import annotations

from typing import Any

from dialogs.cards.common import paragraph, submit
from dialogs.i18n import Language, t
from storage.results.team_share import comments_may_go
from storage.results.values import Summary

SHARE_PREVIEW_ACTION = "share.preview"
SHARE_CONFIRM_ACTION = "share.confirm"
SHARE_CANCEL_ACTION = "share.cancel"
COMMENTS_INPUT = "share_comments"


def share_action(summary: Summary, language: Language) -> dict[str, Any]:
    """ "Del med teamet" on the summary card: the comments can be ticked only when released."""
    body: list[dict[str, Any]] = [paragraph(t(language, "share.intro"))]
    if comments_may_go(summary):
        body.append(
            {
                "type": "Input.Toggle",
                "id": COMMENTS_INPUT,
                "title": t(language, "share.include_comments", count=len(summary.comments)),
                "value": "false",
                "valueOn": "true",
                "valueOff": "false",
            }
        )
    return {
        "type": "Action.ShowCard",
        "title": t(language, "share.button"),
        "card": {
            "type": "AdaptiveCard",
            "body": body,
            "actions": [
                submit(
                    t(language, "share.preview_button"),
                    SHARE_PREVIEW_ACTION,
                    round=summary.round_id,
                )
            ],
        },
    }
