"""The summary card's charts: each question's own trend as a line, the answers as stacked bars.

Teams draws `Chart.Line` and `Chart.HorizontalBar.Stacked` (schema 1.5, Teams' chart elements);
a client that does not know them renders the element's `fallback`, the same figures as text. The
sentences beside the charts stay on the card whatever the client draws: they say what a line
cannot (when the question was last asked, that an earlier figure is hidden, that there is nothing
to compare with) and they are what a screen reader reads.

Only released figures reach here: a trend point is a shown round's (storage/results/trends.py), and a
hidden round is never a point of a line, so there is nothing hidden to draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from dialogs.cards.common import paragraph
from dialogs.dates import day_and_month
from dialogs.i18n import Language, t
from storage.calendar.zone import COPENHAGEN
from storage.question_bank import QuestionBank
from storage.results.figures import Figures
from storage.results.tab.views import dimension_name, scale_labels
from storage.results.trends import QuestionTrend
from storage.results.values import Summary

MAX_STACKED_SERIES = 4  # Teams' renderer refuses a stacked bar chart of more than four data sets
# Least favourable red, neutral grey, most favourable blue (Teams' well-known chart colours).
UNFAVOURABLE = ("divergingRed", "divergingLightRed", "divergingPeach")
FAVOURABLE = ("divergingCyan", "divergingLightBlue", "divergingBlue")
NEUTRAL = "divergingGray"


def _whole(score: float) -> int:
    """A score as the card writes it (0–100, no decimals)."""
    return round(score)


def _change(trend: QuestionTrend, language: Language) -> str:
    """The change as the two written scores differ, so the words and the numbers agree."""
    earlier = trend.compared
    if earlier is None:
        return ""
    difference = _whole(trend.current.score) - _whole(earlier.score)
    if difference == 0:
        return t(language, "summary.change_same")
    return f"+{difference}" if difference > 0 else f"\u2212{-difference}"


def trend_sentence(trend: QuestionTrend, language: Language, k: int) -> str:
    """This question now, against the last time it was asked, or why there is no comparison."""
    now = trend.current
    score = _whole(now.score)
    last = trend.last_asked
    earlier = trend.compared
    if last is None:
        return t(language, "summary.question_first", score=score)
    date = day_and_month(last.closes_at, language, now.closes_at)
    if last.suppressed is None and earlier is not None:
        return t(
            language,
            "summary.question_compared",
            score=score,
            date=date,
            earlier=_whole(earlier.score),
            change=_change(trend, language),
        )
    if earlier is None:
        return t(language, "summary.question_only_hidden", score=score, date=date, k=k)
    return t(
        language,
        "summary.question_compared_past_hidden",
        score=score,
        date=date,
        k=k,
        earlier_date=day_and_month(earlier.closes_at, language, now.closes_at),
        earlier=_whole(earlier.score),
        change=_change(trend, language),
    )


def _legends(trends: Sequence[QuestionTrend], bank: QuestionBank, language: Language) -> list[str]:
    """Each line's legend: its dimension, numbered when a round asked two of one dimension."""
    names = [dimension_name(bank, trend.dimension, language) for trend in trends]
    legends = []
    for index, name in enumerate(names):
        repeat = names[:index].count(name)
        legends.append(f"{name} ({repeat + 1})" if repeat or names.count(name) > 1 else name)
    return legends


def _line_chart(
    trends: Sequence[QuestionTrend], bank: QuestionBank, language: Language
) -> dict[str, Any]:
    """One line per question that has an earlier shown asking; x is the day its round closed."""
    legends = _legends(trends, bank, language)
    fallback = [
        paragraph(
            f"{legend}: "
            + " → ".join(
                t(
                    language,
                    "summary.trend_point",
                    date=day_and_month(point.closes_at, language, trend.current.closes_at),
                    score=_whole(point.score),
                )
                for point in trend.points
            ),
            size="Small",
            spacing="None",
        )
        for legend, trend in zip(legends, trends, strict=True)
    ]
    return {
        "type": "Chart.Line",
        "title": t(language, "summary.question_trend_chart"),
        "colorSet": "categorical",
        # Read by Teams' chart renderer (and the Playground's): the whole scale, so a step of two
        # points looks like two points and not like a cliff. Other clients ignore them.
        "yMin": 0,
        "yMax": 100,
        "data": [
            {
                "legend": legend,
                "values": [
                    {
                        "x": point.closes_at.astimezone(COPENHAGEN).date().isoformat(),
                        "y": _whole(point.score),
                    }
                    for point in trend.points
                ],
            }
            for legend, trend in zip(legends, trends, strict=True)
        ],
        "fallback": {"type": "Container", "items": fallback},
    }


def question_trend_section(
    summary: Summary, bank: QuestionBank, language: Language, k: int
) -> list[dict[str, Any]]:
    """Each question of the round with its own history: a line where there is one, words always."""
    trends = sorted(summary.question_trends, key=_bank_order(bank))
    if not trends:
        return []
    items: list[dict[str, Any]] = [
        paragraph(t(language, "summary.question_trend_title"), weight="Bolder", spacing="Medium"),
        paragraph(t(language, "summary.question_trend_note"), isSubtle=True, size="Small"),
    ]
    drawn = [trend for trend in trends if trend.compared is not None]
    if drawn:
        items.append(_line_chart(drawn, bank, language))
    for trend in trends:
        item = bank.item(trend.item_id)
        heading = t(
            language,
            "summary.question_heading",
            dimension=dimension_name(bank, trend.dimension, language),
            question=item.text.get(language),
        )
        items.append(
            {
                "type": "Container",
                "spacing": "Small",
                "items": [
                    paragraph(heading, size="Small"),
                    paragraph(
                        trend_sentence(trend, language, k),
                        isSubtle=True,
                        size="Small",
                        spacing="None",
                    ),
                ],
            }
        )
    return items


def _bank_order(bank: QuestionBank) -> Any:
    order = {item.id: index for index, item in enumerate(bank.all_items())}
    return lambda trend: order.get(trend.item_id, len(order))


def _colours(points: int) -> list[str] | None:
    """Red to grey to blue over the scale, least favourable first; None past seven points."""
    half = points // 2
    if half > len(UNFAVOURABLE):
        return None
    middle = [NEUTRAL] if points % 2 else []
    return [*UNFAVOURABLE[:half], *middle, *FAVOURABLE[len(FAVOURABLE) - half :]]


def distribution_charts(
    figures: Figures, bank: QuestionBank, language: Language
) -> list[dict[str, Any]]:
    """The shown dimensions' answers as stacked bars, least favourable first: one chart per
    scale (a chart has one legend), at most four dimensions a chart. The counts are the very
    distribution the card's text gives as shares; a dimension not shown is not in `figures`."""
    groups: dict[tuple[str, ...], list[tuple[str, list[int]]]] = {}
    for result in figures.dimensions:
        labels = tuple(scale_labels(bank, result.dimension, language))
        if len(labels) != len(result.distribution) or not sum(result.distribution):
            continue
        name = dimension_name(bank, result.dimension, language)
        groups.setdefault(labels, []).append((name, list(result.distribution)))
    charts: list[dict[str, Any]] = []
    if groups:
        # Teams' renderer keeps a stacked chart's title for screen readers and does not draw
        # it (seen in the Playground), so the heading is also said in words above the bars.
        charts.append(
            paragraph(
                t(language, "summary.distribution_title"),
                weight="Bolder",
                size="Small",
                spacing="Medium",
            )
        )
    for labels, rows in groups.items():
        colours = _colours(len(labels))
        # Five dimensions as three and two, not four and one: the charts look alike.
        size = math.ceil(len(rows) / math.ceil(len(rows) / MAX_STACKED_SERIES))
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            fallback = [
                paragraph(
                    t(
                        language,
                        "summary.distribution_line",
                        dimension=name,
                        counts=" · ".join(
                            f"{label} {count}" for label, count in zip(labels, counts, strict=True)
                        ),
                    ),
                    size="Small",
                    spacing="None",
                )
                for name, counts in chunk
            ]
            charts.append(
                {
                    "type": "Chart.HorizontalBar.Stacked",
                    "title": t(language, "summary.distribution_title"),
                    "data": [
                        {
                            "title": name,
                            "data": [
                                {
                                    "legend": label,
                                    "value": count,
                                    **({"color": colours[position]} if colours else {}),
                                }
                                for position, (label, count) in enumerate(
                                    zip(labels, counts, strict=True)
                                )
                            ],
                        }
                        for name, counts in chunk
                    ],
                    "fallback": {"type": "Container", "items": fallback},
                }
            )
    return charts
