"""What each table and column holds about people, why, and for how long — in Danish and English.

`trivselsbot privacy report` joins this classification with the live schema and row counts
(storage/privacy/report.py). Every table and every column must be classified here:
tests/test_privacy_report.py fails when a migration adds one that is not, so the report a DPO
reads can never silently miss something. The texts live here rather than in dialogs/ because
they describe the storage itself and the storage layer may not import dialogs.

Retention texts may use {years}, {grace_hours}, {delivery_days} and {audit_days}: the configured
values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    PERSONAL = "personal"  # identifies or concerns a person
    PSEUDONYMOUS = "pseudonymous"  # keyed hashes: personal data while the secret exists
    ANONYMOUS = "anonymous"  # aggregates and texts with no author, time or order
    ORGANISATIONAL = "organisational"  # the organisation, content and machinery: no one's data


@dataclass(frozen=True)
class Text:
    da: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.da


@dataclass(frozen=True)
class TableClass:
    kind: Kind
    purpose: Text
    retention: Text
    personal: dict[str, Text] = field(default_factory=dict)  # column → what it says about whom
    other: tuple[str, ...] = ()  # columns that hold nothing about a person


ROUNDS_RETENTION = Text(
    "Slettes med sin runde: lukkede runder slettes i hele kalendermåneder, når måneden er mere "
    "end {years} år gammel.",
    "Deleted with its round: closed rounds are deleted by whole calendar months once the month "
    "is more than {years} years old.",
)

CATALOG: dict[str, TableClass] = {
    "recipients": TableClass(
        Kind.PERSONAL,
        Text(
            "Modtagerregisteret: så botten kan skrive til medarbejderne i deres personlige chat "
            "(målinger, påmindelser, besked om resultat). Siger, hvem der kan spørges — aldrig, "
            "hvem der har svaret.",
            "The recipient directory: so the bot can message employees in their personal chat "
            "(pulses, reminders, the result note). It says who can be asked, never who answered.",
        ),
        Text(
            "Så længe personen er med i et team, hvor botten er installeret. Personer uden team "
            "slettes, når de ikke er set i {delivery_days} dage. Chat-henvisningen slettes med det "
            "samme, når personen fjerner appen.",
            "While the person is in a team where the bot is installed. People in no team are "
            "deleted when not seen for {delivery_days} days. The chat reference is deleted at once "
            "when the person removes the app.",
        ),
        {
            "user_id": Text("Teams-bruger-id", "Teams user id"),
            "aad_object_id": Text("Entra ID-objekt-id (AAD)", "Entra ID (AAD) object id"),
            "name": Text("navn, som Teams oplyser det", "name, as Teams gives it"),
            "locale": Text("sprog i Teams-klienten", "language of the Teams client"),
            "personal_conversation_id": Text("id på den personlige chat", "id of the 1:1 chat"),
            "personal_reference": Text(
                "henvisning til den personlige chat (bruger- og chat-id)",
                "reference to the 1:1 chat (user and chat ids)",
            ),
            "app_installed": Text("om personen har appen", "whether the person has the app"),
            "blocked": Text(
                "om personen har blokeret eller fjernet appen",
                "whether the person blocked or removed the app",
            ),
            "updated_at": Text("hvornår personen sidst blev set", "when the person was last seen"),
        },
        ("tenant_id", "service_url"),
    ),
    "unit_members": TableClass(
        Kind.PERSONAL,
        Text(
            "Teamets medlemmer, hentet fra Teams: hvem der skal have teamets målinger, og hvor "
            "mange der blev inviteret (et tal, ikke en liste, gemmes med runden).",
            "The team's members, read from Teams: who gets the team's pulses, and how many were "
            "invited (a number, not a list, is kept with the round).",
        ),
        Text(
            "Fjernes, når personen forlader teamet i Teams, eller botten fjernes fra teamet.",
            "Removed when the person leaves the team in Teams, or the bot is removed from it.",
        ),
        {"user_id": Text("hvilket team personen er med i", "which team the person is in")},
        ("unit_id",),
    ),
    "conversations": TableClass(
        Kind.PERSONAL,
        Text(
            "Samtaler, botten er installeret i (personlige chats og teamkanaler), så den kan skrive "
            "proaktivt.",
            "Conversations the bot is installed in (personal chats and team channels), so it can "
            "message proactively.",
        ),
        Text(
            "Slettes, når appen fjernes fra samtalen.",
            "Deleted when the app is removed from the conversation.",
        ),
        {
            "id": Text(
                "samtale-id (en personlig chat peger på én person)",
                "conversation id (a personal chat points to one person)",
            ),
            "reference": Text(
                "henvisning til samtalen, med bruger-id for personlige chats",
                "reference to the conversation, with the user id for personal chats",
            ),
        },
        ("kind", "unit_id", "tenant_id", "installed", "updated_at"),
    ),
    "role_assignments": TableClass(
        Kind.PERSONAL,
        Text(
            "Ledere pr. enhed: hvem der må se enhedens resultater. HR-administratorer står i "
            "konfigurationen, ikke i databasen.",
            "Leaders per unit: who may see the unit's results. HR administrators are in the "
            "configuration, not in the database.",
        ),
        Text(
            "Indtil HR fjerner lederen, eller enheden slettes.",
            "Until HR removes the leader, or the unit is deleted.",
        ),
        {"aad_object_id": Text("hvem der er leder (Entra ID-objekt-id)", "who leads (Entra ID)")},
        ("unit_id", "role"),
    ),
    "state_documents": TableClass(
        Kind.PERSONAL,
        Text(
            "Samtaletilstand pr. samtale, så enhver kørende kopi af botten kan fortsætte en "
            "samtale. Indeholder aldrig svar; i dag gemmes ingen felter ud over nøglen.",
            "Conversation state per conversation, so any running copy of the bot can continue a "
            "conversation. Never holds answers; today no fields are kept beyond the key.",
        ),
        Text(
            "Overskrives ved hver besked; slettes ikke automatisk (der er intet indhold at slette).",
            "Overwritten on every message; not deleted automatically (there is no content).",
        ),
        {
            "key": Text("nøgle med samtalens id", "key holding the conversation id"),
            "document": Text("samtalens tilstand", "the conversation's state"),
        },
        ("etag",),
    ),
    "outbox": TableClass(
        Kind.PERSONAL,
        Text(
            "Udsendelseskøen: én række pr. modtager og besked, så en udsendelse overlever et "
            "nedbrud og ikke sendes to gange. Siger, hvem der blev spurgt — aldrig, hvem der svarede.",
            "The send queue: one row per recipient and message, so a push survives a crash and is "
            "not sent twice. It says who was asked — never who answered.",
        ),
        Text(
            "Påmindelser slettes, når runden lukker. Afsluttede rækker slettes {delivery_days} dage "
            "efter sidste forsøg, når runden er slut; ellers med runden efter {years} år.",
            "Reminders are deleted when the round closes. Settled rows are deleted {delivery_days} "
            "days after the last try once the round is over; otherwise with the round after "
            "{years} years.",
        ),
        {
            "user_id": Text("modtageren (Teams-bruger-id)", "the recipient (Teams user id)"),
            "state": Text(
                "om beskeden nåede frem til personen", "whether the message reached the person"
            ),
            "last_error": Text("hvorfor en besked ikke nåede frem", "why a message did not arrive"),
            "updated_at": Text("hvornår der sidst blev sendt", "when it was last sent"),
            "next_attempt_at": Text("hvornår der prøves igen", "when it is tried again"),
        },
        ("id", "kind", "subject_id", "attempts", "throttles", "uncertain"),
    ),
    "delivery_watches": TableClass(
        Kind.PERSONAL,
        Text(
            "HR's statuskort for en udsendelse: hvor kortet står i HR-personens chat, så det kan "
            "opdateres. Kun tal — aldrig hvem der fik beskeden.",
            "HR's delivery status card: where the card is in the HR person's chat, so it can be "
            "updated. Counts only — never who got the message.",
        ),
        Text(
            "Slettes, når den endelige rapport er vist; ellers efter {delivery_days} dage.",
            "Deleted when the final report is shown; otherwise after {delivery_days} days.",
        ),
        {
            "reference": Text("henvisning til HR-personens chat", "reference to HR's chat"),
            "activity_id": Text("id på kortet i HR-personens chat", "id of the card in HR's chat"),
            "language": Text("HR-personens sprog", "the HR person's language"),
            "requested_by": Text(
                "HR-personen, der startede udsendelsen (Entra ID-objekt-id)",
                "the HR person who started the push (Entra ID object id)",
            ),
        },
        ("id", "kind", "subject_id", "label", "shown", "created_at"),
    ),
    "push_origins": TableClass(
        Kind.PERSONAL,
        Text(
            "Hvem der bestilte en runde, og hvilken samlet udsendelse den hører til: så hver "
            "besked runden sender (invitation, påmindelse, besked ved lukning, ledernes "
            "resultatkort) giver den HR-person ét statuskort. Siger, hvem der *bad om* runden — "
            "aldrig hvem der blev spurgt eller svarede.",
            "Who ordered a round, and which order it is part of: so every message the round sends "
            "(invitation, reminder, closing note, the leaders' result cards) gives that HR person "
            "one status card. It says who *asked for* the round — never who was asked or answered.",
        ),
        Text(
            "Hvem der bestilte runden, glemmes {delivery_days} dage efter, at runden er lukket; "
            "rækken slettes med runden.",
            "Who ordered the round is forgotten {delivery_days} days after the round closed; the "
            "row is deleted with the round.",
        ),
        {
            "requested_by": Text(
                "HR-personen, der bestilte runden (Entra ID-objekt-id)",
                "the HR person who ordered the round (Entra ID object id)",
            )
        },
        ("round_id", "group_id"),
    ),
    "audit_log": TableClass(
        Kind.PERSONAL,
        Text(
            "Log over, hvem der har set hvilke resultater: hver gang et resumé vises i chatten, et "
            "resultatkort sendes til en leder, eller resultater eksporteres. Så HR og "
            "MED-sekretariatet kan se, hvem der har set hvad og hvornår. Den siger, hvem der "
            "*så*, aldrig hvem der svarede, og rummer ingen tal, kommentarer eller svarprocenter.",
            "Log of who looked at which results: each time a summary is shown in chat, a result "
            "card is sent to a leader, or results are exported. So HR and the MED secretariat can "
            "see who saw what and when. It says who *looked*, never who answered, and holds no "
            "figures, comments or response rates.",
        ),
        Text(
            "Slettes {audit_days} dage efter visningen (et helt års MED-møder og lidt til).",
            "Deleted {audit_days} days after the view (a whole year of MED meetings and a little "
            "more).",
        ),
        {
            "viewer_id": Text(
                "hvem der så resultaterne (lederens eller HR-personens Entra ID-objekt-id, eller "
                "kommandolinjens brugernavn)",
                "who saw the results (the leader's or HR person's Entra ID object id, or the "
                "command line's user name)",
            ),
            "at": Text("hvornår resultaterne blev vist", "when the results were shown"),
            "via": Text(
                "hvordan (chat, resultatkort, kommandolinje, admin-API)",
                "how (chat, result card, command line, admin API)",
            ),
            "what": Text("hvilken slags resultat der blev set", "which kind of result was seen"),
            "unit_id": Text("hvilken enheds resultater", "whose unit's results"),
            "round_id": Text("hvilken runde", "which round"),
            "period": Text("hvilken måned", "which month"),
            "detail": Text("fx eksportens filformat", "e.g. the export's file format"),
        },
        ("id", "unit_name"),
    ),
    "participation": TableClass(
        Kind.PSEUDONYMOUS,
        Text(
            "At afvise et svar nummer to og kun minde dem, der ikke har svaret. Nøglen er "
            "HMAC(hemmelighed, runde ∥ person); hemmeligheden ligger i konfigurationen, ikke i "
            "databasen.",
            "To refuse a second answer and remind only those who have not answered. The key is "
            "HMAC(secret, round ∥ person); the secret is in the configuration, not the database.",
        ),
        Text(
            "Slettes, når runden lukker; som sikkerhedsnet senest {grace_hours} timer efter "
            "rundens lukketid.",
            "Deleted when the round closes; as a safety net at most {grace_hours} hours after the "
            "round's closing time.",
        ),
        {
            "key": Text(
                "nøglet hash af runde og person (kan kun genkendes med hemmeligheden)",
                "keyed hash of round and person (recognisable only with the secret)",
            )
        },
        ("round_id",),
    ),
    "answer_counts": TableClass(
        Kind.ANONYMOUS,
        Text(
            "Svarene som samlede tællere: runde × spørgsmål × svarværdi → antal.",
            "The answers as counters: round × question × value → how many.",
        ),
        ROUNDS_RETENTION,
        other=("round_id", "item_id", "value", "count"),
    ),
    "round_responses": TableClass(
        Kind.ANONYMOUS,
        Text(
            "Hvor mange der svarede i en runde: tallet, der holdes op mod k.",
            "How many answered a round: the number checked against k.",
        ),
        ROUNDS_RETENTION,
        other=("round_id", "responses"),
    ),
    "anonymous_comments": TableClass(
        Kind.ANONYMOUS,
        Text(
            "Kommentarer og refleksioner uden forfatter, tidspunkt eller rækkefølge (tilfældig "
            "nøgle). Vises kun ved mindst k svar. Teksten kan selv nævne nogen.",
            "Comments and reflections with no author, time or order (random key). Shown only with "
            "at least k answers. The text itself may mention someone.",
        ),
        ROUNDS_RETENTION,
        other=("round_id", "key", "text"),
    ),
    "staged_answers": TableClass(
        Kind.ANONYMOUS,
        Text(
            "Svar i en åben runde, forseglet (AES-GCM) hver for sig under en tilfældig nøgle: "
            "værdier og kommentar sammen, alle lige lange. Kan kun åbnes med hemmeligheden og "
            "rundens salt; tælles først, når runden lukker.",
            "Answers to an open round, each sealed (AES-GCM) under a random key: values and "
            "comment together, all of one length. Only the secret with the round's salt opens "
            "them; they are counted when the round closes.",
        ),
        Text(
            "Slettes, når runden lukker, i samme transaktion som tællerne skrives; derefter "
            "skrives databasefilerne om.",
            "Deleted when the round closes, in the transaction that writes the counters; the "
            "database files are rewritten after.",
        ),
        other=("round_id", "key", "sealed"),
    ),
    "round_keys": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Et tilfældigt salt pr. åben runde til nøglen, der forsegler dens svar, med et mærke "
            "der kun med hemmeligheden viser, hvilken hemmelighed runden bruger (skift af "
            "hemmelighed).",
            "A random salt per open round for the key that seals its answers, with a tag that "
            "only with the secret shows which secret the round uses (secret rotation).",
        ),
        Text(
            "Slettes, når runden lukker: derefter kan intet forseglet svar, som en fil stadig "
            "måtte rumme, åbnes igen.",
            "Deleted when the round closes: after that no sealed answer a file may still hold can "
            "be opened again.",
        ),
        other=("round_id", "salt"),
    ),
    "file_rewrites": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Lukkede runder, hvis gamle rækker databasefilerne endnu ikke er skrevet fri af.",
            "Closed rounds whose old rows the database files have not yet been rewritten without.",
        ),
        Text(
            "Slettes, så snart filerne er skrevet om (minutter efter lukning).",
            "Deleted as soon as the files are rewritten (minutes after the close).",
        ),
        other=("round_id",),
    ),
    "pulse_rounds": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Runder: hvornår en enhed spørges om hvad, og hvor mange der blev inviteret.",
            "Rounds: when a unit is asked what, and how many were invited.",
        ),
        ROUNDS_RETENTION,
        other=(
            "id",
            "unit_id",
            "sequence",
            "items",
            "opens_at",
            "closes_at",
            "remind_at",
            "eligible_count",
            "state",
            "reminder_enqueued",
            "origin",
            "ancestry",
            "follow_up_action_id",
            "comments_shareable",
        ),
    ),
    "period_versions": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Hvor mange gange en måneds lukkede runder er ændret (en runde lukket, en måned "
            "slettet): så en gemt afgørelse om, hvad der må vises, aldrig bruges efter en ændring.",
            "How often a month's closed rounds have changed (a round closed, a month deleted): so "
            "a kept decision on what may be shown is never used after a change.",
        ),
        Text(
            "Et tal pr. måned; det gemte resultat slettes med månedens runder.",
            "One number per month; what was kept is deleted with the month's rounds.",
        ),
        other=("period", "version"),
    ),
    "period_decisions": TableClass(
        Kind.ANONYMOUS,
        Text(
            "At en afsluttet måneds resultater er afgjort (regel 3 og 4) for en version og et k.",
            "That a finished month's results were decided (rules 3 and 4) for a version and a k.",
        ),
        ROUNDS_RETENTION,
        other=("period", "version", "k"),
    ),
    "period_figures": TableClass(
        Kind.ANONYMOUS,
        Text(
            "En enheds samlede tal for en afsluttet måned, som afgjort fra månedens lukkede "
            "runder: tællerne for de dimensioner, der må vises, og hvilke der holdes tilbage og "
            "hvorfor, ellers kun grunden til, at tallet skjules. Intet, der ikke allerede står i "
            "tællerne.",
            "A unit's aggregate for a finished month, as decided from the month's closed rounds: "
            "the counters of the dimensions that may be shown and which are held back and why, "
            "otherwise only why the figure is hidden. Nothing that is not already in the counters.",
        ),
        ROUNDS_RETENTION,
        other=(
            "period",
            "version",
            "k",
            "unit_id",
            "reason",
            "responses",
            "eligible",
            "counts",
            "withheld",
        ),
    ),
    "agreed_actions": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Handlingsplanen: handlinger, et team har aftalt efter et resumé, hvad de handler "
            "om, hvem der har ansvaret (fritekst, fx en rolle), frist og status (skrevet af "
            "lederen, uden forfatter).",
            "The handlingsplan: actions a team agreed after a summary, what they address, who "
            "is responsible (free text, e.g. a role), deadline and status (written by the "
            "leader, no author kept).",
        ),
        Text(
            "Slettes {years} år efter aftaledatoen.", "Deleted {years} years after the agreed date."
        ),
        other=(
            "id",
            "unit_id",
            "round_id",
            "text",
            "agreed_on",
            "follow_up_pending",
            "addresses",
            "responsible",
            "deadline",
            "status",
        ),
    ),
    "units": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Enheder og teams og deres placering i organisationen.",
            "Units and teams, and where they sit in the organisation.",
        ),
        Text("Så længe enheden findes.", "While the unit exists."),
        other=(
            "id",
            "name",
            "teams_team_id",
            "parent_id",
            "tenant_id",
            "service_url",
            "bot_installed",
            "updated_at",
        ),
    ),
    "pulse_schedules": TableClass(
        Kind.PERSONAL,
        Text(
            "Enhedernes faste målingsplaner, og hvilken HR-person der satte dem (så statuskortet "
            "for hver udsendelse kommer til vedkommende).",
            "The units' pulse schedules, and which HR person set them (so each push's status "
            "card goes to them).",
        ),
        Text(
            "Så længe HR har planen; hvem der satte en stoppet plan, glemmes ved næste oprydning.",
            "While HR keeps the schedule; who set a stopped schedule is forgotten at the next "
            "purge.",
        ),
        {
            "requested_by": Text(
                "HR-personen, der satte planen (Entra ID-objekt-id)",
                "the HR person who set the schedule (Entra ID object id)",
            )
        },
        (
            "unit_id",
            "cadence_days",
            "weekday",
            "local_time",
            "open_days",
            "reminder_hours",
            "skip_holidays",
            "next_opening_at",
            "active",
        ),
    ),
    "baselines": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Enhedernes resultater fra den seneste store måling (APV/trivselsmåling).",
            "The units' results from the last big survey (APV / wellbeing survey).",
        ),
        Text("Indtil HR indlæser nye.", "Until HR imports new ones."),
        other=("unit_id", "dimension", "score", "source"),
    ),
    "prompts": TableClass(
        Kind.ORGANISATIONAL,
        Text("Biblioteket af refleksionsspørgsmål.", "The library of reflection prompts."),
        Text("Så længe HR har dem i biblioteket.", "While HR keeps them in the library."),
        other=(
            "id",
            "theme",
            "state",
            "text_da",
            "text_en",
            "rating_da",
            "rating_en",
            "origin",
            "created_at",
            "updated_at",
        ),
    ),
    "question_items": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Spørgsmålsbanken: spørgsmålene i pulsmålingerne, som HR vedligeholder.",
            "The question bank: the questions of the pulse checks, kept by HR.",
        ),
        Text(
            "Slettes ikke: gamle runders tællere henviser til spørgsmålene (et udgået spørgsmål "
            "bliver stående).",
            "Not deleted: old rounds' counters refer to the questions (a retired one stays).",
        ),
        other=(
            "id",
            "dimension",
            "scale",
            "use",
            "state",
            "higher_is_better",
            "text_da",
            "text_en",
            "position",
            "origin",
            "created_at",
            "updated_at",
        ),
    ),
    "unit_templates": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Hvilken skabelon en enheds pulsmålinger stilles fra (HR's valg).",
            "Which template a unit's pulse checks are asked from (HR's choice).",
        ),
        Text(
            "Så længe enheden findes, eller til HR vælger standardrotationen igen.",
            "While the unit exists, or until HR picks the default rotation again.",
        ),
        other=("unit_id", "kind", "items", "updated_at"),
    ),
    "publications": TableClass(
        Kind.PERSONAL,
        Text(
            "HR's udsendelsesplaner (hvad, til hvilke enheder, hvornår), og hvilken HR-person der "
            "bestilte dem (så statuskortet for hver udsendelse kommer til vedkommende).",
            "HR's publishing orders (what, to which units, when), and which HR person placed "
            "them (so each push's status card goes to them).",
        ),
        Text(
            "Så længe HR har planen; hvem der bestilte en afsluttet plan, glemmes ved næste "
            "oprydning.",
            "While HR keeps the order; who placed a finished order is forgotten at the next purge.",
        ),
        {
            "requested_by": Text(
                "HR-personen, der bestilte udsendelsen (Entra ID-objekt-id)",
                "the HR person who placed the order (Entra ID object id)",
            )
        },
        (
            "id",
            "content",
            "prompt_id",
            "theme",
            "scope",
            "delivery",
            "open_days",
            "cadence_days",
            "weekday",
            "local_time",
            "skip_holidays",
            "next_planned_at",
            "occurrences",
            "active",
            "created_at",
            "template",
        ),
    ),
    "prompt_rounds": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Hvilket spørgsmål en refleksionsrunde stillede, ordret.",
            "Which prompt a reflection round asked, word for word.",
        ),
        ROUNDS_RETENTION,
        other=(
            "round_id",
            "prompt_id",
            "publication_id",
            "delivery",
            "theme",
            "text_da",
            "text_en",
            "rating_da",
            "rating_en",
        ),
    ),
    "channel_posts": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Kort til teamkanaler, i kø så de overlever en genstart: rundens opslag, eller et "
            "resumé, som lederen delte med teamet (hvem der delte, gemmes ikke).",
            "Cards for team channels, queued so they survive a restart: a round's announcement, or "
            "a summary a leader shared with the team (who shared it is not kept).",
        ),
        ROUNDS_RETENTION,
        other=(
            "id",
            "round_id",
            "conversation_id",
            "kind",
            "state",
            "attempts",
            "next_attempt_at",
            "last_error",
            "updated_at",
            "language",
            "with_comments",
            "fingerprint",
        ),
    ),
    "period_notices": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Hvilke måneders samlede tal lederne over teamene har fået besked om, så beskeden kun "
            "sendes én gang.",
            "Which months' aggregates the leaders above the teams were told about, so the note "
            "goes out once.",
        ),
        Text(
            "Én række pr. måned; slettes med månedens runder.",
            "One row per month; deleted with the month's rounds.",
        ),
        other=("period", "queued_at"),
    ),
    "outbox_control": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Hvilken kørende kopi af botten der sender, og en eventuel pause fra Teams.",
            "Which running copy of the bot sends, and any pause Teams asked for.",
        ),
        Text("Én række, der overskrives.", "One row, overwritten."),
        other=(
            "name",
            "lease_holder",
            "lease_until",
            "throttled_until",
            "throttle_strikes",
            "updated_at",
        ),
    ),
    "used_download_links": TableClass(
        Kind.ORGANISATIONAL,
        Text(
            "Tilfældige id'er på downloadlinks til MED-dokumentet, der er brugt, så hvert link "
            "kun virker én gang. Hvem linket var til, og hvad det hentede, gemmes ikke.",
            "Random ids of the MED document's download links that were used, so that each link "
            "works once. Whom the link was for, and what it fetched, is not kept.",
        ),
        Text(
            "Slettes, når linket er udløbet (minutter efter).",
            "Deleted once the link has expired (minutes later).",
        ),
        other=("token_id", "forget_after"),
    ),
    "alembic_version": TableClass(
        Kind.ORGANISATIONAL,
        Text("Databaseskemaets version.", "The database schema's version."),
        Text("Én række, der overskrives.", "One row, overwritten."),
        other=("version_num",),
    ),
}

KIND_TITLES: dict[Kind, Text] = {
    Kind.PERSONAL: Text("Personoplysninger", "Personal data"),
    Kind.PSEUDONYMOUS: Text(
        "Pseudonyme oplysninger (personoplysninger, så længe hemmeligheden findes)",
        "Pseudonymous data (personal data while the secret exists)",
    ),
    Kind.ANONYMOUS: Text("Anonyme samlede tal og tekster", "Anonymous aggregates and texts"),
    Kind.ORGANISATIONAL: Text(
        "Organisation, indhold og drift (ingen personoplysninger)",
        "Organisation, content and operation (no personal data)",
    ),
}

LABELS: dict[str, Text] = {
    "title": Text("Trivselsbot: det gemmer databasen", "Trivselsbot: what the database holds"),
    "intro": Text(
        "Lavet ud fra den kørende database ({database}) og klassifikationen i "
        "storage/privacy/catalog.py. Svar gemmes aldrig med en person: kun som tællere og "
        "kommentarer uden forfatter. Retsgrundlaget fastlægges af den dataansvarlige (kommunen).",
        "Made from the live database ({database}) and the classification in "
        "storage/privacy/catalog.py. Answers are never stored with a person: only as counters "
        "and comments without author. The legal basis is set by the controller (the employer).",
    ),
    "rows": Text("rækker", "rows"),
    "purpose": Text("Formål", "Purpose"),
    "retention": Text("Opbevaring", "Retention"),
    "personal": Text("Personoplysninger", "Personal data"),
    "unclassified": Text(
        "IKKE KLASSIFICERET — tilføj til storage/privacy/catalog.py",
        "NOT CLASSIFIED — add to storage/privacy/catalog.py",
    ),
}
