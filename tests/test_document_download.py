"""The MED document's download link through the real app: the summary card's button, the link in
the chat, the page, the file; and every way a link is refused (another person, another unit, a
second use, too late, changed by hand). HR's doors: the admin API and the command line.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import docx
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import RUNTIME, create_app
from storage.db.engine import SessionFactory
from storage.directory.roles import Roles
from storage.results.download_links import DownloadLinks, LinkRefused, Refusal, UsedDownloadLink
from tests.conftest import TEST_SECRET, make_settings
from tests.support import activities as A
from tests.support.mock_connector import MockConnector, Sent, teams_member
from tests.test_summary_flow import closed_round

TEAM = "19:team-1@thread.tacv2"
PUBLIC = "https://trivsel.example.dk"
ADMIN_TOKEN = "admin-token-0123456789-0123456789-abcdef"
START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PERIOD = "2026-11"
# Through the app on SQLite; the one thing of the database these rely on, that a link is used
# once on every replica, is tested on both backends at the end.
APP_TEST = pytest.mark.sqlite_only


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def world(database_url: str, connector: MockConnector) -> AsyncIterator[dict[str, Any]]:
    settings = make_settings(
        Path("unused"),
        BOT_DATABASE_URL=database_url,
        BOT_BACKGROUND_WORKERS=False,
        BOT_PUBLIC_URL=PUBLIC,
        BOT_ADMIN_TOKEN=ADMIN_TOKEN,
    )
    connector.members[TEAM] = [teams_member(n) for n in range(1, 8)]
    clock = Clock(START)
    app = create_app(settings, now=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        await post(client, A.team_install(connector.url))
        services = app[RUNTIME].services
        (unit,) = await services.directory.installed_units()
        await Roles(services.rounds._factory, []).assign_leader(unit.id, "aad-0001")
        await closed_round(services, unit.id, 5)
        yield {"client": client, "services": services, "unit": unit.id, "clock": clock}


async def post(client: TestClient, activity: dict[str, Any]) -> None:
    response = await client.post("/api/messages", json=activity)
    assert response.status == 201


async def press(world: dict[str, Any], connector: MockConnector, n: int = 1, **value: Any) -> Sent:
    before = len(connector.sent)
    data = {"action": "summary.document", "unit": world["unit"], "period": PERIOD, **value}
    await post(world["client"], A.message(connector.url, n, value=data))
    return await connector.wait_for(lambda s: connector.sent.index(s) >= before)


async def documents_logged(world: dict[str, Any]) -> list[tuple[str, str, str | None, str | None]]:
    """The audit log's MED document rows: (viewer, door, format, month)."""
    from storage.tables.audit import AuditRow

    async with world["services"].rounds._factory() as session:
        rows = (
            await session.execute(select(AuditRow).where(AuditRow.what == "med_document"))
        ).scalars()
        return sorted((r.viewer_id, r.via, r.detail, r.period) for r in rows)


def links_of(sent: Sent) -> dict[str, str]:
    """The card's download buttons, by format, as paths on the bot (the host is checked)."""
    card = sent.activity["attachments"][0]["content"]
    found = {}
    for action in card["actions"]:
        assert action["type"] == "Action.OpenUrl" and action["url"].startswith(PUBLIC + "/")
        parts = urlsplit(action["url"])
        found[parts.path.rsplit("/", 1)[1]] = f"{parts.path}?{parts.query}"
    return found


def token_of(path: str) -> str:
    return parse_qs(urlsplit(path).query)["link"][0]


def forged(path: str, **changes: str) -> str:
    """The link with fields of its payload changed, and its signature kept."""
    token = token_of(path)
    payload, signature = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    return path.replace(token, f"{encoded}.{signature}")


async def fetch(client: TestClient, path: str, method: str = "POST") -> tuple[int, str, Any]:
    response = await client.request(method, path)
    body = await response.read()
    kind = response.headers.get("Content-Type", "")
    text = body.decode("utf-8") if kind.startswith("text/") else ""
    return response.status, text, (response, body)


@APP_TEST
async def test_the_card_has_the_button_and_the_links_fetch_each_file_once(
    world: dict[str, Any], connector: MockConnector
) -> None:
    client = world["client"]
    before = len(connector.sent)
    await post(client, A.message(connector.url, 1, text="resumé"))
    summary = await connector.wait_for(lambda s: connector.sent.index(s) >= before)
    buttons = summary.activity["attachments"][0]["content"]["actions"]
    (button,) = [b for b in buttons if b.get("title") == "Hent dokument til MED-mødet"]
    assert button["data"] == {
        "action": "summary.document",
        "unit": world["unit"],
        "period": PERIOD,
    }

    sent = await press(world, connector, **button["data"])
    card = json.dumps(sent.activity, ensure_ascii=False)
    assert "Dokument til MED-mødet · Hjemmeplejen Nord · november 2026" in card
    assert "Hvert link virker én gang, i 5 minutter" in card
    links = links_of(sent)
    assert set(links) == {"docx", "pdf"}

    # The page uses nothing up (a scanner may fetch it), and names what the button fetches.
    for _ in range(2):
        status, page, (response, _) = await fetch(client, links["pdf"], "GET")
        assert status == 200 and '<form method="post">' in page and "Hent som PDF" in page
        assert response.headers["Cache-Control"] == "no-store"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    status, _, (response, body) = await fetch(client, links["pdf"])
    assert status == 200 and body.startswith(b"%PDF")
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(
        'attachment; filename="MED-dokument Hjemmeplejen Nord 2026-11.pdf"'
    )
    assert "filename*=UTF-8''MED-dokument%20Hjemmeplejen%20Nord%202026-11.pdf" in disposition

    # A second use, by the page or the button, is refused: the file was handed out once.
    for method in ("POST", "GET"):
        status, text, _ = await fetch(client, links["pdf"], method)
        assert status == 410 and "allerede brugt" in text and "%PDF" not in text

    status, _, (response, body) = await fetch(client, links["docx"])
    assert status == 200 and response.headers["Content-Type"].endswith("wordprocessingml.document")
    word = docx.Document(io.BytesIO(body))
    assert word.paragraphs[0].text == "Til MED-mødet: Hjemmeplejen Nord"
    assert any(p.text == "5 af 7 svarede (71 %)." for p in word.paragraphs)
    # Each file handed out is one row in the audit log; the refused second use is none.
    assert await documents_logged(world) == [
        ("aad-0001", "download", "docx", PERIOD),
        ("aad-0001", "download", "pdf", PERIOD),
    ]


@APP_TEST
async def test_a_link_is_refused_to_another_person(
    world: dict[str, Any], connector: MockConnector
) -> None:
    client, services = world["client"], world["services"]
    links = links_of(await press(world, connector))
    # The person in the link changed to someone who leads the unit too: the signature fails.
    await Roles(services.rounds._factory, []).assign_leader(world["unit"], "aad-0003")
    status, text, _ = await fetch(client, forged(links["pdf"], person="aad-0003"))
    assert status == 403 and "Linket er ikke gyldigt" in text and "not valid" in text
    # A well-made link for someone who may not see the unit (an employee) gives nothing.
    link = services.download_links
    token = link.issue("aad-0002", world["unit"], PERIOD, "pdf", "da")
    path = f"/documents/{world['unit']}/{PERIOD}/pdf?link={token}"
    status, text, _ = await fetch(client, path)
    assert status == 403 and "Du har ikke adgang til resultaterne" in text
    # The leader's own link, after they stopped leading the unit: access is checked at use.
    await services.hierarchy.remove_leader(world["unit"], "aad-0001")
    status, text, _ = await fetch(client, links["pdf"])
    assert status == 403 and "Du har ikke adgang til resultaterne" in text


@APP_TEST
async def test_a_link_is_refused_for_another_unit(
    world: dict[str, Any], connector: MockConnector
) -> None:
    client, services = world["client"], world["services"]
    other = await services.directory.install_team(
        "19:other", "Andet team", "tenant-1", connector.url
    )
    links = links_of(await press(world, connector))
    elsewhere = links["pdf"].replace(world["unit"], other.id)
    status, text, _ = await fetch(client, elsewhere)
    assert status == 403 and "hører til et andet dokument" in text
    status, text, _ = await fetch(client, forged(elsewhere, unit=other.id))
    assert status == 403 and "ikke gyldigt" in text
    status, text, _ = await fetch(client, links["pdf"].replace("/pdf?", "/docx?"))
    assert status == 403 and "hører til et andet dokument" in text
    # A well-signed link for a unit the person does not lead gives nothing either.
    token = services.download_links.issue("aad-0001", other.id, PERIOD, "pdf", "da")
    status, text, _ = await fetch(client, f"/documents/{other.id}/{PERIOD}/pdf?link={token}")
    assert status == 403 and "Du har ikke adgang" in text
    # The refusals before it used nothing up: the link still works where it belongs.
    status, _, (_, body) = await fetch(client, links["pdf"])
    assert status == 200 and body.startswith(b"%PDF")
    # The button for a unit the leader does not lead makes no link at all.
    refused = json.dumps(
        (await press(world, connector, unit=other.id)).activity, ensure_ascii=False
    )
    assert "Det resumé har du ikke adgang til" in refused and "/documents/" not in refused


@APP_TEST
async def test_a_link_is_refused_when_it_has_expired(
    world: dict[str, Any], connector: MockConnector
) -> None:
    client, clock = world["client"], world["clock"]
    links = links_of(await press(world, connector))
    clock.now += timedelta(minutes=4, seconds=59)
    status, _, _ = await fetch(client, links["docx"], "GET")
    assert status == 200
    clock.now += timedelta(seconds=1)
    for method in ("GET", "POST"):
        status, text, _ = await fetch(client, links["pdf"], method)
        assert status == 410 and "Linket er udløbet" in text
    for broken in ("", "x", "a.b", "ü" * 1000, "a" * 2100 + ".b"):
        path = links["pdf"].split("?")[0] + f"?link={broken}"
        status, text, _ = await fetch(client, path)
        assert status == 403 and "Linket er ikke gyldigt" in text


@APP_TEST
async def test_the_button_gives_links_only_to_leaders_in_their_own_chat(
    world: dict[str, Any], connector: MockConnector
) -> None:
    employee = json.dumps((await press(world, connector, n=2)).activity, ensure_ascii=False)
    assert "Resuméer er for ledere og HR" in employee and "/documents/" not in employee
    wrong = json.dumps(
        (await press(world, connector, period="2026-13")).activity, ensure_ascii=False
    )
    assert "Den måned kan jeg ikke lave et dokument for" in wrong
    activity = A.message(
        connector.url,
        1,
        value={"action": "summary.document", "unit": world["unit"], "period": PERIOD},
    )
    activity["conversation"] = {"tenantId": A.TENANT, **A.team_channel(TEAM)}
    activity["channelData"]["team"] = {"id": TEAM, "name": "Hjemmeplejen Nord"}
    before = len(connector.sent)
    await post(world["client"], activity)
    reply = await connector.wait_for(lambda s: connector.sent.index(s) >= before)
    text = json.dumps(reply.activity, ensure_ascii=False)
    assert "kun i din personlige chat" in text and "/documents/" not in text


@APP_TEST
async def test_hr_gets_any_units_document_from_the_admin_api(world: dict[str, Any]) -> None:
    client, unit = world["client"], world["unit"]
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    path = f"/admin/units/{unit}/document"
    response = await client.get(path, params={"period": PERIOD, "format": "docx"}, headers=auth)
    assert response.status == 200
    word = docx.Document(io.BytesIO(await response.read()))
    assert word.paragraphs[0].text == "Til MED-mødet: Hjemmeplejen Nord"
    response = await client.get(path, params={"period": PERIOD, "language": "en"}, headers=auth)
    assert response.status == 200 and response.headers["Content-Type"] == "application/pdf"
    assert "MED%20document%20Hjemmeplejen%20Nord" in response.headers["Content-Disposition"]
    for params, status in (
        ({}, 400),
        ({"period": "2026-13"}, 400),
        ({"period": PERIOD, "format": "odt"}, 400),
    ):
        response = await client.get(path, params=params, headers=auth)
        assert response.status == status, params
    response = await client.get(
        "/admin/units/nope/document", params={"period": PERIOD}, headers=auth
    )
    assert response.status == 404 and (await response.json()) == {"error": "no such unit"}
    response = await client.get(path, params={"period": PERIOD})
    assert response.status == 401
    assert [door for _, door, _, _ in await documents_logged(world)] == ["admin_api"] * 2


@APP_TEST
async def test_hr_gets_any_units_document_from_the_command_line(
    world: dict[str, Any], database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import main as cli

    for key, value in {
        "BOT_DEV_MODE": "true",
        "BOT_DATABASE_URL": database_url,
        "BOT_ANONYMITY_SECRET": TEST_SECRET,
    }.items():
        monkeypatch.setenv(key, value)
    target = tmp_path / "med.docx"
    arguments = ["results", "document", "--unit", "Hjemmeplejen Nord", "--period", PERIOD]
    for extra, code in (
        (["--format", "docx", "--language", "da", "--out", str(target)], 0),
        (["--out", str(tmp_path / "med.pdf")], 0),
        (["--period", "november"], 2),
        (["--unit", "Findes ikke"], 1),
    ):
        with pytest.raises(SystemExit) as exited:
            # The command runs its own event loop (asyncio.run), so not on this test's.
            await asyncio.to_thread(cli.main, [*arguments, *extra])
        assert exited.value.code == code, extra
    word = docx.Document(str(target))
    assert word.paragraphs[0].text == "Til MED-mødet: Hjemmeplejen Nord"
    assert (tmp_path / "med.pdf").read_bytes().startswith(b"%PDF")
    logged = await documents_logged(world)
    assert [(door, fmt) for _, door, fmt, _ in logged] == [("cli", "docx"), ("cli", "pdf")]
    assert all(viewer.startswith("cli:") for viewer, *_ in logged)  # no --as: the server account


async def test_a_link_works_once_across_replicas_and_used_ids_are_forgotten_after_expiry(
    session_factory: SessionFactory,
) -> None:
    """Two replicas (two services on one database): the second use is refused on the other one;
    a used id is kept until its link could no longer be used, then deleted."""
    clock = Clock(START)
    first, second = (
        DownloadLinks(session_factory, TEST_SECRET, PUBLIC, timedelta(minutes=5), clock)
        for _ in range(2)
    )
    token = first.issue("aad-0001", "unit-1", PERIOD, "pdf", "da")
    grant = await second.redeem(token, "unit-1", PERIOD, "pdf")
    assert (grant.person, grant.unit, grant.language) == ("aad-0001", "unit-1", "da")
    for replica in (first, second):
        with pytest.raises(LinkRefused) as refused:
            await replica.redeem(token, "unit-1", PERIOD, "pdf")
        assert refused.value.reason is Refusal.USED
    both = [first.issue("aad-0001", "unit-1", PERIOD, "docx", "da") for _ in range(2)]
    outcomes = await asyncio.gather(
        *(replica.redeem(both[0], "unit-1", PERIOD, "docx") for replica in (first, second)),
        return_exceptions=True,
    )
    assert sum(isinstance(o, LinkRefused) for o in outcomes) == 1  # at once: one wins
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(UsedDownloadLink)) == 2
    clock.now += timedelta(minutes=16)  # five minutes' life and ten of clock slack are over
    fresh = first.issue("aad-0001", "unit-1", PERIOD, "docx", "da")
    await first.redeem(fresh, "unit-1", PERIOD, "docx")
    async with session_factory() as session:
        kept = list((await session.execute(select(UsedDownloadLink.token_id))).scalars())
    assert len(kept) == 1  # only the fresh link's id is left
    other_secret = DownloadLinks(session_factory, "x" * 40, PUBLIC, timedelta(minutes=5), clock)
    with pytest.raises(LinkRefused) as refused:
        other_secret.read(both[1])
    assert refused.value.reason is Refusal.INVALID


async def test_a_link_survives_a_rotation_of_the_secret_across_replicas(
    session_factory: SessionFactory,
) -> None:
    """During the two-step rotation (docs/operations.md) replicas differ in which secret is
    current: a link one replica signs is read by any replica it runs beside, and once the old
    secret is removed everywhere, a link signed with it is refused."""
    from storage.anonymity.secrets import AnonymitySecrets

    old, new = TEST_SECRET, "n" * 40
    clock = Clock(START)
    steps = [
        AnonymitySecrets(old),
        AnonymitySecrets(old, previous=new),  # step 1: the new secret known, not used
        AnonymitySecrets(new, previous=old),  # step 2
        AnonymitySecrets(new),  # the old one removed
    ]
    replicas = [
        DownloadLinks(session_factory, known, PUBLIC, timedelta(minutes=5), clock)
        for known in steps
    ]
    for signer, reader in zip(replicas, replicas[1:], strict=False):
        for a, b in ((signer, reader), (reader, signer)):  # side by side, either way
            token = a.issue("aad-0001", "unit-1", PERIOD, "pdf", "da")
            assert b.read(token).person == "aad-0001"
    with pytest.raises(LinkRefused) as refused:
        replicas[-1].read(replicas[0].issue("aad-0001", "unit-1", PERIOD, "pdf", "da"))
    assert refused.value.reason is Refusal.INVALID
