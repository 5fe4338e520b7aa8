"""A round's life: opening, the cadence grid, schedules, closing (the tally), closing notes, month
versions."""

__all__ = ["cadence", "closing_note", "lifecycle", "period_versions", "schedules", "tally"]
