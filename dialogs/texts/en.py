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
        "Your answers are anonymous: I never store who answered what — only numbers added to "
        "everyone else's and comments without name or time. Results are shown only once at least "
        "{k} people have answered."
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
        "Nobody can see what you in particular answered — not your leader, not HR. Results are "
        "only shown once at least {k} have answered, and comments once at least {n} have."
    ),
    "help.button": "Help",
    "help.team_note": "Message me in a personal chat to answer anonymously. In the channel, @mention me.",
    # Pulse
    "pulse.title": "Pulse check · {team}",
    "pulse.reminder_title": "Reminder: pulse check · {team}",
    "pulse.intro": "{count} short questions about how things are in your team right now. It takes less than a minute.",
    "pulse.anonymous": (
        "Your answer is anonymous: I add it to everyone else's and never store who answered what. "
        "Your leaders and HR see the result once the round has closed and at least {k} have "
        "answered — the comments only once at least {n} have. Your leader may share the result "
        "with the team."
    ),
    "pulse.closes": "The round closes {closes}.",
    "pulse.choose": "Choose an answer",
    "pulse.required": "Please choose an answer here.",
    "pulse.follow_up_named": "We agreed: “{title}”. Have we followed up on it?",
    "pulse.comment_label": "Anything to add? (optional, anonymous)",
    "pulse.comment_placeholder": "Please don't write names. Your leaders and HR see the comment without name or time, mixed in with the others, and only if at least {n} have answered. Your leader may choose to share the comments with the team.",
    "pulse.submit": "Send anonymously",
    "pulse.thanks_title": "Thank you — your answer was recorded anonymously",
    "pulse.thanks_body": (
        "Your answer has been added to everyone else's. Neither this card, the chat nor the "
        "database shows what you answered. The result is shared once the round has closed — if "
        "enough have answered."
    ),
    "pulse.personal_only": "Pulse checks are answered in your personal chat with me — there only you see the card. Nothing was saved.",
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
    "pulse_start.held": "The pulse check for {count} people in {team} is open for answers now. I send nothing outside working hours, so the invitation goes out {sends} — and so that everyone gets the whole time to answer, the round closes {closes}.",
    "pulse_start.unknown_unit": "I don't know that team (any more). Type **start pulse** to choose again.",
    "pulse_start.already_open": "There is already an open pulse check in {team}. It closes {closes}; after that you can start a new one.",
    "pulse_start.already_started": "The pulse check for {team} is already on its way.",
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
    "my_data.orders": "That you are named as the one who ordered {count} round(s), schedules or publications, so their delivery status cards come to you. It is forgotten once no status card needs it.",
    "my_data.views": "That you have looked at results {count} time(s): the log of who saw what and when, which HR and the MED secretariat can read. It never holds the figures themselves.",
    "my_data.answers": (
        "**Your answers** are stored without name, id or time — encrypted while the pulse is open, "
        "and after that only as numbers added to everyone else's, a comment as text without a "
        "sender. So nobody, not even I, can find, "
        "change or delete your answers in particular."
    ),
    # Units and leaders (HR)
    "help.cmd.unit": "**unit** — move a unit in the organisation, or add and remove leaders",
    "unit.title": "Units and leaders",
    "unit.intro": "Choose the unit you want to change. You can move it in the organisation and add or remove leaders.",
    "unit.pick_label": "Unit",
    "unit.pick_required": "Please choose a unit.",
    "unit.pick_submit": "Choose",
    "unit.none": (
        "There are no units yet. Add me to a team in Teams, or load the organisation with "
        "`trivselsbot units import`."
    ),
    "unit.edit_title": "Unit · {unit}",
    "unit.parent_fact": "Part of",
    "unit.leaders_fact": "Leaders",
    "unit.no_leaders": "none yet",
    "unit.top": "Top level (no parent unit)",
    "unit.parent_label": "Part of",
    "unit.member_label": "Add a leader from the unit's members",
    "unit.member_placeholder": "Choose a person",
    "unit.aad_label": "… or add a leader by AAD object id",
    "unit.aad_placeholder": "e.g. 0b6f3c1e-8a2d-4f5e-9c7b-1d2e3f4a5b6c",
    "unit.remove_label": "Remove a leader",
    "unit.remove_placeholder": "Choose a leader",
    "unit.file_hint": "The whole organisation can also be loaded from a file with `trivselsbot units import`.",
    "unit.save": "Save the change",
    "unit.person_unknown": "{aad} (not seen in Teams yet)",
    "unit.unchanged": "No changes — {unit} was already set up like that.",
    "unit.moved": "{unit} is now part of {parent}.",
    "unit.moved_top": "{unit} is now at the top level, without a parent unit.",
    "unit.leader_added": "{person} now leads {unit} and can see summaries for it and everything below it.",
    "unit.leader_removed": "{person} no longer leads {unit}.",
    "unit.not_allowed": "Only HR can change units and leaders. If something needs fixing, please contact HR.",
    "unit.unknown": "I don't know that unit (any more). Type **unit** to choose again. Nothing was changed.",
    "unit.cycle": (
        "That isn't possible: a unit can't be part of itself or of one of its own sub-units. "
        "Nothing was changed."
    ),
    "unit.invalid_leader": (
        "That doesn't look like an AAD object id (one word without spaces, commas or semicolons). "
        "Nothing was changed."
    ),
    "unit.refused": "The change couldn't be made. Nothing was changed — type **unit** to try again.",
    # The note to every member when a round closes
    "round_closed.result_ready": (
        "The pulse check for {team} has finished and your team's shared result is ready 🌱 Your "
        "leader has it as input for your next team meeting — feel free to ask when you'll talk "
        "about it together. Thanks to everyone who took part!"
    ),
    "round_closed.too_few": (
        "The pulse check for {team} has finished. Too few answered to show a result this time — "
        "thank you to those of you who did. See you in the next round 🌱"
    ),
    # Delivery status of a push (HR): counts and reasons only
    "delivery.title": "Sending to {team}",
    "delivery.report_title": "Delivery report: {team}",
    "delivery.sent": "Delivered",
    "delivery.pending": "Waiting",
    "delivery.failed": "Not delivered",
    "delivery.total": "Total",
    "delivery.running": "This card updates while the messages go out.",
    "delivery.running_posts": "This card updates while the posts go out.",
    "delivery.reasons": "Not delivered, and why:",
    "delivery.reason.blocked": "removed or blocked the app",
    "delivery.reason.closed": "closed before the message arrived",
    "delivery.reason.not_found": "the chat no longer exists",
    "delivery.reason.gave_up": "gave up after {detail}",
    "delivery.reason.not_in_channel": "the bot is no longer in the channel",
    "delivery.uncertain": "{count} may have received the message twice, because sending was interrupted.",
    "delivery.counts_only": "Numbers only: who received the message, or who answers, is never shown.",
    "delivery.done": "Sending to {team} is done: {sent} of {total} received the message, {failed} not delivered{what}.",
    "delivery.done_posts": "Sending to {team} is done: {sent} of {total} posts are in the channels, {failed} not posted{what}.",
    "delivery.team_and_others": "{team} and {others} other teams",
    "delivery.team_and_one_other": "{team} and one other team",
    "delivery.kind.pulse": "pulse check",
    "delivery.kind.reminder": "pulse check reminder",
    "delivery.kind.prompt": "reflection prompt",
    "delivery.kind.round_closed": "note that the round has closed",
    "delivery.kind.leader_result": "result cards to the leaders",
    "delivery.kind.channel_post": "posts in the teams' channels",
    "delivery.eta": "Expected to be done {done} (about {rate} messages a second right now).",
    "delivery.eta_planned": "Expected to be done {done}, reckoned at the planned {rate} messages a second until the first have gone.",
    "delivery.held": "Nothing goes out outside working hours: the messages go out from {starts}.",
    "delivery.next_try": "The messages are tried again {starts}.",
    "delivery.paused": "Teams asked me to pause; I send again {until}.",
    # Prompts on the four themes, HR's prompt library and publishing (issue 5)
    "theme.blik_for_borgeren": "Eyes on the citizen",
    "theme.digitale_muligheder": "Digital opportunities",
    "theme.attraktiv_arbejdsplads": "An attractive workplace",
    "theme.staerk_fortaelling": "A strong story",
    "help.cmd.reflect": "Answer a reflection question when it appears — with a few words and/or a rating. That is anonymous too",
    "help.cmd.hr": "**hr** — the HR menu: the prompt library and publishing",
    "help.cmd.new_prompt": "**new prompt** — write a new reflection question",
    "help.cmd.publish": "**publish** — send a prompt or a pulse check to teams, now or regularly",
    "prompt_admin.not_hr": "Only HR and the MED secretariat can work with the prompt library and publishing. Type **help** to see what you can do.",
    "prompt_admin.personal_only": "The HR menu and its forms are used in your personal chat with me, not in a channel or group chat.",
    "hr_menu.title": "HR menu",
    "hr_menu.intro": "Here you keep the prompt library up to date and send out prompts and pulse checks. Active prompts per theme:",
    "hr_menu.theme_line": "{theme}: {count}",
    "hr_menu.scheduled": "Regular publications right now: {count}.",
    "hr_menu.new_prompt": "New prompt",
    "hr_menu.publish": "Publish",
    "hr_menu.library": "Show the library",
    "prompt_form.title": "New prompt",
    "prompt_form.intro": "A reflection question on one of the four themes. Write it in Danish and English — short, concrete and friendly.",
    "prompt_form.required": "Please fill in this field.",
    "prompt_form.rating_hint": "Would you also like a rating from 1 to 5? Then write the question in both languages — otherwise leave these fields empty.",
    "prompt_form.state_active": "Active — can be published right away",
    "prompt_form.state_draft": "Draft — saved, but not published yet",
    "prompt_form.placeholder_text_da": "In Danish, e.g. Hvornår har du sidst oplevet, at vi gjorde noget lettere for en borger?",
    "prompt_form.placeholder_text_en": "E.g. When did you last see us make something easier for a citizen?",
    "prompt_form.placeholder_rating_da": "In Danish, e.g. Hvor godt lykkes vi med det?",
    "prompt_form.placeholder_rating_en": "E.g. How well do we manage?",
    "prompt_form.save": "Save prompt",
    "prompt_form.invalid": "The prompt was not saved. Please correct:\n{problems}",
    "prompt_form.already_saved": "That prompt is already saved — I didn't make a copy.",
    "prompt.field.form": "The form",
    "prompt.field.id": "Id",
    "prompt.field.theme": "Theme",
    "prompt.field.text": "The question",
    "prompt.field.text.da": "The question in Danish",
    "prompt.field.text.en": "The question in English",
    "prompt.field.rating": "The rating question",
    "prompt.field.rating.da": "Rating question in Danish (optional, 1–5)",
    "prompt.field.rating.en": "Rating question in English (optional, 1–5)",
    "prompt.field.state": "Status",
    "prompt.problem.missing": "is missing",
    "prompt.problem.empty": "is empty",
    "prompt.problem.too_long": "is too long",
    "prompt.problem.invalid_choice": "is not one of the choices",
    "prompt.problem.not_text": "must be text",
    "prompt.problem.wrong_type": "has the wrong shape",
    "prompt.problem.out_of_range": "is out of range",
    "prompt.problem.not_a_number": "must be a number",
    "prompt.problem.invalid": "is not valid",
    "prompt.state.active": "active",
    "prompt.state.draft": "draft",
    "prompt.state.retired": "retired",
    "prompt_saved.title": "The prompt is saved ✔",
    "prompt_saved.summary": "{theme} · {state} · id {id}",
    "prompt_saved.rating": "Rating (1–5): {question}",
    "prompt_saved.publish": "Publish now",
    "library.title": "The prompt library (active prompts)",
    "library.more": "… and {count} more (see them all with `trivselsbot prompts list`).",
    "library.empty": "No active prompts on this theme yet.",
    "publish.title": "Publish a prompt or a pulse check",
    "publish.field.form": "The form",
    "publish.field.id": "The form",
    "publish.field.content": "What should go out?",
    "publish.field.prompt_id": "The prompt",
    "publish.field.theme": "The theme",
    "publish.field.units": "To whom?",
    "publish.field.delivery": "How?",
    "publish.field.when": "When?",
    "publish.field.schedule": "When?",
    "publish.field.schedule.every_days": "When?",
    "publish.field.weekday": "Weekday (for regular publishing)",
    "publish.field.schedule.weekday": "Weekday",
    "publish.field.time": "Time of day (Danish time)",
    "publish.field.schedule.time": "Time of day",
    "publish.field.open_days": "Open for this many days",
    "publish.content_theme": "Next prompt from «{theme}» (changes every time)",
    "publish.content_pulse": "Pulse check (mini-trivsel)",
    "publish.content_pulse_short_form": "Pulse check: four quick ones on social capital",
    "publish.all_units": "The whole organisation",
    "publish.delivery_personal": "To each employee's personal chat (anonymous answers)",
    "publish.delivery_channel": "In the team's channel, for a shared dialogue (answers are still given anonymously in the personal chat)",
    "publish.when_now": "Now",
    "publish.when_7": "Every week",
    "publish.when_14": "Every other week",
    "publish.when_28": "Every four weeks",
    "publish.hint": "Regular publications move to the next working day when they fall on a weekend or a public holiday. I only send on working days during working hours (08:00–16:00); what you publish outside them waits for the next working day. If you choose a higher level, every team below it is included.",
    "publish.submit": "Publish",
    "publish.invalid": "Nothing was published. Please correct:\n{problems}",
    "publish.already_done": "That publication has already gone out — I didn't send it again.",
    "publish.refused.prompt_not_found": "I can't find that prompt (any more). Nothing was published.",
    "publish.refused.prompt_not_active": "That prompt is a draft or retired, so it can't be published. Make it active first. Nothing was published.",
    "publish.refused.no_active_prompt": "There are no active prompts on that theme yet. Nothing was published.",
    "publish.refused.template_refused": "The four quick ones cannot be asked right now: the question bank lacks an active short-form question on one of the four dimensions. Nothing was published.",
    "publish.refused.invalid_template": "One of the teams' chosen questions can no longer be asked (a draft or retired). Choose another template with **template**. Nothing was published.",
    "publish.refused.other": "Sorry, I couldn't publish that. Nothing was sent.",
    "publish.done_title": "Published ✔",
    "publish.sent": "{what} is on its way to {count} people in {team}.",
    "publish.posted": "{what} is posted in the channel of {team} ({count} members can answer).",
    "publish.scheduled": "{what} is scheduled. First time: {first}.",
    "publish.held": "It is outside working hours, so I will send it {sends}. Answers can be given as soon as it is out, and the round keeps its whole time to answer: it closes that much later.",
    "publish.skipped_no_channel": "{team}: not sent — I don't know the team's channel yet. Add me to the team again.",
    "publish.skipped_not_installed": "{team}: not sent — I'm not installed in the team.",
    "publish.nothing": "There were no teams to send to.",
    "reflection.title": "For reflection · {theme}",
    "reflection.rating_low": "not at all",
    "reflection.rating_high": "very much",
    "reflection.text_label": "Your reflection (optional, anonymous)",
    "reflection.text_placeholder": "A few words are enough. Please don't write names — your leaders and HR see the text without name or time, mixed in with the others, and only if at least {n} have answered.",
    "reflection.anonymous": (
        "Your answer is anonymous: I store it without name or time. Your leaders and HR see the "
        "answers once the round has closed: the ratings together once at least {k} have given one, "
        "and the texts in random order once at least {n} have answered."
    ),
    "reflection.closes": "You can answer until {closes}.",
    "reflection.submit": "Send anonymously",
    "reflection.personal_only": "Please answer in your personal chat with me — there only you see the card.",
    "reflection.refused.round_not_found": "I can't find that question — the card may be too old. Nothing was saved.",
    "reflection.refused.round_not_open": "That question hasn't opened yet. Nothing was saved.",
    "reflection.refused.round_closed": "Sorry, the round has closed, so your answer wasn't included. Thanks anyway!",
    "reflection.refused.not_a_member": "That question belongs to another team, so I can't accept your answer. Nothing was saved.",
    "reflection.refused.already_answered": (
        "You have already answered this question — thank you! An answer can't be changed, because "
        "I don't know which answer was yours."
    ),
    "reflection.refused.invalid_answer": "Something in the card wasn't right. Please try again. Nothing was saved.",
    "reflection.refused.comment_too_long": "Your reflection is too long (500 characters at most). Please shorten it and try again. Nothing was saved.",
    "reflection.refused.empty_reflection": "Please write a few words or give a rating before you send. Nothing was saved.",
    "reflection.private_refused": "I can't send you that card — either the round has closed or you have already answered.",
    "reflection_closed.result_ready": (
        "The reflection round in {team} has ended and your answers are gathered 🌱 Your leader "
        "brings them to your next team meeting as a starting point. Thanks to everyone who took part!"
    ),
    "reflection_closed.too_few": (
        "The reflection round in {team} has ended. Too few answered for the answers to be shown this "
        "time — thank you to those who did."
    ),
    "channel_prompt.title": "For a shared dialogue · {theme}",
    "channel_prompt.body": "Talk about it at your next team or MED meeting. If you'd like to think it over on your own first, answer anonymously — your leader brings the answers to the meeting.",
    "channel_prompt.private": (
        "Press the button and I'll send you the question in your personal chat with me. There you "
        "answer anonymously; the answers are shown only once at least {k} have answered, and the "
        "texts only once at least {n} have. If no card arrives, you have already answered or the "
        "round has closed."
    ),
    "channel_prompt.button": "Answer anonymously",
    "pulse_announcement.title": "The pulse check is open · {team}",
    "pulse_announcement.body": (
        "You have each received a short pulse check in your personal chat with me. It takes less "
        "than a minute and it's anonymous: the result is only shown once at least {k} have answered."
    ),
    # Dates (Europe/Copenhagen)
    "date.weekdays": "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
    "date.months": "January,February,March,April,May,June,July,August,September,October,November,December",
    "date.format": "{weekday} {day} {month} at {time}",
    "date.day": "{day} {month}",
    "date.day_year": "{day} {month} {year}",
    "date.today_at": "today at {time}",
    # Leader summary
    "leader_result.ready": "The result for {team} is ready. Here is your summary for the next team or MED meeting.",
    "leader_result.too_few": "The round for {team} has closed, but too few answered to show a result. The card says why.",
    "summary.title_round": "Summary · {unit} · round {sequence}",
    "summary.title_period": "Summary · {unit} · {month}",
    "summary.closed_on": "The round closed {date}.",
    "summary.responses": "{responses} of {eligible} answered ({rate} %).",
    "summary.suppressed.too_few": (
        "Too few answers to show a result: fewer than {k} answered. This protects anonymity, so "
        "neither figures nor comments are shown."
    ),
    "summary.suppressed.complementary": (
        "Hidden, because it could otherwise be subtracted from another figure that is shown and "
        "reveal a group of fewer than {k}."
    ),
    "summary.suppressed.period_open": (
        "Shown when the month is over — otherwise it could be compared with an earlier figure and "
        "reveal single answers."
    ),
    "summary.suppressed.hierarchy_changed": "Not shown, because the unit moved in the organisation during the month.",
    "summary.scores_title": "Score per dimension (0–100)",
    "summary.score_line": "{score} · answers from low to high: {distribution}",
    "summary.score_line_answers": "{score} · {answers} answers · from low to high: {distribution}",
    "summary.withheld": (
        "Not shown for the month: {dimensions}. Not every round asked those questions, and the "
        "figure could otherwise reveal a group of fewer than {k}."
    ),
    "summary.trend_title": "Trend over the latest rounds",
    "summary.question_trend_title": "Trend per question",
    "summary.question_trend_note": (
        "The questions change from round to round, so each question is compared only with the "
        "last time the team was asked that very question."
    ),
    "summary.question_trend_chart": "Score per question over time (0–100)",
    "summary.question_heading": "**{dimension}** · {question}",
    "summary.question_compared": "{score} now · last asked {date}: {earlier} ({change})",
    "summary.question_compared_past_hidden": (
        "{score} now · last asked {date}, but fewer than {k} answered then, so that figure is "
        "not shown. The time before, {earlier_date}: {earlier} ({change})"
    ),
    "summary.question_only_hidden": (
        "{score} now · last asked {date}, but fewer than {k} answered then, so there is no "
        "figure to compare with"
    ),
    "summary.question_first": (
        "{score} now · not asked in the team in the past year, so there is no earlier answer to "
        "compare with"
    ),
    "summary.change_same": "unchanged",
    "summary.trend_point": "{date}: {score}",
    "summary.distribution_title": "Answers per dimension, from low to high (number of answers)",
    "summary.distribution_line": "{dimension}: {counts}",
    "summary.compare_title": "Comparison",
    "summary.compare_parent": "{unit} ({month})",
    "summary.compare_hidden": "{unit}: {reason}",
    "summary.baseline": "Latest big survey",
    "summary.comments_title": "Anonymous comments (in random order)",
    "summary.no_comments": "No comments this time.",
    "summary.comments_held_back": (
        "Comments are shown only once at least {n} have answered, so nobody can be recognised by "
        "the way they write."
    ),
    "summary.dialogue_title": "Suggested questions for your next team or MED meeting: {dimension}",
    "summary.record_action": "Record an agreed action",
    "summary.action_label": "What did you agree?",
    "summary.action_placeholder": "E.g.: We hold a short stand-up every Monday at 9",
    "summary.action_submit": "Save action",
    "summary.action_saved": (
        "The action was saved for {unit}. The next pulse check asks the team, by the action's "
        "name, whether you followed up on it."
    ),
    "summary.action_empty": "Please write the agreed action in the field before saving. Nothing was saved.",
    # The handlingsplan (dialogs/cards/action_plan.py)
    "plan.title": "Action plan",
    "plan.addresses": "Addresses",
    "plan.addresses_label": "What does it address?",
    "plan.addresses_none": "Not given",
    "plan.responsible": "Responsible",
    "plan.responsible_label": "Who is responsible?",
    "plan.responsible_placeholder": "E.g.: Team leader and safety rep",
    "plan.nobody": "Not given",
    "plan.deadline": "Deadline",
    "plan.deadline_label": "Deadline",
    "plan.no_deadline": "No deadline",
    "plan.status": "Status",
    "plan.status_label": "Status",
    "plan.status.planned": "Planned",
    "plan.status.in_progress": "In progress",
    "plan.status.done": "Done",
    "plan.status.dropped": "Dropped",
    "plan.follow_up": "Follow-up",
    "plan.follow_up_waiting": "The next pulse asks the team about it.",
    "plan.follow_up_score": "{score} of 100 in round {sequence}",
    "plan.follow_up_hidden": "Round {sequence} asked, but too few answered to show a result.",
    "plan.update": "Update",
    "plan.update_submit": "Save changes",
    "plan.saved": "The action “{title}” is saved for {unit}. The next pulse asks the team whether you followed up on it.",
    "plan.updated": "“{title}” is updated: {status}.",
    "plan.not_found": "That action no longer exists. Ask for a new summary to see the plan as it is now.",
    "plan.invalid.title": "Please write the agreed action in the field before saving. Nothing was saved.",
    "plan.invalid.addresses": "Please choose what the action addresses from the list. Nothing was saved.",
    "plan.invalid.responsible": "The name of who is responsible can be at most 200 characters. Nothing was saved.",
    "plan.invalid.deadline": "The deadline must be a date, e.g. 2027-01-31. Nothing was saved.",
    "plan.invalid.status": "Please choose a status from the list. Nothing was saved.",
    # Sharing a round's summary with the team (dialogs/flows/share.py)
    "share.button": "Share with the team",
    "share.intro": (
        "The result and the suggested dialogue questions are posted in the team's channel, so "
        "you can talk about them together. You see the post before it is shared."
    ),
    "share.include_comments": "Include the {count} anonymous comments",
    "share.preview_button": "Preview the post",
    "share.confirm_title": "The post for the channel of {unit}",
    "share.confirm_exact": "Exactly what is in the frame below is posted in the channel — nothing else.",
    "share.confirm_with_comments": "The anonymous comments are included because you ticked them.",
    "share.confirm_without_comments": "The comments are not included.",
    "share.confirm_button": "Post in the channel",
    "share.cancel_button": "Cancel",
    "share.cancelled": "Nothing was shared.",
    "share.queued_now": "Shared with {unit}: the post appears in the team's channel in a moment.",
    "share.queued_later": (
        "Shared with {unit}: the post appears in the team's channel {date}, as I only post "
        "during working hours."
    ),
    "share.already": "Round {sequence} has already been shared with {unit}, so it is not posted again.",
    "share.not_leader": "Only the team's leader can share the result with the team. Nothing was shared.",
    "share.not_your_team": (
        "That round belongs to a team you don't lead, so you can't share it. Nothing was shared."
    ),
    "share.not_released": (
        "The round has not closed yet. The result can be shared once it has. Nothing was shared."
    ),
    "share.nothing": "Too few answered to show a result, so there is nothing to share. Nothing was shared.",
    "share.no_channel": (
        "I'm not in the team's channel, so I can't post the result there. Ask an owner of the "
        "team to add me. Nothing was shared."
    ),
    "share.comments_not_released": (
        "The comments can't be shared: there are none, or fewer than {n} answered. Nothing was "
        "shared."
    ),
    "share.comments_private": (
        "The comments from this round can't be shared: when they were written, I promised that "
        "only the leaders and HR would see them, and I keep that promise. Share the result "
        "without the comments. Nothing was shared."
    ),
    "share.stale": (
        "This card is out of date: the post would no longer be the one you saw. Press “Share "
        "with the team” again to see what would be shared now. Nothing was shared."
    ),
    "share.unknown": "I can't find that round. Ask for a new summary. Nothing was shared.",
    "share.bad_card": "Something on the card wasn't as it should be. Press “Share with the team” again. Nothing was shared.",
    "share.post_title": "Pulse check result · {unit} · round {sequence}",
    "share.post_intro": (
        "The round closed {date}. Your leader shares the result as input for your next team or "
        "MED meeting."
    ),
    "share.post_anonymous": (
        "The answers are anonymous: nobody — not your leader either — can see what anyone in "
        "particular answered. Figures are only shown once at least {k} have answered."
    ),
    # Leaders above the teams, when a month is settled (dialogs/messages/month_note.py)
    "month_note.ready": (
        "The figures for {month} are settled for {units}: the month is over and all its rounds "
        "have closed. Here is the card for {unit}; pick the others on the card."
    ),
    "summary.choose_other": "Choose another unit or round",
    "summary.choose_label": "Unit and round",
    "summary.choose_submit": "Show summary",
    "summary.round_label": "{unit} — round {sequence} (closed {date})",
    "summary.period_label": "{unit} — {month}",
    "summary.reflection_title": "Reflections · {unit}",
    "summary.reflection_label": "{unit} — reflection (closed {date})",
    "summary.reflection_responses": "{responses} answered.",
    "summary.reflection_order": "The reflections are in random order, without name or time.",
    "summary.reflections_held_back": (
        "The reflections are shown only once at least {n} have answered, so nobody can be "
        "recognised by the way they write."
    ),
    "summary.ratings_held_back": "The ratings are shown only once at least {k} have given one.",
    "summary.ratings": "Ratings from 1 to 5: {distribution}",
    "summary.no_reflections": "Nobody wrote a reflection this time.",
    "summary.none": (
        "There are no closed rounds yet for the units you can see. Results are shown once a round "
        "has closed."
    ),
    "summary.not_leader": (
        "Summaries are for leaders and HR. Ask your leader about your team's result — it's good "
        "material for the next team meeting."
    ),
    "summary.not_allowed": "You don't have access to that summary. You can see the units you lead and those below them.",
    "summary.still_open": (
        "The round is still open. The result is shown when it closes — so nobody can follow who "
        "just answered."
    ),
    "summary.unknown": "I can't find that summary. Type **summary** to choose again.",
    "help.cmd.summary": "**summary** — your team's results and questions for the next meeting; share them with the team in its channel",
    "help.cmd.action": "**action** — record an action the team agreed on",
    "help.button_summary": "Summary",
    # Dialogue questions per dimension, for the next team or MED meeting
    "dialogue.trust_colleagues": (
        "When could we last count on each other when it really mattered? What made it possible?|"
        "What does it take for people to dare give their honest opinion here?|"
        'How do we respond when a colleague says: "This went wrong for me"?'
    ),
    "dialogue.trust_management": (
        "Which decisions do we want to be heard on before they are made?|"
        "What can management do so that we feel the information can be trusted?|"
        "How can we raise a concern without it turning into a conflict?"
    ),
    "dialogue.justice": (
        "How do we share out tasks today — and what would feel fairer?|"
        "When did you last get recognition for your work, and how did it come?|"
        "What happens to our suggestions once we have said them out loud?"
    ),
    "dialogue.cooperation": (
        "Where does cooperation with other units make a difference for the citizen?|"
        "How do we help each other when things get busy — and who gets forgotten?|"
        "What is our core task, in our own words?"
    ),
    "dialogue.wellbeing": (
        "What gives you energy at work right now — and what drains it?|"
        "What is one small thing we could change as soon as next week?|"
        "How can we tell that a colleague is not doing well, and what do we do then?"
    ),
    "dialogue.workload": (
        "Which tasks could we stop doing, or do more simply?|"
        "When does the time feel enough — what is different on those days?|"
        "How do we say we have too much, without it falling back on the individual?"
    ),
    "dialogue.follow_up": (
        "What have we done of what we agreed?|What stood in the way of the rest?|"
        "Should the agreement be adjusted, kept or ended?"
    ),
    # The MED document (dialogs/documents/med_meeting.py) and its download (bot/documents/)
    "document.button": "Get the document for the MED meeting",
    "document.links_title": "Document for the MED meeting · {unit} · {month}",
    "document.links_body": (
        "Here is the document as a Word file the MED secretary can edit, and as a PDF to print. "
        "Each link works once, for {minutes} minutes, and was made for you: don't share the link, "
        "send the file if others need it."
    ),
    "document.personal_only": "I only send the document in your personal chat with me, so the link is yours alone. Type **summary** to me there.",
    "document.get_docx": "Download as Word (DOCX)",
    "document.get_pdf": "Download as PDF",
    "document.unavailable": (
        "The document can't be downloaded from this chat, because the bot has not been given its "
        "public address (BOT_PUBLIC_URL). Ask HR for it — they can make it from the command line."
    ),
    "document.invalid_period": "I can't make a document for that month. Type **summary** and try again from the card.",
    "document.page_title": "Document for the MED meeting · {month}",
    "document.page_body": "The link works once, so the file is fetched only when you press the button.",
    "document.refused.invalid": "This link is not valid. Ask for a new one from the summary in Teams.",
    "document.refused.expired": "This link has expired — it only works for a few minutes. Ask for a new one from the summary in Teams.",
    "document.refused.used": "This link was used already — each link works only once. Ask for a new one from the summary in Teams.",
    "document.refused.mismatch": "This link belongs to another document. Ask for a new one from the summary in Teams.",
    "document.refused.not_allowed": "You don't have access to this unit's results (any longer). Nothing was downloaded.",
    "document.date": "{day} {month} {year}",
    "document.title": "For the MED meeting: {unit}",
    "document.subtitle": "Pulse results · {month} · made {date}",
    "document.intro": (
        "This document shows the same released results as the leader's summary in Teams. A figure "
        'for fewer than {k} answers is never shown — only the words "too few answers" — and '
        "comments only when at least {n} answered. The action plan comes last."
    ),
    "document.results_title": "Results",
    "document.round_heading": "Round {sequence} · closed {date}",
    "document.month_heading": "{unit} · all of {month}",
    "document.month_comments": "Comments are shown only with a team's own rounds, never for a whole month.",
    "document.legend_score": "Score (0–100)",
    "document.column_dimension": "Dimension",
    "document.column_score": "Score",
    "document.column_answers": "Answers",
    "document.column_distribution": "Answers from low to high",
    "document.trend_months_title": "Trend over the latest months",
    "document.trend_chart": "Score per dimension over time (0–100)",
    "document.trend_too_short": "The trend is shown once there are at least two released results to compare.",
    "document.round_label": "Round {sequence}",
    "document.dash_note": "– means there is no figure that may be shown: too few answers, or the question was not asked.",
    "document.column_action": "Action",
    "document.plan_empty": "There are no actions in the plan yet. Add them from the summary in Teams, and they will be here.",
    "document.file_stem": "MED document {unit} {period}",
    "document.footer": "Trivselsbot · {unit} · {month} · released results only",
    "document.page": "Page",
    # Errors
    "error.generic": (
        "Sorry, something went wrong on my side. Please try again in a moment — if it keeps "
        "happening, tell your IT or HR department."
    ),
    "error.database_unavailable": (
        "I can't reach my database right now, so I couldn't finish that. Please try again in a "
        "moment — an answer is never counted twice."
    ),
    "error.not_allowed": "Sorry, you don't have access to that.",
    "error.unknown_action": "I no longer know that button. Type **help** to see what you can do.",
    # HR's results export (trivselsbot results export): column names and labels in the sheet
    "export.sheet": "Results",
    "export.column.period": "Period",
    "export.column.unit": "Unit",
    "export.column.figure": "Figure",
    "export.column.responses": "Responses",
    "export.column.eligible": "Invited",
    "export.column.dimension": "Dimension",
    "export.column.answers": "Answers",
    "export.column.score": "Score (0–100)",
    "export.figure.round": "Round {sequence}",
    "export.figure.month": "Whole month",
    # The Results tab (bot/tab/): words only; figures come from the release.
    "tab.title": "Results",
    "tab.skip": "Skip to the content",
    "tab.crumbs": "Where you are",
    "tab.loading": "Fetching the results …",
    "tab.noscript": "The Results tab needs JavaScript. Open it in Teams.",
    "tab.retry": "Try again",
    "tab.month": "{month} {year}",
    "tab.date": "{day} {month} {year}",
    "tab.percent": "{value}%",
    "tab.refused.no_token.title": "Open the tab in Teams",
    "tab.refused.no_token.message": "Results are shown only when you are signed in to Teams. Open Trivselsbot in Teams and choose the Results tab. If you are in Teams already, reload the tab.",
    "tab.refused.bad_token.title": "Your sign-in could not be confirmed",
    "tab.refused.bad_token.message": "Teams sent a sign-in that could not be accepted or that has expired. Reload the tab. If it happens again, contact IT support and mention that single sign-on (SSO) to Trivselsbot fails.",
    "tab.refused.other_tenant.title": "You are signed in to another organisation",
    "tab.refused.other_tenant.message": "Trivselsbot belongs to another organisation than the one you are signed in to now. Switch organisation at the top of Teams and open the tab again.",
    "tab.refused.not_configured.title": "The tab is not set up yet",
    "tab.refused.not_configured.message": "The bot lacks its public address, app id or organisation (BOT_PUBLIC_URL, MicrosoftAppId, MicrosoftAppTenantId). Ask whoever runs Trivselsbot to set them.",
    "tab.refused.not_leader.title": "The tab is for leaders and HR",
    "tab.refused.not_leader.message": "Here leaders and HR see the anonymous results of their units. If you are a leader, ask HR to register you as the leader of your unit in Trivselsbot.",
    "tab.refused.not_allowed.title": "You do not have access to that unit",
    "tab.refused.not_allowed.message": "You can see the units you lead and those below them. Go back to the overview.",
    "tab.refused.dev_no_person.title": "Choose a person",
    "tab.refused.dev_no_person.message": "In dev mode you choose who you are instead of signing in to Teams. Reload the page and choose a person.",
    "tab.refused.error.title": "The results could not be fetched",
    "tab.refused.error.message": "The bot did not answer as expected. Try again in a moment.",
    "tab.dev.title": "Dev mode: who are you?",
    "tab.dev.lead": "Outside Teams this list stands in for signing in. It exists only while the bot runs in dev mode on your own machine.",
    "tab.dev.person": "Person",
    "tab.dev.choose": "Show results",
    "tab.dev.role.hr": "HR",
    "tab.dev.role.leader": "leader",
    "tab.dev.role.employee": "employee",
    "tab.kind.team": "Team",
    "tab.kind.unit": "Unit",
    "tab.heatmap.title": "Overview",
    "tab.heatmap.title_unit": "Overview: {unit}",
    "tab.heatmap.lead": "Scores from 0 to 100 per dimension for each unit in the chosen month. Choose a unit to see the units below it or the unit's own page.",
    "tab.heatmap.period": "Month",
    "tab.heatmap.caption": "Score per dimension, {month}",
    "tab.heatmap.table": "Heatmap of units and dimensions",
    "tab.heatmap.unit": "Unit",
    "tab.heatmap.responses": "Response rate",
    "tab.heatmap.open": "The unit's page",
    "tab.heatmap.open_root": "Open the page of {unit}",
    "tab.heatmap.below": "The units below it follow",
    "tab.heatmap.no_months": "There are no closed rounds to show yet.",
    "tab.heatmap.legend": "Colour key",
    "tab.heatmap.legend_hidden": "Not shown (the reason is in the cell)",
    "tab.bin.1": "below 40",
    "tab.bin.2": "40–54",
    "tab.bin.3": "55–69",
    "tab.bin.4": "70–84",
    "tab.bin.5": "85–100",
    "tab.reason.too_few": "Too few answers",
    "tab.reason.complementary": "Hidden to protect others",
    "tab.reason.period_open": "The month is not over",
    "tab.reason.hierarchy_changed": "The unit moved",
    "tab.reason_long.too_few": "Fewer people answered than the minimum for anonymity.",
    "tab.reason_long.complementary": "The figure could be subtracted from another one and reveal a small group's answers.",
    "tab.reason_long.period_open": "Figures for a whole unit are shown only when the month is over.",
    "tab.reason_long.hierarchy_changed": "The unit changed its place in the organisation during the month.",
    "tab.cell.not_asked": "Not asked",
    "tab.cell.none": "No round",
    "tab.figure.responses": "answered",
    "tab.figure.rate": "response rate (of {eligible})",
    "tab.figure.of": "{responses} of {eligible}",
    "tab.dist.legend": "The answers from least to most favourable",
    "tab.dist.aria": "Distribution for {name}: {parts}",
    "tab.withheld": "Not shown: {names}.",
    "tab.table.show": "Show the figures as a table",
    "tab.table.when": "When",
    "tab.unit.lead_team": "The team's rounds, months, questions, comments and action plan.",
    "tab.unit.lead_unit": "The unit's months (everything below it added up) and action plan.",
    "tab.unit.overview": "See the overview of the {count} units below",
    "tab.trend.title": "Trend",
    "tab.trend.lead_team": "The team's score per dimension in each round. The dashed line is the last big survey.",
    "tab.latest.title": "Latest result",
    "tab.history.title": "Every round and month",
    "tab.history.lead": "The distribution of answers for each round and each month. Open one to see it.",
    "tab.months.title": "Month by month",
    "tab.months.lead": "Every round in and below the unit added up per month. The dashed line is the last big survey.",
    "tab.months.chart": "Score per dimension per month",
    "tab.months.none": "No months with closed rounds yet.",
    "tab.rounds.title": "Rounds",
    "tab.rounds.chart": "Score per dimension per round",
    "tab.rounds.round": "Round {sequence}",
    "tab.rounds.short": "R{sequence}",
    "tab.rounds.closed": "closed {date}",
    "tab.rounds.none": "No closed rounds yet.",
    "tab.questions.title": "Trend per question",
    "tab.questions.lead": "Each question's score in the rounds that asked it and could be shown.",
    "tab.questions.none": "No questions to show yet.",
    "tab.questions.aria": "The trend for: {question}",
    "tab.questions.now": "Round {sequence}:",
    "tab.baseline.title": "Last big survey",
    "tab.baseline.none": "No results of a big survey have been imported for the unit.",
    "tab.baseline.source": "Source: {source}",
    "tab.baseline.col_dimension": "Dimension",
    "tab.baseline.col_baseline": "Big survey",
    "tab.baseline.col_latest": "Latest pulse",
    "tab.comments.title": "Comments",
    "tab.comments.lead": "Anonymous, in random order, without name or time. They are shown only from rounds where at least {n} answered.",
    "tab.comments.held_back": "The comments are not shown because fewer than {n} answered.",
    "tab.comments.none": "Nobody wrote a comment.",
    "tab.comments.none_rounds": "No rounds with comments to show.",
    "tab.plan.title": "Action plan",
    "tab.plan.none": "No actions have been recorded yet.",
    "tab.plan.col_action": "Action",
    "tab.plan.col_status": "Status",
    "tab.plan.col_responsible": "Responsible",
    "tab.plan.col_deadline": "Deadline",
    "tab.plan.col_follow_up": "Follow-up",
    "tab.plan.status.planned": "Planned",
    "tab.plan.status.in_progress": "In progress",
    "tab.plan.status.done": "Done",
    "tab.plan.status.dropped": "Dropped",
    "tab.plan.follow_up": "Round {sequence}: {score}",
    "tab.plan.agreed": "agreed {date}",
    "tab.downloads.title": "Downloads",
    "tab.downloads.csv": "Download the figures (CSV for Excel)",
    "tab.downloads.done": "The file has been downloaded.",
    "tab.downloads.failed": "The file could not be downloaded. Try again.",
    "tab.downloads.med": "Document for the MED committee",
    "tab.downloads.med_lead": "One document for the MED committee's meeting: results, trend, comments, dialogue suggestions and action plan for the chosen month.",
    "tab.downloads.month": "Month",
    "tab.downloads.docx": "Download as Word (DOCX)",
    "tab.downloads.pdf": "Download as PDF",
    # The question bank's templates and the four-item short form (issue 15)
    "help.cmd.template": "**template** — choose which questions a team's pulse check asks: the usual rotation, your own questions, or four quick ones on social capital",
    "template.title": "Pulse check template",
    "template.intro": "Choose which questions a team gets in its next pulse checks. The default is the rotation: one question per dimension, taking turns. A publication can also have its own template.",
    "template.all_rotation": "Every team uses the rotation at the moment.",
    "template.no_units": "I am not installed in any teams yet, so there is nobody to choose a template for.",
    "template.field.unit": "Team or unit",
    "template.field.kind": "Template",
    "template.field.items": "The questions' ids (fixed questions only, 3–5 of them)",
    "template.kind.rotation": "The rotation (default)",
    "template.kind.fixed": "Fixed questions",
    "template.kind.short_form": "Four quick ones on social capital",
    "template.save": "Save the template",
    "template.saved": "Done: {unit} now gets **{template}** in its next pulse checks.",
    "template.pick_unit": "Pick a team or unit from the list, and I will save the template.",
    "template.invalid": "Fixed questions are 3–5 different ids from the question bank, separated by commas. The other templates take no ids.",
    "template.refused.unknown_item": "There is no question **{item}** in the question bank. See the ids with `trivselsbot questions list`.",
    "template.refused.not_active": "The question **{item}** is not active (a draft or retired), so it cannot be asked.",
    "template.refused.follow_up_item": "The follow-up question comes along by itself once the leader has recorded actions. Choose other questions.",
    "template.refused.short_form_incomplete": "The four quick ones cannot be asked right now: the question bank lacks an active short-form question on one of the four dimensions.",
    "short_form.title": "Four quick ones on social capital",
    "short_form.score": "Social capital (0–16)",
    "short_form.score_value": "{score} of 16",
    "short_form.band": "Compared with national figures",
    "short_form.band.very_low": "Very low (0–8)",
    "short_form.band.below_average": "Slightly below average (8.1–10.1)",
    "short_form.band.average": "The Danish average (10.2)",
    "short_form.band.above_average": "Slightly above average (10.3–12.3)",
    "short_form.band.very_high": "Very high (12.4–16)",
    "short_form.bands": "Each answer scores 4 points for “to a very high degree” down to 0 for “to a very low degree”; the score is the sum of the four questions' means. The Danish average is {average}.",
    "short_form.suppressed": "The score is not shown: at least one of the four questions has fewer than {k} answers or is hidden to protect anonymity.",
    "short_form.not_validated": "Note: the questions are written in our own words and are not the validated questionnaire behind the national figures. HR can import its own wording of the same four questions to compare exactly.",
}
