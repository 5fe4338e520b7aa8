"""A unit page's figures as a spreadsheet: the same rows and format as HR's export.

Built from the page's own view model, so the file holds exactly the figures the page shows (and
the per-figure audit of the page covers it); hidden figures are left out, as in the export.
"""

from __future__ import annotations

import re

from aiohttp import web

from bot.documents.results_export import danish_csv
from dialogs.i18n import Language
from storage.question_bank import QuestionBank
from storage.results.tab.views import FigureView, UnitPage

Row = dict[str, object]


def _rows(period: str, unit: str, figure: str, view: FigureView) -> list[Row]:
    if view.state != "shown":
        return []
    return [
        {
            "period": period,
            "unit": unit,
            "figure": figure,
            "responses": view.responses,
            "eligible": view.eligible,
            "dimension": d.dimension,
            "answers": d.answers,
            "score": d.score,
        }
        for d in view.dimensions
    ]


def page_rows(page: UnitPage) -> list[Row]:
    rows: list[Row] = []
    for month in page.months:
        rows += _rows(month.period, page.unit.name, "month", month.figure)
    for pulse in page.rounds:
        rows += _rows(pulse.period, page.unit.name, f"round {pulse.sequence}", pulse.figure)
    return rows


def results_csv(page: UnitPage, bank: QuestionBank, language: Language) -> web.Response:
    slug = re.sub(r"[^a-z0-9]+", "-", page.unit.name.casefold()).strip("-") or "enhed"
    return web.Response(
        body=danish_csv(page_rows(page), bank, language),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="resultater-{slug}.csv"',
            "Cache-Control": "no-store",
        },
    )
