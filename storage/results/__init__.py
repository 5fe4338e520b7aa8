"""What the release shows: a figure and its maths, months (decided once and kept), a round's own
figures, what a viewer may choose, the summaries, the HR export, actions, the MED document,
sharing, download links and the tab's views.

`summaries.Summaries` is the read side's face; the modules below it are its parts (the
import-linter contract for storage.results in pyproject.toml gives their order)."""

__all__ = [
    "actions",
    "choices",
    "closed_rounds",
    "download_links",
    "export",
    "figures",
    "med_document",
    "month_notes",
    "month_release",
    "months",
    "short_form",
    "summaries",
    "tab",
    "team_share",
    "trends",
    "values",
]
