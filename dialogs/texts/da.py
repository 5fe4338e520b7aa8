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
    # Errors
    "error.generic": (
        "Beklager, noget gik galt hos mig. Prøv igen om lidt — hvis det bliver ved, så sig det til "
        "din IT- eller HR-afdeling."
    ),
    "error.not_allowed": "Det har du desværre ikke adgang til.",
    "error.unknown_action": "Den knap kender jeg ikke længere. Skriv **hjælp** for at se, hvad du kan.",
}
