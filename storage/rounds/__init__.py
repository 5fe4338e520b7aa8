"""A round's life: opening, schedules, closing (the tally), closing notes, month versions."""

__all__ = ["closing_note", "lifecycle", "period_versions", "schedules", "tally"]
