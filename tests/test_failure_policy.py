"""One send-failure policy (bot/delivery/failure_policy.py), and every sender acting on it.

The outbox worker, the channel poster and the delivery status reporter each had their own list of
statuses worth another try (the poster's was the outbox's first list, left behind when the outbox
learnt that 401 and every 5xx pass). Here each sender meets the same real errors (the app's
connector client against the throttling mock connector) and must do what the one verdict says;
a sender with its own list again fails this test.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botbuilder.schema import Activity, ErrorResponseException

from bot.connector.client import ConnectorClients
from bot.delivery.failure_policy import (
    Verdict,
    backoff,
    classify,
    error_code,
    http_status,
    retry_delay,
)
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.prompt_runtime import ChannelPoster
from bot.delivery.status_cards import DeliveryStatusReporter
from bot.delivery.worker_config import WorkerConfig
from bot.teams.adapter import create_adapter
from storage.delivery.outbox import OutboxJob
from storage.prompts.channel_posts import ChannelJob
from storage.tables.outbox import OutboxKind
from tests.conftest import make_settings
from tests.support import activities as A
from tests.support.throttling_connector import ThrottlingConnector

# (status, Teams' error code) as the mock connector answers them.
ANSWERS = [
    (401, "Unauthorized"),
    (403, "MessageWritesBlocked"),
    (403, "Forbidden"),
    (404, "ConversationNotFound"),
    (408, "RequestTimeout"),
    (412, "PreconditionFailed"),
    (413, "RequestEntityTooLarge"),
    (429, "TooManyRequests"),
    (500, "ServiceError"),
    (501, "NotImplemented"),
    (502, "ServiceError"),
    (503, "ServiceUnavailable"),
    (504, "GatewayTimeout"),
]


def test_every_status_has_one_verdict() -> None:
    for status in range(0, 600):
        verdict = classify(status)
        if status == 429:
            assert verdict is Verdict.THROTTLED
        elif status in (401, 408, 412) or status >= 500:
            assert verdict is Verdict.RETRY, status
        elif 400 <= status < 500:
            assert verdict is Verdict.GONE, status
        else:
            assert verdict is Verdict.FAILED, status
    assert classify(403, "MessageWritesBlocked") is Verdict.BLOCKED
    assert classify(403, "Forbidden") is Verdict.GONE
    assert [v for v in Verdict if v.retried] == [Verdict.THROTTLED, Verdict.RETRY]
    assert [v for v in Verdict if v.gone] == [Verdict.BLOCKED, Verdict.GONE]


def test_the_backoff_grows_within_its_bounds_and_a_429_waits_as_asked() -> None:
    for tries in range(1, 14):
        ceiling = min(600.0, 2.0 * 2 ** (tries - 1))
        for _ in range(20):
            delay = backoff(tries, 2.0).total_seconds()
            assert ceiling / 2 <= delay <= ceiling
    for _ in range(20):
        assert 7.0 <= retry_delay(3, 2.0, 7.0).total_seconds() <= 8.0
        assert 4.0 <= retry_delay(3, 2.0).total_seconds() <= 8.0


async def raised(tmp_path: Path) -> list[ErrorResponseException]:
    """Each answer of ANSWERS as the SDK's exception, raised by the app's own connector client."""
    clients: ConnectorClients = create_adapter(make_settings(tmp_path / "unused.db")).connectors
    mock = await ThrottlingConnector(tenant_rate=None).start()
    seen: list[ErrorResponseException] = []
    try:
        operations = (await clients.client(mock.url)).conversations
        for index, (status, code) in enumerate(ANSWERS):
            conversation = f"c-{index}"
            mock.permanent[conversation] = (status, code)
            incoming = Activity().deserialize(A.message(mock.url, 1, "hi"))
            with pytest.raises(ErrorResponseException) as caught:
                await operations.send_to_conversation(conversation, incoming)
            seen.append(caught.value)
    finally:
        await mock.stop()
        await clients.close()
    return seen


class Recorder:
    """Stands in for the storage side of a sender: records which outcome it was told to store."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        async def record(*_args: Any, **_kwargs: Any) -> None:
            self.calls.append(name)

        return record


class Raising:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def send(self, *_args: Any) -> str:
        raise self.error


def _outbox_job() -> OutboxJob:
    return OutboxJob(
        id="o-1",
        kind=OutboxKind.PULSE,
        subject_id="r-1",
        user_id="29:user-1",
        attempts=1,
        personal_reference=None,
        locale=None,
        tenant_id="tenant-1",
        service_url=None,
    )


def _channel_job() -> ChannelJob:
    reference = {"conversation": {"id": "19:c"}, "serviceUrl": "http://127.0.0.1:9/"}
    return ChannelJob(
        id="p-1",
        round_id="r-1",
        conversation_id="19:c",
        reference=json.dumps(reference),
        attempts=1,
    )


async def test_every_sender_does_what_the_verdict_says(tmp_path: Path) -> None:
    for index, error in enumerate(await raised(tmp_path)):
        assert (http_status(error), error_code(error)) == ANSWERS[index]
        await _each_sender_follows(error, classify(http_status(error), error_code(error)))


async def _each_sender_follows(error: ErrorResponseException, verdict: Verdict) -> None:
    # The outbox worker: a row is blocked, retried or failed.
    rows = Recorder()
    worker = OutboxWorker(rows, Recorder(), None, None, None, WorkerConfig())  # type: ignore[arg-type]
    settle = await worker._classify_http_error(_outbox_job(), 1, error)
    await settle()
    expected = {Verdict.BLOCKED: "mark_blocked", Verdict.THROTTLED: "mark_retry"}
    expected[Verdict.RETRY] = "mark_retry"
    assert rows.calls == [expected.get(verdict, "mark_failed")]

    # The channel poster: a post is retried or failed.
    posts = Recorder()

    async def render(_job: ChannelJob) -> Activity:
        return Activity(type="message", text="x")

    poster = ChannelPoster(posts, Raising(error), render, 1.0, timedelta(minutes=5))  # type: ignore[arg-type]
    await poster.deliver(_channel_job())
    assert posts.calls == ["mark_retry" if verdict.retried else "mark_failed"]

    # The status card: stopped when the chat or card is gone, else tried on the next pass.
    class Watches(Recorder):
        async def watches(self) -> list[Any]:
            return [SimpleNamespace(id="w-1")]

    deliveries = Watches()
    reporter = DeliveryStatusReporter(deliveries, Raising(error), None)  # type: ignore[arg-type]

    async def update(_watch: Any) -> None:
        raise error

    reporter._update = update  # type: ignore[method-assign]
    await reporter.tick()
    assert deliveries.calls == (["finish"] if verdict.gone else [])
