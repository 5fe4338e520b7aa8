"""What the Resultater tab may show: view models built only from the release, and their reader.

`views` holds the pure part (the JSON the tab's endpoints return, built from Summaries' results
and nothing else); `reader` gathers those results for one viewer. Every hidden figure is carried
as its reason alone: no count, score or rate of it ever enters a view.
"""

from storage.results.tab.reader import ResultsTab
from storage.results.tab.views import (
    Cell,
    FigureView,
    Heatmap,
    HeatmapRow,
    RoundView,
    UnitPage,
)

__all__ = [
    "Cell",
    "FigureView",
    "Heatmap",
    "HeatmapRow",
    "ResultsTab",
    "RoundView",
    "UnitPage",
]
