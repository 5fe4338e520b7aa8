"""Sharing a round's summary with the team: the button on the summary card, the confirmation that
shows the post exactly as it will stand in the channel, and the post itself.

The post is built from the leader's own Summary and from the same pieces as the leader's card
(dialogs/cards/summary.py), so it can never hold more: the team's own figures of that round, its
trend, the dialogue questions, and the anonymous comments only when the leader ticked them. No
comparison with other units, no baseline, no forms: a channel has many readers.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from dialogs.cards.charts import question_trend_section
from dialogs.cards.common import Card, adaptive_card, heading, paragraph, submit
from dialogs.cards.share_button import SHARE_CANCEL_ACTION, SHARE_CONFIRM_ACTION
from dialogs.cards.summary import (
    _comments,
    _dialogue,
    _distribution,
    _score_chart,
    _withheld,
)
from dialogs.dates import local_datetime
from dialogs.i18n import Language, t
from storage.question_bank import QuestionBank
from storage.results.values import Summary


def post_body(
    summary: Summary, bank: QuestionBank, language: Language, k: int, with_comments: bool
) -> list[dict[str, Any]]:
    """What the channel shows: the round's released figures, trend, dialogue questions and, if
    ticked, its comments (the caller has checked that they are released)."""
    figures = summary.figures
    assert figures is not None and summary.closes_at is not None  # checked by storage
    body: list[dict[str, Any]] = [
        heading(t(language, "share.post_title", unit=summary.unit_name, sequence=summary.sequence)),
        paragraph(
            t(language, "share.post_intro", date=local_datetime(summary.closes_at, language)),
            isSubtle=True,
        ),
        paragraph(
            t(
                language,
                "summary.responses",
                responses=figures.responses,
                eligible=figures.eligible,
                rate=round(100 * figures.response_rate),
            )
        ),
        _score_chart(bank, figures, language),
        _distribution(figures, bank, language),
        *_withheld(figures, bank, language, k),
        *question_trend_section(summary, bank, language, k),  # each question against itself
        *_dialogue(figures, bank, language),
    ]
    if with_comments:
        body.extend(_comments(summary, language))
    body.append(paragraph(t(language, "share.post_anonymous", k=k), isSubtle=True, size="Small"))
    return body


def post_card(
    summary: Summary, bank: QuestionBank, language: Language, k: int, with_comments: bool
) -> Card:
    return adaptive_card(post_body(summary, bank, language, k, with_comments))


def post_fingerprint(
    summary: Summary, bank: QuestionBank, language: Language, k: int, with_comments: bool
) -> str:
    """What the leader confirmed, as a digest of the post: the same post gives the same digest
    whatever order its comments were shuffled into (rule 6 shuffles them at every reading)."""
    ordered = summary.model_copy(update={"comments": sorted(summary.comments)})
    card = post_card(ordered, bank, language, k, with_comments)
    encoded = json.dumps(card, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def confirm_card(
    summary: Summary,
    bank: QuestionBank,
    language: Language,
    k: int,
    with_comments: bool,
    fingerprint: str,
) -> Card:
    """The post inside a frame, with the one button that posts exactly that."""
    comments_note = "share.confirm_with_comments" if with_comments else None
    if not with_comments and summary.comments:
        comments_note = "share.confirm_without_comments"
    body: list[dict[str, Any]] = [
        heading(t(language, "share.confirm_title", unit=summary.unit_name)),
        paragraph(t(language, "share.confirm_exact")),
    ]
    if comments_note:
        body.append(paragraph(t(language, comments_note), isSubtle=True))
    body.append(
        {
            "type": "Container",
            "style": "emphasis",
            "bleed": False,
            "items": post_body(summary, bank, language, k, with_comments),
        }
    )
    data = {"round": summary.round_id, "comments": with_comments, "fingerprint": fingerprint}
    return adaptive_card(
        body,
        [
            submit(t(language, "share.confirm_button"), SHARE_CONFIRM_ACTION, **data),
            submit(t(language, "share.cancel_button"), SHARE_CANCEL_ACTION),
        ],
    )


def outcome_card(text: str) -> Card:
    """What the confirmation becomes once answered, so it cannot be pressed again by mistake."""
    return adaptive_card([paragraph(text)])
