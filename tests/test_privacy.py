"""Rule 7: what the bot holds about a person is reported truthfully, and shrinks at close."""

from __future__ import annotations

from storage.answers.pulse import submit_answer
from storage.db.engine import SessionFactory
from storage.directory.roles import Roles
from storage.privacy.rights import Privacy
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import NOW, full_answer, open_round, team_with_members


async def test_personal_data_before_and_after_close(session_factory: SessionFactory) -> None:
    unit = await team_with_members(session_factory, "19:p", range(1, 6), name="Team P")
    await Roles(session_factory, []).assign_leader(unit, "aad-0002")
    pulse = await open_round(session_factory, unit)
    privacy = Privacy(session_factory, TEST_SECRET)

    before = await privacy.personal_data("29:user-1")
    assert before.known and before.name == "Person 1" and before.units == ["Team P"]
    assert (before.open_rounds, before.open_rounds_answered) == (1, 0)
    assert before.queued_messages == 1  # the pulse invitation waiting in the outbox

    await submit_answer(
        session_factory,
        default_bank(),
        TEST_SECRET,
        pulse.id,
        "29:user-1",
        full_answer(pulse),
        "hej",
        NOW,
    )
    assert (await privacy.personal_data("29:user-1")).open_rounds_answered == 1
    assert (await privacy.personal_data("29:user-2")).led_units == ["Team P"]

    await Rounds(session_factory, default_bank(), TEST_SECRET).close(pulse.id)
    after = await privacy.personal_data("29:user-1")
    assert (after.open_rounds, after.open_rounds_answered) == (0, 0)
    assert not (await privacy.personal_data("29:nobody")).known
