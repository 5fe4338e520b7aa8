"""Copenhagen's calendar: holidays, working hours and quiet hours."""

__all__ = ["holidays", "quiet_hours"]
