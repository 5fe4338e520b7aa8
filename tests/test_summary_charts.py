"""The summary card's charts, built from real rounds: what is drawn, what is said, what never is.

A line per question that has an earlier shown asking, made of that question's own points; a
question without one is said in words and gets no line; a hidden earlier round is no point of any
line, and the card says it was hidden; a hidden round draws no chart at all. The answers are
stacked bars of the very counts the text gives as shares, at most four dimensions a chart. Every
chart carries its figures as text in `fallback`, and the card stays under the size Teams takes.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from dialogs.cards.charts import MAX_STACKED_SERIES, _colours
from dialogs.cards.summary import summary_card
from storage.db.engine import SessionFactory
from storage.question_bank import default_bank
from storage.results.summaries import Summaries
from tests.support.pulse_fixtures import team_with_members
from tests.test_trends import FIRST, MEMBERS, SECOND, START, THIRD, Clock, asked_round

BANK = default_bank()
K = 5
CARD_LIMIT = 28 * 1024  # PLATFORM-NOTES: stay well under Teams' ~100 KB


def elements(node: Any, kind: str) -> list[dict[str, Any]]:
    """Every element of one type in a card, however deep (fallbacks included)."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == kind:
            found.append(node)
        for value in node.values():
            found += elements(value, kind)
    elif isinstance(node, list):
        for value in node:
            found += elements(value, kind)
    return found


def texts(node: Any) -> list[str]:
    return [block["text"] for block in elements(node, "TextBlock")]


async def card_of(factory: SessionFactory, unit: str, round_id: str, language: str = "da") -> Any:
    summaries = Summaries(factory, BANK, K, Clock(START + timedelta(weeks=8)))
    summary = await summaries.round_summary(round_id, {unit})
    return summary_card(summary, BANK, language, K, [])  # type: ignore[arg-type]


async def test_a_line_per_question_from_its_own_askings_and_words_where_there_is_none(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:chart", range(1, 9))
    await asked_round(session_factory, unit, 0, FIRST, [3] * 6, MEMBERS)  # 50
    await asked_round(session_factory, unit, 2, SECOND, [5] * 6, MEMBERS)  # 100
    third = await asked_round(session_factory, unit, 4, THIRD, [4] * 6, MEMBERS)  # 75
    card = await card_of(session_factory, unit, third)
    (line,) = elements(card, "Chart.Line")
    series = {s["legend"]: [(v["x"], v["y"]) for v in s["values"]] for s in line["data"]}
    # tk1, sa1, tr1 against round 1 (closed 4 September); tl2 against round 2 (18 September).
    assert series == {
        "Tillid mellem kolleger": [("2026-09-04", 50), ("2026-10-02", 75)],
        "Tillid mellem medarbejdere og ledelse": [("2026-09-18", 100), ("2026-10-02", 75)],
        "Samarbejde": [("2026-09-04", 50), ("2026-10-02", 75)],
        "Trivsel": [("2026-09-04", 50), ("2026-10-02", 75)],
    }
    # rf3 was never asked before: no line, and the card says so in words.
    assert "Retfærdighed" not in series
    words = texts(card)
    assert any(
        "75 nu · ikke stillet i teamet det seneste år, så der er intet tidligere svar" in text
        for text in words
    )
    assert "75 nu · sidst spurgt 4. september: 50 (+25)" in words
    assert "75 nu · sidst spurgt 18. september: 100 (\u221225)" in words
    # The fallback holds the same points as text.
    fallback = texts(line["fallback"])
    assert "Tillid mellem kolleger: 4. september: 50 → 2. oktober: 75" in fallback


async def test_a_hidden_earlier_round_is_never_drawn_and_is_said_to_be_hidden(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:chart-hidden", range(1, 9))
    await asked_round(session_factory, unit, 0, FIRST, [2] * 6, MEMBERS)  # 25
    await asked_round(session_factory, unit, 2, FIRST, [5] * 3, MEMBERS)  # 3 < k: hidden
    third = await asked_round(session_factory, unit, 4, FIRST, [4] * 6, MEMBERS)
    card = await card_of(session_factory, unit, third, "en")
    (line,) = elements(card, "Chart.Line")
    for series in line["data"]:
        assert [v["x"] for v in series["values"]] == ["2026-09-04", "2026-10-02"]
        assert 100 not in [v["y"] for v in series["values"]]
    dumped = json.dumps(card, ensure_ascii=False)
    assert "2026-09-18" not in dumped and "18 September: " not in dumped
    assert (
        "75 now · last asked 18 September, but fewer than 5 answered then, so that figure is not "
        "shown. The time before, 4 September: 25 (+50)"
    ) in texts(card)


async def test_a_hidden_round_draws_no_chart(session_factory: SessionFactory) -> None:
    unit = await team_with_members(session_factory, "19:chart-none", range(1, 9))
    await asked_round(session_factory, unit, 0, FIRST, [4] * 6, MEMBERS)
    few = await asked_round(session_factory, unit, 2, FIRST, [1] * 4, MEMBERS)
    card = await card_of(session_factory, unit, few)
    dumped = json.dumps(card)
    assert "Chart." not in dumped
    assert not any(text.startswith("Svarene pr. dimension") for text in texts(card))


async def test_only_hidden_earlier_askings_give_no_line_and_say_so(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:chart-only-hidden", range(1, 9))
    await asked_round(session_factory, unit, 0, FIRST, [5] * 4, MEMBERS)  # 4 < k
    second = await asked_round(session_factory, unit, 2, FIRST, [4] * 6, MEMBERS)
    card = await card_of(session_factory, unit, second)
    assert elements(card, "Chart.Line") == []
    assert (
        "75 nu · sidst spurgt 4. september, men da svarede færre end 5, så der er intet tal at "
        "sammenligne med"
    ) in texts(card)


async def test_the_answers_are_stacked_bars_of_the_released_counts(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:chart-stacked", range(1, 9))
    first = await asked_round(session_factory, unit, 0, SECOND, [1, 2, 2, 4, 5, 5, 5], MEMBERS)
    summaries = Summaries(session_factory, BANK, K, Clock(START + timedelta(weeks=8)))
    summary = await summaries.round_summary(first, {unit})
    assert summary.figures is not None
    card = summary_card(summary, BANK, "da", K, [])
    charts = elements(card, "Chart.HorizontalBar.Stacked")
    # Four dimensions on the agreement scale, one on the frequency scale: two charts, each
    # with its own legend, none with more than four data sets (Teams refuses a fifth).
    assert [len(chart["data"]) for chart in charts] == [4, 1]
    five = await asked_round(session_factory, unit, 2, FIRST, [2, 3, 3, 4, 4, 5], MEMBERS)
    five_card = summary_card(await summaries.round_summary(five, {unit}), BANK, "da", K, [])
    # Five on one scale: three and two (never more than four, and not four and a lone one).
    assert [len(c["data"]) for c in elements(five_card, "Chart.HorizontalBar.Stacked")] == [3, 2]
    assert all(len(chart["data"]) <= MAX_STACKED_SERIES for chart in charts)
    drawn = {
        series["title"]: [point["value"] for point in series["data"]]
        for chart in charts
        for series in chart["data"]
    }
    names = {d: BANK.dimensions[d].da for d in BANK.dimensions}
    assert drawn == {names[d.dimension]: d.distribution for d in summary.figures.dimensions}
    assert drawn["Retfærdighed"] == [1, 2, 0, 1, 3]
    legends = [point["legend"] for point in charts[1]["data"][0]["data"]]
    assert legends == ["Aldrig", "Sjældent", "Af og til", "Ofte", "Altid"]
    assert [p["color"] for p in charts[0]["data"][0]["data"]] == [
        "divergingRed",
        "divergingLightRed",
        "divergingGray",
        "divergingLightBlue",
        "divergingBlue",
    ]
    assert (
        "Retfærdighed: Helt uenig 1 · Delvis uenig 2 · Hverken enig eller uenig 0 · "
        in " ".join(texts(charts[0]["fallback"]))
    )
    # Said above the bars too: the renderer does not draw a stacked chart's title.
    assert texts(card).count("Svarene pr. dimension, fra lav til høj (antal svar)") == 1
    # The text figures stay on the card beside the charts (the FactSet with the shares).
    facts = [fact["title"] for fact in elements(card, "FactSet")[0]["facts"]]
    assert "Retfærdighed" in facts


def test_colours_run_from_red_through_grey_to_blue() -> None:
    assert _colours(4) == [
        "divergingRed",
        "divergingLightRed",
        "divergingLightBlue",
        "divergingBlue",
    ]
    assert _colours(7) is not None and _colours(7)[3] == "divergingGray"  # type: ignore[index]
    assert _colours(9) is None


async def test_every_chart_has_a_text_fallback_and_the_card_stays_small(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:chart-size", range(1, 9))
    last = ""
    for week in range(8):
        items = [FIRST, SECOND, THIRD][week % 3]
        last = await asked_round(session_factory, unit, week, items, [4, 3, 5, 2, 4, 4], MEMBERS)
    for language in ("da", "en"):
        card = await card_of(session_factory, unit, last, language)
        charts = [
            chart
            for kind in ("Chart.Line", "Chart.HorizontalBar.Stacked", "Chart.HorizontalBar")
            for chart in elements(card, kind)
        ]
        assert len(charts) >= 3
        for chart in charts:
            assert chart["fallback"]["type"] == "Container" and texts(chart["fallback"])
        assert len(json.dumps(card, ensure_ascii=False).encode()) < CARD_LIMIT
