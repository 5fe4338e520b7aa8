"""Prompts through the real pipeline: HR's card form, publishing, reflections, and the anonymity scan.

Six people in a team, HR (person 99) in their personal chat. HR writes a prompt with the card
form and publishes it; the outbox worker delivers the reflection card to each member's 1:1 chat;
five answer; the cards become the neutral thanks card. Then every table, every log line and every
outgoing activity is searched for anything that ties a person to a reflection, as in
tests/test_pulse_flow.py. A channel publication posts once and sends private cards on request.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import RUNTIME
from storage.tables.outbox import OutboxKind
from tests.support import activities as A
from tests.support.db_inspection import assert_answers_left_no_trace, read_tables
from tests.support.flow_world import (
    HR,
    PEOPLE,
    TEAM,
    flow_world,
    post,
    wait_until,
    wait_until_async,
)
from tests.support.mock_connector import (
    MockConnector,
    Sent,
    card_of,
    cards_in,
    personal,
)

RATINGS = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
REFLECTIONS = {n: f"REFLEKSION-{n}-æøå" for n in RATINGS}


def text_of(sent: Sent) -> str:
    return json.dumps(sent.activity, ensure_ascii=False)


async def participation_rows(url: str) -> list[tuple[Any, ...]]:
    return list((await read_tables(url))["participation"]["rows"])


@pytest.fixture
async def world(database_url: str, connector: MockConnector) -> AsyncIterator[dict[str, Any]]:
    async with flow_world(database_url, connector) as world:
        yield world


async def say(world: dict[str, Any], connector: MockConnector, n: int, **kwargs: Any) -> None:
    await post(world["client"], A.message(connector.url, n, **kwargs))


async def reply(connector: MockConnector, n: int, fragment: str) -> Sent:
    return await connector.wait_for(
        lambda s: s.conversation_id == f"a:personal-{n}" and fragment in text_of(s)
    )


async def prompt_count(world: dict[str, Any]) -> int:
    return len(await world["app"][RUNTIME].services.prompts.library.list_prompts())


@pytest.mark.sqlite_only  # the app-level scan below runs on both
async def test_only_hr_may_use_the_prompt_commands(world, connector: MockConnector) -> None:
    before = await prompt_count(world)
    for text in ("hr", "ny prompt", "udgiv"):
        await say(world, connector, 1, text=text)
    forged = {"action": "prompt.create", "form": "a" * 32, "theme": "blik_for_borgeren"}
    await say(world, connector, 1, value={**forged, "text_da": "x", "text_en": "y"})
    await say(world, connector, 1, value={"action": "publish.submit", "content": "pulse"})
    await wait_until(
        lambda: sum("Det er kun HR" in text_of(s) for s in connector.sent) == 5, timeout=5
    )
    await say(world, connector, 2, text="new prompt", locale="en-US")
    await reply(connector, 2, "Only HR and the MED secretariat")
    in_channel = A.message(connector.url, HR, text="<at>Trivselsbot</at> ny prompt")
    in_channel["conversation"] = A.team_channel()
    in_channel["channelData"].update(A.team_data())
    await post(world["client"], in_channel)  # HR too: forms belong in the personal chat
    await connector.wait_for(
        lambda s: s.conversation_id == TEAM and "personlige chat" in text_of(s)
    )
    assert await prompt_count(world) == before
    assert not any(s.activity.get("attachments") for s in connector.sent)


@pytest.mark.sqlite_only  # the app-level scan below runs on both
async def test_hr_writes_a_prompt_with_the_card_form(world, connector: MockConnector) -> None:
    await say(world, connector, HR, text="hr")
    menu = await reply(connector, HR, "HR-menu")
    assert "En stærk fortælling: 6" in text_of(menu)
    await say(world, connector, HR, text="ny prompt")
    form = await reply(connector, HR, "Spørgsmålet på dansk")
    data = card_of(form)["actions"][0]["data"]
    inputs = {e["id"] for e in card_of(form)["body"] if e["type"].startswith("Input.")}
    assert inputs == {"theme", "text_da", "text_en", "rating_da", "rating_en", "state"}
    before = await prompt_count(world)

    # Missing English text, half a rating question: named, and nothing is saved.
    bad = {**data, "theme": "digitale_muligheder", "text_da": "Hvad hjælper dig?", "text_en": ""}
    await say(world, connector, HR, value={**bad, "rating_da": "Hvor godt?", "rating_en": ""})
    refusal = await reply(connector, HR, "Prompten er ikke gemt")
    assert "Spørgsmålet på engelsk: mangler" in refusal.activity["text"]
    assert "Vurderingsspørgsmål på engelsk (valgfrit, 1–5): mangler" in refusal.activity["text"]
    await say(world, connector, HR, value={**bad, "text_en": "What helps?", "theme": "kaffe"})
    await reply(connector, HR, "Tema: er ikke et af valgene")
    assert await prompt_count(world) == before

    good = {
        **bad,
        "text_en": "What helps you?",
        "rating_da": "Hvor godt hjælper værktøjerne?",
        "rating_en": "How well do the tools help?",
        "state": "active",
    }
    card_id = form.activity_id
    await post(world["client"], A.message(connector.url, HR, value=good, reply_to_id=card_id))
    saved = await connector.wait_for(lambda s: s.kind == "update" and s.activity_id == card_id)
    assert "Prompten er gemt" in text_of(saved) and "Hvad hjælper dig?" in text_of(saved)
    assert await prompt_count(world) == before + 1
    # The same form again (a double click, a replay): saved once.
    await say(world, connector, HR, value=good)
    await reply(connector, HR, "allerede gemt")
    assert await prompt_count(world) == before + 1
    library = world["app"][RUNTIME].services.prompts.library
    (mine,) = [p for p in await library.list_prompts() if p.origin == "hr"]
    assert mine.id == f"digital-{data['form'][:8]}" and mine.rating is not None


async def publish_with_card(
    world: dict[str, Any], connector: MockConnector, prompt_id: str, delivery: str
) -> Sent:
    await say(world, connector, HR, text="udgiv")
    form = await reply(connector, HR, "Udgiv en prompt eller en mini-trivsel")
    body = card_of(form)["body"]
    units = next(e for e in body if e.get("id") == "units")
    (unit_choice,) = [c for c in units["choices"] if c["title"] == "Hjemmeplejen Nord"]
    value = {
        **card_of(form)["actions"][0]["data"],
        "content": f"prompt:{prompt_id}",
        "units": unit_choice["value"],
        "delivery": delivery,
        "when": "now",
        "weekday": "0",
        "time": "09:00",
        "open_days": "7",
    }
    await post(
        world["client"], A.message(connector.url, HR, value=value, reply_to_id=form.activity_id)
    )
    return await connector.wait_for(lambda s: s.kind == "update" and "Udgivet" in text_of(s))


async def test_a_prompt_in_personal_chats_leaves_nothing_that_links_a_person_to_a_reflection(
    world, connector: MockConnector, production_logging
) -> None:
    client, clock = world["client"], world["clock"]
    runtime = world["app"][RUNTIME]
    caplog = production_logging
    await post(client, A.team_install(connector.url))
    await connector.wait_for(lambda s: s.conversation_id == TEAM)
    done = await publish_with_card(world, connector, "borger-lettere", "personal")
    assert "er på vej til 6 personer i Hjemmeplejen Nord" in text_of(done)

    await wait_until(lambda: all(len(cards_in(connector, personal(n))) == 1 for n in PEOPLE))
    first = card_of(cards_in(connector, personal(1))[0])
    assert first["body"][0]["text"] == "Til refleksion · Blik for borgeren"
    assert "gjorde noget lettere for en borger" in json.dumps(first, ensure_ascii=False)
    # What the card promises is what holds: ratings from k = 5, texts from 7, leaders and HR.
    (text_input,) = [e for e in first["body"] if e.get("id") == "reflection"]
    assert "dine ledere og HR ser teksten" in text_input["placeholder"]
    assert "kun hvis mindst 7 har svaret" in text_input["placeholder"]
    promise = json.dumps(first, ensure_ascii=False)
    assert "vurderingerne samlet, når mindst 5 har givet en" in promise
    assert "teksterne i tilfældig rækkefølge, når mindst 7 har svaret" in promise
    (unit,) = await runtime.services.directory.installed_units()
    (round_info,) = await runtime.services.rounds.for_unit(unit.id)
    for _ in range(200):
        if await runtime.outbox.counts(OutboxKind.PROMPT, round_info.id) == {"sent": 6}:
            break
        await asyncio.sleep(0.02)
    assert await runtime.outbox.counts(OutboxKind.PROMPT, round_info.id) == {"sent": 6}
    # HR's delivery status card (the pulse's) ends with the final report: counts only.
    await connector.wait_for(
        lambda s: "Udsendelsen til Hjemmeplejen Nord er færdig: 6 af 6" in text_of(s)
    )
    for _ in range(200):
        if not await runtime.services.deliveries.watches():
            break
        await asyncio.sleep(0.02)
    assert await runtime.services.deliveries.watches() == []

    url = world["url"]
    before = await read_tables(url)
    sent_before = len(connector.sent)
    identifiers = {f"29:user-{n}" for n in PEOPLE} | {f"aad-{n:04d}" for n in PEOPLE}
    identifiers |= {f"Person {n}" for n in PEOPLE} | {personal(n) for n in PEOPLE}
    identifiers |= {cards_in(connector, personal(n))[0].activity_id for n in PEOPLE}

    async def answer(n: int, rating: int | None, text: str | None) -> None:
        card = cards_in(connector, personal(n))[0]
        data = {
            **card_of(card)["actions"][0]["data"],
            "rating": str(rating or ""),
            "reflection": text or "",
        }
        activity = A.message(connector.url, n, value=data, reply_to_id=card.activity_id)
        activity["conversation"]["id"] = personal(n)
        await post(client, activity)

    caplog.clear()
    await asyncio.gather(*(answer(n, RATINGS[n], REFLECTIONS[n]) for n in RATINGS))
    answered = {personal(n) for n in RATINGS}
    await wait_until(
        lambda: (
            len(
                connector.activities(lambda s: s.kind == "update" and s.conversation_id in answered)
            )
            == 5
        )
    )
    middle = await read_tables(url)
    await answer(1, 2, "en gang til")
    refusal = await connector.wait_for(lambda s: "allerede svaret" in text_of(s))
    assert refusal.conversation_id == personal(1)
    assert await read_tables(url) == middle
    answering_logs = list(caplog.records)
    after = await read_tables(url)

    # Rules 1 and 10: only sealed answers and participation changed; key-ordered, no identifier.
    assert_answers_left_no_trace(before, after, identifiers, REFLECTIONS.values())
    assert after["answer_counts"]["rows"] == [] and after["anonymous_comments"]["rows"] == []
    assert len(after["staged_answers"]["rows"]) == 5
    assert after["round_responses"]["rows"] == [(round_info.id, 5)]

    # Rule 8: the answered cards became one identical thanks card; nothing chosen is echoed.
    updates = connector.activities(lambda s: s.kind == "update" and s.conversation_id in answered)
    assert {u.activity_id for u in updates} == {
        cards_in(connector, personal(n))[0].activity_id for n in RATINGS
    }
    contents = {json.dumps(card_of(u), sort_keys=True, ensure_ascii=False) for u in updates}
    assert len(contents) == 1
    assert "Tak — dit svar er registreret anonymt" in next(iter(contents))
    for sent in connector.sent[sent_before:]:
        dump = text_of(sent)
        assert not any(text in dump for text in REFLECTIONS.values())

    # Logs: nothing about who, nothing about what.
    assert answering_logs
    for record in answering_logs:
        dump = json.dumps(record.__dict__, ensure_ascii=False, default=str)
        assert not any(identifier in dump for identifier in identifiers), dump[:300]
        assert not any(text in dump for text in REFLECTIONS.values()), dump[:300]

    # Rules 2, 3, 5: closed after a week; participation gone; released with k = 5 answers.
    reflections = runtime.services.prompts.reflections
    assert await reflections.released(round_info.id, 5) is None
    clock.advance(days=7, minutes=1)
    await wait_until_async(lambda: participation_rows(url), [])
    note = await connector.wait_for(lambda s: "Refleksionsrunden i Hjemmeplejen Nord" in text_of(s))
    assert "svar er samlet" in text_of(note) and "Mini-trivsel" not in text_of(note)
    released = await reflections.released(round_info.id, 5)
    assert released is not None and released.ratings == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    assert released.texts == [] and released.texts_held_back  # rule 6: five is below seven
    released = await reflections.released(round_info.id, 5, min_comment_group_size=5)
    assert released is not None and sorted(released.texts) == sorted(REFLECTIONS.values())
    closed = await read_tables(url)
    counts = {(r[1], r[2]): r[3] for r in closed["answer_counts"]["rows"]}
    assert counts == {("rating", value): 1 for value in RATINGS.values()}
    texts = sorted(r[2] for r in closed["anonymous_comments"]["rows"])
    assert texts == sorted(REFLECTIONS.values())
    assert closed["staged_answers"]["rows"] == [] and closed["round_keys"]["rows"] == []


@pytest.mark.sqlite_only  # the app-level scan below runs on both
async def test_a_prompt_in_the_channel_is_posted_once_and_answered_privately(
    world, connector: MockConnector
) -> None:
    client = world["client"]
    await post(client, A.team_install(connector.url))
    await connector.wait_for(lambda s: s.conversation_id == TEAM)
    done = await publish_with_card(world, connector, "fortaelling-myte", "channel")
    assert "er lagt i kanalen hos Hjemmeplejen Nord" in text_of(done)
    post_ = await connector.wait_for(
        lambda s: s.conversation_id == TEAM and "Til fælles dialog" in text_of(s)
    )
    assert "Hvilken myte om kommunen" in text_of(post_)
    button = card_of(post_)["actions"][0]
    assert button["title"] == "Svar anonymt"
    assert not any(s.conversation_id.startswith("a:personal-29") for s in connector.sent)

    # Person 2 presses the button in the channel: the card comes to their personal chat only.
    channel_sent = len(connector.activities(lambda s: s.conversation_id == TEAM))
    press = A.message(connector.url, 2, value=button["data"], reply_to_id=post_.activity_id)
    press["conversation"] = A.team_channel()
    press["channelData"].update(A.team_data())
    await post(client, press)
    card = await connector.wait_for(lambda s: s.conversation_id == personal(2))
    assert card_of(card)["actions"][0]["data"]["action"] == "reflection.answer"
    await post(client, press)  # a second press sends nothing more
    await asyncio.sleep(0.5)
    assert len(cards_in(connector, personal(2))) == 1
    assert len(connector.activities(lambda s: s.conversation_id == TEAM)) == channel_sent


@pytest.mark.sqlite_only  # the app-level scan below runs on both
async def test_hr_publishes_now_to_a_team_with_a_schedule_card_too(
    world, connector: MockConnector
) -> None:
    """A cadence from the card: nothing is sent now, the HR card says when the first one goes."""
    await post(world["client"], A.team_install(connector.url))
    await connector.wait_for(lambda s: s.conversation_id == TEAM)
    await say(world, connector, HR, text="publish", locale="en-US")
    form = await reply(connector, HR, "Publish a prompt or a pulse check")
    units = next(e for e in card_of(form)["body"] if e.get("id") == "units")
    value = {
        **card_of(form)["actions"][0]["data"],
        "content": "theme:digitale_muligheder",
        "units": "all",
        "delivery": "personal",
        "when": "14",
        "weekday": "2",
        "time": "10:30",
        "open_days": "5",
    }
    assert units["choices"][0] == {"title": "The whole organisation", "value": "all"}
    await say(world, connector, HR, value=value, locale="en-US")
    done = await reply(connector, HR, "is scheduled")
    assert "First time: Wednesday 25 November at 10:30" in text_of(done)
    bad = {**value, "form": secrets.token_hex(16), "when": "3", "time": "25:99"}
    await say(world, connector, HR, value=bad, locale="en-US")
    refusal = await reply(connector, HR, "Nothing was published")
    assert "When?" in refusal.activity["text"] and "Time of day" in refusal.activity["text"]
