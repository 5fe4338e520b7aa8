"""`resumé` / `summary` and `handling` / `action`: a leader's results and what the team agreed.

Every figure comes from storage.results.summaries, which lets nothing through that disclosure did not
release; this module only decides who may ask and how the answer looks. Each card of results is
written to the audit log (storage/privacy/audit.py) before it is sent: a view that cannot be recorded is
not shown.
"""

from __future__ import annotations

import logging
from typing import Any

from dialogs.cards.common import card_activity
from dialogs.cards.summary import ACTION_INPUT, CHOICE_INPUT, reflection_card, summary_card
from dialogs.flows.short_form import short_form_of
from dialogs.i18n import t
from dialogs.turn import Turn
from storage.errors import DomainError, NotAllowed, RoundNotFound, UnitNotFound
from storage.privacy.audit import AuditWhat, Via, viewer_of
from storage.results.actions import EmptyAction
from storage.results.summaries import RoundStillOpen
from storage.results.values import Summary
from storage.values import Role

log = logging.getLogger(__name__)

REFUSALS = {
    NotAllowed: "summary.not_allowed",
    RoundStillOpen: "summary.still_open",
    RoundNotFound: "summary.unknown",
    UnitNotFound: "summary.unknown",
    EmptyAction: "summary.action_empty",
}


async def leader_units(turn: Turn) -> set[str]:
    """The units this leader or HR may see (their routes admit no one else, bot/teams/router.py)."""
    units = await turn.services.hierarchy.units_visible_to(
        turn.person.aad_object_id, Role.HR in turn.roles
    )
    return {unit.id for unit in units}


async def unit_name(turn: Turn, unit_id: str) -> str:
    """A visible unit's name for a reply (its id if it has none)."""
    units = await turn.services.hierarchy.units_visible_to(
        turn.person.aad_object_id, Role.HR in turn.roles
    )
    return next((u.name for u in units if u.id == unit_id), unit_id)


async def refuse(turn: Turn, error: DomainError) -> bool:
    """Results a person may not see, or that are not there: every domain error is told."""
    key = next((text for kind, text in REFUSALS.items() if isinstance(error, kind)), None)
    log.info("summary.refused", extra={"reason": error.code})
    await turn.context.send_activity(t(turn.language, key or "error.not_allowed"))
    return True


async def log_view(
    turn: Turn,
    what: AuditWhat,
    unit_id: str | None,
    round_id: str | None = None,
    period: str | None = None,
) -> None:
    """Who is about to see which figure, in the audit log: the viewer, never the answers."""
    await turn.services.audit.record(
        viewer_of(turn.person.aad_object_id, turn.person.user_id),
        unit_id,
        what,
        via=Via.CHAT,
        round_id=round_id,
        period=period,
    )


async def _send(turn: Turn, summary: Summary, visible: set[str]) -> None:
    choices = await turn.services.summaries.choices(visible)
    shareable = await turn.services.shares.may_share(turn.person.aad_object_id, summary)
    card = summary_card(
        summary,
        turn.services.bank,
        turn.language,
        turn.k,
        choices,
        shareable=shareable,
        short_form=await short_form_of(turn.services, summary),
    )
    if summary.round_id is not None:
        await log_view(turn, AuditWhat.ROUND_SUMMARY, summary.unit_id, summary.round_id)
    else:
        await log_view(turn, AuditWhat.PERIOD_SUMMARY, summary.unit_id, period=summary.period)
    await turn.context.send_activity(card_activity(card))


async def show_summary(turn: Turn) -> None:
    """Default: the newest closed round of a unit the person leads (or any, for HR)."""
    visible = await leader_units(turn)
    summaries = turn.services.summaries
    led = {u.id for u in await turn.services.roles.led_units(turn.person.aad_object_id or "")}
    round_id = await summaries.latest_closed_round(
        led & visible
    ) or await summaries.latest_closed_round(visible)
    if round_id is None:
        await turn.context.send_activity(t(turn.language, "summary.none"))
        return
    summary = await summaries.round_summary(round_id, visible)
    await _send(turn, summary, visible)


async def show_chosen_summary(turn: Turn) -> None:
    """The leader picked a unit and round (or month) on the card; checked again here."""
    visible = await leader_units(turn)
    choice = turn.activity.value.get(CHOICE_INPUT)
    summaries = turn.services.summaries
    try:
        if not isinstance(choice, str):
            raise RoundNotFound("missing")
        kind, _, rest = choice.partition(":")
        if kind == "prompt":
            reflections = await summaries.reflection_summary(rest, visible)
            card = reflection_card(reflections, turn.language, turn.k)
            await log_view(turn, AuditWhat.REFLECTIONS, None, round_id=rest)
            await turn.context.send_activity(card_activity(card))
            return
        if kind == "round":
            summary = await summaries.round_summary(rest, visible)
        elif kind == "unit" and rest.count(":") == 1:
            unit_id, period = rest.split(":")
            summary = await summaries.period_summary(unit_id, period, visible)
        else:
            raise RoundNotFound(choice)
    except ValueError:
        await turn.context.send_activity(t(turn.language, "summary.unknown"))
        return
    await _send(turn, summary, visible)


async def record_action(turn: Turn) -> None:
    """Save what the team agreed; the unit's next pulse asks whether it was followed up."""
    visible = await leader_units(turn)
    value: dict[str, Any] = turn.activity.value
    unit_id, round_id, text = value.get("unit"), value.get("round"), value.get(ACTION_INPUT)
    if not isinstance(unit_id, str) or (round_id is not None and not isinstance(round_id, str)):
        raise UnitNotFound("missing")
    if not isinstance(text, str):
        raise EmptyAction(unit_id)
    await turn.services.summaries.record_action(unit_id, round_id, text, visible)
    log.info("summary.action_recorded")
    name = await unit_name(turn, unit_id)
    await turn.context.send_activity(t(turn.language, "summary.action_saved", unit=name))
