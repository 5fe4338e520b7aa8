"""SqlStorage against Microsoft's Storage conformance tests, plus replicas, races and restarts."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from botbuilder.core import ConversationState, StoreItem, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import (
    DialogSet,
    DialogState,
    DialogTurnStatus,
    TextPrompt,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.prompts import PromptOptions
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from botbuilder.testing import StorageBaseTests
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.teams.state_storage import SqlStorage, StateConflictError
from storage.db.engine import SessionFactory, create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.db.state_documents import (
    MAX_KEY_LENGTH,
    DocumentWrite,
    EtagConflict,
    read_many,
    write_many,
)

# Every static check botbuilder-testing 4.17.1 ships. If an upgrade adds or removes one, the count
# test below fails so that someone looks at what the new check expects.
BASE_TEST_NAMES = sorted(
    name for name, member in vars(StorageBaseTests).items() if isinstance(member, staticmethod)
)
EXPECTED_BASE_TEST_COUNT = 11


class Database:
    """One replica's view of a database: its own engine, session factory and SqlStorage."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = create_engine(url)
        self.factory: SessionFactory = create_session_factory(self.engine)
        self.storage = SqlStorage(self.factory)

    @classmethod
    async def open(cls, url: str) -> Database:
        database = cls(url)
        await upgrade(database.engine)
        return database

    async def close(self) -> None:
        await self.engine.dispose()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """On SQLite and on PostgreSQL (conftest's database_url is parametrized over both)."""
    database = await Database.open(database_url)
    yield database
    await database.close()


@pytest.fixture
async def storage(database: Database) -> SqlStorage:
    return database.storage


# --- botbuilder-testing's conformance suite ------------------------------------------------------


def test_every_storage_base_test_is_enumerated() -> None:
    assert len(BASE_TEST_NAMES) == EXPECTED_BASE_TEST_COUNT, BASE_TEST_NAMES
    for name in BASE_TEST_NAMES:
        assert inspect.iscoroutinefunction(getattr(StorageBaseTests, name)), name
    assert {"update_object", "proceeds_through_waterfall", "handle_crazy_keys"} <= set(
        BASE_TEST_NAMES
    )


@pytest.mark.parametrize("name", BASE_TEST_NAMES)
async def test_storage_base_tests(storage: SqlStorage, name: str) -> None:
    check: Callable[[SqlStorage], Awaitable[bool]] = getattr(StorageBaseTests, name)
    assert await check(storage) is True


# --- contract details the base tests leave out ---------------------------------------------------


async def test_read_of_missing_keys_omits_them_and_empty_key_list_reads_nothing(
    storage: SqlStorage,
) -> None:
    await storage.write({"present": {"n": 1}})
    assert set(await storage.read(["present", "absent"])) == {"present"}
    assert await storage.read([]) == {}


async def test_write_returns_the_new_etag_to_the_callers_items(storage: SqlStorage) -> None:
    plain = {"n": 1}
    item = StoreItem(n=2, e_tag="*")
    await storage.write({"plain": plain, "item": item})

    stored = await storage.read(["plain", "item"])
    assert plain["e_tag"] == stored["plain"]["e_tag"]
    assert item.e_tag == stored["item"].e_tag
    assert isinstance(stored["item"], StoreItem) and stored["item"].n == 2

    # ...so a second write of the same objects is a conditional write that wins.
    plain["n"] = 3
    await storage.write({"plain": plain})
    assert (await storage.read(["plain"]))["plain"]["n"] == 3


async def test_stale_etag_is_refused_like_memory_storage_and_writes_nothing(
    storage: SqlStorage,
) -> None:
    await storage.write({"a": {"n": 1}, "b": {"n": 1}})
    first = await storage.read(["a", "b"])
    second = await storage.read(["a", "b"])
    second["a"]["n"] = 2
    await storage.write({"a": second["a"]})

    first["a"]["n"] = 99
    first["b"]["n"] = 99
    with pytest.raises(KeyError) as raised:  # MemoryStorage raises KeyError on a conflict
        await storage.write({"a": first["a"], "b": first["b"]})
    assert isinstance(raised.value, StateConflictError)
    assert isinstance(raised.value, EtagConflict) and raised.value.key == "a"

    after = await storage.read(["a", "b"])
    assert after["a"]["n"] == 2
    assert after["b"]["n"] == 1, "the batch is one transaction: b must not be written either"
    assert after["b"]["e_tag"] == first["b"]["e_tag"]


async def test_conditional_write_to_missing_key_creates_it_as_memory_storage_does(
    storage: SqlStorage,
) -> None:
    await storage.write({"gone": {"n": 1}})
    stale = (await storage.read(["gone"]))["gone"]
    await storage.delete(["gone"])
    stale["n"] = 2
    await storage.write({"gone": stale})
    assert (await storage.read(["gone"]))["gone"]["n"] == 2


async def test_none_arguments_and_empty_etag_are_refused(storage: SqlStorage) -> None:
    with pytest.raises(ValueError, match="Keys are required when reading"):
        await storage.read(None)
    with pytest.raises(ValueError, match="Changes are required when writing"):
        await storage.write(None)
    with pytest.raises(ValueError):
        await storage.delete(None)
    with pytest.raises(ValueError, match="etag missing"):
        await storage.write({"k": {"e_tag": ""}})
    assert await storage.read(["k"]) == {}


async def test_conflict_message_names_no_key_so_logs_hold_no_conversation_id(
    storage: SqlStorage,
) -> None:
    key = "msteams/conversations/a:someones-personal-chat"
    await storage.write({key: {"n": 1}})
    with pytest.raises(StateConflictError) as raised:
        await storage.write({key: {"n": 2, "e_tag": "not-the-current-etag"}})
    assert raised.value.key == key
    assert "someones-personal-chat" not in str(raised.value)
    assert "someones-personal-chat" not in repr(raised.value)


@pytest.mark.parametrize(
    "key",
    [
        "msteams/conversations/a:1Xyz_-;messageid=1234567890123",
        "msteams/users/29:1AbC-dEf",
        "æøå ÆØÅ/ümlaut/日本語/emoji-🙂",
        "quote'\"; DROP TABLE state_documents; --",
        "percent%_underscore\\backslash",
        "x" * MAX_KEY_LENGTH,
    ],
)
async def test_keys_round_trip(storage: SqlStorage, key: str) -> None:
    await storage.write({key: {"v": key}})
    assert (await storage.read([key]))[key]["v"] == key
    await storage.delete([key])
    assert await storage.read([key]) == {}


async def test_key_longer_than_the_column_is_refused(storage: SqlStorage) -> None:
    with pytest.raises(ValueError, match=str(MAX_KEY_LENGTH)):
        await storage.write({"x" * (MAX_KEY_LENGTH + 1): {"v": 1}})


async def test_state_saved_twice_in_one_turn_does_not_conflict_with_itself(
    storage: SqlStorage,
) -> None:
    state = ConversationState(storage)
    counter = state.create_property("counter")

    async def turn(context: TurnContext) -> None:
        value = (await counter.get(context)) or 0  # get() ignores a falsy default
        await counter.set(context, value + 1)
        await state.save_changes(context)
        await counter.set(context, value + 2)
        await state.save_changes(context)
        await context.send_activity(str(value + 2))

    adapter = TestAdapter(turn)
    step = await adapter.send("one")
    step = await step.assert_reply("2")
    step = await step.send("two")
    await step.assert_reply("4")


# --- replicas, races and restarts ----------------------------------------------------------------


async def test_two_replicas_see_each_others_writes_and_refuse_stale_etags(
    database: Database, database_url: str
) -> None:
    other = await Database.open(database_url)
    try:
        a, b = database.storage, other.storage
        await a.write({"shared": {"n": 1}})
        seen_by_b = (await b.read(["shared"]))["shared"]
        assert seen_by_b["n"] == 1

        seen_by_a = (await a.read(["shared"]))["shared"]
        assert seen_by_a["e_tag"] == seen_by_b["e_tag"]

        seen_by_b["n"] = 2
        await b.write({"shared": seen_by_b})
        assert (await a.read(["shared"]))["shared"]["n"] == 2

        seen_by_a["n"] = 3  # A still holds the version B has replaced
        with pytest.raises(StateConflictError):
            await a.write({"shared": seen_by_a})
        assert (await b.read(["shared"]))["shared"]["n"] == 2

        await b.delete(["shared"])
        assert await a.read(["shared"]) == {}
    finally:
        await other.close()


async def test_exactly_one_of_many_concurrent_conditional_writers_wins(
    database: Database, database_url: str
) -> None:
    other = await Database.open(database_url)
    try:
        await database.storage.write({"race": {"winner": None}})
        etag = (await database.storage.read(["race"]))["race"]["e_tag"]
        factories = [database.factory, other.factory]

        async def attempt(i: int) -> bool:
            item = DocumentWrite("race", f'{{"winner":{i}}}', etag)
            try:
                await write_many(factories[i % 2], [item])
            except EtagConflict:
                return False
            return True

        results = await asyncio.gather(*(attempt(i) for i in range(20)))
        assert results.count(True) == 1
        winner = results.index(True)
        assert (await database.storage.read(["race"]))["race"]["winner"] == winner
    finally:
        await other.close()


async def test_concurrent_creators_of_a_missing_key_get_one_winner(
    database: Database, database_url: str
) -> None:
    other = await Database.open(database_url)
    try:
        factories = [database.factory, other.factory]

        async def attempt(i: int) -> bool:
            item = DocumentWrite("fresh", f'{{"winner":{i}}}', "etag-from-a-deleted-version")
            try:
                await write_many(factories[i % 2], [item])
            except EtagConflict:
                return False
            return True

        results = await asyncio.gather(*(attempt(i) for i in range(20)))
        assert results.count(True) == 1
        stored = await read_many(other.factory, ["fresh"])
        assert stored["fresh"].document == f'{{"winner":{results.index(True)}}}'
    finally:
        await other.close()


async def test_state_survives_a_restart(database_url: str) -> None:
    first = await Database.open(database_url)
    await first.storage.write({"plain": {"n": 1}, "item": StoreItem(name="kept", e_tag="*")})
    before = await first.storage.read(["plain", "item"])
    await first.close()

    second = await Database.open(database_url)  # a new process: new engine, migrations are a no-op
    try:
        after = await second.storage.read(["plain", "item"])
        assert after["plain"] == before["plain"]
        assert isinstance(after["item"], StoreItem)
        assert after["item"].name == "kept"
        assert after["item"].e_tag == before["item"].e_tag
    finally:
        await second.close()


def _name_dialogs(state: ConversationState) -> DialogSet:
    dialogs = DialogSet(state.create_property("dialogState"))

    async def ask_name(step: WaterfallStepContext) -> DialogTurnStatus:
        return await step.prompt(
            TextPrompt.__name__, PromptOptions(prompt=Activity(type="message", text="Name?"))
        )

    async def ask_place(step: WaterfallStepContext) -> DialogTurnStatus:
        step.values["name"] = step.result
        return await step.prompt(
            TextPrompt.__name__, PromptOptions(prompt=Activity(type="message", text="Place?"))
        )

    async def finish(step: WaterfallStepContext) -> DialogTurnStatus:
        await step.context.send_activity(f"{step.values['name']} from {step.result}")
        return await step.end_dialog()

    dialogs.add(TextPrompt(TextPrompt.__name__))
    dialogs.add(WaterfallDialog("profile", [ask_name, ask_place, finish]))
    return dialogs


# TestAdapter's default channel id is an enum that Python 3.11 renders as "Channels.test" in the
# state key; a plain Teams-like template gives the key a real bot would use.
TEAMS_PERSONAL_CHAT = Activity(
    channel_id="msteams",
    service_url="https://smba.trafficmanager.net/emea/",
    from_property=ChannelAccount(id="29:employee", name="Employee"),
    recipient=ChannelAccount(id="28:trivselsbot", name="Trivselsbot"),
    conversation=ConversationAccount(id="a:personal-chat", conversation_type="personal"),
)
PERSONAL_CHAT_STATE_KEY = "msteams/conversations/a:personal-chat"


def _adapter(storage: SqlStorage) -> TestAdapter:
    state = ConversationState(storage)
    dialogs = _name_dialogs(state)

    async def turn(context: TurnContext) -> None:
        dialog_context = await dialogs.create_context(context)
        result = await dialog_context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await dialog_context.begin_dialog("profile")
        await state.save_changes(context)

    return TestAdapter(turn, TEAMS_PERSONAL_CHAT)


async def test_a_dialog_in_progress_survives_a_restart(database_url: str) -> None:
    first = await Database.open(database_url)
    step = await _adapter(first.storage).send("hi")
    step = await step.assert_reply("Name?")
    step = await step.send("Mette")
    await step.assert_reply("Place?")
    saved = await first.storage.read([PERSONAL_CHAT_STATE_KEY])
    assert isinstance(saved[PERSONAL_CHAT_STATE_KEY]["dialogState"], DialogState)
    await first.close()

    second = await Database.open(database_url)
    try:
        step = await _adapter(second.storage).send("Aarhus")
        await step.assert_reply("Mette from Aarhus")
    finally:
        await second.close()
