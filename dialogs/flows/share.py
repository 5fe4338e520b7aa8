""" "Del med teamet": a leader posts a round's released summary in the team's channel.

Two presses, each checked whole (storage/results/team_share.py: the person leads the team or a unit above
it, the round is closed and released, the comments if ticked are released, the bot is in the
channel). The first shows the post exactly as it will stand in the channel; the second posts that
and nothing else: its card carries a fingerprint of the post it showed, and a post that would
differ now (an old card, a changed round) is refused. The fingerprint goes with the queued post,
and the post is dropped rather than sent if it no longer matches when its time comes.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.schema import Activity

from dialogs.cards.common import card_activity
from dialogs.cards.share import confirm_card, outcome_card, post_card, post_fingerprint
from dialogs.cards.share_button import COMMENTS_INPUT
from dialogs.dates import local_datetime
from dialogs.flows.replace import replace_or_send
from dialogs.i18n import Language, language_for, t
from dialogs.turn import Services, Turn
from storage.errors import DomainError, RoundNotFound
from storage.privacy.audit import AuditWhat, Via, viewer_of
from storage.prompts.channel_posts import ChannelJob
from storage.results.summaries import RoundStillOpen
from storage.results.team_share import (
    CommentsNotReleased,
    CommentsPromisedPrivate,
    NoTeamChannel,
    NothingToShare,
    NotTeamLeader,
    comments_may_go,
)

log = logging.getLogger(__name__)

REFUSALS: dict[type[DomainError], str] = {
    NotTeamLeader: "share.not_your_team",
    RoundStillOpen: "share.not_released",
    NothingToShare: "share.nothing",
    NoTeamChannel: "share.no_channel",
    CommentsNotReleased: "share.comments_not_released",
    CommentsPromisedPrivate: "share.comments_private",
    RoundNotFound: "share.unknown",
}


class BadCard(DomainError):
    """Card data of the wrong shape: nothing is checked further, nothing changes."""

    code = "bad_card"


def _round(value: dict[str, Any]) -> str:
    round_id = value.get("round")
    if not isinstance(round_id, str) or not round_id:
        raise BadCard("round")
    return round_id


def _ticked(raw: Any) -> bool:
    """The comments toggle: "true"/"false" from the card (JSON booleans from the confirmation)."""
    if raw in (True, "true"):
        return True
    if raw in (None, False, "false"):
        return False
    raise BadCard("comments")


async def refuse_share(turn: Turn, error: DomainError) -> bool:
    """Nothing is posted: every domain error (and a card of the wrong shape) is told."""
    key = next(
        (text for kind, text in REFUSALS.items() if isinstance(error, kind)), "share.bad_card"
    )
    log.info("share.refused", extra={"reason": error.code})
    await turn.context.send_activity(t(turn.language, key, n=turn.comment_k))
    return True


async def preview_share(turn: Turn) -> None:
    """The confirmation: the post exactly as the channel will show it, and one button to post it."""
    value: dict[str, Any] = turn.activity.value
    services = turn.services
    round_id, with_comments = _round(value), _ticked(value.get(COMMENTS_INPUT))
    target = await services.shares.target(round_id, turn.person.aad_object_id, with_comments)
    summary = target.summary
    fingerprint = post_fingerprint(summary, services.bank, turn.language, turn.k, with_comments)
    card = confirm_card(summary, services.bank, turn.language, turn.k, with_comments, fingerprint)
    log.info("share.previewed", extra={"comments": with_comments})
    await turn.context.send_activity(card_activity(card))


async def confirm_share(turn: Turn) -> None:
    """Post what the confirmation showed, if that is still exactly what would be posted."""
    value: dict[str, Any] = turn.activity.value
    services = turn.services
    aad = turn.person.aad_object_id
    round_id, with_comments = _round(value), _ticked(value.get("comments"))
    shown = value.get("fingerprint")
    if not isinstance(shown, str):
        raise BadCard("fingerprint")
    target = await services.shares.target(round_id, aad, with_comments)
    current = post_fingerprint(target.summary, services.bank, turn.language, turn.k, with_comments)
    if current != shown:
        log.info("share.refused", extra={"reason": "stale"})
        await turn.context.send_activity(t(turn.language, "share.stale"))
        return
    # Who sent which round's figures to the channel (storage/privacy/audit.py): once per share
    # queued, in the transaction that queues it, so before the figures reach the channel and
    # never a post queued without its entry.
    entry = services.audit.entry(
        viewer_of(aad, turn.person.user_id),
        None,
        AuditWhat.CHANNEL_SHARE,
        "with comments" if with_comments else "",
        via=Via.CHAT,
        round_id=round_id,
    )
    queued = await services.shares.share(
        round_id,
        aad,
        language=turn.language,
        with_comments=with_comments,
        fingerprint=shown,
        record=entry,
    )
    summary = target.summary
    if queued.already:
        text = t(turn.language, "share.already", sequence=summary.sequence, unit=summary.unit_name)
    elif queued.send_at > services.now():
        when = local_datetime(queued.send_at, turn.language)
        text = t(turn.language, "share.queued_later", unit=summary.unit_name, date=when)
    else:
        text = t(turn.language, "share.queued_now", unit=summary.unit_name)
    log.info("share.queued", extra={"comments": with_comments, "already": queued.already})
    await _replace(turn, text)


async def cancel_share(turn: Turn) -> None:
    """Nothing is posted; the confirmation says so, so it cannot be pressed later by mistake."""
    await _replace(turn, t(turn.language, "share.cancelled"))


async def _replace(turn: Turn, text: str) -> None:
    """The confirmation card becomes its outcome, so it cannot be pressed later by mistake."""
    await replace_or_send(turn, outcome_card(text), log, "share.card_update_failed")


async def render_shared_summary(job: ChannelJob, services: Services) -> Activity | None:
    """The post, rendered when it is sent; None (the post expires) unless it is still exactly
    what the leader confirmed: the round released, its comments if ticked, the same content."""
    try:
        unit_id = (await services.rounds.get(job.round_id)).unit_id
        summary = await services.summaries.round_summary(job.round_id, {unit_id})
    except DomainError:
        return None
    if summary.figures is None or (job.with_comments and not comments_may_go(summary)):
        return None
    language: Language = language_for(job.language, services.default_language)
    k = services.min_group_size
    if post_fingerprint(summary, services.bank, language, k, job.with_comments) != job.fingerprint:
        return None
    return card_activity(post_card(summary, services.bank, language, k, job.with_comments))
