"""A summary card reads a unit's history through selective indexes, never by walking every unit's
rounds, on SQLite with the statistics the app gathers at every close.

Years of rounds make any statement that walks `pulse_rounds` or the answer tables slow on every
card. Two such faults were found by bench.summaries: the handlingsplan's follow-up read scanned
all 400,000 rounds (370 ms a card, until `ix_pulse_rounds_follow_up`), and without statistics
SQLite took the index on `state` for selective, so the card's reads over closed rounds went
through every closed round of every unit (100–200 ms a card, until the close ran `ANALYZE`,
storage/db/file_rewrite.py).

SQLite chooses a plan from the schema, the statement and `sqlite_stat1`: with the statistics of
ten years of history written in, a small file is planned like the large one. So this builds a
small history with every kind of row a card reads (each close gathers the statistics, as in
production), puts the ten-year statistics in their place, captures the statements the cards run
and asks SQLite how it would run each.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db.engine import SessionFactory
from storage.db.file_rewrite import NOT_ANALYSED, rewrite_due
from storage.results.summaries import Summaries
from storage.rounds.period_versions import period_of
from tests.support.pulse_fixtures import team_with_members
from tests.test_summaries import BANK, CLOSES, Clock, department, run_round

pytestmark = pytest.mark.sqlite_only

# Tables that grow with every round of every unit: a card may search them, never walk them.
HISTORY = (
    "pulse_rounds",
    "round_responses",
    "answer_counts",
    "anonymous_comments",
    "agreed_actions",
    "period_figures",
    "period_decisions",
    "prompt_rounds",
    "channel_posts",
)
# Columns that narrow nothing: most rounds are closed.
UNSELECTIVE = {"state"}

# What storage.db.file_rewrite.analyse wrote for bench.summaries' file (1,600 teams, 250 rounds
# each, 10 million answer counts), plus a figure for the follow-up index that file lacked (one
# round in 28 asking about an action, each about its own).
TEN_YEARS = [
    ("agreed_actions", "ix_agreed_actions_unit_id", "14400 9"),
    ("agreed_actions", "sqlite_autoindex_agreed_actions_1", "14400 1"),
    ("anonymous_comments", "anonymous_comments", "119768 1 1"),
    ("answer_counts", "answer_counts", "10000000 25 5 1"),
    ("baselines", "sqlite_autoindex_baselines_1", "7076 4 1"),
    ("period_decisions", "sqlite_autoindex_period_decisions_1", "115 1 1 1"),
    ("period_figures", "sqlite_autoindex_period_figures_1", "201903 1756 1756 1756 1"),
    ("pulse_rounds", "ix_pulse_rounds_follow_up", "14400 1"),
    ("pulse_rounds", "ix_pulse_rounds_pending", "574 115"),
    ("pulse_rounds", "ix_pulse_rounds_period", "400000 115 115 115 1 1 1 1"),
    ("pulse_rounds", "ix_pulse_rounds_state", "400000 200000"),
    ("pulse_rounds", "ix_pulse_rounds_unit_closes", "400000 250 1"),
    ("pulse_rounds", "ix_pulse_rounds_unit_id", "400000 250"),
    ("pulse_rounds", "sqlite_autoindex_pulse_rounds_1", "400000 1"),
    ("pulse_rounds", "sqlite_autoindex_pulse_rounds_2", "400000 250 1"),
    ("role_assignments", "sqlite_autoindex_role_assignments_1", "1769 1 1 1"),
    ("round_responses", "round_responses", "400000 1"),
    ("units", "sqlite_autoindex_units_1", "1769 1"),
    ("units", "sqlite_autoindex_units_2", "1769 2"),
]


def walks(plan: list[str]) -> list[str]:
    """The plan lines that read a history table whole: "SCAN t" (walking a whole index is as
    slow), or a SEARCH whose only constraint is an unselective column."""
    found = []
    for line in plan:
        words = line.split()
        if len(words) < 2 or words[1] not in HISTORY:
            continue
        if words[0] == "SCAN":
            found.append(line)
        elif words[0] == "SEARCH":
            constraint = re.search(r"\(([^)]*)\)\s*(LEFT-JOIN)?$", line)
            columns = (
                set(re.findall(r"(\w+)\s*(?:=|<|>|IN)", constraint[1])) if constraint else set()
            )
            if columns <= UNSELECTIVE:
                found.append(line)
    return found


def test_walks_sees_a_scan_and_a_search_by_state_and_passes_a_selective_search() -> None:
    assert walks(["SCAN pulse_rounds USING INDEX ix_pulse_rounds_period"])
    assert walks(["SCAN answer_counts"])
    assert walks(["SEARCH pulse_rounds USING INDEX ix_pulse_rounds_state (state=?)"])
    assert not walks(["SEARCH pulse_rounds USING INDEX ix_pulse_rounds_unit_closes (unit_id=?)"])
    assert not walks(["SEARCH round_responses USING PRIMARY KEY (round_id=?) LEFT-JOIN"])
    assert not walks(["SCAN anon_1", "SCAN CONSTANT ROW", "SCAN units"])


async def captured(
    engine: AsyncEngine, cards: list[Callable[[], Awaitable[Any]]]
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.setdefault(statement, parameters)

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        for card in cards:
            await card()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    return seen


def statistics(path: Path) -> dict[str, set[str]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT tbl, idx FROM sqlite_stat1").fetchall()
    tables: dict[str, set[str]] = {}
    for table, index in rows:
        tables.setdefault(table, set()).add(index)
    return tables


def plans_with(
    path: Path, stats: list[tuple[str, str, str]], statements: dict[str, Any]
) -> dict[str, list[str]]:
    """Each statement's plan on a new connection to the file, after writing `stats` in (a new
    connection reads them when it loads the schema)."""
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM sqlite_stat1")
        connection.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", stats)
    connection = sqlite3.connect(path)
    try:
        return {
            " ".join(statement.split())[:240]: [
                str(row[3])
                for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            ]
            for statement, parameters in statements.items()
        }
    finally:
        connection.close()


async def test_every_statement_of_a_summary_card_searches_the_history(
    session_factory: SessionFactory, db_path: Path
) -> None:
    a = await team_with_members(session_factory, "19:plan-a", range(1, 8), name="Team A")
    b = await team_with_members(session_factory, "19:plan-b", range(10, 17), name="Team B")
    dept = await department(session_factory, a, b)
    first = await run_round(session_factory, a, [3] * 6)
    await run_round(session_factory, b, [4] * 6)
    summaries = Summaries(session_factory, BANK, 5, Clock(CLOSES + timedelta(days=40)))
    await summaries.record_action(a, first, "Fast tavlemøde hver mandag", {a})
    await run_round(session_factory, a, [4] * 6)  # the round that asks about the action
    period = period_of(CLOSES)
    assert await summaries.settle(period)
    # Each close rewrote the files and gathered the statistics; nothing is left to do.
    assert await rewrite_due(session_factory) == 0
    gathered = statistics(db_path)
    assert {"pulse_rounds", "answer_counts", "round_responses"} <= set(gathered)
    assert not set(gathered) & NOT_ANALYSED
    engine = session_factory.kw["bind"]
    assert isinstance(engine, AsyncEngine)

    async def team_card() -> None:
        latest = await summaries.latest_closed_round({a})
        assert latest is not None
        summary = await summaries.round_summary(latest, {a})
        assert summary.actions  # the handlingsplan is read, its follow-up included
        await summaries.choices({a})

    async def older_round() -> None:
        await summaries.round_summary(first, {a})

    async def month_card() -> None:
        await summaries.period_summary(dept, period, {dept, a, b})
        await summaries.choices({dept, a, b})

    statements = await captured(engine, [team_card, older_round, month_card])
    assert any("follow_up_action_id IN" in statement for statement in statements)
    assert len(statements) >= 8, list(statements)
    plans = plans_with(db_path, TEN_YEARS, statements)
    walked = {statement: found for statement, plan in plans.items() if (found := walks(plan))}
    assert not walked, walked
    # Without statistics (a file no round has closed in yet) the same statements do walk: the
    # reason the close gathers them.
    bare = plans_with(db_path, [], statements)
    assert any(walks(plan) for plan in bare.values())
