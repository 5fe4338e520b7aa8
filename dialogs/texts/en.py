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
    # Pulse
    "pulse.title": "Pulse check · {team}",
    "pulse.reminder_title": "Reminder: pulse check · {team}",
    "pulse.intro": "{count} short questions about how things are in your team right now. It takes less than a minute.",
    "pulse.anonymous": (
        "Your answer is anonymous: I add it to everyone else's and never store who answered what. "
        "Your leader only sees the result once the round has closed and at least {k} have answered."
    ),
    "pulse.closes": "The round closes {closes}.",
    "pulse.choose": "Choose an answer",
    "pulse.required": "Please choose an answer here.",
    "pulse.comment_label": "Anything to add? (optional, anonymous)",
    "pulse.comment_placeholder": "Please don't write names — the comment is shown to the team without a sender.",
    "pulse.submit": "Send anonymously",
    "pulse.thanks_title": "Thank you — your answer was recorded anonymously",
    "pulse.thanks_body": (
        "Your answer has been added to everyone else's. Neither this card, the chat nor the "
        "database shows what you answered. The result is shared when the round closes."
    ),
    "pulse.refused.round_not_found": "I can't find that pulse check — the card may be too old. Nothing was saved.",
    "pulse.refused.round_not_open": "That pulse check hasn't opened yet. Nothing was saved.",
    "pulse.refused.round_closed": "Sorry, that pulse check has closed, so your answer wasn't included. Thanks anyway — the next round is coming.",
    "pulse.refused.not_a_member": "That pulse check belongs to another team, so I can't accept your answer. Nothing was saved.",
    "pulse.refused.already_answered": (
        "You have already answered this pulse check — thank you! An answer can't be changed, "
        "because I don't know which answer was yours."
    ),
    "pulse.refused.invalid_answer": "An answer was missing or something in the card wasn't right. Please answer every question and try again. Nothing was saved.",
    "pulse.refused.comment_too_long": "Your comment is too long (1000 characters at most). Please shorten it and try again. Nothing was saved.",
    # Starting a pulse (HR)
    "pulse_start.title": "Start a pulse check now",
    "pulse_start.pick": "Choose the team that should get a pulse check now. It stays open for {days} days.",
    "pulse_start.none": "I'm not installed in any team yet. Add me to a team in Teams first.",
    "pulse_start.started": "The pulse check is on its way to {count} people in {team}. It closes {closes}.",
    "pulse_start.unknown_unit": "I don't know that team (any more). Type **start pulse** to choose again.",
    "help.cmd.start_pulse": "**start pulse** — send a pulse check to a team now",
    # My data
    "my_data.title": "What I store about you",
    "my_data.unknown": "I have no information about you stored.",
    "my_data.identity": "Your Teams id, your name ({name}) and your language ({locale}), so I can message you.",
    "my_data.chat": "A reference to our personal chat, so I can send you pulse checks.",
    "my_data.units": "That you are a member of: {units}.",
    "my_data.leader": "That you lead: {units}.",
    "my_data.open_rounds": (
        "You have answered {answered} of {total} open pulse checks. I only know that through an "
        "encrypted key that is deleted when the pulse check closes."
    ),
    "my_data.queued": "{count} message(s) to you are waiting to be sent.",
    "my_data.answers": (
        "**Your answers** are stored without name, id or time — only as numbers added to everyone "
        "else's. So nobody, not even I, can find, change or delete your answers in particular."
    ),
    # Dates (Europe/Copenhagen)
    "date.weekdays": "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
    "date.months": "January,February,March,April,May,June,July,August,September,October,November,December",
    "date.format": "{weekday} {day} {month} at {time}",
    # Errors
    "error.generic": (
        "Sorry, something went wrong on my side. Please try again in a moment — if it keeps "
        "happening, tell your IT or HR department."
    ),
    "error.not_allowed": "Sorry, you don't have access to that.",
    "error.unknown_action": "I no longer know that button. Type **help** to see what you can do.",
}
