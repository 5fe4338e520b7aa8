"""HR's question bank in the database: seeding, import and export, states, and what they refuse."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storage.db.engine import SessionFactory, create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.question_bank import ItemState, ItemUse, default_bank, load_bank
from storage.questions.file_format import InvalidBank, dump_bank, parse_bank
from storage.questions.store import QuestionBankStore, shipped_items
from storage.rounds.lifecycle import Rounds
from storage.tables.bank import QuestionItem
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import team_with_members

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NEW_ITEM = """\
version: 1
items:
  - id: tk9
    use: rotation
    state: draft
    dimension: trust_colleagues
    scale: agreement
    higher_is_better: true
    text:
      da: "Vi siger tak til hinanden for hjælpen."
"""


async def _count(factory: SessionFactory) -> int:
    async with factory() as session:
        return int(await session.scalar(select(func.count()).select_from(QuestionItem)) or 0)


async def test_seeding_adds_new_ids_once_and_never_touches_what_hr_changed(
    session_factory: SessionFactory,
) -> None:
    live = load_bank()
    store = QuestionBankStore(session_factory, live)
    shipped = shipped_items()
    assert await store.seed() == len(shipped)
    assert await store.seed() == 0
    assert live == default_bank()  # the database holds what we ship
    await store.set_state("tk1", ItemState.RETIRED)
    assert "tk1" not in [item.id for item in live.items]  # the live bank follows at once
    assert live.item("tk1").state is ItemState.RETIRED  # still readable (old rounds)
    assert await store.seed() == 0
    assert (await store.get("tk1")).state is ItemState.RETIRED
    # A later release ships a new item: only that one goes in.
    extra = shipped[0].model_copy(update={"id": "tk_new"})
    assert await store.seed([*shipped, extra]) == 1
    assert await _count(session_factory) == len(shipped) + 1


async def test_replicas_seeding_at_once_leave_one_copy(database_url: str) -> None:
    """Four replicas (four engines, four pools) start at the same moment on one database."""
    engines = [create_engine(database_url) for _ in range(4)]
    try:
        await upgrade(engines[0])  # PostgreSQL's copy is migrated already; SQLite's file is new
        stores = [QuestionBankStore(create_session_factory(engine)) for engine in engines]
        added = await asyncio.gather(*(store.seed() for store in stores))
        assert sum(added) == len(shipped_items())
        factory = create_session_factory(engines[0])
        assert await _count(factory) == len(shipped_items())
        async with factory() as session:
            ids = list((await session.execute(select(QuestionItem.id))).scalars())
        assert sorted(ids) == sorted(item.id for item in shipped_items())
    finally:
        for engine in engines:
            await engine.dispose()


async def test_export_import_export_is_byte_identical(session_factory: SessionFactory) -> None:
    store = QuestionBankStore(session_factory)
    await store.seed()
    await store.import_yaml(NEW_ITEM, "new.yaml")
    first = await store.export()
    result = await store.import_yaml(first, "bank.yaml")
    assert (
        result.created == 0 and result.updated == 0 and result.unchanged == len(shipped_items()) + 1
    )
    second = await store.export()
    assert second.encode() == first.encode()
    assert "tk9" in first and "No English text (English readers see the Danish): tk9" in first


async def test_import_warns_about_items_without_english_and_the_bot_falls_back(
    session_factory: SessionFactory,
) -> None:
    live = load_bank()
    store = QuestionBankStore(session_factory, live)
    await store.seed()
    result = await store.import_yaml(NEW_ITEM.replace("draft", "active"))
    assert result.created == 1 and result.without_english == ["tk9"]
    item = live.item("tk9")
    assert item in live.items  # active: in the rotation
    assert item.text.get("en") == item.text.get("da") == "Vi siger tak til hinanden for hjælpen."


def _issues(text: str, **kw: object) -> list[str]:
    existing = {item.id: item for item in shipped_items()}
    with pytest.raises(InvalidBank) as refused:
        parse_bank(text, existing, kw.get("asked", set()), "bank.yaml")  # type: ignore[arg-type]
    return [issue.describe() for issue in refused.value.issues]


def test_every_bad_file_is_refused_naming_file_line_item_and_field() -> None:
    assert _issues("items: [\n") == [
        "bank.yaml:2: (document): not valid YAML: expected the node content, but found '<stream end>'"
    ]
    assert _issues(NEW_ITEM.replace("trust_colleagues", "trust_everyone")) == [
        "bank.yaml:6, item tk9, entry 1: dimension: unknown dimension 'trust_everyone'; known: "
        "trust_colleagues, trust_management, justice, cooperation, wellbeing, workload, follow_up"
    ]
    assert _issues(
        NEW_ITEM.replace('      da: "Vi siger tak til hinanden for hjælpen."\n', '      en: "x"\n')
    ) == ["bank.yaml:9, item tk9, entry 1: text.da: Field required"]
    assert _issues(NEW_ITEM.replace("scale: agreement", "scale: stars")) == [
        "bank.yaml:7, item tk9, entry 1: scale: unknown scale 'stars'; known: agreement, "
        "frequency, degree"
    ]
    twice = NEW_ITEM + NEW_ITEM.split("items:\n", 1)[1]
    assert _issues(twice) == [
        "bank.yaml:11, item tk9, entry 2: id: duplicate id 'tk9' (also entry 1)"
    ]
    short = NEW_ITEM.replace("use: rotation", "use: short_form")
    assert _issues(short) == [
        "bank.yaml:7, item tk9, entry 1: scale: a short-form item uses the degree scale"
    ]
    assert _issues("version: 2\nitems: []\n") == ["bank.yaml:1: version: this is version 1"]


def test_an_asked_item_keeps_its_meaning_but_may_gain_english() -> None:
    tk1 = next(item for item in shipped_items() if item.id == "tk1")
    reworded = dump_bank(
        [tk1.model_copy(update={"text": tk1.text.model_copy(update={"da": "Ny tekst."})})]
    )
    (issue,) = _issues(reworded, asked={"tk1"})
    assert issue.startswith("bank.yaml:16, item tk1, entry 1: text.da: this item has been asked")
    english = dump_bank(
        [tk1.model_copy(update={"text": tk1.text.model_copy(update={"en": "New."})})]
    )
    existing = {item.id: item for item in shipped_items()}
    (item,) = parse_bank(english, existing, {"tk1"})
    assert item.text.en == "New."


def test_one_active_short_form_item_per_dimension_and_one_follow_up() -> None:
    kf = next(item for item in shipped_items() if item.id == "kf_tl")
    second = dump_bank([kf.model_copy(update={"id": "kf_tl2"})])
    (issue,) = _issues(second)
    assert "item kf_tl2" in issue and "kf_tl is the active short-form item already" in issue
    # HR's own wording for the same item: the new one active, ours retired, in one file.
    ours = kf.model_copy(update={"state": ItemState.RETIRED})
    theirs = kf.model_copy(update={"id": "kf_tl2", "text": kf.text.model_copy(update={"da": "X?"})})
    existing = {item.id: item for item in shipped_items()}
    assert len(parse_bank(dump_bank([ours, theirs]), existing, {"kf_tl"})) == 2


def test_retiring_the_whole_rotation_is_refused() -> None:
    retired = [
        item.model_copy(update={"state": ItemState.RETIRED})
        for item in shipped_items()
        if item.use is ItemUse.ROTATION
    ]
    issues = _issues(dump_bank(retired))
    assert issues == [
        "bank.yaml: state: the default rotation needs active rotation items in at least 3 of the "
        "social capital dimensions and the general ones"
    ]


async def test_a_retired_item_still_names_its_question_in_old_rounds(
    session_factory: SessionFactory,
) -> None:
    live = load_bank()
    store = QuestionBankStore(session_factory, live)
    await store.seed()
    unit_id = await team_with_members(session_factory, "19:bank@thread.tacv2", range(1, 6))
    rounds = Rounds(session_factory, live, TEST_SECRET)
    asked = await rounds.create(unit_id, NOW, NOW + timedelta(days=7), None, "test")
    await store.set_state(asked.items[0], ItemState.RETIRED)
    assert live.item(asked.items[0]).text.da  # the old round's card and summary still read it
    with pytest.raises(InvalidBank):  # and its wording can no longer change
        text = (await store.export()).replace(live.item(asked.items[0]).text.da, "Noget andet.")
        await store.import_yaml(text)


def test_aliases_and_deep_nesting_are_refused_with_their_line() -> None:
    """The bank file goes through the one safe loader (storage/files/safe_yaml.py) as every importer."""
    laughs = "version: 1\nitems:\n  - &a {id: tk9}\n  - *a\n"
    (issue,) = _issues(laughs)
    assert issue.startswith("bank.yaml:3: (document): refused: anchors and aliases")
    deep = "version: 1\nitems: " + "[" * 60 + "]" * 60 + "\n"
    (issue,) = _issues(deep)
    assert "refused: nested more than 50 levels deep" in issue
