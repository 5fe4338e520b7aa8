"""The tab's view models: exactly what its endpoints return, built from Summaries' results alone.

Pure functions: released figures and reasons in, JSON-ready models out. A figure the release hides
becomes `state="hidden"` with its reason and nothing else (no count, no rate, no score, not even
as zero), so neither the page nor anyone reading its data can find a number that was not shown.
Texts that belong to the question bank (dimension names, questions, scale labels) are filled in
for the viewer's language here; every other word is the page's (dialogs/texts).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from storage.directory.baselines import BaselineScore
from storage.disclosure import Suppression
from storage.question_bank import Language, QuestionBank
from storage.results.actions import PlannedAction
from storage.results.figures import Figures
from storage.results.values import RoundResult
from storage.values import UnitInfo

FigureState = Literal["shown", "hidden", "none"]  # none: no closed round in the figure at all
CellState = Literal["shown", "hidden", "not_asked", "none"]
FOLLOW_UP = "follow_up"  # asked about an agreed action: not a dimension to compare units by


class View(BaseModel):
    model_config = ConfigDict(frozen=True)

    def as_json(self) -> dict[str, Any]:
        """What the endpoint sends: JSON values, and no key for what a view does not have (a
        hidden figure is its state and reason, not a row of nulls)."""
        return self.model_dump(mode="json", exclude_none=True)


class Named(View):
    id: str
    name: str


class DimensionView(View):
    dimension: str
    name: str
    score: float
    answers: int
    distribution: list[int]  # least favourable first
    labels: list[str]  # the scale's words, in the same order


class WithheldView(View):
    dimension: str
    name: str
    reason: Suppression


class FigureView(View):
    """A released figure (answers, response rate, dimensions), or only why it is not shown."""

    state: FigureState
    reason: Suppression | None = None
    responses: int | None = None
    eligible: int | None = None
    response_rate: int | None = None  # per cent, rounded
    dimensions: list[DimensionView] = []
    withheld: list[WithheldView] = []


class Cell(View):
    """One unit × dimension of the heatmap."""

    dimension: str
    state: CellState
    score: float | None = None
    reason: Suppression | None = None


class HeatmapRow(View):
    unit: Named
    depth: int  # 0: the unit the map is about, 1: a unit below it
    team: bool
    has_children: bool
    figure: FigureView  # the unit's month without its dimensions (those are the cells)
    cells: list[Cell]


class Heatmap(View):
    period: str | None
    periods: list[str]
    dimensions: list[Named]
    breadcrumb: list[Named]  # from the viewer's top unit down to the one the map is about
    rows: list[HeatmapRow]


class MonthView(View):
    period: str
    figure: FigureView


class QuestionView(View):
    item: str
    text: str
    dimension: str
    score: float


class RoundView(View):
    round_id: str
    sequence: int
    period: str
    closes_on: date
    figure: FigureView
    questions: list[QuestionView] = []
    comments: list[str] = []
    comments_state: Literal["shown", "held_back", "hidden"] = "hidden"


class TrendPoint(View):
    sequence: int
    closes_on: date
    score: float


class QuestionTrend(View):
    item: str
    text: str
    dimension: str
    points: list[TrendPoint]  # oldest first, shown rounds only


class DimensionScore(View):
    dimension: str
    name: str
    score: float


class BaselineView(View):
    source: str | None
    scores: list[DimensionScore] = []


class FollowUpView(View):
    sequence: int
    closes_on: date
    figure: FigureView


class PlanItem(View):
    title: str
    status: str
    addresses: str | None  # "dimension:justice", "item:tk1", "theme:…"
    addresses_name: str | None  # the dimension or question in the viewer's language
    responsible: str | None
    deadline: date | None
    agreed_on: date
    follow_up: FollowUpView | None = None


class UnitPage(View):
    unit: Named
    team: bool
    breadcrumb: list[Named]
    children: list[Named]
    months: list[MonthView]  # newest first
    rounds: list[RoundView]  # newest first
    question_trends: list[QuestionTrend]
    baseline: BaselineView
    plan: list[PlanItem]
    comment_threshold: int
    downloads: list[str]  # kinds of download the page offers (the bot knows their addresses)


# --- builders ------------------------------------------------------------------------------------


def dimension_name(bank: QuestionBank, dimension: str, language: Language) -> str:
    texts = bank.dimensions.get(dimension)
    return texts.get(language) if texts else dimension


def compared_dimensions(bank: QuestionBank, language: Language) -> list[Named]:
    """The heatmap's columns: every dimension but the follow-up question, in the bank's order."""
    return [
        Named(id=d, name=dimension_name(bank, d, language))
        for d in bank.dimensions
        if d != FOLLOW_UP
    ]


def scale_labels(bank: QuestionBank, dimension: str, language: Language) -> list[str]:
    """The words of a dimension's scale, least favourable first (as its distribution is)."""
    items = [item for item in bank.all_items() if item.dimension == dimension]
    if not items:
        return []
    labels = list(bank.scales[items[0].scale].labels[language])
    return labels if items[0].higher_is_better else labels[::-1]


def _rate(responses: int, eligible: int) -> int | None:
    return round(responses / eligible * 100) if eligible else None


def figure_view(
    figures: Figures | None,
    reason: Suppression | None,
    bank: QuestionBank,
    language: Language,
    *,
    with_dimensions: bool = True,
) -> FigureView:
    """Shown figures as they are; hidden ones as their reason only."""
    if figures is None:
        return FigureView(state="hidden", reason=reason or Suppression.TOO_FEW)
    dimensions = [
        DimensionView(
            dimension=d.dimension,
            name=dimension_name(bank, d.dimension, language),
            score=d.score,
            answers=d.answers,
            distribution=list(d.distribution),
            labels=scale_labels(bank, d.dimension, language),
        )
        for d in figures.dimensions
    ]
    withheld = [
        WithheldView(dimension=d, name=dimension_name(bank, d, language), reason=r)
        for d, r in sorted(figures.withheld.items())
    ]
    return FigureView(
        state="shown",
        responses=figures.responses,
        eligible=figures.eligible,
        response_rate=_rate(figures.responses, figures.eligible),
        dimensions=dimensions if with_dimensions else [],
        withheld=withheld if with_dimensions else [],
    )


Month = tuple[Figures | None, Suppression | None] | None  # None: no closed round that month


def month_figure(month: Month, bank: QuestionBank, language: Language, **kw: bool) -> FigureView:
    if month is None:
        return FigureView(state="none")
    return figure_view(month[0], month[1], bank, language, **kw)


def cells_of(month: Month, columns: list[Named]) -> list[Cell]:
    """A unit's month across the compared dimensions: a score, or why there is none."""
    if month is None:
        return [Cell(dimension=c.id, state="none") for c in columns]
    figures, reason = month
    if figures is None:
        hidden = reason or Suppression.TOO_FEW
        return [Cell(dimension=c.id, state="hidden", reason=hidden) for c in columns]
    scores = {d.dimension: d.score for d in figures.dimensions}
    cells = []
    for column in columns:
        if column.id in scores:
            cells.append(Cell(dimension=column.id, state="shown", score=scores[column.id]))
        elif column.id in figures.withheld:
            cells.append(
                Cell(dimension=column.id, state="hidden", reason=figures.withheld[column.id])
            )
        else:
            cells.append(Cell(dimension=column.id, state="not_asked"))
    return cells


def heatmap_view(
    period: str | None,
    periods: list[str],
    rows: list[tuple[UnitInfo, int, bool]],
    months: dict[str, Month],
    breadcrumb: list[UnitInfo],
    bank: QuestionBank,
    language: Language,
) -> Heatmap:
    """Units (with their depth and whether units lie below them) × dimensions for one month."""
    columns = compared_dimensions(bank, language)
    return Heatmap(
        period=period,
        periods=periods,
        dimensions=columns,
        breadcrumb=[Named(id=u.id, name=u.name) for u in breadcrumb],
        rows=[
            HeatmapRow(
                unit=Named(id=unit.id, name=unit.name),
                depth=depth,
                team=unit.teams_team_id is not None,
                has_children=has_children,
                figure=month_figure(months.get(unit.id), bank, language, with_dimensions=False),
                cells=cells_of(months.get(unit.id), columns),
            )
            for unit, depth, has_children in rows
        ],
    )


def round_view(result: RoundResult, bank: QuestionBank, language: Language) -> RoundView:
    shown = result.figures is not None
    questions = []
    for item_id, score in result.item_scores.items():
        item = bank.item(item_id)
        questions.append(
            QuestionView(
                item=item_id, text=item.text.get(language), dimension=item.dimension, score=score
            )
        )
    order = {item.id: index for index, item in enumerate(bank.all_items())}
    questions.sort(key=lambda q: order.get(q.item, len(order)))
    state: Literal["shown", "held_back", "hidden"] = "hidden"
    if shown:
        state = "held_back" if result.comments_held_back else "shown"
    return RoundView(
        round_id=result.round_id,
        sequence=result.sequence,
        period=result.period,
        closes_on=result.closes_at.date(),
        figure=figure_view(result.figures, result.suppressed, bank, language),
        questions=questions,
        comments=list(result.comments) if shown else [],
        comments_state=state,
    )


def question_trends(rounds: list[RoundView]) -> list[QuestionTrend]:
    """Each question's score over the shown rounds that asked it, oldest first."""
    trends: dict[str, QuestionTrend] = {}
    for view in reversed(rounds):  # rounds come newest first
        for question in view.questions:
            trend = trends.get(question.item)
            point = TrendPoint(
                sequence=view.sequence, closes_on=view.closes_on, score=question.score
            )
            if trend is None:
                trends[question.item] = QuestionTrend(
                    item=question.item,
                    text=question.text,
                    dimension=question.dimension,
                    points=[point],
                )
            else:
                trends[question.item] = trend.model_copy(update={"points": [*trend.points, point]})
    return list(trends.values())


def baseline_view(
    baseline: dict[str, BaselineScore], bank: QuestionBank, language: Language
) -> BaselineView:
    source = next((score.source for score in baseline.values()), None)
    return BaselineView(
        source=source,
        scores=[
            DimensionScore(
                dimension=d, name=dimension_name(bank, d, language), score=round(s.score, 1)
            )
            for d, s in baseline.items()
        ],
    )


def addresses_name(bank: QuestionBank, addresses: str | None, language: Language) -> str | None:
    if addresses is None:
        return None
    kind, _, key = addresses.partition(":")
    if kind == "dimension":
        return dimension_name(bank, key, language)
    if kind == "item":
        try:
            return bank.item(key).text.get(language)
        except KeyError:
            return None
    return None  # a theme: the page names it in its own words


def plan_view(
    actions: list[PlannedAction], bank: QuestionBank, language: Language
) -> list[PlanItem]:
    items = []
    for action in actions:
        follow_up = None
        found = action.follow_up
        if found is not None:
            if found.distribution is None or found.score is None:
                figure = FigureView(state="hidden", reason=found.suppressed or Suppression.TOO_FEW)
            else:
                figure = FigureView(
                    state="shown",
                    dimensions=[
                        DimensionView(
                            dimension=FOLLOW_UP,
                            name=dimension_name(bank, FOLLOW_UP, language),
                            score=found.score,
                            answers=sum(found.distribution),
                            distribution=list(found.distribution),
                            labels=scale_labels(bank, FOLLOW_UP, language),
                        )
                    ],
                )
            follow_up = FollowUpView(
                sequence=found.sequence, closes_on=found.closes_at.date(), figure=figure
            )
        items.append(
            PlanItem(
                title=action.title,
                status=action.status.value,
                addresses=action.addresses,
                addresses_name=addresses_name(bank, action.addresses, language),
                responsible=action.responsible,
                deadline=action.deadline,
                agreed_on=action.agreed_on,
                follow_up=follow_up,
            )
        )
    return items


def unit_page_view(
    unit: UnitInfo,
    breadcrumb: list[UnitInfo],
    children: list[UnitInfo],
    months: dict[str, Month],
    rounds: list[RoundResult],
    baseline: dict[str, BaselineScore],
    plan: list[PlannedAction],
    comment_threshold: int,
    bank: QuestionBank,
    language: Language,
) -> UnitPage:
    round_views = [round_view(r, bank, language) for r in rounds]
    return UnitPage(
        unit=Named(id=unit.id, name=unit.name),
        team=unit.teams_team_id is not None,
        breadcrumb=[Named(id=u.id, name=u.name) for u in breadcrumb],
        children=[Named(id=u.id, name=u.name) for u in children],
        months=[
            MonthView(period=period, figure=month_figure(month, bank, language))
            for period, month in months.items()
            if month is not None
        ],
        rounds=round_views,
        question_trends=question_trends(round_views),
        baseline=baseline_view(baseline, bank, language),
        plan=plan_view(plan, bank, language),
        comment_threshold=comment_threshold,
        downloads=["results_csv", "med_document"],
    )
