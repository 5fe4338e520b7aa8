"""English: the full second language, same keys and placeholders as Danish."""

TEXTS: dict[str, str] = {
    # Welcome
    "welcome.title": "Hi, I'm Trivselsbot 👋",
    "welcome.personal": (
        "I send you short wellbeing pulse checks and reflection questions between the big surveys. "
        "Answering takes less than a minute."
    ),
    "welcome.team": (
        "Hi {team}! I help you keep the conversation about wellbeing and cooperation going between "
        "the big surveys: short pulse checks, reflection questions and a summary for your next team "
        "meeting."
    ),
    "welcome.anonymous": (
        "Your answers are anonymous: I only keep combined numbers for the whole team and never who "
        "answered what. Results are shown only once at least {k} people have answered."
    ),
    "welcome.help_hint": "Type **help** to see what you can do.",
    # Help
    "help.title": "Here's what I can help with",
    "help.not_understood": "Sorry, I didn't understand that. Here's what you can type:",
    "help.role.employee": "As an employee",
    "help.role.leader": "As a leader",
    "help.role.hr": "As HR / the MED secretariat",
    "help.cmd.help": "**help** — shows this overview",
    "help.cmd.answer": "Answer the pulse check when its card appears here in the chat — it's anonymous",
    "help.cmd.my_data": "**my data** — what I store about you",
    "help.anonymous": (
        "Nobody can see what you answered — not your leader, not HR. Results are only shown for "
        "groups of at least {k} people."
    ),
    "help.button": "Help",
    "help.team_note": "Message me in a personal chat to answer anonymously. In the channel, @mention me.",
    # Errors
    "error.generic": (
        "Sorry, something went wrong on my side. Please try again in a moment — if it keeps "
        "happening, tell your IT or HR department."
    ),
    "error.not_allowed": "Sorry, you don't have access to that.",
    "error.unknown_action": "I no longer know that button. Type **help** to see what you can do.",
}
