"""Gathers what one viewer's tab shows, from Summaries, the hierarchy, baselines and the plan.

Everything comes through Summaries (and so through the release); this module only decides which
units and months a view is about, from the units the viewer may see.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from storage.directory.baselines import Baselines
from storage.directory.hierarchy import Hierarchy
from storage.errors import NotAllowed
from storage.question_bank import Language, QuestionBank
from storage.results.summaries import Summaries
from storage.results.tab.views import Heatmap, Month, UnitPage, heatmap_view, unit_page_view
from storage.rounds.period_versions import period_of
from storage.tables.directory import utcnow
from storage.values import UnitInfo

HISTORY_MONTHS = 12  # months on a unit's page
HISTORY_ROUNDS = 12  # rounds on a team's page


class Visible:
    """The units one viewer may see, in tree order, with their places among each other."""

    def __init__(self, units: list[UnitInfo]) -> None:
        self.units = units
        self.by_id = {u.id: u for u in units}
        self.children: dict[str, list[UnitInfo]] = {u.id: [] for u in units}
        for unit in units:
            if unit.parent_id in self.children and unit.parent_id != unit.id:
                self.children[unit.parent_id].append(unit)
        self.roots = [u for u in units if u.parent_id not in self.by_id or u.parent_id == u.id]

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.by_id

    def chain(self, unit_id: str) -> list[UnitInfo]:
        """From the viewer's top unit down to this one (cycle-safe)."""
        chain: list[UnitInfo] = []
        current = self.by_id.get(unit_id)
        while current is not None and current not in chain:
            chain.append(current)
            current = self.by_id.get(current.parent_id or "")
        return chain[::-1]


class ResultsTab:
    """The tab's reads for a viewer: the heatmap of a month and a unit's page."""

    def __init__(
        self,
        summaries: Summaries,
        hierarchy: Hierarchy,
        baselines: Baselines,
        bank: QuestionBank,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._summaries = summaries
        self._hierarchy = hierarchy
        self._baselines = baselines
        self._bank = bank
        self._now = now

    async def visible(self, aad_object_id: str | None, is_hr: bool) -> Visible:
        return Visible(await self._hierarchy.units_visible_to(aad_object_id, is_hr))

    def _default_period(self, periods: list[str]) -> str | None:
        """The newest month that is over (unit figures wait for the month's end), else the newest."""
        current = period_of(self._now())
        return next((p for p in periods if p < current), periods[0] if periods else None)

    async def heatmap(
        self,
        visible: Visible,
        language: Language,
        period: str | None = None,
        root: str | None = None,
    ) -> Heatmap:
        """A unit and the units right below it (the viewer's top units when none is named)."""
        if root is not None and root not in visible:
            raise NotAllowed(root)
        periods = await self._summaries.result_months()
        if period is not None and period not in periods:
            period = None
        chosen = period or self._default_period(periods)
        rows: list[tuple[UnitInfo, int, bool]] = []
        tops = [visible.by_id[root]] if root is not None else visible.roots
        for top in tops:
            rows.append((top, 0, bool(visible.children[top.id])))
            if len(tops) == 1:
                rows += [(c, 1, bool(visible.children[c.id])) for c in visible.children[top.id]]
        ids = {unit.id for unit, _, _ in rows}
        months: dict[str, Month] = {}
        if chosen is not None and ids:
            months = await self._summaries.unit_months(chosen, ids, visible.by_id)
        breadcrumb = visible.chain(tops[0].id) if len(tops) == 1 else []
        return heatmap_view(chosen, periods, rows, months, breadcrumb, self._bank, language)

    async def unit_page(self, visible: Visible, unit_id: str, language: Language) -> UnitPage:
        """A unit's months and rounds, its baseline, its handlingsplan."""
        if unit_id not in visible:
            raise NotAllowed(unit_id)
        unit = visible.by_id[unit_id]
        months: dict[str, Month] = {}
        for period in (await self._summaries.result_months())[:HISTORY_MONTHS]:
            found = await self._summaries.unit_months(period, [unit_id], visible.by_id)
            months[period] = found[unit_id]
        rounds = await self._summaries.unit_rounds(unit_id, visible.by_id, HISTORY_ROUNDS)
        return unit_page_view(
            unit,
            visible.chain(unit_id),
            visible.children[unit_id],
            months,
            rounds,
            await self._baselines.baselines_for(unit_id),
            await self._summaries.plan.for_units([unit_id], visible.by_id),
            self._summaries.comment_threshold,
            self._bank,
            language,
        )
