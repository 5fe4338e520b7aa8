"""Dansk: botten taler som en god kollega — kort, venligt og ærligt om anonymiteten."""

TEXTS: dict[str, str] = {
    # Welcome
    "welcome.title": "Hej, jeg er Trivselsbot 👋",
    "welcome.personal": (
        "Jeg sender jer korte trivselsmålinger (mini-trivsel) og spørgsmål til refleksion mellem de "
        "store målinger. Det tager under et minut at svare."
    ),
    "welcome.team": (
        "Hej {team}! Jeg hjælper jer med at holde samtalen om trivsel og samarbejde i gang mellem de "
        "store målinger: korte pulsmålinger, spørgsmål til refleksion og et resumé til jeres næste "
        "teammøde."
    ),
    "welcome.anonymous": (
        "Dine svar er anonyme: jeg gemmer aldrig, hvem der har svaret hvad — kun tal lagt sammen "
        "med de andres og kommentarer uden navn og tidspunkt. Resultater vises først, når mindst "
        "{k} har svaret."
    ),
    "welcome.help_hint": "Skriv **hjælp** for at se, hvad du kan.",
    # Help
    "help.title": "Det kan jeg hjælpe med",
    "help.not_understood": "Det forstod jeg desværre ikke. Her er, hvad du kan skrive:",
    "help.role.employee": "Som medarbejder",
    "help.role.leader": "Som leder",
    "help.role.hr": "Som HR / MED-sekretariat",
    "help.cmd.help": "**hjælp** — viser denne oversigt",
    "help.cmd.answer": "Svar på mini-trivsel, når kortet dukker op her i chatten — det er anonymt",
    "help.cmd.my_data": "**mine data** — hvad jeg gemmer om dig",
    "help.anonymous": (
        "Ingen kan se, hvad netop du har svaret — heller ikke din leder eller HR. Resultater vises "
        "kun, når mindst {k} har svaret, og kommentarer først, når mindst {n} har svaret."
    ),
    "help.button": "Hjælp",
    "help.team_note": "Skriv til mig i en personlig chat for at svare anonymt. I kanalen skal du nævne mig med @.",
    # Pulse
    "pulse.title": "Mini-trivsel · {team}",
    "pulse.reminder_title": "Påmindelse: mini-trivsel · {team}",
    "pulse.intro": "{count} korte spørgsmål om, hvordan I har det sammen lige nu. Det tager under et minut.",
    "pulse.anonymous": (
        "Dit svar er anonymt: jeg lægger det sammen med de andres og gemmer aldrig, hvem der "
        "svarede hvad. Dine ledere og HR ser resultatet, når runden er lukket og mindst {k} har "
        "svaret — kommentarerne først, når mindst {n} har svaret. Din leder kan dele resultatet "
        "med teamet."
    ),
    "pulse.closes": "Runden lukker {closes}.",
    "pulse.choose": "Vælg et svar",
    "pulse.required": "Vælg venligst et svar her.",
    "pulse.follow_up_named": "Vi aftalte: »{title}«. Har vi fulgt op på det?",
    "pulse.comment_label": "Vil du tilføje noget? (valgfrit, anonymt)",
    "pulse.comment_placeholder": "Skriv ikke navne. Dine ledere og HR ser kommentaren uden navn og tidspunkt, blandet med de andres, og kun hvis mindst {n} har svaret. Din leder kan vælge at dele kommentarerne med teamet.",
    "pulse.submit": "Send anonymt",
    "pulse.thanks_title": "Tak — dit svar er registreret anonymt",
    "pulse.thanks_body": (
        "Dit svar er lagt sammen med de andres. Hverken kortet, chatten eller databasen viser, "
        "hvad du svarede. Resultatet deles, når runden er lukket — hvis nok har svaret."
    ),
    "pulse.personal_only": "Pulsmålinger besvarer du i din personlige chat med mig — så er det kun dig, der ser kortet. Intet er gemt.",
    "pulse.refused.round_not_found": "Den måling kan jeg ikke finde — måske er kortet for gammelt. Intet er gemt.",
    "pulse.refused.round_not_open": "Den måling er ikke åbnet endnu. Intet er gemt.",
    "pulse.refused.round_closed": "Målingen er desværre lukket, så dit svar kom ikke med. Tak for viljen — næste runde kommer.",
    "pulse.refused.not_a_member": "Den måling er til et andet team end dit, så jeg kan ikke tage imod dit svar. Intet er gemt.",
    "pulse.refused.already_answered": (
        "Du har allerede svaret på denne måling — tak! Et svar kan ikke ændres, for jeg ved ikke, "
        "hvilket svar der var dit."
    ),
    "pulse.refused.invalid_answer": "Der manglede et svar, eller noget i kortet var ikke, som det skulle være. Svar på alle spørgsmål, og prøv igen. Intet er gemt.",
    "pulse.refused.comment_too_long": "Din kommentar er for lang (højst 1000 tegn). Forkort den, og prøv igen. Intet er gemt.",
    # Starting a pulse (HR)
    "pulse_start.title": "Start mini-trivsel nu",
    "pulse_start.pick": "Vælg det team, der skal have en mini-trivsel nu. Den er åben i {days} dage.",
    "pulse_start.none": "Jeg er ikke installeret i noget team endnu. Tilføj mig til et team i Teams først.",
    "pulse_start.started": "Mini-trivsel er på vej til {count} personer i {team}. Den lukker {closes}.",
    "pulse_start.held": "Mini-trivslen til {count} personer i {team} er åben for svar nu. Uden for arbejdstid sender jeg ikke noget ud, så invitationen sendes {sends} — og for at alle får hele svartiden, lukker runden først {closes}.",
    "pulse_start.unknown_unit": "Det team kender jeg ikke (længere). Skriv **start puls** for at vælge igen.",
    "pulse_start.already_open": "Der er allerede en åben mini-trivsel i {team}. Den lukker {closes}; derefter kan du starte en ny.",
    "pulse_start.already_started": "Mini-trivslen i {team} er allerede ved at blive sendt ud.",
    "help.cmd.start_pulse": "**start puls** — send en mini-trivsel til et team nu",
    # My data
    "my_data.title": "Det gemmer jeg om dig",
    "my_data.unknown": "Jeg har ingen oplysninger om dig gemt.",
    "my_data.identity": "Dit Teams-id, dit navn ({name}) og dit sprog ({locale}), så jeg kan skrive til dig.",
    "my_data.chat": "En henvisning til vores personlige chat, så jeg kan sende dig målinger.",
    "my_data.units": "At du er medlem af: {units}.",
    "my_data.leader": "At du er leder for: {units}.",
    "my_data.open_rounds": (
        "Du har svaret på {answered} af {total} åbne målinger. Det ved jeg kun gennem en krypteret "
        "nøgle, som slettes, når målingen lukker."
    ),
    "my_data.queued": "{count} besked(er) til dig venter på at blive sendt.",
    "my_data.orders": "At du står som den, der bestilte {count} runde(r), planer eller udsendelser, så statuskortet for udsendelserne kommer til dig. Det glemmes, når intet statuskort længere har brug for det.",
    "my_data.views": "At du har set resultater {count} gang(e): loggen over, hvem der har set hvad og hvornår, som HR og MED-sekretariatet kan læse. Den rummer aldrig tallene selv.",
    "my_data.answers": (
        "**Dine svar** er gemt uden navn, id eller tidspunkt — krypteret, mens målingen er åben, "
        "og derefter kun som tal lagt sammen med de andres, en kommentar som tekst uden afsender. "
        "Derfor kan ingen, heller ikke jeg, finde, ændre eller slette netop dine svar."
    ),
    # Units and leaders (HR)
    "help.cmd.unit": "**enhed** — flyt en enhed i organisationen, eller tilføj og fjern ledere",
    "unit.title": "Enheder og ledere",
    "unit.intro": "Vælg den enhed, du vil ændre. Du kan flytte den i organisationen og tilføje eller fjerne ledere.",
    "unit.pick_label": "Enhed",
    "unit.pick_required": "Vælg en enhed.",
    "unit.pick_submit": "Vælg",
    "unit.none": (
        "Der er ingen enheder endnu. Tilføj mig til et team i Teams, eller indlæs organisationen "
        "med `trivselsbot units import`."
    ),
    "unit.edit_title": "Enhed · {unit}",
    "unit.parent_fact": "Hører under",
    "unit.leaders_fact": "Ledere",
    "unit.no_leaders": "ingen endnu",
    "unit.top": "Øverste niveau (ingen overordnet enhed)",
    "unit.parent_label": "Hører under",
    "unit.member_label": "Tilføj en leder blandt enhedens medlemmer",
    "unit.member_placeholder": "Vælg en person",
    "unit.aad_label": "… eller tilføj en leder med AAD-objekt-id",
    "unit.aad_placeholder": "fx 0b6f3c1e-8a2d-4f5e-9c7b-1d2e3f4a5b6c",
    "unit.remove_label": "Fjern en leder",
    "unit.remove_placeholder": "Vælg en leder",
    "unit.file_hint": "Hele organisationen kan også indlæses fra en fil med `trivselsbot units import`.",
    "unit.save": "Gem ændringen",
    "unit.person_unknown": "{aad} (kender jeg ikke fra Teams endnu)",
    "unit.unchanged": "Ingen ændringer — {unit} var allerede sat sådan op.",
    "unit.moved": "{unit} hører nu under {parent}.",
    "unit.moved_top": "{unit} ligger nu på øverste niveau uden en overordnet enhed.",
    "unit.leader_added": "{person} er nu leder for {unit} og kan se resuméer for enheden og alt under den.",
    "unit.leader_removed": "{person} er ikke længere leder for {unit}.",
    "unit.not_allowed": "Det er kun HR, der kan ændre enheder og ledere. Skal noget rettes, så skriv til HR.",
    "unit.unknown": "Den enhed kender jeg ikke (længere). Skriv **enhed** for at vælge igen. Intet er ændret.",
    "unit.cycle": (
        "Det kan ikke lade sig gøre: en enhed kan ikke høre under sig selv eller under en af sine "
        "egne underenheder. Intet er ændret."
    ),
    "unit.invalid_leader": (
        "Det ligner ikke et AAD-objekt-id (ét ord uden mellemrum, komma eller semikolon). "
        "Intet er ændret."
    ),
    "unit.refused": "Ændringen kunne ikke gennemføres. Intet er ændret — skriv **enhed** for at prøve igen.",
    # The note to every member when a round closes
    "round_closed.result_ready": (
        "Mini-trivsel i {team} er slut, og jeres fælles resultat er klar 🌱 Din leder har det med "
        "som oplæg til jeres næste teammøde — spørg gerne, hvornår I skal tale om det sammen. "
        "Tak til alle, der var med!"
    ),
    "round_closed.too_few": (
        "Mini-trivsel i {team} er slut. Der kom for få svar til at vise et resultat denne gang — "
        "tak til jer, der svarede. Vi ses til næste runde 🌱"
    ),
    # Delivery status of a push (HR): counts and reasons only
    "delivery.title": "Udsendelse til {team}",
    "delivery.report_title": "Leveringsrapport: {team}",
    "delivery.sent": "Leveret",
    "delivery.pending": "Venter",
    "delivery.failed": "Ikke leveret",
    "delivery.total": "I alt",
    "delivery.running": "Kortet opdateres løbende, mens beskederne bliver sendt.",
    "delivery.running_posts": "Kortet opdateres løbende, mens opslagene bliver sendt.",
    "delivery.reasons": "Ikke leveret, og hvorfor:",
    "delivery.reason.blocked": "har fjernet eller blokeret appen",
    "delivery.reason.closed": "lukkede, før beskeden nåede frem",
    "delivery.reason.not_found": "chatten findes ikke længere",
    "delivery.reason.gave_up": "opgivet efter {detail}",
    "delivery.reason.not_in_channel": "botten er ikke længere med i kanalen",
    "delivery.uncertain": "{count} kan have fået beskeden to gange, fordi afsendelsen blev afbrudt undervejs.",
    "delivery.counts_only": "Kun tal: hverken hvem der fik beskeden, eller hvem der svarer, vises nogensinde.",
    "delivery.done": "Udsendelsen til {team} er færdig: {sent} af {total} har fået beskeden, {failed} ikke leveret{what}.",
    "delivery.done_posts": "Udsendelsen til {team} er færdig: {sent} af {total} opslag er lagt i kanalerne, {failed} ikke lagt op{what}.",
    "delivery.team_and_others": "{team} og {others} andre teams",
    "delivery.team_and_one_other": "{team} og ét andet team",
    "delivery.kind.pulse": "mini-trivsel",
    "delivery.kind.reminder": "påmindelse om mini-trivsel",
    "delivery.kind.prompt": "refleksionsspørgsmål",
    "delivery.kind.round_closed": "besked om, at runden er lukket",
    "delivery.kind.leader_result": "resultatkort til lederne",
    "delivery.kind.channel_post": "opslag i teamenes kanaler",
    "delivery.eta": "Forventet færdig {done} (ca. {rate} beskeder i sekundet lige nu).",
    "delivery.eta_planned": "Forventet færdig {done}, regnet ud fra den planlagte takt på {rate} beskeder i sekundet, indtil de første er sendt.",
    "delivery.held": "Uden for arbejdstid sender jeg ikke noget ud: beskederne sendes fra {starts}.",
    "delivery.next_try": "Beskederne prøves igen {starts}.",
    "delivery.paused": "Teams har bedt mig holde en pause; jeg sender igen {until}.",
    # Prompts on the four themes, HR's prompt library and publishing (issue 5)
    "theme.blik_for_borgeren": "Blik for borgeren",
    "theme.digitale_muligheder": "Digitale muligheder",
    "theme.attraktiv_arbejdsplads": "En attraktiv arbejdsplads",
    "theme.staerk_fortaelling": "En stærk fortælling",
    "help.cmd.reflect": "Svar på et spørgsmål til refleksion, når det dukker op — med et par ord og/eller en vurdering. Også det er anonymt",
    "help.cmd.hr": "**hr** — HR-menuen: prompt-biblioteket og udgivelser",
    "help.cmd.new_prompt": "**ny prompt** — skriv et nyt spørgsmål til refleksion",
    "help.cmd.publish": "**udgiv** — send en prompt eller en mini-trivsel til teams nu eller fast",
    "prompt_admin.not_hr": "Det er kun HR og MED-sekretariatet, der kan arbejde med prompt-biblioteket og udgivelser. Skriv **hjælp** for at se, hvad du kan.",
    "prompt_admin.personal_only": "HR-menuen og formularerne bruges i din personlige chat med mig, ikke i en kanal eller gruppechat.",
    "hr_menu.title": "HR-menu",
    "hr_menu.intro": "Her holder du prompt-biblioteket ved lige og sender prompts og mini-trivsel ud. Aktive prompts pr. tema:",
    "hr_menu.theme_line": "{theme}: {count}",
    "hr_menu.scheduled": "Faste udgivelser lige nu: {count}.",
    "hr_menu.new_prompt": "Ny prompt",
    "hr_menu.publish": "Udgiv",
    "hr_menu.library": "Se biblioteket",
    "prompt_form.title": "Ny prompt",
    "prompt_form.intro": "Et spørgsmål til refleksion på et af de fire temaer. Skriv det på dansk og engelsk — kort, konkret og venligt.",
    "prompt_form.required": "Udfyld venligst dette felt.",
    "prompt_form.rating_hint": "Vil du også have en vurdering fra 1 til 5? Skriv så spørgsmålet på begge sprog — ellers lad felterne stå tomme.",
    "prompt_form.state_active": "Aktiv — kan udgives med det samme",
    "prompt_form.state_draft": "Kladde — gemmes, men udgives ikke endnu",
    "prompt_form.placeholder_text_da": "Fx: Hvornår har du sidst oplevet, at vi gjorde noget lettere for en borger?",
    "prompt_form.placeholder_text_en": "På engelsk, fx: When did you last see us make something easier for a citizen?",
    "prompt_form.placeholder_rating_da": "Fx: Hvor godt lykkes vi med det?",
    "prompt_form.placeholder_rating_en": "På engelsk, fx: How well do we manage?",
    "prompt_form.save": "Gem prompt",
    "prompt_form.invalid": "Prompten er ikke gemt. Ret venligst:\n{problems}",
    "prompt_form.already_saved": "Den prompt er allerede gemt — jeg har ikke lavet en kopi.",
    "prompt.field.form": "Formularen",
    "prompt.field.id": "Id",
    "prompt.field.theme": "Tema",
    "prompt.field.text": "Spørgsmålet",
    "prompt.field.text.da": "Spørgsmålet på dansk",
    "prompt.field.text.en": "Spørgsmålet på engelsk",
    "prompt.field.rating": "Vurderingsspørgsmålet",
    "prompt.field.rating.da": "Vurderingsspørgsmål på dansk (valgfrit, 1–5)",
    "prompt.field.rating.en": "Vurderingsspørgsmål på engelsk (valgfrit, 1–5)",
    "prompt.field.state": "Status",
    "prompt.problem.missing": "mangler",
    "prompt.problem.empty": "er tom",
    "prompt.problem.too_long": "er for lang",
    "prompt.problem.invalid_choice": "er ikke et af valgene",
    "prompt.problem.not_text": "skal være tekst",
    "prompt.problem.wrong_type": "har en forkert form",
    "prompt.problem.out_of_range": "ligger uden for det tilladte",
    "prompt.problem.not_a_number": "skal være et tal",
    "prompt.problem.invalid": "er ikke gyldig",
    "prompt.state.active": "aktiv",
    "prompt.state.draft": "kladde",
    "prompt.state.retired": "udgået",
    "prompt_saved.title": "Prompten er gemt ✔",
    "prompt_saved.summary": "{theme} · {state} · id {id}",
    "prompt_saved.rating": "Vurdering (1–5): {question}",
    "prompt_saved.publish": "Udgiv nu",
    "library.title": "Prompt-biblioteket (aktive prompts)",
    "library.more": "… og {count} mere (se dem alle med `trivselsbot prompts list`).",
    "library.empty": "Ingen aktive prompts på dette tema endnu.",
    "publish.title": "Udgiv en prompt eller en mini-trivsel",
    "publish.field.form": "Formularen",
    "publish.field.id": "Formularen",
    "publish.field.content": "Hvad skal ud?",
    "publish.field.prompt_id": "Prompten",
    "publish.field.theme": "Temaet",
    "publish.field.units": "Til hvem?",
    "publish.field.delivery": "Hvordan?",
    "publish.field.when": "Hvornår?",
    "publish.field.schedule": "Hvornår?",
    "publish.field.schedule.every_days": "Hvornår?",
    "publish.field.weekday": "Ugedag (ved fast udgivelse)",
    "publish.field.schedule.weekday": "Ugedag",
    "publish.field.time": "Klokkeslæt (dansk tid)",
    "publish.field.schedule.time": "Klokkeslæt",
    "publish.field.open_days": "Åben i antal dage",
    "publish.content_theme": "Næste prompt fra «{theme}» (skifter hver gang)",
    "publish.content_pulse": "Mini-trivsel (puls)",
    "publish.content_pulse_short_form": "Mini-trivsel: fire hurtige om social kapital",
    "publish.all_units": "Hele organisationen",
    "publish.delivery_personal": "Til hver medarbejders personlige chat (anonyme svar)",
    "publish.delivery_channel": "I teamets kanal, til fælles dialog (svar gives stadig anonymt i den personlige chat)",
    "publish.when_now": "Nu",
    "publish.when_7": "Hver uge",
    "publish.when_14": "Hver 14. dag",
    "publish.when_28": "Hver 4. uge",
    "publish.hint": "Faste udgivelser rykkes til næste hverdag, hvis de lander på en weekend eller helligdag. Jeg sender kun ud på hverdage i arbejdstiden (kl. 08–16); det, du udgiver uden for den, venter til næste arbejdsdag. Vælger du et overordnet niveau, kommer alle teams under det med.",
    "publish.submit": "Udgiv",
    "publish.invalid": "Der er ikke udgivet noget. Ret venligst:\n{problems}",
    "publish.already_done": "Den udgivelse er allerede sendt afsted — jeg har ikke sendt den igen.",
    "publish.refused.prompt_not_found": "Den prompt kan jeg ikke finde (længere). Intet er udgivet.",
    "publish.refused.prompt_not_active": "Prompten er en kladde eller udgået, så den kan ikke udgives. Gør den aktiv først. Intet er udgivet.",
    "publish.refused.no_active_prompt": "Der er ingen aktive prompts på det tema endnu. Intet er udgivet.",
    "publish.refused.template_refused": "De fire hurtige kan ikke stilles lige nu: spørgsmålsbanken mangler et aktivt kort-form-spørgsmål på en af de fire dimensioner. Intet er udgivet.",
    "publish.refused.invalid_template": "Et af teamenes valgte spørgsmål kan ikke stilles længere (kladde eller udgået). Vælg en anden skabelon med **skabelon**. Intet er udgivet.",
    "publish.refused.other": "Det kunne jeg desværre ikke udgive. Intet er sendt.",
    "publish.done_title": "Udgivet ✔",
    "publish.sent": "{what} er på vej til {count} personer i {team}.",
    "publish.posted": "{what} er lagt i kanalen hos {team} ({count} medlemmer kan svare).",
    "publish.scheduled": "{what} er planlagt. Første gang: {first}.",
    "publish.held": "Det er uden for arbejdstid, så jeg sender først {sends}. Svar kan gives, så snart den er sendt, og runden får hele sin svartid: den lukker tilsvarende senere.",
    "publish.skipped_no_channel": "{team}: ikke sendt — jeg kender ikke teamets kanal endnu. Tilføj mig til teamet igen.",
    "publish.skipped_not_installed": "{team}: ikke sendt — jeg er ikke installeret i teamet.",
    "publish.nothing": "Der var ingen teams at sende til.",
    "reflection.title": "Til refleksion · {theme}",
    "reflection.rating_low": "slet ikke",
    "reflection.rating_high": "i høj grad",
    "reflection.text_label": "Din refleksion (valgfri, anonym)",
    "reflection.text_placeholder": "Et par ord er nok. Skriv ikke navne — dine ledere og HR ser teksten uden navn og tidspunkt, blandet med de andres, og kun hvis mindst {n} har svaret.",
    "reflection.anonymous": (
        "Dit svar er anonymt: jeg gemmer det uden navn og tidspunkt. Dine ledere og HR ser svarene, "
        "når runden er lukket: vurderingerne samlet, når mindst {k} har givet en, og teksterne i "
        "tilfældig rækkefølge, når mindst {n} har svaret."
    ),
    "reflection.closes": "Du kan svare indtil {closes}.",
    "reflection.submit": "Send anonymt",
    "reflection.personal_only": "Svar i din personlige chat med mig — så er det kun dig, der ser kortet.",
    "reflection.refused.round_not_found": "Det spørgsmål kan jeg ikke finde — måske er kortet for gammelt. Intet er gemt.",
    "reflection.refused.round_not_open": "Det spørgsmål er ikke åbnet endnu. Intet er gemt.",
    "reflection.refused.round_closed": "Runden er desværre lukket, så dit svar kom ikke med. Tak for viljen!",
    "reflection.refused.not_a_member": "Det spørgsmål er til et andet team end dit, så jeg kan ikke tage imod dit svar. Intet er gemt.",
    "reflection.refused.already_answered": (
        "Du har allerede svaret på dette spørgsmål — tak! Et svar kan ikke ændres, for jeg ved ikke, "
        "hvilket svar der var dit."
    ),
    "reflection.refused.invalid_answer": "Noget i kortet var ikke, som det skulle være. Prøv igen. Intet er gemt.",
    "reflection.refused.comment_too_long": "Din refleksion er for lang (højst 500 tegn). Forkort den, og prøv igen. Intet er gemt.",
    "reflection.refused.empty_reflection": "Skriv et par ord eller giv en vurdering, før du sender. Intet er gemt.",
    "reflection.private_refused": "Det kort kan jeg ikke sende dig — enten er runden lukket, eller du har allerede svaret.",
    "reflection_closed.result_ready": (
        "Refleksionsrunden i {team} er slut, og jeres svar er samlet 🌱 Din leder tager dem med som "
        "oplæg til jeres næste teammøde. Tak til alle, der var med!"
    ),
    "reflection_closed.too_few": (
        "Refleksionsrunden i {team} er slut. Der kom for få svar til, at de kan vises denne gang — "
        "tak til jer, der svarede."
    ),
    "channel_prompt.title": "Til fælles dialog · {theme}",
    "channel_prompt.body": "Tag en snak om det på jeres næste team- eller MED-møde. Vil du først tænke over det selv, så svar anonymt — lederen får svarene med til mødet.",
    "channel_prompt.private": (
        "Tryk på knappen, så sender jeg dig spørgsmålet i din personlige chat med mig. Der svarer "
        "du anonymt; svarene vises først, når mindst {k} har svaret, og teksterne først, når mindst "
        "{n} har svaret. Kommer der intet kort, har du allerede svaret, eller runden er lukket."
    ),
    "channel_prompt.button": "Svar anonymt",
    "pulse_announcement.title": "Mini-trivsel er åben · {team}",
    "pulse_announcement.body": (
        "I har fået en kort mini-trivsel i jeres personlige chat med mig. Det tager under et minut, "
        "og det er anonymt: resultatet vises kun, når mindst {k} har svaret."
    ),
    # Dates (Europe/Copenhagen)
    "date.weekdays": "mandag,tirsdag,onsdag,torsdag,fredag,lørdag,søndag",
    "date.months": "januar,februar,marts,april,maj,juni,juli,august,september,oktober,november,december",
    "date.format": "{weekday} d. {day}. {month} kl. {time}",
    "date.day": "{day}. {month}",
    "date.day_year": "{day}. {month} {year}",
    "date.today_at": "i dag kl. {time}",
    # Leader summary
    "leader_result.ready": "Resultatet for {team} er klar. Her er jeres resumé til næste team- eller MED-møde.",
    "leader_result.too_few": "Runden for {team} er lukket, men for få svarede til at vise et resultat. Kortet siger hvorfor.",
    "summary.title_round": "Resumé · {unit} · runde {sequence}",
    "summary.title_period": "Resumé · {unit} · {month}",
    "summary.closed_on": "Runden lukkede {date}.",
    "summary.responses": "{responses} af {eligible} svarede ({rate} %).",
    "summary.suppressed.too_few": (
        "For få svar til at vise et resultat: færre end {k} har svaret. Det beskytter "
        "anonymiteten, så der vises hverken tal eller kommentarer."
    ),
    "summary.suppressed.complementary": (
        "Skjult, fordi tallet ellers kunne trækkes fra et andet tal, der vises, og afsløre en "
        "gruppe på færre end {k}."
    ),
    "summary.suppressed.period_open": (
        "Vises, når måneden er slut — ellers kunne tallet sammenlignes med et tidligere og "
        "afsløre enkelte svar."
    ),
    "summary.suppressed.hierarchy_changed": "Vises ikke, fordi enheden skiftede plads i organisationen i løbet af måneden.",
    "summary.scores_title": "Score pr. dimension (0–100)",
    "summary.score_line": "{score} · svar fra lav til høj: {distribution}",
    "summary.score_line_answers": "{score} · {answers} svar · fra lav til høj: {distribution}",
    "summary.withheld": (
        "Ikke vist for måneden: {dimensions}. Ikke alle runder stillede de spørgsmål, og "
        "tallet kunne ellers afsløre en gruppe på færre end {k}."
    ),
    "summary.trend_title": "Udvikling over de seneste runder",
    "summary.question_trend_title": "Udvikling pr. spørgsmål",
    "summary.question_trend_note": (
        "Spørgsmålene skifter fra runde til runde. Derfor sammenlignes hvert spørgsmål kun med "
        "sidste gang, teamet fik netop det spørgsmål."
    ),
    "summary.question_trend_chart": "Score pr. spørgsmål over tid (0–100)",
    "summary.question_heading": "**{dimension}** · {question}",
    "summary.question_compared": "{score} nu · sidst spurgt {date}: {earlier} ({change})",
    "summary.question_compared_past_hidden": (
        "{score} nu · sidst spurgt {date}, men da svarede færre end {k}, så det tal vises ikke. "
        "Gangen før, {earlier_date}: {earlier} ({change})"
    ),
    "summary.question_only_hidden": (
        "{score} nu · sidst spurgt {date}, men da svarede færre end {k}, så der er intet tal at "
        "sammenligne med"
    ),
    "summary.question_first": (
        "{score} nu · ikke stillet i teamet det seneste år, så der er intet tidligere svar at "
        "sammenligne med"
    ),
    "summary.change_same": "uændret",
    "summary.trend_point": "{date}: {score}",
    "summary.distribution_title": "Svarene pr. dimension, fra lav til høj (antal svar)",
    "summary.distribution_line": "{dimension}: {counts}",
    "summary.compare_title": "Sammenligning",
    "summary.compare_parent": "{unit} ({month})",
    "summary.compare_hidden": "{unit}: {reason}",
    "summary.baseline": "Seneste store måling",
    "summary.comments_title": "Anonyme kommentarer (i tilfældig rækkefølge)",
    "summary.no_comments": "Ingen kommentarer denne gang.",
    "summary.comments_held_back": (
        "Kommentarer vises først, når mindst {n} har svaret, så ingen kan genkendes på sin måde at "
        "skrive på."
    ),
    "summary.dialogue_title": "Forslag til dialog på næste team- eller MED-møde: {dimension}",
    "summary.record_action": "Registrér aftalt handling",
    "summary.action_label": "Hvad aftalte I?",
    "summary.action_placeholder": "Fx: Vi holder et kort tavlemøde hver mandag kl. 9",
    "summary.action_submit": "Gem handling",
    "summary.action_saved": (
        "Handlingen er gemt for {unit}. Næste mini-trivsel spørger teamet, om I har fulgt op "
        "på den, med handlingens navn."
    ),
    "summary.action_empty": "Skriv den aftalte handling i feltet, før du gemmer. Intet er gemt.",
    # The handlingsplan (dialogs/cards/action_plan.py)
    "plan.title": "Handlingsplan",
    "plan.addresses": "Handler om",
    "plan.addresses_label": "Hvad handler det om?",
    "plan.addresses_none": "Ikke angivet",
    "plan.responsible": "Ansvarlig",
    "plan.responsible_label": "Hvem har ansvaret?",
    "plan.responsible_placeholder": "Fx: Teamleder og AMR",
    "plan.nobody": "Ikke angivet",
    "plan.deadline": "Frist",
    "plan.deadline_label": "Frist",
    "plan.no_deadline": "Ingen frist",
    "plan.status": "Status",
    "plan.status_label": "Status",
    "plan.status.planned": "Planlagt",
    "plan.status.in_progress": "I gang",
    "plan.status.done": "Gennemført",
    "plan.status.dropped": "Droppet",
    "plan.follow_up": "Opfølgning",
    "plan.follow_up_waiting": "Næste mini-trivsel spørger teamet om den.",
    "plan.follow_up_score": "{score} af 100 i runde {sequence}",
    "plan.follow_up_hidden": "Runde {sequence} spurgte, men for få svarede til at vise et resultat.",
    "plan.update": "Opdatér",
    "plan.update_submit": "Gem ændringer",
    "plan.saved": "Handlingen »{title}« er gemt for {unit}. Næste mini-trivsel spørger teamet, om I har fulgt op på den.",
    "plan.updated": "»{title}« er opdateret: {status}.",
    "plan.not_found": "Den handling findes ikke længere. Bed om et nyt resumé for at se planen, som den er nu.",
    "plan.invalid.title": "Skriv den aftalte handling i feltet, før du gemmer. Intet er gemt.",
    "plan.invalid.addresses": "Vælg, hvad handlingen handler om, fra listen. Intet er gemt.",
    "plan.invalid.responsible": "Navnet på den ansvarlige må højst være 200 tegn. Intet er gemt.",
    "plan.invalid.deadline": "Fristen skal være en dato, fx 2027-01-31. Intet er gemt.",
    "plan.invalid.status": "Vælg en status fra listen. Intet er gemt.",
    # Sharing a round's summary with the team (dialogs/flows/share.py)
    "share.button": "Del med teamet",
    "share.intro": (
        "Resultatet og forslagene til dialog lægges i teamets kanal, så I kan tage snakken "
        "sammen. Du ser opslaget, før det bliver delt."
    ),
    "share.include_comments": "Tag de {count} anonyme kommentarer med",
    "share.preview_button": "Se opslaget",
    "share.confirm_title": "Opslaget til kanalen i {unit}",
    "share.confirm_exact": "Præcis det, der står i rammen herunder, bliver lagt i kanalen — intet andet.",
    "share.confirm_with_comments": "De anonyme kommentarer er med, fordi du valgte dem.",
    "share.confirm_without_comments": "Kommentarerne er ikke med.",
    "share.confirm_button": "Del i kanalen",
    "share.cancel_button": "Fortryd",
    "share.cancelled": "Intet er delt.",
    "share.queued_now": "Delt med {unit}: opslaget kommer i teamets kanal om et øjeblik.",
    "share.queued_later": (
        "Delt med {unit}: opslaget kommer i teamets kanal {date}, for jeg skriver kun i "
        "arbejdstiden."
    ),
    "share.already": "Runde {sequence} er allerede delt med {unit}, så den bliver ikke lagt i kanalen igen.",
    "share.not_leader": "Kun teamets leder kan dele resultatet med teamet. Intet er delt.",
    "share.not_your_team": (
        "Den runde hører til et team, du ikke er leder for, så du kan ikke dele den. Intet er delt."
    ),
    "share.not_released": (
        "Runden er ikke lukket endnu. Resultatet kan deles, når den er lukket. Intet er delt."
    ),
    "share.nothing": "For få svarede til at vise et resultat, så der er intet at dele. Intet er delt.",
    "share.no_channel": (
        "Jeg er ikke med i teamets kanal, så jeg kan ikke lægge resultatet dér. Bed en ejer af "
        "teamet om at tilføje mig. Intet er delt."
    ),
    "share.comments_not_released": (
        "Kommentarerne kan ikke deles: der er ingen, eller færre end {n} har svaret. Intet er delt."
    ),
    "share.comments_private": (
        "Kommentarerne fra denne runde kan ikke deles: da de blev skrevet, lovede jeg, at kun "
        "lederne og HR ser dem, og det løfte holder jeg. Del resultatet uden kommentarer. Intet "
        "er delt."
    ),
    "share.stale": (
        "Kortet er forældet: opslaget ville ikke længere være det, du så. Tryk »Del med teamet« "
        "igen for at se, hvad der deles nu. Intet er delt."
    ),
    "share.unknown": "Den runde kan jeg ikke finde. Bed om et nyt resumé. Intet er delt.",
    "share.bad_card": "Noget i kortet var ikke, som det skulle være. Tryk »Del med teamet« igen. Intet er delt.",
    "share.post_title": "Resultat af mini-trivsel · {unit} · runde {sequence}",
    "share.post_intro": (
        "Runden lukkede {date}. Jeres leder deler resultatet som oplæg til jeres næste team- eller "
        "MED-møde."
    ),
    "share.post_anonymous": (
        "Svarene er anonyme: ingen — heller ikke jeres leder — kan se, hvad den enkelte svarede. "
        "Tal vises kun, når mindst {k} har svaret."
    ),
    # Leaders above the teams, when a month is settled (dialogs/messages/month_note.py)
    "month_note.ready": (
        "Tallene for {month} ligger fast for {units}: måneden er slut, og alle dens runder er "
        "lukket. Her er kortet for {unit}; de andre vælger du på kortet."
    ),
    "summary.choose_other": "Vælg en anden enhed eller runde",
    "summary.choose_label": "Enhed og runde",
    "summary.choose_submit": "Vis resumé",
    "summary.round_label": "{unit} — runde {sequence} (lukket {date})",
    "summary.period_label": "{unit} — {month}",
    "summary.reflection_title": "Refleksioner · {unit}",
    "summary.reflection_label": "{unit} — refleksion (lukket {date})",
    "summary.reflection_responses": "{responses} svarede.",
    "summary.reflection_order": "Refleksionerne står i tilfældig rækkefølge, uden navn og tidspunkt.",
    "summary.reflections_held_back": (
        "Refleksionerne vises først, når mindst {n} har svaret, så ingen kan genkendes på sin måde "
        "at skrive på."
    ),
    "summary.ratings_held_back": "Vurderingerne vises først, når mindst {k} har givet en.",
    "summary.ratings": "Vurderinger fra 1 til 5: {distribution}",
    "summary.no_reflections": "Ingen skrev en refleksion denne gang.",
    "summary.none": (
        "Der er endnu ingen lukkede runder for de enheder, du kan se. Resultatet vises, når en "
        "runde er lukket."
    ),
    "summary.not_leader": (
        "Resuméer er for ledere og HR. Spørg din leder om jeres resultat — det er godt stof til "
        "næste teammøde."
    ),
    "summary.not_allowed": "Det resumé har du ikke adgang til. Du kan se de enheder, du er leder for, og dem under dem.",
    "summary.still_open": (
        "Runden er stadig åben. Resultatet vises, når den lukker — så ingen kan følge med i, "
        "hvem der lige har svaret."
    ),
    "summary.unknown": "Det resumé kan jeg ikke finde. Skriv **resumé** for at vælge igen.",
    "help.cmd.summary": "**resumé** — dit teams resultater og forslag til dialog på næste møde; del dem med teamet i kanalen",
    "help.cmd.action": "**handling** — registrér en handling, teamet har aftalt",
    "help.button_summary": "Resumé",
    # Dialogue questions per dimension, for the next team or MED meeting
    "dialogue.trust_colleagues": (
        "Hvornår har vi sidst kunnet regne med hinanden, da det gjaldt? Hvad gjorde det muligt?|"
        "Hvad skal der til, for at man tør sige sin ærlige mening her?|"
        "Hvordan tager vi imod en kollega, der siger: »Det gik galt for mig«?"
    ),
    "dialogue.trust_management": (
        "Hvilke beslutninger vil vi gerne høres om, før de bliver truffet?|"
        "Hvad kan ledelsen gøre, så vi oplever, at informationen er til at stole på?|"
        "Hvordan kan vi tage en bekymring op, uden at den bliver en konflikt?"
    ),
    "dialogue.justice": (
        "Hvordan fordeler vi opgaverne i dag — og hvad ville føles mere retfærdigt?|"
        "Hvornår har du sidst fået anerkendelse for dit arbejde, og hvordan kom den?|"
        "Hvad sker der med vores forslag, når vi har sagt dem højt?"
    ),
    "dialogue.cooperation": (
        "Hvor oplever vi, at samarbejdet med andre afdelinger gør en forskel for borgeren?|"
        "Hvordan hjælper vi hinanden, når det brænder på — og hvem bliver glemt?|"
        "Hvad er vores kerneopgave med vores egne ord?"
    ),
    "dialogue.wellbeing": (
        "Hvad giver dig energi på arbejdet lige nu — og hvad tager den?|"
        "Hvad er én lille ting, vi kunne ændre allerede i næste uge?|"
        "Hvordan kan vi se, at en kollega ikke har det godt, og hvad gør vi så?"
    ),
    "dialogue.workload": (
        "Hvilke opgaver kunne vi lade være med at løse, eller løse enklere?|"
        "Hvornår oplever du, at tiden slår til — hvad er anderledes de dage?|"
        "Hvordan siger vi til, når vi har for meget, uden at det falder tilbage på den enkelte?"
    ),
    "dialogue.follow_up": (
        "Hvad har vi fået gjort af det, vi aftalte?|Hvad stod i vejen for resten?|"
        "Skal aftalen justeres, fastholdes eller afsluttes?"
    ),
    # The MED document (dialogs/documents/med_meeting.py) and its download (bot/documents/)
    "document.button": "Hent dokument til MED-mødet",
    "document.links_title": "Dokument til MED-mødet · {unit} · {month}",
    "document.links_body": (
        "Her er dokumentet som Word-fil, som MED-sekretæren kan rette i, og som PDF til print. "
        "Hvert link virker én gang, i {minutes} minutter, og er lavet til dig: del ikke linket, "
        "men send filen, hvis andre skal have den."
    ),
    "document.personal_only": "Dokumentet sender jeg kun i din personlige chat med mig, så linket kun er dit. Skriv **resumé** til mig dér.",
    "document.get_docx": "Hent som Word (DOCX)",
    "document.get_pdf": "Hent som PDF",
    "document.unavailable": (
        "Dokumentet kan ikke hentes fra chatten her, fordi botten ikke har fået sin offentlige "
        "adresse (BOT_PUBLIC_URL). Bed HR om det — de kan lave det fra kommandolinjen."
    ),
    "document.invalid_period": "Den måned kan jeg ikke lave et dokument for. Skriv **resumé** og prøv igen fra kortet.",
    "document.page_title": "Dokument til MED-mødet · {month}",
    "document.page_body": "Linket virker én gang, så filen hentes først, når du trykker på knappen.",
    "document.refused.invalid": "Linket er ikke gyldigt. Bed om et nyt fra resuméet i Teams.",
    "document.refused.expired": "Linket er udløbet — det virker kun i få minutter. Bed om et nyt fra resuméet i Teams.",
    "document.refused.used": "Linket er allerede brugt — hvert link virker kun én gang. Bed om et nyt fra resuméet i Teams.",
    "document.refused.mismatch": "Linket hører til et andet dokument. Bed om et nyt fra resuméet i Teams.",
    "document.refused.not_allowed": "Du har ikke adgang til resultaterne for den enhed (længere). Intet er hentet.",
    "document.date": "{day}. {month} {year}",
    "document.title": "Til MED-mødet: {unit}",
    "document.subtitle": "Mini-trivsel · {month} · lavet {date}",
    "document.intro": (
        "Dokumentet viser de samme frigivne resultater som lederens resumé i Teams. Et tal for "
        "færre end {k} svar vises aldrig — kun ordene »for få svar« — og kommentarer kun, når "
        "mindst {n} har svaret. Handlingsplanen står til sidst."
    ),
    "document.results_title": "Resultater",
    "document.round_heading": "Runde {sequence} · lukkede {date}",
    "document.month_heading": "{unit} · hele {month}",
    "document.month_comments": "Kommentarer vises kun ved et teams egne runder, aldrig for en hel måned.",
    "document.legend_score": "Score (0–100)",
    "document.column_dimension": "Dimension",
    "document.column_score": "Score",
    "document.column_answers": "Svar",
    "document.column_distribution": "Svarene fra lav til høj",
    "document.trend_months_title": "Udvikling over de seneste måneder",
    "document.trend_chart": "Score pr. dimension over tid (0–100)",
    "document.trend_too_short": "Udviklingen vises, når der er mindst to frigivne målinger at sammenligne.",
    "document.round_label": "Runde {sequence}",
    "document.dash_note": "– betyder, at der ikke er et tal, der må vises: for få svar, eller spørgsmålet blev ikke stillet.",
    "document.column_action": "Handling",
    "document.plan_empty": "Der er endnu ingen handlinger i planen. Tilføj dem fra resuméet i Teams, så kommer de med her.",
    "document.file_stem": "MED-dokument {unit} {period}",
    "document.footer": "Trivselsbot · {unit} · {month} · kun frigivne resultater",
    "document.page": "Side",
    # Errors
    "error.generic": (
        "Beklager, noget gik galt hos mig. Prøv igen om lidt — hvis det bliver ved, så sig det til "
        "din IT- eller HR-afdeling."
    ),
    "error.database_unavailable": (
        "Jeg kan ikke få fat i min database lige nu, så jeg kunne ikke gøre det færdigt. "
        "Prøv igen om lidt — et svar bliver aldrig talt med to gange."
    ),
    "error.not_allowed": "Det har du desværre ikke adgang til.",
    "error.unknown_action": "Den knap kender jeg ikke længere. Skriv **hjælp** for at se, hvad du kan.",
    # HR's results export (trivselsbot results export): column names and labels in the sheet
    "export.sheet": "Resultater",
    "export.column.period": "Periode",
    "export.column.unit": "Enhed",
    "export.column.figure": "Opgørelse",
    "export.column.responses": "Besvarelser",
    "export.column.eligible": "Inviterede",
    "export.column.dimension": "Dimension",
    "export.column.answers": "Svar",
    "export.column.score": "Score (0–100)",
    "export.figure.round": "Runde {sequence}",
    "export.figure.month": "Hele måneden",
    # The Resultater tab (bot/tab/): words only; figures come from the release.
    "tab.title": "Resultater",
    "tab.skip": "Spring til indholdet",
    "tab.crumbs": "Hvor du er",
    "tab.loading": "Henter resultaterne …",
    "tab.noscript": "Fanen Resultater kræver JavaScript. Åbn den i Teams.",
    "tab.retry": "Prøv igen",
    "tab.month": "{month} {year}",
    "tab.date": "{day}. {month} {year}",
    "tab.percent": "{value} %",
    "tab.refused.no_token.title": "Åbn fanen i Teams",
    "tab.refused.no_token.message": "Resultaterne vises kun, når du er logget ind i Teams. Åbn Trivselsbot i Teams og vælg fanen Resultater. Er du allerede i Teams, så genindlæs fanen.",
    "tab.refused.bad_token.title": "Dit log-in kunne ikke bekræftes",
    "tab.refused.bad_token.message": "Teams sendte et log-in, som ikke kunne godkendes, eller som er udløbet. Genindlæs fanen. Sker det igen, så kontakt IT-supporten og nævn, at enkeltlogon (SSO) til Trivselsbot fejler.",
    "tab.refused.other_tenant.title": "Du er logget ind i en anden organisation",
    "tab.refused.other_tenant.message": "Trivselsbot hører til en anden organisation end den, du er logget ind i nu. Skift organisation øverst i Teams, og åbn fanen igen.",
    "tab.refused.not_configured.title": "Fanen er ikke sat op endnu",
    "tab.refused.not_configured.message": "Botten mangler sin offentlige adresse, app-id eller organisation (BOT_PUBLIC_URL, MicrosoftAppId, MicrosoftAppTenantId). Bed den, der driver Trivselsbot, om at sætte dem.",
    "tab.refused.not_leader.title": "Fanen er for ledere og HR",
    "tab.refused.not_leader.message": "Her ser ledere og HR de anonyme resultater for deres enheder. Er du leder, så bed HR om at registrere dig som leder af din enhed i Trivselsbot.",
    "tab.refused.not_allowed.title": "Den enhed har du ikke adgang til",
    "tab.refused.not_allowed.message": "Du kan se de enheder, du er leder for, og dem under dem. Gå tilbage til overblikket.",
    "tab.refused.dev_no_person.title": "Vælg en person",
    "tab.refused.dev_no_person.message": "I udviklingstilstand vælger du, hvem du er, i stedet for at logge ind i Teams. Genindlæs siden og vælg en person.",
    "tab.refused.error.title": "Resultaterne kunne ikke hentes",
    "tab.refused.error.message": "Botten svarede ikke som ventet. Prøv igen om lidt.",
    "tab.dev.title": "Udviklingstilstand: hvem er du?",
    "tab.dev.lead": "Uden for Teams står denne liste i stedet for log-in. Den findes kun, når botten kører i udviklingstilstand på din egen maskine.",
    "tab.dev.person": "Person",
    "tab.dev.choose": "Vis resultater",
    "tab.dev.role.hr": "HR",
    "tab.dev.role.leader": "leder",
    "tab.dev.role.employee": "medarbejder",
    "tab.kind.team": "Team",
    "tab.kind.unit": "Enhed",
    "tab.heatmap.title": "Overblik",
    "tab.heatmap.title_unit": "Overblik: {unit}",
    "tab.heatmap.lead": "Score fra 0 til 100 pr. dimension for hver enhed i den valgte måned. Vælg en enhed for at se enhederne under den eller enhedens egen side.",
    "tab.heatmap.period": "Måned",
    "tab.heatmap.caption": "Score pr. dimension, {month}",
    "tab.heatmap.table": "Heatmap over enheder og dimensioner",
    "tab.heatmap.unit": "Enhed",
    "tab.heatmap.responses": "Svarprocent",
    "tab.heatmap.open": "Enhedens side",
    "tab.heatmap.open_root": "Åbn siden for {unit}",
    "tab.heatmap.below": "Enhederne under står herunder",
    "tab.heatmap.no_months": "Der er endnu ingen lukkede runder at vise.",
    "tab.heatmap.legend": "Farveforklaring",
    "tab.heatmap.legend_hidden": "Vises ikke (grunden står i feltet)",
    "tab.bin.1": "under 40",
    "tab.bin.2": "40–54",
    "tab.bin.3": "55–69",
    "tab.bin.4": "70–84",
    "tab.bin.5": "85–100",
    "tab.reason.too_few": "For få svar",
    "tab.reason.complementary": "Skjult for at beskytte andre",
    "tab.reason.period_open": "Måneden er ikke slut",
    "tab.reason.hierarchy_changed": "Enheden er flyttet",
    "tab.reason_long.too_few": "Færre svarede end mindstegrænsen for anonymitet.",
    "tab.reason_long.complementary": "Tallet kunne trækkes fra et andet tal og afsløre en lille gruppes svar.",
    "tab.reason_long.period_open": "Tal for en hel enhed vises først, når måneden er slut.",
    "tab.reason_long.hierarchy_changed": "Enheden skiftede plads i organisationen i løbet af måneden.",
    "tab.cell.not_asked": "Ikke spurgt",
    "tab.cell.none": "Ingen runde",
    "tab.figure.responses": "svarede",
    "tab.figure.rate": "svarprocent (af {eligible})",
    "tab.figure.of": "{responses} af {eligible}",
    "tab.dist.legend": "Svarene fra mindst til mest positive",
    "tab.dist.aria": "Fordeling for {name}: {parts}",
    "tab.withheld": "Ikke vist: {names}.",
    "tab.table.show": "Vis tallene som tabel",
    "tab.table.when": "Hvornår",
    "tab.unit.lead_team": "Teamets runder, måneder, spørgsmål, kommentarer og handlingsplan.",
    "tab.unit.lead_unit": "Enhedens måneder (alt under den lagt sammen) og handlingsplan.",
    "tab.unit.overview": "Se overblikket over de {count} enheder under",
    "tab.trend.title": "Udvikling",
    "tab.trend.lead_team": "Teamets score pr. dimension i hver runde. Den stiplede linje er den seneste store måling.",
    "tab.latest.title": "Seneste resultat",
    "tab.history.title": "Alle runder og måneder",
    "tab.history.lead": "Fordelingen af svar for hver runde og hver måned. Åbn en for at se den.",
    "tab.months.title": "Måned for måned",
    "tab.months.lead": "Alle runder i og under enheden lagt sammen for hver måned. Den stiplede linje er den seneste store måling.",
    "tab.months.chart": "Score pr. dimension pr. måned",
    "tab.months.none": "Ingen måneder med lukkede runder endnu.",
    "tab.rounds.title": "Runder",
    "tab.rounds.chart": "Score pr. dimension pr. runde",
    "tab.rounds.round": "Runde {sequence}",
    "tab.rounds.short": "R{sequence}",
    "tab.rounds.closed": "lukket {date}",
    "tab.rounds.none": "Ingen lukkede runder endnu.",
    "tab.questions.title": "Udvikling pr. spørgsmål",
    "tab.questions.lead": "Hvert spørgsmåls score i de runder, der stillede det og kunne vises.",
    "tab.questions.none": "Ingen spørgsmål at vise endnu.",
    "tab.questions.aria": "Udviklingen for: {question}",
    "tab.questions.now": "Runde {sequence}:",
    "tab.baseline.title": "Seneste store måling",
    "tab.baseline.none": "Der er ikke indlæst resultater fra en stor måling for enheden.",
    "tab.baseline.source": "Kilde: {source}",
    "tab.baseline.col_dimension": "Dimension",
    "tab.baseline.col_baseline": "Stor måling",
    "tab.baseline.col_latest": "Seneste puls",
    "tab.comments.title": "Kommentarer",
    "tab.comments.lead": "Anonyme, i tilfældig rækkefølge, uden navn og tidspunkt. De vises kun fra runder, hvor mindst {n} svarede.",
    "tab.comments.held_back": "Kommentarerne vises ikke, fordi færre end {n} svarede.",
    "tab.comments.none": "Ingen skrev en kommentar.",
    "tab.comments.none_rounds": "Ingen runder med kommentarer at vise.",
    "tab.plan.title": "Handlingsplan",
    "tab.plan.none": "Der er ikke registreret nogen handlinger endnu.",
    "tab.plan.col_action": "Handling",
    "tab.plan.col_status": "Status",
    "tab.plan.col_responsible": "Ansvarlig",
    "tab.plan.col_deadline": "Frist",
    "tab.plan.col_follow_up": "Opfølgning",
    "tab.plan.status.planned": "Planlagt",
    "tab.plan.status.in_progress": "I gang",
    "tab.plan.status.done": "Gennemført",
    "tab.plan.status.dropped": "Droppet",
    "tab.plan.follow_up": "Runde {sequence}: {score}",
    "tab.plan.agreed": "aftalt {date}",
    "tab.downloads.title": "Downloads",
    "tab.downloads.csv": "Hent tallene (CSV til Excel)",
    "tab.downloads.done": "Filen er hentet.",
    "tab.downloads.failed": "Filen kunne ikke hentes. Prøv igen.",
    "tab.downloads.med": "Dokument til MED-udvalget",
    "tab.downloads.med_lead": "Et samlet dokument til MED-udvalgets møde: resultater, udvikling, kommentarer, forslag til dialog og handlingsplan for den valgte måned.",
    "tab.downloads.month": "Måned",
    "tab.downloads.docx": "Hent som Word (DOCX)",
    "tab.downloads.pdf": "Hent som PDF",
    # The question bank's templates and the four-item short form (issue 15)
    "help.cmd.template": "**skabelon** — vælg, hvilke spørgsmål et teams mini-trivsel stiller: den faste rotation, dine egne spørgsmål eller fire hurtige om social kapital",
    "template.title": "Skabelon for mini-trivsel",
    "template.intro": "Vælg, hvilke spørgsmål et team får i sine næste målinger. Standard er rotationen: ét spørgsmål pr. dimension, skiftevis. En udgivelse kan også have sin egen skabelon.",
    "template.all_rotation": "Alle teams bruger rotationen lige nu.",
    "template.no_units": "Jeg er ikke installeret i nogen teams endnu, så der er ingen at vælge skabelon for.",
    "template.field.unit": "Team eller enhed",
    "template.field.kind": "Skabelon",
    "template.field.items": "Spørgsmålenes id'er (kun ved faste spørgsmål, 3–5 stk.)",
    "template.kind.rotation": "Rotationen (standard)",
    "template.kind.fixed": "Faste spørgsmål",
    "template.kind.short_form": "Fire hurtige om social kapital",
    "template.save": "Gem skabelonen",
    "template.saved": "Sådan: {unit} får nu **{template}** i sine næste målinger.",
    "template.pick_unit": "Vælg et team eller en enhed på listen, så gemmer jeg skabelonen.",
    "template.invalid": "Faste spørgsmål skal være 3–5 forskellige id'er fra spørgsmålsbanken, adskilt med komma. De andre skabeloner skal ikke have id'er.",
    "template.refused.unknown_item": "Spørgsmålet **{item}** findes ikke i spørgsmålsbanken. Se id'erne med `trivselsbot questions list`.",
    "template.refused.not_active": "Spørgsmålet **{item}** er ikke aktivt (kladde eller udgået), så det kan ikke stilles.",
    "template.refused.follow_up_item": "Opfølgningsspørgsmålet kommer med af sig selv, når lederen har registreret handlinger. Vælg andre spørgsmål.",
    "template.refused.short_form_incomplete": "De fire hurtige kan ikke stilles lige nu: der mangler et aktivt kort-form-spørgsmål på en af de fire dimensioner i spørgsmålsbanken.",
    "short_form.title": "Fire hurtige om social kapital",
    "short_form.score": "Social kapital (0–16)",
    "short_form.score_value": "{score} af 16",
    "short_form.band": "Sammenlignet med landstal",
    "short_form.band.very_low": "Meget lavt (0–8)",
    "short_form.band.below_average": "Lidt under gennemsnittet (8,1–10,1)",
    "short_form.band.average": "Landsgennemsnittet (10,2)",
    "short_form.band.above_average": "Lidt over gennemsnittet (10,3–12,3)",
    "short_form.band.very_high": "Meget højt (12,4–16)",
    "short_form.bands": "Hvert svar giver 4 point for »i meget høj grad« ned til 0 for »i meget ringe grad«; scoren er summen af de fire spørgsmåls gennemsnit. Landsgennemsnittet er {average}.",
    "short_form.suppressed": "Scoren vises ikke: mindst ét af de fire spørgsmål har færre end {k} svar eller er skjult af hensyn til anonymiteten.",
    "short_form.not_validated": "Bemærk: spørgsmålene er formuleret med vores egne ord og er ikke det validerede spørgeskema bag landstallene. HR kan importere sin egen formulering af de samme fire spørgsmål for at sammenligne præcist.",
}
