"""`mine data` / `my data`: the true answer to "what do you store about me?" (rule 7)."""

from __future__ import annotations

from dialogs.cards.common import adaptive_card, card_activity, heading, paragraph
from dialogs.i18n import t
from dialogs.turn import Turn


async def show_my_data(turn: Turn) -> None:
    data = await turn.services.privacy.personal_data(turn.person.user_id)
    language = turn.language
    lines: list[str] = []
    if not data.known:
        lines.append(t(language, "my_data.unknown"))
    else:
        lines.append(
            t(language, "my_data.identity", name=data.name or "–", locale=data.locale or "–")
        )
        if data.personal_chat_stored:
            lines.append(t(language, "my_data.chat"))
        if data.units:
            lines.append(t(language, "my_data.units", units=", ".join(data.units)))
        if data.led_units:
            lines.append(t(language, "my_data.leader", units=", ".join(data.led_units)))
        if data.open_rounds:
            lines.append(
                t(
                    language,
                    "my_data.open_rounds",
                    answered=data.open_rounds_answered,
                    total=data.open_rounds,
                )
            )
        if data.queued_messages:
            lines.append(t(language, "my_data.queued", count=data.queued_messages))
        if data.pushes_ordered:
            lines.append(t(language, "my_data.orders", count=data.pushes_ordered))
        if data.results_viewed:
            lines.append(t(language, "my_data.views", count=data.results_viewed))
    body = [heading(t(language, "my_data.title"))]
    body.append(paragraph("\n".join(f"- {line}" for line in lines)))
    body.append(paragraph(t(language, "my_data.answers"), spacing="Medium"))
    await turn.context.send_activity(card_activity(adaptive_card(body)))
