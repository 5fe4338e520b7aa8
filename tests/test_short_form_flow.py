"""The short form through the real pipeline: HR picks it in chat, the leader's card shows the score."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import RUNTIME, create_app
from dialogs.cards.template import TEMPLATE_ACTION
from storage.answers.pulse import submit_answer
from storage.directory.roles import Roles
from storage.questions.templates import TemplateIn, TemplateKind
from tests.conftest import TEST_SECRET, make_settings
from tests.support import activities as A
from tests.support.mock_connector import MockConnector, Sent, teams_member

TEAM = "19:team-1@thread.tacv2"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HR = 99
# Points per answer: value 5 ("i meget høj grad") is 4 … value 1 ("i meget ringe grad") is 0.
# Five people; per item the values below: trust in management 4,4,4,3,3 → points 3,3,3,2,2 = 2.6;
# colleagues all 4 → 3.0; justice 3,3,3,3,4 → 2.2; cooperation 4,4,4,4,5 → 3.2. Sum: 11.0.
ANSWERS = {
    "kf_tl": [4, 4, 4, 3, 3],
    "kf_tk": [4, 4, 4, 4, 4],
    "kf_rf": [3, 3, 3, 3, 4],
    "kf_sa": [4, 4, 4, 4, 5],
}


@pytest.fixture
async def world(database_url: str, connector: MockConnector) -> AsyncIterator[dict[str, Any]]:
    settings = make_settings(
        Path("unused"),
        BOT_DATABASE_URL=database_url,
        BOT_BACKGROUND_WORKERS=False,
        BOT_HR_ADMINS=f"aad-00{HR}",
    )
    connector.members[TEAM] = [teams_member(n) for n in range(1, 8)]
    app = create_app(settings, now=lambda: NOW)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        await post(client, A.team_install(connector.url))
        runtime = app[RUNTIME]
        (unit,) = await runtime.services.directory.installed_units()
        await Roles(runtime.factory, []).assign_leader(unit.id, "aad-0001")
        yield {"client": client, "services": runtime.services, "unit": unit.id}


async def post(client: TestClient, activity: dict[str, Any]) -> None:
    response = await client.post("/api/messages", json=activity)
    assert response.status == 201


async def ask(client: TestClient, connector: MockConnector, n: int, **kwargs: Any) -> str:
    before = len(connector.sent)
    await post(client, A.message(connector.url, n, **kwargs))
    sent: Sent = await connector.wait_for(lambda s: connector.sent.index(s) >= before)
    return json.dumps(sent.activity, ensure_ascii=False)


async def short_form_round(services: Any, unit: str, people: int) -> str:
    info = await services.rounds.create(
        unit, NOW - timedelta(days=3), NOW - timedelta(hours=1), None, "hr"
    )
    assert info.items == ["kf_tk", "kf_tl", "kf_rf", "kf_sa"]
    await services.rounds.open_due(NOW - timedelta(days=3))
    for n in range(people):
        await submit_answer(
            services.rounds._factory,
            services.bank,
            TEST_SECRET,
            info.id,
            f"29:user-{n + 1}",
            {item: ANSWERS[item][n] for item in info.items},
            None,
            NOW - timedelta(days=2),
        )
    await services.rounds.close(info.id)
    return info.id


async def test_hr_picks_the_short_form_in_chat_and_the_leader_sees_score_and_band(
    world, connector
) -> None:
    client, services, unit = world["client"], world["services"], world["unit"]
    form = await ask(client, connector, HR, text="skabelon")
    assert "Skabelon for mini-trivsel" in form and "Fire hurtige om social kapital" in form
    refused = await ask(client, connector, 1, text="skabelon")  # not HR
    assert "Det er kun HR" in refused
    saved = await ask(
        client,
        connector,
        HR,
        value={"action": TEMPLATE_ACTION, "unit": unit, "kind": "short_form", "items": ""},
    )
    assert "får nu **Fire hurtige om social kapital**" in saved
    assert (await services.templates.for_unit(unit)).template == TemplateIn(
        kind=TemplateKind.SHORT_FORM
    )
    await short_form_round(services, unit, 5)
    card = await ask(client, connector, 1, text="resumé")
    assert "Social kapital (0–16)" in card and "11,0 af 16" in card
    assert "Lidt over gennemsnittet (10,3–12,3)" in card
    assert "ikke det validerede spørgeskema" in card
    english = await ask(client, connector, 1, text="summary", locale="en-US")
    assert "11.0 of 16" in english and "not the validated questionnaire" in english


async def test_too_few_answers_show_no_score(world, connector) -> None:
    services, unit = world["services"], world["unit"]
    await services.templates.set_for_unit(unit, TemplateIn(kind=TemplateKind.SHORT_FORM))
    await short_form_round(services, unit, 4)  # k = 5
    card = await ask(world["client"], connector, 1, text="resumé")
    assert "Scoren vises ikke" in card and "af 16" not in card


async def test_a_fixed_template_from_chat_is_checked_against_the_bank(world, connector) -> None:
    client, unit = world["client"], world["unit"]
    value = {"action": TEMPLATE_ACTION, "unit": unit, "kind": "fixed", "items": "tk1, tl1, zz"}
    assert "**zz** findes ikke" in await ask(client, connector, HR, value=value)
    value["items"] = "tk1"
    assert "3–5 forskellige id'er" in await ask(client, connector, HR, value=value)
    value["items"] = "tk1 tl1 rf1"
    assert "**Faste spørgsmål: tk1, tl1, rf1**" in await ask(client, connector, HR, value=value)


async def test_hr_publishes_the_short_form_from_the_publish_form(world, connector) -> None:
    client, services, unit = world["client"], world["services"], world["unit"]
    form = await ask(client, connector, HR, text="udgiv")
    assert "Mini-trivsel: fire hurtige om social kapital" in form
    value = {"action": "publish.submit", "content": "pulse:short_form", "units": unit}
    await ask(client, connector, HR, value=value)
    (asked,) = await services.rounds.for_unit(unit)
    assert asked.items == ["kf_tk", "kf_tl", "kf_rf", "kf_sa"]
