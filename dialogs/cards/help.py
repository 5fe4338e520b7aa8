"""The help card: what this person can do, in their role, in their language."""

from __future__ import annotations

from collections.abc import Collection

from dialogs.cards.common import Card, adaptive_card, heading, paragraph, submit
from dialogs.i18n import Language, t
from storage.values import Role

# What each role can do, by text key; later features add their lines here.
ROLE_COMMANDS: dict[Role, list[str]] = {
    Role.EMPLOYEE: ["help.cmd.answer", "help.cmd.reflect", "help.cmd.my_data", "help.cmd.help"],
    Role.LEADER: ["help.cmd.summary", "help.cmd.action"],
    Role.HR: [
        "help.cmd.start_pulse",
        "help.cmd.hr",
        "help.cmd.new_prompt",
        "help.cmd.publish",
        "help.cmd.template",
        "help.cmd.unit",
    ],
}


def help_card(
    language: Language,
    roles: Collection[Role],
    k: int,
    *,
    comment_k: int,
    not_understood: bool = False,
    in_channel: bool = False,
) -> Card:
    """One section per role the person has, so nobody is shown commands they cannot use."""
    body = [heading(t(language, "help.not_understood" if not_understood else "help.title"))]
    for role in (Role.EMPLOYEE, Role.LEADER, Role.HR):
        lines = ROLE_COMMANDS[role]
        if role not in roles or not lines:
            continue
        body.append(
            paragraph(t(language, f"help.role.{role.value}"), weight="Bolder", spacing="Medium")
        )
        body.append(paragraph("\n".join(f"- {t(language, key)}" for key in lines)))
    if in_channel:
        body.append(paragraph(t(language, "help.team_note")))
    body.append(
        paragraph(t(language, "help.anonymous", k=k, n=comment_k), isSubtle=True, spacing="Medium")
    )
    actions = []
    if Role.LEADER in roles or Role.HR in roles:
        actions.append(submit(t(language, "help.button_summary"), "summary"))
    return adaptive_card(body, actions)
