"""Baselines from the last big survey: CSV import all or nothing, read back per unit."""

from __future__ import annotations

import pytest

from storage.db.engine import SessionFactory
from storage.directory.baselines import Baselines, BaselineScore, InvalidBaselines
from storage.directory.recipients import Directory
from storage.question_bank import default_bank
from tests.support.db_inspection import snapshot

TEAM = "19:team-1@thread.tacv2"


@pytest.fixture
async def units(session_factory: SessionFactory) -> dict[str, str]:
    directory = Directory(session_factory)
    north = await directory.install_team(TEAM, "Hjemmeplejen Nord", "t", "http://s/")
    south = await directory.install_team("19:team-2@thread.tacv2", "Hjemmeplejen Syd", "t", "s")
    return {"north": north.id, "south": south.id}


async def test_import_by_id_teams_id_or_name_and_read_back(
    session_factory: SessionFactory, units: dict[str, str]
) -> None:
    baselines = Baselines(session_factory, default_bank())
    csv = (
        "\ufeffunit;dimension;score;source\n"
        f"{TEAM};Retfærdighed;72,5;APV 2025\n"
        f"{units['north']};trust_colleagues;81;\n"
        "Hjemmeplejen Syd;WELLBEING;64.25;Trivselsmåling 2025\n"
    )
    report = await baselines.import_csv(csv, "apv-2025")
    assert (report.units, report.rows) == (2, 3)
    assert await baselines.baselines_for(units["north"]) == {
        "justice": BaselineScore(72.5, "APV 2025"),
        "trust_colleagues": BaselineScore(81.0, "apv-2025"),
    }
    score, source = (await baselines.baselines_for(units["south"]))["wellbeing"]
    assert (score, source) == (64.25, "Trivselsmåling 2025")
    # A new survey for a unit replaces that unit's baselines; other units keep theirs.
    await baselines.import_csv(
        "unit,dimension,score\nHjemmeplejen Nord,cooperation,70\n", "APV 2026"
    )
    assert await baselines.baselines_for(units["north"]) == {
        "cooperation": BaselineScore(70.0, "APV 2026")
    }
    assert "wellbeing" in await baselines.baselines_for(units["south"])
    assert await baselines.baselines_for("no-such-unit") == {}


GOOD_LINE = "unit,dimension,score\nHjemmeplejen Syd,justice,50\n"  # line 2, fine on its own
BAD = [
    (GOOD_LINE + "Nowhere,justice,50\n", ["line 3", "unit", "Nowhere"]),
    (GOOD_LINE + "Hjemmeplejen Nord,happiness,50\n", ["line 3", "dimension", "happiness"]),
    (GOOD_LINE + "Hjemmeplejen Nord,follow_up,50\n", ["line 3", "dimension"]),
    (GOOD_LINE + "Hjemmeplejen Nord,justice,101\n", ["line 3", "score", "100"]),
    (GOOD_LINE + "Hjemmeplejen Nord,justice,-1\n", ["line 3", "score"]),
    (GOOD_LINE + "Hjemmeplejen Nord,justice,nan\n", ["line 3", "score"]),
    (GOOD_LINE + "Hjemmeplejen Nord,justice,\n", ["line 3", "'score' is missing"]),
    (GOOD_LINE + "\nHjemmeplejen Syd,Retfærdighed,60\n", ["line 4", "also on line 2"]),
    ("unit,dimension\nHjemmeplejen Nord,justice\n", ["line 1", "'score' is missing"]),
    ("unit,dimension,score\n", ["no baselines"]),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
async def test_bad_lines_are_named_and_nothing_is_imported(
    session_factory: SessionFactory,
    units: dict[str, str],
    text: str,
    expected: list[str],
) -> None:
    baselines = Baselines(session_factory, default_bank())
    await baselines.import_csv("unit,dimension,score\nHjemmeplejen Nord,workload,55\n", "old")
    before = await snapshot(session_factory)
    with pytest.raises(InvalidBaselines) as raised:
        await baselines.import_csv(text, "new")
    (problem,) = raised.value.problems
    for fragment in expected:
        assert fragment in problem, problem
    assert await snapshot(session_factory) == before
