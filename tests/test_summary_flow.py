"""The leader's summary through the real pipeline: who may ask, what the card shows, actions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import RUNTIME, create_app
from storage.answers.pulse import submit_answer
from storage.directory.roles import Roles
from storage.question_bank import default_bank
from tests.conftest import TEST_SECRET, make_settings
from tests.support import activities as A
from tests.support.mock_connector import MockConnector, Sent, teams_member
from tests.support.plain_text import assert_plain_one_line, blocks_between

TEAM = "19:team-1@thread.tacv2"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def world(database_url: str, connector: MockConnector) -> AsyncIterator[dict[str, Any]]:
    settings = make_settings(
        Path("unused"), BOT_DATABASE_URL=database_url, BOT_BACKGROUND_WORKERS=False
    )
    connector.members[TEAM] = [teams_member(n) for n in range(1, 8)]
    app = create_app(settings, now=lambda: NOW)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        await post(client, A.team_install(connector.url))
        runtime = app[RUNTIME]
        (unit,) = await runtime.services.directory.installed_units()
        await Roles(runtime.services.rounds._factory, []).assign_leader(unit.id, "aad-0001")
        yield {"client": client, "services": runtime.services, "unit": unit.id}


async def post(client: TestClient, activity: dict[str, Any]) -> None:
    response = await client.post("/api/messages", json=activity)
    assert response.status == 201


async def closed_round(  # noqa: ANN201
    services,  # noqa: ANN001
    unit: str,
    answers: int,
    close: bool = True,
    comments: dict[int, str] | None = None,
) -> str:
    info = await services.rounds.create(
        unit, NOW - timedelta(days=3), NOW - timedelta(hours=1), None, "hr"
    )
    await services.rounds.open_due(NOW - timedelta(days=3))
    for n in range(1, answers + 1):
        await submit_answer(
            services.rounds._factory,
            default_bank(),
            TEST_SECRET,
            info.id,
            f"29:user-{n}",
            {item: 2 if item.startswith("rf") else 4 for item in info.items},
            (comments or {}).get(n, f"kommentar fra runden {n}"),
            NOW - timedelta(days=2),
        )
    if close:
        await services.rounds.close(info.id)
    return info.id


def text_of(sent: Sent) -> str:
    return json.dumps(sent.activity, ensure_ascii=False)


async def ask(client, connector: MockConnector, n: int, **kwargs: Any) -> Sent:  # noqa: ANN001
    before = len(connector.sent)
    await post(client, A.message(connector.url, n, **kwargs))
    return await connector.wait_for(lambda s: connector.sent.index(s) >= before)


async def test_leader_gets_scores_and_dialogue_questions_and_why_comments_wait(
    world, connector
) -> None:
    await closed_round(world["services"], world["unit"], 5)
    reply = text_of(await ask(world["client"], connector, 1, text="resumé"))
    assert "Resumé · Hjemmeplejen Nord · runde 1" in reply
    assert "5 af 7 svarede (71 %)" in reply
    assert "Chart.HorizontalBar" in reply and "Retfærdighed" in reply
    # Five answered: the figures are shown (k = 5), the comments wait for seven, and it says why.
    assert "kommentar fra runden" not in reply
    assert (
        "Kommentarer vises først, når mindst 7 har svaret, så ingen kan genkendes på sin måde at "
        "skrive på." in reply
    )
    # Justice was answered lowest (2 of 5 = 25): the dialogue questions are about it.
    assert "Forslag til dialog på næste team- eller MED-møde: Retfærdighed" in reply
    assert "Registrér aftalt handling" in reply


def card_body(sent: Sent) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = sent.activity["attachments"][0]["content"]["body"]
    return body


async def test_each_comment_is_one_block_of_plain_text(world, connector) -> None:
    tricks = {1: "x\n- enig\n- også mig", 2: "[klik](https://evil) **fed**", 3: "_skrå_\r\n1. en"}
    await closed_round(world["services"], world["unit"], 7, comments=tricks)
    sent = await ask(world["client"], connector, 1, text="resumé")
    reply = text_of(sent)
    assert "Kommentarer vises først" not in reply
    blocks = blocks_between(
        card_body(sent), "Anonyme kommentarer (i tilfældig rækkefølge)", "Forslag til dialog"
    )
    # Seven answers, seven comments: exactly seven blocks, each one TextBlock of one comment.
    assert len(blocks) == 7 and {b["type"] for b in blocks} == {"TextBlock"}
    assert all(b["separator"] is True for b in blocks)
    texts = [b["text"] for b in blocks]
    for text in texts:
        assert_plain_one_line(text)
    (first,) = [t for t in texts if t.startswith("x ")]
    assert first == "x - enig - også mig"  # one line; a dash inside a line makes no list
    (link,) = [t for t in texts if "klik" in t]
    assert "https://evil" in link and "fed" in link
    assert sorted(t for t in texts if t.startswith("kommentar")) == [
        f"kommentar fra runden {n}" for n in range(4, 8)
    ]


async def test_below_k_says_too_few_and_shows_nothing(world, connector) -> None:
    await closed_round(world["services"], world["unit"], 3)
    reply = text_of(await ask(world["client"], connector, 1, text="summary", locale="en-US"))
    assert "Too few answers to show a result" in reply
    assert "kommentar fra runden" not in reply and "Chart.HorizontalBar" not in reply


async def test_an_employee_gets_no_results(world, connector) -> None:
    await closed_round(world["services"], world["unit"], 5)
    reply = text_of(await ask(world["client"], connector, 2, text="resumé"))
    assert "Resuméer er for ledere og HR" in reply
    assert "kommentar" not in reply


async def test_open_rounds_and_forged_choices_are_refused(world, connector) -> None:
    services, client = world["services"], world["client"]
    open_id = await closed_round(services, world["unit"], 5, close=False)
    reply = text_of(
        await ask(
            client, connector, 1, value={"action": "summary.show", "choice": f"round:{open_id}"}
        )
    )
    assert "Runden er stadig åben" in reply
    reply = text_of(
        await ask(
            client, connector, 1, value={"action": "summary.show", "choice": "round:" + "0" * 32}
        )
    )
    assert "Det resumé kan jeg ikke finde" in reply
    reply = text_of(await ask(client, connector, 1, value={"action": "summary.show", "choice": 7}))
    assert "Det resumé kan jeg ikke finde" in reply


async def test_a_leader_cannot_open_another_units_summary(world, connector) -> None:
    services, client = world["services"], world["client"]
    other = await services.directory.install_team(
        "19:other", "Andet team", "tenant-1", connector.url
    )
    await services.directory.sync_roster("19:other", [])
    round_id = await services.rounds.create(
        other.id, NOW - timedelta(days=2), NOW - timedelta(hours=1), None, "hr"
    )
    await services.rounds.close(round_id.id)
    reply = text_of(
        await ask(
            client, connector, 1, value={"action": "summary.show", "choice": f"round:{round_id.id}"}
        )
    )
    assert "Det resumé har du ikke adgang til" in reply
    reply = text_of(
        await ask(
            client,
            connector,
            1,
            value={"action": "summary.action", "unit": other.id, "round": None, "action_text": "x"},
        )
    )
    assert "Det resumé har du ikke adgang til" in reply


async def test_recording_an_action_and_the_follow_up(world, connector) -> None:
    services, client = world["services"], world["client"]
    round_id = await closed_round(services, world["unit"], 5)
    empty = text_of(
        await ask(
            client,
            connector,
            1,
            value={
                "action": "summary.action",
                "unit": world["unit"],
                "round": round_id,
                "action_text": "   ",
            },
        )
    )
    assert "Intet er gemt" in empty
    saved = text_of(
        await ask(
            client,
            connector,
            1,
            value={
                "action": "summary.action",
                "unit": world["unit"],
                "round": round_id,
                "action_text": "Tavlemøde hver mandag",
            },
        )
    )
    assert "Handlingen er gemt for Hjemmeplejen Nord" in saved
    card = text_of(await ask(client, connector, 1, text="resumé"))
    assert "Handlingsplan" in card and "Tavlemøde hver mandag" in card
    following = await services.rounds.create(
        world["unit"], NOW, NOW + timedelta(days=3), None, "hr"
    )
    assert following.items[-1] == "fu1"


PLAN = {
    "action": "plan.add",
    "plan_title": "Fast tavlemøde om fordeling af opgaver",
    "plan_addresses": "dimension:workload",
    "plan_responsible": "Teamleder og AMR",
    "plan_deadline": "2026-12-15",
}


async def test_a_handlingsplan_from_the_card_to_the_next_pulse_and_its_result(
    world, connector
) -> None:
    """Add an action with all its fields, move it on, the next pulse names it, and the round
    that asked shows its released result beside it."""
    services, client = world["services"], world["client"]
    unit = world["unit"]
    round_id = await closed_round(services, unit, 5)
    saved = text_of(
        await ask(client, connector, 1, value={**PLAN, "unit": unit, "round": round_id})
    )
    assert "»Fast tavlemøde om fordeling af opgaver« er gemt for Hjemmeplejen Nord" in saved
    card = text_of(await ask(client, connector, 1, text="resumé"))
    for shown in ("Handlingsplan", "Balance mellem opgaver og tid", "Teamleder og AMR"):
        assert shown in card
    assert "15.12.2026" in card and "Planlagt" in card
    assert "Næste mini-trivsel spørger teamet om den." in card
    action_id = next(a.id for a in await services.summaries.plan.for_units([unit], {unit}))
    moved = text_of(
        await ask(
            client,
            connector,
            1,
            value={"action": "plan.update", "id": action_id, "plan_status": "in_progress"},
        )
    )
    assert "er opdateret: I gang" in moved
    following = await services.rounds.create(unit, NOW, NOW + timedelta(days=3), None, "hr")
    assert following.items[-1] == "fu1"
    info = await services.rounds.get(following.id)
    assert info.follow_up_title == "Fast tavlemøde om fordeling af opgaver"
    from dialogs.cards.pulse import pulse_card

    pulse = json.dumps(pulse_card(info, default_bank(), "da", 5, comment_k=7), ensure_ascii=False)
    assert "Vi aftalte: »Fast tavlemøde om fordeling af opgaver«. Har vi fulgt op på det?" in pulse
    await services.rounds.open_due(NOW)
    for n in range(1, 6):
        await submit_answer(
            services.rounds._factory,
            default_bank(),
            TEST_SECRET,
            following.id,
            f"29:user-{n}",
            {item: 4 for item in following.items},
            None,
            NOW + timedelta(hours=1),
        )
    await services.rounds.close(following.id)
    plan = await services.summaries.plan.for_units([unit], {unit})
    assert plan[0].follow_up is not None and plan[0].follow_up.score == 75.0
    card = text_of(await ask(client, connector, 1, text="resumé"))
    assert "75 af 100 i runde 2" in card and "I gang" in card


@pytest.mark.parametrize(
    ("change", "reply"),
    [
        ({"plan_addresses": "dimension:nope"}, "Vælg, hvad handlingen handler om"),
        ({"plan_deadline": "i morgen"}, "Fristen skal være en dato"),
        ({"plan_title": "   "}, "Skriv den aftalte handling"),
        ({"plan_status": "færdig-ish"}, "Vælg en status fra listen"),
        ({"plan_responsible": "x" * 201}, "højst være 200 tegn"),
    ],
)
async def test_a_bad_field_in_the_plan_is_named_and_changes_nothing(
    world, connector, change: dict[str, str], reply: str
) -> None:
    services, client = world["services"], world["client"]
    unit = world["unit"]
    answer = text_of(await ask(client, connector, 1, value={**PLAN, **change, "unit": unit}))
    assert reply in answer and "Intet er gemt" in answer
    assert await services.summaries.plan.for_units([unit], {unit}) == []


async def test_the_plan_of_another_unit_cannot_be_touched(world, connector) -> None:
    services, client = world["services"], world["client"]
    other = await services.directory.install_team("19:other", "Andet team", "t", connector.url)
    answer = text_of(await ask(client, connector, 1, value={**PLAN, "unit": other.id}))
    assert "har du ikke adgang til" in answer
    assert await services.summaries.plan.for_units([other.id], {other.id}) == []
    await services.summaries.plan.add(
        other.id,
        None,
        __import__("storage.results.actions").results.actions.ActionIn(title="x"),
        {other.id},
    )
    theirs = (await services.summaries.plan.for_units([other.id], {other.id}))[0]
    answer = text_of(
        await ask(
            client,
            connector,
            1,
            value={"action": "plan.update", "id": theirs.id, "plan_status": "done"},
        )
    )
    assert "har du ikke adgang til" in answer
    assert (await services.summaries.plan.for_units([other.id], {other.id}))[0].status == "planned"
    missing = text_of(
        await ask(client, connector, 1, value={"action": "plan.update", "id": "0" * 32})
    )
    assert "Den handling findes ikke længere" in missing


async def test_a_dropped_action_is_not_asked_about(world, connector) -> None:
    services, client = world["services"], world["client"]
    unit = world["unit"]
    await closed_round(services, unit, 5)
    await ask(client, connector, 1, value={**PLAN, "unit": unit})
    action_id = (await services.summaries.plan.for_units([unit], {unit}))[0].id
    await ask(
        client,
        connector,
        1,
        value={"action": "plan.update", "id": action_id, "plan_status": "dropped"},
    )
    following = await services.rounds.create(unit, NOW, NOW + timedelta(days=3), None, "hr")
    assert "fu1" not in following.items and following.follow_up_title is None
    card = text_of(await ask(client, connector, 1, text="resumé"))
    assert "Droppet" in card and "Næste mini-trivsel spørger teamet om den." not in card


async def test_an_action_saved_as_done_promises_no_question(world, connector) -> None:
    """Saved as done, it is never asked about; the card must not say the next pulse will ask."""
    services, client = world["services"], world["client"]
    unit = world["unit"]
    await closed_round(services, unit, 5)
    await ask(client, connector, 1, value={**PLAN, "unit": unit, "plan_status": "done"})
    following = await services.rounds.create(unit, NOW, NOW + timedelta(days=3), None, "hr")
    assert following.follow_up_title is None
    card = text_of(await ask(client, connector, 1, text="resumé"))
    assert "Gennemført" in card and "Næste mini-trivsel spørger teamet om den." not in card
