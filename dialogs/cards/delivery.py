"""HR's delivery status card and final report: counts and reasons, never a name.

Reasons are grouped as the outbox records them (status code and Teams' error code); the common
ones get a plain-language explanation in front.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity

from dialogs.cards.common import adaptive_card, card_activity, heading, paragraph
from dialogs.dates import local_moment, per_second
from dialogs.i18n import Language, t
from storage.delivery.status import DeliveryReport
from storage.tables.outbox import OutboxKind

MAX_REASONS = 8


def _reason_text(reason: str, language: Language) -> str:
    if "MessageWritesBlocked" in reason:
        return t(language, "delivery.reason.blocked")
    if reason in ("item closed", "round closed"):
        return t(language, "delivery.reason.closed")
    if "ConversationNotFound" in reason or reason.startswith("404"):
        return t(language, "delivery.reason.not_found")
    if reason == "the bot is no longer in this channel":  # storage/prompts/channel_posts.py
        return t(language, "delivery.reason.not_in_channel")
    if reason.startswith("gave up after"):
        return t(language, "delivery.reason.gave_up", detail=reason.removeprefix("gave up after "))
    return reason


def _facts(report: DeliveryReport, language: Language) -> dict[str, Any]:
    return {
        "type": "FactSet",
        "facts": [
            {"title": t(language, "delivery.sent"), "value": str(report.sent)},
            {"title": t(language, "delivery.pending"), "value": str(report.pending)},
            {"title": t(language, "delivery.failed"), "value": str(report.failed)},
            {"title": t(language, "delivery.total"), "value": str(report.total)},
        ],
    }


def push_label(report: DeliveryReport, label: str, language: Language) -> str:
    """The first team's name, and how many more an order to several teams reached."""
    if report.rounds == 2:
        return t(language, "delivery.team_and_one_other", team=label)
    if report.rounds > 2:
        return t(language, "delivery.team_and_others", team=label, others=report.rounds - 1)
    return label


def estimate_lines(report: DeliveryReport, language: Language) -> list[str]:
    """When it will be done, from the observed rate; and what holds it, said plainly."""
    ahead = report.estimate
    if ahead is None:
        return []
    now = report.as_of
    lines = []
    if ahead.paused_until is not None:
        lines.append(
            t(language, "delivery.paused", until=local_moment(ahead.paused_until, language, now))
        )
    elif ahead.starts_at is not None:
        key = "delivery.held" if ahead.quiet_hours else "delivery.next_try"
        lines.append(t(language, key, starts=local_moment(ahead.starts_at, language, now)))
    done = local_moment(ahead.done_at, language, now)
    rate = per_second(ahead.rate_per_second, language)
    lines.append(
        t(
            language,
            "delivery.eta" if ahead.observed else "delivery.eta_planned",
            done=done,
            rate=rate,
        )
    )
    return lines


def delivery_status_card(
    report: DeliveryReport, label: str, language: Language, kind: OutboxKind | None = None
) -> dict[str, Any]:
    """While running: the counts and when it will be done. Done: the counts, the reasons
    grouped, and any uncertainty."""
    title = t(
        language,
        "delivery.report_title" if report.done else "delivery.title",
        team=push_label(report, label, language),
    )
    if kind is not None:
        title = f"{title} · {t(language, f'delivery.kind.{kind.value}')}"
    posts = kind is OutboxKind.CHANNEL_POST  # one per team channel, not a message per person
    body: list[dict[str, Any]] = [heading(title), _facts(report, language)]
    if not report.done:
        body += [paragraph(line) for line in estimate_lines(report, language)]
        running = "delivery.running_posts" if posts else "delivery.running"
        body.append(paragraph(t(language, running), isSubtle=True))
        return adaptive_card(body)
    if report.reasons:
        body.append(paragraph(t(language, "delivery.reasons"), weight="Bolder", spacing="Medium"))
        ranked = sorted(report.reasons.items(), key=lambda item: (-item[1], item[0]))
        for reason, count in ranked[:MAX_REASONS]:
            body.append(paragraph(f"• {_reason_text(reason, language)}: {count}", spacing="None"))
    if report.uncertain:
        body.append(paragraph(t(language, "delivery.uncertain", count=report.uncertain)))
    body.append(paragraph(t(language, "delivery.counts_only"), isSubtle=True))
    return adaptive_card(body)


def delivery_status_activity(
    report: DeliveryReport, label: str, language: Language, kind: OutboxKind | None = None
) -> Activity:
    return card_activity(delivery_status_card(report, label, language, kind))


def delivery_done_activity(
    report: DeliveryReport, label: str, language: Language, kind: OutboxKind | None = None
) -> Activity:
    """A short new message when the push is done: card updates do not notify anyone."""
    what = f" ({t(language, f'delivery.kind.{kind.value}')})" if kind is not None else ""
    return MessageFactory.text(
        t(
            language,
            "delivery.done_posts" if kind is OutboxKind.CHANNEL_POST else "delivery.done",
            what=what,
            team=push_label(report, label, language),
            sent=report.sent,
            total=report.total,
            failed=report.failed,
        )
    )
