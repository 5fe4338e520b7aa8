"""Copenhagen's calendar: its clock (zone, months), holidays, working hours and quiet hours."""

__all__ = ["holidays", "quiet_hours", "zone"]
