"""Templates: a pulse asks the rotation, a fixed set or the short form, per unit or publication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from storage.db.engine import SessionFactory
from storage.errors import InvalidTemplate, UnitNotFound
from storage.prompts.orders import PublicationIn
from storage.prompts.publisher import Publisher
from storage.question_bank import ItemState, default_template, load_bank
from storage.questions.store import QuestionBankStore
from storage.questions.templates import TemplateIn, TemplateKind, TemplateRefused, Templates
from storage.rounds.lifecycle import Rounds
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import team_with_members
from tests.test_question_bank_store import NEW_ITEM

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday morning, working hours
SHORT = TemplateIn(kind=TemplateKind.SHORT_FORM)
SHORT_FORM_ITEMS = ["kf_tk", "kf_tl", "kf_rf", "kf_sa"]  # in SOCIAL_CAPITAL's order
FIXED = TemplateIn(kind=TemplateKind.FIXED, items=["tk2", "rf3", "tr1"])


async def _world(factory: SessionFactory) -> tuple[str, Rounds, Templates, QuestionBankStore]:
    bank = load_bank()
    store = QuestionBankStore(factory, bank)
    await store.seed()
    unit = await team_with_members(factory, "19:templates@thread.tacv2", range(1, 6))
    return unit, Rounds(factory, bank, TEST_SECRET), Templates(factory, bank), store


async def _next(rounds: Rounds, unit: str, at: datetime) -> list[str]:
    created = await rounds.create(unit, at, at + timedelta(days=7), None, "test")
    return created.items


async def test_a_unit_asks_the_rotation_until_hr_picks_another_template(
    session_factory: SessionFactory,
) -> None:
    unit, rounds, templates, _ = await _world(session_factory)
    assert (await templates.for_unit(unit)).template.kind is TemplateKind.ROTATION
    assert await _next(rounds, unit, NOW) == default_template(rounds.bank, 0)
    await templates.set_for_unit(unit, SHORT)
    assert await _next(rounds, unit, NOW + timedelta(days=14)) == SHORT_FORM_ITEMS
    await templates.set_for_unit(unit, FIXED)
    assert await _next(rounds, unit, NOW + timedelta(days=28)) == ["tk2", "rf3", "tr1"]
    assert [view.unit_id for view in await templates.chosen()] == [unit]
    await templates.set_for_unit(unit, TemplateIn())  # back to the rotation: no row kept
    assert await templates.chosen() == []
    assert await _next(rounds, unit, NOW + timedelta(days=42)) == default_template(rounds.bank, 3)


async def test_a_publication_template_wins_over_the_units(
    session_factory: SessionFactory,
) -> None:
    unit, rounds, templates, _ = await _world(session_factory)
    await templates.set_for_unit(unit, FIXED)
    publisher = Publisher(session_factory, rounds, TEST_SECRET, 24)
    order = PublicationIn(content="pulse", units=[unit], template=SHORT)
    result = await publisher.publish(order, NOW)
    (opened,) = result.rounds
    assert (await rounds.get(opened.round_id)).items == SHORT_FORM_ITEMS
    (view,) = await publisher.list_publications(active_only=False)
    assert view.template == SHORT
    with pytest.raises(ValidationError, match="template is only for content 'pulse'"):
        PublicationIn(content="theme", theme="blik_for_borgeren", units=[unit], template=SHORT)


async def test_templates_naming_what_cannot_be_asked_are_refused(
    session_factory: SessionFactory,
) -> None:
    unit, rounds, templates, store = await _world(session_factory)
    with pytest.raises(TemplateRefused, match="no item 'zz9'") as refused:
        await templates.set_for_unit(
            unit, TemplateIn(kind=TemplateKind.FIXED, items=["tk1", "tl1", "zz9"])
        )
    assert refused.value.field == "items.2" and refused.value.reason == "unknown_item"
    await store.set_state("rf3", ItemState.RETIRED)
    with pytest.raises(TemplateRefused, match="'rf3' is not active"):
        await templates.set_for_unit(unit, FIXED)
    with pytest.raises(UnitNotFound):
        await templates.set_for_unit("nope", SHORT)
    with pytest.raises(ValidationError, match="3-5 items"):
        TemplateIn(kind=TemplateKind.FIXED, items=["tk1"])
    with pytest.raises(ValidationError, match="only for a fixed template"):
        TemplateIn(kind=TemplateKind.SHORT_FORM, items=["tk1", "tl1", "rf1"])
    # HR retires our short-form item on justice without activating its own: the short form can
    # no longer be asked, and a unit that had it chosen gets a clear refusal, not three questions.
    await templates.set_for_unit(unit, SHORT)
    await store.set_state("kf_rf", ItemState.RETIRED)
    with pytest.raises(InvalidTemplate, match="short-form item on justice"):
        await _next(rounds, unit, NOW)


async def test_a_replica_behind_the_database_catches_up_when_it_meets_a_new_item(
    session_factory: SessionFactory,
) -> None:
    """Replica A imports an item and sets it in a unit's template; replica B, whose bank has not
    been refreshed yet, makes the unit's next round and renders it without a restart."""
    unit, rounds_a, templates_a, store_a = await _world(session_factory)
    new = NEW_ITEM.replace("state: draft", "state: active")
    await store_a.import_yaml(new)
    await templates_a.set_for_unit(
        unit, TemplateIn(kind=TemplateKind.FIXED, items=["tk9", "rf1", "sa1"])
    )
    bank_b = load_bank()  # replica B: the shipped bank, as at its start
    rounds_b = Rounds(session_factory, bank_b, TEST_SECRET)
    created = await rounds_b.create(unit, NOW, NOW + timedelta(days=7), None, "schedule")
    assert created.items == ["tk9", "rf1", "sa1"]
    assert bank_b.item("tk9").text.da == "Vi siger tak til hinanden for hjælpen."
    bank_c = load_bank()  # replica C only renders the round's card
    assert "tk9" not in [item.id for item in bank_c.all_items()]
    await Rounds(session_factory, bank_c, TEST_SECRET).get(created.id)
    assert bank_c.item("tk9").state is ItemState.ACTIVE
