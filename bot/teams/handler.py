"""The Teams activity handler: keeps the directory current and hands turns to the router."""

from __future__ import annotations

import logging
from collections.abc import Callable

from botbuilder.core import ConversationState, InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema.teams import TeamInfo, TeamsChannelAccount

from bot.teams.identity import conversation_kind, person_from, reference_json, team_of, tenant_id
from bot.teams.router import Router
from dialogs.flows.welcome import send_welcome
from dialogs.i18n import language_for
from dialogs.turn import Services, Turn
from storage.values import ConversationKind, Person

log = logging.getLogger(__name__)


class TrivselsbotHandler(TeamsActivityHandler):  # type: ignore[misc]  # botbuilder ships no types: its classes are Any
    """Thin: membership and installation events update the directory; messages go to the router."""

    def __init__(
        self,
        services: Services,
        router: Router,
        conversation_state: ConversationState,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._services = services
        self._router = router
        self._conversation_state = conversation_state
        self._on_queued = on_queued

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Dialog state is saved to the database after every turn, so another replica can continue."""
        await super().on_turn(turn_context)
        await self._conversation_state.save_changes(turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """The bot implements no invoke (its cards use Action.Submit), but the SDK parses the
        value of some before saying so, and crashes on a malformed one (an adaptiveCard/action
        whose `action` is not an object, a task/fetch value that is a list): that is a bad
        request, answered 400 with nothing done, not a turn error."""
        try:
            return await super().on_invoke_activity(turn_context)
        except (AttributeError, TypeError, KeyError, ValueError) as error:
            log.warning("invoke.malformed", extra={"reason": type(error).__name__})
            return InvokeResponse(status=400, body={"error": "malformed invoke value"})

    # --- messages and card submissions ---------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        # A card submission may be an answer: touching the directory then (even a timestamp)
        # would record who answered when. Only plain messages refresh the conversation reference.
        if not turn_context.activity.value:
            await self._remember_conversation(turn_context)
        turn = await self._turn(turn_context)
        await self._router.dispatch(turn)
        self._on_queued()  # a step may have queued messages (e.g. HR started a pulse)

    async def _turn(self, context: TurnContext) -> Turn:
        activity = context.activity
        person = person_from(activity.from_property, activity)
        roles = None  # routes that never read roles skip the lookup (bot/teams/router.py)
        if self._router.needs_roles(activity):
            roles = await self._services.roles.roles_of(person.aad_object_id)
        return Turn(
            context=context,
            person=person,
            language=language_for(activity.locale, self._services.default_language),
            looked_up_roles=roles,
            conversation_kind=conversation_kind(activity),
            services=self._services,
        )

    # --- installation ------------------------------------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._installed(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self._uninstalled(turn_context)

    async def on_teams_members_added(
        self,
        teams_members_added: list[TeamsChannelAccount],
        team_info: TeamInfo,
        turn_context: TurnContext,
    ) -> None:
        bot_id = turn_context.activity.recipient.id
        if any(member.id == bot_id for member in teams_members_added):
            await self._installed(turn_context)
            return
        team = team_of(turn_context.activity)
        if team:
            activity = turn_context.activity
            people = [person_from(m, activity) for m in teams_members_added if m.id != bot_id]
            await self._services.directory.add_members(team[0], people)
            log.info("roster.members_added", extra={"count": len(people)})

    async def on_teams_members_removed(
        self,
        teams_members_removed: list[TeamsChannelAccount],
        team_info: TeamInfo,
        turn_context: TurnContext,
    ) -> None:
        bot_id = turn_context.activity.recipient.id
        if any(member.id == bot_id for member in teams_members_removed):
            await self._uninstalled(turn_context)
            return
        team = team_of(turn_context.activity)
        if team:
            ids = [m.id for m in teams_members_removed]
            await self._services.directory.remove_members(team[0], ids)
            log.info("roster.members_removed", extra={"count": len(ids)})

    async def on_teams_team_renamed(self, team_info: TeamInfo, turn_context: TurnContext) -> None:
        if team_info and team_info.id and team_info.name:
            await self._services.directory.rename_team(team_info.id, team_info.name)

    async def _installed(self, context: TurnContext) -> None:
        """Record the installation and welcome once, however many events Teams sends for it."""
        activity = context.activity
        kind = conversation_kind(activity)
        language = language_for(activity.locale, self._services.default_language)
        team = team_of(activity)
        newly = await self._remember_conversation(context)
        if team:
            await self._sync_team(context, team[0], team[1])
        if newly:
            log.info("install", extra={"scope": kind.value})
            await send_welcome(
                context, language, self._services.min_group_size, team[1] if team else None
            )

    async def _uninstalled(self, context: TurnContext) -> None:
        activity = context.activity
        kind = conversation_kind(activity)
        team = team_of(activity)
        directory = self._services.directory
        if kind is ConversationKind.PERSONAL:
            await directory.forget_personal_chat(activity.from_property.id)
        elif team:
            await directory.uninstall_team(team[0])
            await directory.forget_conversation(activity.conversation.id)
        else:
            await directory.forget_conversation(activity.conversation.id)
        log.info("uninstall", extra={"scope": kind.value})

    async def _remember_conversation(self, context: TurnContext) -> bool:
        """Store the reference needed for proactive messages; True when newly installed there."""
        activity = context.activity
        kind = conversation_kind(activity)
        directory = self._services.directory
        reference = reference_json(activity)
        if kind is ConversationKind.PERSONAL:
            return await directory.remember_personal_chat(
                person_from(activity.from_property, activity),
                activity.conversation.id,
                reference,
                activity.service_url,
            )
        team = team_of(activity)
        if team:
            await directory.install_team(
                team[0], team[1], tenant_id(activity), activity.service_url
            )
        return await directory.remember_conversation(
            activity.conversation.id,
            kind,
            tenant_id(activity),
            reference,
            team[0] if team else None,
        )

    async def _sync_team(self, context: TurnContext, team_id: str, team_name: str | None) -> None:
        """Fetch the whole roster page by page (the non-paged API is throttled and deprecated)."""
        members: list[Person] = []
        token: str | None = None
        while True:
            page = await TeamsInfo.get_paged_members(context, token, 500)
            members.extend(person_from(m, context.activity) for m in page.members or [])
            token = page.continuation_token
            if not token:
                break
        count = await self._services.directory.sync_roster(team_id, members)
        log.info("roster.synced", extra={"members": count})
