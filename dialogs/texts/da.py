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
        "Dine svar er anonyme: jeg gemmer kun samlede tal for hele teamet og aldrig, hvem der har "
        "svaret hvad. Resultater vises først, når mindst {k} har svaret."
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
        "Ingen kan se, hvad du har svaret — heller ikke din leder eller HR. Resultater vises kun for "
        "grupper på mindst {k} personer."
    ),
    "help.button": "Hjælp",
    "help.team_note": "Skriv til mig i en personlig chat for at svare anonymt. I kanalen skal du nævne mig med @.",
    # Pulse
    "pulse.title": "Mini-trivsel · {team}",
    "pulse.reminder_title": "Påmindelse: mini-trivsel · {team}",
    "pulse.intro": "{count} korte spørgsmål om, hvordan I har det sammen lige nu. Det tager under et minut.",
    "pulse.anonymous": (
        "Dit svar er anonymt: jeg lægger det sammen med de andres og gemmer aldrig, hvem der "
        "svarede hvad. Lederen ser kun resultatet, når runden er lukket og mindst {k} har svaret."
    ),
    "pulse.closes": "Runden lukker {closes}.",
    "pulse.choose": "Vælg et svar",
    "pulse.required": "Vælg venligst et svar her.",
    "pulse.comment_label": "Vil du tilføje noget? (valgfrit, anonymt)",
    "pulse.comment_placeholder": "Skriv ikke navne — kommentaren vises for teamet uden afsender.",
    "pulse.submit": "Send anonymt",
    "pulse.thanks_title": "Tak — dit svar er registreret anonymt",
    "pulse.thanks_body": (
        "Dit svar er lagt sammen med de andres. Hverken kortet, chatten eller databasen viser, "
        "hvad du svarede. Resultatet deles, når runden lukker."
    ),
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
    "pulse_start.unknown_unit": "Det team kender jeg ikke (længere). Skriv **start puls** for at vælge igen.",
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
    "my_data.answers": (
        "**Dine svar** er gemt uden navn, id eller tidspunkt — kun som tal lagt sammen med de "
        "andres. Derfor kan ingen, heller ikke jeg, finde, ændre eller slette netop dine svar."
    ),
    # Dates (Europe/Copenhagen)
    "date.weekdays": "mandag,tirsdag,onsdag,torsdag,fredag,lørdag,søndag",
    "date.months": "januar,februar,marts,april,maj,juni,juli,august,september,oktober,november,december",
    "date.format": "{weekday} d. {day}. {month} kl. {time}",
    # Errors
    "error.generic": (
        "Beklager, noget gik galt hos mig. Prøv igen om lidt — hvis det bliver ved, så sig det til "
        "din IT- eller HR-afdeling."
    ),
    "error.not_allowed": "Det har du desværre ikke adgang til.",
    "error.unknown_action": "Den knap kender jeg ikke længere. Skriv **hjælp** for at se, hvad du kan.",
}
