"""A whole pulse round through the real pipeline, and the anonymity rules checked on what it left.

Six people in a team; HR starts a pulse in chat; the outbox worker delivers the card to each
person's 1:1 chat (creating it); five answer through Action.Submit; the cards are replaced; one
reminder goes to the sixth; the round closes. Then the database, the logs and every outgoing
activity are searched for anything that ties a person to an answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import RUNTIME
from storage.tables.outbox import OutboxKind
from tests.support import activities as A
from tests.support.db_inspection import (
    ANSWER_TABLES,
    assert_answers_left_no_trace,
    assert_in_key_order,
    read_tables,
)
from tests.support.flow_world import (
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

HR_CHAT = "a:personal-99"  # where HR's delivery status card is updated
# Distinct answers per person, so any leak of a value would be attributable.
CHOICES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
COMMENTS = {n: f"KOMMENTAR-{n}-æøå" for n in CHOICES}


def cards_to(connector: MockConnector, n: int) -> list[Sent]:
    return cards_in(connector, personal(n))


def to_people_and_updated(sent: Sent) -> bool:
    """Card replacements in people's chats (HR's delivery status card is updated too)."""
    return sent.kind == "update" and sent.conversation_id != HR_CHAT


@pytest.fixture
async def world(database_url: str, connector: MockConnector) -> AsyncIterator[dict[str, Any]]:
    async with flow_world(
        database_url,
        connector,
        BOT_PULSE_OPEN_DAYS=3,
        BOT_PULSE_REMINDER_HOURS=24,
    ) as world:
        yield world


async def round_state(url: str) -> str:
    return str((await read_tables(url))["pulse_rounds"]["rows"][0][8])


async def hr_message(connector: MockConnector, **kwargs: Any) -> dict[str, Any]:
    activity = A.message(connector.url, 99, **kwargs)
    return activity


async def start_pulse_as_hr(client: TestClient, connector: MockConnector) -> str:
    await post(client, await hr_message(connector, text="start puls"))
    menu = await connector.wait_for(lambda s: s.conversation_id == "a:personal-99")
    buttons = card_of(menu)["actions"]
    assert [b["title"] for b in buttons] == ["Hjemmeplejen Nord"]
    await post(client, await hr_message(connector, value=buttons[0]["data"]))
    started = await connector.wait_for(lambda s: "på vej til" in (s.activity.get("text") or ""))
    assert "Mini-trivsel er på vej til 6 personer i Hjemmeplejen Nord" in started.activity["text"]
    return started.activity["text"]


async def answer(client: TestClient, connector: MockConnector, n: int, value: int) -> Sent:
    card = cards_to(connector, n)[0]
    content = card_of(card)
    data = dict(content["actions"][0]["data"])
    for element in content["body"]:
        if element["type"] == "Input.ChoiceSet":
            data[element["id"]] = str(value)
    data["comment"] = COMMENTS.get(n, "sent kommentar")
    activity = A.message(connector.url, n, value=data, reply_to_id=card.activity_id)
    activity["conversation"]["id"] = personal(n)
    await post(client, activity)
    return card


async def test_a_whole_round_leaves_nothing_that_links_a_person_to_an_answer(
    world, connector: MockConnector, production_logging
) -> None:
    client, clock, url = world["client"], world["clock"], world["url"]
    caplog = production_logging  # the bot's own logging set-up, at its most talkative
    await post(client, A.team_install(connector.url))
    await start_pulse_as_hr(client, connector)

    # The worker delivers one card to each of the six, creating their 1:1 chats.
    await wait_until(lambda: all(len(cards_to(connector, n)) == 1 for n in PEOPLE))
    first = card_of(cards_to(connector, 1)[0])
    assert first["version"] == "1.5"
    assert first["body"][0]["text"] == "Mini-trivsel · Hjemmeplejen Nord"
    assert sum(e["type"] == "Input.ChoiceSet" for e in first["body"]) == 5
    # The comment field says who reads comments, and from how many answers (rule 6).
    (comment,) = [e for e in first["body"] if e.get("id") == "comment"]
    assert comment["placeholder"] == (
        "Skriv ikke navne. Dine ledere og HR ser kommentaren uden navn og tidspunkt, blandet med "
        "de andres, og kun hvis mindst 7 har svaret. Din leder kan vælge at dele kommentarerne "
        "med teamet."
    )
    runtime = world["app"][RUNTIME]
    (unit,) = await runtime.services.directory.installed_units()
    (round_info,) = await runtime.services.rounds.for_unit(unit.id)
    # The connector has the cards; the worker settles each row right after its send returns.
    for _ in range(200):
        if await runtime.outbox.counts(OutboxKind.PULSE, round_info.id) == {"sent": 6}:
            break
        await asyncio.sleep(0.02)
    assert await runtime.outbox.counts(OutboxKind.PULSE, round_info.id) == {"sent": 6}
    # HR's delivery status card ends with the final report: counts only.
    await connector.wait_for(
        lambda s: (
            "Udsendelsen til Hjemmeplejen Nord er færdig: 6 af 6" in (s.activity.get("text") or "")
        )
    )
    await wait_until_async(lambda: runtime.services.deliveries.watches(), [])

    before = await read_tables(url)
    sent_before = len(connector.sent)
    identifiers = {f"29:user-{n}" for n in PEOPLE} | {f"aad-{n:04d}" for n in PEOPLE}
    identifiers |= {f"Person {n}" for n in PEOPLE} | {personal(n) for n in PEOPLE}
    identifiers |= {cards_to(connector, n)[0].activity_id for n in PEOPLE}

    caplog.clear()
    await asyncio.gather(*(answer(client, connector, n, v) for n, v in CHOICES.items()))
    await wait_until(lambda: len(connector.activities(to_people_and_updated)) == 5)
    # Pressing again is refused politely and changes nothing.
    middle = await read_tables(url)
    await answer(client, connector, 1, 5)
    refusal = await connector.wait_for(
        lambda s: "allerede svaret" in (s.activity.get("text") or "")
    )
    assert refusal.conversation_id == personal(1)
    assert await read_tables(url) == middle
    answering_logs = list(caplog.records)
    after = await read_tables(url)

    # --- Rules 1 and 10: only sealed answers and participation changed when people answered. ---
    assert_answers_left_no_trace(before, after, identifiers, COMMENTS.values())
    assert after["answer_counts"]["rows"] == [] and after["anonymous_comments"]["rows"] == []
    assert len(after["staged_answers"]["rows"]) == 5
    assert after["round_responses"]["rows"][0][1] == 5

    # --- Rule 8: the chat shows nothing the person chose. --------------------------------------
    updates = connector.activities(to_people_and_updated)
    assert {u.activity_id for u in updates} == {
        cards_to(connector, n)[0].activity_id for n in CHOICES
    }
    contents = {
        json.dumps(u.activity["attachments"][0]["content"], sort_keys=True, ensure_ascii=False)
        for u in updates
    }
    assert len(contents) == 1, "the thanks card must be identical whatever was answered"
    (thanks,) = contents
    assert "Tak — dit svar er registreret anonymt" in thanks
    for sent in connector.sent[sent_before:]:
        dump = json.dumps(sent.activity, ensure_ascii=False)
        assert not any(comment in dump for comment in COMMENTS.values())
        assert "Helt enig" not in dump and "Delvis uenig" not in dump and "q_" not in dump

    # --- Logs: nothing about who, nothing about what. -----------------------------------------
    assert answering_logs, "the turns did log"
    for record in answering_logs:
        dump = json.dumps(record.__dict__, ensure_ascii=False, default=str)
        assert not any(identifier in dump for identifier in identifiers), dump[:300]
        assert not any(comment in dump for comment in COMMENTS.values()), dump[:300]
        assert '"q_' not in dump

    # --- Reminder: one, only to the person who has not answered. -------------------------------
    clock.advance(days=2, hours=1)  # past closes - 24h
    await wait_until(lambda: len(cards_to(connector, 6)) == 2)
    reminder = card_of(cards_to(connector, 6)[1])
    assert reminder["body"][0]["text"].startswith("Påmindelse")
    assert all(len(cards_to(connector, n)) == 1 for n in CHOICES)

    # --- Rule 7: "mine data" is true. ---------------------------------------------------------
    mine = A.message(connector.url, 1, "mine data")
    mine["conversation"]["id"] = personal(1)
    await post(client, mine)
    answer_card = await connector.wait_for(
        lambda s: "Det gemmer jeg om dig" in json.dumps(s.activity, ensure_ascii=False)
    )
    assert "svaret på 1 af 1 åbne" in json.dumps(answer_card.activity, ensure_ascii=False)

    # --- Rule 2 and 5: closing deletes participation and the reminder targets. -----------------
    clock.advance(days=1)
    await wait_until_async(lambda: round_state(url), "closed")
    closed = await read_tables(url)
    # The counters hold exactly the five answers; comments are there without anything else.
    counts = {(r[1], r[2]): r[3] for r in closed["answer_counts"]["rows"]}
    assert set(counts.values()) == {1} and len(counts) == 25
    assert sorted(r[2] for r in closed["anonymous_comments"]["rows"]) == sorted(COMMENTS.values())
    assert closed["staged_answers"]["rows"] == [] and closed["round_keys"]["rows"] == []
    assert closed["participation"]["rows"] == []
    assert [r for r in closed["outbox"]["rows"] if r[1] == "reminder"] == []
    if closed["anonymous_comments"]["sql"] is None:  # PostgreSQL: closing rewrote them together
        written_by = closed["anonymous_comments"]["xmin"] + closed["answer_counts"]["xmin"]
        assert len(set(written_by)) == 1, "a transaction id still tells answers apart"
        assert_in_key_order(closed, "anonymous_comments")
    # After closing, a late answer is refused politely.
    await answer(client, connector, 6, 3)
    # The refusal's own words: the leader's note that the round closed says "lukket" too.
    late = await connector.wait_for(lambda s: "desværre lukket" in (s.activity.get("text") or ""))
    assert late.conversation_id == personal(6)
    assert (await read_tables(url))["answer_counts"]["rows"] == closed["answer_counts"]["rows"]


async def test_a_pulse_answer_from_a_channel_is_refused_and_changes_nothing(
    world, connector: MockConnector
) -> None:
    """The bot only posts pulse cards in people's own chats. An answer that arrives from a
    channel (a copied card, a crafted request) is refused there, in words that say where to
    answer and nothing about the answer; no card is replaced in front of the team."""
    client, url = world["client"], world["url"]
    await post(client, A.team_install(connector.url))
    await start_pulse_as_hr(client, connector)
    await wait_until(lambda: all(len(cards_to(connector, n)) == 1 for n in PEOPLE))
    card = cards_to(connector, 6)[0]
    content = card_of(card)
    data = dict(content["actions"][0]["data"])
    for element in content["body"]:
        if element["type"] == "Input.ChoiceSet":
            data[element["id"]] = "4"
    data["comment"] = "HEMMELIG-KOMMENTAR"
    before = await read_tables(url)
    # Card replacements in people's chats only: HR's status card is updated every 0.1 s.
    updates = len([s for s in connector.sent if to_people_and_updated(s)])

    in_channel = A.message(connector.url, 6, value=data, reply_to_id=card.activity_id)
    in_channel["conversation"] = A.team_channel()
    in_channel["channelData"].update(A.team_data())
    await post(client, in_channel)
    refusal = await connector.wait_for(
        lambda s: "personlige chat" in (s.activity.get("text") or "")
    )
    assert refusal.conversation_id == TEAM
    assert "HEMMELIG" not in json.dumps(refusal.activity) and "4" not in refusal.activity["text"]
    assert len([s for s in connector.sent if to_people_and_updated(s)]) == updates
    after = await read_tables(url)
    for table in ANSWER_TABLES:
        assert after[table]["rows"] == before[table]["rows"], table

    await answer(client, connector, 6, 4)  # the same person in their own chat: counted
    await wait_until_async(lambda: _responses(url), 1)


async def _responses(url: str) -> int:
    rows = (await read_tables(url))["round_responses"]["rows"]
    return int(rows[0][1]) if rows else 0
