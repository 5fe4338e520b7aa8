"""The outbox, who may send now, delivery status and estimates, whose push it is."""

__all__ = ["estimate", "outbox", "push_origins", "send_control", "status"]
