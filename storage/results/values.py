"""What the read side of results hands out: a summary, a round as the tab lists it, a choice.

Frozen values, built only from what the release shows (storage.disclosure); a hidden figure is
carried as the reason it is hidden, never as its numbers. A figure itself is in `figures`.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from storage.answers.reflections import ReleasedReflections
from storage.comments import DEFAULT_MIN_COMMENT_GROUP_SIZE
from storage.disclosure import Suppression
from storage.results.actions import PlannedAction
from storage.results.figures import Figures
from storage.results.trends import QuestionTrend


class TrendPoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str  # round number or month
    closes_at: datetime
    scores: dict[str, float]


class Comparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    unit_name: str
    period: str
    scores: dict[str, float] | None
    suppressed: Suppression | None


class Summary(BaseModel):
    """One released (or explained-as-hidden) result, ready for a card or an export."""

    model_config = ConfigDict(frozen=True)

    unit_id: str
    unit_name: str
    round_id: str | None
    sequence: int | None
    period: str
    closes_at: datetime | None
    figures: Figures | None
    suppressed: Suppression | None
    comments: list[str] = []
    # A round's figures shown but its comments not: fewer answered than the comment threshold.
    comments_held_back: bool = False
    # Whether the round's card told people a leader may share the comments with the team (rounds
    # made before sharing existed promised only the leaders and HR): storage/results/team_share.py.
    comments_shareable: bool = False
    comment_threshold: int = DEFAULT_MIN_COMMENT_GROUP_SIZE  # the one in force (rule 6)
    trend: list[TrendPoint] = []  # per dimension (the MED document); the card compares questions
    # Each question of a shown round against the last time the unit was asked it (storage/results/trends.py).
    question_trends: list[QuestionTrend] = []
    parent: Comparison | None = None
    baseline: dict[str, float] = {}
    baseline_source: str | None = None
    plan: list[PlannedAction] = []

    @property
    def actions(self) -> list[str]:
        """The newest titles of the plan, in a word."""
        return [action.title for action in self.plan[:5]]


class RoundResult(BaseModel):
    """A closed round as the results tab lists it: its own figures, per question too, or why not.

    A round's figures are decided by its own size (disclosure.round_decision): a question's score
    in a shown round is a figure of that round, made of the same answers as its dimensions."""

    model_config = ConfigDict(frozen=True)

    round_id: str
    sequence: int
    period: str
    closes_at: datetime
    figures: Figures | None
    suppressed: Suppression | None
    item_scores: dict[str, float] = {}  # question → score 0–100, for a shown round only
    comments: list[str] = []
    comments_held_back: bool = False


class Choice(BaseModel):
    """Something a viewer may ask a summary of: a closed round, or a unit's month."""

    model_config = ConfigDict(frozen=True)

    unit_id: str
    unit_name: str
    round_id: str | None
    sequence: int | None
    period: str
    closes_at: datetime | None
    prompt_text: dict[str, str] | None = None  # a reflection round: the prompt, per language


class ReflectionSummary(BaseModel):
    """A reflection round as a leader sees it: the texts and ratings, or why they are hidden."""

    model_config = ConfigDict(frozen=True)

    unit_name: str
    prompt_text: dict[str, str]
    closes_at: datetime
    released: ReleasedReflections | None
