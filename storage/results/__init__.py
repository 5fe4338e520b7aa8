"""What the release shows: figures, months and summaries, actions, the MED document, sharing,
download links and the tab's views."""

__all__ = [
    "actions",
    "download_links",
    "med_document",
    "month_notes",
    "summaries",
    "tab",
    "team_share",
    "trends",
]
