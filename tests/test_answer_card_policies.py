"""The anonymous footer and "replace or send" of answered cards: one copy each.

Every card that asks for an answer (the pulse, the reflection, the channel's prompt) ends with the
same small print from `dialogs.cards.common.anonymous_footer`: what stays anonymous, with this
deployment's thresholds, and until when the round takes answers. Every card that is pressed and
answered (the pulse and reflection cards, HR's forms, the leader's share confirmation) is replaced
through `dialogs.flows.replace`, and sent anew when it cannot be.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dialogs.cards.common import anonymous_footer
from dialogs.cards.prompts import channel_prompt_card, reflection_card
from dialogs.cards.pulse import pulse_card
from dialogs.flows.replace import replace_card, replace_or_send
from storage.prompts.views import PromptRoundInfo
from storage.question_bank import default_bank
from storage.rounds.lifecycle import RoundInfo
from storage.tables.prompts import Delivery, Theme
from storage.tables.pulses import RoundState

ROOT = Path(__file__).resolve().parents[1]
CLOSES = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Friday 16:00 in Copenhagen
K, COMMENT_K = 5, 7


def _pulse() -> RoundInfo:
    bank = default_bank()
    return RoundInfo(
        id="r-1",
        unit_id="u-1",
        unit_name="Hjemmeplejen Nord",
        sequence=1,
        items=[item.id for item in bank.items[:3]],
        opens_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        closes_at=CLOSES,
        remind_at=None,
        state=RoundState.OPEN,
        eligible_count=6,
    )


def _prompt() -> PromptRoundInfo:
    return PromptRoundInfo(
        id="r-2",
        unit_id="u-1",
        unit_name="Hjemmeplejen Nord",
        prompt_id="p-1",
        theme=next(iter(Theme)),
        delivery=Delivery.PERSONAL,
        text_da="Hvornår lykkedes noget for jer?",
        text_en="When did something go well for you?",
        rating_da=None,
        rating_en=None,
        closes_at=CLOSES,
        state=RoundState.OPEN,
        eligible_count=6,
    )


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_card_that_asks_ends_with_the_one_anonymous_footer(language: Any) -> None:
    cards = {
        ("pulse.anonymous", "pulse.closes"): pulse_card(
            _pulse(), default_bank(), language, K, comment_k=COMMENT_K
        ),
        ("reflection.anonymous", "reflection.closes"): reflection_card(
            _prompt(), language, K, comment_k=COMMENT_K
        ),
        ("channel_prompt.private", "reflection.closes"): channel_prompt_card(
            _prompt(), language, K, comment_k=COMMENT_K
        ),
    }
    for (promise, closes), card in cards.items():
        footer = anonymous_footer(language, promise, closes, CLOSES, k=K, comment_k=COMMENT_K)
        assert card["body"][-2:] == footer, promise
        small_print = " ".join(block["text"] for block in footer)
        assert str(K) in small_print and "16:00" in small_print, small_print
        assert all(block["isSubtle"] and block["size"] == "Small" for block in footer)
    # Each card's promise names the comment threshold it keeps (the channel's one too).
    for card in cards.values():
        assert str(COMMENT_K) in card["body"][-2]["text"]


class _Context:
    def __init__(self, update_fails: bool) -> None:
        self.update_fails = update_fails
        self.updated: list[Any] = []
        self.sent: list[Any] = []

    async def update_activity(self, activity: Any) -> None:
        if self.update_fails:
            raise RuntimeError("the card is gone")
        self.updated.append(activity)

    async def send_activity(self, activity: Any) -> None:
        self.sent.append(activity)


def _turn(card_id: str | None, update_fails: bool = False) -> Any:
    return SimpleNamespace(
        activity=SimpleNamespace(reply_to_id=card_id), context=_Context(update_fails)
    )


async def test_a_pressed_card_is_replaced_in_place_else_sent_anew(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("tests.replace")
    card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "Tak"}]}
    replaced = _turn("card-1")
    await replace_or_send(replaced, card, log, "test.card_update_failed")
    assert [a.id for a in replaced.context.updated] == ["card-1"] and replaced.context.sent == []
    assert replaced.context.updated[0].attachments[0].content == card

    gone = _turn("card-1", update_fails=True)
    await replace_or_send(gone, card, log, "test.card_update_failed")
    assert [a.id for a in gone.context.sent] == [None]
    assert gone.context.sent[0].attachments[0].content == card
    assert "test.card_update_failed" in caplog.text

    no_card = _turn(None)
    await replace_or_send(no_card, card, log, "test.card_update_failed")
    assert no_card.context.updated == [] and len(no_card.context.sent) == 1
    # Only replacing (after "already answered"): nothing is sent when there is nothing to replace.
    only = _turn(None)
    assert await replace_card(only, card, log, "test.card_update_failed") is False
    assert only.context.sent == [] and only.context.updated == []


def test_no_flow_replaces_a_card_on_its_own() -> None:
    """`update_activity` is called in one place in dialogs/: a second copy would drift."""
    callers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "dialogs").rglob("*.py")
        if re.search(r"\.update_activity\(", path.read_text(encoding="utf-8"))
    )
    assert callers == ["dialogs/flows/replace.py"]
